"""Numeric reads for scoring with SQLAlchemy Core: no ORM objects, no decryption, arrays out.

Member and activity ids are read as text (`CAST(... AS VARCHAR)`: hex on SQLite, the canonical
form on PostgreSQL) and matched through dictionaries, which costs far less than building a UUID
per row. Times come out as POSIX seconds computed by the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import AccountProfile, Activity, ActivityKind, Network
from renown.domain.consent import ConsentEventType
from renown.domain.influence.columns import KIND_CODE, NETWORK_CODE, FloatArray
from renown.domain.member import MemberStatus
from renown.storage.tables import metadata

ACTIVITIES = metadata.tables["activity"]
ACCOUNTS = metadata.tables["linked_account"]
TOPICS = metadata.tables["activity_topic"]
INTERACTIONS = metadata.tables["interaction"]
MEMBERS = metadata.tables["member"]
EVENTS = metadata.tables["consent_event"]
PARTITION = 50_000
_UNIX_JULIAN_DAY = 2440587.5


def key(column: Any) -> sa.ColumnElement[str]:
    """A UUID column as text, the dictionary key the batch matches members and activities by."""
    return sa.cast(column, sa.String)


def epoch(conn: AsyncConnection, column: Any) -> sa.ColumnElement[float]:
    """A timestamp column as POSIX seconds (float), computed by the database."""
    if conn.dialect.name == "sqlite":
        return (sa.func.julianday(column) - _UNIX_JULIAN_DAY) * 86400.0
    return sa.cast(sa.extract("epoch", column), sa.Float)


def network_code(column: Any) -> sa.ColumnElement[int]:
    return sa.case({n.value: code for n, code in NETWORK_CODE.items()}, value=column, else_=-1)


def kind_code(column: Any) -> sa.ColumnElement[int]:
    return sa.case({k.value: code for k, code in KIND_CODE.items()}, value=column, else_=-1)


@dataclass(frozen=True)
class ConsentScope:
    """A purpose as `consents_in_force` checks it: the notice versions a grant still stands under, whether it
    is kept per network, and the age brackets that may be profiled (None: any age)."""

    purpose: str
    notice_versions: tuple[str, ...]
    per_network: bool
    age_brackets: tuple[str, ...] | None


@dataclass(frozen=True, repr=False)
class ActivityRows:
    """Activities in the window, as arrays; `member` and `ids` hold text keys."""

    member: list[str]
    ids: list[str]
    topic: list[str | None]  # each activity's strongest topic
    numbers: FloatArray  # (rows, 6): network, kind, published_at, likes, reshares, replies (NaN = unknown)


async def _rows(conn: AsyncConnection, query: sa.Select[Any]) -> list[Any]:
    out: list[Any] = []
    result = await conn.stream(query)
    async for part in result.partitions(PARTITION):
        out.extend(part)
    return out


async def member_keys(conn: AsyncConnection) -> dict[str, UUID]:
    """Every member's text key and id."""
    rows = await conn.execute(sa.select(key(MEMBERS.c.id), MEMBERS.c.id))
    return {r[0]: r[1] for r in rows}


async def activity_rows(conn: AsyncConnection, *, since: datetime, until: datetime) -> ActivityRows:
    """Every activity published in [since, until], with its strongest topic."""
    a, t = ACTIVITIES, TOPICS
    query = (
        sa.select(key(a.c.member_id), key(a.c.id), t.c.topic, network_code(a.c.network), kind_code(a.c.kind),
                  epoch(conn, a.c.published_at), a.c.likes, a.c.reshares, a.c.replies)
        .select_from(a.outerjoin(t, sa.and_(t.c.activity_id == a.c.id, t.c.rank == 0)))
        .where(a.c.published_at >= since, a.c.published_at <= until)
    )
    member: list[str] = []
    ids: list[str] = []
    topic: list[str | None] = []
    parts: list[FloatArray] = []
    result = await conn.stream(query)
    async for part in result.partitions(PARTITION):
        member.extend(r[0] for r in part)
        ids.extend(r[1] for r in part)
        topic.extend(r[2] for r in part)
        parts.append(np.array([r[3:] for r in part], np.float64).reshape(len(part), 6))
    numbers = np.concatenate(parts) if parts else np.zeros((0, 6))
    return ActivityRows(member, ids, topic, numbers)


def scope_bit(purpose: int, network: int) -> int:
    """The bit of one consent scope in `consents_in_force`'s masks: `network` is a `NETWORK_CODE`, or
    `len(NETWORK_CODE)` for a consent given once for every network."""
    return 1 << (purpose * (len(NETWORK_CODE) + 1) + network)


