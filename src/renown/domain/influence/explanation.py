"""Explanations: factor contributions that add up to the score, their inputs, and hints.

GDPR Art. 22 and 15(1)(h) ask for meaningful information about the logic involved. An
explanation is stored with each score: baseline + the sum of contributions is the score,
and `recompute(inputs)` reproduces it from the stored inputs alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from renown.domain.activity import Network
from renown.domain.influence.calibration import Calibration
from renown.domain.influence.columns import NETWORKS, FloatArray
from renown.domain.influence.features import AMPLIFICATION
from renown.domain.influence.model import DEFAULT_MODEL, FACTORS, NETWORK_FACTORS, ScoringModel, combine
from renown.domain.influence.scorer import Scored, calibrated

TOP_ACTIVITIES = 5


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class NetworkInputs:
    """One network's raw factor values (None = the archive lacked the signal)."""

    network: Network
    reach: float | None
    engagement: float | None
    amplification: float | None
    posts: float


@dataclass(frozen=True)
class ScoreInputs:
    """The feature values a score was computed from; with the calibration, enough to recompute it."""

    networks: tuple[NetworkInputs, ...]
    consistency: float
    centrality: float
    reactors: float

    def arrays(self) -> tuple[FloatArray, np.ndarray, FloatArray]:
        """Return (raw network factors, has-network mask, raw member factors) for one member."""
        raw = np.full((1, len(NETWORKS), len(NETWORK_FACTORS)), np.nan)
        has = np.zeros((1, len(NETWORKS)), bool)
        for item in self.networks:
            k = NETWORKS.index(item.network)
            has[0, k] = True
            values = (item.reach, item.engagement, item.amplification)
            raw[0, k] = [np.nan if v is None else v for v in values]
        return raw, has, np.array([[self.consistency, self.centrality, self.reactors]])

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data."""
        return {
            "networks": [{**asdict(n), "network": n.network.value} for n in self.networks],
            "consistency": self.consistency,
            "centrality": self.centrality,
            "reactors": self.reactors,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreInputs:
        """Rebuild stored inputs."""
        networks = tuple(NetworkInputs(**{**n, "network": Network(n["network"])}) for n in data["networks"])
        return cls(networks, float(data["consistency"]), float(data["centrality"]), float(data["reactors"]))


@dataclass(frozen=True)
class FactorContribution:
    name: str
    contribution: float  # points on the 1-100 scale
    value: float  # weighted z-score: 0 is the population average
    weight: float
    inputs: dict[str, float]
    missing: tuple[str, ...] = ()  # networks where the signal was absent and the prior was used


@dataclass(frozen=True)
class Hint:
    """A counterfactual computed by re-running the model: `change` would move the score by `points`."""

    factor: str
    change: str
    points: float
    topic: str | None = None


@dataclass(frozen=True)
class Explanation:
    score: float
    baseline: float
    confidence: float
    factors: tuple[FactorContribution, ...]
    networks: dict[str, float]
    inputs: ScoreInputs
    model_version: str
    calibration_version: str
    top_activities: tuple[str, ...]
    hints: tuple[Hint, ...]

    def total(self) -> float:
        """Baseline plus every contribution: equal to the score."""
        return self.baseline + sum(f.contribution for f in self.factors)

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data to store next to the score."""
        data = asdict(self)
        data["inputs"] = self.inputs.to_dict()
        return data


def recompute(inputs: ScoreInputs, calibration: Calibration, model: ScoringModel = DEFAULT_MODEL) -> float:
    """Score stored inputs against a calibration, exactly as the scorer did."""
    raw, has, member_raw = inputs.arrays()
    z_net, z_mem = calibration.standardize(raw, member_raw, model)
    score, _, _ = calibrated(combine(z_net, has, z_mem, model), calibration)
    return float(score[0])


