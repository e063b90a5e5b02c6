"""Versioned calibration: population statistics and the quantile map from raw score to 1-100.

A calibration is fitted once on a population and then frozen: daily runs score against
it, so a member whose behaviour did not change keeps their score. Refitting produces a
new version string; every stored score says which version produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from renown.domain.influence.columns import NETWORKS, BoolArray, FloatArray
from renown.domain.influence.features import NetworkFeatures, Priors
from renown.domain.influence.model import DEFAULT_MODEL, MEMBER_FACTORS, NETWORK_FACTORS, ScoringModel

# Target distribution, as (population quantile, score). Median 40 as Klout's "typical";
# the top 2 % at 90 or more, the very top near 99 (celebrities close to 100).
TARGET = (
    (0.0, 1.0),
    (0.01, 4.0),
    (0.05, 11.0),
    (0.10, 16.0),
    (0.25, 27.0),
    (0.50, 40.0),
    (0.75, 53.0),
    (0.90, 66.0),
    (0.95, 76.0),
    (0.98, 90.0),
    (0.99, 93.0),
    (0.995, 95.0),
    (0.999, 98.0),
    (1.0, 99.0),
)
# Denser knots at the top, where the target curve is steep.
_QUANTILES = np.unique(np.concatenate([np.linspace(0.0, 0.95, 96), np.linspace(0.95, 1.0, 201)]))
MIN_CURVE_POPULATION = 20


@dataclass(frozen=True)
class Curve:
    """A monotone piecewise-linear map from raw score to calibrated score."""

    raw: tuple[float, ...]
    score: tuple[float, ...]

    def apply(self, raw: FloatArray) -> FloatArray:
        """Map raw scores to 1-99; beyond the fitted range the ends hold."""
        return np.asarray(np.interp(raw, np.asarray(self.raw), np.asarray(self.score)), np.float64)

    def slope(self, raw: FloatArray) -> FloatArray:
        """Return the curve's slope at each raw score (right derivative)."""
        knots = np.asarray(self.raw)
        scores = np.asarray(self.score)
        seg = np.clip(np.searchsorted(knots, raw, side="right") - 1, 0, len(knots) - 2)
        return np.asarray((scores[seg + 1] - scores[seg]) / (knots[seg + 1] - knots[seg]), np.float64)

    @classmethod
    def fit(cls, raw: FloatArray) -> Curve:
        """Place the target quantiles at the population's raw-score quantiles."""
        target_q, target_s = np.array(TARGET).T
        knots = np.quantile(raw, _QUANTILES)
        # Ties (many identical raw scores) would make the map a step: nudge knots apart.
        step = max(float(knots[-1] - knots[0]), 1.0) * 1e-9 * np.arange(len(knots))
        knots = np.maximum.accumulate(knots - step) + step  # unchanged where already increasing
        return cls(tuple(float(x) for x in knots), tuple(float(s) for s in np.interp(_QUANTILES, target_q, target_s)))


def _stats(values: FloatArray, mask: BoolArray) -> tuple[float, float]:
    picked = values[mask & ~np.isnan(values)]
    if picked.size < 2:
        return 0.0, 1.0
    return float(picked.mean()), max(float(picked.std()), 1e-3)


