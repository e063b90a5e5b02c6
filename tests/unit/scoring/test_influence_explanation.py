"""Explanations add up to the score, recompute from their inputs, and hints come from re-running."""

from __future__ import annotations

import json

import numpy as np
import pytest

from renown.domain.activity import Network
from renown.domain.influence import FACTORS, NO_TOPIC, ActivityColumns, PopulationScores, ScoreInputs, recompute
from renown.domain.influence.columns import NETWORK_CODE
from renown.domain.influence.hints import main_topics
from renown.domain.influence.model import NETWORK_FACTORS, combine
from renown.domain.influence.scorer import calibrated
from renown.services.demo import Population

MEMBERS = (0, 1, 2, 40, 700, 1234)


@pytest.mark.parametrize("member", MEMBERS)
def test_contributions_add_up_to_the_score(scores: PopulationScores, population: Population, member: int) -> None:
    # when
    explanation = scores.explain(member, population.activity_id)
    # then baseline + contributions is the score, and still within 0.5 once each is rounded for display
    assert explanation.total() == pytest.approx(explanation.score, abs=1e-9)
    shown = round(explanation.baseline, 1) + sum(round(f.contribution, 1) for f in explanation.factors)
    assert abs(shown - explanation.score) <= 0.5
    assert [f.name for f in explanation.factors] == list(FACTORS)
    assert explanation.model_version == "influence-2025.1"
    assert explanation.calibration_version == scores.calibration.version


@pytest.mark.parametrize("member", MEMBERS)
def test_stored_inputs_recompute_the_score(scores: PopulationScores, member: int) -> None:
    # given an explanation stored as JSON
    explanation = scores.explain(member)
    stored = json.loads(json.dumps(explanation.to_dict()))
    # when its inputs are read back and recomputed against the same calibration
    again = recompute(ScoreInputs.from_dict(stored["inputs"]), scores.calibration)
    # then the score is reproduced
    assert again == pytest.approx(explanation.score, abs=1e-9)
    assert stored["score"] == explanation.score


def test_the_baseline_is_the_score_of_an_average_member(scores: PopulationScores) -> None:
    # a member exactly at the population mean on every factor has raw score 0
    assert scores.scored.baseline == pytest.approx(float(scores.calibration.overall.apply(np.zeros(1))[0]))
    assert 35.0 < scores.scored.baseline < 50.0


def test_factor_hints_are_a_rerun_of_the_model(scores: PopulationScores) -> None:
    # given member 40's explanation and the hint table
    member = 40
    assert scores.hint_table is not None
    explanation = scores.explain(member)
    factor_hints = [h for h in explanation.hints if h.topic is None]
    assert len(factor_hints) == 2
    for hint in factor_hints:
        # when the model is re-run by hand with that factor one standard deviation higher
        j = FACTORS.index(hint.factor)
        s = scores.scored
        z_net, z_mem = s.z_network[member : member + 1].copy(), s.z_member[member : member + 1].copy()
        if j < len(NETWORK_FACTORS):
            measured = s.features.has_network[member] & ~np.isnan(s.features.raw[member, :, j])
            z_net[0, measured, j] += 1.0
        else:
            z_mem[0, j - len(NETWORK_FACTORS)] += 1.0
        combined = combine(z_net, s.features.has_network[member : member + 1], z_mem)
        moved, _, _ = calibrated(combined, scores.calibration)
        # then the hint says the same, to the tenth of a point
        assert hint.points == round(float(moved[0] - s.score[member]), 1)
        assert hint.points > 0


def test_the_topic_hint_names_the_members_main_topic(scores: PopulationScores, population: Population) -> None:
    # given a member whose posts have a main topic
    member = next(
        i
        for i in range(population.size)
        if scores.hint_table and scores.hint_table.topic[i] >= 0 and scores.hint_table.topic_points[i] >= 0.05
    )
    # when
    hint = scores.explain(member).hints[0]
    # then it is about engagement on that topic, and positive
    assert scores.hint_table is not None
    assert hint.topic == population.activities.topic_slugs[scores.hint_table.topic[member]]
    assert hint.change == f"+50% engagement on posts about {hint.topic}"
    assert hint.points == round(float(scores.hint_table.topic_points[member]), 1)


def test_top_activities_are_the_members_own_best_received_posts(
    scores: PopulationScores, population: Population
) -> None:
    # given a member with posts
    member = 2
    rows = scores.activity_rows(member)
    weights = scores.scored.features.activity_weight[rows]
    # when
    explanation = scores.explain(member, population.activity_id)
    # then up to five ids, in decreasing order of decayed reactions
    expected = [population.activity_id(int(rows[j])) for j in np.argsort(-weights, kind="stable")[:5] if weights[j] > 0]
    assert list(explanation.top_activities) == expected
    assert all(i.startswith("demo-") and f"-{member:07d}-" in i for i in explanation.top_activities)


def test_missing_signals_are_named_and_lower_the_confidence(scores: PopulationScores, population: Population) -> None:
    # given a member whose only account is on Reddit (no followers, no likes in the archive)
    reddit = NETWORK_CODE[Network.REDDIT]
    has = scores.scored.features.has_network
    reddit_only = [i for i in range(population.size) if has[i].sum() == 1 and has[i, reddit]]
    member = reddit_only[0]
    # when
    explanation = scores.explain(member)
    factors = {f.name: f for f in explanation.factors}
    # then reach is imputed at the population prior (no contribution) and flagged as missing
    assert factors["reach"].missing == ("reddit",)
    assert factors["reach"].contribution == 0.0
    assert explanation.confidence < 0.8


def test_the_main_topic_is_the_most_frequent_one_in_the_window() -> None:
    # given member 0 posting on topics 2, 2, 5 (and 5 twice outside the window), member 1 on 5 and 3
    now = 1_750_000_000.0
    day = 86400.0
    member = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    topic = np.array([2, 2, 5, 5, 5, 5, 3, NO_TOPIC])
    published = np.array([now - day, now - day, now - day, now - 100 * day, now - 100 * day, now, now, now])
    kind = np.zeros(8, np.int8)
    nan = np.full(8, np.nan)
    columns = ActivityColumns(member, np.zeros(8, np.int8), kind, published, nan, nan, nan, topic, ("t",) * 6)
    # when
    topics = main_topics(columns, members=4, as_of=now)
    # then ties go to the lower topic index, and members without topics have none
    assert topics.tolist() == [2, 3, NO_TOPIC, NO_TOPIC]
