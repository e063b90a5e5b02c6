"""The consent ledger: append-only events per member × network × purpose, and the states they add up to.

Each event is an ISO/IEC TS 27560 consent record (event time, notice version and language,
purpose, data categories, controller, lawful basis, method, how to withdraw, validity). The
current state of a consent is never stored: it is folded from the events, then aged by the
clock (validity) and by the notices (a newer notice may ask for the consent again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.member import Member, MemberStatus
from renown.domain.policies import ConsentPurpose, Policies, may_score

Scope = tuple[Network | None, ConsentPurpose]
TICK = timedelta(microseconds=1)


class ConsentEventType(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    RENEWAL_REQUIRED = "renewal_required"


class ConsentState(StrEnum):
    """Where a consent stands; only `given` lets processing run."""

    NOT_GIVEN = "not_given"
    GIVEN = "given"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    RENEWAL_REQUIRED = "renewal_required"

    @property
    def dpv(self) -> str:
        """The W3C DPV consent status."""
        return _DPV_STATES[self]


_DPV_STATES = {
    ConsentState.NOT_GIVEN: "dpv:ConsentUnknown",
    ConsentState.GIVEN: "dpv:ConsentGiven",
    ConsentState.WITHDRAWN: "dpv:ConsentWithdrawn",
    ConsentState.EXPIRED: "dpv:ConsentExpired",
    ConsentState.RENEWAL_REQUIRED: "dpv:ConsentRequested",
}
_STATE_AFTER = {
    ConsentEventType.GRANTED: ConsentState.GIVEN,
    ConsentEventType.WITHDRAWN: ConsentState.WITHDRAWN,
    ConsentEventType.EXPIRED: ConsentState.EXPIRED,
    ConsentEventType.RENEWAL_REQUIRED: ConsentState.RENEWAL_REQUIRED,
}


class ConsentMethod(StrEnum):
    """How an event came about (ISO 27560 `collection_method`)."""

    INTERFACE = "interface"
    API = "api"
    CLI = "cli"
    GPC = "gpc"
    SYSTEM = "system"


class ConsentScopeInvalid(RenownError):
    code = "CONSENT_SCOPE_INVALID"


class ConsentNotActive(RenownError):
    """Withdrawing a consent that is not given."""

    code = "CONSENT_NOT_ACTIVE"

    def __init__(self, purpose: ConsentPurpose) -> None:
        super().__init__(f"there is no active {purpose.value} consent to withdraw")


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One ISO/IEC TS 27560 consent record; never changed once written."""

    id: UUID
    member_id: UUID
    network: Network | None
    purpose: ConsentPurpose
    event: ConsentEventType
    occurred_at: datetime
    notice_version: str
    notice_language: str
    method: ConsentMethod
    data_categories: tuple[str, ...]
    controller: str
    lawful_basis: str
    withdrawal_method: str = field(repr=False)
    expires_at: datetime | None = None
    receipt_jws: str | None = field(default=None, repr=False)

    @property
    def scope(self) -> Scope:
        return (self.network, self.purpose)


@dataclass(frozen=True, slots=True)
class Consent:
    """The current state of one consent, derived from its events."""

    network: Network | None
    purpose: ConsentPurpose
    state: ConsentState
    since: datetime | None = None
    notice_version: str | None = None
    expires_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.state is ConsentState.GIVEN


def consent_network(purpose: ConsentPurpose, network: Network | None, policies: Policies) -> Network | None:
    """The network a consent is kept under: its own for per-network purposes, none for member-wide ones."""
    per_network = policies.purpose(purpose).per_network
    if per_network and network is None:
        raise ConsentScopeInvalid(f"{purpose.value} is given per network: name the network")
    if not per_network and network is not None:
        raise ConsentScopeInvalid(f"{purpose.value} is given once for every network: leave the network out")
    return network


def new_event(
    *, event_id: UUID, member_id: UUID, purpose: ConsentPurpose, network: Network | None, kind: ConsentEventType,
    at: datetime, method: ConsentMethod, language: str | None, policies: Policies,
) -> ConsentEvent:
    """Build the record of one event with what the policies in force at `at` say."""
    lang = policies.language(language)
    notice = policies.current_notice(at.date())
    purpose_policy = policies.purpose(purpose)
    expires = at + timedelta(days=policies.processing.consent_validity_days)
    return ConsentEvent(
        id=event_id, member_id=member_id, network=network, purpose=purpose, event=kind, occurred_at=at,
        notice_version=notice.version, notice_language=lang, method=method,
        data_categories=policies.categories_for(purpose), controller=policies.controller.name,
        lawful_basis=purpose_policy.lawful_basis.dpv,
        withdrawal_method=policies.organisation.withdrawal_method[lang],
        expires_at=expires if kind is ConsentEventType.GRANTED else None,
    )


