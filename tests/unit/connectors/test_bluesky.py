"""Bluesky CAR exports: posts, replies, reposts, follows, and broken repositories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.connectors.bluesky import parse_bluesky
from renown.connectors.car import MAX_BLOCK_BYTES
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network, Signal
from renown.domain.errors import (
    ArchiveMalformed,
    ArchiveTooLarge,
    NotAnArchive,
    UnknownLayout,
    WrongNetwork,
)
from tests.archives import (
    DID,
    OTHER_HANDLE,
    START,
    build_bluesky_car,
    build_mastodon_archive,
    car_bytes,
    commit_block,
    mst_entry_block,
    record_block,
    tid,
)
from tests.unit.connectors.fuzzing import JSON_VALUES, KEYS, mutated, run_parser

LIMITS = ArchiveLimits()
POST = {"$type": "app.bsky.feed.post", "text": "hello #Garden", "createdAt": "2024-02-01T09:30:00.000Z"}


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes([*out, n])


def _car(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "repo.car"
    path.write_bytes(data)
    return path


def test_reads_posts_with_their_record_keys(tmp_path: Path) -> None:
    # given
    path = build_bluesky_car(tmp_path, posts=2, texts=["First #Garden post", "second"])
    # when
    activities = list(parse_bluesky(path, LIMITS).activities)
    # then
    first_key = tid(START)
    assert activities[0] == Activity(
        network=Network.BLUESKY,
        external_id=first_key,
        kind=ActivityKind.POST,
        published_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
        text="First #Garden post",
        url=f"https://bsky.app/profile/{DID}/post/{first_key}",
        likes=None,
        reshares=None,
        replies=None,
        hashtags=("garden",),
        mentions=0,
    )
    assert [a.text for a in activities] == ["First #Garden post", "second"]


def test_replies_and_reposts_name_nobody_else(tmp_path: Path) -> None:
    path = build_bluesky_car(tmp_path, posts=0, replies=1, reposts=2, likes=3, follows=0)
    parsed = parse_bluesky(path, LIMITS)
    activities = list(parsed.activities)
    assert [(a.kind, a.text, a.mentions, a.hashtags) for a in activities] == [
        (ActivityKind.REPLY, "agreed on #compost", 1, ("compost",)),
        (ActivityKind.RESHARE, "", 0, ()),
        (ActivityKind.RESHARE, "", 0, ()),
    ]
    assert OTHER_HANDLE not in repr(activities) + repr(parsed.account)


def test_reads_the_account_follows_and_coverage(tmp_path: Path) -> None:
    parsed = parse_bluesky(build_bluesky_car(tmp_path, follows=5), LIMITS)
    assert parsed.account == AccountProfile(
        network=Network.BLUESKY, handle=DID, display_name="Alice Example", followers=None, following=5
    )
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.FOLLOWING}


def test_reads_every_record_of_a_deeper_tree(tmp_path: Path) -> None:
    # given 50 posts spread over leaves of 4 entries under one root node
    path = build_bluesky_car(tmp_path, posts=50, follows=7, leaf_size=4)
    parsed = parse_bluesky(path, LIMITS)
    assert sum(1 for _ in parsed.activities) == 50
    assert parsed.account.following == 7


def test_a_record_of_the_wrong_type_fails_while_streaming(tmp_path: Path) -> None:
    # given a tree that files a follow record under the post collection
    follow = record_block({"$type": "app.bsky.graph.follow", "subject": DID, "createdAt": "2024-01-01T00:00:00Z"})
    data = car_bytes([commit_block(), mst_entry_block("app.bsky.feed.post/3kaaaaaaaaa22", follow), follow])
    stream = parse_bluesky(_car(tmp_path, data), LIMITS).activities
    with pytest.raises(ArchiveMalformed, match="not of its collection"):
        next(stream)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"not a car at all", NotAnArchive, "not a CAR"),
        (b"", NotAnArchive, "not a CAR"),
        (car_bytes([record_block(POST)]), UnknownLayout, "not an atproto commit"),
        (car_bytes([commit_block(did="alice")]), UnknownLayout, "not an atproto commit"),
        (car_bytes([commit_block(version=9)]), UnknownLayout, "not an atproto commit"),
        (car_bytes([commit_block()], roots=[]), UnknownLayout, "no root commit"),
        (car_bytes([commit_block()], roots=[b"\x01\x71\x12\x20" + bytes(32)]), UnknownLayout, "no signed commit"),
        (car_bytes([commit_block()])[:-5], ArchiveMalformed, "truncated"),
        (car_bytes([commit_block()]) + b"\x05\x01\x71\x12", ArchiveMalformed, "truncated"),
        (car_bytes([commit_block()]) + b"\xff" * 12, ArchiveMalformed, "length prefix"),
        (car_bytes([commit_block()]) + _varint(MAX_BLOCK_BYTES + 1), ArchiveMalformed, "oversized"),
        (car_bytes([commit_block(), b"\xa1\x61"]), ArchiveMalformed, "DAG-CBOR"),
        (car_bytes([commit_block(), record_block({"l": None, "e": [{"p": 9, "k": b"x", "v": b"y"}]})]),
         ArchiveMalformed, "tree entry"),
    ],
)
def test_refuses_broken_repositories(tmp_path: Path, data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        list(parse_bluesky(_car(tmp_path, data), LIMITS).activities)


def test_refuses_a_repository_over_the_size_limit(tmp_path: Path) -> None:
    path = build_bluesky_car(tmp_path, posts=3)
    with pytest.raises(ArchiveTooLarge):
        parse_bluesky(path, ArchiveLimits(max_archive_bytes=path.stat().st_size - 1))


def test_refuses_another_network_archive(tmp_path: Path) -> None:
    with pytest.raises(WrongNetwork, match="mastodon archive, not a bluesky one"):
        parse_bluesky(build_mastodon_archive(tmp_path), LIMITS)


_VALID = car_bytes([commit_block(), mst_entry_block("app.bsky.feed.post/3kaaaaaaaaa22", record_block(POST)),
                    record_block(POST)])


def _post_car(record: dict[str, object]) -> bytes:
    block = record_block(record)
    return car_bytes([commit_block(), mst_entry_block("app.bsky.feed.post/3kaaaaaaaaa22", block), block])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        mutated(_VALID),
        st.builds(
            lambda extra: _post_car({**POST, **extra}),
            st.dictionaries(KEYS | st.sampled_from(["facets", "reply", "tags"]), JSON_VALUES, max_size=6),
        ),
        st.builds(lambda raw: car_bytes([commit_block()]) + raw, st.binary(max_size=128)),
    )
)
def test_any_input_ends_in_a_result_or_an_archive_error(data: bytes) -> None:
    outcome = run_parser(parse_bluesky, data)
    assert outcome is None or outcome >= 0
