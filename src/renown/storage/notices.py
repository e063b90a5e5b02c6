"""The notice outbox (`recipient_notice`): written with the event it tells of, delivered once, read as inboxes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.notices import MEMBER_RECIPIENT, MemberNotice, Notice, NoticeKind
from renown.domain.privacy import PrivacyRequest, RequestKind, RequestStatus
from renown.storage.tables import metadata
from renown.storage.vault import Vault

NOTICES = metadata.tables["recipient_notice"]
REQUESTS = metadata.tables["privacy_request"]
INBOX_INDEX = "notice/recipient"
Cursor = tuple[datetime, UUID]


def _notice(row: Any) -> Notice:
    return Notice(id=row.id, request_id=row.request_id, recipient=row.recipient, recipient_ref=row.recipient_ref,
                  kind=NoticeKind(row.kind), reference=row.reference, created_at=row.created_at,
                  delivered_at=row.delivered_at, attempts=row.attempts, read_at=row.read_at)


def _request(row: Any) -> PrivacyRequest:
    return PrivacyRequest(
        id=row.req_id, member_id=row.req_member_id, kind=RequestKind(row.req_kind),
        status=RequestStatus(row.req_status), received_at=row.req_received_at, due_at=row.req_due_at,
        extension_reason=row.req_extension_reason, completed_at=row.req_completed_at,
        result=None if row.req_result is None else dict(row.req_result))


def _after(after: Cursor | None) -> sa.ColumnElement[bool]:
    """Keyset condition for newest-first pages ordered by (created_at, id) descending."""
    if after is None:
        return sa.true()
    at, notice_id = after
    return sa.or_(NOTICES.c.created_at < at, sa.and_(NOTICES.c.created_at == at, NOTICES.c.id < notice_id))


def inbox_key(vault: Vault, recipient: str, recipient_ref: str) -> str:
    """What the outbox names a recipient by: a keyed hash, so the table holds no brand or member identifier
    in clear (an erasure leaves a brand's inbox readable by that brand, and nothing about whom it held)."""
    return vault.blind_index(INBOX_INDEX, f"{recipient}\n{recipient_ref}").hex()


class NoticeRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(
        self, *, request_id: UUID, recipient: str, recipient_ref: str, kind: NoticeKind, reference: str | None,
        at: datetime,
    ) -> UUID:
        """Write a pending notice in the caller's transaction; the recipient is stored as its inbox key."""
        notice_id = uuid4()
        await self._conn.execute(sa.insert(NOTICES).values(
            id=notice_id, request_id=request_id, recipient=recipient,
            recipient_ref=inbox_key(self._vault, recipient, recipient_ref), kind=kind.value,
            reference=reference, created_at=at, attempts=0))
        return notice_id

    async def get(self, notice_id: UUID) -> Notice | None:
        row = (await self._conn.execute(sa.select(NOTICES).where(NOTICES.c.id == notice_id))).first()
        return None if row is None else _notice(row)

    async def next_pending(self, *, skip: Collection[UUID] = ()) -> Notice | None:
        """The oldest pending notice not in `skip`, its row held until commit; on PostgreSQL one another
        worker holds is passed over (SKIP LOCKED), so two delivery jobs never hand out the same notice."""
        query = (sa.select(NOTICES).where(NOTICES.c.delivered_at.is_(None))
                 .order_by(NOTICES.c.created_at, NOTICES.c.id).limit(1))
        if skip:
            query = query.where(NOTICES.c.id.not_in(list(skip)))
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = (await self._conn.execute(query)).first()
        return None if row is None else _notice(row)

    async def mark_delivered(self, notice_id: UUID, *, at: datetime) -> bool:
        """Move a pending notice to delivered (its recipient's inbox); False if it was delivered already."""
        result = await self._conn.execute(sa.update(NOTICES).where(
            NOTICES.c.id == notice_id, NOTICES.c.delivered_at.is_(None),
        ).values(delivered_at=at, attempts=NOTICES.c.attempts + 1))
        return bool(result.rowcount)

    async def mark_failed(self, notice_id: UUID) -> None:
        """Count a failed attempt; the notice stays pending."""
        await self._conn.execute(sa.update(NOTICES).where(
            NOTICES.c.id == notice_id, NOTICES.c.delivered_at.is_(None)).values(attempts=NOTICES.c.attempts + 1))

    async def mark_read(self, notice_id: UUID, *, recipient: str, recipient_ref: str, at: datetime) -> datetime | None:
        """Mark a delivered notice in this recipient's inbox as read (once: the first time is kept); return when it
        was read, or None when the recipient's inbox holds no such notice."""
        mine = sa.and_(NOTICES.c.id == notice_id, NOTICES.c.recipient == recipient,
                       NOTICES.c.recipient_ref == inbox_key(self._vault, recipient, recipient_ref),
                       NOTICES.c.delivered_at.is_not(None))
        await self._conn.execute(sa.update(NOTICES).where(mine, NOTICES.c.read_at.is_(None)).values(read_at=at))
        read_at: datetime | None = (await self._conn.execute(sa.select(NOTICES.c.read_at).where(mine))).scalar()
        return read_at

    async def count_pending(self) -> int:
        query = sa.select(sa.func.count()).select_from(NOTICES).where(NOTICES.c.delivered_at.is_(None))
        return int((await self._conn.execute(query)).scalar_one())

    async def of_request(self, request_id: UUID) -> list[Notice]:
        rows = await self._conn.execute(sa.select(NOTICES).where(NOTICES.c.request_id == request_id)
                                        .order_by(NOTICES.c.created_at, NOTICES.c.id))
        return [_notice(r) for r in rows]

    async def recipient_inbox(
        self, *, recipient: str, recipient_ref: str, first: int, after: Cursor | None,
    ) -> tuple[list[Notice], bool]:
        """Delivered notices to one recipient, newest first, one page; and whether another page follows."""
        rows = (await self._conn.execute(sa.select(NOTICES).where(
            NOTICES.c.recipient == recipient,
            NOTICES.c.recipient_ref == inbox_key(self._vault, recipient, recipient_ref),
            NOTICES.c.delivered_at.is_not(None), _after(after),
        ).order_by(NOTICES.c.created_at.desc(), NOTICES.c.id.desc()).limit(first + 1))).all()
        return [_notice(r) for r in rows[:first]], len(rows) > first

    async def member_inbox(
        self, member_id: UUID, *, first: int, after: Cursor | None,
    ) -> tuple[list[MemberNotice], bool]:
        """Delivered notices to a member about their own requests, newest first, with each request's deadline."""
        requested = [c.label(f"req_{c.name}") for c in REQUESTS.c if c.name != "details_enc"]
        query = (sa.select(NOTICES, *requested)
                 .join(REQUESTS, REQUESTS.c.id == NOTICES.c.request_id)
                 .where(NOTICES.c.recipient == MEMBER_RECIPIENT,
                        NOTICES.c.recipient_ref == inbox_key(self._vault, MEMBER_RECIPIENT, str(member_id)),
                        REQUESTS.c.member_id == member_id, NOTICES.c.delivered_at.is_not(None), _after(after))
                 .order_by(NOTICES.c.created_at.desc(), NOTICES.c.id.desc()).limit(first + 1))
        rows = (await self._conn.execute(query)).all()
        notices = [MemberNotice(_notice(r), _request(r)) for r in rows[:first]]
        return notices, len(rows) > first
