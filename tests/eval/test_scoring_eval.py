"""The score against planted truth: the goals of issue 6, on a 5,000-member demo population."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import networkx as nx
import numpy as np
import pytest

from renown.domain.influence import InteractionGraph, PopulationScores, trust_pagerank
from renown.services.demo import Population, generate_population
from renown.services.scoring_eval import bot_farm_effect, ranking_quality, score, stability, topic_precision

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(5000, 11, as_of=AS_OF)


@pytest.fixture(scope="module")
def scores(population: Population) -> PopulationScores:
    return score(population, hints=False)


def test_the_score_ranks_like_the_planted_influence_and_beats_follower_counts(
    population: Population, scores: PopulationScores
) -> None:
    quality = ranking_quality(population, scores)
    assert quality["spearman"] >= 0.8
    assert quality["spearman_gain"] >= 0.1
    assert quality["median_score"] == pytest.approx(40.0, abs=3.0)


def test_celebrities_score_90_or_more(population: Population, scores: PopulationScores) -> None:
    quality = ranking_quality(population, scores)
    assert quality["celebrities"] == 24
    assert quality["celebrities_at_90_or_more"] >= 0.95


def test_a_thousand_account_bot_farm_moves_its_target_by_at_most_one_point(
    population: Population, scores: PopulationScores
) -> None:
    effect = bot_farm_effect(population, scores, size=1000)
    assert effect["target_change"] <= 1.0
    assert effect["farm_flagged_lockstep"] == 1.0


def test_members_whose_activity_did_not_change_keep_their_score_the_next_day(
    population: Population, scores: PopulationScores
) -> None:
    assert stability(population, scores)["share_within_2_points"] >= 0.95


def test_planted_experts_get_their_topics(population: Population) -> None:
    assert topic_precision(population, sample=400)["precision_at_3"] >= 0.7


@pytest.mark.parametrize(
    ("graph", "leaders"),
    [
        (nx.karate_club_graph(), {0, 33}),
        (nx.florentine_families_graph(), {"Medici"}),
        (nx.les_miserables_graph(), {"Valjean"}),
    ],
)
def test_centrality_ranks_the_known_leaders_of_classic_graphs_first(graph: nx.Graph[Any], leaders: set[object]) -> None:
    nodes = list(graph.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    edges = [
        (index[a], index[b], float(d.get("weight", 1.0)), 0.0)
        for u, v, d in graph.edges(data=True)
        for a, b in ((u, v), (v, u))
    ]
    rank = trust_pagerank(InteractionGraph.from_edges(len(nodes), edges), np.ones(len(nodes)))
    assert {nodes[i] for i in np.argsort(-rank)[: len(leaders)]} == leaders
