"""From features to calibrated scores, additive contributions and confidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from renown.domain.influence.calibration import Calibration, Curve, fit_curves, fit_statistics, fitted_at_text
from renown.domain.influence.columns import NETWORKS, BoolArray, FloatArray
from renown.domain.influence.features import NetworkFeatures
from renown.domain.influence.model import (
    DEFAULT_MODEL,
    MEMBER_FACTORS,
    NETWORK_FACTORS,
    Combined,
    ScoringModel,
    combine,
)


@dataclass(frozen=True, repr=False)
class Scored:
    """Scores of a set of members against one calibration, with everything that explains them."""

    features: NetworkFeatures
    member_raw: FloatArray  # (n, MEMBER_FACTORS): raw centrality and reactors
    z_network: FloatArray
    z_member: FloatArray
    combined: Combined
    score: FloatArray  # (n,) 1-99, NaN when the member has no scored network
    network_scores: FloatArray  # (n, networks) NaN where no account
    contributions: FloatArray  # (n, FACTORS) calibrated points; baseline + sum == score
    baseline: float
    confidence: FloatArray  # (n,) in [0, 1]

    @property
    def has_score(self) -> BoolArray:
        return self.combined.has_score


def calibrated(combined: Combined, calibration: Calibration) -> tuple[FloatArray, FloatArray, float]:
    """Map raw scores through the curve and split each into per-factor points.

    The curve is monotone and the raw score is a sum, so each factor gets the share of
    (score - baseline) that its raw part has of the raw score: the parts add up exactly.
    """
    raw = combined.raw
    score = calibration.overall.apply(raw)
    baseline = calibration.baseline
    near_zero = np.abs(raw) < 1e-9
    gain = np.where(
        near_zero, calibration.overall.slope(np.zeros_like(raw)), (score - baseline) / np.where(near_zero, 1.0, raw)
    )
    contributions = combined.parts * gain[:, None]
    score = np.where(combined.has_score, score, np.nan)
    return score, contributions, baseline


def confidence(features: NetworkFeatures, combined: Combined, model: ScoringModel) -> FloatArray:
    """How much of the model's evidence was present: factor coverage times sample size."""
    beta_net = model.weight_vector(NETWORK_FACTORS)
    beta_mem = model.weight_vector(MEMBER_FACTORS)
    coverage = (~np.isnan(features.raw) * beta_net).sum(axis=2) / beta_net.sum()
    sample = features.posts / (features.posts + model.prior_posts)
    per_network = coverage * sample
    net_share = beta_net.sum() / (beta_net.sum() + beta_mem.sum())
    value = net_share * (combined.network_weight * per_network).sum(axis=1) + (1.0 - net_share)
    return np.where(combined.has_score, value, 0.0)


def score_features(
    features: NetworkFeatures,
    member_raw: FloatArray,
    calibration: Calibration,
    model: ScoringModel = DEFAULT_MODEL,
    *,
    combined: Combined | None = None,
) -> Scored:
    """Standardize, combine and calibrate already computed features (`combined`: reuse a fit's)."""
    z_net, z_mem = calibration.standardize(features.raw, member_raw, model)
    if combined is None:
        combined = combine(z_net, features.has_network, z_mem, model)
    score, contributions, baseline = calibrated(combined, calibration)
    network_scores = np.full(combined.network_raw.shape, np.nan)
    for k, network in enumerate(NETWORKS):
        has = features.has_network[:, k]
        network_scores[has, k] = calibration.networks[network.value].apply(combined.network_raw[has, k])
    return Scored(
        features,
        member_raw,
        z_net,
        z_mem,
        combined,
        score,
        network_scores,
        contributions,
        baseline,
        confidence(features, combined, model),
    )


def fit_calibration(
    features: NetworkFeatures, member_raw: FloatArray, *, fitted_at: datetime, model: ScoringModel = DEFAULT_MODEL
) -> tuple[Calibration, Combined]:
    """Fit standardization statistics and the quantile curves on a whole population.

    Also returns the combined raw scores, which do not depend on the curves.
    """
    means, stds, member_mean, member_std = fit_statistics(features, member_raw, model)
    draft = Calibration(
        model_version=model.version,
        fitted_at=fitted_at_text(fitted_at),
        members=int(features.has_network.any(axis=1).sum()),
        priors_engagement=tuple(float(x) for x in features.priors.engagement),
        priors_reshares=tuple(float(x) for x in features.priors.reshares),
        network_mean=means,
        network_std=stds,
        member_mean=member_mean,
        member_std=member_std,
        overall=_identity(),
        networks={},
        version="draft",
    )
    z_net, z_mem = draft.standardize(features.raw, member_raw, model)
    combined = combine(z_net, features.has_network, z_mem, model)
    overall, per_network = fit_curves(combined.raw, combined.network_raw, combined.has_score)
    fitted = Calibration(
        model_version=draft.model_version,
        fitted_at=draft.fitted_at,
        members=draft.members,
        priors_engagement=draft.priors_engagement,
        priors_reshares=draft.priors_reshares,
        network_mean=means,
        network_std=stds,
        member_mean=member_mean,
        member_std=member_std,
        overall=overall,
        networks=per_network,
    )
    return fitted, combined


def _identity() -> Curve:
    return Curve((0.0, 1.0), (0.0, 1.0))
