"""Privacy-request use cases: submit (deduplicated, enqueued atomically), move, extend, cancel, list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from renown.domain.errors import NotFound
from renown.domain.jobs import StepRecord
from renown.domain.member import MemberStatus
from renown.domain.notices import NoticeKind
from renown.domain.privacy import (
    PrivacyRequest,
    ReauthenticationRequired,
    RequestKind,
    RequestStatus,
    due_date,
    is_recent_auth,
)
from renown.domain.scopes import Principal
from renown.services import audit, notices
from renown.storage.privacy import DuplicateOpenRequest
from renown.storage.uow import SqlUnitOfWork

# Deadlines come first: a request is never lost to a poison job, it goes to FAILED where admins see it.
REQUEST_MAX_ATTEMPTS = 12
DEDUPLICATED = frozenset(set(RequestKind) - {RequestKind.RECTIFICATION})


def job_kind(kind: RequestKind) -> str:
    """Return the job kind that runs the workflow of a request kind."""
    return f"privacy.{kind.value}"


def require_recent_auth(principal: Principal, *, max_age_seconds: int, now: datetime) -> None:
    """Refuse a sensitive step (erasure request, export download) unless the sign-in is recent."""
    if not is_recent_auth(principal.auth_time, now=now, max_age=timedelta(seconds=max_age_seconds)):
        raise ReauthenticationRequired()


async def submit_request(
    uow: SqlUnitOfWork, *, member_id: UUID, kind: RequestKind, details: Mapping[str, Any] | None = None,
    grace: timedelta = timedelta(0), actor: str = "member",
) -> PrivacyRequest:
    """Record a request and enqueue its workflow in one transaction; an open one of that kind is returned instead."""
    if kind in DEDUPLICATED:
        existing = await uow.privacy.open_of_kind(member_id, kind)
        if existing is not None:
            return await _link_duplicate(uow, existing, actor=actor)
    now = uow.now()
    request = PrivacyRequest(id=uuid4(), member_id=member_id, kind=kind, status=RequestStatus.PENDING,
                             received_at=now, due_at=due_date(now))
    try:
        await uow.privacy.add(request, details=details)
    except DuplicateOpenRequest:
        winner = await uow.privacy.open_of_kind(member_id, kind)
        if winner is None:  # the other request closed in between: nothing open to link to
            raise
        return await _link_duplicate(uow, winner, actor=actor)
    await audit.record(uow, actor=actor, action="privacy_request.received", member_id=member_id, detail={
        "request_id": str(request.id), "kind": kind.value, "due_at": request.due_at.isoformat()})
    run_after = now
    if kind is RequestKind.ERASURE:
        # During the grace period the member is hidden and not scored, and may still cancel.
        request = await _move(uow, request, RequestStatus.AWAITING_GRACE, actor=actor)
        await uow.members.set_status(member_id, MemberStatus.ERASURE_PENDING)
        run_after = now + grace
    # The job shares the request's id: its execution log is the request's, and it is enqueued only once.
    await uow.jobs.enqueue(job_kind(kind), {"request_id": str(request.id)}, at=now, run_after=run_after,
                           max_attempts=REQUEST_MAX_ATTEMPTS, job_id=request.id)
    await uow.commit()
    return request


async def _link_duplicate(uow: SqlUnitOfWork, existing: PrivacyRequest, *, actor: str) -> PrivacyRequest:
    await audit.record(uow, actor=actor, action="privacy_request.duplicate_linked", member_id=existing.member_id,
                       detail={"request_id": str(existing.id), "kind": existing.kind.value})
    await uow.commit()
    return existing


async def _move(uow: SqlUnitOfWork, request: PrivacyRequest, target: RequestStatus, *, actor: str,
                detail: Mapping[str, Any] | None = None) -> PrivacyRequest:
    moved = request.moved_to(target, at=uow.now())
    await uow.privacy.save(moved)
    await audit.record(uow, actor=actor, action="privacy_request.transition", member_id=request.member_id, detail={
        "request_id": str(request.id), "kind": request.kind.value, "from": request.status.value,
        "to": target.value, **(detail or {})})
    return moved


async def _locked(uow: SqlUnitOfWork, request_id: UUID) -> PrivacyRequest:
    request = await uow.privacy.lock(request_id)
    if request is None:
        raise NotFound("no such privacy request")
    return request


async def move_request(
    uow: SqlUnitOfWork, *, request_id: UUID, to: RequestStatus, actor: str,
    result: Mapping[str, Any] | None = None,
) -> PrivacyRequest:
    """Move a request along its lifecycle in the caller's transaction (no commit); audited."""
    request = await _locked(uow, request_id)
    moved = await _move(uow, request, to, actor=actor)
    if result is not None:
        moved = replace(moved, result=dict(result))
        await uow.privacy.save(moved)
    return moved


