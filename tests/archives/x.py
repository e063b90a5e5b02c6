"""X / Twitter archive builder (data/tweets.js with window.YTD wrappers)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.archives.common import OTHER_HANDLE, Content, at, json_array, post_text, write_archive


def _ytd(name: str, items: Iterator[object], part: int = 0) -> Iterator[bytes]:
    return json_array(items, f"window.YTD.{name}.part{part} = ".encode())


def build_x_archive(
    dest: Path,
    *,
    posts: int = 3,
    texts: list[str] | None = None,
    handle: str = "alice",
    display_name: str = "Alice Example",
    replies: int = 0,
    retweets: int = 0,
    followers: int | None = 4,
    following: int | None = 2,
    legacy: bool = False,
    parts: int = 1,
    extra: Mapping[str, Content] | None = None,
    other: str = OTHER_HANDLE,
) -> Path:
    """An X archive zip: data/tweets.js (or tweet.js when `legacy`), account.js, follower.js…

    Replies and retweets answer or reshare `other` (a screen name)."""
    kinds = ["post"] * posts + ["reply"] * replies + ["retweet"] * retweets

    def tweets(part: int) -> Iterator[object]:
        for n in range(part, len(kinds), parts):
            yield {"tweet": _tweet(n, kinds[n], post_text(n, texts), other)}

    name = "tweet" if legacy else "tweets"
    members: dict[str, Content] = {"Your archive.html": b"<html><body>Your archive</body></html>"}
    for part in range(parts):
        file = f"data/{name}.js" if part == 0 else f"data/{name}-part{part}.js"
        members[file] = _ytd(name, tweets(part), part)
    account = {
        "account": {
            "email": "alice@example.org",
            "createdVia": "web",
            "username": handle,
            "accountId": "1000001",
            "createdAt": "2015-03-01T10:00:00.000Z",
            "accountDisplayName": display_name,
        }
    }
    members["data/account.js"] = _ytd("account", iter([account]))
    if followers is not None:
        members["data/follower.js"] = _ytd("follower", iter([_link("follower", i) for i in range(followers)]))
    if following is not None:
        members["data/following.js"] = _ytd("following", iter([_link("following", i) for i in range(following)]))
    members["data/manifest.js"] = b'window.__THAR_CONFIG = {"userInfo": {}}'
    members.update(extra or {})
    return write_archive(dest / "twitter-2024-06-01-0123456789abcdef.zip", members)


def _link(kind: str, i: int) -> dict[str, object]:
    account_id = str(2000000 + i)
    return {kind: {"accountId": account_id, "userLink": f"https://twitter.com/intent/user?user_id={account_id}"}}


def _tweet(n: int, kind: str, text: str, other: str) -> dict[str, object]:
    tweet_id = str(1600000000000000000 + n)
    mentions: list[dict[str, object]] = []
    reply_fields: dict[str, object] = {}
    if kind == "reply":
        text = f"@{other} I agree about #compost"
        mentions = [{"name": "Bob", "screen_name": other, "indices": ["0", "10"], "id_str": "2000001"}]
        reply_fields = {
            "in_reply_to_status_id_str": "1500000000000000001",
            "in_reply_to_user_id_str": "2000001",
            "in_reply_to_screen_name": other,
        }
    elif kind == "retweet":
        text = f"RT @{other}: Composting tips &amp; tricks #garden"
        mentions = [{"name": "Bob", "screen_name": other, "indices": ["3", "13"], "id_str": "2000001"}]
    tags = [{"text": word[1:], "indices": ["0", "1"]} for word in text.split() if word.startswith("#")]
    return {
        "edit_info": {"initial": {"editTweetIds": [tweet_id], "editableUntil": "2024-01-01T13:00:00.000Z",
                                  "editsRemaining": "5", "isEditEligible": True}},
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {"hashtags": tags, "symbols": [], "user_mentions": mentions, "urls": []},
        "display_text_range": ["0", str(len(text))],
        "favorite_count": str(n % 7) if kind != "retweet" else "0",
        "id_str": tweet_id,
        "truncated": False,
        "retweet_count": str(n % 3) if kind != "retweet" else "0",
        "id": tweet_id,
        "created_at": at(n).strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorited": False,
        "full_text": _x_escape(text) if kind != "retweet" else text,
        "lang": "en",
        **reply_fields,
    }


def _x_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
