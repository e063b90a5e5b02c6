"""Topics: per-activity assignments (written at import) and members' expertise, with hidden flags."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import ActivityKind, Network
from renown.domain.expertise import TopicExpertise
from renown.domain.scoring import MemberTopic
from renown.storage.ids import new_id
from renown.storage.tables import metadata

ACTIVITY_TOPICS = metadata.tables["activity_topic"]
MEMBER_TOPICS = metadata.tables["member_topic"]
ACTIVITIES = metadata.tables["activity"]
COLUMNS = ("id", "activity_id", "member_id", "network", "topic", "rank", "weight")

# Read on every request (a member's own view, a profile): built once, not per call.
_ALL_OF_MEMBER = (sa.select(MEMBER_TOPICS).where(MEMBER_TOPICS.c.member_id == sa.bindparam("member_id"))
                  .order_by(MEMBER_TOPICS.c.level.desc(), MEMBER_TOPICS.c.topic))
_VISIBLE_OF_MEMBER = _ALL_OF_MEMBER.where(MEMBER_TOPICS.c.hidden.is_(False), MEMBER_TOPICS.c.level > 0)

Assignment = tuple[Sequence[tuple[str, float]], float]


def _topic(row: Any) -> MemberTopic:
    return MemberTopic(row.topic, float(row.level), float(row.share), int(row.activities), bool(row.hidden))


def reactions(likes: int | None, reshares: int | None, replies: int | None) -> float:
    """Reactions an activity received, counting what the archive did not say as none."""
    return float((likes or 0) + (reshares or 0) + (replies or 0))


class TopicRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        marks = ", ".join("?" for _ in COLUMNS) if self._sqlite else ", ".join(
            f"${i}" for i in range(1, len(COLUMNS) + 1))
        self._insert_sql = f"INSERT INTO activity_topic ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608

    def assignment_rows(
        self, activity_id: Any, member_id: UUID, network: Network, topics: Sequence[tuple[str, float]],
    ) -> list[tuple[Any, ...]]:
        """Rows for one activity's topics; `activity_id` already in the driver's type (as the activity row has it)."""
        member: Any = member_id.hex if self._sqlite else member_id
        out = []
        for rank, (slug, weight) in enumerate(topics):
            row_id = new_id()
            out.append((row_id.hex if self._sqlite else row_id, activity_id, member, network.value, slug, rank,
                        float(weight)))
        return out

    async def insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Bulk insert on the driver's executemany, like the activities they belong to."""
        if rows:
            await self._conn.exec_driver_sql(self._insert_sql, rows)

    async def assignments(
        self, member_id: UUID, networks: Iterable[Network], *, since: datetime,
        special_networks: Iterable[Network] = (), special: frozenset[str] = frozenset(),
    ) -> list[Assignment]:
        """(topics, reactions) of each of the member's own posts since `since` on `networks`.

        Special-category topics count only on `special_networks` (where that consent is active now).
        """
        wanted = [n.value for n in networks]
        if not wanted:
            return []
        allowed_special = {n.value for n in special_networks}
        a, t = ACTIVITIES, ACTIVITY_TOPICS
        query = (
            sa.select(a.c.id, a.c.likes, a.c.reshares, a.c.replies, a.c.network, t.c.topic, t.c.weight)
            .select_from(a.outerjoin(t, t.c.activity_id == a.c.id))
            .where(a.c.member_id == member_id, a.c.network.in_(wanted), a.c.published_at >= since,
                   a.c.kind != ActivityKind.RESHARE.value)
            .order_by(a.c.id, t.c.rank)
        )
        grouped: dict[Any, tuple[list[tuple[str, float]], float]] = {}
        for row in await self._conn.execute(query):
            topics, _ = grouped.setdefault(row.id, ([], reactions(row.likes, row.reshares, row.replies)))
            if row.topic is not None and (row.topic not in special or row.network in allowed_special):
                topics.append((row.topic, float(row.weight)))
        return list(grouped.values())

    async def main_topics(
        self, member_id: UUID, *, since: datetime, networks: Iterable[Network],
    ) -> dict[UUID, tuple[Network, str]]:
        """Each of the member's activities since `since` on `networks` with its network and strongest topic."""
        t, a = ACTIVITY_TOPICS, ACTIVITIES
        rows = await self._conn.execute(
            sa.select(t.c.activity_id, t.c.network, t.c.topic).join(a, a.c.id == t.c.activity_id)
            .where(t.c.member_id == member_id, t.c.rank == 0, a.c.published_at >= since,
                   t.c.network.in_([n.value for n in networks])))
        return {r.activity_id: (Network(r.network), r.topic) for r in rows}

    async def replace(self, member_id: UUID, expertise: Iterable[TopicExpertise], *, at: datetime) -> None:
        """Store the member's expertise; topics they hid stay hidden (kept at level 0 if no longer found)."""
        await self.replace_many({member_id: list(expertise)}, at=at)

    async def replace_many(self, expertise: dict[UUID, list[TopicExpertise]], *, at: datetime) -> None:
        """`replace` for many members at once (the batch path)."""
        members = list(expertise)
        if not members:
            return
        m = MEMBER_TOPICS
        hidden_rows = await self._conn.execute(
            sa.select(m.c.member_id, m.c.topic).where(m.c.member_id.in_(members), m.c.hidden.is_(True)))
        hidden: dict[UUID, set[str]] = {}
        for row in hidden_rows:
            hidden.setdefault(row.member_id, set()).add(row.topic)
        await self._conn.execute(sa.delete(m).where(m.c.member_id.in_(members)))
        rows = []
        for member_id, items in expertise.items():
            mine = hidden.get(member_id, set())
            found = set()
            for e in items:
                found.add(e.slug)
                rows.append({"id": new_id(), "member_id": member_id, "topic": e.slug, "level": e.level,
                             "share": e.share, "activities": e.activities, "hidden": e.slug in mine,
                             "computed_at": at})
            rows.extend({"id": new_id(), "member_id": member_id, "topic": slug, "level": 0.0, "share": 0.0,
                         "activities": 0, "hidden": True, "computed_at": at} for slug in sorted(mine - found))
        if rows:
            await self._conn.execute(sa.insert(m), rows)

    async def clear(self, member_ids: Iterable[UUID], *, at: datetime) -> None:
        """Forget the members' expertise (no topics consent left); their hidden flags stay, at level 0."""
        await self.replace_many({member_id: [] for member_id in member_ids}, at=at)

    async def of_member(self, member_id: UUID, *, include_hidden: bool) -> list[MemberTopic]:
        """The member's topics, strongest first; hidden ones only when asked (their own view and export)."""
        query = _ALL_OF_MEMBER if include_hidden else _VISIBLE_OF_MEMBER
        return [_topic(r) for r in await self._conn.execute(query, {"member_id": member_id})]

    async def visible_of(self, member_ids: Iterable[UUID]) -> dict[UUID, list[MemberTopic]]:
        """Several members' visible topics (strongest first) in one query."""
        wanted = list(dict.fromkeys(member_ids))
        out: dict[UUID, list[MemberTopic]] = {member_id: [] for member_id in wanted}
        if not wanted:
            return out
        m = MEMBER_TOPICS
        rows = await self._conn.execute(
            sa.select(m).where(m.c.member_id.in_(wanted), m.c.hidden.is_(False), m.c.level > 0)
            .order_by(m.c.member_id, m.c.level.desc(), m.c.topic))
        for row in rows:
            out[row.member_id].append(_topic(row))
        return out

    async def set_hidden(self, member_id: UUID, slug: str, *, hidden: bool, at: datetime) -> None:
        """Hide or show one topic; hiding a topic not found yet keeps it hidden once it is."""
        m = MEMBER_TOPICS
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(m).values(id=new_id(), member_id=member_id, topic=slug, level=0.0, share=0.0,
                                          activities=0, hidden=hidden, computed_at=at)
        await self._conn.execute(insert.on_conflict_do_update(
            index_elements=["member_id", "topic"], set_={"hidden": hidden}))

    async def delete_assignments(self, member_id: UUID, network: Network | None = None) -> int:
        """Delete the member's per-activity topics (of one network); return how many went."""
        t = ACTIVITY_TOPICS
        query = sa.delete(t).where(t.c.member_id == member_id)
        if network is not None:
            query = query.where(t.c.network == network.value)
        return (await self._conn.execute(query)).rowcount or 0

    async def slugs_of(self, activity_ids: Collection[UUID]) -> dict[UUID, list[str]]:
        """The stored topics of these activities, by rank (activities without any are left out)."""
        t = ACTIVITY_TOPICS
        out: dict[UUID, list[str]] = {}
        if not activity_ids:
            return out
        rows = await self._conn.execute(sa.select(t.c.activity_id, t.c.topic)
                                        .where(t.c.activity_id.in_(list(activity_ids)))
                                        .order_by(t.c.activity_id, t.c.rank))
        for row in rows:
            out.setdefault(row.activity_id, []).append(row.topic)
        return out

    async def reassign(
        self, member_id: UUID, network: Network, found: Mapping[UUID, Sequence[tuple[str, float]]],
    ) -> int:
        """Make each activity's stored topics what `found` says (by activity id); return rows written.

        Activities whose stored topics already are those found are left alone, so running it again writes nothing.
        """
        stored = await self.slugs_of(list(found))
        changed = [a for a, topics in found.items() if stored.get(a, []) != [slug for slug, _ in topics]]
        if not changed:
            return 0
        t = ACTIVITY_TOPICS
        await self._conn.execute(sa.delete(t).where(t.c.activity_id.in_(changed)))
        rows = [row for a in changed
                for row in self.assignment_rows(a.hex if self._sqlite else a, member_id, network, found[a])]
        await self.insert_rows(rows)
        return len(rows)

    async def delete_special(
        self, member_id: UUID, network: Network, special: Collection[str], *, expertise: bool,
    ) -> int:
        """Delete the member's special-category topics found on `network`'s activities, and with `expertise`
        their expertise rows too (hidden flags included); return rows deleted.

        What stays of an activity's topics is ranked again with weights summing to 1, as the matcher
        would have left it without those topics.
        """
        t, m, wanted = ACTIVITY_TOPICS, MEMBER_TOPICS, list(special)
        if not wanted:
            return 0
        mine = sa.and_(t.c.member_id == member_id, t.c.network == network.value)
        touched = [r.activity_id for r in await self._conn.execute(
            sa.select(t.c.activity_id).where(mine, t.c.topic.in_(wanted)).distinct())]
        deleted = (await self._conn.execute(sa.delete(t).where(mine, t.c.topic.in_(wanted)))).rowcount or 0
        if expertise:
            deleted += (await self._conn.execute(
                sa.delete(m).where(m.c.member_id == member_id, m.c.topic.in_(wanted)))).rowcount or 0
        if touched:
            await self._renormalize(touched)
        return deleted

    async def _renormalize(self, activity_ids: list[UUID]) -> None:
        t = ACTIVITY_TOPICS
        rows = (await self._conn.execute(sa.select(t.c.id, t.c.activity_id, t.c.weight)
                                         .where(t.c.activity_id.in_(activity_ids))
                                         .order_by(t.c.activity_id, t.c.rank))).all()
        totals: dict[UUID, float] = {}
        for r in rows:
            totals[r.activity_id] = totals.get(r.activity_id, 0.0) + float(r.weight)
        ranks: dict[UUID, int] = {}
        updates = []
        for r in rows:
            rank = ranks[r.activity_id] = ranks.get(r.activity_id, -1) + 1
            updates.append({"row": r.id, "new_rank": rank, "new_weight": float(r.weight) / totals[r.activity_id]})
        if updates:
            await self._conn.execute(
                sa.update(t).where(t.c.id == sa.bindparam("row"))
                .values(rank=sa.bindparam("new_rank"), weight=sa.bindparam("new_weight")), updates)
