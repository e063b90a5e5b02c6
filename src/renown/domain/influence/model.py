"""The score model: its parameters, and how standardized factors combine into a raw score."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from renown.domain.influence.columns import BoolArray, FloatArray

NETWORK_FACTORS = ("reach", "engagement", "amplification")
# Consistency is measured across networks: splitting output over several networks is
# not irregularity.
MEMBER_FACTORS = ("consistency", "centrality", "reactors")
FACTORS = NETWORK_FACTORS + MEMBER_FACTORS

_WEIGHTS = {
    "reach": 0.30,
    "engagement": 0.30,
    "amplification": 0.12,
    "consistency": 0.08,
    "centrality": 0.25,
    "reactors": 0.10,
}


@dataclass(frozen=True)
class ScoringModel:
    """Hand-set, monotone weights and constants; any change ships under a new version."""

    version: str = "influence-2025.1"
    window_days: float = 90.0
    half_life_days: float = 30.0
    # Pseudo-posts at the population rate: 3 posts of evidence weigh as much as the prior.
    prior_posts: float = 3.0
    like_weight: float = 1.0
    reshare_weight: float = 2.0
    reply_weight: float = 1.5
    weights: MappingProxyType[str, float] = field(default_factory=lambda: MappingProxyType(dict(_WEIGHTS)))
    # Soft maximum over networks: the best network counts most, the others still count.
    network_softness: float = 1.0
    # Reactor checks (Klout: "the more a person likes in a day, the less each like counts").
    selective_targets: float = 150.0
    selective_daily_reactions: float = 30.0
    lockstep_min_group: int = 20
    lockstep_factor: float = 0.0
    new_account_days: float = 30.0
    damping: float = 0.85
    z_clip: tuple[float, float] = (-4.0, 6.0)

    def __hash__(self) -> int:
        return hash(self.version)  # a model is named by its version; weights live in a mapping

    def weight_vector(self, names: tuple[str, ...]) -> FloatArray:
        return np.array([self.weights[n] for n in names], np.float64)

    def describe(self) -> dict[str, Any]:
        """Return the parameters as plain data, for the explanation and the changelog."""
        return {
            "version": self.version,
            "window_days": self.window_days,
            "half_life_days": self.half_life_days,
            "prior_posts": self.prior_posts,
            "weights": dict(self.weights),
        }


DEFAULT_MODEL = ScoringModel()


@dataclass(frozen=True, repr=False)
class Combined:
    """Raw scores and their additive parts, before calibration."""

    raw: FloatArray  # (n,)
    network_raw: FloatArray  # (n, networks): NaN where the member has no account
    network_weight: FloatArray  # (n, networks): soft-max share of each network
    parts: FloatArray  # (n, factors): raw-space contribution of each factor
    has_score: BoolArray  # (n,)


def combine(
    z_network: FloatArray, has_network: BoolArray, z_member: FloatArray, model: ScoringModel = DEFAULT_MODEL
) -> Combined:
    """Weight standardized factors into one raw score per member, keeping each factor's part.

    z_network is (n, networks, len(NETWORK_FACTORS)) with 0 where a factor is missing (the
    population prior); z_member is (n, len(MEMBER_FACTORS)).
    """
    beta_net = model.weight_vector(NETWORK_FACTORS)
    beta_mem = model.weight_vector(MEMBER_FACTORS)
    per_factor = z_network * beta_net  # (n, N, F)
    network_raw = sum_over(per_factor, axis=2)
    logits = np.where(has_network, model.network_softness * network_raw, -np.inf)
    has_score = np.asarray(_reduce_over(has_network, np.logical_or, axis=1), bool)
    top = np.where(has_score, _reduce_over(logits, np.maximum, axis=1), 0.0)
    expo = np.where(has_network, np.exp(logits - top[:, None]), 0.0)
    total = sum_over(expo, axis=1)
    alpha = np.divide(expo, total[:, None], out=np.zeros_like(expo), where=total[:, None] > 0)
    net_parts = sum_over(alpha[:, :, None] * per_factor, axis=1)
    mem_parts = z_member * beta_mem
    parts = np.concatenate([net_parts, mem_parts], axis=1)
    parts[~has_score] = 0.0
    raw = sum_over(parts, axis=1)
    return Combined(raw, np.where(has_network, network_raw, np.nan), alpha, parts, has_score)


def _reduce_over(values: np.ndarray, ufunc: np.ufunc, *, axis: int) -> np.ndarray:
    """Reduce a short axis slice by slice, in index order.

    NumPy reduces a length-3 or length-5 axis one element at a time per output anyway, only far more
    slowly; adding whole slices gives the same result for one member alone and in a batch, so a stored
    explanation still recomputes to the same score.
    """
    slices = np.moveaxis(values, axis, 0)
    result: np.ndarray = slices[0].copy()
    for piece in slices[1:]:
        ufunc(result, piece, out=result)
    return result


def sum_over(values: FloatArray, *, axis: int) -> FloatArray:
    summed: FloatArray = _reduce_over(values, np.add, axis=axis)
    return summed
