"""The fast single-member path agrees with the batch path on the same calibration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network
from renown.domain.influence import PopulationScores, prior_signals, recompute, score_member
from renown.services.demo import Population

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("member", [0, 3, 77, 901])
def test_one_member_scores_as_in_the_batch(scores: PopulationScores, population: Population, member: int) -> None:
    # given the member's activities and accounts as objects, and the batch's graph signals
    activities = population.activities_of(member)
    rows = scores.activity_rows(member)
    slugs = population.activities.topic_slugs
    topic_by_id = {population.activity_id(int(r)): int(population.activities.topic[r]) for r in rows}

    def topic_of(activity: Activity) -> str | None:
        index = topic_by_id[activity.external_id]
        return slugs[index] if index >= 0 else None

    # when
    explanation = score_member(
        activities,
        population.accounts_of(member),
        calibration=scores.calibration,
        as_of=AS_OF,
        signals=scores.member_signals(member),
        topic_of=topic_of,
        topic_slugs=slugs,
    )
    batch = scores.explain(member, population.activity_id)
    # then score, hints and top activities agree (timestamps go through datetime: microseconds)
    assert explanation.score == pytest.approx(batch.score, abs=1e-6)
    assert explanation.hints == batch.hints
    assert explanation.top_activities == batch.top_activities
    assert recompute(explanation.inputs, scores.calibration) == pytest.approx(explanation.score, abs=1e-9)


def test_a_member_no_batch_has_placed_gets_the_population_prior_for_graph_factors(scores: PopulationScores) -> None:
    # given a brand-new member with two posts on X and 120 followers
    activities = [
        Activity(Network.X, "x-1", ActivityKind.POST, AS_OF - timedelta(days=1), "Reading about astronomy", likes=3),
        Activity(Network.X, "x-2", ActivityKind.POST, AS_OF - timedelta(days=2), "A telescope night", likes=1),
    ]
    accounts = [(AccountProfile(Network.X, "member9999", followers=120, following=80), AS_OF - timedelta(days=900))]
    # when
    explanation = score_member(activities, accounts, calibration=scores.calibration, as_of=AS_OF)
    factors = {f.name: f for f in explanation.factors}
    # then centrality and reactors sit at the population average: no contribution either way
    prior = prior_signals(scores.calibration)
    assert explanation.inputs.centrality == prior.centrality
    assert factors["centrality"].contribution == pytest.approx(0.0, abs=1e-12)
    assert factors["reactors"].contribution == pytest.approx(0.0, abs=1e-12)
    assert explanation.top_activities == ("x-1", "x-2")
    assert 1.0 <= explanation.score <= 99.0
