"""Per member and network features over the scoring window, with time decay and shrinkage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renown.domain.influence.columns import (
    NETWORKS,
    RESHARE,
    AccountColumns,
    ActivityColumns,
    BoolArray,
    FloatArray,
)
from renown.domain.influence.model import DEFAULT_MODEL, NETWORK_FACTORS, ScoringModel

DAY = 86400.0
REACH, ENGAGEMENT, AMPLIFICATION = range(len(NETWORK_FACTORS))


@dataclass(frozen=True)
class Priors:
    """Population reaction rates per network that small samples are pulled toward."""

    engagement: FloatArray  # (networks,) decayed weighted reactions per post
    reshares: FloatArray  # (networks,) decayed reshares per post


@dataclass(frozen=True, repr=False)
class NetworkFeatures:
    """Raw factor values (NaN = signal missing) and the evidence behind them."""

    raw: FloatArray  # (n, networks, factors)
    has_network: BoolArray  # (n, networks)
    posts: FloatArray  # (n, networks) content items in the window
    weighted_posts: FloatArray  # (n, networks) sum of decay weights
    weighted_reactions: FloatArray  # (n, networks) decayed, bot-discounted reactions
    followers: FloatArray  # (n, networks)
    consistency: FloatArray  # (n,) decayed share of active days, all networks together
    authenticity: FloatArray  # (n,) share of reactions kept after the bot checks
    activity_weight: FloatArray  # (rows,) each activity's share of the engagement evidence
    priors: Priors


def in_window(published_at: FloatArray, as_of: float, model: ScoringModel) -> BoolArray:
    """Whether each activity falls inside the scoring window (future ones do not)."""
    age = as_of - published_at
    inside: BoolArray = (age >= 0.0) & (age < model.window_days * DAY)
    return inside


def decay(published_at: FloatArray, as_of: float, model: ScoringModel) -> FloatArray:
    """Exponential decay weight of activities inside the window: 1 today, 1/2 one half-life ago."""
    weight: FloatArray = np.exp2((published_at - as_of) / (DAY * model.half_life_days))
    return weight


def fit_priors(
    weighted_posts: FloatArray,
    weighted_reactions: FloatArray,
    weighted_reshares: FloatArray,
    engaged: BoolArray,
    reshared: BoolArray,
) -> Priors:
    """The typical (median) decayed rate per network, over accounts that posted in the window.

    A median, not the pooled rate: a few celebrities would otherwise pull every sparse
    poster's shrunk rate far above what a typical account receives.
    """
    rate = np.divide(weighted_reactions, weighted_posts, out=np.zeros_like(weighted_posts), where=weighted_posts > 0)
    shares = np.divide(weighted_reshares, weighted_posts, out=np.zeros_like(weighted_posts), where=weighted_posts > 0)

    def typical(values: FloatArray, mask: BoolArray) -> FloatArray:
        return np.array(
            [float(np.median(values[mask[:, k], k])) if mask[:, k].any() else 0.0 for k in range(values.shape[1])]
        )

    return Priors(typical(rate, engaged), typical(shares, reshared))


def network_features(
    activities: ActivityColumns,
    accounts: AccountColumns,
    *,
    members: int,
    as_of: float,
    bot_reactions: FloatArray | None = None,
    member_reactions: FloatArray | None = None,
    priors: Priors | None = None,
    model: ScoringModel = DEFAULT_MODEL,
    consistency: FloatArray | None = None,
) -> NetworkFeatures:
    """Compute reach, engagement and amplification per (member, network), consistency per member.

    With priors=None the population's own rates are fitted first (the batch path);
    the single-member path passes the priors stored with the calibration. `consistency`: reuse an
    earlier computation on the same activities (it depends on days active only).
    """
    n_net = len(NETWORKS)
    size = members * n_net
    a = activities
    inside = in_window(a.published_at, as_of, model)
    rows = np.flatnonzero(inside & (a.kind != RESHARE))  # own content in the window
    member = a.member[rows]
    group = member * n_net + a.network[rows].astype(np.int64)
    weight = decay(a.published_at[rows], as_of, model)
    likes, shares, replies = a.likes[rows], a.reshares[rows], a.replies[rows]  # fancy indexing copies
    visible, share_seen, reply_seen = ~np.isnan(likes), ~np.isnan(shares), ~np.isnan(replies)
    likes[~visible], shares[~share_seen], replies[~reply_seen] = 0.0, 0.0, 0.0

    def per_group(values: FloatArray | None) -> FloatArray:
        return np.bincount(group, weights=values, minlength=size).reshape(members, n_net).astype(np.float64)

    def per_member(values: FloatArray | None) -> FloatArray:
        return np.bincount(member, weights=values, minlength=members).astype(np.float64)

    posts = per_group(None)
    weighted_posts = per_group(weight)
    # Bot-like reactions are known per member (from the graph), not per post or type. Farms
    # like, and like every post alike: take them out of each post's likes evenly, then
    # whatever is left out of the member's other reactions in proportion.
    like_posts = per_member(visible.astype(np.float64))
    other_total = per_member(shares + replies)
    seen = per_member(likes) + other_total
    if member_reactions is not None:
        seen = np.maximum(seen, member_reactions)
    bots = np.minimum(np.zeros(members) if bot_reactions is None else bot_reactions, seen)
    per_post = np.divide(bots, like_posts, out=np.zeros(members), where=like_posts > 0)
    removed = np.minimum(likes, per_post[member]) * visible
    rest = np.maximum(bots - per_member(removed), 0.0)
    other_keep = 1.0 - np.divide(rest, other_total, out=np.zeros(members), where=other_total > 0).clip(0.0, 1.0)
    authenticity = 1.0 - np.divide(bots, seen, out=np.zeros(members), where=seen > 0)
    keep = other_keep[member]
    kept = model.like_weight * (likes - removed) + (model.reshare_weight * shares + model.reply_weight * replies) * keep
    activity_weight = np.zeros(len(a))
    activity_weight[rows] = weight * kept
    weighted_reactions = per_group(activity_weight[rows])
    weighted_reshares = per_group(weight * shares * keep)
    react_cover = per_group((visible | share_seen | reply_seen).astype(np.float64)) > 0
    share_cover = per_group(share_seen.astype(np.float64)) > 0

    account_group = accounts.member * n_net + accounts.network.astype(np.int64)
    flat_followers = np.full(size, np.nan)
    np.fmax.at(flat_followers, account_group, accounts.followers)
    followers = flat_followers.reshape(members, n_net)
    active = np.flatnonzero(inside)
    active_member = a.member[active]
    present = np.concatenate([active_member * n_net + a.network[active].astype(np.int64), account_group])
    has_network = (np.bincount(present, minlength=size) > 0).reshape(members, n_net)

    if consistency is None:
        consistency = _consistency(active_member, a.published_at[active], as_of, members, model)
    raw = np.full((members, n_net, len(NETWORK_FACTORS)), np.nan)
    raw[:, :, REACH] = np.log1p(followers)
    engaged = (posts > 0) & react_cover
    reshared = (posts > 0) & share_cover
    if priors is None:
        priors = fit_priors(weighted_posts, weighted_reactions, weighted_reshares, engaged, reshared)
    k = model.prior_posts
    rate = (weighted_reactions + k * priors.engagement) / (weighted_posts + k)
    share_rate = (weighted_reshares + k * priors.reshares) / (weighted_posts + k)
    raw[:, :, ENGAGEMENT] = np.where(engaged, np.log1p(rate), np.nan)
    raw[:, :, AMPLIFICATION] = np.where(reshared, np.log1p(share_rate), np.nan)
    return NetworkFeatures(
        raw,
        has_network,
        posts,
        weighted_posts,
        weighted_reactions,
        followers,
        consistency,
        authenticity,
        activity_weight,
        priors,
    )


def _consistency(
    member: np.ndarray, published_at: FloatArray, as_of: float, size: int, model: ScoringModel
) -> FloatArray:
    """Decay-weighted share of days in the window with at least one activity."""
    days = int(np.ceil(model.window_days))
    day = np.minimum(np.floor((as_of - published_at) / DAY).astype(np.int64), days - 1)
    active = np.zeros((size, days), bool)  # a bitmap beats sorting millions of (member, day) keys
    active[member, day] = True
    decay = np.exp2(-np.arange(days) / model.half_life_days)
    share: FloatArray = (active.astype(np.float32) @ decay.astype(np.float32)).astype(np.float64) / decay.sum()
    return share
