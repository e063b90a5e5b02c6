"""The vectorized draws behind the demo population (see services/demo.py for the model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from renown.domain.activity import Network
from renown.domain.influence.columns import (
    NETWORK_CODE,
    NO_TOPIC,
    RESHARE,
    AccountColumns,
    ActivityColumns,
    BoolArray,
    FloatArray,
    IntArray,
    InteractionGraph,
)
from renown.domain.topics import Taxonomy
from renown.services.demo_text import FIRST_NAMES, LAST_NAMES

DAY = 86400.0
HISTORY_DAYS = 120.0
POPULARITY = {
    Network.X: 0.35,
    Network.INSTAGRAM: 0.30,
    Network.BLUESKY: 0.15,
    Network.MASTODON: 0.10,
    Network.REDDIT: 0.10,
}
AUDIENCE_OFFSET = {
    Network.X: 0.0,
    Network.INSTAGRAM: 0.3,
    Network.BLUESKY: -0.5,
    Network.MASTODON: -0.8,
    Network.REDDIT: 0.0,
}
# What the demo archives carry, as the real exports do: Reddit has no followers and no
# per-post like or reshare counts (only replies).
NO_COUNTS = frozenset({Network.REDDIT})
CELEBRITY_SHARE = 0.005
CELEBRITY_BOOST = 0.8
EXPERT_SHARE = 0.3
BUYER_SHARE = 0.02
REACTIONS_PER_MEMBER = 6.0
KIND_SHARES = (0.7, 0.2, 0.1)  # post, reply, reshare
FAVOURITE_SHARES = (0.45, 0.33, 0.22)


@dataclass(frozen=True, repr=False)
class Draws:
    """Per-member hidden parameters, kept so scenarios (next day, bot farm) stay consistent."""

    first_name: IntArray
    last_name: IntArray
    bracket: IntArray
    french: BoolArray
    level: FloatArray  # posting activity multiplier
    propensity: FloatArray  # log reactions-per-post level
    concentration: FloatArray  # share of posts on the favourite topics
    account_audience: FloatArray  # per account row: true log audience (before bought followers)
    special: BoolArray  # per topic: special category


def _favourites(rng: np.random.Generator, members: int, allowed: IntArray) -> IntArray:
    picks = allowed[rng.integers(0, len(allowed), (members, 3))]
    for col in (1, 2):
        while True:  # redraw duplicates; a handful of passes at most
            clash = (picks[:, col, None] == picks[:, :col]).any(axis=1)
            if not clash.any():
                break
            picks[clash, col] = allowed[rng.integers(0, len(allowed), int(clash.sum()))]
    return picks


def draw_activity_rows(
    rng: np.random.Generator,
    member: IntArray,
    d: Draws,
    accounts: AccountColumns,
    favourites: IntArray,
    *,
    start: float,
    end: float,
    topics: int,
) -> ActivityColumns:
    """Draw activities for the given member index per row, published in [start, end)."""
    n = len(member)
    counts = np.bincount(accounts.member, minlength=len(d.level))
    first = np.searchsorted(accounts.member, np.arange(len(d.level)))
    account = first[member] + np.floor(rng.random(n) * counts[member]).astype(np.int64)
    network = accounts.network[account]
    kind = rng.choice(3, n, p=KIND_SHARES).astype(np.int8)
    quality = rng.lognormal(0.0, 0.6, n)
    audience = d.account_audience[account] - 4.5
    rate = np.exp(d.propensity[member] + 0.2 * audience) * quality * np.where(kind == 1, 0.3, 1.0)
    rate = np.where(kind == RESHARE, 0.0, rate)
    likes = rng.poisson(rate).astype(np.float64)
    reshares = rng.poisson(0.12 * rate).astype(np.float64)
    replies = rng.poisson(0.08 * rate).astype(np.float64)
    blind = np.isin(network, [NETWORK_CODE[x] for x in NO_COUNTS])
    likes[blind] = np.nan
    reshares[blind] = np.nan
    u = rng.random(n)
    pick = rng.choice(3, n, p=FAVOURITE_SHARES)
    conc = d.concentration[member]
    topic = np.where(
        u < conc, favourites[member, pick], np.where(u < conc + 0.15, NO_TOPIC, rng.integers(0, topics, n))
    )
    published = start + rng.random(n) * (end - start)
    return ActivityColumns(member, network, kind, published, likes, reshares, replies, topic.astype(np.int64))


def _graph(
    rng: np.random.Generator, src: IntArray, dst: IntArray, count: FloatArray, first: FloatArray, n: int
) -> InteractionGraph:
    keep = src != dst
    src, dst, count, first = src[keep], dst[keep], count[keep], first[keep]
    keys, inverse = np.unique(src * n + dst, return_inverse=True)
    total = np.bincount(inverse, weights=count)
    earliest = np.full(len(keys), np.inf)
    np.minimum.at(earliest, inverse, first)
    return InteractionGraph(n, keys // n, keys % n, total.astype(np.float64), earliest)


def draw_population(
    members: int,
    seed: int,
    *,
    networks: tuple[Network, ...],
    activities_per_member: float,
    planted: bool,
    as_of: float,
    taxonomy: Taxonomy,
) -> tuple[Draws, ActivityColumns, AccountColumns, InteractionGraph, dict[str, Any]]:
    """Draw members, accounts, activities, the interaction graph and the planted truth."""
    rng = np.random.default_rng(seed)
    n = members
    farm = min(1000, n // 20) if planted and n >= 200 else 0
    real = n - farm
    is_bot = np.arange(n) >= real
    latent = rng.standard_normal(n)
    latent[is_bot] = latent[:real].min() - 1.0 if real else -3.0
    celebrities = (
        np.sort(np.argsort(-latent[:real])[: max(1, round(CELEBRITY_SHARE * real))])
        if planted
        else np.zeros(0, np.int64)
    )
    latent[celebrities] += CELEBRITY_BOOST

    # Accounts: 1-3 networks, more for the influential; an exponential race picks which.
    codes = np.array([NETWORK_CODE[x] for x in networks], np.int8)
    weights = np.array([POPULARITY[x] for x in networks])
    k = 1 + rng.binomial(min(2, len(networks) - 1), np.clip(0.25 + 0.15 * latent, 0.05, 0.9))
    race = -np.log(rng.random((n, len(networks)))) / weights
    race[is_bot, int(np.argmax(weights))] = -1.0
    k[is_bot] = 1
    rank = np.argsort(np.argsort(race, axis=1), axis=1)
    acc_member, slot = np.nonzero(rank < k[:, None])
    acc_net = codes[slot]
    offset = np.array([AUDIENCE_OFFSET[x] for x in networks])[slot]
    audience = 4.5 + offset + 1.3 * latent[acc_member] + 1.3 * rng.standard_normal(len(acc_member))
    followers = np.floor(np.exp(audience))
    buyers = np.flatnonzero((rng.random(n) < BUYER_SHARE) & ~is_bot) if planted else np.zeros(0, np.int64)
    bought = np.isin(acc_member, buyers)
    followers[bought] *= rng.uniform(5.0, 30.0, int(bought.sum()))
    bot_rows = is_bot[acc_member]
    followers[bot_rows] = rng.integers(0, 6, int(bot_rows.sum()))
    followers[np.isin(acc_net, [NETWORK_CODE[x] for x in NO_COUNTS])] = np.nan
    following = np.floor(np.exp(5.0 + 0.8 * rng.standard_normal(len(acc_member))))
    following[bot_rows] = rng.integers(200, 1000, int(bot_rows.sum()))
    age = np.where(bot_rows, rng.uniform(1.0, 5.0, len(acc_member)), rng.uniform(120.0, 4000.0, len(acc_member)))
    accounts = AccountColumns(acc_member.astype(np.int64), acc_net, np.floor(followers), following, age)

    special = np.array([t.is_special for t in taxonomy.topics])
    expert = (rng.random(n) < EXPERT_SHARE) & ~is_bot if planted else np.zeros(n, bool)
    d = Draws(
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
        bracket=rng.choice(4, n, p=(0.9, 0.06, 0.03, 0.01)),
        french=rng.random(n) < 0.3,
        level=np.where(is_bot, 0.0, np.exp(0.5 * rng.standard_normal(n) - 0.125)),
        propensity=0.8 + 1.2 * latent + 0.7 * rng.standard_normal(n),
        concentration=np.where(expert, 0.75, 0.35),
        account_audience=audience,
        special=special,
    )
    favourites = _favourites(rng, n, np.flatnonzero(~special))
    per_member = rng.poisson(activities_per_member * d.level)
    act_member = np.repeat(np.arange(n, dtype=np.int64), per_member)
    activities = draw_activity_rows(
        rng, act_member, d, accounts, favourites, start=as_of - HISTORY_DAYS * DAY, end=as_of, topics=len(special)
    )
    activities = ActivityColumns(**{**activities.__dict__, "topic_slugs": tuple(t.slug for t in taxonomy.topics)})

    # Interaction graph: members react to authors in proportion to exp(1.1 z).
    content = np.bincount(act_member[activities.kind != RESHARE], minlength=n)
    pool = np.flatnonzero((content > 0) & ~is_bot)
    p = np.exp(1.1 * latent[pool])
    reactors = np.flatnonzero(~is_bot)
    out_degree = rng.poisson(REACTIONS_PER_MEMBER * d.level[reactors])
    src = np.repeat(reactors, out_degree)
    dst = pool[rng.choice(len(pool), size=len(src), p=p / p.sum())] if len(pool) else src
    count = (1.0 + rng.poisson(1.0, len(src))).astype(np.float64)
    first = as_of - rng.random(len(src)) * 90.0 * DAY
    spam = np.zeros(0, np.int64)
    if planted and len(pool):
        spam = rng.choice(np.setdiff1d(reactors, celebrities), size=max(1, real // 1000), replace=False)
        reach = min(3000, len(pool))
        s_src = np.repeat(spam, reach)
        s_dst = np.concatenate([rng.choice(pool, reach, replace=False) for _ in spam])
        src, dst = np.concatenate([src, s_src]), np.concatenate([dst, s_dst])
        count = np.concatenate([count, rng.integers(1, 4, len(s_src)).astype(np.float64)])
        first = np.concatenate([first, as_of - rng.random(len(s_src)) * 90.0 * DAY])
    graph = _graph(rng, src, dst, count, first, n)
    farms: list[tuple[int, IntArray]] = []
    if farm:
        target = farm_target(activities, latent[:real], celebrities, as_of=as_of)
        activities, graph = plant_farm(activities, graph, target, np.arange(real, n), as_of=as_of, rng=rng)
        farms.append((target, np.arange(real, n)))
    truth = {
        "latent": latent,
        "celebrities": celebrities,
        "farms": farms,
        "spam": np.sort(spam),
        "buyers": buyers,
        "experts": np.flatnonzero(expert),
        "favourites": favourites,
    }
    return d, activities, accounts, graph, truth


def farm_target(activities: ActivityColumns, latent: FloatArray, exclude: IntArray, *, as_of: float) -> int:
    """A typical member (latent influence nearest the median) with five visible-like posts in the window."""
    recent = (activities.kind != RESHARE) & (activities.published_at > as_of - 90.0 * DAY) & ~np.isnan(activities.likes)
    posts = np.bincount(activities.member[recent], minlength=len(latent))[: len(latent)]
    candidates = np.setdiff1d(np.flatnonzero(posts >= 5), exclude)
    if not len(candidates):
        raise ValueError("no member can host a bot farm")
    return int(candidates[np.argmin(np.abs(latent[candidates] - np.median(latent)))])


def plant_farm(
    activities: ActivityColumns,
    graph: InteractionGraph,
    target: int,
    bots: IntArray,
    *,
    as_of: float,
    rng: np.random.Generator,
) -> tuple[ActivityColumns, InteractionGraph]:
    """Make every bot like every recent post of `target`, all within one hour two days ago."""
    recent = (
        (activities.member == target) & (activities.kind != RESHARE) & (activities.published_at > as_of - 90.0 * DAY)
    )
    likes = activities.likes.copy()
    likes[recent] += len(bots)
    hour = np.floor((as_of - 2.0 * DAY) / 3600.0) * 3600.0
    edges = InteractionGraph(
        max(graph.members, int(bots.max()) + 1 if len(bots) else 0),
        np.concatenate([graph.source, bots]),
        np.concatenate([graph.target, np.full(len(bots), target, np.int64)]),
        np.concatenate([graph.count, np.full(len(bots), float(max(1, int(recent.sum()))))]),
        np.concatenate([graph.first_at, hour + rng.uniform(0.0, 3000.0, len(bots))]),
    )
    return ActivityColumns(**{**activities.__dict__, "likes": likes}), edges
