"""Expertise per member per topic: topical share of their output, combined with their score."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicExpertise:
    """How much of a member's output is about a topic, and their level in it (0-100)."""

    slug: str
    share: float
    level: float
    activities: int


def topic_expertise(
    assignments: Iterable[tuple[Sequence[tuple[str, float]], float]],
    score: float,
    *,
    exclude: Collection[str] = (),
    prior_activities: float = 2.0,
) -> list[TopicExpertise]:
    """Combine per-activity topics (weighted by reactions) with the score into levels.

    Each item is (topics of one activity, reactions it received). An activity's evidence
    is 1 + log1p(reactions), so well-received posts count more but one viral post cannot
    make an expert. share = evidence on the topic / (all evidence + a small prior), and
    level = score x sqrt(share): a 60-score member writing half the time on a topic is 42.
    """
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    all_evidence = 0.0
    for topics, reactions in assignments:
        evidence = 1.0 + math.log1p(max(reactions, 0.0))
        all_evidence += evidence
        for slug, weight in topics:
            if slug in exclude:
                continue
            totals[slug] = totals.get(slug, 0.0) + evidence * weight
            counts[slug] = counts.get(slug, 0) + 1
    denominator = all_evidence + prior_activities
    out = [
        TopicExpertise(slug, share, score * math.sqrt(share), counts[slug])
        for slug, total in totals.items()
        for share in (total / denominator,)
    ]
    out.sort(key=lambda e: (-e.share, e.slug))
    return out
