"""Trust-seeded PageRank and reactor checks on small cases (classic graphs: tests/eval)."""

from __future__ import annotations

import numpy as np
import pytest

from renown.domain.influence import AccountColumns, InteractionGraph, assess_reactors, lockstep_reactors, trust_pagerank
from renown.domain.influence.model import DEFAULT_MODEL


def no_accounts(members: int, age_days: list[float] | None = None) -> AccountColumns:
    members_index = np.arange(members, dtype=np.int64) if age_days else np.zeros(0, np.int64)
    ages = np.array(age_days or [], np.float64)
    empty = np.full(len(ages), np.nan)
    return AccountColumns(members_index, np.zeros(len(ages), np.int8), empty, empty, ages)


def test_rank_sums_to_one_and_without_edges_is_the_trust_prior() -> None:
    # given three members and no reactions
    graph = InteractionGraph.from_edges(3, [])
    # when
    rank = trust_pagerank(graph, np.array([1.0, 1.0, 2.0]))
    # then the walk only teleports
    assert rank.tolist() == pytest.approx([0.25, 0.25, 0.5])


def test_a_reactor_of_zero_quality_passes_nothing_on() -> None:
    # given member 0 reacting to member 1, with quality 0 and then 1
    graph = InteractionGraph.from_edges(2, [(0, 1, 1.0, 0.0)])
    # when
    silent = trust_pagerank(graph, np.ones(2), np.array([0.0, 1.0]))
    heard = trust_pagerank(graph, np.ones(2), np.array([1.0, 1.0]))
    # then only the trusted reaction lifts member 1
    assert silent.tolist() == pytest.approx([0.5, 0.5])
    assert heard[1] > 0.6


def test_a_crowd_reacting_to_the_same_target_in_the_same_hour_is_lockstep() -> None:
    # given 25 accounts reacting to member 0 within one hour, 25 reacting at different hours,
    # and 19 more in another single hour (below the group size of 20)
    hour = 1_700_000_000.0 - (1_700_000_000.0 % 3600)
    edges = [(1 + i, 0, 1.0, hour + i) for i in range(25)]
    edges += [(26 + i, 0, 1.0, hour + 3600.0 * (i + 1)) for i in range(25)]
    edges += [(51 + i, 0, 1.0, hour - 7200.0 + i) for i in range(19)]
    graph = InteractionGraph.from_edges(70, edges)
    # when
    flagged = lockstep_reactors(graph, DEFAULT_MODEL.lockstep_min_group)
    # then only the first crowd is flagged
    assert np.flatnonzero(flagged).tolist() == list(range(1, 26))


def test_new_accounts_and_reactors_that_react_to_everyone_weigh_less() -> None:
    # given member 0 (a 3-day-old account) reacting once, and member 1 reacting to 300 members
    edges = [(0, 2, 1.0, 0.0)] + [(1, 2 + i, 1.0, 3600.0 * i) for i in range(300)]
    graph = InteractionGraph.from_edges(302, edges)
    ages = [3.0] + [400.0] * 301
    # when
    assessment = assess_reactors(graph, no_accounts(302, ages), np.ones(302))
    # then a new account counts (3/30)^2 and a 300-target reactor counts 150/300
    assert assessment.quality[0] == pytest.approx(0.01)
    assert assessment.quality[1] == pytest.approx(0.5)
    assert assessment.quality[2] == pytest.approx(1.0)


def test_an_erased_member_leaves_no_edge_behind() -> None:
    # given reactions 0 -> 1, 1 -> 2 and 2 -> 0
    graph = InteractionGraph.from_edges(3, [(0, 1, 2.0, 10.0), (1, 2, 1.0, 20.0), (2, 0, 4.0, 30.0)])
    # when member 1 is erased
    remaining = graph.without_members(np.array([1]))
    # then only the reaction between the two others is left
    assert (remaining.source.tolist(), remaining.target.tolist(), remaining.count.tolist()) == ([2], [0], [4.0])
    assert remaining.members == 3
