"""The demo population: reproducible, fictional, with planted truth the scorer can be judged on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from renown.domain.activity import ActivityKind, Network
from renown.domain.member import AgeBracket
from renown.services.demo import Population, generate_population
from renown.services.demo_scenarios import advance_day, with_bot_farm
from renown.services.taxonomy import default_matcher

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


def test_the_same_seed_gives_the_same_population() -> None:
    first = generate_population(300, 42, as_of=AS_OF)
    again = generate_population(300, 42, as_of=AS_OF)
    other = generate_population(300, 43, as_of=AS_OF)
    assert np.array_equal(first.activities.likes, again.activities.likes, equal_nan=True)
    assert np.array_equal(first.graph.target, again.graph.target)
    assert first.activities_of(17) == again.activities_of(17)
    assert not np.array_equal(first.truth.latent_influence, other.truth.latent_influence)


def test_members_are_fictional_people_on_reserved_domains(population: Population) -> None:
    member = population.member(42)
    assert (member.handle, member.email) == ("member0042", "member0042@example.org")
    assert len(member.display_name.split()) == 2
    assert {population.member(i).age_bracket for i in range(population.size)} == set(AgeBracket)
    profile, created = population.accounts_of(42)[0]
    assert profile.handle == "member0042"
    assert created < AS_OF


def test_activities_cover_the_last_120_days_and_archives_lack_what_real_ones_lack(population: Population) -> None:
    activities = [a for i in range(200) for a in population.activities_of(i)]
    assert min(a.published_at for a in activities) >= AS_OF - timedelta(days=120)
    assert max(a.published_at for a in activities) <= AS_OF
    reddit = [a for a in activities if a.network is Network.REDDIT]
    assert reddit
    assert all(a.likes is None and a.reshares is None and a.replies is not None for a in reddit)
    assert all(a.likes == 0 for a in activities if a.kind is ActivityKind.RESHARE and a.network is not Network.REDDIT)
    assert all(a.url and ".example.org/" in a.url for a in activities)
    assert population.coverage(Network.REDDIT).as_list() == ["following", "own_posts", "received_replies"]
    assert len(population.coverage(Network.X).as_list()) == 6


def test_planted_truth_has_celebrities_a_bot_farm_spammers_and_experts(population: Population) -> None:
    truth = population.truth
    assert len(truth.celebrities) == round(0.005 * (1500 - 75))
    (farm,) = truth.bot_farms
    assert farm.members.tolist() == list(range(1425, 1500))
    from_farm = np.isin(population.graph.source, farm.members)
    assert set(population.graph.target[from_farm].tolist()) == {farm.target}
    assert len(truth.spam_reactors) == 1
    assert np.bincount(population.graph.source, minlength=1500)[truth.spam_reactors[0]] > 500
    assert len(truth.experts) > 300
    assert len(set(truth.top_topics(int(truth.experts[0])))) == 3


def test_a_post_is_about_its_planted_topic(population: Population) -> None:
    matcher = default_matcher()
    rows = np.flatnonzero((population.activities.member < 50) & (population.activities.topic >= 0))
    slugs = population.activities.topic_slugs
    checked = 0
    for i in range(50):
        for activity, row in zip(
            population.activities_of(i), range(*np.searchsorted(population.activities.member, [i, i + 1])), strict=True
        ):
            if row in rows:
                topics = matcher.assign_topics(activity.text, activity.hashtags, allow_special=True)
                assert topics[0][0] == slugs[population.activities.topic[row]]
                checked += 1
    assert checked > 300


def test_a_bot_farm_adds_new_lockstep_accounts_around_one_target(population: Population) -> None:
    farmed = with_bot_farm(population, size=200)
    farm = farmed.truth.bot_farms[-1]
    assert farmed.size == 1700
    assert farm.members.tolist() == list(range(1500, 1700))
    assert farmed.member(1600).email == "member1600@example.org"
    extra = farmed.activities.likes - population.activities.likes
    assert set(np.unique(extra[~np.isnan(extra)]).tolist()) == {0.0, 200.0}
    hours = np.floor(farmed.graph.first_at[np.isin(farmed.graph.source, farm.members)] / 3600)
    assert len(np.unique(hours)) == 1


def test_the_next_day_only_adds_activities_for_those_who_posted(population: Population) -> None:
    tomorrow, changed = advance_day(population)
    assert tomorrow.as_of == AS_OF + timedelta(days=1)
    grew = np.bincount(tomorrow.activities.member, minlength=1500) - np.bincount(
        population.activities.member, minlength=1500
    )
    assert np.array_equal(grew > 0, changed)
    assert 100 < changed.sum() < 200
    unchanged = int(np.flatnonzero(~changed)[0])
    assert tomorrow.activities_of(unchanged) == population.activities_of(unchanged)


def test_a_population_can_be_limited_to_some_networks() -> None:
    population = generate_population(250, 5, networks=(Network.MASTODON, Network.BLUESKY), as_of=AS_OF)
    assert set(population.accounts.network.tolist()) == {1, 2}
    assert {a.network for i in range(20) for a in population.activities_of(i)} <= {Network.MASTODON, Network.BLUESKY}
