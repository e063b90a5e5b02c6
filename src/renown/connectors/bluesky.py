"""Bluesky repository export (`.car`): posts and reposts, follows counted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from renown.connectors.archive import ArchiveLimits, open_archive, sniff_container
from renown.connectors.car import decode, iter_blocks, open_car, read_header
from renown.connectors.jsonstream import as_dict, as_list, opt_str
from renown.connectors.layout import refuse_layout
from renown.connectors.text import hashtag, hashtags_in, strip_mentions, utc
from renown.domain.activity import (
    AccountProfile,
    Activity,
    ActivityKind,
    Coverage,
    Network,
    ParsedArchive,
    Reaction,
    Signal,
)
from renown.domain.errors import ArchiveMalformed, UnknownLayout

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
FOLLOW = "app.bsky.graph.follow"
LIKE = "app.bsky.feed.like"
PROFILE = "app.bsky.actor.profile"
_MENTION_FACET = "app.bsky.richtext.facet#mention"
_TAG_FACET = "app.bsky.richtext.facet#tag"


_COLLECTIONS = (POST, REPOST)
_FLUSH_ROWS = 4096


class _RecordKeys:
    """Record CID -> (collection, rkey), for the posts and reposts the MST lists, kept on disk.

    Records do not carry their own key, and a repository of 100,000 posts would need ~30 MB for
    this map in memory; a private temporary SQLite database (deleted when closed) keeps memory flat.
    """

    def __init__(self) -> None:
        # "" opens a private on-disk temporary database; parsing and reading may run in different threads.
        self._db = sqlite3.connect("", check_same_thread=False)
        for pragma in ("cache_size=-1024", "journal_mode=OFF", "synchronous=OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE record_key (cid BLOB PRIMARY KEY, collection INTEGER, rkey TEXT) WITHOUT ROWID")
        self._pending: list[tuple[bytes, int, str]] = []

    def add(self, cid: bytes, collection: str, rkey: str) -> None:
        self._pending.append((cid, _COLLECTIONS.index(collection), rkey))
        if len(self._pending) >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        # A CID listed twice keeps its last key, as the MST's last word on it.
        self._db.executemany("INSERT OR REPLACE INTO record_key VALUES (?, ?, ?)", self._pending)
        self._pending.clear()

    def get(self, cid: bytes) -> tuple[str, str] | None:
        row = self._db.execute("SELECT collection, rkey FROM record_key WHERE cid = ?", (cid,)).fetchone()
        return None if row is None else (_COLLECTIONS[row[0]], row[1])

    def close(self) -> None:
        self._db.close()


@dataclass
class _Index:
    """What one pass over the blocks learns: the commit, and the key of each wanted record."""

    roots: list[bytes]
    did: str | None = None
    display_name: str | None = None
    follows: int = 0
    keys: _RecordKeys = field(default_factory=_RecordKeys)
    # Per account liked or followed: how many times, and the earliest (one entry per account, not per record).
    reacted: dict[str, tuple[int, datetime | None]] = field(default_factory=dict)


def parse_bluesky(path: Path, limits: ArchiveLimits) -> ParsedArchive:
    """Read a Bluesky CAR export: the account and follows now, posts as a lazy stream."""
    if sniff_container(path) is not None:
        with open_archive(path, limits) as reader:
            refuse_layout(reader.names, Network.BLUESKY)
    index = _index(path, limits)
    if index.did is None:
        index.keys.close()
        raise UnknownLayout("the repository export has no signed commit at its root")
    account = AccountProfile(
        network=Network.BLUESKY, handle=index.did, display_name=index.display_name, following=index.follows
    )
    coverage = Coverage({Signal.OWN_POSTS, Signal.FOLLOWING})
    activities = _activities(path, limits, index.keys, index.did)
    reacted = {did: seen for did, seen in index.reacted.items() if did != index.did}
    return ParsedArchive(account=account, activities=activities, coverage=coverage, reactions=_reactions(reacted))


def _index(path: Path, limits: ArchiveLimits) -> _Index:
    with open_car(path, limits) as f:
        roots = read_header(f)
        if not roots:
            raise UnknownLayout("the repository export names no root commit")
        index = _Index(roots=roots)
        try:
            for cid, data in iter_blocks(f):
                block = decode(data)
                if not isinstance(block, dict):
                    continue
                if cid == index.roots[0]:
                    _commit(index, block)
                elif isinstance(block.get("e"), list) and "l" in block:
                    _mst_node(index, block)
                elif block.get("$type") == PROFILE:
                    index.display_name = opt_str(block.get("displayName")) or None
                elif block.get("$type") in (LIKE, FOLLOW):
                    _reaction(index, block)
            index.keys.flush()
        except BaseException:
            index.keys.close()
            raise
    return index


def _commit(index: _Index, block: dict[str, Any]) -> None:
    did = opt_str(block.get("did"))
    if not did or not did.startswith("did:") or block.get("version") not in (2, 3):
        raise UnknownLayout("the repository commit is not an atproto commit")
    index.did = did


def _mst_node(index: _Index, node: dict[str, Any]) -> None:
    key = b""
    for raw in node["e"]:
        entry = as_dict(raw)
        prefix, suffix, value = entry.get("p"), entry.get("k"), entry.get("v")
        if not (isinstance(prefix, int) and isinstance(suffix, bytes) and isinstance(value, bytes)):
            raise ArchiveMalformed("a repository tree entry is malformed")
        if not 0 <= prefix <= len(key):
            raise ArchiveMalformed("a repository tree entry is malformed")
        key = key[:prefix] + suffix
        collection, _, rkey = key.decode("utf-8", "replace").partition("/")
        if collection in _COLLECTIONS:
            index.keys.add(value, collection, rkey)
        elif collection == FOLLOW:
            index.follows += 1


def _reaction(index: _Index, record: dict[str, Any]) -> None:
    """A like (of a post: `subject.uri`) or a follow (of an account: `subject`), counted per account."""
    subject = record.get("subject")
    did = opt_str(subject) if record.get("$type") == FOLLOW else _did_of(as_dict(subject or {}).get("uri"))
    if not did or not did.startswith("did:"):
        return
    try:
        at: datetime | None = utc(record.get("createdAt"))
    except ArchiveMalformed:
        at = None  # a reaction without a usable time still counts
    count, first = index.reacted.get(did, (0, None))
    index.reacted[did] = (count + 1, at if first is None or (at is not None and at < first) else first)


def _reactions(reacted: dict[str, tuple[int, datetime | None]]) -> Iterator[Reaction]:
    for did, (count, first) in reacted.items():
        for _ in range(count):
            yield did, first


def _activities(path: Path, limits: ArchiveLimits, keys: _RecordKeys, did: str) -> Iterator[Activity]:
    try:
        with open_car(path, limits) as f:
            read_header(f)
            for cid, data in iter_blocks(f):
                wanted = keys.get(cid)
                if wanted is None:
                    continue
                record = as_dict(decode(data))
                collection, rkey = wanted
                if record.get("$type") != collection:
                    raise ArchiveMalformed("a repository record is not of its collection's type")
                yield _post(record, rkey, did) if collection == POST else _repost(record, rkey, did)
    finally:
        keys.close()


def _repost(record: dict[str, Any], rkey: str, did: str) -> Activity:
    # The subject is someone else's post: keep only that a repost happened, and when (its author, hashed later).
    return Activity(
        network=Network.BLUESKY,
        external_id=rkey,
        kind=ActivityKind.RESHARE,
        published_at=utc(record.get("createdAt")),
        text="",
        interacted_with=_others([_did_of(as_dict(record.get("subject") or {}).get("uri"))], did),
    )


def _did_of(uri: object) -> str | None:
    """The DID (an account's `AccountProfile.handle`) that an `at://did/collection/rkey` URI belongs to."""
    if not isinstance(uri, str) or not uri.startswith("at://did:"):
        return None
    return uri[len("at://"):].split("/", 1)[0] or None


def _others(dids: list[str | None], own: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(d for d in dids if d and d.startswith("did:") and d != own))


def _post(record: dict[str, Any], rkey: str, did: str) -> Activity:
    raw = opt_str(record.get("text")) or ""
    facets = [as_dict(f) for f in as_list(record.get("facets"))]
    text, facet_mentions = _without_mention_facets(raw, facets)
    text, typed_mentions = strip_mentions(text)
    tags = [opt_str(as_dict(feature).get("tag")) for f in facets for feature in as_list(f.get("features"))
            if as_dict(feature).get("$type") == _TAG_FACET]
    tags += [opt_str(t) for t in as_list(record.get("tags"))]
    hashtags = tuple(dict.fromkeys([hashtag(t) for t in tags if t] + list(hashtags_in(text))))
    parent = as_dict(as_dict(record.get("reply") or {}).get("parent") or {})
    mentioned = [opt_str(as_dict(feature).get("did")) for f in facets for feature in as_list(f.get("features"))
                 if as_dict(feature).get("$type") == _MENTION_FACET]
    return Activity(
        network=Network.BLUESKY,
        external_id=rkey,
        kind=ActivityKind.REPLY if record.get("reply") else ActivityKind.POST,
        published_at=utc(record.get("createdAt")),
        text=text,
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        hashtags=tuple(h for h in hashtags if h),
        mentions=facet_mentions + typed_mentions,
        interacted_with=_others([_did_of(parent.get("uri")), *mentioned], did),
    )


def _without_mention_facets(text: str, facets: list[dict[str, Any]]) -> tuple[str, int]:
    """Cut mention facets (UTF-8 byte ranges) out of the text; count them."""
    data = text.encode()
    spans = []
    for facet in facets:
        features = [as_dict(f) for f in as_list(facet.get("features"))]
        if not any(f.get("$type") == _MENTION_FACET for f in features):
            continue
        span = as_dict(facet.get("index") or {})
        start, end = span.get("byteStart"), span.get("byteEnd")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data):
            spans.append((start, end))
    for start, end in sorted(spans, reverse=True):
        data = data[:start] + data[end:]
    return data.decode("utf-8", "replace"), len(spans)
