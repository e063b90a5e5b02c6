"""`me` and `register`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import strawberry
from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from renown.api.context import Info
from renown.api.errors import RequestRefused
from renown.api.members.types import MemberType
from renown.api.permissions import IsMember
from renown.api.scoring.loaders import own_scoring_loader
from renown.domain.errors import RenownError
from renown.domain.member import AgeBracket

# The fields of `me` that read the member's own scoring view (one loader serves both).
OWN_SCORING_FIELDS = frozenset({"score", "topics"})


def selects(info: Info, names: frozenset[str]) -> bool:
    """Whether the field being resolved selects one of `names`, directly or through fragments.

    Reads the query's syntax tree: `info.selected_fields` would first convert the whole sub-tree.
    """
    raw = info._raw_info  # noqa: SLF001 - strawberry's documented way is the slower conversion above
    return any(_selects(node.selection_set, names, raw.fragments) for node in raw.field_nodes)


def _selects(selection_set: SelectionSetNode | None, names: frozenset[str],
             fragments: Mapping[str, FragmentDefinitionNode]) -> bool:
    for child in selection_set.selections if selection_set is not None else ():
        if isinstance(child, FieldNode):
            if child.name.value in names:
                return True
        elif isinstance(child, InlineFragmentNode):
            if _selects(child.selection_set, names, fragments):
                return True
        elif isinstance(child, FragmentSpreadNode):
            fragment = fragments.get(child.name.value)
            if fragment is not None and _selects(fragment.selection_set, names, fragments):
                return True
    return False


def subject_of(info: Info) -> str:
    principal = info.context.principal
    assert principal is not None  # guaranteed by IsMember
    return principal.subject


@strawberry.type
class MemberQueries:
    @strawberry.field(permission_classes=IsMember, description="The caller; null until they register.")
    async def me(self, info: Info) -> MemberType | None:
        if selects(info, OWN_SCORING_FIELDS):
            # One unit of work for the member and their own view; `score` and `topics` find it loaded.
            found = await info.context.services.scoring.member_with_own_view(subject_of(info))
            if found is None:
                return None
            member, scoring = found
            own_scoring_loader(info).prime(member.id, scoring)
            return MemberType.from_member(member)
        registered = await info.context.services.find_member(subject=subject_of(info))
        return None if registered is None else MemberType.from_member(registered)


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
