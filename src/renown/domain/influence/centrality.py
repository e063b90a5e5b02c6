"""Who reacts to whom: reactor quality (anti-gaming) and trust-seeded PageRank.

A reaction is worth less when its author is a new account, reacts to almost everyone,
or belongs to a lockstep group (many accounts hitting the same targets in the same hour).
Those discounts feed both the engagement a member receives and the PageRank walk, whose
teleport vector is a trust prior (Tweepcred's "user mass"), so a bot farm that nobody
trusted has no mass to pass on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from renown.domain.influence.columns import AccountColumns, BoolArray, FloatArray, IntArray, InteractionGraph
from renown.domain.influence.model import DEFAULT_MODEL, ScoringModel

_HOUR = 3600.0
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, repr=False)
class ReactorAssessment:
    """Per member: prior trust (PageRank teleport) and the weight of one of their reactions."""

    trust: FloatArray
    quality: FloatArray
    lockstep: BoolArray
    selectivity: FloatArray


@dataclass(frozen=True, repr=False)
class GraphSignals:
    """Per member, what the graph says about the reactions they received."""

    centrality: FloatArray  # log(PageRank x total trust): about 0 for a trusted member nobody cites
    reactors: FloatArray  # log1p(quality-weighted distinct reactors)
    member_reactions: FloatArray  # reactions received from members
    bot_reactions: FloatArray  # the part of them discounted as bot-like


def _account_age(accounts: AccountColumns, members: int) -> FloatArray:
    """Oldest known account per member, NaN when no archive said."""
    age = np.full(members, np.nan)
    known = ~np.isnan(accounts.age_days)
    np.fmax.at(age, accounts.member[known], accounts.age_days[known])
    return age


U64 = npt.NDArray[np.uint64]


def _splitmix(x: U64) -> U64:
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def lockstep_reactors(graph: InteractionGraph, min_group: int) -> BoolArray:
    """Flag reactors whose whole footprint (targets and hour of first reaction) is shared by a crowd."""
    flagged = np.zeros(graph.members, bool)
    if len(graph) == 0:
        return flagged
    hour = np.floor(graph.first_at / _HOUR).astype(np.int64).astype(np.uint64)
    edge_hash = _splitmix(graph.target.astype(np.uint64) * _MIX + hour)
    order = np.argsort(graph.source, kind="stable")
    src = graph.source[order]
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    # A sum of per-edge hashes is order-free, so equal footprints give equal signatures;
    # uint64 arrays wrap on overflow, which is what a hash sum wants.
    signature = np.add.reduceat(edge_hash[order], starts)
    degree = np.diff(np.r_[starts, len(src)])
    reactors = src[starts]
    keys = signature ^ _splitmix(degree.astype(np.uint64))
    flagged[reactors[group_sizes(keys) >= min_group]] = True
    return flagged


def group_sizes(keys: U64) -> npt.NDArray[np.int64]:
    """For each key, how many times it occurs (a sort, cheaper than np.unique's hashing here)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    runs = np.diff(np.r_[starts, len(keys)])
    sizes = np.empty(len(keys), np.int64)
    sizes[order] = np.repeat(runs, runs)
    return sizes


def assess_reactors(
    graph: InteractionGraph,
    accounts: AccountColumns,
    posts: FloatArray,
    *,
    model: ScoringModel = DEFAULT_MODEL,
) -> ReactorAssessment:
    """Score every member as a reactor; `posts` is each member's own content count in the window."""
    n = graph.members
    age = _account_age(accounts, n)
    known = ~np.isnan(age)
    # New accounts are where bot farms live. An unknown age earns less prior trust but
    # does not discount the member's reactions: most archives do not say.
    age_factor = np.clip((np.nan_to_num(age, nan=1.0) / model.new_account_days) ** 2, 1e-3, 1.0)
    age_factor = np.where(known, age_factor, 1.0)
    activity_factor = 1.0 - 0.7 * np.exp(-posts / 2.0)
    trust = np.where(known, age_factor, 0.7) * activity_factor

    targets = np.bincount(graph.source, minlength=n).astype(np.float64)
    strength = np.bincount(graph.source, weights=graph.count, minlength=n)
    daily = strength / model.window_days
    breadth = np.minimum(1.0, model.selective_targets / np.maximum(targets, 1.0))
    pace = np.sqrt(np.minimum(1.0, model.selective_daily_reactions / np.maximum(daily, 1e-9)))
    selectivity = breadth * pace
    lockstep = lockstep_reactors(graph, model.lockstep_min_group)
    quality = age_factor * selectivity * np.where(lockstep, model.lockstep_factor, 1.0)
    return ReactorAssessment(trust, quality, lockstep, selectivity)


def trust_pagerank(
    graph: InteractionGraph,
    teleport: FloatArray,
    quality: FloatArray | None = None,
    *,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> FloatArray:
    """Personalized PageRank by power iteration; a reactor passes on only its `quality` share.

    Edge weight is sqrt(count), so one account repeating itself counts less than many
    accounts reacting once. The part of a walker's step that low-quality reactors do
    not pass on, and dangling mass, returns to the teleport (trust) vector.
    """
    n = graph.members
    p = np.asarray(teleport, np.float64)
    p = p / p.sum() if p.sum() > 0 else np.full(n, 1.0 / n)
    q = np.ones(n) if quality is None else np.clip(quality, 0.0, 1.0)
    weight = np.sqrt(graph.count)
    out = np.bincount(graph.source, weights=weight, minlength=n)
    share = q[graph.source] * weight / np.maximum(out[graph.source], 1e-300)
    transition = sp.csr_array((share, (graph.target, graph.source)), shape=(n, n))
    x = p.copy()
    for _ in range(max_iter):
        walked = damping * (transition @ x)
        nxt = walked + (1.0 - walked.sum()) * p
        if np.abs(nxt - x).sum() < tol:
            return nxt
        x = nxt
    return x


def graph_signals(graph: InteractionGraph, assessment: ReactorAssessment, *, damping: float = 0.85) -> GraphSignals:
    """Centrality, weighted reactor count and bot-discounted reactions for every member."""
    n = graph.members
    rank = trust_pagerank(graph, assessment.trust, assessment.quality, damping=damping)
    q = assessment.quality[graph.source]
    received = np.bincount(graph.target, weights=graph.count, minlength=n)
    discounted = np.bincount(graph.target, weights=graph.count * (1.0 - q), minlength=n)
    reactors = np.bincount(graph.target, weights=q, minlength=n)
    # Rank times total trust, not times member count: adding a thousand untrusted
    # accounts must not shift everyone else's centrality against a frozen calibration.
    centrality = np.log(np.maximum(rank * assessment.trust.sum(), 1e-12))
    return GraphSignals(centrality, np.log1p(reactors), received.astype(np.float64), discounted.astype(np.float64))


def member_posts(member: IntArray, content: BoolArray, members: int) -> FloatArray:
    """Count each member's own content items (a helper for the trust prior)."""
    return np.bincount(member[content], minlength=members).astype(np.float64)
