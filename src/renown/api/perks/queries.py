"""`perks` (members: what is open, and whether they are eligible) and `myPerks` (brands: theirs, with claims)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered
from renown.api.members.queries import subject_of
from renown.api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from renown.api.perks.types import (
    BrandPerk,
    BrandPerkConnection,
    BrandPerkEdge,
    PerkConsentMissing,
    PerkOfferConnection,
    PerkOfferEdge,
    PerkOfferNode,
)
from renown.api.permissions import IsBrand, IsMember
from renown.domain.perks import PerkConsentRequired

PerksResult = Annotated[
    PerkOfferConnection | PerkConsentMissing | NotRegistered, strawberry.union("PerksResult")]


@strawberry.type
class PerkQueries:
    @strawberry.field(permission_classes=IsMember, description=(
        "Perks open now, newest first, each with whether you are eligible and why; needs your `perks` consent."))
    async def perks(self, info: Info, first: int = 20, after: str | None = None) -> PerksResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            page = await info.context.services.perks.offers(
                member_id=member.id, first=check_first(first), after=None if after is None else decode_cursor(after))
        except PerkConsentRequired as error:
            return PerkConsentMissing.from_error(error)
        edges = [PerkOfferEdge(cursor=encode_cursor(o.perk.created_at, o.perk.id), node=PerkOfferNode.from_offer(o))
                 for o in page.items]
        return PerkOfferConnection(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(permission_classes=IsBrand, description="The caller brand's perks, newest first.")
    async def my_perks(self, info: Info, first: int = 20, after: str | None = None) -> BrandPerkConnection:
        page = await info.context.services.perks.of_brand(
            brand=subject_of(info), first=check_first(first), after=None if after is None else decode_cursor(after))
        edges = [BrandPerkEdge(cursor=encode_cursor(p.created_at, p.id), node=BrandPerk.from_perk(p))
                 for p in page.items]
        return BrandPerkConnection(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))
