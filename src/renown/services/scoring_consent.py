"""Who may be scored, on which networks, and whose topics may be found: the consent gate's rules, per member.

One ledger read answers every network and purpose at once, so the batch can ask for a whole
population in a few queries. Restriction and objection (privacy requests) stop scoring entirely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from uuid import UUID, uuid4

from renown.domain.activity import Network
from renown.domain.consent import ConsentEvent, ConsentEventType, ConsentLedger, ConsentMethod, permits
from renown.domain.member import Member
from renown.domain.policies import ConsentPurpose, Policies
from renown.services.consent_gate import policies_of
from renown.storage.uow import SqlUnitOfWork

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The networks each scoring purpose may use a member's data on, right now."""

    scoring: frozenset[Network] = frozenset()
    topics: frozenset[Network] = frozenset()
    special: frozenset[Network] = frozenset()


NONE = Eligibility()


def eligibility(
    member: Member | None, ledger: ConsentLedger, networks: Iterable[Network], *, at: datetime, policies: Policies,
) -> Eligibility:
    """Evaluate the gate for the three scoring purposes on each network (age and status included)."""
    if member is None:
        return NONE
    wanted = tuple(networks)

    def allowed(purpose: ConsentPurpose) -> frozenset[Network]:
        return frozenset(n for n in wanted if permits(member, ledger, purpose, n, at=at, policies=policies))

    topics = allowed(ConsentPurpose.TOPICS)
    return Eligibility(allowed(ConsentPurpose.SCORING), topics,
                       allowed(ConsentPurpose.SPECIAL_TOPICS) if topics else frozenset())


async def member_eligibility(uow: SqlUnitOfWork, member_id: UUID) -> Eligibility:
    """What scoring may use of one member now; nothing once a restriction or objection stands."""
    if await uow.scores.processing_stopped([member_id]):
        return NONE
    member = (await uow.consents.members([member_id])).get(member_id)
    ledger = await uow.consents.ledger(member_id)
    return eligibility(member, ledger, Network, at=uow.now(), policies=policies_of(uow))


async def population_eligibility(
    uow: SqlUnitOfWork, networks_of: Mapping[UUID, Iterable[Network]],
) -> dict[UUID, Eligibility]:
    """`member_eligibility` for many members (on the networks they linked), a few queries per 2,000 members."""
    stopped = await uow.scores.all_stopped()
    policies, now = policies_of(uow), uow.now()
    ids = [m for m in networks_of if m not in stopped]
    out: dict[UUID, Eligibility] = dict.fromkeys(stopped & set(networks_of), NONE)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        members = await uow.consents.members(chunk)
        ledgers = await uow.consents.ledgers(chunk)
        for member_id in chunk:
            out[member_id] = eligibility(members.get(member_id), ledgers[member_id], networks_of[member_id],
                                         at=now, policies=policies)
    return out


def current_notice_versions(policies: Policies, purpose: ConsentPurpose, *, at: datetime) -> list[str]:
    """The notice versions under which a grant of `purpose` still stands at `at` (no later notice asks again).

    Decided by the domain's own ledger rule: a grant under each notice is folded and aged to `at`.
    """
    versions = []
    for notice in policies.notices:
        granted = datetime.combine(notice.effective, time(), tzinfo=UTC)
        if granted > at:
            continue
        event = ConsentEvent(
            id=uuid4(), member_id=uuid4(), network=None, purpose=purpose, event=ConsentEventType.GRANTED,
            occurred_at=granted, notice_version=notice.version, notice_language=policies.languages[0],
            method=ConsentMethod.SYSTEM, data_categories=(), controller="", lawful_basis="", withdrawal_method="",
        )
        if ConsentLedger(event.member_id, [event]).is_active(None, purpose, at=at, policies=policies):
            versions.append(notice.version)
    return versions
