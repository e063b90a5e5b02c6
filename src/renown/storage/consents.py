"""The consent ledger's table: events are appended and read, never updated."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Network
from renown.domain.consent import ConsentEvent, ConsentEventType, ConsentLedger, ConsentMethod
from renown.domain.member import AgeBracket, Member, MemberStatus
from renown.domain.policies import ConsentPurpose
from renown.storage.tables import metadata

EVENTS = metadata.tables["consent_event"]
MEMBERS = metadata.tables["member"]


def _event(row: Any) -> ConsentEvent:
    return ConsentEvent(
        id=row.id, member_id=row.member_id, network=None if row.network is None else Network(row.network),
        purpose=ConsentPurpose(row.purpose), event=ConsentEventType(row.event), occurred_at=row.occurred_at,
        notice_version=row.notice_version, notice_language=row.notice_language, method=ConsentMethod(row.method),
        data_categories=tuple(row.data_categories), controller=row.controller, lawful_basis=row.lawful_basis,
        withdrawal_method=row.withdrawal_method, expires_at=row.expires_at, receipt_jws=row.receipt_jws,
    )


class ConsentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(self, event: ConsentEvent) -> None:
        """Write one event; there is deliberately no way to change or remove one here."""
        await self._conn.execute(sa.insert(EVENTS).values(
            id=event.id, member_id=event.member_id, network=None if event.network is None else event.network.value,
            purpose=event.purpose.value, event=event.event.value, occurred_at=event.occurred_at,
            notice_version=event.notice_version, notice_language=event.notice_language, method=event.method.value,
            data_categories=list(event.data_categories), receipt_jws=event.receipt_jws, controller=event.controller,
            lawful_basis=event.lawful_basis, withdrawal_method=event.withdrawal_method, expires_at=event.expires_at,
        ))

    async def events(self, member_id: UUID) -> list[ConsentEvent]:
        """A member's events, oldest first."""
        rows = await self._conn.execute(
            sa.select(EVENTS).where(EVENTS.c.member_id == member_id).order_by(EVENTS.c.occurred_at, EVENTS.c.id))
        return [_event(r) for r in rows]

    async def ledger(self, member_id: UUID) -> ConsentLedger:
        return ConsentLedger(member_id, await self.events(member_id))

    async def ledgers(self, member_ids: Iterable[UUID]) -> dict[UUID, ConsentLedger]:
        """Many members' ledgers in one query (members without events get an empty ledger)."""
        wanted = list(dict.fromkeys(member_ids))
        grouped: dict[UUID, list[ConsentEvent]] = defaultdict(list)
        if wanted:
            rows = await self._conn.execute(sa.select(EVENTS).where(EVENTS.c.member_id.in_(wanted)))
            for row in rows:
                grouped[row.member_id].append(_event(row))
        return {m: ConsentLedger(m, grouped.get(m, ())) for m in wanted}

    async def receipts(self, member_id: UUID) -> list[str]:
        """The signed receipts of a member's grants and withdrawals, oldest first."""
        rows = await self._conn.execute(
            sa.select(EVENTS.c.receipt_jws)
            .where(EVENTS.c.member_id == member_id, EVENTS.c.receipt_jws.is_not(None))
            .order_by(EVENTS.c.occurred_at, EVENTS.c.id))
        return [r.receipt_jws for r in rows]

    async def members_with_grants(self) -> list[UUID]:
        """Members who ever granted a consent: the ones whose consents can lapse."""
        rows = await self._conn.execute(
            sa.select(EVENTS.c.member_id).where(EVENTS.c.event == ConsentEventType.GRANTED.value).distinct())
        return sorted(r.member_id for r in rows)

    async def members(self, member_ids: Iterable[UUID]) -> dict[UUID, Member]:
        """What the gate needs of members (status, age bracket), read without decrypting anything."""
        wanted = list(dict.fromkeys(member_ids))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            sa.select(MEMBERS.c.id, MEMBERS.c.age_bracket, MEMBERS.c.status, MEMBERS.c.created_at)
            .where(MEMBERS.c.id.in_(wanted)))
        # The display name stays encrypted: no consent decision depends on it.
        return {
            r.id: Member(r.id, None, AgeBracket(r.age_bracket), MemberStatus(r.status), r.created_at) for r in rows
        }
