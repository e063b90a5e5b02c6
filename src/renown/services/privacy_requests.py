"""Privacy requests for the API: one object bound to a unit-of-work factory, what each mutation and query calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from renown.domain.jobs import StepRecord
from renown.domain.notices import NoticeKind
from renown.domain.policies import Policies
from renown.domain.privacy import PrivacyRequest, RequestKind
from renown.domain.scopes import Principal
from renown.services import audit, privacy, restriction
from renown.services.exports import ExportDownloads
from renown.storage.audit import AuditEntry
from renown.storage.notices import NoticeRepository
from renown.storage.uow import SqlUnitOfWork


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RequestView:
    """A request with its execution log, its download link (exports) and its certificate (erasures)."""

    request: PrivacyRequest
    steps: list[StepRecord]
    download_url: str | None
    certificate: str | None


@dataclass(frozen=True)
class ExtensionGranted:
    """An extended request, and the notice that tells its member."""

    request: PrivacyRequest
    notice_id: UUID


@dataclass
class PrivacyRequests:
    uow_factory: Callable[[], SqlUnitOfWork]
    downloads: ExportDownloads
    policies: Policies
    recent_auth_seconds: int
    clock: Callable[[], datetime] = _utc_now

    async def request_export(self, *, member_id: UUID) -> PrivacyRequest:
        """Ask for an export; an open one is returned instead of a second."""
        async with self.uow_factory() as uow:
            return await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.EXPORT)

    async def request_erasure(self, *, member_id: UUID, principal: Principal) -> PrivacyRequest:
        """Ask to be erased after the policies' grace period; needs a recent sign-in."""
        privacy.require_recent_auth(principal, max_age_seconds=self.recent_auth_seconds, now=self.clock())
        grace = timedelta(days=self.policies.processing.erasure_grace_days)
        async with self.uow_factory() as uow:
            return await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.ERASURE, grace=grace)

    async def cancel_erasure(self, *, member_id: UUID) -> PrivacyRequest:
        async with self.uow_factory() as uow:
            return await privacy.cancel_erasure(uow, member_id=member_id)

    async def request_rectification(
        self, *, member_id: UUID, display_name: str | None = None, clear_display_name: bool = False,
        hide_topics: list[str] | None = None, statement: str | None = None,
    ) -> PrivacyRequest:
        """Ask for corrections: a display name (or its removal), topics to hide, a statement of one's own."""
        details: dict[str, Any] = {}
        if display_name is not None or clear_display_name:
            details["display_name"] = display_name
        if hide_topics:
            details["hide_topics"] = list(hide_topics)
        if statement:
            details["statement"] = statement
        async with self.uow_factory() as uow:
            return await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.RECTIFICATION,
                                                details=details)

    async def object_to_profiling(self, *, member_id: UUID) -> PrivacyRequest:
        async with self.uow_factory() as uow:
            return await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.OBJECTION)

    async def restrict_processing(self, *, member_id: UUID) -> PrivacyRequest:
        """Restrict processing (Art. 18): scoring, public profile and perks stop; the data is kept."""
        async with self.uow_factory() as uow:
            return await restriction.restrict_processing(uow, member_id=member_id)

    async def lift_restriction(self, *, member_id: UUID) -> restriction.RestrictionLifted:
        """Lift the member's restriction, announcing it to them first."""
        async with self.uow_factory() as uow:
            return await restriction.lift_restriction(uow, member_id=member_id)

    async def view(self, *, request_id: UUID, member_id: UUID | None = None) -> RequestView:
        """A request (only the member's own when `member_id` is given), its steps, link and certificate."""
        async with self.uow_factory() as uow:
            request = await privacy.get_request(uow, request_id=request_id, member_id=member_id)
            steps = await privacy.request_steps(uow, request_id=request_id)
        link = None
        if request.kind is RequestKind.EXPORT:
            link = await self.downloads.link(member_id=request.member_id, result=request.result)
        certificate = None if request.result is None else request.result.get("certificate")
        return RequestView(request, steps, link, None if certificate is None else str(certificate))

    async def of_member(self, *, member_id: UUID) -> list[PrivacyRequest]:
        async with self.uow_factory() as uow:
            return await uow.privacy.for_member(member_id)

    async def overdue(self) -> list[PrivacyRequest]:
        async with self.uow_factory() as uow:
            return await privacy.overdue_requests(uow)

    async def at_risk(self, *, within: timedelta = timedelta(days=7)) -> list[PrivacyRequest]:
        async with self.uow_factory() as uow:
            return await privacy.at_risk_requests(uow, within=within)

    async def extend(self, *, request_id: UUID, months: int, reason: str, actor: str = "admin") -> ExtensionGranted:
        """Extend a request's deadline once (Art. 12(3)); the member is sent a notice with the reason."""
        async with self.uow_factory() as uow:
            extended = await privacy.extend_deadline(uow, request_id=request_id, months=months, reason=reason,
                                                     actor=actor)
            sent = [n for n in await NoticeRepository(uow.connection, uow.vault).of_request(request_id)
                    if n.kind is NoticeKind.EXTENSION]
        return ExtensionGranted(extended, sent[-1].id)

    async def audit_log(
        self, *, member_id: UUID | None = None, action: str | None = None, before_id: int | None = None,
        first: int = 50,
    ) -> list[AuditEntry]:
        async with self.uow_factory() as uow:
            return await audit.audit_log(uow, member_id=member_id, action=action, before_id=before_id, first=first)
