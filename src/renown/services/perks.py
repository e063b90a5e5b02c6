"""Perks: brands publish them, members see those they are eligible for, and a claim discloses the minimum.

A claim hands the brand the member's handle on one network and a ten-point score band, nothing else,
and records that disclosure (recipient, purpose, categories, values under the member's key) for the
member's export and for the notices Art. 19 requires when the member later rectifies or erases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from renown.domain.activity import LinkedAccount, Network
from renown.domain.perks import (
    BRANDS,
    CLAIM_CONTEXT,
    DISCLOSED_CATEGORIES,
    Disclosure,
    Eligibility,
    Perk,
    PerkClaim,
    PerkConsentRequired,
    PerkExpired,
    PerkNotEligible,
    PerkNotFound,
    PerkPage,
    PerkSoldOut,
    eligibility,
    new_perk,
    score_band,
)
from renown.domain.policies import ConsentPurpose
from renown.services import audit
from renown.services.consent_gate import ConsentGate
from renown.storage.uow import SqlUnitOfWork

Cursor = tuple[datetime, UUID]
MemberTopics = Callable[[SqlUnitOfWork, UUID], Awaitable[frozenset[str] | None]]
"""The hook through which perks learn a member's topics (slugs); None means "not computed yet".

The topics engine plugs its own in (`Services.member_topics`); until then every perk with a topic
is out of reach, and says why.
"""

NO_ACCOUNT = "link a network account first: the brand receives your handle on it"


async def no_member_topics(uow: SqlUnitOfWork, member_id: UUID) -> frozenset[str] | None:
    """The default topics hook: nothing is known about any member's topics yet."""
    return None


@dataclass(frozen=True, slots=True)
class PerkOffer:
    perk: Perk
    eligibility: Eligibility


@dataclass(frozen=True, slots=True)
class OfferPage:
    items: list[PerkOffer]
    has_next: bool


async def create_perk(
    uow: SqlUnitOfWork, *, brand: str, title: str, topic: str | None, minimum_score: int, quantity: int,
    valid_from: datetime, valid_until: datetime,
) -> Perk:
    """Publish a brand's perk; InvalidPerk says which input is wrong."""
    perk = new_perk(perk_id=uuid4(), brand=brand, title=title, topic=topic, minimum_score=minimum_score,
                    quantity=quantity, valid_from=valid_from, valid_until=valid_until, at=uow.now())
    await uow.perks.add(perk)
    await audit.record(uow, actor="brand", action="perk.created", detail={"perk_id": str(perk.id)})
    await uow.commit()
    return perk


async def brand_perks(uow: SqlUnitOfWork, *, brand: str, first: int, after: Cursor | None) -> PerkPage:
    """One page of a brand's own perks, newest first."""
    return await uow.perks.page(first=first, after=after, brand=brand)


async def claims_of(
    uow: SqlUnitOfWork, *, brand: str, perk_ids: Iterable[UUID], first: int, after: Cursor | None,
) -> dict[UUID, tuple[list[PerkClaim], bool]]:
    """The claims on several of `brand`'s perks (others' perks yield none), in one query."""
    return await uow.perks.claims(perk_ids, brand=brand, first=first, after=after)


async def _require(uow: SqlUnitOfWork, member_id: UUID, *purposes: ConsentPurpose) -> None:
    allowed = await ConsentGate.of(uow).purposes(uow, member_id=member_id, network=None, among=purposes)
    for purpose in purposes:
        if purpose not in allowed:
            raise PerkConsentRequired(purpose.value)


async def perk_offers(
    uow: SqlUnitOfWork, *, member_id: UUID, first: int, after: Cursor | None, topics: MemberTopics,
) -> OfferPage:
    """The perks open now, each with whether the member is eligible and why; needs the `perks` consent."""
    await _require(uow, member_id, ConsentPurpose.PERKS)
    now = uow.now()
    page = await uow.perks.page(first=first, after=after, open_at=now)
    score = await uow.perks.latest_score(member_id)
    known_topics = await topics(uow, member_id)
    offers = [PerkOffer(p, eligibility(p, score=score, topics=known_topics, at=now)) for p in page.items]
    return OfferPage(offers, page.has_next)


def _account(accounts: list[LinkedAccount], network: Network | None) -> LinkedAccount:
    chosen = [a for a in accounts if network is None or a.network is network]
    if not chosen:
        raise PerkNotEligible((NO_ACCOUNT,))
    return chosen[0]  # accounts come in network order, so the default is stable


