"""Whom each activity answers, mentions or reshares, in the form that person's own archive gives their handle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from renown.connectors.archive import ArchiveLimits
from renown.connectors.bluesky import parse_bluesky
from renown.connectors.instagram import parse_instagram
from renown.connectors.mastodon import parse_mastodon
from renown.connectors.mastodon_api import status_activity
from renown.connectors.reddit import parse_reddit
from renown.connectors.text import mentioned_names
from renown.connectors.x import parse_x
from tests.archives import (
    OTHER_HANDLE,
    START,
    build_bluesky_car,
    build_instagram_archive,
    build_mastodon_archive,
    build_reddit_archive,
    build_x_archive,
)
from tests.fake_mastodon import status

LIMITS = ArchiveLimits()
POSTED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
BOB_DID = "did:plc:bob2example3test4abcdef"


def test_x_replies_and_retweets_name_the_screen_name_bob_s_account_js_gives(tmp_path: Path) -> None:
    (tmp_path / "bob").mkdir()
    bob = parse_x(build_x_archive(tmp_path / "bob", handle="bob_example", posts=1), LIMITS).account
    path = build_x_archive(tmp_path, posts=1, replies=2, retweets=1, other="bob_example")
    activities = list(parse_x(path, LIMITS).activities)
    assert [a.interacted_with for a in activities] == [(), (bob.handle,), (bob.handle,), (bob.handle,)]
    assert bob.handle == "bob_example"


def test_x_leaves_the_member_out_of_their_own_interactions(tmp_path: Path) -> None:
    path = build_x_archive(tmp_path, posts=0, replies=1, handle="alice", other="alice")
    assert [a.interacted_with for a in parse_x(path, LIMITS).activities] == [()]


def test_mastodon_replies_mentions_and_boosts_name_bob_s_handle(tmp_path: Path) -> None:
    (tmp_path / "bob").mkdir()
    bob_path = build_mastodon_archive(tmp_path / "bob", handle="bob", instance="social.example.org")
    bob = parse_mastodon(bob_path, LIMITS).account
    path = build_mastodon_archive(tmp_path, posts=1, replies=1, boosts=1, direct=1, other_handle="bob",
                                  other_instance="social.example.org")
    activities = list(parse_mastodon(path, LIMITS).activities)
    # the direct message is not imported at all
    assert [a.interacted_with for a in activities] == [(), (bob.handle,), (bob.handle,)]
    assert bob.handle == "@bob@social.example.org"


def test_bluesky_replies_mentions_and_reposts_name_bob_s_did(tmp_path: Path) -> None:
    path = build_bluesky_car(tmp_path, posts=1, replies=1, reposts=1, likes=1, other=BOB_DID)
    parsed = parse_bluesky(path, LIMITS)
    activities = sorted(parsed.activities, key=lambda a: a.published_at)
    assert [(a.kind.value, a.interacted_with) for a in activities] == [
        ("post", ()), ("reply", (BOB_DID,)), ("reshare", (BOB_DID,))]


def test_reddit_u_mentions_name_the_account_name_of_bob_s_statistics(tmp_path: Path) -> None:
    (tmp_path / "bob").mkdir()
    bob = parse_reddit(build_reddit_archive(tmp_path / "bob", handle="bob_example"), LIMITS).account
    path = build_reddit_archive(tmp_path, posts=1, comments=2, mention="bob_example")
    activities = list(parse_reddit(path, LIMITS).activities)
    assert [a.interacted_with for a in activities] == [(), (bob.handle,), (bob.handle,)]


def test_instagram_caption_mentions_name_bob_s_username(tmp_path: Path) -> None:
    texts = ["Morning light", "Thanks @bob.example and @bob.example. for the tip", "Café with @carol_example"]
    path = build_instagram_archive(tmp_path, posts=3, texts=texts)
    parsed = parse_instagram(path, LIMITS)
    activities = list(parsed.activities)
    assert [a.interacted_with for a in activities] == [(), ("bob.example",), ("carol_example",)]
    assert [a.mentions for a in activities] == [0, 2, 1]


def test_the_handles_stay_out_of_reprs(tmp_path: Path) -> None:
    path = build_x_archive(tmp_path, posts=0, replies=1)
    [activity] = parse_x(path, LIMITS).activities
    assert activity.interacted_with == (OTHER_HANDLE,)
    assert OTHER_HANDLE not in repr(activity)


def test_mentioned_names_reads_plain_and_reddit_mentions_only() -> None:
    text = "Hi @bob, @carol@social.example.org, mail dave@example.org, u/erin and /u/frank_1 @bob"
    assert mentioned_names(text) == ("bob",)
    assert mentioned_names(text, reddit=True) == ("bob", "erin", "frank_1")


def test_mastodon_likes_and_follows_are_reactions_named_like_handles(tmp_path: Path) -> None:
    # likes.json lists two of Bob's statuses; following_accounts.csv lists bobcanary0 and bobcanary1 on his
    # instance, and a local account of Alice's own instance, written without it
    local = b"Account address,Show boosts,Notify on new posts,Languages\nbobcanary0@social.example.org,true,false,\n" \
        b"dave,true,false,\n"
    path = build_mastodon_archive(tmp_path, posts=1, other_handle="bob", extra={"following_accounts.csv": local})
    reactions = list(parse_mastodon(path, LIMITS).reactions)
    assert reactions == [("@bob@social.example.org", None), ("@bob@social.example.org", None),
                         ("@bobcanary0@social.example.org", None), ("@dave@mastodon.example.org", None)]


def test_bluesky_likes_and_follows_are_reactions_per_did_with_their_first_time(tmp_path: Path) -> None:
    path = build_bluesky_car(tmp_path, posts=1, likes=2, follows=1, other=BOB_DID)
    parsed = parse_bluesky(path, LIMITS)
    list(parsed.activities)
    # records are one hour apart from START: the post, two likes, then the follow
    assert list(parsed.reactions) == [(BOB_DID, START + timedelta(hours=1))] * 3


def test_instagram_follows_are_reactions_with_their_time(tmp_path: Path) -> None:
    path = build_instagram_archive(tmp_path, posts=1, following=2)
    assert list(parse_instagram(path, LIMITS).reactions) == [
        (f"{OTHER_HANDLE}0", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (f"{OTHER_HANDLE}1", datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC))]


def test_archives_without_likes_or_follows_have_no_reactions(tmp_path: Path) -> None:
    assert list(parse_x(build_x_archive(tmp_path, posts=1), LIMITS).reactions) == []
    assert list(parse_reddit(build_reddit_archive(tmp_path, posts=1), LIMITS).reactions) == []


def test_live_mastodon_statuses_name_mentioned_and_boosted_accounts_like_archives_do() -> None:
    reply = status(7, POSTED, in_reply_to_id="99", mentions=[
        {"acct": "bob@social.example.org", "url": "https://social.example.org/@bob"},
        {"acct": "carol", "uri": "https://mastodon.example.org/users/carol", "url": "https://mastodon.example.org/@carol"},
        {"acct": "nobody"}])
    boost = status(8, POSTED, reblog={"id": "9", "account": {"url": "https://social.example.org/@bob"}})
    assert [status_activity(s).interacted_with for s in (reply, boost)] == [  # type: ignore[union-attr]
        ("@bob@social.example.org", "@carol@mastodon.example.org"), ("@bob@social.example.org",)]
