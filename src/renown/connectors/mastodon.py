"""Mastodon account archive (`archive-*.tar.gz`, or a zip of the same files)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from renown.connectors.archive import ArchiveLimits, ArchiveReader, open_archive
from renown.connectors.jsonstream import (
    as_dict,
    as_list,
    count_items,
    is_one_of,
    json_items,
    load_small,
    opt_str,
    scalars_before,
)
from renown.connectors.layout import open_network_archive, refuse_layout
from renown.connectors.text import hashtag, html_to_text, utc
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

_ACTOR_TYPES = frozenset({"Person", "Service", "Group", "Application", "Organization"})
_NOTE_TYPES = frozenset({"Note", "Question", "Article"})
_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})


def parse_mastodon(path: Path, limits: ArchiveLimits) -> ParsedArchive:
    """Read a Mastodon archive: the account now, its statuses as a lazy stream."""
    with open_network_archive(path, limits, Network.MASTODON) as reader:
        if not (reader.has("outbox.json") and reader.has("actor.json")):
            refuse_layout(reader.names, Network.MASTODON)
        coverage = Coverage({Signal.OWN_POSTS})
        following = None
        if reader.has("following_accounts.csv"):
            following = _count_following(reader)
            coverage.add(Signal.FOLLOWING)
        account = _account(reader, following)
        # Liked and bookmarked posts are other people's: only how many there are is kept.
        account = replace(account, likes_given=_count_collection(reader, "likes.json"),
                          bookmarks=_count_collection(reader, "bookmarks.json"))
        _check_outbox(reader)
    host = account.handle.rpartition("@")[2] if account.handle.count("@") == 2 else ""
    return ParsedArchive(account=account, activities=_activities(path, limits), coverage=coverage,
                         reactions=_reactions(path, limits, host))


def _account(reader: ArchiveReader, following: int | None) -> AccountProfile:
    actor = as_dict(load_small(reader.read_small("actor.json")))
    if not is_one_of(actor.get("type"), _ACTOR_TYPES):
        raise UnknownLayout("actor.json does not describe a Mastodon account")
    username = opt_str(actor.get("preferredUsername"))
    if not username:
        raise ArchiveMalformed("actor.json has no username")
    host = _host(opt_str(actor.get("id")) or "")
    handle = f"@{username}@{host}" if host else f"@{username}"
    # Followers are not in the archive; only the URL of the collection is.
    return AccountProfile(
        network=Network.MASTODON,
        handle=handle,
        display_name=opt_str(actor.get("name")) or None,
        followers=None,
        following=following,
    )


def _count_following(reader: ArchiveReader) -> int:
    """Count followed accounts without keeping their addresses."""
    count = 0
    with reader.open("following_accounts.csv") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            for row in csv.reader(text, strict=True):
                if row and row[0].strip() and row[0].strip() != "Account address":
                    count += 1
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ArchiveMalformed("following_accounts.csv is not valid CSV") from exc
    return count


def _reactions(path: Path, limits: ArchiveLimits, own_host: str) -> Iterator[Reaction]:
    """Whose posts the member liked (likes.json holds status URIs) and whom they follow; no times are given."""
    with open_archive(path, limits) as reader:
        if reader.has("likes.json"):
            with reader.open("likes.json") as stream:
                for item in json_items(stream, "orderedItems.item"):
                    if isinstance(item, str) and (account := account_handle(item)):
                        yield account, None
        if reader.has("following_accounts.csv"):
            with reader.open("following_accounts.csv") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                try:
                    for row in csv.reader(text, strict=True):
                        address = row[0].strip() if row else ""
                        # Accounts of the member's own instance are listed without it.
                        if "@" not in address and own_host:
                            address = f"{address}@{own_host}"
                        if followed := _full_handle(address):
                            yield followed, None
                except (csv.Error, UnicodeDecodeError) as exc:
                    raise ArchiveMalformed("following_accounts.csv is not valid CSV") from exc


def _count_collection(reader: ArchiveReader, name: str) -> int | None:
    """The number of items of an ActivityPub collection file; None when the archive has no such file."""
    if not reader.has(name):
        return None
    with reader.open(name) as stream:
        return count_items(stream, "orderedItems.item")


def _check_outbox(reader: ArchiveReader) -> None:
    with reader.open("outbox.json") as stream:
        fields = scalars_before(stream, "orderedItems")
    if fields is None or fields.get("type") != "OrderedCollection":
        raise UnknownLayout("outbox.json is not an ordered collection of activities")


def _activities(path: Path, limits: ArchiveLimits) -> Iterator[Activity]:
    # Reopened here so that an unconsumed stream holds no file open.
    with open_archive(path, limits) as reader, reader.open("outbox.json") as stream:
        for item in json_items(stream, "orderedItems.item"):
            activity = _activity(as_dict(item))
            if activity is not None:
                yield activity


def _activity(item: dict[str, Any]) -> Activity | None:
    kind = item.get("type")
    if kind == "Announce":
        # The boosted status is someone else's: keep only that a boost happened, and when.
        activity_id = opt_str(item.get("id")) or ""
        boosted = account_handle(opt_str(item.get("object")) or "")
        return Activity(
            network=Network.MASTODON,
            external_id=_status_id(activity_id.removesuffix("/activity")),
            kind=ActivityKind.RESHARE,
            published_at=utc(item.get("published")),
            text="",
            interacted_with=(boosted,) if boosted else (),
        )
    if kind != "Create":
        return None
    note = item.get("object")
    if not isinstance(note, dict) or not is_one_of(note.get("type"), _NOTE_TYPES):
        return None
    if _is_direct(note):
        return None  # direct messages are private correspondence, not influence
    text, html_mentions = html_to_text(opt_str(note.get("content")) or "")
    tags = [as_dict(t) for t in as_list(note.get("tag"))]
    hashtags = tuple(
        dict.fromkeys(hashtag(opt_str(t.get("name")) or "") for t in tags if t.get("type") == "Hashtag")
    )
    mentions = sum(1 for t in tags if t.get("type") == "Mention")
    others = [account_handle(opt_str(note.get("inReplyTo")) or "")]
    others += [account_handle(opt_str(t.get("href")) or "") or _full_handle(opt_str(t.get("name")) or "")
               for t in tags if t.get("type") == "Mention"]
    return Activity(
        network=Network.MASTODON,
        external_id=_status_id(opt_str(note.get("id")) or ""),
        kind=ActivityKind.REPLY if opt_str(note.get("inReplyTo")) else ActivityKind.POST,
        published_at=utc(note.get("published") or item.get("published")),
        text=text,
        url=opt_str(note.get("url")),
        hashtags=tuple(h for h in hashtags if h),
        mentions=max(mentions, html_mentions),
        interacted_with=tuple(dict.fromkeys(o for o in others if o)),
    )


def _is_direct(note: dict[str, Any]) -> bool:
    audience = [a for key in ("to", "cc") for a in _strings(note.get(key))]
    if not audience:
        return False
    return not any(is_one_of(a, _PUBLIC) or a.endswith("/followers") for a in audience)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in as_list(value) if isinstance(v, str)]


def _host(uri: str) -> str | None:
    try:
        return urlsplit(uri).hostname
    except ValueError as exc:
        raise ArchiveMalformed("actor.json has an invalid id") from exc


def account_handle(uri: str) -> str | None:
    """The `@name@host` handle (as `_account` builds it) of the account an actor or status URI belongs to:
    `https://host/users/name[/statuses/id]` or `https://host/@name[/id]`; None for other URIs."""
    if not uri.startswith(("https://", "http://")):
        return None
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return None
    segments = parts.path.split("/")
    if not host or len(segments) < 2:
        return None
    if segments[1] == "users" and len(segments) > 2:
        name = segments[2]
    elif segments[1].startswith("@"):
        name = segments[1][1:]
    else:
        return None
    return f"@{name}@{host}" if _USERNAME.fullmatch(name) else None


def _full_handle(name: str) -> str | None:
    """A Mention's name when it is already `@name@host`."""
    user, _, host = name.removeprefix("@").partition("@")
    if not (user and host and _USERNAME.fullmatch(user)):
        return None
    return f"@{user}@{host.lower()}"


def _status_id(uri: str) -> str:
    """The status id: the last path segment of its URI."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    if not segment or segment.endswith(":"):
        raise ArchiveMalformed("a status has no id")
    return segment
