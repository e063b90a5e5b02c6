"""Reddit's `gildings` column: the awards other users paid for, read as received likes."""

from __future__ import annotations

from pathlib import Path

import pytest

from renown.connectors.archive import ArchiveLimits
from renown.connectors.reddit import parse_reddit
from renown.domain.activity import Signal
from renown.domain.errors import ArchiveMalformed
from tests.archives import build_reddit_archive, write_archive

LIMITS = ArchiveLimits()
HEADER = "\ufeffid,permalink,date,ip,subreddit,gildings,title,url,body\n"


def test_each_gilding_counts_as_a_received_like(tmp_path: Path) -> None:
    path = build_reddit_archive(tmp_path, posts=2, comments=2, gildings=[3, 0, 1, 12])
    parsed = parse_reddit(path, LIMITS)
    assert [(a.external_id, a.likes) for a in parsed.activities] == [
        ("p00000", 3), ("p00001", 0), ("c00000", 1), ("c00001", 12)]
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.RECEIVED_LIKES}


def test_gildings_add_to_a_score_where_the_export_has_one(tmp_path: Path) -> None:
    path = build_reddit_archive(tmp_path, posts=2, comments=1, scores=True, gildings=[2, 5, 4])
    # posts score 0 and 10; the comment scores -2 (read as 0)
    assert [a.likes for a in parse_reddit(path, LIMITS).activities] == [2, 15, 4]


def test_an_empty_gildings_cell_states_nothing(tmp_path: Path) -> None:
    row = "p1,https://www.reddit.com/r/a/comments/p1/t/,2024-01-01 12:00:00 UTC,,a,,Title,,Body\n"
    path = write_archive(tmp_path / "export.zip", {"posts.csv": (HEADER + row).encode()})
    [activity] = parse_reddit(path, LIMITS).activities
    assert activity.likes is None


def test_an_export_without_a_gildings_column_claims_no_received_likes(tmp_path: Path) -> None:
    header = "\ufeffid,permalink,date,ip,subreddit,title,url,body\n"
    row = "p1,https://www.reddit.com/r/a/comments/p1/t/,2024-01-01 12:00:00 UTC,,a,Title,,Body\n"
    parsed = parse_reddit(write_archive(tmp_path / "export.zip", {"posts.csv": (header + row).encode()}), LIMITS)
    assert [a.likes for a in parsed.activities] == [None]
    assert parsed.coverage.signals == {Signal.OWN_POSTS}


def test_gildings_that_are_not_a_number_are_refused(tmp_path: Path) -> None:
    row = "p1,https://www.reddit.com/r/a/comments/p1/t/,2024-01-01 12:00:00 UTC,,a,many,Title,,Body\n"
    path = write_archive(tmp_path / "export.zip", {"posts.csv": (HEADER + row).encode()})
    with pytest.raises(ArchiveMalformed, match="gildings count is not a number"):
        list(parse_reddit(path, LIMITS).activities)
