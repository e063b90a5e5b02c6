"""Restriction of processing (Art. 18): asked for as a privacy request; lifted only once the member was told.

While a restriction stands the consent gate refuses scoring, public profile and perks; the data is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from renown.domain.consent import ConsentEventType
from renown.domain.errors import NotFound
from renown.domain.notices import DELIVER_NOTICES, MEMBER_RECIPIENT, NoticeKind
from renown.domain.privacy import IllegalTransition, PrivacyRequest, RequestKind, RequestStatus
from renown.services import audit, privacy
from renown.services.topic_consent import TOPIC_PURPOSES, queue_backfill
from renown.storage.notices import NoticeRepository
from renown.storage.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class RestrictionLifted:
    """A lifted restriction and the moment the member was told it would be lifted (Art. 18(3))."""

    request: PrivacyRequest
    announced_at: datetime
    lifted_at: datetime


async def restrict_processing(uow: SqlUnitOfWork, *, member_id: UUID) -> PrivacyRequest:
    """Ask for a restriction; a restriction already standing is returned instead of a second."""
    standing = (await uow.privacy.restrictions_standing([member_id])).get(member_id)
    if standing:
        return standing[0]
    return await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.RESTRICTION)


async def lift_restriction(uow: SqlUnitOfWork, *, member_id: UUID, actor: str = "member") -> RestrictionLifted:
    """Tell the member the restriction is being lifted (notice + audit), then lift it, in one transaction."""
    standing = (await uow.privacy.restrictions_standing([member_id])).get(member_id)
    if not standing:
        raise NotFound("no restriction stands")
    for request in standing:
        if not request.can_become(RequestStatus.LIFTED):  # its job is mid-run: lifted once it completes
            raise IllegalTransition(request.kind, request.status, RequestStatus.LIFTED)
    announced_at = uow.now()
    outbox = NoticeRepository(uow.connection, uow.vault)
    for request in standing:
        # The notice and its audit event are written before the flag changes, so no lift exists unannounced.
        await outbox.add(request_id=request.id, recipient=MEMBER_RECIPIENT, recipient_ref=str(member_id),
                         kind=NoticeKind.RESTRICTION_LIFT, reference=None, at=announced_at)
        await audit.record(uow, actor=actor, action="privacy_request.restriction_lift_announced", member_id=member_id,
                           detail={"request_id": str(request.id), "announced_at": announced_at.isoformat()})
    await uow.jobs.enqueue_once(uuid5(standing[0].id, DELIVER_NOTICES), DELIVER_NOTICES, {}, at=announced_at)
    lifted: PrivacyRequest | None = None
    for request in standing:
        lifted = await privacy.move_request(uow, request_id=request.id, to=RequestStatus.LIFTED, actor=actor, result={
            **(request.result or {}), "announced_at": announced_at.isoformat(),
            "lifted_at": uow.now().isoformat()})
    await _backfill_topics_granted_while_restricted(uow, member_id, since=min(r.received_at for r in standing))
    await uow.commit()
    assert lifted is not None
    return RestrictionLifted(lifted, announced_at, uow.now())


async def _backfill_topics_granted_while_restricted(uow: SqlUnitOfWork, member_id: UUID, *, since: datetime) -> None:
    """A topics grant given while the restriction stood queued a backfill that could read nothing: queue it again
    now, in the lift's transaction (one job per network; it assigns topics as the consents stand then)."""
    granted = {e.network: e.purpose for e in await uow.consents.events(member_id)
               if e.event is ConsentEventType.GRANTED and e.purpose in TOPIC_PURPOSES and e.network is not None
               and e.occurred_at >= since}
    for network, purpose in sorted(granted.items(), key=lambda item: item[0].value):
        await queue_backfill(uow, member_id, network, purpose)
