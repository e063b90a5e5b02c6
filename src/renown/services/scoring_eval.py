"""Evaluation of the score against a demo population's planted truth (for `bench` and tests/eval)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import kendalltau, spearmanr

from renown.domain.activity import ActivityKind
from renown.domain.influence import PopulationScores, score_population
from renown.domain.topics import TopicMatcher, topic_expertise
from renown.services.demo import Population
from renown.services.demo_scenarios import advance_day, with_bot_farm
from renown.services.taxonomy import default_matcher


def score(population: Population, **kwargs: Any) -> PopulationScores:
    """Score a demo population (fitting its calibration unless one is passed)."""
    return score_population(
        population.activities, population.accounts, population.graph, as_of=population.as_of, **kwargs
    )


def _real(population: Population) -> np.ndarray:
    keep = np.ones(population.size, bool)
    keep[population.truth.bots] = False
    return keep


def ranking_quality(population: Population, scores: PopulationScores) -> dict[str, float]:
    """Rank agreement with the planted influence, against the log(followers) baseline."""
    members = np.flatnonzero(_real(population) & ~np.isnan(scores.score))
    latent = population.truth.latent_influence[members]
    followers = np.zeros(population.size)
    np.add.at(followers, population.accounts.member, np.nan_to_num(population.accounts.followers))
    rho = float(spearmanr(scores.score[members], latent).statistic)
    baseline = float(spearmanr(np.log1p(followers[members]), latent).statistic)
    celebrities = population.truth.celebrities
    return {
        "members_scored": int(len(members)),
        "spearman": round(rho, 4),
        "kendall": round(float(kendalltau(scores.score[members], latent).statistic), 4),
        "spearman_log_followers": round(baseline, 4),
        "spearman_gain": round(rho - baseline, 4),
        "median_score": round(float(np.median(scores.score[members])), 2),
        "celebrities": int(len(celebrities)),
        "celebrities_at_90_or_more": round(float(np.mean(scores.score[celebrities] >= 90.0)), 4),
    }


def bot_farm_effect(
    population: Population, scores: PopulationScores, *, size: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Score change of a typical member once `size` lockstep accounts like all their posts."""
    farmed = with_bot_farm(population, size=size, seed=seed)
    farm = farmed.truth.bot_farms[-1]
    after = score(farmed, calibration=scores.calibration, hints=False)
    before_score, after_score = float(scores.score[farm.target]), float(after.score[farm.target])
    return {
        "farm_size": size,
        "target_before": round(before_score, 3),
        "target_after": round(after_score, 3),
        "target_change": round(after_score - before_score, 3),
        "farm_accounts_max_score": round(float(np.nanmax(after.score[farm.members])), 2),
        "farm_flagged_lockstep": round(float(after.assessment.lockstep[farm.members].mean()), 4),
    }


def stability(population: Population, scores: PopulationScores, *, share_active: float = 0.1) -> dict[str, float]:
    """Between two daily runs on one calibration, how far members whose activity did not change move."""
    tomorrow, changed = advance_day(population, share_active=share_active)
    again = score(tomorrow, calibration=scores.calibration, hints=False)
    unchanged = _real(population) & ~changed & ~np.isnan(scores.score)
    moved = np.abs(again.score - scores.score)[unchanged]
    refit = score(tomorrow, hints=False)
    moved_refit = np.abs(refit.score - scores.score)[unchanged]
    return {
        "unchanged_members": int(unchanged.sum()),
        "share_within_2_points": round(float(np.mean(moved <= 2.0)), 4),
        "p95_move": round(float(np.quantile(moved, 0.95)), 3),
        "share_within_2_points_refit": round(float(np.mean(moved_refit <= 2.0)), 4),
    }


def topic_precision(
    population: Population, *, sample: int | None = None, matcher: TopicMatcher | None = None, seed: int = 0
) -> dict[str, float]:
    """Precision@3 of each planted expert's top topics (by expertise) against their planted three."""
    matcher = matcher or default_matcher()
    experts = population.truth.experts
    if sample is not None and sample < len(experts):
        experts = np.sort(np.random.default_rng(seed).choice(experts, sample, replace=False))
    hits = activities = 0
    for member in experts.tolist():
        assigned = []
        for activity in population.activities_of(member):
            if activity.kind is ActivityKind.RESHARE:
                continue
            reactions = (activity.likes or 0) + (activity.reshares or 0) + (activity.replies or 0)
            assigned.append((matcher.assign_topics(activity.text, activity.hashtags), float(reactions)))
        activities += len(assigned)
        top = {e.slug for e in topic_expertise(assigned, 50.0)[:3]}
        hits += len(top & set(population.truth.top_topics(member)))
    return {
        "experts": int(len(experts)),
        "activities": activities,
        "precision_at_3": round(hits / (3 * len(experts)), 4) if len(experts) else 0.0,
    }
