"""Features over the window: decay, shrinkage toward the population, missing signals, bot discount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network
from renown.domain.influence import account_columns, activity_columns
from renown.domain.influence.columns import NETWORK_CODE
from renown.domain.influence.features import AMPLIFICATION, ENGAGEMENT, REACH, NetworkFeatures, Priors, network_features

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
X, REDDIT, MASTODON = NETWORK_CODE[Network.X], NETWORK_CODE[Network.REDDIT], NETWORK_CODE[Network.MASTODON]
PRIORS = Priors(np.full(5, 2.0), np.full(5, 0.5))


def post(
    network: Network,
    days_ago: float,
    likes: int | None,
    reshares: int | None,
    replies: int | None,
    kind: ActivityKind = ActivityKind.POST,
) -> Activity:
    return Activity(
        network, f"a{days_ago}", kind, AS_OF - timedelta(days=days_ago), "text", None, likes, reshares, replies
    )


def features(
    rows: list[tuple[int, Activity]],
    profiles: list[tuple[int, AccountProfile]],
    members: int,
    bots: list[float] | None = None,
) -> NetworkFeatures:
    acts = activity_columns(rows)
    accounts = account_columns(((m, p, AS_OF - timedelta(days=400)) for m, p in profiles), as_of=AS_OF)
    return network_features(
        acts,
        accounts,
        members=members,
        as_of=AS_OF.timestamp(),
        priors=PRIORS,
        bot_reactions=None if bots is None else np.array(bots),
    )


def test_recent_posts_weigh_more_and_few_posts_are_pulled_toward_the_population_rate() -> None:
    # given a post today (10 likes, 1 reshare, 2 replies), one 30 days ago (4 likes),
    # a reshare today and a post older than the 90-day window
    rows = [
        (0, post(Network.X, 0, 10, 1, 2)),
        (0, post(Network.X, 30, 4, 0, 0)),
        (0, post(Network.X, 0, 50, 50, 50, ActivityKind.RESHARE)),
        (0, post(Network.X, 100, 999, 999, 999)),
    ]
    # when
    f = features(rows, [(0, AccountProfile(Network.X, "member0000", followers=99))], 1)
    # then the 30-day-old post counts half (half-life 30 days); the reshare and the old post not at all
    assert f.posts[0, X] == 2.0
    assert f.weighted_posts[0, X] == pytest.approx(1.5)
    assert f.weighted_reactions[0, X] == pytest.approx(10 + 2 * 1 + 1.5 * 2 + 0.5 * 4)
    # and three pseudo-posts at the prior rate (2.0) shrink the rate: (17 + 6) / (1.5 + 3)
    assert f.raw[0, X, ENGAGEMENT] == pytest.approx(np.log1p(23 / 4.5))
    assert f.raw[0, X, AMPLIFICATION] == pytest.approx(np.log1p((1 + 3 * 0.5) / 4.5))
    assert f.raw[0, X, REACH] == pytest.approx(np.log(100))
    # and consistency counts active days (today, 30 days ago) with the same decay
    full = np.exp2(-np.arange(90) / 30).sum()
    assert f.consistency[0] == pytest.approx(1.5 / full, rel=1e-6)


def test_a_signal_the_archive_lacks_is_missing_not_zero() -> None:
    # given a Reddit member (no followers, no like or reshare counts) and a Mastodon account without posts
    rows = [(0, post(Network.REDDIT, 1, None, None, 3))]
    profiles = [
        (0, AccountProfile(Network.REDDIT, "member0000")),
        (1, AccountProfile(Network.MASTODON, "member0001", followers=5)),
    ]
    # when
    f = features(rows, profiles, 2)
    # then reach and amplification are missing on Reddit, engagement comes from replies only
    assert np.isnan(f.raw[0, REDDIT, REACH])
    assert np.isnan(f.raw[0, REDDIT, AMPLIFICATION])
    assert f.weighted_reactions[0, REDDIT] == pytest.approx(1.5 * 3 * np.exp2(-1 / 30))
    # and the post-less Mastodon account has an account but no engagement evidence
    assert f.has_network[1, MASTODON]
    assert np.isnan(f.raw[1, MASTODON, ENGAGEMENT])
    assert f.consistency[1] == 0.0


def test_bot_reactions_come_out_of_every_post_evenly() -> None:
    # given two posts today with 60 likes each, 100 of which came from flagged reactors
    rows = [(0, post(Network.X, 0, 60, 0, 0)), (0, post(Network.X, 0, 60, 0, 0))]
    # when
    f = features(rows, [], 1, bots=[100.0])
    # then 50 likes are removed from each post and the authenticity says so
    assert f.weighted_reactions[0, X] == pytest.approx(20.0)
    assert f.authenticity[0] == pytest.approx(1 - 100 / 120)
