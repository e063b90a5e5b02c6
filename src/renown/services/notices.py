"""Notices: written with the event they tell of, delivered by a job, read by their recipients alone.

Delivery is the move from pending to delivered, which puts the notice in its recipient's in-product inbox.
It happens in one transaction per notice that holds the notice's row: the optional push `transport`
(e.g. a webhook) is called inside it, and the conditional update to delivered commits with it. A worker
killed before the commit leaves the notice pending (delivered again by the next run, never lost); one
killed after it finds nothing left to do (never delivered twice to the inbox). A push transport gets
at-least-once delivery and the notice id to deduplicate on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid5

from renown.domain.notices import DELIVER_NOTICES, MEMBER_RECIPIENT, MemberNotice, Notice, NoticeKind
from renown.domain.perks import BRANDS
from renown.domain.privacy import PrivacyRequest
from renown.storage.notices import Cursor, NoticeRepository
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

T = TypeVar("T")
NoticeTransport = Callable[[dict[str, Any]], Awaitable[bool]]
"""Pushes a notice (as `payload` gives it) beyond the inbox; False or an exception leaves it pending for a retry."""


def payload(notice: Notice) -> dict[str, Any]:
    """A notice as a push transport receives it; `id` is the key to deduplicate redeliveries on."""
    return {**asdict(notice), "kind": notice.kind.value}


async def inbox_only(notice: dict[str, Any]) -> bool:
    """The default transport: the in-product inbox is the only channel; logs the notice by id and kind only."""
    logger.info("notice %s (%s) delivered to a %s inbox", notice["id"], notice["kind"], notice["recipient"])
    return True


async def announce_to_member(uow: SqlUnitOfWork, *, request: PrivacyRequest, kind: NoticeKind) -> UUID:
    """Write a notice to the member about their request, and its delivery job, in the caller's transaction."""
    notice_id = await NoticeRepository(uow.connection, uow.vault).add(
        request_id=request.id, recipient=MEMBER_RECIPIENT, recipient_ref=str(request.member_id), kind=kind,
        reference=None, at=uow.now())
    await uow.jobs.enqueue_once(uuid5(notice_id, DELIVER_NOTICES), DELIVER_NOTICES, {}, at=uow.now())
    return notice_id


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int
    failed: int


async def deliver_pending(
    uow_factory: Callable[[], SqlUnitOfWork], transport: NoticeTransport = inbox_only, *, limit: int = 1000,
) -> DeliveryReport:
    """Deliver pending notices, oldest first, one transaction each; a failed one is counted and left pending."""
    delivered, failed, tried = 0, 0, set[UUID]()
    while len(tried) < limit:
        async with uow_factory() as uow:
            repository = NoticeRepository(uow.connection, uow.vault)
            notice = await repository.next_pending(skip=tried)
            if notice is None:
                break
            tried.add(notice.id)
            try:
                sent = await transport(payload(notice))
            except Exception as error:  # noqa: BLE001 - a transport's failure is a retry, not a crash
                logger.warning("notice %s: transport failed (%s)", notice.id, type(error).__name__)
                sent = False
            if sent and await repository.mark_delivered(notice.id, at=uow.now()):
                delivered += 1
            elif not sent:
                await repository.mark_failed(notice.id)
                failed += 1
            await uow.commit()
    return DeliveryReport(delivered, failed)


@dataclass(frozen=True, slots=True)
class InboxPage(Generic[T]):
    items: list[T]
    has_next: bool


@dataclass
class Notices:
    """The inboxes, for the API: a member's own notices, a brand's own notices."""

    uow_factory: Callable[[], SqlUnitOfWork]

    async def of_member(self, *, member_id: UUID, first: int, after: Cursor | None) -> InboxPage[MemberNotice]:
        async with self.uow_factory() as uow:
            repository = NoticeRepository(uow.connection, uow.vault)
            items, more = await repository.member_inbox(member_id, first=first, after=after)
        return InboxPage(items, more)

    async def mark_read(self, *, notice_id: UUID, member_id: UUID | None = None, brand: str | None = None,
                        ) -> datetime | None:
        """Mark a notice in the member's (or the brand's) own inbox as read; None when that inbox has no such
        notice, whoever else's it is."""
        recipient, ref = (MEMBER_RECIPIENT, str(member_id)) if member_id is not None else (BRANDS, str(brand))
        async with self.uow_factory() as uow:
            read_at = await NoticeRepository(uow.connection, uow.vault).mark_read(
                notice_id, recipient=recipient, recipient_ref=ref, at=uow.now())
            await uow.commit()
        return read_at

    async def of_brand(self, *, brand: str, first: int, after: Cursor | None) -> InboxPage[Notice]:
        async with self.uow_factory() as uow:
            items, more = await NoticeRepository(uow.connection, uow.vault).recipient_inbox(
                recipient=BRANDS, recipient_ref=brand, first=first, after=after)
        return InboxPage(items, more)


def cursor_of(notice: Notice) -> tuple[datetime, UUID]:
    """Where a notice sits in its inbox (newest first, by when it was written)."""
    return notice.created_at, notice.id
