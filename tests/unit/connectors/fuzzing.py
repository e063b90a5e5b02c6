"""Shared hypothesis strategies: any bytes must end in a parsed archive or an ArchiveError."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.domain.activity import ParsedArchive
from renown.domain.errors import ArchiveError

FUZZ_LIMITS = ArchiveLimits(max_archive_bytes=1024 * 1024, max_uncompressed_bytes=4 * 1024 * 1024)

# Keys the parsers look for, so generated documents reach deep into their code paths.
KEYS = st.sampled_from(
    [
        "type", "id", "published", "object", "content", "tag", "inReplyTo", "to", "cc", "url", "name",
        "orderedItems", "preferredUsername", "tweet", "id_str", "full_text", "created_at",
        "favorite_count", "retweet_count", "entities", "hashtags", "user_mentions", "text",
        "in_reply_to_status_id_str", "account", "username", "media", "title", "creation_timestamp",
        "string_list_data", "relationships_following", "value", "$type", "createdAt",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Create", "Announce", "Note", "Person", "OrderedCollection", "Hashtag", "Mention",
                       "2024-01-01T00:00:00Z", "Sat Feb 18 12:33:11 +0000 2023", "12", "#python"])
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=6),
    max_leaves=25,
)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` with a few bytes overwritten, cut short or extended."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data) + draw(st.binary(max_size=16))


def run_parser(parser: Callable[[Path, ArchiveLimits], ParsedArchive], data: bytes) -> int | None:
    """Parse `data` and drain its activities; return their count, or None on an ArchiveError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        try:
            parsed = parser(path, FUZZ_LIMITS)
            count = sum(1 for _ in parsed.activities)
            for _ in parsed.reactions:  # likes and follows are read too, after the activities
                pass
            return count
        except ArchiveError:
            return None
