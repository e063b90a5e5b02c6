"""Bluesky repository export builder (CAR v1 with commit, MST nodes and records)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import libipld

from tests.archives.common import OTHER_HANDLE, START, at, post_text

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
    other: str = f"did:plc:{OTHER_HANDLE}0example0test",
) -> Path:
    """A repository export (CAR v1): commit, MST nodes and records, written as a stream.

    Replies answer and mention the account `other` (a DID); reposts, likes and follows are of it."""
    records: list[tuple[str, bytes]] = []  # (key, encoded record), written to disk as they come
    subject = {"uri": f"at://{other}/app.bsky.feed.post/3kabcdefghij2", "cid": "bafyreiexample"}
    n = 0
    record: dict[str, object]
    for i in range(posts):
        record = {"$type": "app.bsky.feed.post", "text": post_text(i, texts), "createdAt": _iso(at(n)),
                  "langs": ["en"], "facets": _tag_facets(post_text(i, texts))}
        records.append((f"app.bsky.feed.post/{tid(at(n))}", _dag_cbor(record)))
        n += 1
    for _ in range(replies):
        text = f"@{OTHER_HANDLE}.example.org agreed on #compost"
        end = len(OTHER_HANDLE) + 13
        mention: dict[str, object] = {"index": {"byteStart": 0, "byteEnd": end}, "features": [
            {"$type": "app.bsky.richtext.facet#mention", "did": other}]}
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso(at(n)),
                  "reply": {"root": subject, "parent": subject},
                  "facets": [mention, *_tag_facets(text)]}
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