@dataclass(frozen=True)
class Calibration:
    """Everything fitted on the population that a single member is later scored against."""

    model_version: str
    fitted_at: str
    members: int
    priors_engagement: tuple[float, ...]
    priors_reshares: tuple[float, ...]
    network_mean: tuple[tuple[float, ...], ...]  # (networks, NETWORK_FACTORS)
    network_std: tuple[tuple[float, ...], ...]
    member_mean: tuple[float, ...]  # (MEMBER_FACTORS,)
    member_std: tuple[float, ...]
    overall: Curve
    networks: dict[str, Curve]
    version: str = field(default="")

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self._derive_version())

    def __repr__(self) -> str:
        return f"Calibration(version={self.version!r}, members={self.members})"

    def _derive_version(self) -> str:
        body = json.dumps(self._content(), sort_keys=True, separators=(",", ":")).encode()
        return f"cal-{self.fitted_at[:10].replace('-', '')}-{hashlib.sha256(body).hexdigest()[:10]}"

    @property
    def priors(self) -> Priors:
        return Priors(np.array(self.priors_engagement), np.array(self.priors_reshares))

    @property
    def baseline(self) -> float:
        """Score of a member exactly at the population average on every factor."""
        return float(self.overall.apply(np.zeros(1))[0])

    def standardize(
        self, raw_network: FloatArray, raw_member: FloatArray, model: ScoringModel
    ) -> tuple[FloatArray, FloatArray]:
        """Turn raw factors into clipped z-scores; a missing factor becomes 0, the population prior."""
        lo, hi = model.z_clip
        z_net = (raw_network - np.array(self.network_mean)) / np.array(self.network_std)
        z_mem = (raw_member - np.array(self.member_mean)) / np.array(self.member_std)
        return np.nan_to_num(z_net, nan=0.0).clip(lo, hi), np.nan_to_num(z_mem, nan=0.0).clip(lo, hi)

    def _content(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "fitted_at": self.fitted_at,
            "members": self.members,
            "priors_engagement": list(self.priors_engagement),
            "priors_reshares": list(self.priors_reshares),
            "network_mean": [list(r) for r in self.network_mean],
            "network_std": [list(r) for r in self.network_std],
            "member_mean": list(self.member_mean),
            "member_std": list(self.member_std),
            "overall": {"raw": list(self.overall.raw), "score": list(self.overall.score)},
            "networks": {k: {"raw": list(c.raw), "score": list(c.score)} for k, c in sorted(self.networks.items())},
        }

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data that `from_dict` turns back into an equal calibration."""
        return {"version": self.version, **self._content()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Rebuild a stored calibration, keeping its version string."""

        def curve(d: dict[str, Any]) -> Curve:
            return Curve(tuple(map(float, d["raw"])), tuple(map(float, d["score"])))

        return cls(
            model_version=data["model_version"],
            fitted_at=data["fitted_at"],
            members=int(data["members"]),
            priors_engagement=tuple(map(float, data["priors_engagement"])),
            priors_reshares=tuple(map(float, data["priors_reshares"])),
            network_mean=tuple(tuple(map(float, r)) for r in data["network_mean"]),
            network_std=tuple(tuple(map(float, r)) for r in data["network_std"]),
            member_mean=tuple(map(float, data["member_mean"])),
            member_std=tuple(map(float, data["member_std"])),
            overall=curve(data["overall"]),
            networks={k: curve(v) for k, v in data["networks"].items()},
            version=data["version"],
        )


def fit_statistics(
    features: NetworkFeatures, raw_member: FloatArray, model: ScoringModel = DEFAULT_MODEL
) -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...], tuple[float, ...], tuple[float, ...]]:
    """Means and spreads that standardize each factor, per network and for member factors."""
    means, stds = [], []
    for k in range(len(NETWORKS)):
        pairs = [_stats(features.raw[:, k, f], features.has_network[:, k]) for f in range(len(NETWORK_FACTORS))]
        means.append(tuple(p[0] for p in pairs))
        stds.append(tuple(p[1] for p in pairs))
    scored = np.asarray(features.has_network.any(axis=1), bool)
    member = [_stats(raw_member[:, f], scored) for f in range(len(MEMBER_FACTORS))]
    return tuple(means), tuple(stds), tuple(m for m, _ in member), tuple(s for _, s in member)


def fit_curves(raw: FloatArray, network_raw: FloatArray, has_score: BoolArray) -> tuple[Curve, dict[str, Curve]]:
    """Fit the overall curve and one per network with enough members (else the overall one)."""
    overall = Curve.fit(raw[has_score])
    per_network: dict[str, Curve] = {}
    for k, network in enumerate(NETWORKS):
        values = network_raw[:, k]
        values = values[~np.isnan(values)]
        per_network[network.value] = Curve.fit(values) if values.size >= MIN_CURVE_POPULATION else overall
    return overall, per_network


def fitted_at_text(moment: datetime) -> str:
    """Format a fit time as ISO-8601 UTC, the form versions are derived from."""
    return moment.isoformat(timespec="seconds")