async def claim_perk(
    uow: SqlUnitOfWork, *, member_id: UUID, perk_id: UUID, network: Network | None, topics: MemberTopics,
) -> PerkClaim:
    """Claim a perk: disclose handle and score band to its brand and record it; claiming again is a no-op."""
    perk = await uow.perks.get(perk_id)
    if perk is None:
        raise PerkNotFound()
    await _require(uow, member_id, ConsentPurpose.PERKS, ConsentPurpose.THIRD_PARTY_SHARING)
    existing = await uow.perks.member_claim(perk_id, member_id)
    if existing is not None:
        return existing
    now = uow.now()
    if perk.is_expired(now):
        raise PerkExpired()
    if perk.remaining == 0:
        raise PerkSoldOut()
    score = await uow.perks.latest_score(member_id)
    verdict = eligibility(perk, score=score, topics=await topics(uow, member_id), at=now)
    if not verdict.eligible or score is None:
        raise PerkNotEligible(verdict.why)
    account = _account(await uow.accounts.for_member(member_id), network)
    if not await uow.perks.take_unit(perk_id):
        raise PerkSoldOut()
    claim_id = uuid4()
    content = {"network": account.network.value, "handle": account.handle, "score_band": score_band(score)}
    disclosure = Disclosure(
        id=uuid4(), member_id=member_id, recipient=BRANDS, recipient_ref=perk.brand,
        purpose=ConsentPurpose.THIRD_PARTY_SHARING.value, categories=DISCLOSED_CATEGORIES, content=content,
        context=CLAIM_CONTEXT, context_id=claim_id, disclosed_at=now)
    cipher = await uow.vault.load(uow.connection, member_id)
    if not await uow.perks.add_claim(cipher, claim_id=claim_id, perk_id=perk_id, disclosure=disclosure):
        # A concurrent request of the same member won the race: keep its claim, undo this one.
        await uow.rollback()
        raced = await uow.perks.member_claim(perk_id, member_id)
        assert raced is not None
        return raced
    await audit.record(uow, actor="member", action="perk.claimed", member_id=member_id,
                       detail={"perk_id": str(perk_id), "disclosure_id": str(disclosure.id)})
    await uow.commit()
    return PerkClaim(id=claim_id, perk_id=perk_id, member_id=member_id, claimed_at=now, network=account.network,
                     handle=account.handle, score_band=content["score_band"])


async def disclosures(uow: SqlUnitOfWork, *, member_id: UUID) -> list[Disclosure]:
    """Everything Renown disclosed about the member, oldest first: for their export and Art. 19 notices."""
    return await uow.perks.disclosures(member_id)


@dataclass(frozen=True)
class Perks:
    """The perk use cases bound to a unit-of-work factory, for the API (each call is one transaction)."""

    uow_factory: Callable[[], SqlUnitOfWork]
    topics: MemberTopics = no_member_topics

    async def create(
        self, *, brand: str, title: str, topic: str | None, minimum_score: int, quantity: int,
        valid_from: datetime, valid_until: datetime,
    ) -> Perk:
        async with self.uow_factory() as uow:
            return await create_perk(uow, brand=brand, title=title, topic=topic, minimum_score=minimum_score,
                                     quantity=quantity, valid_from=valid_from, valid_until=valid_until)

    async def of_brand(self, *, brand: str, first: int, after: Cursor | None) -> PerkPage:
        async with self.uow_factory() as uow:
            return await brand_perks(uow, brand=brand, first=first, after=after)

    async def claims(
        self, *, brand: str, perk_ids: Iterable[UUID], first: int, after: Cursor | None,
    ) -> dict[UUID, tuple[list[PerkClaim], bool]]:
        async with self.uow_factory() as uow:
            return await claims_of(uow, brand=brand, perk_ids=perk_ids, first=first, after=after)

    async def offers(self, *, member_id: UUID, first: int, after: Cursor | None) -> OfferPage:
        async with self.uow_factory() as uow:
            return await perk_offers(uow, member_id=member_id, first=first, after=after, topics=self.topics)

    async def claim(self, *, member_id: UUID, perk_id: UUID, network: Network | None) -> PerkClaim:
        async with self.uow_factory() as uow:
            return await claim_perk(uow, member_id=member_id, perk_id=perk_id, network=network, topics=self.topics)

    async def disclosures(self, *, member_id: UUID) -> list[Disclosure]:
        async with self.uow_factory() as uow:
            return await disclosures(uow, member_id=member_id)
