"""Privacy requests as the member (and the admin queue) see them: kind, status, deadline, execution log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from renown.api.context import Info
from renown.api.errors import UserError
from renown.domain.errors import NotFound, RenownError
from renown.domain.jobs import StepStatus
from renown.domain.privacy import PrivacyRequest, RequestKind, RequestStatus
from renown.services.privacy_requests import PrivacyRequests, RequestView

strawberry.enum(RequestKind, name="PrivacyRequestKind", description="The right a privacy request exercises.")
strawberry.enum(RequestStatus, name="PrivacyRequestStatus", description="Where a privacy request stands.")
strawberry.enum(StepStatus, name="PrivacyStepStatus", description="Where one step of a request's workflow stands.")


def privacy_requests(info: Info) -> PrivacyRequests:
    """The privacy-request use cases; the runtime always wires them."""
    wired = info.context.services.privacy
    if wired is None:
        raise RuntimeError("privacy requests are not wired into the services")
    return wired


@strawberry.type(description="One step of a request's workflow, from its execution log.")
class PrivacyStep:
    name: str
    status: StepStatus
    rows_affected: int
    started_at: datetime
    finished_at: datetime | None


@strawberry.type(name="PrivacyRequest", description="A request exercising a data-protection right (GDPR Art. 15-21).")
class PrivacyRequestNode:
    id: strawberry.ID
    kind: RequestKind
    status: RequestStatus
    received_at: datetime
    due_at: datetime = strawberry.field(description="The legal deadline: one calendar month, or as extended.")
    completed_at: datetime | None
    extension_reason: str | None
    request_id: strawberry.Private[UUID]
    member_id: strawberry.Private[UUID]
    owned: strawberry.Private[bool]  # download links are for the member alone, never the admin queue
    view: strawberry.Private[RequestView | None] = None

    @classmethod
    def of(cls, request: PrivacyRequest, *, owned: bool, view: RequestView | None = None) -> PrivacyRequestNode:
        return cls(id=strawberry.ID(str(request.id)), kind=request.kind, status=request.status,
                   received_at=request.received_at, due_at=request.due_at, completed_at=request.completed_at,
                   extension_reason=request.extension_reason, request_id=request.id, member_id=request.member_id,
                   owned=owned, view=view)

    async def _view(self, info: Info) -> RequestView | None:
        if self.view is None:
            try:
                self.view = await privacy_requests(info).view(request_id=self.request_id, member_id=self.member_id)
            except NotFound:
                return None
        return self.view

    @strawberry.field(description="The workflow's steps in the order they ran.")
    async def steps(self, info: Info) -> list[PrivacyStep]:
        view = await self._view(info)
        return [] if view is None else [
            PrivacyStep(name=s.step, status=s.status, rows_affected=s.rows_affected, started_at=s.started_at,
                        finished_at=s.finished_at) for s in view.steps]

    @strawberry.field(description="A completed export's download path (expiring, bound to you); null otherwise.")
    async def download_url(self, info: Info) -> str | None:
        view = await self._view(info) if self.owned else None
        return None if view is None else view.download_url

    @strawberry.field(description="A completed erasure's signed certificate (no personal data); null otherwise.")
    async def certificate(self, info: Info) -> str | None:
        view = await self._view(info)
        return None if view is None else view.certificate


@strawberry.type(description="The deadline was extended once; the member was sent a notice with the reason.")
class PrivacyRequestExtended:
    request: PrivacyRequestNode
    notice_id: strawberry.ID = strawberry.field(description="The notice telling the member (Art. 12(3)).")


@strawberry.type(description="The extension was refused: ALREADY_EXTENDED, PAST_DUE (the first deadline has "
                             "passed), INVALID_EXTENSION (months not 1-2, no reason, request closed) or NOT_FOUND.")
class ExtensionRefusedError(UserError):
    @classmethod
    def from_error(cls, error: RenownError) -> ExtensionRefusedError:
        return cls(code=error.code, message=error.message)


@strawberry.type(description="The restriction is lifted; you were told first, at `announcedAt`.")
class RestrictionLifted:
    request: PrivacyRequestNode
    announced_at: datetime
    lifted_at: datetime


class AuditRecord(Protocol):
    """What the API reads of an audit entry (the services return the storage's record)."""

    @property
    def id(self) -> int: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any]: ...
    @property
    def hash(self) -> str: ...


@strawberry.type(name="AuditEntry",
                 description="One entry of the hash-chained audit log; members appear only as pseudonyms.")
class AuditEntryNode:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str | None = strawberry.field(description="The member's keyed pseudonym, if the entry is about one.")
    detail: JSON
    hash: str

    @classmethod
    def of(cls, entry: AuditRecord) -> AuditEntryNode:
        return cls(id=entry.id, occurred_at=entry.occurred_at, actor=entry.actor, action=entry.action,
                   subject=entry.subject, detail=cast(JSON, entry.detail), hash=entry.hash)


async def member_privacy_requests(info: Info, member_id: UUID) -> list[PrivacyRequestNode]:
    """The member's own requests, newest first (for `me { privacyRequests }`)."""
    return [PrivacyRequestNode.of(r, owned=True) for r in await privacy_requests(info).of_member(member_id=member_id)]
