"""Reddit exports: posts.csv and comments.csv, the account name, and bad uploads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.connectors.reddit import parse_reddit
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network, Signal
from renown.domain.errors import ArchiveMalformed, UnknownLayout, WrongNetwork
from tests.archives import OTHER_HANDLE, build_reddit_archive, build_x_archive, write_archive, zip_bytes
from tests.unit.connectors.fuzzing import mutated, run_parser

LIMITS = ArchiveLimits()
POSTS_HEADER = b"\xef\xbb\xbfid,permalink,date,ip,subreddit,gildings,title,url,body\n"


def test_reads_posts_then_comments(tmp_path: Path) -> None:
    # given
    path = build_reddit_archive(tmp_path, posts=1, comments=1, texts=["Tomatoes & basil"])
    # when
    activities = list(parse_reddit(path, LIMITS).activities)
    # then
    assert activities == [
        Activity(
            network=Network.REDDIT,
            external_id="p00000",
            kind=ActivityKind.POST,
            published_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
            text="Title 0\n\nTomatoes & basil",
            url="https://www.reddit.com/r/gardening/comments/p00000/title/",
            likes=0,  # no gildings
            hashtags=("gardening",),
        ),
        Activity(
            network=Network.REDDIT,
            external_id="c00000",
            kind=ActivityKind.REPLY,
            published_at=datetime(2024, 1, 1, 13, 0, tzinfo=UTC),
            text="Thanks, agreed on #compost 0",
            url="https://www.reddit.com/r/Python/comments/p00000/title/c00000/",
            likes=1,  # one gilding
            hashtags=("python", "compost"),
            mentions=1,
        ),
    ]
    assert [a.interacted_with for a in activities] == [(), (OTHER_HANDLE,)]


def test_reads_the_account_name_and_nothing_of_the_pii_files(tmp_path: Path) -> None:
    parsed = parse_reddit(build_reddit_archive(tmp_path, handle="alice_example"), LIMITS)
    activities = list(parsed.activities)
    assert parsed.account == AccountProfile(network=Network.REDDIT, handle="alice_example", karma=42)
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.RECEIVED_LIKES}  # the gildings column
    everything = repr(activities) + repr(parsed.account)
    for secret in (OTHER_HANDLE, "192.0.2.1", "alice@example.org"):
        assert secret not in everything


def test_scores_become_likes_when_the_export_has_them(tmp_path: Path) -> None:
    parsed = parse_reddit(build_reddit_archive(tmp_path, posts=2, comments=1, scores=True), LIMITS)
    assert [a.likes for a in parsed.activities] == [0, 10, 1]  # the comment: score -2 read as 0, one gilding
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.RECEIVED_LIKES}


def test_skips_rows_whose_date_reddit_misaligned(tmp_path: Path) -> None:
    posts = POSTS_HEADER + b"p1,/r/x/comments/p1/t/,registration ip,,x,0,t,,b\np2,/r/x/comments/p2/t/," \
        b"2025-05-18 04:35:32 UTC,,x,0,t,,b\n"
    path = write_archive(tmp_path / "a.zip", {"posts.csv": posts})
    [activity] = parse_reddit(path, LIMITS).activities
    assert (activity.external_id, activity.url) == ("p2", "https://www.reddit.com/r/x/comments/p2/t/")
    assert activity.published_at == datetime(2025, 5, 18, 4, 35, 32, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b"p1,/r/x/,yesterday,,x,0,t,,b\n", "unexpected format"),
        (b"p1,/r/x/,2025-05-18 04:35:32 UTC\n", "wrong number of fields"),
        (b',/r/x/,2025-05-18 04:35:32 UTC,,x,0,t,,b\n', "no id"),
        (b'p1,"/r/x/,2025\n', "not valid CSV"),
        (b"p1,\xff\xfe,2025-05-18 04:35:32 UTC,,x,0,t,,b\n", "not valid CSV"),
    ],
)
def test_refuses_a_malformed_row(tmp_path: Path, row: bytes, message: str) -> None:
    path = write_archive(tmp_path / "a.zip", {"posts.csv": POSTS_HEADER + row})
    with pytest.raises(ArchiveMalformed, match=message):
        list(parse_reddit(path, LIMITS).activities)


def test_a_malformed_row_fails_while_streaming(tmp_path: Path) -> None:
    good = b"p1,/r/x/,2025-05-18 04:35:32 UTC,,x,0,t,,b\n"
    path = write_archive(tmp_path / "a.zip", {"posts.csv": POSTS_HEADER + good + b"p2,/r/x/,never,,x,0,t,,b\n"})
    stream = parse_reddit(path, LIMITS).activities
    assert next(stream).external_id == "p1"
    with pytest.raises(ArchiveMalformed, match="unexpected format"):
        next(stream)


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ({"readme.txt": b"hi"}, UnknownLayout, "no reddit archive layout"),
        ({"posts.csv": b"id,title\n"}, UnknownLayout, "lacks columns"),
        ({"comments.csv": b"\xef\xbb\xbfid,body\n"}, UnknownLayout, "lacks columns"),
    ],
)
def test_refuses_archives_that_are_not_reddit_ones(
    tmp_path: Path, members: dict[str, bytes], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_reddit(write_archive(tmp_path / "a.zip", members), LIMITS)


def test_refuses_an_x_archive(tmp_path: Path) -> None:
    with pytest.raises(WrongNetwork, match="x archive, not a reddit one"):
        parse_reddit(build_x_archive(tmp_path), LIMITS)


_VALID = zip_bytes({"posts.csv": POSTS_HEADER + b"p1,/r/x/,2025-05-18 04:35:32 UTC,,x,0,t,,b\n"})
_CELLS = st.lists(st.sampled_from([*',"\n\r x0-9:UTC\\', "2025-05-18 04:35:32 UTC"]), max_size=40).map("".join)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        mutated(_VALID),
        st.builds(lambda body: zip_bytes({"posts.csv": POSTS_HEADER + body.encode()}), _CELLS),
        st.builds(lambda raw: zip_bytes({"comments.csv": raw, "statistics.csv": raw}), st.binary(max_size=128)),
    )
)
def test_any_input_ends_in_a_result_or_an_archive_error(data: bytes) -> None:
    outcome = run_parser(parse_reddit, data)
    assert outcome is None or outcome >= 0
