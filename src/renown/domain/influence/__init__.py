"""Influence scoring: features, trust-seeded centrality, calibration and explanations.

Plain Python with numpy/scipy; no I/O. The batch path (`score_population`) scores a
whole population and fits or reuses a versioned `Calibration`; the fast path
(`score_member`) scores one member against a stored calibration and graph signals.
"""

from renown.domain.influence.batch import MemberSignals, PopulationScores, score_population
from renown.domain.influence.calibration import TARGET, Calibration, Curve
from renown.domain.influence.centrality import (
    GraphSignals,
    ReactorAssessment,
    assess_reactors,
    graph_signals,
    lockstep_reactors,
    trust_pagerank,
)
from renown.domain.influence.columns import (
    NETWORKS,
    NO_TOPIC,
    AccountColumns,
    ActivityColumns,
    InteractionGraph,
    account_columns,
    activity_columns,
)
from renown.domain.influence.explanation import (
    Explanation,
    FactorContribution,
    Hint,
    NetworkInputs,
    ScoreInputs,
    recompute,
)
from renown.domain.influence.model import DEFAULT_MODEL, FACTORS, MEMBER_FACTORS, NETWORK_FACTORS, ScoringModel
from renown.domain.influence.single import prior_signals, score_member

__all__ = [
    "DEFAULT_MODEL",
    "FACTORS",
    "MEMBER_FACTORS",
    "NETWORKS",
    "NETWORK_FACTORS",
    "NO_TOPIC",
    "TARGET",
    "AccountColumns",
    "ActivityColumns",
    "Calibration",
    "Curve",
    "Explanation",
    "FactorContribution",
    "GraphSignals",
    "Hint",
    "InteractionGraph",
    "MemberSignals",
    "NetworkInputs",
    "PopulationScores",
    "ReactorAssessment",
    "ScoreInputs",
    "ScoringModel",
    "account_columns",
    "activity_columns",
    "assess_reactors",
    "graph_signals",
    "lockstep_reactors",
    "prior_signals",
    "recompute",
    "score_member",
    "score_population",
    "trust_pagerank",
]
