"""Mastodon account archive builder (outbox.json, actor.json, following_accounts.csv)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from html import escape
from pathlib import Path

from tests.archives.common import OTHER_HANDLE, Content, at, json_array, post_text, write_archive


def build_mastodon_archive(
    dest: Path,
    *,
    posts: int = 3,
    texts: list[str] | None = None,
    handle: str = "alice",
    display_name: str = "Alice Example",
    instance: str = "mastodon.example.org",
    replies: int = 0,
    boosts: int = 0,
    direct: int = 0,
    following: int | None = 2,
    fmt: str = "tar.gz",
    extra: Mapping[str, Content] | None = None,
    other_handle: str = OTHER_HANDLE,
    other_instance: str = "social.example.org",
) -> Path:
    """A Mastodon backup: outbox.json, actor.json, likes/bookmarks, following_accounts.csv.

    Replies answer and mention `@other_handle@other_instance`; boosts reshare their posts."""
    base = f"https://{instance}/users/{handle}"
    other = f"https://{other_instance}/users/{other_handle}"

    def items() -> Iterator[object]:
        n = 0
        for i in range(posts):
            yield _create(base, handle, n, post_text(i, texts), other=None)
            n += 1
        for i in range(replies):
            yield _create(base, handle, n, f"Reply {i} agreeing on #compost", other=other)
            n += 1
        for _ in range(direct):
            yield _create(base, handle, n, "A private word", other=other, direct=True)
            n += 1
        for _ in range(boosts):
            yield {
                "id": f"{base}/statuses/{100000 + n}/activity",
                "type": "Announce",
                "actor": base,
                "published": at(n).isoformat().replace("+00:00", "Z"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [other, f"{base}/followers"],
                "object": f"{other}/statuses/999{n}",
            }
            n += 1

    total = posts + replies + direct + boosts
    head = (
        '{"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json", '
        f'"type": "OrderedCollection", "totalItems": {total}, "orderedItems": '
    ).encode()
    actor = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": base,
        "type": "Person",
        "following": f"{base}/following",
        "followers": f"{base}/followers",
        "inbox": f"{base}/inbox",
        "outbox": "outbox.json",
        "preferredUsername": handle,
        "name": display_name,
        "summary": "<p>Gardener and Pythonista.</p>",
        "url": f"https://{instance}/@{handle}",
        "published": "2022-11-05T00:00:00Z",
        "icon": {"type": "Image", "mediaType": "image/png", "url": "avatar.png"},
        "likes": "likes.json",
        "bookmarks": "bookmarks.json",
    }
    members: dict[str, Content] = {
        "outbox.json": json_array(items(), head, b"}"),
        "actor.json": json.dumps(actor).encode(),
        "likes.json": _collection("likes.json", [f"{other}/statuses/1", f"{other}/statuses/2"]),
        "bookmarks.json": _collection("bookmarks.json", [f"{other}/statuses/3"]),
        "avatar.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    }
    if following is not None:
        rows = "".join(f"{OTHER_HANDLE}{i}@social.example.org,true,false,\n" for i in range(following))
        members["following_accounts.csv"] = (
            "Account address,Show boosts,Notify on new posts,Languages\n" + rows
        ).encode()
    members.update(extra or {})
    suffix = "zip" if fmt == "zip" else fmt
    return write_archive(dest / f"archive-20240601120000-{'0' * 32}.{suffix}", members, fmt)


def _create(
    base: str, handle: str, n: int, text: str, *, other: str | None, direct: bool = False
) -> dict[str, object]:
    other_name, other_host = (other.rsplit("/", 1)[-1], other.split("/")[2]) if other else ("", "")
    status = f"{base}/statuses/{100000 + n}"
    host = base.split("/")[2]
    words = []
    tags: list[dict[str, str]] = []
    if other is not None:
        words.append(
            f'<span class="h-card"><a href="{other}" class="u-url mention">@<span>{other_name}</span></a></span>'
        )
        tags.append({"type": "Mention", "href": other, "name": f"@{other_name}@{other_host}"})
    for word in text.split(" "):
        if word.startswith("#") and len(word) > 1:
            tag = word[1:]
            href = f"https://{host}/tags/{tag.lower()}"
            words.append(f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{escape(tag)}</span></a>')
            tags.append({"type": "Hashtag", "href": href, "name": f"#{tag.lower()}"})
        else:
            words.append(escape(word))
    published = at(n).isoformat().replace("+00:00", "Z")
    return {
        "id": f"{status}/activity",
        "type": "Create",
        "actor": base,
        "published": published,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{base}/followers"],
        "object": {
            "id": status,
            "type": "Note",
            "summary": None,
            "inReplyTo": f"{other}/statuses/42" if other else None,
            "published": published,
            "url": f"https://{host}/@{handle}/{100000 + n}",
            "attributedTo": base,
            "to": [other] if direct else ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [] if direct else [f"{base}/followers"] + ([other] if other else []),
            "sensitive": False,
            "content": f"<p>{' '.join(words)}</p>",
            "attachment": [],
            "tag": tags,
        },
    }


def _collection(name: str, uris: list[str]) -> bytes:
    body = {"id": name, "type": "OrderedCollection", "orderedItems": uris}
    return json.dumps(body).encode()
