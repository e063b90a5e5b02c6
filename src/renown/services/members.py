"""Members come into being when a valid token's subject first registers."""

from __future__ import annotations

from renown.domain.errors import MemberErased, NotFound
from renown.domain.member import AgeBracket, Member
from renown.storage.uow import SqlUnitOfWork


async def register_member(
    uow: SqlUnitOfWork, *, subject: str, display_name: str | None, age_bracket: AgeBracket
) -> Member:
    """Create the member for a token subject, or return the one that exists."""
    existing = await uow.members.by_subject(subject)
    if existing is not None:
        return existing
    member = await uow.members.add(subject=subject, display_name=display_name, age_bracket=age_bracket, at=uow.now())
    await uow.commit()
    return member


async def current_member(uow: SqlUnitOfWork, *, subject: str) -> Member:
    """The member behind a token subject; `NotFound` until they register."""
    member = await uow.members.by_subject(subject)
    if member is None:
        raise NotFound("no member is registered for this token; call the register mutation first")
    if member.is_erased:
        raise MemberErased()
    return member