async def consents_in_force(
    conn: AsyncConnection, purposes: Sequence[ConsentScope], *, now: datetime,
) -> list[tuple[UUID, int]]:
    """Each active member with consents of `purposes` in force at `now`, and a mask of them (`scope_bit`, the
    purpose by its position in `purposes`).

    The ledger's fold for the whole population in one query: a scope's consent is in force when its latest
    event is a grant, unexpired, under one of the purpose's notice versions that still stand, kept per network
    or once as the purpose says, of a member old enough if the purpose profiles.
    """
    e, m = EVENTS, MEMBERS
    latest = sa.select(
        e.c.member_id, e.c.network, e.c.purpose, e.c.event, e.c.expires_at, e.c.notice_version,
        sa.func.row_number().over(partition_by=(e.c.member_id, e.c.network, e.c.purpose),
                                  order_by=(e.c.occurred_at.desc(), e.c.id.desc())).label("position"),
    ).where(e.c.purpose.in_([p.purpose for p in purposes])).subquery("latest")
    standing = sa.or_(sa.false(), *(
        sa.and_(latest.c.purpose == p.purpose, latest.c.notice_version.in_(list(p.notice_versions)),
                latest.c.network.is_not(None) if p.per_network else latest.c.network.is_(None),
                m.c.age_bracket.in_(list(p.age_brackets)) if p.age_brackets is not None else sa.true())
        for p in purposes if p.notice_versions))
    networks = len(NETWORK_CODE)
    purpose_bit = sa.case({p.purpose: scope_bit(i, 0) for i, p in enumerate(purposes)}, value=latest.c.purpose,
                          else_=0)
    network_bit = sa.case({n.value: 1 << code for n, code in NETWORK_CODE.items()}, value=latest.c.network,
                          else_=1 << networks)
    mask = sa.cast(sa.func.sum(purpose_bit * network_bit), sa.BigInteger)
    query = (
        sa.select(latest.c.member_id, mask)
        .join(m, m.c.id == latest.c.member_id)
        .where(latest.c.position == 1, latest.c.event == ConsentEventType.GRANTED.value,
               sa.or_(latest.c.expires_at.is_(None), latest.c.expires_at > now), standing,
               m.c.status == MemberStatus.ACTIVE.value)
        .group_by(latest.c.member_id)
    )
    return [(r[0], int(r[1])) for r in await _rows(conn, query)]


async def account_rows(conn: AsyncConnection) -> tuple[list[str], FloatArray]:
    """Linked accounts: member keys and (network, followers, following, created_at seconds or NaN)."""
    c = ACCOUNTS
    rows = await _rows(conn, sa.select(key(c.c.member_id), network_code(c.c.network), c.c.followers,
                                       c.c.following, epoch(conn, c.c.network_created_at)))
    return [r[0] for r in rows], np.array([r[1:] for r in rows], np.float64).reshape(len(rows), 4)


async def topic_rows(
    conn: AsyncConnection, *, since: datetime, until: datetime,
) -> tuple[list[str], list[str], FloatArray]:
    """Per-activity topics of own posts in the window: member keys, slugs, (network, weight, reactions)."""
    t, a = TOPICS, ACTIVITIES
    reactions = sa.func.coalesce(a.c.likes, 0) + sa.func.coalesce(a.c.reshares, 0) + sa.func.coalesce(a.c.replies, 0)
    rows = await _rows(conn, sa.select(key(t.c.member_id), t.c.topic, network_code(t.c.network), t.c.weight,
                                       reactions).join(a, a.c.id == t.c.activity_id)
                       .where(a.c.published_at >= since, a.c.published_at <= until,
                              a.c.kind != ActivityKind.RESHARE.value))
    return [r[0] for r in rows], [r[1] for r in rows], np.array([r[2:] for r in rows], np.float64).reshape(
        len(rows), 3)


async def interaction_rows(conn: AsyncConnection) -> tuple[list[str], list[str], FloatArray]:
    """Interaction edges: reactor keys, author keys, (count, first reaction seconds)."""
    i = INTERACTIONS
    rows = await _rows(conn, sa.select(key(i.c.member_id), key(i.c.target_id), i.c.count, epoch(conn, i.c.first_at)))
    return [r[0] for r in rows], [r[1] for r in rows], np.array([r[2:] for r in rows], np.float64).reshape(
        len(rows), 2)


async def member_activities(
    conn: AsyncConnection, member_id: UUID, networks: Iterable[Network], *, since: datetime, until: datetime,
) -> list[Activity]:
    """One member's activities in the window as text-less `Activity` objects named by Renown's row id."""
    a = ACTIVITIES
    wanted = [n.value for n in networks]
    rows = await conn.execute(
        sa.select(a.c.id, a.c.network, a.c.kind, a.c.published_at, a.c.likes, a.c.reshares, a.c.replies)
        .where(a.c.member_id == member_id, a.c.network.in_(wanted), a.c.published_at >= since,
               a.c.published_at <= until)
        .order_by(a.c.published_at, a.c.id))
    # The score reads counts and times only: the encrypted text and post ids stay encrypted.
    return [Activity(Network(r.network), str(r.id), ActivityKind(r.kind), r.published_at, "", likes=r.likes,
                     reshares=r.reshares, replies=r.replies) for r in rows]


async def member_accounts(
    conn: AsyncConnection, member_id: UUID, networks: Iterable[Network],
) -> list[tuple[AccountProfile, datetime | None]]:
    """One member's linked accounts (counts only, no handle) with when they were opened, if known."""
    c = ACCOUNTS
    rows = await conn.execute(
        sa.select(c.c.network, c.c.followers, c.c.following, c.c.network_created_at)
        .where(c.c.member_id == member_id, c.c.network.in_([n.value for n in networks])).order_by(c.c.network))
    return [(AccountProfile(Network(r.network), "", None, r.followers, r.following), r.network_created_at)
            for r in rows]


async def set_account_created(conn: AsyncConnection, member_id: UUID, network: Network, at: datetime) -> None:
    """Record when the member's account was opened on its network (where an archive or the demo says)."""
    await conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.member_id == member_id,
                                                 ACCOUNTS.c.network == network.value)
                       .values(network_created_at=at))
