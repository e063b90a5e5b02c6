"""Interactions among members from real archives: the keyed hashes of whom a member's activities
answered, mentioned or reshared (`mention_edge`), turned into member-to-member `interaction` rows as soon as
the account behind a hash belongs to a member (when it is linked, before or after the mention was imported)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.storage.ids import new_id
from renown.storage.tables import metadata

EDGES = metadata.tables["mention_edge"]
ACCOUNTS = metadata.tables["linked_account"]
INTERACTIONS = metadata.tables["interaction"]
SUPPRESSION = metadata.tables["suppression"]


@dataclass(frozen=True, slots=True)
class Edge:
    """What one import says about one other account: new activities that interacted with it (added to what is
    stored), the likes and follows of it the archive lists (a whole list: it replaces a smaller stored one), and
    the earliest time."""

    count: int
    reactions: int
    first_at: datetime


class MentionEdgeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._dialect = postgresql if conn.dialect.name == "postgresql" else sqlite

    async def add(self, member_id: UUID, network: str, edges: Mapping[bytes, Edge]) -> int:
        """Merge one import's edges, per target handle index, into the member's edges on a network; handles of
        erased members (the suppression list) are left out, as nobody can ever link them again."""
        if not edges:
            return 0
        suppressed = set((await self._conn.execute(sa.select(SUPPRESSION.c.handle_index).where(
            SUPPRESSION.c.network == network, SUPPRESSION.c.handle_index.in_(list(edges))))).scalars())
        rows = [{"id": new_id(), "member_id": member_id, "network": network, "target_handle_index": index,
                 "count": edge.count, "reactions": edge.reactions, "first_at": edge.first_at}
                for index, edge in edges.items() if index not in suppressed]
        if not rows:
            return 0
        insert = self._dialect.insert(EDGES)
        await self._conn.execute(insert.on_conflict_do_update(
            index_elements=["member_id", "network", "target_handle_index"],
            set_={"count": EDGES.c.count + insert.excluded.count,
                  "reactions": sa.case((insert.excluded.reactions > EDGES.c.reactions, insert.excluded.reactions),
                                       else_=EDGES.c.reactions),
                  "first_at": sa.case((insert.excluded.first_at < EDGES.c.first_at, insert.excluded.first_at),
                                      else_=EDGES.c.first_at)}), rows)
        return len(rows)

    async def resolve(self, *, source: UUID | None = None, target: UUID | None = None) -> int:
        """Set the `interaction` rows the edges stand for, of one member as the source or the target (or both):
        per pair, the sum of the counts and reactions over the networks, and the earliest time. Idempotent;
        never a member with themselves. Returns how many pairs were written."""
        pairs = self._pairs()
        if source is not None:
            pairs = pairs.where(EDGES.c.member_id == source)
        if target is not None:
            pairs = pairs.where(ACCOUNTS.c.member_id == target)
        found = (await self._conn.execute(pairs)).all()
        if not found:
            return 0
        insert = self._dialect.insert(INTERACTIONS)
        await self._conn.execute(insert.on_conflict_do_update(
            index_elements=["member_id", "target_id"],
            set_={"count": insert.excluded.count, "first_at": insert.excluded.first_at}),
            [{"id": new_id(), "member_id": r.member_id, "target_id": r.target_id, "count": float(r.total),
              "first_at": r.first_at} for r in found])
        return len(found)

    async def delete_network(self, member_id: UUID, network: str) -> int:
        """Delete the member's edges on one network (its consent withdrawn) and redo the interactions they made:
        pairs left without any edge are deleted, the others keep what their other networks say."""
        targets = set((await self._conn.execute(self._pairs().with_only_columns(ACCOUNTS.c.member_id).where(
            EDGES.c.member_id == member_id, EDGES.c.network == network))).scalars())
        deleted = (await self._conn.execute(sa.delete(EDGES).where(
            EDGES.c.member_id == member_id, EDGES.c.network == network))).rowcount or 0
        if targets:
            left = set((await self._conn.execute(self._pairs().with_only_columns(ACCOUNTS.c.member_id).where(
                EDGES.c.member_id == member_id))).scalars())
            await self._conn.execute(sa.delete(INTERACTIONS).where(
                INTERACTIONS.c.member_id == member_id, INTERACTIONS.c.target_id.in_(list(targets - left))))
            await self.resolve(source=member_id)
        return deleted

    async def delete_for(self, member_id: UUID) -> int:
        """Delete the member's edges, and every member's edges pointing at the member's linked accounts (erasure)."""
        own = (await self._conn.execute(sa.delete(EDGES).where(EDGES.c.member_id == member_id))).rowcount or 0
        theirs = sa.select(ACCOUNTS.c.network, ACCOUNTS.c.handle_index).where(ACCOUNTS.c.member_id == member_id)
        pointing = (await self._conn.execute(sa.delete(EDGES).where(
            sa.tuple_(EDGES.c.network, EDGES.c.target_handle_index).in_(theirs)))).rowcount or 0
        return own + pointing

    async def delete_before(self, before: datetime) -> int:
        """Forget edges whose first interaction is older than `before` (the `activity` retention)."""
        return (await self._conn.execute(sa.delete(EDGES).where(EDGES.c.first_at < before))).rowcount or 0

    @staticmethod
    def _pairs() -> sa.Select[tuple[UUID, UUID, int, datetime]]:
        linked = sa.and_(ACCOUNTS.c.network == EDGES.c.network, ACCOUNTS.c.handle_index == EDGES.c.target_handle_index)
        total = sa.func.sum(EDGES.c.count + EDGES.c.reactions).label("total")
        return (sa.select(EDGES.c.member_id, ACCOUNTS.c.member_id.label("target_id"), total,
                          sa.func.min(EDGES.c.first_at).label("first_at"))
                .join(ACCOUNTS, linked).where(EDGES.c.member_id != ACCOUNTS.c.member_id)
                .group_by(EDGES.c.member_id, ACCOUNTS.c.member_id))
