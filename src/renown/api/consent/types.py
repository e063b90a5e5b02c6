"""Consents as the member sees them, and the results of granting and withdrawing one."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

import renown.api.members.types  # noqa: F401 - registers the Network enum before these types use it
from renown.api.context import Info
from renown.domain.activity import Network
from renown.domain.consent import Consent, ConsentState
from renown.domain.policies import ConsentPurpose

# The domain's enums, registered with strawberry here so the domain stays framework-free.
strawberry.enum(ConsentPurpose, name="ConsentPurpose",
                description="A purpose the member may grant or refuse; every one is optional (see `policy.purposes`).")
strawberry.enum(ConsentState, name="ConsentState",
                description="Where a consent stands; only GIVEN lets processing run.")


@strawberry.type(name="Consent", description="One consent: a purpose, on one network when it is given per network.")
class ConsentNode:
    network: Network | None = strawberry.field(
        description="The network it covers; null for purposes given once for every network.")
    purpose: ConsentPurpose
    state: ConsentState
    since: datetime | None = strawberry.field(description="When it reached this state; null if never asked.")
    notice_version: str | None = strawberry.field(description="The privacy notice it was given under.")
    expires_at: datetime | None = strawberry.field(description="When a given consent lapses unless renewed.")

    @classmethod
    def from_consent(cls, consent: Consent) -> ConsentNode:
        return cls(network=consent.network, purpose=consent.purpose, state=consent.state, since=consent.since,
                   notice_version=consent.notice_version, expires_at=consent.expires_at)


@strawberry.type(description="The consent is given.")
class ConsentGranted:
    consent: ConsentNode
    receipt: str = strawberry.field(
        description="Its Kantara Consent Receipt 1.1, a compact JWS verifiable with `/.well-known/jwks.json`.")


@strawberry.type(description="The consent is withdrawn; what only it covered is being deleted.")
class ConsentWithdrawn:
    consent: ConsentNode
    receipt: str = strawberry.field(
        description="Its Kantara Consent Receipt 1.1, a compact JWS verifiable with `/.well-known/jwks.json`.")
    purge_queued: bool = strawberry.field(
        description="Whether data no other consent covers was queued for deletion.")


async def member_consents(info: Info, member_id: UUID) -> list[ConsentNode]:
    """Resolve `me.consents`."""
    return [ConsentNode.from_consent(c) for c in await info.context.services.consents(member_id)]


async def member_receipts(info: Info, member_id: UUID) -> list[str]:
    """Resolve `me.consentReceipts`."""
    return await info.context.services.consent_receipts(member_id)
