"""Reddit data request export (a zip of flat CSV files with a UTF-8 BOM)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from renown.connectors.archive import ArchiveLimits, ArchiveReader, open_archive
from renown.connectors.layout import open_network_archive, refuse_layout
from renown.connectors.text import hashtag, hashtags_in, mentioned_names, strip_mentions, utc_from_format
from renown.domain.activity import (
    AccountProfile,
    Activity,
    ActivityKind,
    Coverage,
    Network,
    ParsedArchive,
    Signal,
)
from renown.domain.errors import ArchiveMalformed, UnknownLayout

_DATE = "%Y-%m-%d %H:%M:%S UTC"
# Files and the columns Renown needs from them; `ip` and the PII files are never read.
_FILES = {
    "posts.csv": (ActivityKind.POST, frozenset({"id", "permalink", "date", "subreddit", "title", "body"})),
    "comments.csv": (ActivityKind.REPLY, frozenset({"id", "permalink", "date", "subreddit", "body"})),
}
# Reddit sometimes shifts this literal into the date column; such rows carry nothing usable.
_MISALIGNED = "registration ip"


def parse_reddit(path: Path, limits: ArchiveLimits) -> ParsedArchive:
    """Read a Reddit export: posts and comments as a lazy stream."""
    with open_network_archive(path, limits, Network.REDDIT) as reader:
        present = [name for name in _FILES if reader.has(name)]
        if not present:
            refuse_layout(reader.names, Network.REDDIT)
        scored = False
        for name in present:
            columns = _header(reader, name)
            if not _FILES[name][1] <= columns:
                raise UnknownLayout(f"{name} lacks columns Renown needs")
            # A gilding is an award another user paid for: a received reaction (see `_likes`).
            scored = scored or "score" in columns or "gildings" in columns
        handle, karma = _statistics(reader) if reader.has("statistics.csv") else ("", None)
    coverage = Coverage({Signal.OWN_POSTS})
    if scored:
        coverage.add(Signal.RECEIVED_LIKES)
    account = AccountProfile(network=Network.REDDIT, handle=handle, karma=karma)
    return ParsedArchive(account=account, activities=_activities(path, limits, present), coverage=coverage)


def _rows(stream: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text, strict=True)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ArchiveMalformed("a Reddit CSV file is not valid CSV") from exc


def _header(reader: ArchiveReader, name: str) -> frozenset[str]:
    with reader.open(name) as stream:
        header = next(_rows(stream), [])
    return frozenset(column.strip().lower() for column in header)


_KARMA_PARTS = frozenset({"post karma", "link karma", "comment karma", "awarder karma", "awardee karma"})
_KARMA_TOTALS = frozenset({"karma", "total karma"})


def _statistics(reader: ArchiveReader) -> tuple[str, int | None]:
    """The account name, and the karma: a stated total, else its parts summed (None when none is stated)."""
    handle, parts, total = "", None, None
    with reader.open("statistics.csv") as stream:
        for row in _rows(stream):
            if len(row) < 2:
                continue
            name, value = row[0].strip().lower(), row[1].strip()
            if name in ("account name", "username") and not handle:
                handle = value
            elif name in _KARMA_PARTS | _KARMA_TOTALS:
                try:
                    count = int(value)
                except ValueError as exc:
                    raise ArchiveMalformed("statistics.csv states karma that is not a number") from exc
                if name in _KARMA_TOTALS:
                    total = count
                else:
                    parts = (parts or 0) + count
    return handle, total if total is not None else parts


def _activities(path: Path, limits: ArchiveLimits, names: list[str]) -> Iterator[Activity]:
    with open_archive(path, limits) as reader:
        for name in names:
            kind = _FILES[name][0]
            with reader.open(name) as stream:
                rows = _rows(stream)
                header = [column.strip().lower() for column in next(rows, [])]
                for row in rows:
                    if not any(cell.strip() for cell in row):
                        continue
                    if len(row) != len(header):
                        raise ArchiveMalformed("a Reddit CSV row has the wrong number of fields")
                    activity = _activity(dict(zip(header, row, strict=True)), kind)
                    if activity is not None:
                        yield activity


def _activity(row: dict[str, str], kind: ActivityKind) -> Activity | None:
    if row["date"].strip().lower() == _MISALIGNED:
        return None
    item_id = row["id"].strip()
    if not item_id:
        raise ArchiveMalformed("a Reddit item has no id")
    body = row["body"].strip()
    title = row.get("title", "").strip()
    written = f"{title}\n\n{body}".strip() if title else body
    text, mentions = strip_mentions(written, reddit=True)
    subreddit = hashtag(row["subreddit"])
    # The subreddit is the member's own topical label for the item, like a hashtag.
    hashtags = tuple(dict.fromkeys(([subreddit] if subreddit else []) + list(hashtags_in(text))))
    return Activity(
        network=Network.REDDIT,
        external_id=item_id,
        kind=kind,
        published_at=utc_from_format(row["date"], _DATE),
        text=text,
        url=_url(row["permalink"].strip()),
        likes=_likes(row),
        hashtags=hashtags,
        mentions=mentions,
        # u/name mentions: the names statistics.csv calls "account name" in their own export.
        interacted_with=mentioned_names(written, reddit=True),
    )


def _likes(row: dict[str, str]) -> int | None:
    """Received reactions: the score (upvotes net of downvotes, in exports that have it) plus the gildings.

    Reddit's export has no per-item score, only `gildings`: the awards other users paid for, the one
    per-item sign of engagement it keeps. Each counts as a received like; None when neither column is there.
    """
    score, gildings = _count(row.get("score"), "score"), _count(row.get("gildings"))
    if score is None and gildings is None:
        return None
    return (score or 0) + (gildings or 0)


def _url(permalink: str) -> str | None:
    if permalink.startswith("https://"):
        return permalink
    if permalink.startswith("/"):
        return f"https://www.reddit.com{permalink}"
    return None


def _count(value: str | None, what: str = "gildings count") -> int | None:
    """A count cell: a number (negative ones read as 0), or None when empty."""
    if value is None or not value.strip():
        return None
    try:
        return max(int(value.strip()), 0)
    except ValueError as exc:
        raise ArchiveMalformed(f"a Reddit {what} is not a number") from exc