async def begin_processing(uow: SqlUnitOfWork, *, request_id: UUID) -> PrivacyRequest | None:
    """Move a request into processing (no commit); None when it was canceled, denied or already completed."""
    request = await _locked(uow, request_id)
    if request.status is RequestStatus.IN_PROGRESS:
        return request  # a resumed workflow
    if not request.is_open:
        return None
    if request.status is RequestStatus.FAILED:
        request = await _move(uow, request, RequestStatus.PENDING, actor="worker")
    return await _move(uow, request, RequestStatus.IN_PROGRESS, actor="worker")


async def cancel_erasure(uow: SqlUnitOfWork, *, member_id: UUID) -> PrivacyRequest:
    """Cancel the member's erasure during its grace period; the member is visible and scored again."""
    pending = await uow.privacy.open_of_kind(member_id, RequestKind.ERASURE)
    if pending is None:
        raise NotFound("no erasure is pending")
    canceled = await _move(uow, await _locked(uow, pending.id), RequestStatus.CANCELED, actor="member")
    await uow.members.set_status(member_id, MemberStatus.ACTIVE)
    await uow.commit()
    return canceled


async def extend_deadline(
    uow: SqlUnitOfWork, *, request_id: UUID, months: int, reason: str, actor: str = "admin",
) -> PrivacyRequest:
    """Extend a request's deadline once (Art. 12(3)), before the first deadline, with a reason; audited, and
    the member is told of it and why (a notice to their inbox, written in the same transaction)."""
    request = await _locked(uow, request_id)
    extended = request.extended(months=months, reason=reason, at=uow.now())
    await uow.privacy.save(extended)
    notice_id = await notices.announce_to_member(uow, request=extended, kind=NoticeKind.EXTENSION)
    await audit.record(uow, actor=actor, action="privacy_request.extension_announced", member_id=request.member_id,
                       detail={"request_id": str(request.id), "notice_id": str(notice_id)})
    # The reason is free text an officer typed: it stays on the request, out of the audit trail.
    await audit.record(uow, actor=actor, action="privacy_request.extended", member_id=request.member_id, detail={
        "request_id": str(request.id), "kind": request.kind.value, "months": months,
        "due_at": extended.due_at.isoformat()})
    await uow.commit()
    return extended


async def deny_request(
    uow: SqlUnitOfWork, *, request_id: UUID, justification: str, actor: str = "admin",
) -> PrivacyRequest:
    """Deny a request with a justification code (e.g. DPV `JustificationA17LegalClaims`); audited."""
    denied = await move_request(uow, request_id=request_id, to=RequestStatus.DENIED, actor=actor,
                                result={"justification": justification})
    await uow.commit()
    return denied


async def retry_request(uow: SqlUnitOfWork, *, request_id: UUID, actor: str = "admin") -> PrivacyRequest:
    """Give a failed request's workflow a fresh set of attempts; finished steps are not run again."""
    request = await move_request(uow, request_id=request_id, to=RequestStatus.PENDING, actor=actor)
    await uow.jobs.requeue(request_id, now=uow.now())
    await uow.commit()
    return request


async def get_request(uow: SqlUnitOfWork, *, request_id: UUID, member_id: UUID | None = None) -> PrivacyRequest:
    """Return a request; with `member_id`, only that member's (another member's looks the same as none)."""
    request = await uow.privacy.get(request_id)
    if request is None or (member_id is not None and request.member_id != member_id):
        raise NotFound("no such privacy request")
    return request


async def request_steps(uow: SqlUnitOfWork, *, request_id: UUID) -> list[StepRecord]:
    """The execution log of a request's workflow."""
    return await uow.jobs.steps(request_id)


async def overdue_requests(uow: SqlUnitOfWork) -> list[PrivacyRequest]:
    """Open requests past their deadline, most overdue first (admin)."""
    return await uow.privacy.open_due_before(uow.now())


async def at_risk_requests(uow: SqlUnitOfWork, *, within: timedelta = timedelta(days=7)) -> list[PrivacyRequest]:
    """Open requests not yet overdue but due within `within`, most urgent first (admin)."""
    now = uow.now()
    return [r for r in await uow.privacy.open_due_before(now + within) if r.is_at_risk(now=now, within=within)]
