"""Counts archives state about the member's own account: Mastodon likes and bookmarks, Reddit karma."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from renown.connectors.archive import ArchiveLimits
from renown.connectors.mastodon import parse_mastodon
from renown.connectors.reddit import parse_reddit
from renown.domain.errors import ArchiveMalformed
from tests.archives import OTHER_HANDLE, build_mastodon_archive, build_reddit_archive

LIMITS = ArchiveLimits()


def _collection(count: int) -> bytes:
    items = ", ".join(f'"https://social.example.org/users/{OTHER_HANDLE}/statuses/{i}"' for i in range(count))
    return f'{{"id": "likes.json", "type": "OrderedCollection", "orderedItems": [{items}]}}'.encode()


def test_mastodon_likes_and_bookmarks_are_counted_never_kept(tmp_path: Path) -> None:
    # given an archive whose likes.json lists five posts of someone else, and bookmarks.json none
    path = build_mastodon_archive(tmp_path, extra={"likes.json": _collection(5), "bookmarks.json": _collection(0)})
    # when it is parsed
    parsed = parse_mastodon(path, LIMITS)
    # then the account says how many, and nothing says whose
    assert (parsed.account.likes_given, parsed.account.bookmarks) == (5, 0)
    assert OTHER_HANDLE not in repr(parsed.account)


def test_mastodon_counts_are_unknown_without_their_files(tmp_path: Path) -> None:
    path = build_mastodon_archive(tmp_path, fmt="zip")
    stripped = tmp_path / "stripped.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(stripped, "w") as target:
        for name in source.namelist():
            if name not in ("likes.json", "bookmarks.json"):
                target.writestr(name, source.read(name))
    account = parse_mastodon(stripped, LIMITS).account
    assert (account.likes_given, account.bookmarks) == (None, None)


def test_a_malformed_likes_file_refuses_the_archive(tmp_path: Path) -> None:
    path = build_mastodon_archive(tmp_path, extra={"likes.json": b'{"orderedItems": ["https://a.example.org/1"'})
    with pytest.raises(ArchiveMalformed):
        parse_mastodon(path, LIMITS)


def _statistics(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["statistic", "value"], *rows])
    return "\ufeff".encode() + buffer.getvalue().encode()


@pytest.mark.parametrize(("rows", "karma"), [
    ([["account name", "alice_example"], ["post karma", "120"], ["comment karma", "35"]], 155),
    ([["total karma", "900"], ["comment karma", "35"], ["account name", "alice_example"]], 900),
    ([["account name", "alice_example"]], None),
])
def test_reddit_karma_is_the_stated_total_or_the_sum_of_its_parts(
    tmp_path: Path, rows: list[list[str]], karma: int | None
) -> None:
    path = build_reddit_archive(tmp_path, extra={"statistics.csv": _statistics(rows)})
    account = parse_reddit(path, LIMITS).account
    assert (account.handle, account.karma) == ("alice_example", karma)


def test_karma_that_is_not_a_number_refuses_the_archive(tmp_path: Path) -> None:
    path = build_reddit_archive(tmp_path, extra={"statistics.csv": _statistics([["comment karma", "lots"]])})
    with pytest.raises(ArchiveMalformed, match="karma"):
        parse_reddit(path, LIMITS)
