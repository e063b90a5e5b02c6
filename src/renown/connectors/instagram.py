"""Instagram "Download your information" export, JSON format (zip)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from renown.connectors.archive import ArchiveLimits, ArchiveReader, open_archive
from renown.connectors.jsonstream import as_dict, as_list, load_small, opt_str, top_level_items
from renown.connectors.layout import open_network_archive, refuse_layout
from renown.connectors.text import hashtags_in, mentioned_names, repair_mojibake, strip_mentions, utc_from_epoch
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
from renown.domain.errors import ArchiveMalformed

# Folder names moved between export versions; each pattern lists them oldest last.
_CONNECTIONS = r"(connections/)?followers_and_following"
_POSTS = r"(your_instagram_activity/)?content/posts_\d+\.json"
_FOLLOWERS = _CONNECTIONS + r"/followers_\d+\.json"
_FOLLOWING = _CONNECTIONS + r"/following\.json"
_PROFILE = r"personal_information/(personal_information/)?personal_information\.json"


def parse_instagram(path: Path, limits: ArchiveLimits) -> ParsedArchive:
    """Read an Instagram export: profile and audience now, posts as a lazy stream."""
    with open_network_archive(path, limits, Network.INSTAGRAM) as reader:
        posts = reader.matching(_POSTS)
        followers_files = reader.matching(_FOLLOWERS)
        following_files = reader.matching(_FOLLOWING)
        if not (posts or followers_files or following_files):
            refuse_layout(reader.names, Network.INSTAGRAM)
        coverage = Coverage()
        if posts:
            coverage.add(Signal.OWN_POSTS)
        followers = following = None
        # Rows are counted, never kept: they name other people.
        if followers_files:
            followers = sum(_count(reader, name, "relationships_followers") for name in followers_files)
            coverage.add(Signal.FOLLOWERS)
        if following_files:
            following = sum(_count(reader, name, "relationships_following") for name in following_files)
            coverage.add(Signal.FOLLOWING)
        handle, display_name = _profile(reader)
    account = AccountProfile(
        network=Network.INSTAGRAM,
        handle=handle,
        display_name=display_name,
        followers=followers,
        following=following,
    )
    return ParsedArchive(account=account, activities=_activities(path, limits, posts), coverage=coverage,
                         reactions=_followed(path, limits, following_files))


def _count(reader: ArchiveReader, name: str, key: str) -> int:
    with reader.open(name) as stream:
        return sum(1 for _ in top_level_items(stream, key))


def _profile(reader: ArchiveReader) -> tuple[str, str | None]:
    found = reader.matching(_PROFILE)
    if not found:
        return "", None
    document = as_dict(load_small(reader.read_small(found[0])))
    users = as_list(document.get("profile_user"))
    if not users:
        return "", None
    fields = as_dict(as_dict(users[0]).get("string_map_data") or {})

    def value(label: str) -> str | None:
        text = opt_str(as_dict(fields.get(label) or {}).get("value"))
        return repair_mojibake(text) if text else None

    return value("Username") or "", value("Name")


def _followed(path: Path, limits: ArchiveLimits, names: list[str]) -> Iterator[Reaction]:
    """Whom the member follows: each row's username (`value`, or `title` in newer exports) and since when."""
    with open_archive(path, limits) as reader:
        for name in names:
            with reader.open(name) as stream:
                for item in top_level_items(stream, "relationships_following"):
                    row = as_dict(item)
                    for entry in as_list(row.get("string_list_data")):
                        data = as_dict(entry)
                        username = opt_str(data.get("value")) or opt_str(row.get("title"))
                        if username:
                            yield username, _since(data.get("timestamp"))


def _since(value: object) -> datetime | None:
    try:
        return utc_from_epoch(value)
    except ArchiveMalformed:
        return None  # a follow without a usable time still counts


def _activities(path: Path, limits: ArchiveLimits, names: list[str]) -> Iterator[Activity]:
    with open_archive(path, limits) as reader:
        for name in names:
            with reader.open(name) as stream:
                for item in top_level_items(stream, "ig_posts"):
                    yield _activity(as_dict(item))


def _activity(post: dict[str, Any]) -> Activity:
    media = [as_dict(m) for m in as_list(post.get("media"))]
    first = media[0] if media else {}
    caption = opt_str(post.get("title")) or opt_str(first.get("title")) or ""
    timestamp = post.get("creation_timestamp", first.get("creation_timestamp"))
    published_at = utc_from_epoch(timestamp)
    # The export carries no post id; the media file name is Instagram's own stable id for it.
    uri = opt_str(first.get("uri"))
    # Plain string operations: pathlib would intern every name, growing memory with the archive.
    external_id = uri.rsplit("/", 1)[-1].split(".", 1)[0] if uri else ""
    if not external_id:
        external_id = f"t{int(published_at.timestamp())}"
    written = repair_mojibake(caption)
    text, mentions = strip_mentions(written)
    return Activity(
        network=Network.INSTAGRAM,
        external_id=external_id,
        kind=ActivityKind.POST,
        published_at=published_at,
        text=text,
        url=None,
        hashtags=hashtags_in(text),
        mentions=mentions,
        # @name mentions in the caption: the names personal_information.json calls "Username".
        interacted_with=mentioned_names(written),
    )
