"""`grantConsent` and `withdrawConsent`: the same input, one step each (GDPR Art. 7(3))."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.consent.types import ConsentGranted, ConsentNode, ConsentWithdrawn
from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.members.queries import subject_of
from renown.api.permissions import IsMember
from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.policies import ConsentPurpose

GrantConsentResult = Annotated[ConsentGranted | NotRegistered | RequestRefused, strawberry.union("GrantConsentResult")]
WithdrawConsentResult = Annotated[
    ConsentWithdrawn | NotRegistered | RequestRefused, strawberry.union("WithdrawConsentResult")]

NETWORK = "The network, for purposes given per network; leave it out for the others."
LANGUAGE = "The language the notice was read in (`en`, `fr`); the receipt is written in it."


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(
        permission_classes=IsMember,
        description="Give one consent under the current privacy notice; returns its signed receipt.",
    )
    async def grant_consent(
        self, info: Info, purpose: ConsentPurpose,
        network: Annotated[Network | None, strawberry.argument(description=NETWORK)] = None,
        language: Annotated[str | None, strawberry.argument(description=LANGUAGE)] = None,
    ) -> GrantConsentResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            recorded = await info.context.services.grant_consent(
                member_id=member.id, purpose=purpose, network=network, language=language)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return ConsentGranted(consent=ConsentNode.from_consent(recorded.consent), receipt=recorded.receipt)

    @strawberry.mutation(
        permission_classes=IsMember,
        description="Withdraw one consent, with the same input as giving it; it takes effect at once.",
    )
    async def withdraw_consent(
        self, info: Info, purpose: ConsentPurpose,
        network: Annotated[Network | None, strawberry.argument(description=NETWORK)] = None,
        language: Annotated[str | None, strawberry.argument(description=LANGUAGE)] = None,
    ) -> WithdrawConsentResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            recorded = await info.context.services.withdraw_consent(
                member_id=member.id, purpose=purpose, network=network, language=language)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return ConsentWithdrawn(consent=ConsentNode.from_consent(recorded.consent), receipt=recorded.receipt,
                                purge_queued=recorded.purge_job is not None)
