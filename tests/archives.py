"""Build small, fictional, structurally faithful network archives for tests and benchmarks.

Each builder writes one archive into the folder `dest` and returns its path. Post texts
cycle through `texts` when given (so canaries can be planted); `posts` counts own posts.
Other people in the archives are fictional accounts on reserved domains.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import libipld

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
OTHER_HANDLE = "bobcanary"  # a mentioned / followed person; must never reach parser output
Content = bytes | Path | Iterable[bytes]


def write_archive(path: Path, members: Mapping[str, Content], fmt: str = "zip") -> Path:
    """Write `members` (bytes, a file to copy, or an iterable of chunks) as zip, tar or tar.gz."""
    spool = path.parent / f".{path.name}.spool"
    if fmt == "zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, content in members.items():
                zf.write(_as_file(content, spool), name)
    elif fmt in ("tar", "tar.gz", "tgz"):
        with tarfile.open(path, "w:gz" if fmt != "tar" else "w") as tf:
            for name, content in members.items():
                tf.add(_as_file(content, spool), name)
    else:
        raise ValueError(f"unknown archive format {fmt}")
    spool.unlink(missing_ok=True)
    return path


def _as_file(content: Content, spool: Path) -> Path:
    if isinstance(content, Path):
        return content
    with spool.open("wb") as f:
        if isinstance(content, bytes):
            f.write(content)
        else:
            for chunk in content:
                f.write(chunk)
    return spool


def post_text(i: int, texts: list[str] | None) -> str:
    """The text of own post `i`: from `texts` (cycling) or a default about gardening."""
    if texts:
        return texts[i % len(texts)]
    return f"Post {i} about #gardening and #Python"


def at(i: int) -> datetime:
    """When post `i` was published: one hour apart from START."""
    return START + timedelta(hours=i)


def _json_array(items: Iterator[object], head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    yield head + b"["
    for n, item in enumerate(items):
        yield (b",\n" if n else b"\n") + json.dumps(item, ensure_ascii=False).encode()
    yield b"\n]" + tail


# ---------------------------------------------------------------- Mastodon


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
) -> Path:
    """A Mastodon backup: outbox.json, actor.json, likes/bookmarks, following_accounts.csv."""
    base = f"https://{instance}/users/{handle}"
    other = f"https://social.example.org/users/{OTHER_HANDLE}"

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
        "outbox.json": _json_array(items(), head, b"}"),
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
    status = f"{base}/statuses/{100000 + n}"
    host = base.split("/")[2]
    words = []
    tags: list[dict[str, str]] = []
    if other is not None:
        words.append(
            f'<span class="h-card"><a href="{other}" class="u-url mention">@<span>{OTHER_HANDLE}</span></a></span>'
        )
        tags.append({"type": "Mention", "href": other, "name": f"@{OTHER_HANDLE}@social.example.org"})
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


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """An in-memory zip of `members`, for fuzzing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def tar_gz_bytes(members: Mapping[str, bytes]) -> bytes:
    """An in-memory tar.gz of `members`, for fuzzing."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# ---------------------------------------------------------------- X / Twitter


def _ytd(name: str, items: Iterator[object], part: int = 0) -> Iterator[bytes]:
    return _json_array(items, f"window.YTD.{name}.part{part} = ".encode())


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
) -> Path:
    """An X archive zip: data/tweets.js (or tweet.js when `legacy`), account.js, follower.js…"""
    kinds = ["post"] * posts + ["reply"] * replies + ["retweet"] * retweets

    def tweets(part: int) -> Iterator[object]:
        for n in range(part, len(kinds), parts):
            yield {"tweet": _tweet(n, kinds[n], post_text(n, texts))}

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


def _tweet(n: int, kind: str, text: str) -> dict[str, object]:
    tweet_id = str(1600000000000000000 + n)
    mentions: list[dict[str, object]] = []
    reply_fields: dict[str, object] = {}
    if kind == "reply":
        text = f"@{OTHER_HANDLE} I agree about #compost"
        mentions = [{"name": "Bob", "screen_name": OTHER_HANDLE, "indices": ["0", "10"], "id_str": "2000001"}]
        reply_fields = {
            "in_reply_to_status_id_str": "1500000000000000001",
            "in_reply_to_user_id_str": "2000001",
            "in_reply_to_screen_name": OTHER_HANDLE,
        }
    elif kind == "retweet":
        text = f"RT @{OTHER_HANDLE}: Composting tips &amp; tricks #garden"
        mentions = [{"name": "Bob", "screen_name": OTHER_HANDLE, "indices": ["3", "13"], "id_str": "2000001"}]
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


# ---------------------------------------------------------------- Reddit


def _csv(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode()  # Reddit's files start with a BOM


def build_reddit_archive(
    dest: Path,
    *,
    posts: int = 3,
    comments: int = 2,
    texts: list[str] | None = None,
    handle: str = "alice_example",
    scores: bool = False,
    extra: Mapping[str, Content] | None = None,
) -> Path:
    """A Reddit GDPR export zip: posts.csv, comments.csv, statistics.csv and PII files to ignore."""
    post_cols = ["id", "permalink", "date", "ip", "subreddit", "gildings", "title", "url", "body"]
    comment_cols = ["id", "permalink", "date", "ip", "subreddit", "gildings", "link", "parent", "body", "media"]
    if scores:
        post_cols.append("score")
        comment_cols.append("score")

    def date(n: int) -> str:
        return at(n).strftime("%Y-%m-%d %H:%M:%S UTC")

    def post_rows() -> Iterator[list[str]]:
        for i in range(posts):
            pid = f"p{i:05d}"
            row = [pid, f"https://www.reddit.com/r/gardening/comments/{pid}/title/", date(i), "192.0.2.1",
                   "gardening", "0", f"Title {i}", "", post_text(i, texts)]
            yield row + ([str(i * 10)] if scores else [])

    def comment_rows() -> Iterator[list[str]]:
        for i in range(comments):
            cid = f"c{i:05d}"
            row = [cid, f"https://www.reddit.com/r/Python/comments/p00000/title/{cid}/", date(posts + i),
                   "192.0.2.1", "Python", "1", "https://www.reddit.com/r/Python/comments/p00000/title/",
                   "t1_parent", f"Thanks u/{OTHER_HANDLE}, agreed on #compost {i}", ""]
            yield row + ([str(-2)] if scores else [])

    members: dict[str, Content] = {
        "posts.csv": _csv(post_cols, post_rows()),
        "comments.csv": _csv(comment_cols, comment_rows()),
        "statistics.csv": _csv(["statistic", "value"], [["account name", handle], ["email address",
                                                        "alice@example.org"], ["comment karma", "42"]]),
        "ip_logs.csv": _csv(["date", "ip"], [["registration ip", "192.0.2.1"]]),
        "post_votes.csv": _csv(["id", "permalink", "direction"], [["x1", "https://www.reddit.com/r/x/", "up"]]),
        "friends.csv": _csv(["username", "note"], [[OTHER_HANDLE, ""]]),
    }
    members.update(extra or {})
    return write_archive(dest / f"export_{handle}_20240601.zip", members)


# ---------------------------------------------------------------- Instagram


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
        f"{content}/posts_1.json": _json_array(post(i) for i in range(posts)),
        profile_path: json.dumps({"profile_user": [{"string_map_data": {
            "Email": {"value": "alice@example.org"},
            "Username": {"value": handle},
            "Name": {"value": mojibake(display_name)},
        }}]}).encode(),
        "messages/inbox/bobcanary_123/message_1.json": json.dumps({"messages": []}).encode(),
    }
    if followers is not None:
        members[f"{connections}/followers_1.json"] = _json_array(person(i) for i in range(followers))
    if following is not None:
        body = {"relationships_following": [person(i) for i in range(following)]}
        members[f"{connections}/following.json"] = json.dumps(body).encode()
    members.update(extra or {})
    return write_archive(dest / f"instagram-{handle}-2024-06-01-abc123.zip", members)


# ---------------------------------------------------------------- Bluesky

DID = "did:plc:alice2example3test4abcd"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def tid(moment: datetime, clock: int = 0) -> str:
    """An atproto record key: microseconds since the epoch and a clock id, base32-sortable."""
    value = (int(moment.timestamp() * 1_000_000) << 10) | clock
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _cid_of(data: bytes) -> bytes:
    return bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()


def _dag_cbor(value: object, links: Iterable[bytes] = ()) -> bytes:
    """DAG-CBOR with `b"\\x00" + cid` byte strings turned into tag-42 links."""
    data = libipld.encode_dag_cbor(value)
    for cid in links:
        data = data.replace(b"\x58\x25\x00" + cid, b"\xd8\x2a\x58\x25\x00" + cid)
    return data


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def build_bluesky_car(
    dest: Path,
    *,
    posts: int = 3,
    texts: list[str] | None = None,
    did: str = DID,
    display_name: str | None = "Alice Example",
    replies: int = 0,
    reposts: int = 0,
    likes: int = 0,
    follows: int = 2,
    leaf_size: int = 400,
) -> Path:
    """A repository export (CAR v1): commit, MST nodes and records, written as a stream."""
    records: list[tuple[str, bytes]] = []  # (key, encoded record), written to disk as they come
    other = f"did:plc:{OTHER_HANDLE}0example0test"
    subject = {"uri": f"at://{other}/app.bsky.feed.post/3kabcdefghij2", "cid": "bafyreiexample"}
    n = 0
    for i in range(posts):
        record = {"$type": "app.bsky.feed.post", "text": post_text(i, texts), "createdAt": _iso(at(n)),
                  "langs": ["en"], "facets": _tag_facets(post_text(i, texts))}
        records.append((f"app.bsky.feed.post/{tid(at(n))}", _dag_cbor(record)))
        n += 1
    for _ in range(replies):
        text = f"@{OTHER_HANDLE}.example.org agreed on #compost"
        end = len(OTHER_HANDLE) + 13
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso(at(n)),
                  "reply": {"root": subject, "parent": subject},
                  "facets": [{"index": {"byteStart": 0, "byteEnd": end}, "features": [
                      {"$type": "app.bsky.richtext.facet#mention", "did": other}]}] + _tag_facets(text)}
        records.append((f"app.bsky.feed.post/{tid(at(n))}", _dag_cbor(record)))
        n += 1
    for collection, count in (("app.bsky.feed.repost", reposts), ("app.bsky.feed.like", likes)):
        for _ in range(count):
            record = {"$type": collection, "subject": subject, "createdAt": _iso(at(n))}
            records.append((f"{collection}/{tid(at(n))}", _dag_cbor(record)))
            n += 1
    for _ in range(follows):
        record = {"$type": "app.bsky.graph.follow", "subject": other, "createdAt": _iso(at(n))}
        records.append((f"app.bsky.graph.follow/{tid(at(n))}", _dag_cbor(record)))
        n += 1
    if display_name is not None:
        profile = {"$type": "app.bsky.actor.profile", "displayName": display_name, "description": "Gardener"}
        records.append(("app.bsky.actor.profile/self", _dag_cbor(profile)))
    records.sort()
    blocks: list[tuple[bytes, bytes]] = [(_cid_of(data), data) for _, data in records]
    keyed = [(key, cid) for (key, _), (cid, _) in zip(records, blocks, strict=True)]
    root = _mst(keyed, leaf_size, blocks)
    commit = _dag_cbor({"did": did, "version": 3, "data": b"\x00" + root, "rev": tid(START), "prev": None,
                        "sig": bytes(64)}, [root])
    commit_cid = _cid_of(commit)
    header = _dag_cbor({"version": 1, "roots": [b"\x00" + commit_cid]}, [commit_cid])
    path = dest / "repo.car"
    with path.open("wb") as f:
        f.write(_varint(len(header)) + header)
        for cid, data in [(commit_cid, commit), *blocks]:
            f.write(_varint(len(cid) + len(data)) + cid + data)
    return path


def _mst(keyed: list[tuple[str, bytes]], leaf_size: int, blocks: list[tuple[bytes, bytes]]) -> bytes:
    """A two-level tree: leaves of `leaf_size` entries, separated by entries in the root node."""
    def node(entries: list[tuple[str, bytes, bytes | None]], left: bytes | None) -> bytes:
        encoded, links, previous = [], [], b""
        for key, value, subtree in entries:
            raw = key.encode()
            shared = len(_common_prefix(previous, raw))
            encoded.append({"p": shared, "k": raw[shared:], "v": b"\x00" + value,
                            "t": b"\x00" + subtree if subtree else None})
            links += [value] + ([subtree] if subtree else [])
            previous = raw
        data = _dag_cbor({"l": b"\x00" + left if left else None, "e": encoded}, links + ([left] if left else []))
        cid = _cid_of(data)
        blocks.append((cid, data))
        return cid

    if len(keyed) <= leaf_size:
        return node([(k, v, None) for k, v in keyed], None)
    groups: list[list[tuple[str, bytes]]] = []
    separators: list[tuple[str, bytes]] = []
    i = 0
    while i < len(keyed):
        groups.append(keyed[i : i + leaf_size])
        i += leaf_size
        if i < len(keyed):
            separators.append(keyed[i])
            i += 1
    leaves = [node([(k, v, None) for k, v in group], None) for group in groups]
    entries = [(k, v, leaves[j + 1] if j + 1 < len(leaves) else None) for j, (k, v) in enumerate(separators)]
    return node(entries, leaves[0])


def _common_prefix(a: bytes, b: bytes) -> bytes:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _tag_facets(text: str) -> list[dict[str, object]]:
    facets: list[dict[str, object]] = []
    for word in text.split(" "):
        if word.startswith("#") and len(word) > 1:
            start = text.encode().find(word.encode())
            facets.append({"index": {"byteStart": start, "byteEnd": start + len(word.encode())},
                           "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": word[1:]}]})
    return facets


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def car_bytes(blocks: list[bytes], *, roots: list[bytes] | None = None) -> bytes:
    """A CAR v1 of already encoded DAG-CBOR `blocks`; the root is the first block unless given."""
    cids = [_cid_of(data) for data in blocks]
    root_cids = roots if roots is not None else cids[:1]
    header = _dag_cbor({"version": 1, "roots": [b"\x00" + c for c in root_cids]}, root_cids)
    out = bytearray(_varint(len(header)) + header)
    for cid, data in zip(cids, blocks, strict=True):
        out += _varint(len(cid) + len(data)) + cid + data
    return bytes(out)


def mst_entry_block(key: str, value: bytes) -> bytes:
    """One MST node holding a single `key` pointing at the block encoded as `value`."""
    cid = _cid_of(value)
    return _dag_cbor({"l": None, "e": [{"p": 0, "k": key.encode(), "v": b"\x00" + cid, "t": None}]}, [cid])


def commit_block(did: str = DID, version: int = 3) -> bytes:
    """A repository commit (its MST link is left out: the parser does not walk from it)."""
    return _dag_cbor({"did": did, "version": version, "rev": tid(START), "prev": None, "sig": bytes(64)})


def record_block(value: Mapping[str, object]) -> bytes:
    """A DAG-CBOR record block."""
    return _dag_cbor(dict(value))
