"""The fast path: score one member right after an import, against the stored calibration
and the graph signals of the last batch run (no population-wide work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

from renown.domain.activity import AccountProfile, Activity
from renown.domain.influence.batch import MemberSignals
from renown.domain.influence.calibration import Calibration
from renown.domain.influence.columns import account_columns, activity_columns
from renown.domain.influence.explanation import Explanation, explain
from renown.domain.influence.features import network_features
from renown.domain.influence.hints import HintTable, factor_counterfactuals, member_hints, topic_counterfactual
from renown.domain.influence.model import DEFAULT_MODEL, ScoringModel
from renown.domain.influence.scorer import score_features


def prior_signals(calibration: Calibration) -> MemberSignals:
    """Graph signals for a member no batch run has placed yet: the population averages."""
    _, centrality, reactors = calibration.member_mean
    return MemberSignals(centrality=centrality, reactors=reactors, member_reactions=0.0, bot_reactions=0.0)


def score_member(
    activities: Sequence[Activity],
    accounts: Sequence[tuple[AccountProfile, datetime | None]],
    *,
    calibration: Calibration,
    as_of: datetime,
    signals: MemberSignals | None = None,
    topic_of: Callable[[Activity], str | None] | None = None,
    topic_slugs: tuple[str, ...] = (),
    model: ScoringModel = DEFAULT_MODEL,
) -> Explanation:
    """Score and explain one member from their activities and (profile, account created_at) pairs."""
    signals = signals or prior_signals(calibration)
    rows = activity_columns(((0, a) for a in activities), topic_of=topic_of, topic_slugs=topic_slugs)
    profiles = account_columns(((0, p, created) for p, created in accounts), as_of=as_of)
    now = as_of.timestamp()
    bots = np.array([signals.bot_reactions])
    received = np.array([signals.member_reactions])
    features = network_features(
        rows,
        profiles,
        members=1,
        as_of=now,
        bot_reactions=bots,
        member_reactions=received,
        priors=calibration.priors,
        model=model,
    )
    member_raw = np.array([[features.consistency[0], signals.centrality, signals.reactors]])
    scored = score_features(features, member_raw, calibration, model)
    topics, topic_points = topic_counterfactual(
        rows,
        profiles,
        scored,
        members=1,
        as_of=now,
        bot_reactions=bots,
        member_reactions=received,
        calibration=calibration,
        model=model,
    )
    table = HintTable(factor_counterfactuals(scored, calibration, model), topics, topic_points, topic_slugs)
    return explain(
        scored,
        0,
        calibration=calibration,
        model=model,
        activity_rows=range(len(activities)),
        activity_ids=[a.external_id for a in activities],
        hints=member_hints(table, scored, 0, calibration),
    )
