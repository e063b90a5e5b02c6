"""Counterfactual hints ("what would change my score"), computed by re-running the model.

Each hint changes one input for every member at once, runs the same scorer against the
same frozen calibration, and reports the difference: no linear approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from renown.domain.influence.calibration import Calibration
from renown.domain.influence.columns import (
    NETWORKS,
    NO_TOPIC,
    RESHARE,
    AccountColumns,
    ActivityColumns,
    FloatArray,
    IntArray,
)
from renown.domain.influence.explanation import Hint
from renown.domain.influence.features import in_window, network_features
from renown.domain.influence.model import (
    DEFAULT_MODEL,
    FACTORS,
    MEMBER_FACTORS,
    NETWORK_FACTORS,
    ScoringModel,
    combine,
    sum_over,
)
from renown.domain.influence.scorer import Scored, score_features

TOPIC_UPLIFT = 0.5
MIN_POINTS = 0.05
WEAKEST = 2


@dataclass(frozen=True, repr=False)
class HintTable:
    """Per member: points gained by +1 population standard deviation on each factor, and by
    TOPIC_UPLIFT more reactions on posts in their main topic."""

    factor_points: FloatArray  # (n, FACTORS), NaN where the factor had no signal
    topic: IntArray  # (n,) index into topic_slugs, NO_TOPIC when none
    topic_points: FloatArray  # (n,)
    topic_slugs: tuple[str, ...]


def factor_counterfactuals(scored: Scored, calibration: Calibration, model: ScoringModel = DEFAULT_MODEL) -> FloatArray:
    """Re-score everyone with one factor raised by one standard deviation, factor by factor."""
    lo, hi = model.z_clip
    present = scored.features.has_network[:, :, None] & ~np.isnan(scored.features.raw)
    points = np.full(scored.contributions.shape, np.nan)
    has_score = scored.has_score
    beta_mem = model.weight_vector(MEMBER_FACTORS)
    for j, _name in enumerate(FACTORS):
        if j < len(NETWORK_FACTORS):
            z_net = scored.z_network.copy()
            z_net[:, :, j] = np.where(present[:, :, j], np.clip(z_net[:, :, j] + 1.0, lo, hi), z_net[:, :, j])
            raw = combine(z_net, scored.features.has_network, scored.z_member, model).raw
            applicable = present[:, :, j].any(axis=1)
        else:
            # A member factor leaves the networks' soft maximum as it was: only its own part changes,
            # and the parts add up in the same order as in `combine`.
            m = j - len(NETWORK_FACTORS)
            parts = scored.combined.parts.copy()
            parts[:, j] = np.where(has_score, np.clip(scored.z_member[:, m] + 1.0, lo, hi) * beta_mem[m], 0.0)
            raw = sum_over(parts, axis=1)
            applicable = has_score
        score = calibration.overall.apply(raw)
        points[:, j] = np.where(applicable, score - scored.score, np.nan)
    return points


def main_topics(
    activities: ActivityColumns, *, members: int, as_of: float, model: ScoringModel = DEFAULT_MODEL
) -> IntArray:
    """Each member's most frequent topic among their posts in the window."""
    topics = np.full(members, NO_TOPIC, np.int64)
    inside = in_window(activities.published_at, as_of, model)
    keep = inside & (activities.kind != RESHARE) & (activities.topic != NO_TOPIC)
    if not keep.any():
        return topics
    width = max(len(activities.topic_slugs), int(activities.topic[keep].max()) + 1)
    keys = np.sort(activities.member[keep] * width + activities.topic[keep])
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])  # runs of one (member, topic) pair
    counts = np.diff(np.r_[starts, len(keys)])
    member, topic = keys[starts] // width, keys[starts] % width
    order = np.lexsort((topic, -counts, member))  # most posts first; ties go to the lower topic index
    leaders = order[np.r_[True, member[order][1:] != member[order][:-1]]]
    topics[member[leaders]] = topic[leaders]
    return topics


def topic_counterfactual(
    activities: ActivityColumns,
    accounts: AccountColumns,
    scored: Scored,
    *,
    members: int,
    as_of: float,
    bot_reactions: FloatArray,
    member_reactions: FloatArray,
    calibration: Calibration,
    model: ScoringModel = DEFAULT_MODEL,
    uplift: float = TOPIC_UPLIFT,
) -> tuple[IntArray, FloatArray]:
    """Re-score everyone as if posts in their main topic had drawn `uplift` more reactions."""
    topics = main_topics(activities, members=members, as_of=as_of, model=model)
    boost = (activities.topic != NO_TOPIC) & (activities.topic == topics[activities.member])
    scale = np.where(boost, 1.0 + uplift, 1.0)
    boosted = replace(
        activities,
        likes=activities.likes * scale,
        reshares=activities.reshares * scale,
        replies=activities.replies * scale,
    )
    features = network_features(
        boosted,
        accounts,
        members=members,
        as_of=as_of,
        bot_reactions=bot_reactions,
        member_reactions=member_reactions,
        priors=calibration.priors,
        model=model,
        consistency=scored.features.consistency,  # days active do not depend on reactions
    )
    again = score_features(features, scored.member_raw, calibration, model)
    return topics, np.where(topics != NO_TOPIC, again.score - scored.score, np.nan)


def _change(name: str, scored: Scored, i: int, calibration: Calibration) -> str:
    if name in NETWORK_FACTORS:
        j = NETWORK_FACTORS.index(name)
        # Name the network that weighs most among those where this signal was measured.
        measured = scored.features.has_network[i] & ~np.isnan(scored.features.raw[i, :, j])
        k = int(np.argmax(np.where(measured, scored.combined.network_weight[i], -1.0)))
        sigma = calibration.network_std[k][j]
        noun = {"reach": "followers", "engagement": "reactions per post", "amplification": "reshares per post"}[name]
        return f"about x{math.exp(sigma):.1f} {noun} on {NETWORKS[k].value}"
    sigma = calibration.member_std[FACTORS.index(name) - len(NETWORK_FACTORS)]
    if name == "consistency":
        return f"active on about {round(100 * sigma)} more days in 100"
    if name == "centrality":
        return f"reactions from better-connected members (network centrality x{math.exp(sigma):.1f})"
    return f"about x{math.exp(sigma):.1f} distinct members reacting"


def member_hints(table: HintTable, scored: Scored, i: int, calibration: Calibration) -> list[Hint]:
    """The topic hint, then hints for the two weakest factors that can still move the score."""
    hints: list[Hint] = []
    topic = int(table.topic[i])
    if topic != NO_TOPIC and table.topic_points[i] >= MIN_POINTS:
        slug = table.topic_slugs[topic] if topic < len(table.topic_slugs) else str(topic)
        change = f"+{round(100 * TOPIC_UPLIFT)}% engagement on posts about {slug}"
        hints.append(Hint("engagement", change, round(float(table.topic_points[i]), 1), slug))
    candidates = [
        j
        for j in np.argsort(scored.contributions[i], kind="stable")
        if not math.isnan(table.factor_points[i, j]) and table.factor_points[i, j] >= MIN_POINTS
    ]
    for j in candidates[:WEAKEST]:
        name = FACTORS[j]
        hints.append(Hint(name, _change(name, scored, i, calibration), round(float(table.factor_points[i, j]), 1)))
    return hints
