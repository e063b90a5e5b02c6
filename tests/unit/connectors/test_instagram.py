"""Instagram JSON exports: posts, audience counts, mojibake repair, and bad uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.connectors.instagram import parse_instagram
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network, Signal
from renown.domain.errors import ArchiveMalformed, UnknownLayout, WrongNetwork
from tests.archives import (
    OTHER_HANDLE,
    build_instagram_archive,
    build_reddit_archive,
    mojibake,
    write_archive,
    zip_bytes,
)
from tests.unit.connectors.fuzzing import JSON_VALUES, KEYS, mutated, run_parser

LIMITS = ArchiveLimits()
POSTS = "your_instagram_activity/content/posts_1.json"


@pytest.mark.parametrize("layout", ["new", "old"])
def test_reads_posts_and_repairs_their_text(tmp_path: Path, layout: str) -> None:
    # given captions exported as mojibake, one mentioning another account
    texts = ["Café crème à #Paris", f"Thanks @{OTHER_HANDLE} 🌱"]
    path = build_instagram_archive(tmp_path, posts=2, texts=texts, layout=layout)
    # when
    activities = list(parse_instagram(path, LIMITS).activities)
    # then
    assert activities == [
        Activity(
            network=Network.INSTAGRAM,
            external_id="179000000000000000_n",
            kind=ActivityKind.POST,
            published_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
            text="Café crème à #Paris",
            hashtags=("paris",),
        ),
        Activity(
            network=Network.INSTAGRAM,
            external_id="179000000000000001_n",
            kind=ActivityKind.POST,
            published_at=datetime(2024, 1, 1, 13, 0, tzinfo=UTC),
            text="Thanks 🌱",
            mentions=1,
        ),
    ]


@pytest.mark.parametrize("layout", ["new", "old"])
def test_counts_the_audience_without_keeping_anyone(tmp_path: Path, layout: str) -> None:
    parsed = parse_instagram(build_instagram_archive(tmp_path, followers=4, following=2, layout=layout), LIMITS)
    assert parsed.account == AccountProfile(
        network=Network.INSTAGRAM, handle="alice.example", display_name="Alice Exämple", followers=4, following=2
    )
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.FOLLOWERS, Signal.FOLLOWING}
    assert OTHER_HANDLE not in repr(parsed.account) + repr(list(parsed.activities))


def test_an_export_without_posts_still_counts_the_audience(tmp_path: Path) -> None:
    followers = json.dumps([{"string_list_data": [{"value": "x", "timestamp": 1}]}] * 3).encode()
    path = write_archive(tmp_path / "a.zip", {"connections/followers_and_following/followers_1.json": followers})
    parsed = parse_instagram(path, LIMITS)
    assert parsed.account == AccountProfile(network=Network.INSTAGRAM, handle="", followers=3)
    assert parsed.coverage.signals == {Signal.FOLLOWERS}
    assert list(parsed.activities) == []


def test_a_caption_already_in_utf8_is_left_alone(tmp_path: Path) -> None:
    post = {"media": [{"uri": "media/posts/1/abc.jpg", "creation_timestamp": 1700000000, "title": "déjà vu"}]}
    path = write_archive(tmp_path / "a.zip", {POSTS: json.dumps([post]).encode()})
    [activity] = parse_instagram(path, LIMITS).activities
    assert (activity.external_id, activity.text) == ("abc", "déjà vu")
    assert mojibake("déjà vu") != "déjà vu"


def test_a_post_without_a_date_fails_while_streaming(tmp_path: Path) -> None:
    good = {"media": [{"uri": "a.jpg", "creation_timestamp": 1700000000}]}
    path = write_archive(tmp_path / "a.zip", {POSTS: json.dumps([good, {"media": [{"uri": "b.jpg"}]}]).encode()})
    stream = parse_instagram(path, LIMITS).activities
    assert next(stream).published_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    with pytest.raises(ArchiveMalformed, match="timestamp is missing"):
        next(stream)


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ({"notes.txt": b"hi"}, UnknownLayout, "no instagram archive layout"),
        ({"personal_information/personal_information.json": b"{}"}, UnknownLayout, "no instagram archive layout"),
        ({POSTS: b"[{]"}, ArchiveMalformed, "not valid JSON"),
        ({"followers_and_following/following.json": b'{"relationships_following": 3}'}, ArchiveMalformed,
         "lacks its relationships_following list"),
    ],
)
def test_refuses_archives_that_are_not_instagram_ones(
    tmp_path: Path, members: dict[str, bytes], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        list(parse_instagram(write_archive(tmp_path / "a.zip", members), LIMITS).activities)


def test_refuses_a_reddit_archive(tmp_path: Path) -> None:
    with pytest.raises(WrongNetwork, match="reddit archive, not a instagram one"):
        parse_instagram(build_reddit_archive(tmp_path), LIMITS)


_VALID = zip_bytes({POSTS: b'[{"media": [{"uri": "a.jpg", "creation_timestamp": 1}]}]'})


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        mutated(_VALID),
        st.builds(
            lambda posts, profile: zip_bytes(
                {POSTS: json.dumps(posts).encode(),
                 "personal_information/personal_information.json": json.dumps(profile).encode()}
            ),
            st.lists(st.dictionaries(KEYS, JSON_VALUES, max_size=6), max_size=4) | JSON_VALUES,
            JSON_VALUES,
        ),
        st.builds(
            lambda raw: zip_bytes({"connections/followers_and_following/followers_1.json": raw}),
            st.binary(max_size=128),
        ),
    )
)
def test_any_input_ends_in_a_result_or_an_archive_error(data: bytes) -> None:
    outcome = run_parser(parse_instagram, data)
    assert outcome is None or outcome >= 0
