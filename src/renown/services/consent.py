"""Consent use cases: grant, withdraw, the GPC opt-out, lapses, and the purge that follows a withdrawal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from renown.domain.activity import Network
from renown.domain.consent import (
    Consent,
    ConsentEvent,
    ConsentEventType,
    ConsentLedger,
    ConsentMethod,
    ConsentNotActive,
    ConsentScopeInvalid,
    ConsentState,
    consent_network,
    new_event,
)
from renown.domain.errors import MemberErased, NotFound
from renown.domain.member import MemberStatus
from renown.domain.policies import INGESTION_PURPOSES, ConsentPurpose
from renown.domain.receipts import kantara_receipt
from renown.services.consent_gate import policies_of
from renown.services.topic_consent import queue_backfill
from renown.storage.interactions import MentionEdgeRepository
from renown.storage.uow import SqlUnitOfWork

PURGE_JOB = "consent_purge"


class Signer(Protocol):
    """Signs receipts as a compact JWS verifiable through `/.well-known/jwks.json`."""

    @property
    def kid(self) -> str: ...

    def sign_json(self, payload: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True, slots=True)
class ConsentRecorded:
    """The consent after a grant or withdrawal, its signed receipt, and the purge or topics backfill it queued."""

    consent: Consent
    receipt: str
    purge_job: UUID | None = None
    backfill_job: UUID | None = None


async def _active_member_ledger(uow: SqlUnitOfWork, member_id: UUID) -> ConsentLedger:
    member = (await uow.consents.members([member_id])).get(member_id)
    if member is None:
        raise NotFound("no such member")
    if member.status is not MemberStatus.ACTIVE:
        raise MemberErased()
    return await uow.consents.ledger(member_id)


async def _record(
    uow: SqlUnitOfWork, ledger: ConsentLedger, *, signer: Signer | None, purpose: ConsentPurpose,
    network: Network | None, kind: ConsentEventType, method: ConsentMethod, language: str | None,
) -> ConsentEvent:
    policies = policies_of(uow)
    at = ledger.next_moment(network, purpose, uow.now())
    event = new_event(event_id=uuid4(), member_id=ledger.member_id, purpose=purpose, network=network, kind=kind,
                      at=at, method=method, language=language, policies=policies)
    if signer is not None:
        receipt = signer.sign_json(kantara_receipt(event, policies, key_id=signer.kid))
        event = replace(event, receipt_jws=receipt)
    await uow.consents.append(event)
    return event


async def record_grant(
    uow: SqlUnitOfWork, *, signer: Signer, member_id: UUID, purpose: ConsentPurpose, network: Network | None = None,
    language: str | None = None, method: ConsentMethod = ConsentMethod.API,
) -> ConsentRecorded:
    """Append a grant and its signed receipt in the caller's transaction (a repeat under the same notice adds none)."""
    policies = policies_of(uow)
    network = consent_network(purpose, network, policies)
    ledger = await _active_member_ledger(uow, member_id)
    now = uow.now()
    current = ledger.consent(network, purpose, at=now, policies=policies)
    last = ledger.history(network, purpose)[-1:] if current.is_active else []
    if last and last[0].notice_version == policies.current_notice(now.date()).version and last[0].receipt_jws:
        return ConsentRecorded(current, last[0].receipt_jws)
    event = await _record(uow, ledger, signer=signer, purpose=purpose, network=network,
                          kind=ConsentEventType.GRANTED, method=method, language=language)
    # Posts stored before a topics grant have no topics yet: a job finds them, committed with the grant.
    backfill = await queue_backfill(uow, member_id, network, purpose)
    assert event.receipt_jws is not None
    return ConsentRecorded(Consent(network, purpose, ConsentState.GIVEN, event.occurred_at, event.notice_version,
                                   event.expires_at), event.receipt_jws, backfill_job=backfill)


async def grant_consent(
    uow: SqlUnitOfWork, *, signer: Signer, member_id: UUID, purpose: ConsentPurpose, network: Network | None = None,
    language: str | None = None, method: ConsentMethod = ConsentMethod.API,
) -> ConsentRecorded:
    """Record a consent under the notice in force, sign its receipt, and commit."""
    recorded = await record_grant(uow, signer=signer, member_id=member_id, purpose=purpose, network=network,
                                  language=language, method=method)
    await uow.commit()
    return recorded


@dataclass(frozen=True)
class LinkConsents:
    """The consents a member gives while linking a network, recorded inside the linking transaction.

    Matches `renown.services.linking.ConsentHook`; purposes given once for every network are
    recorded without the network.
    """

    signer: Signer
    method: ConsentMethod = ConsentMethod.API

    async def __call__(
        self, uow: SqlUnitOfWork, *, member_id: UUID, network: Network, purposes: tuple[str, ...], at: datetime,
    ) -> None:
        policies = policies_of(uow)
        try:
            wanted = [ConsentPurpose(p) for p in purposes]
        except ValueError:
            raise ConsentScopeInvalid("unknown consent purpose") from None
        for purpose in wanted:
            scope = network if policies.purpose(purpose).per_network else None
            await record_grant(uow, signer=self.signer, member_id=member_id, purpose=purpose, network=scope,
                               method=self.method)


