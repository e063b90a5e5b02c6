"""The one consent gate: ingestion, scoring, topics, public profile and perks all ask it first."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from renown.domain.activity import Network
from renown.domain.consent import permits
from renown.domain.errors import ConsentRequired
from renown.domain.policies import INGESTION_PURPOSES, ConsentPurpose, Policies
from renown.domain.privacy import RESTRICTED_PURPOSES
from renown.storage.uow import SqlUnitOfWork


def policies_of(uow: SqlUnitOfWork) -> Policies:
    """The policies the unit of work was built with; consent decisions cannot be made without them."""
    if uow.policies is None:
        raise RuntimeError("this unit of work was built without policies; pass policies= (the runtime does)")
    return uow.policies


class ConsentGate:
    """Says whether a processing step may use a member's data: consent, restriction, member status and age.

    Every answer is read from the ledger at the moment of asking, so a withdrawal takes effect for
    the very next import, scoring run, topic pass, profile view or perk match.
    """

    def __init__(self, policies: Policies) -> None:
        self.policies = policies

    @classmethod
    def of(cls, uow: SqlUnitOfWork) -> ConsentGate:
        """The gate under the policies the unit of work carries."""
        return cls(policies_of(uow))

    async def permits(
        self, uow: SqlUnitOfWork, *, member_id: UUID, purpose: ConsentPurpose, network: Network | None = None,
    ) -> bool:
        """Tell whether `purpose` may use the member's data (on `network`, for per-network purposes)."""
        return purpose in await self.purposes(uow, member_id=member_id, network=network, among=(purpose,))

    async def require(
        self, uow: SqlUnitOfWork, *, member_id: UUID, purpose: ConsentPurpose, network: Network | None = None,
    ) -> None:
        """Raise ConsentRequired unless `purpose` may use the member's data."""
        if not await self.permits(uow, member_id=member_id, purpose=purpose, network=network):
            raise ConsentRequired(f"no active {purpose.value} consent covers this")

    async def purposes(
        self, uow: SqlUnitOfWork, *, member_id: UUID, network: Network | None,
        among: Iterable[ConsentPurpose] = tuple(ConsentPurpose),
    ) -> frozenset[ConsentPurpose]:
        """The purposes (of `among`) that may use the member's data on `network` right now."""
        member = (await uow.consents.members([member_id])).get(member_id)
        if member is None:
            return frozenset()
        wanted = set(among)
        if wanted & RESTRICTED_PURPOSES and await uow.privacy.restrictions_standing([member_id]):
            wanted -= RESTRICTED_PURPOSES  # Art. 18: kept, not used
        ledger = await uow.consents.ledger(member_id)
        now = uow.now()
        return frozenset(p for p in wanted if permits(member, ledger, p, network, at=now, policies=self.policies))

    async def require_ingestion(
        self, uow: SqlUnitOfWork, *, member_id: UUID, network: Network, also: Iterable[ConsentPurpose] = (),
    ) -> frozenset[ConsentPurpose]:
        """The purposes an import of `network` serves (and those of `also` allowed, asked in the same read);
        ConsentRequired (nothing stored) when none of the ingestion purposes is allowed."""
        allowed = await self.purposes(uow, member_id=member_id, network=network,
                                      among=(*INGESTION_PURPOSES, *also))
        if not allowed & INGESTION_PURPOSES:
            raise ConsentRequired(
                f"importing {network.value} needs an active scoring or topics consent for that network")
        return allowed

    async def networks(self, uow: SqlUnitOfWork, *, member_id: UUID, purpose: ConsentPurpose) -> frozenset[Network]:
        """The networks on which a per-network `purpose` may use the member's data (e.g. the networks to score)."""
        member = (await uow.consents.members([member_id])).get(member_id)
        if member is None or (purpose in RESTRICTED_PURPOSES and await uow.privacy.restrictions_standing([member_id])):
            return frozenset()
        ledger = await uow.consents.ledger(member_id)
        now = uow.now()
        return frozenset(n for n in Network if permits(member, ledger, purpose, n, at=now, policies=self.policies))

    async def members_permitted(
        self, uow: SqlUnitOfWork, member_ids: Iterable[UUID], *, purpose: ConsentPurpose,
        network: Network | None = None,
    ) -> set[UUID]:
        """Of many members, those `purpose` may use (on `network`), in two queries whatever their number."""
        ids = list(member_ids)
        if purpose in RESTRICTED_PURPOSES:
            restricted = await uow.privacy.restrictions_standing(ids)
            ids = [m for m in ids if m not in restricted]
        members = await uow.consents.members(ids)
        ledgers = await uow.consents.ledgers(ids)
        now = uow.now()
        return {
            m for m, member in members.items()
            if permits(member, ledgers[m], purpose, network, at=now, policies=self.policies)
        }
