"""Who may be scored, on which networks, and whose topics may be found: the consent gate's rules, per member.

One ledger read answers every network and purpose of a member; for the batch, the database folds
the whole population's ledgers in one query. Restriction and objection (privacy requests) stop scoring entirely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from uuid import UUID, uuid4

from renown.domain.activity import Network
from renown.domain.consent import ConsentEvent, ConsentEventType, ConsentLedger, ConsentMethod, permits
from renown.domain.influence.columns import NETWORK_CODE
from renown.domain.member import AgeBracket, Member, MemberStatus
from renown.domain.policies import ConsentPurpose, Policies, may_score
from renown.services.consent_gate import policies_of
from renown.storage import scoring_reads as reads
from renown.storage.uow import SqlUnitOfWork


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


SCORING_PURPOSES = (ConsentPurpose.SCORING, ConsentPurpose.TOPICS, ConsentPurpose.SPECIAL_TOPICS)


async def population_eligibility(
    uow: SqlUnitOfWork, networks_of: Mapping[UUID, Iterable[Network]],
) -> dict[UUID, Eligibility]:
    """`member_eligibility` for many members (on the networks they linked), from two set-based queries.

    The database folds every ledger at once (`scoring_reads.consents_in_force`: each scope's latest event,
    expiry, notice versions, member status and minimum age) into one mask per member, decoded here.
    """
    stopped = await uow.scores.all_stopped()
    policies, now = policies_of(uow), uow.now()
    old_enough = tuple(b.value for b in AgeBracket
                       if may_score(Member(uuid4(), None, b, MemberStatus.ACTIVE, now), policies))
    scopes = [reads.ConsentScope(p.value, tuple(current_notice_versions(policies, p, at=now)),
                                 policies.purpose(p).per_network, old_enough if policies.purpose(p).profiling else None)
              for p in SCORING_PURPOSES]
    masks = dict(await reads.consents_in_force(uow.connection, scopes, now=now))
    decoded: dict[tuple[int, frozenset[Network]], Eligibility] = {}
    out: dict[UUID, Eligibility] = {}
    for member_id, networks in networks_of.items():
        mask = 0 if member_id in stopped else masks.get(member_id, 0)
        if not mask:
            out[member_id] = NONE
            continue
        linked = frozenset(networks)
        found = decoded.get((mask, linked))
        if found is None:
            found = decoded[(mask, linked)] = _decode(mask, linked)
        out[member_id] = found
    return out


def _decode(mask: int, linked: frozenset[Network]) -> Eligibility:
    """The eligibility a `consents_in_force` mask grants on the linked networks."""
    def allowed(purpose: ConsentPurpose) -> frozenset[Network]:
        index = SCORING_PURPOSES.index(purpose)
        if mask & reads.scope_bit(index, len(NETWORK_CODE)):  # given once for every network
            return linked
        return frozenset(n for n in linked if mask & reads.scope_bit(index, NETWORK_CODE[n]))

    topics = allowed(ConsentPurpose.TOPICS)
    # Sensitive topics widen the topics purpose: only where topics are allowed too.
    return Eligibility(allowed(ConsentPurpose.SCORING), topics, allowed(ConsentPurpose.SPECIAL_TOPICS) & topics)


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