async def withdraw_consent(
    uow: SqlUnitOfWork, *, signer: Signer, member_id: UUID, purpose: ConsentPurpose, network: Network | None = None,
    language: str | None = None, method: ConsentMethod = ConsentMethod.API,
) -> ConsentRecorded:
    """Withdraw one consent (the same input as granting it) and queue the purge of what only it covered."""
    policies = policies_of(uow)
    network = consent_network(purpose, network, policies)
    ledger = await _active_member_ledger(uow, member_id)
    if not ledger.is_active(network, purpose, at=uow.now(), policies=policies):
        raise ConsentNotActive(purpose)
    event = await _record(uow, ledger, signer=signer, purpose=purpose, network=network,
                          kind=ConsentEventType.WITHDRAWN, method=method, language=language)
    job = await _queue_purge_if_uncovered(uow, member_id, network, purpose)
    await uow.commit()
    assert event.receipt_jws is not None
    return ConsentRecorded(Consent(network, purpose, ConsentState.WITHDRAWN, event.occurred_at,
                                   event.notice_version), event.receipt_jws, job)


async def _queue_purge_if_uncovered(
    uow: SqlUnitOfWork, member_id: UUID, network: Network | None, purpose: ConsentPurpose,
) -> UUID | None:
    """Queue the purge, in the caller's transaction, once no consent that reads activities is left (or, for
    `special_topics`, at once: the special-category topics found under it go)."""
    if network is None or purpose not in INGESTION_PURPOSES | {ConsentPurpose.SPECIAL_TOPICS}:
        return None
    if purpose is ConsentPurpose.SPECIAL_TOPICS:
        payload = {"member_id": str(member_id), "network": network.value, "purpose": purpose.value}
        return await uow.jobs.enqueue(PURGE_JOB, payload, at=uow.now())
    ledger = await uow.consents.ledger(member_id)
    policies = policies_of(uow)
    if any(ledger.is_active(network, p, at=uow.now(), policies=policies) for p in INGESTION_PURPOSES):
        return None
    payload = {"member_id": str(member_id), "network": network.value, "purpose": purpose.value}
    return await uow.jobs.enqueue(PURGE_JOB, payload, at=uow.now())


async def apply_gpc(uow: SqlUnitOfWork, *, signer: Signer, member_id: UUID) -> bool:
    """Honour a Global Privacy Control signal: opt out of third-party sharing once; tell whether it recorded one.

    A member who grants sharing again after a GPC opt-out has overridden the signal explicitly,
    so the signal is applied only while the ledger holds no GPC event yet.
    """
    purpose = ConsentPurpose.THIRD_PARTY_SHARING
    ledger = await _active_member_ledger(uow, member_id)
    state = ledger.consent(None, purpose, at=uow.now(), policies=policies_of(uow)).state
    if state is ConsentState.WITHDRAWN or ledger.has_gpc_event(None, purpose):
        return False
    await _record(uow, ledger, signer=signer, purpose=purpose, network=None, kind=ConsentEventType.WITHDRAWN,
                  method=ConsentMethod.GPC, language=None)
    await uow.commit()
    return True


async def current_consents(
    uow: SqlUnitOfWork, *, member_id: UUID, networks: list[Network] | None = None,
) -> list[Consent]:
    """Every consent a member can give, on each linked network (or those named), and where it stands."""
    policies = policies_of(uow)
    ledger = await uow.consents.ledger(member_id)
    if networks is None:
        networks = [a.network for a in await uow.accounts.for_member(member_id)]
    known = sorted(set(networks) | {n for n, _ in ledger.scopes() if n is not None})
    now = uow.now()
    out = []
    for purpose in ConsentPurpose:
        for network in (known if policies.purpose(purpose).per_network else [None]):
            out.append(ledger.consent(network, purpose, at=now, policies=policies))
    return out


async def record_lapses(uow: SqlUnitOfWork, *, member_id: UUID) -> list[Consent]:
    """Write `expired` / `renewal_required` events for consents that lapsed, queue their purges, commit."""
    policies = policies_of(uow)
    ledger = await uow.consents.ledger(member_id)
    now = uow.now()
    lapsed = ledger.lapsed(at=now, policies=policies)
    for (network, purpose), kind in lapsed:
        await _record(uow, ledger, signer=None, purpose=purpose, network=network, kind=kind,
                      method=ConsentMethod.SYSTEM, language=None)
        await _queue_purge_if_uncovered(uow, member_id, network, purpose)
    await uow.commit()
    return [ledger.consent(n, p, at=now, policies=policies) for (n, p), _ in lapsed]


async def sweep_lapsed_consents(uow: SqlUnitOfWork) -> int:
    """Run `record_lapses` for every member who ever consented (the scheduled job); return events written."""
    written = 0
    for member_id in await uow.consents.members_with_grants():
        written += len(await record_lapses(uow, member_id=member_id))
    return written


def _still_granted(ledger: ConsentLedger, network: Network, purpose: ConsentPurpose) -> bool:
    history = ledger.history(network, purpose)
    return bool(history) and history[-1].event is ConsentEventType.GRANTED


async def purge_network_data(uow: SqlUnitOfWork, member_id: UUID, network: Network) -> int:
    """Delete a network's activities and their topics once no consent that reads them remains; return rows deleted.

    The job step for `consent_purge` jobs. It does not commit: the workflow commits the step with its
    log line. A member who granted again before the job ran is covered again, so nothing is deleted;
    a grant that lapsed without its event yet is purged by the lapse sweep's own job.
    """
    ledger = await uow.consents.ledger(member_id)
    if any(_still_granted(ledger, network, purpose) for purpose in INGESTION_PURPOSES):
        return 0
    # What was derived per activity goes with it (topics found at import), counted with the activities.
    derived = await uow.topics.delete_assignments(member_id, network)
    # So are the keyed hashes of whom they interacted with, and the interactions among members those made.
    derived += await MentionEdgeRepository(uow.connection).delete_network(member_id, network.value)
    return derived + await uow.activities.delete_for(member_id, network)

