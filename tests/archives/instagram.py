"""Instagram JSON export builder (mojibake text, followers/following/posts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from tests.archives.common import OTHER_HANDLE, Content, at, json_array, post_text, write_archive


def mojibake(text: str) -> str:
    """Text as Meta exports it: UTF-8 bytes read as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def build_instagram_archive(
    dest: Path,
    *,
    posts: int = 3,
    texts: list[str] | None = None,
    handle: str = "alice.example",
    display_name: str = "Alice Exämple",
    followers: int | None = 4,
    following: int | None = 2,
    layout: str = "new",
    extra: Mapping[str, Content] | None = None,
) -> Path:
    """An Instagram JSON export zip; `layout` "new" (2024, your_instagram_activity/) or "old"."""
    connections = "connections/followers_and_following" if layout == "new" else "followers_and_following"
    content = "your_instagram_activity/content" if layout == "new" else "content"
    profile_path = "personal_information/personal_information/personal_information.json" if layout == "new" \
        else "personal_information/personal_information.json"

    def person(i: int) -> dict[str, object]:
        name = f"{OTHER_HANDLE}{i}"
        return {"title": "", "media_list_data": [], "string_list_data": [
            {"href": f"https://www.instagram.com/{name}", "value": name, "timestamp": 1700000000 + i}]}

    def post(i: int) -> dict[str, object]:
        media = {"uri": f"media/posts/202401/1790000000000{i:05d}_n.jpg",
                 "creation_timestamp": int(at(i).timestamp()), "media_metadata": {}, "title": mojibake(
                     post_text(i, texts))}
        return {"media": [media]}

    members: dict[str, Content] = {
        f"{content}/posts_1.json": json_array(post(i) for i in range(posts)),
        profile_path: json.dumps({"profile_user": [{"string_map_data": {
            "Email": {"value": "alice@example.org"},
            "Username": {"value": handle},
            "Name": {"value": mojibake(display_name)},
        }}]}).encode(),
        "messages/inbox/bobcanary_123/message_1.json": json.dumps({"messages": []}).encode(),
    }
    if followers is not None:
        members[f"{connections}/followers_1.json"] = json_array(person(i) for i in range(followers))
    if following is not None:
        body = {"relationships_following": [person(i) for i in range(following)]}
        members[f"{connections}/following.json"] = json.dumps(body).encode()
    members.update(extra or {})
    return write_archive(dest / f"instagram-{handle}-2024-06-01-abc123.zip", members)
