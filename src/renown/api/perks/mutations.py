"""`createPerk` (brands) and `claimPerk` (members): expected failures come back as typed results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.ids import uuid_of
from renown.api.members.queries import subject_of
from renown.api.perks.types import (
    BrandPerk,
    PerkClaimed,
    PerkConsentMissing,
    PerkExpiredError,
    PerkIneligible,
    PerkSoldOutError,
)
from renown.api.permissions import IsBrand, IsMember
from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.perks import PerkConsentRequired, PerkExpired, PerkNotEligible, PerkNotFound, PerkSoldOut


@strawberry.type(description="The perk is published.")
class PerkCreated:
    perk: BrandPerk


CreatePerkResult = Annotated[PerkCreated | RequestRefused, strawberry.union("CreatePerkResult")]
ClaimPerkResult = Annotated[
    PerkClaimed | PerkConsentMissing | PerkIneligible | PerkSoldOutError | PerkExpiredError | NotRegistered
    | RequestRefused,
    strawberry.union("ClaimPerkResult"),
]
NETWORK = "The network whose handle the brand receives; by default the first linked one."


def _perk_id(value: strawberry.ID) -> UUID:
    if (perk_id := uuid_of(value)) is None:
        raise PerkNotFound()
    return perk_id


@strawberry.type
class PerkMutations:
    @strawberry.mutation(permission_classes=IsBrand, description=(
        "Publish a perk for members with at least `minimumScore` (1-100) and, if given, the topic `topic` "
        "(a topic slug), valid from `validFrom` until `validUntil`, for `quantity` members."))
    async def create_perk(
        self, info: Info, title: str, minimum_score: int, quantity: int, valid_from: datetime,
        valid_until: datetime, topic: str | None = None,
    ) -> CreatePerkResult:
        try:
            perk = await info.context.services.perks.create(
                brand=subject_of(info), title=title, topic=topic, minimum_score=minimum_score, quantity=quantity,
                valid_from=valid_from, valid_until=valid_until)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return PerkCreated(perk=BrandPerk.from_perk(perk))

    @strawberry.mutation(permission_classes=IsMember, description=(
        "Claim a perk: its brand receives your handle on one network and your score band, nothing else, "
        "and the disclosure is recorded for your export. Needs your `perks` and `third_party_sharing` consents."))
    async def claim_perk(
        self, info: Info, id: strawberry.ID,  # noqa: A002 - the GraphQL argument is `id`
        network: Annotated[Network | None, strawberry.argument(description=NETWORK)] = None,
    ) -> ClaimPerkResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            claim = await info.context.services.perks.claim(member_id=member.id, perk_id=_perk_id(id), network=network)
        except PerkConsentRequired as error:
            return PerkConsentMissing.from_error(error)
        except PerkNotEligible as error:
            return PerkIneligible.from_error(error)
        except PerkSoldOut as error:
            return PerkSoldOutError(code=error.code, message=error.message)
        except PerkExpired as error:
            return PerkExpiredError(code=error.code, message=error.message)
        except RenownError as error:
            return RequestRefused.from_error(error)
        # The member's own claim always decrypts: only an erased member's key is gone.
        assert claim.network is not None
        assert claim.handle is not None
        assert claim.score_band is not None
        return PerkClaimed(perk_id=id, network=claim.network, handle=claim.handle, score_band=claim.score_band,
                           claimed_at=claim.claimed_at)
