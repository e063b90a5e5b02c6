"""The member's privacy rights as mutations: export, erasure (and its cancellation), rectification,
restriction (and its lifting), objection. Each answers with the request or a typed refusal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.ids import uuid_of
from renown.api.members.queries import subject_of
from renown.api.permissions import IsAdmin, IsMember
from renown.api.privacy.types import (
    ExtensionRefusedError,
    PrivacyRequestExtended,
    PrivacyRequestNode,
    RestrictionLifted,
    privacy_requests,
)
from renown.domain.errors import NotFound, RenownError
from renown.domain.privacy import PrivacyRequest

PrivacyRequestResult = Annotated[
    PrivacyRequestNode | NotRegistered | RequestRefused, strawberry.union("PrivacyRequestResult")]
LiftRestrictionResult = Annotated[
    RestrictionLifted | NotRegistered | RequestRefused, strawberry.union("LiftRestrictionResult")]
ExtendPrivacyRequestResult = Annotated[
    PrivacyRequestExtended | ExtensionRefusedError, strawberry.union("ExtendPrivacyRequestResult")]


async def _submit(
    info: Info, ask: Callable[[UUID], Awaitable[PrivacyRequest]],
) -> PrivacyRequestNode | NotRegistered | RequestRefused:
    member = await info.context.services.find_member(subject=subject_of(info))
    if member is None:
        return NotRegistered.make()
    try:
        return PrivacyRequestNode.of(await ask(member.id), owned=True)
    except RenownError as error:
        return RequestRefused.from_error(error)


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(permission_classes=IsMember,
                         description="Ask for a copy of your data (Art. 15, 20); an open export is returned instead.")
    async def request_export(self, info: Info) -> PrivacyRequestResult:
        return await _submit(info, lambda m: privacy_requests(info).request_export(member_id=m))

    @strawberry.mutation(
        permission_classes=IsMember,
        description="Ask to be erased (Art. 17) after a grace period you can cancel in; needs a recent sign-in "
                    "(REAUTHENTICATION_REQUIRED otherwise).",
    )
    async def request_erasure(self, info: Info) -> PrivacyRequestResult:
        principal = info.context.principal
        assert principal is not None  # guaranteed by IsMember
        return await _submit(info, lambda m: privacy_requests(info).request_erasure(member_id=m, principal=principal))

    @strawberry.mutation(permission_classes=IsMember, description="Cancel your erasure during its grace period.")
    async def cancel_erasure(self, info: Info) -> PrivacyRequestResult:
        return await _submit(info, lambda m: privacy_requests(info).cancel_erasure(member_id=m))

    @strawberry.mutation(
        permission_classes=IsMember,
        description="Correct your data (Art. 16): a display name (empty to remove it), topics to hide, a statement "
                    "of your own; you are rescored and recipients are told.",
    )
    async def request_rectification(
        self, info: Info, display_name: str | None = None, statement: str | None = None,
        hide_topics: list[str] | None = None,
    ) -> PrivacyRequestResult:
        clear = display_name is not None and not display_name.strip()
        return await _submit(info, lambda m: privacy_requests(info).request_rectification(
            member_id=m, display_name=None if clear else display_name, clear_display_name=clear,
            hide_topics=hide_topics, statement=statement))

    @strawberry.mutation(
        permission_classes=IsMember,
        description="Restrict processing (Art. 18): scoring, public profile and perks stop; your data is kept.",
    )
    async def restrict_processing(self, info: Info) -> PrivacyRequestResult:
        return await _submit(info, lambda m: privacy_requests(info).restrict_processing(member_id=m))

    @strawberry.mutation(permission_classes=IsMember,
                         description="Lift your restriction; you are told first, and the result says when.")
    async def lift_restriction(self, info: Info) -> LiftRestrictionResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            lifted = await privacy_requests(info).lift_restriction(member_id=member.id)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return RestrictionLifted(request=PrivacyRequestNode.of(lifted.request, owned=True),
                                 announced_at=lifted.announced_at, lifted_at=lifted.lifted_at)

    @strawberry.mutation(permission_classes=IsMember,
                         description="Object to profiling (Art. 21): scoring stops and your score is withdrawn.")
    async def object_to_profiling(self, info: Info) -> PrivacyRequestResult:
        return await _submit(info, lambda m: privacy_requests(info).object_to_profiling(member_id=m))

    @strawberry.mutation(
        permission_classes=IsAdmin,
        description="Extend a request's deadline once, by one or two months, before its first deadline, with a "
                    "reason (Art. 12(3)); audited, and the member is sent a notice with the reason.",
    )
    async def extend_privacy_request(
        self, info: Info, id: strawberry.ID, months: int, reason: str,  # noqa: A002
    ) -> ExtendPrivacyRequestResult:
        if (request_id := uuid_of(id)) is None:
            return ExtensionRefusedError.from_error(NotFound("no such privacy request"))
        try:
            granted = await privacy_requests(info).extend(request_id=request_id, months=months, reason=reason)
        except RenownError as error:
            return ExtensionRefusedError.from_error(error)
        return PrivacyRequestExtended(request=PrivacyRequestNode.of(granted.request, owned=False),
                                      notice_id=strawberry.ID(str(granted.notice_id)))