class ConsentLedger:
    """One member's consent events, and the states they add up to at a given moment."""

    def __init__(self, member_id: UUID, events: Iterable[ConsentEvent]) -> None:
        self.member_id = member_id
        self._events: dict[Scope, list[ConsentEvent]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e.occurred_at):
            self._events[event.scope].append(event)

    def history(self, network: Network | None, purpose: ConsentPurpose) -> list[ConsentEvent]:
        return list(self._events.get((network, purpose), ()))

    def scopes(self) -> list[Scope]:
        """Every network × purpose that has at least one event."""
        return sorted(self._events, key=lambda s: (s[0] or "", s[1]))

    def consent(self, network: Network | None, purpose: ConsentPurpose, *, at: datetime, policies: Policies) -> Consent:
        """The state of one consent at `at`: folded from its events, then aged by validity and notices."""
        current = Consent(network, purpose, ConsentState.NOT_GIVEN)
        for event in self._events.get((network, purpose), ()):
            if event.event is ConsentEventType.GRANTED:
                current = Consent(network, purpose, ConsentState.GIVEN, event.occurred_at, event.notice_version,
                                  event.expires_at)
            else:
                current = Consent(network, purpose, _STATE_AFTER[event.event], event.occurred_at,
                                  current.notice_version)
        if current.state is not ConsentState.GIVEN:
            return current
        if current.expires_at is not None and at >= current.expires_at:
            return Consent(network, purpose, ConsentState.EXPIRED, current.expires_at, current.notice_version)
        renewal = _renewal_since(current, at=at, policies=policies)
        if renewal is not None:
            return Consent(network, purpose, ConsentState.RENEWAL_REQUIRED, renewal, current.notice_version)
        return current

    def is_active(self, network: Network | None, purpose: ConsentPurpose, *, at: datetime, policies: Policies) -> bool:
        return self.consent(network, purpose, at=at, policies=policies).is_active

    def lapsed(self, *, at: datetime, policies: Policies) -> list[tuple[Scope, ConsentEventType]]:
        """Consents that expired or need renewing since their last event, and the event that records it."""
        out = []
        for scope, events in self._events.items():
            if events[-1].event is not ConsentEventType.GRANTED:
                continue
            state = self.consent(*scope, at=at, policies=policies).state
            if state is ConsentState.EXPIRED:
                out.append((scope, ConsentEventType.EXPIRED))
            elif state is ConsentState.RENEWAL_REQUIRED:
                out.append((scope, ConsentEventType.RENEWAL_REQUIRED))
        return out

    def next_moment(self, network: Network | None, purpose: ConsentPurpose, at: datetime) -> datetime:
        """`at`, or just after the scope's last event, so the events of one consent never tie in time."""
        events = self._events.get((network, purpose))
        return max(at, events[-1].occurred_at + TICK) if events else at

    def has_gpc_event(self, network: Network | None, purpose: ConsentPurpose) -> bool:
        return any(e.method is ConsentMethod.GPC for e in self._events.get((network, purpose), ()))


def _renewal_since(given: Consent, *, at: datetime, policies: Policies) -> datetime | None:
    """When a later notice in force asked this purpose again, if one did."""
    granted_under = policies.notice(given.notice_version or "")
    if granted_under is None:
        # The notice it was given under is unknown: nobody can say what it covered, so ask again.
        return given.since
    asking = [
        n for n in policies.notices
        if granted_under.effective < n.effective <= at.date() and given.purpose in n.renew
    ]
    if not asking:
        return None
    first = min(n.effective for n in asking)
    return datetime.combine(first, time(), tzinfo=UTC)


def permits(
    member: Member, ledger: ConsentLedger, purpose: ConsentPurpose, network: Network | None, *,
    at: datetime, policies: Policies,
) -> bool:
    """Tell whether one processing step may use the member's data for `purpose` (on `network`)."""
    if member.status is not MemberStatus.ACTIVE:
        return False
    if policies.purpose(purpose).profiling and not may_score(member, policies):
        return False
    per_network = policies.purpose(purpose).per_network
    if per_network and network is None:
        return False
    if purpose is ConsentPurpose.SPECIAL_TOPICS and not ledger.is_active(
            network, ConsentPurpose.TOPICS, at=at, policies=policies):
        # Sensitive topics widen the topics purpose; without it there is nothing to widen.
        return False
    return ledger.is_active(network if per_network else None, purpose, at=at, policies=policies)