def score_inputs(scored: Scored, i: int) -> ScoreInputs:
    """Extract one member's stored inputs from a scored batch."""
    f = scored.features
    networks = tuple(
        NetworkInputs(network, _opt(f.raw[i, k, 0]), _opt(f.raw[i, k, 1]), _opt(f.raw[i, k, 2]), float(f.posts[i, k]))
        for k, network in enumerate(NETWORKS)
        if f.has_network[i, k]
    )
    return ScoreInputs(networks, *(float(v) for v in scored.member_raw[i]))


def _factor_inputs(scored: Scored, i: int) -> dict[str, dict[str, float]]:
    f = scored.features
    out: dict[str, dict[str, float]] = {name: {} for name in FACTORS}
    for k, network in enumerate(NETWORKS):
        if not f.has_network[i, k]:
            continue
        n = network.value
        if not math.isnan(f.followers[i, k]):
            out["reach"][f"{n}.followers"] = float(f.followers[i, k])
        out["engagement"][f"{n}.posts"] = float(f.posts[i, k])
        out["engagement"][f"{n}.weighted_posts"] = round(float(f.weighted_posts[i, k]), 4)
        out["engagement"][f"{n}.weighted_reactions"] = round(float(f.weighted_reactions[i, k]), 4)
        out["engagement"][f"{n}.prior_rate"] = round(float(f.priors.engagement[k]), 4)
        value = f.raw[i, k, AMPLIFICATION]
        if not math.isnan(value):
            out["amplification"][f"{n}.reshare_rate"] = round(float(np.expm1(value)), 4)
    out["engagement"]["authenticity"] = round(float(f.authenticity[i]), 4)
    out["consistency"]["active_day_share"] = round(float(scored.member_raw[i, 0]), 4)
    out["centrality"]["log_pagerank_ratio"] = round(float(scored.member_raw[i, 1]), 6)
    out["reactors"]["weighted_reactors"] = round(float(np.expm1(scored.member_raw[i, 2])), 4)
    return out


def explain(
    scored: Scored,
    i: int,
    *,
    calibration: Calibration,
    model: ScoringModel = DEFAULT_MODEL,
    activity_rows: Sequence[int] = (),
    activity_ids: Sequence[str] = (),
    hints: Sequence[Hint] = (),
) -> Explanation:
    """Assemble member i's explanation; `activity_ids[j]` names `activity_rows[j]`."""
    if not scored.has_score[i]:
        raise ValueError("member has no scored network")
    inputs = _factor_inputs(scored, i)
    f = scored.features
    beta = model.weight_vector(FACTORS)
    weighted_z = np.concatenate(
        [(scored.combined.network_weight[i][:, None] * scored.z_network[i]).sum(axis=0), scored.z_member[i]]
    )
    factors = []
    for j, name in enumerate(FACTORS):
        missing: tuple[str, ...] = ()
        if j < len(NETWORK_FACTORS):
            gone = f.has_network[i] & np.isnan(f.raw[i, :, j])
            missing = tuple(NETWORKS[k].value for k in np.flatnonzero(gone))
        factors.append(
            FactorContribution(
                name, float(scored.contributions[i, j]), float(weighted_z[j]), float(beta[j]), inputs[name], missing
            )
        )
    rows = np.asarray(activity_rows, np.int64)
    weights = f.activity_weight[rows] if rows.size else np.zeros(0)
    best = [int(j) for j in np.argsort(-weights, kind="stable")[:TOP_ACTIVITIES] if weights[j] > 0]
    return Explanation(
        score=float(scored.score[i]),
        baseline=scored.baseline,
        confidence=float(scored.confidence[i]),
        factors=tuple(factors),
        networks={NETWORKS[k].value: float(scored.network_scores[i, k]) for k in np.flatnonzero(f.has_network[i])},
        inputs=score_inputs(scored, i),
        model_version=model.version,
        calibration_version=calibration.version,
        top_activities=tuple(activity_ids[j] for j in best),
        hints=tuple(hints),
    )
