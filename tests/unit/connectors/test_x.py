"""X / Twitter archives: tweets.js (and legacy tweet.js), account, audience, bad uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renown.connectors.archive import ArchiveLimits
from renown.connectors.x import parse_x
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network, Signal
from renown.domain.errors import ArchiveMalformed, UnknownLayout, WrongNetwork
from tests.archives import OTHER_HANDLE, build_mastodon_archive, build_x_archive, write_archive, zip_bytes
from tests.unit.connectors.fuzzing import JSON_VALUES, KEYS, mutated, run_parser

LIMITS = ArchiveLimits()
ACCOUNT = b'window.YTD.account.part0 = [{"account": {"username": "alice", "email": "alice@example.org"}}]'


def _tweets(*items: object) -> bytes:
    return b"window.YTD.tweets.part0 = " + json.dumps(list(items)).encode()


def test_reads_tweets_with_their_counts(tmp_path: Path) -> None:
    # given
    path = build_x_archive(tmp_path, posts=2, texts=["Fish & chips <3 #Food", "plain"])
    # when
    activities = list(parse_x(path, LIMITS).activities)
    # then
    assert activities == [
        Activity(
            network=Network.X,
            external_id="1600000000000000000",
            kind=ActivityKind.POST,
            published_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
            text="Fish & chips <3 #Food",
            url="https://x.com/alice/status/1600000000000000000",
            likes=0,
            reshares=0,
            replies=None,
            hashtags=("food",),
            mentions=0,
        ),
        Activity(
            network=Network.X,
            external_id="1600000000000000001",
            kind=ActivityKind.POST,
            published_at=datetime(2024, 1, 1, 13, 0, tzinfo=UTC),
            text="plain",
            url="https://x.com/alice/status/1600000000000000001",
            likes=1,
            reshares=1,
        ),
    ]


def test_replies_and_retweets_keep_no_handle_of_others(tmp_path: Path) -> None:
    parsed = parse_x(build_x_archive(tmp_path, posts=0, replies=1, retweets=1), LIMITS)
    activities = list(parsed.activities)
    assert [(a.kind, a.text, a.mentions, a.hashtags) for a in activities] == [
        (ActivityKind.REPLY, "I agree about #compost", 1, ("compost",)),
        (ActivityKind.RESHARE, "Composting tips & tricks #garden", 1, ("garden",)),
    ]
    assert OTHER_HANDLE not in repr(activities) + repr(parsed.account)


def test_reads_the_account_and_audience_but_not_the_email(tmp_path: Path) -> None:
    parsed = parse_x(build_x_archive(tmp_path, followers=4, following=2), LIMITS)
    assert parsed.account == AccountProfile(
        network=Network.X, handle="alice", display_name="Alice Example", followers=4, following=2
    )
    assert "alice@example.org" not in repr(parsed.account)
    assert parsed.coverage.signals == {
        Signal.OWN_POSTS, Signal.RECEIVED_LIKES, Signal.RECEIVED_RESHARES, Signal.FOLLOWERS, Signal.FOLLOWING,
    }


def test_without_audience_files_audience_is_unknown(tmp_path: Path) -> None:
    parsed = parse_x(build_x_archive(tmp_path, followers=None, following=None), LIMITS)
    assert (parsed.account.followers, parsed.account.following) == (None, None)
    assert parsed.coverage.signals == {Signal.OWN_POSTS, Signal.RECEIVED_LIKES, Signal.RECEIVED_RESHARES}


@pytest.mark.parametrize("legacy", [False, True])
def test_reads_every_part_of_current_and_legacy_archives(tmp_path: Path, legacy: bool) -> None:
    path = build_x_archive(tmp_path, posts=7, parts=3, legacy=legacy)
    ids = [int(a.external_id) - 1600000000000000000 for a in parse_x(path, LIMITS).activities]
    assert ids == [0, 3, 6, 1, 4, 2, 5]


def test_a_bad_tweet_fails_while_streaming(tmp_path: Path) -> None:
    good = {"tweet": {"id_str": "1", "full_text": "hi", "created_at": "Sat Feb 18 12:33:11 +0000 2023"}}
    bad = {"tweet": {"id_str": "2", "full_text": "hi", "created_at": "2023-02-18"}}
    path = write_archive(tmp_path / "a.zip", {"data/account.js": ACCOUNT, "data/tweets.js": _tweets(good, bad)})
    stream = parse_x(path, LIMITS).activities
    assert next(stream).published_at == datetime(2023, 2, 18, 12, 33, 11, tzinfo=UTC)
    with pytest.raises(ArchiveMalformed, match="unexpected format"):
        next(stream)


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ({"outbox.json": b"{}", "actor.json": b"{}"}, WrongNetwork, "mastodon archive"),
        ({"data/account.js": ACCOUNT}, UnknownLayout, "no x archive layout"),
        ({"tweets.csv": b"tweet_id,text\n"}, UnknownLayout, "no x archive layout"),
        ({"data/account.js": b'[{"account": {}}]', "data/tweets.js": _tweets()}, ArchiveMalformed, "wrapper"),
        ({"data/account.js": b"window.YTD.account.part0 = []", "data/tweets.js": _tweets()}, ArchiveMalformed,
         "no account"),
    ],
)
def test_refuses_archives_that_are_not_x_ones(
    tmp_path: Path, members: dict[str, bytes], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_x(write_archive(tmp_path / "a.zip", members), LIMITS)


def test_refuses_a_mastodon_archive(tmp_path: Path) -> None:
    with pytest.raises(WrongNetwork):
        parse_x(build_mastodon_archive(tmp_path), LIMITS)


_VALID = zip_bytes({"data/account.js": ACCOUNT, "data/tweets.js": _tweets({"tweet": {"id_str": "1"}})})


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        mutated(_VALID),
        st.builds(
            lambda tweets: zip_bytes({"data/account.js": ACCOUNT, "data/tweets.js": _tweets(*tweets)}),
            st.lists(st.dictionaries(KEYS, JSON_VALUES, max_size=8).map(lambda t: {"tweet": t}), max_size=4),
        ),
        st.builds(
            lambda account, raw: zip_bytes({"data/account.js": account, "data/tweets.js": raw}),
            st.one_of(st.just(ACCOUNT), st.binary(max_size=64)),
            st.binary(max_size=128).map(lambda b: b"window.YTD.tweets.part0 = " + b),
        ),
    )
)
def test_any_input_ends_in_a_result_or_an_archive_error(data: bytes) -> None:
    outcome = run_parser(parse_x, data)
    assert outcome is None or outcome >= 0
