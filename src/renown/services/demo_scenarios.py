"""Scenarios on a demo population: a bot farm attacks one member, and the next day arrives."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np

from renown.domain.activity import Network
from renown.domain.influence.columns import NETWORK_CODE, AccountColumns, ActivityColumns, BoolArray
from renown.services.demo import BotFarm, Population
from renown.services.demo_draw import DAY, draw_activity_rows, farm_target, plant_farm


def with_bot_farm(population: Population, *, size: int = 1000, target: int | None = None, seed: int = 0) -> Population:
    """Add `size` new accounts that all like every recent post of `target`, in the same hour."""
    rng = np.random.default_rng([population.seed, 7919, seed])
    n, as_of = population.size, population.as_of.timestamp()
    truth = population.truth
    if target is None:
        exclude = np.concatenate([truth.celebrities, truth.bots, [f.target for f in truth.bot_farms]]).astype(np.int64)
        target = farm_target(population.activities, truth.latent_influence, exclude, as_of=as_of)
    bots = np.arange(n, n + size, dtype=np.int64)
    accounts = AccountColumns.concat(
        [
            population.accounts,
            AccountColumns(
                bots,
                np.full(size, NETWORK_CODE[Network.X], np.int8),
                rng.integers(0, 6, size).astype(np.float64),
                rng.integers(200, 1000, size).astype(np.float64),
                rng.uniform(1.0, 5.0, size),
            ),
        ]
    )
    activities, graph = plant_farm(population.activities, population.graph, target, bots, as_of=as_of, rng=rng)
    d = population.draws

    def grow(values: np.ndarray, fill: float | int | bool) -> np.ndarray:
        return np.concatenate([values, np.full(size, fill, values.dtype)])

    draws = replace(
        d,
        first_name=grow(d.first_name, 0),
        last_name=grow(d.last_name, 0),
        bracket=grow(d.bracket, 0),
        french=grow(d.french, False),
        level=grow(d.level, 0.0),
        propensity=grow(d.propensity, 0.0),
        concentration=grow(d.concentration, 0.0),
    )
    latent = np.concatenate([truth.latent_influence, np.full(size, truth.latent_influence.min())])
    favourites = np.concatenate([truth.favourite_topics, np.repeat(truth.favourite_topics[:1], size, axis=0)])
    new_truth = replace(
        truth,
        latent_influence=latent,
        favourite_topics=favourites,
        bot_farms=(*truth.bot_farms, BotFarm(int(target), bots)),
    )
    return replace(
        population, size=n + size, activities=activities, accounts=accounts, graph=graph, truth=new_truth, draws=draws
    )


def advance_day(
    population: Population, *, days: int = 1, share_active: float = 0.1, seed: int = 0
) -> tuple[Population, BoolArray]:
    """Move `days` forward; a `share_active` of real members post once or twice. Returns who changed."""
    rng = np.random.default_rng([population.seed, 104729, seed])
    start = population.as_of.timestamp()
    end = start + days * DAY
    real = np.ones(population.size, bool)
    real[population.truth.bots] = False
    changed = real & (rng.random(population.size) < share_active)
    posters = np.flatnonzero(changed)
    member = np.repeat(posters, rng.integers(1, 3, len(posters)))
    new_rows = draw_activity_rows(
        rng,
        member,
        population.draws,
        population.accounts,
        population.truth.favourite_topics,
        start=start,
        end=end,
        topics=len(population.taxonomy.topics),
    )
    new_rows = replace(new_rows, topic_slugs=population.activities.topic_slugs)
    merged = ActivityColumns.concat([population.activities, new_rows])
    activities = merged.take(np.argsort(merged.member, kind="stable"))
    accounts = replace(population.accounts, age_days=population.accounts.age_days + days)
    moved = replace(population, as_of=population.as_of + timedelta(days=days), activities=activities, accounts=accounts)
    return moved, changed
