"""The batch's array version of topic expertise gives what the per-member rule gives."""

from __future__ import annotations

import numpy as np
import pytest

from renown.domain.expertise import topic_expertise
from renown.domain.topic_levels import topic_levels

SLUGS = ("astronomy", "cooking", "python")


def test_levels_on_arrays_equal_the_per_member_rule() -> None:
    # given two members' posts: topics with weights, and the reactions each post drew
    posts = {
        0: [([("python", 0.75), ("astronomy", 0.25)], 12.0), ([("cooking", 1.0)], 0.0), ([], 3.0)],
        1: [([("astronomy", 1.0)], 40.0), ([("astronomy", 0.5), ("python", 0.5)], 2.0)],
    }
    scores = np.array([62.0, 35.5])
    member, topic, weight, reactions = [], [], [], []
    all_evidence = np.zeros(2)
    for m, items in posts.items():
        for topics, drawn in items:
            all_evidence[m] += 1 + np.log1p(drawn)
            for slug, w in topics:
                member.append(m)
                topic.append(SLUGS.index(slug))
                weight.append(w)
                reactions.append(drawn)
    # when levels are computed for everyone at once
    levels = topic_levels(np.array(member), np.array(topic), np.array(weight), np.array(reactions), all_evidence,
                          scores)
    # then each member's (slug, share, level, posts) match `topic_expertise`
    for m, items in posts.items():
        rows = np.flatnonzero(levels.member == m)
        got = sorted((SLUGS[levels.topic[r]], levels.share[r], levels.level[r], levels.activities[r]) for r in rows)
        want = sorted((e.slug, e.share, e.level, e.activities) for e in topic_expertise(items, float(scores[m])))
        assert [g[0] for g in got] == [w[0] for w in want]
        assert [g[3] for g in got] == [w[3] for w in want]
        assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-12)
        assert [g[2] for g in got] == pytest.approx([w[2] for w in want], abs=1e-12)


def test_members_without_a_score_get_no_levels() -> None:
    levels = topic_levels(np.array([0, 1]), np.array([2, 2]), np.array([1.0, 1.0]), np.array([0.0, 0.0]),
                          np.array([1.0, 1.0]), np.array([50.0, np.nan]))
    assert (levels.member.tolist(), levels.level.tolist()) == ([0], [pytest.approx(50.0 * (1 / 3) ** 0.5)])
