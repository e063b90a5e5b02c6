"""Perks as brands and members see them, and the typed failures of claiming one."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.errors import UserError
from renown.api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from renown.api.perks.loaders import claims_loader
from renown.domain.activity import Network
from renown.domain.perks import Perk, PerkClaim, PerkConsentRequired, PerkNotEligible
from renown.domain.scopes import Principal
from renown.services.perks import PerkOffer


@strawberry.type(description="A member's claim as the brand sees it: the handle and score band, nothing else.")
class PerkClaimNode:
    id: strawberry.ID = strawberry.field(
        description="The claim's pseudonymous id: what notices about it (`brandNotices`) name it by.")
    network: Network | None = strawberry.field(description="The network of the handle; null once the member erased.")
    handle: str | None = strawberry.field(description="The member's handle there; null once the member erased.")
    score_band: str | None = strawberry.field(description='The score band at claim time, e.g. "70-79".')
    claimed_at: datetime

    @classmethod
    def from_claim(cls, claim: PerkClaim) -> PerkClaimNode:
        return cls(id=strawberry.ID(str(claim.id)), network=claim.network, handle=claim.handle,
                   score_band=claim.score_band, claimed_at=claim.claimed_at)


@strawberry.type
class PerkClaimEdge:
    cursor: str
    node: PerkClaimNode


@strawberry.type
class PerkClaimConnection:
    edges: list[PerkClaimEdge]
    page_info: PageInfo


def _brand(info: Info) -> str:
    principal: Principal | None = info.context.principal
    assert principal is not None  # guaranteed by IsBrand on the root field
    return principal.subject


@strawberry.type(description="A perk as its brand sees it, with the claims made on it.")
class BrandPerk:
    id: strawberry.ID
    title: str
    topic: str | None = strawberry.field(description="The topic slug a member must have; null for any topic.")
    minimum_score: int
    quantity: int
    claimed: int
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    perk_id: strawberry.Private[UUID]

    @classmethod
    def from_perk(cls, perk: Perk) -> BrandPerk:
        return cls(id=strawberry.ID(str(perk.id)), title=perk.title, topic=perk.topic,
                   minimum_score=perk.minimum_score, quantity=perk.quantity, claimed=perk.claimed,
                   valid_from=perk.valid_from, valid_until=perk.valid_until, created_at=perk.created_at,
                   perk_id=perk.id)

    @strawberry.field(description="Members who claimed this perk, newest first (at most 100 a page).")
    async def claims(self, info: Info, first: int = 20, after: str | None = None) -> PerkClaimConnection:
        page = claims_loader(info, brand=_brand(info), first=check_first(first),
                             after=None if after is None else decode_cursor(after))
        claims, has_next = await page.load(self.perk_id)
        edges = [PerkClaimEdge(cursor=encode_cursor(c.claimed_at, c.id), node=PerkClaimNode.from_claim(c))
                 for c in claims]
        return PerkClaimConnection(edges=edges, page_info=PageInfo(
            has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class BrandPerkEdge:
    cursor: str
    node: BrandPerk


@strawberry.type
class BrandPerkConnection:
    edges: list[BrandPerkEdge]
    page_info: PageInfo


@strawberry.type(description="A perk open now, with whether you are eligible for it and why.")
class PerkOfferNode:
    id: strawberry.ID
    title: str
    topic: str | None
    minimum_score: int
    remaining: int
    valid_from: datetime
    valid_until: datetime
    eligible: bool
    why: list[str] = strawberry.field(description="One reason per condition of the perk, met or not.")

    @classmethod
    def from_offer(cls, offer: PerkOffer) -> PerkOfferNode:
        perk = offer.perk
        return cls(id=strawberry.ID(str(perk.id)), title=perk.title, topic=perk.topic,
                   minimum_score=perk.minimum_score, remaining=perk.remaining, valid_from=perk.valid_from,
                   valid_until=perk.valid_until, eligible=offer.eligibility.eligible,
                   why=list(offer.eligibility.why))


@strawberry.type
class PerkOfferEdge:
    cursor: str
    node: PerkOfferNode


@strawberry.type
class PerkOfferConnection:
    edges: list[PerkOfferEdge]
    page_info: PageInfo


@strawberry.type(description="The perk was claimed; the brand received exactly `network`, `handle` and `scoreBand`.")
class PerkClaimed:
    perk_id: strawberry.ID
    network: Network
    handle: str
    score_band: str
    claimed_at: datetime


@strawberry.type(description="A consent this needs is missing; `purpose` names it (grant it with `grantConsent`).")
class PerkConsentMissing(UserError):
    purpose: str

    @classmethod
    def from_error(cls, error: PerkConsentRequired) -> PerkConsentMissing:
        return cls(code=error.code, message=error.message, purpose=error.purpose)


@strawberry.type(description="You do not meet the perk's conditions; `why` lists each one.")
class PerkIneligible(UserError):
    why: list[str]

    @classmethod
    def from_error(cls, error: PerkNotEligible) -> PerkIneligible:
        return cls(code=error.code, message=error.message, why=list(error.why))


@strawberry.type(description="Every unit of the perk has been claimed.")
class PerkSoldOutError(UserError):
    pass


@strawberry.type(description="The perk is no longer valid.")
class PerkExpiredError(UserError):
    pass
