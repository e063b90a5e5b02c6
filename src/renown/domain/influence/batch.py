"""The population path: score every member at once, fitting or reusing a calibration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from renown.domain.influence.calibration import Calibration
from renown.domain.influence.centrality import GraphSignals, ReactorAssessment, assess_reactors, graph_signals
from renown.domain.influence.columns import (
    RESHARE,
    AccountColumns,
    ActivityColumns,
    FloatArray,
    IntArray,
    InteractionGraph,
)
from renown.domain.influence.explanation import Explanation, explain
from renown.domain.influence.features import in_window, network_features
from renown.domain.influence.hints import HintTable, factor_counterfactuals, member_hints, topic_counterfactual
from renown.domain.influence.model import DEFAULT_MODEL, ScoringModel
from renown.domain.influence.scorer import Scored, fit_calibration, score_features


@dataclass(frozen=True, slots=True)
class MemberSignals:
    """What the last batch run knows about one member's place in the graph; stored for the fast path."""

    centrality: float
    reactors: float
    member_reactions: float
    bot_reactions: float


@dataclass(repr=False)
class PopulationScores:
    """A batch run's results; `explain(i)` assembles one member's explanation on demand."""

    scored: Scored
    calibration: Calibration
    model: ScoringModel
    signals: GraphSignals
    assessment: ReactorAssessment
    activities: ActivityColumns
    hint_table: HintTable | None
    _order: IntArray | None = field(default=None, repr=False)
    _starts: IntArray | None = field(default=None, repr=False)

    @property
    def score(self) -> FloatArray:
        return self.scored.score

    def member_signals(self, i: int) -> MemberSignals:
        """Return the graph signals to store for member i."""
        s = self.signals
        return MemberSignals(
            float(s.centrality[i]), float(s.reactors[i]), float(s.member_reactions[i]), float(s.bot_reactions[i])
        )

    def activity_rows(self, i: int) -> IntArray:
        """Row indexes of member i's activities (one sort for the whole population, done once)."""
        if self._order is None or self._starts is None:
            self._order = np.argsort(self.activities.member, kind="stable")
            members = self.scored.score.shape[0]
            self._starts = np.searchsorted(self.activities.member[self._order], np.arange(members + 1))
        return self._order[self._starts[i] : self._starts[i + 1]]

    def explain(self, i: int, activity_id: Callable[[int], str] | None = None) -> Explanation:
        """Explain member i; `activity_id(row)` names activities for the top-activities list."""
        rows = self.activity_rows(i) if activity_id is not None else np.zeros(0, np.int64)
        ids = [activity_id(int(r)) for r in rows] if activity_id is not None else []
        hints = member_hints(self.hint_table, self.scored, i, self.calibration) if self.hint_table else []
        return explain(
            self.scored,
            i,
            calibration=self.calibration,
            model=self.model,
            activity_rows=rows.tolist(),
            activity_ids=ids,
            hints=hints,
        )


def content_posts(activities: ActivityColumns, *, members: int, as_of: float, model: ScoringModel) -> FloatArray:
    """Each member's own posts and replies in the window."""
    keep = in_window(activities.published_at, as_of, model) & (activities.kind != RESHARE)
    return np.bincount(activities.member[keep], minlength=members).astype(np.float64)


def score_population(
    activities: ActivityColumns,
    accounts: AccountColumns,
    graph: InteractionGraph,
    *,
    as_of: datetime,
    calibration: Calibration | None = None,
    model: ScoringModel = DEFAULT_MODEL,
    hints: bool = True,
) -> PopulationScores:
    """Score a whole population; with calibration=None a new calibration is fitted on it."""
    members = graph.members
    now = as_of.timestamp()
    posts = content_posts(activities, members=members, as_of=now, model=model)
    assessment = assess_reactors(graph, accounts, posts, model=model)
    signals = graph_signals(graph, assessment, damping=model.damping)
    features = network_features(
        activities,
        accounts,
        members=members,
        as_of=now,
        bot_reactions=signals.bot_reactions,
        member_reactions=signals.member_reactions,
        priors=calibration.priors if calibration else None,
        model=model,
    )
    member_raw = np.stack([features.consistency, signals.centrality, signals.reactors], axis=1)
    combined = None
    if calibration is None:
        calibration, combined = fit_calibration(features, member_raw, fitted_at=as_of, model=model)
    scored = score_features(features, member_raw, calibration, model, combined=combined)
    table = None
    if hints:
        topics, topic_points = topic_counterfactual(
            activities,
            accounts,
            scored,
            members=members,
            as_of=now,
            bot_reactions=signals.bot_reactions,
            member_reactions=signals.member_reactions,
            calibration=calibration,
            model=model,
        )
        factor_points = factor_counterfactuals(scored, calibration, model)
        table = HintTable(factor_points, topics, topic_points, activities.topic_slugs)
    return PopulationScores(scored, calibration, model, signals, assessment, activities, table)
