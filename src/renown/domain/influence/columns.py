"""Columnar inputs of the score: activities, accounts and the interaction graph as numpy arrays.

The scorer works on whole populations at once, so inputs are arrays indexed by a dense
member index (0..members-1), not lists of objects. Missing counts are NaN: an archive
that does not say how many likes a post got is not the same as zero likes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SmallArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

NETWORKS: tuple[Network, ...] = tuple(Network)
NETWORK_CODE = {network: code for code, network in enumerate(NETWORKS)}
KIND_CODE = {ActivityKind.POST: 0, ActivityKind.REPLY: 1, ActivityKind.RESHARE: 2}
RESHARE = KIND_CODE[ActivityKind.RESHARE]
NO_TOPIC = -1


def _take(obj: Any, index: Any) -> dict[str, Any]:
    return {f.name: (getattr(obj, f.name)[index] if f.name != "topic_slugs" else obj.topic_slugs) for f in fields(obj)}


@dataclass(frozen=True, repr=False)
class ActivityColumns:
    """One row per activity; `topic` indexes `topic_slugs` (NO_TOPIC when none)."""

    member: IntArray
    network: SmallArray
    kind: SmallArray
    published_at: FloatArray  # POSIX seconds, UTC
    likes: FloatArray
    reshares: FloatArray
    replies: FloatArray
    topic: IntArray
    topic_slugs: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.member.shape[0])

    def take(self, index: IntArray | BoolArray) -> Self:
        """Return the rows selected by a mask or an index array."""
        return type(self)(**_take(self, index))

    @classmethod
    def concat(cls, parts: Sequence[ActivityColumns]) -> ActivityColumns:
        """Stack several column sets that share one topic list."""
        slugs = parts[0].topic_slugs if parts else ()
        if any(p.topic_slugs != slugs for p in parts):
            raise ValueError("activity columns must share their topic list")
        arrays = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls) if f.name != "topic_slugs"
        }
        return cls(**arrays, topic_slugs=slugs)

    @classmethod
    def empty(cls, topic_slugs: tuple[str, ...] = ()) -> ActivityColumns:
        f = np.zeros(0, np.float64)
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
            f,
            f,
            f,
            f,
            np.zeros(0, np.int64),
            topic_slugs,
        )


@dataclass(frozen=True, repr=False)
class AccountColumns:
    """One row per (member, network) account; unknown values are NaN."""

    member: IntArray
    network: SmallArray
    followers: FloatArray
    following: FloatArray
    age_days: FloatArray  # how old the account is on its network

    def __len__(self) -> int:
        return int(self.member.shape[0])

    def take(self, index: IntArray | BoolArray) -> Self:
        """Return the rows selected by a mask or an index array."""
        return type(self)(**_take(self, index))

    @classmethod
    def concat(cls, parts: Sequence[AccountColumns]) -> AccountColumns:
        """Stack several account column sets."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})


@dataclass(frozen=True, repr=False)
class InteractionGraph:
    """Who reacted to whom among members: one row per (reactor, author) pair in the window."""

    members: int
    source: IntArray  # reactor
    target: IntArray  # author reacted to
    count: FloatArray  # reactions from source to target
    first_at: FloatArray  # POSIX seconds of the first of them

    def __len__(self) -> int:
        return int(self.source.shape[0])

    @classmethod
    def from_edges(cls, members: int, edges: Iterable[tuple[int, int, float, float]]) -> InteractionGraph:
        """Build a graph from (reactor, author, count, first_at) tuples."""
        rows = list(edges)
        src = np.array([r[0] for r in rows], np.int64)
        dst = np.array([r[1] for r in rows], np.int64)
        cnt = np.array([r[2] for r in rows], np.float64)
        first = np.array([r[3] for r in rows], np.float64)
        return cls(members, src, dst, cnt, first)

    def without_members(self, removed: IntArray | BoolArray) -> InteractionGraph:
        """Drop every edge touching the given members (erasure, objection, restriction)."""
        gone = np.zeros(self.members, bool)
        gone[removed] = True
        keep = ~(gone[self.source] | gone[self.target])
        return InteractionGraph(
            self.members, self.source[keep], self.target[keep], self.count[keep], self.first_at[keep]
        )


def _count(value: int | None) -> float:
    return float("nan") if value is None else float(value)


def activity_columns(
    rows: Iterable[tuple[int, Activity]],
    *,
    topic_of: Callable[[Activity], str | None] | None = None,
    topic_slugs: tuple[str, ...] = (),
) -> ActivityColumns:
    """Convert (member index, Activity) pairs into columns; `topic_of` names each main topic."""
    slug_index = {slug: i for i, slug in enumerate(topic_slugs)}
    member: list[int] = []
    network: list[int] = []
    kind: list[int] = []
    published: list[float] = []
    likes: list[float] = []
    reshares: list[float] = []
    replies: list[float] = []
    topic: list[int] = []
    for index, activity in rows:
        member.append(index)
        network.append(NETWORK_CODE[activity.network])
        kind.append(KIND_CODE[activity.kind])
        published.append(activity.published_at.timestamp())
        likes.append(_count(activity.likes))
        reshares.append(_count(activity.reshares))
        replies.append(_count(activity.replies))
        slug = topic_of(activity) if topic_of else None
        topic.append(slug_index.get(slug, NO_TOPIC) if slug else NO_TOPIC)
    return ActivityColumns(
        np.array(member, np.int64),
        np.array(network, np.int8),
        np.array(kind, np.int8),
        np.array(published, np.float64),
        np.array(likes, np.float64),
        np.array(reshares, np.float64),
        np.array(replies, np.float64),
        np.array(topic, np.int64),
        topic_slugs,
    )


def account_columns(rows: Iterable[tuple[int, AccountProfile, datetime | None]], *, as_of: datetime) -> AccountColumns:
    """Convert (member index, AccountProfile, account created_at or None) into columns."""
    items = list(rows)
    age = [(as_of - created).total_seconds() / 86400.0 if created else float("nan") for _, _, created in items]
    return AccountColumns(
        np.array([i for i, _, _ in items], np.int64),
        np.array([NETWORK_CODE[p.network] for _, p, _ in items], np.int8),
        np.array([_count(p.followers) for _, p, _ in items], np.float64),
        np.array([_count(p.following) for _, p, _ in items], np.float64),
        np.array(age, np.float64),
    )
