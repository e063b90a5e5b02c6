"""`me` and `register`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.errors import RequestRefused
from renown.api.members.types import MemberType
from renown.api.permissions import IsMember
from renown.domain.errors import RenownError
from renown.domain.member import AgeBracket


def subject_of(info: Info) -> str:
    principal = info.context.principal
    assert principal is not None  # guaranteed by IsMember
    return principal.subject


@strawberry.type
class MemberQueries:
    @strawberry.field(permission_classes=IsMember, description="The caller; null until they register.")
    async def me(self, info: Info) -> MemberType | None:
        member = await info.context.services.find_member(subject=subject_of(info))
        return None if member is None else MemberType.from_member(member)


@strawberry.type(description="The member is registered.")
class Registered:
    member: MemberType


RegisterResult = Annotated[Registered | RequestRefused, strawberry.union("RegisterResult")]


@strawberry.type
class MemberMutations:
    @strawberry.mutation(
        permission_classes=IsMember,
        description="Create the caller's member record (idempotent); the age bracket decides whether scoring may run.",
    )
    async def register(
        self, info: Info, age_bracket: AgeBracket, display_name: str | None = None
    ) -> RegisterResult:
        try:
            member = await info.context.services.register(
                subject=subject_of(info), display_name=display_name, age_bracket=age_bracket
            )
        except RenownError as error:
            return RequestRefused.from_error(error)
        return Registered(member=MemberType.from_member(member))
