"""`privacyRequest(id)` for its owner; `privacyRequests(overdue, atRisk)` and `auditLog` for the admin scope."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.ids import uuid_of
from renown.api.members.queries import subject_of
from renown.api.pagination import check_first
from renown.api.permissions import IsAdmin, IsMember
from renown.api.privacy.types import AuditEntryNode, PrivacyRequestNode, privacy_requests
from renown.domain.errors import NotFound


@strawberry.type
class PrivacyQueries:
    @strawberry.field(permission_classes=IsMember,
                      description="One of your privacy requests with its steps; null if it is not yours or unknown.")
    async def privacy_request(self, info: Info, id: strawberry.ID) -> PrivacyRequestNode | None:  # noqa: A002
        member = await info.context.services.find_member(subject=subject_of(info))
        request_id = uuid_of(id)
        if request_id is None or member is None:
            return None
        try:
            view = await privacy_requests(info).view(request_id=request_id, member_id=member.id)
        except NotFound:
            return None
        return PrivacyRequestNode.of(view.request, owned=True, view=view)

    @strawberry.field(
        permission_classes=IsAdmin,
        description="The admin queue: open requests past their deadline (`overdue`), due within 7 days (`atRisk`); "
                    "both when neither is chosen.",
    )
    async def privacy_requests(
        self, info: Info, overdue: bool = False,
        at_risk: Annotated[bool, strawberry.argument(name="atRisk")] = False,
    ) -> list[PrivacyRequestNode]:
        service = privacy_requests(info)
        both = not overdue and not at_risk
        found = [*(await service.overdue() if overdue or both else []),
                 *(await service.at_risk() if at_risk or both else [])]
        return [PrivacyRequestNode.of(r, owned=False) for r in found]

    @strawberry.field(permission_classes=IsAdmin,
                      description="The audit log, newest first; `before` is the id of the oldest entry already read.")
    async def audit_log(self, info: Info, first: int = 50, before: int | None = None) -> list[AuditEntryNode]:
        check_first(first)
        entries = await privacy_requests(info).audit_log(before_id=before, first=first)
        return [AuditEntryNode.of(e) for e in entries]
