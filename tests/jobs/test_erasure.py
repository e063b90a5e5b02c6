"""The erasure workflow on a real database: nothing of the member is left, anywhere, and the proof is signed."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.errors import KeyUnavailable, MemberErased
from renown.domain.jobs import JobStatus
from renown.domain.member import MemberStatus
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.erasure import DERIVED_TABLES
from renown.jobs.export import export_store
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import privacy
from renown.services.erasure import AccountSuppressed
from renown.services.members import current_member
from renown.storage.db import create_engine
from renown.storage.tables import metadata
from renown.storage.vault import Vault
from tests.integration.backups import copy_database, drop_copy, raw_bytes
from tests.jobs.helpers import Clock, unit_of_work
from tests.jobs.population import HANDLE, SUBJECT, full_member, plant_canaries
from tests.jobs.test_export import export_of

T = metadata.tables
GRACE = timedelta(days=7)


def erasing_worker(runtime: Runtime, clock: Clock, sent: list[dict[str, Any]]) -> Worker:
    async def send(notice: dict[str, Any]) -> bool:
        sent.append(dict(notice))
        return True
    return Worker(runtime, default_handlers(runtime, send_notice=send), clock=clock)


async def run_all(worker: Worker) -> None:
    while await worker.run_once():
        pass


async def rows_of(runtime: Runtime, table: str, **where: object) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        query = sa.select(T[table]).where(*(T[table].c[k] == v for k, v in where.items()))
        return [dict(r._mapping) for r in await conn.execute(query)]


async def test_after_erasure_no_canary_is_left_in_the_database_the_store_or_the_logs(
    runtime: Runtime, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    # given Alice with data everywhere, canaries in every personal column that can hold one, and an export
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    planted = await plant_canaries(runtime, people.alice)
    await export_of(runtime, clock, people.alice)
    derived = sum([len(await rows_of(runtime, t, member_id=people.alice)) for t in DERIVED_TABLES])
    before = await raw_bytes(runtime.engine, database_url, tmp_path)
    backup_url = await copy_database(runtime.engine, database_url, tmp_path)
    # (the scan sees plaintext: the canaries of unencrypted columns are in the bytes before erasure)
    assert len([c for c in planted.values() if c.encode() in before]) >= 6
    # when she asks to be erased, and the grace period passes
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.ERASURE, grace=GRACE)
    sent: list[dict[str, Any]] = []
    worker = erasing_worker(runtime, clock, sent)
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="renown")
    assert await worker.run_once() is False
    clock.advance(days=7)
    await run_all(worker)
    # then no canary is left in the database bytes, the export store or the logs
    after = await raw_bytes(runtime.engine, database_url, tmp_path)
    leftovers = [key for key, canary in planted.items() if canary.encode() in after]
    assert leftovers == []
    assert [v for v in (SUBJECT, HANDLE, "Alice Canary") if v.encode() in after] == []
    assert export_store(runtime.settings).files() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert [c for c in [*planted.values(), SUBJECT, HANDLE] if c in logged] == []
    # and a copy of the database taken before no longer decrypts with the live keys
    backup = create_engine(backup_url)
    try:
        async with backup.connect() as conn:
            with pytest.raises(KeyUnavailable):
                await Vault(runtime.vault.keyring).load(conn, people.alice)
    finally:
        await backup.dispose()
        await drop_copy(runtime.engine, backup_url)
    # and what is left of her is a tombstone, the suppression entry and the request records
    assert [(m["status"], m["display_name_enc"], m["subject_enc"]) for m in await rows_of(
        runtime, "member", id=people.alice)] == [("erased", None, b"")]
    assert [r["network"] for r in await rows_of(runtime, "suppression")] == ["mastodon"]
    for table in ("activity", "consent_event", "linked_account", "score", "score_point", "member_topic",
                  "member_signal", "disclosure", "perk_claim", "activity_topic", "export_file"):
        assert await rows_of(runtime, table, member_id=people.alice) == [], table
    assert await rows_of(runtime, "interaction") == []
    # Bob, who reacted to her, is queued for rescoring; the brand got its Art. 19 notice
    rescore = [j for j in await rows_of(runtime, "job", kind="scoring.rescore")]
    assert [j["payload"] for j in rescore] == [{"reason": "erasure", "members": [str(people.bob)]}]
    assert sorted((n["recipient"], n["kind"], (n["reference"] or "").split(":")[0]) for n in sent) == [
        ("brands", "erasure", "perk_claim"), ("member", "extension", "")]
    # the notices stay, delivered, in their recipients' inboxes: the brand's names the claim it saw, and
    # each names its recipient by a keyed hash only (the member's, of Alice's earlier deadline extension)
    notices = sorted(await rows_of(runtime, "recipient_notice"), key=lambda n: str(n["kind"]))
    assert [(n["recipient"], n["kind"], (n["reference"] or "").split(":")[0], n["delivered_at"] is not None,
             len(n["recipient_ref"])) for n in notices] == [
        ("brands", "erasure", "perk_claim", True, 64), ("member", "extension", "", True, 64)]
    # and the request completed once, with a signed certificate naming no one
    async with unit_of_work(runtime, clock) as uow:
        done = await privacy.get_request(uow, request_id=request.id)
        assert await uow.jobs.count(JobStatus.DEAD) == 0
    assert done.status is RequestStatus.COMPLETED
    assert done.result is not None
    certificate = runtime.tokens.verify_json(str(done.result["certificate"]))
    assert certificate == done.result["summary"]
    assert certificate["erased"] == {
        "activities": 4, "scores, score history and explanations": derived, "perk claims and disclosure records": 2,
        "export archives": 1, "consent records and receipts": 2, "linked network accounts": 1, "other records": 0,
        "network tokens revoked at the providers": 0,
        "other members whose scores counted this member's interactions (rescored)": 1,
        "keyed hashes of accounts in interactions, to and from this member": 3}
    assert certificate["key"] == {"data_key_shredded": True, "earlier_copies_sealed": True}
    assert certificate["notified"] == [{"recipient": "brands", "notices": 1}]
    assert SUBJECT not in str(certificate)
    assert str(people.alice) not in str(certificate)


async def test_the_erased_members_tokens_and_handles_are_refused_afterwards(runtime: Runtime, tmp_path: Path) -> None:
    # given Alice erased
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    async with unit_of_work(runtime, clock) as uow:
        await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.ERASURE)
    await run_all(erasing_worker(runtime, clock, []))
    # then her token's subject no longer reaches a member
    async with runtime.uow() as uow:
        with pytest.raises(MemberErased):
            await current_member(uow, subject=SUBJECT)
    with pytest.raises(MemberErased):
        await runtime.services.find_member(subject=SUBJECT)
    # and her archive cannot be imported again, even by someone else
    await runtime.services.grant_consent(member_id=people.bob, purpose=ConsentPurpose.SCORING,
                                         network=Network.MASTODON)
    with pytest.raises(AccountSuppressed):
        await runtime.services.import_file(member_id=people.bob, network=Network.MASTODON, path=people.archive)


async def test_an_erasure_canceled_in_its_grace_period_deletes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.ERASURE, grace=GRACE)
    clock.advance(days=2)
    async with unit_of_work(runtime, clock) as uow:
        await privacy.cancel_erasure(uow, member_id=people.alice)
    clock.advance(days=6)
    await run_all(erasing_worker(runtime, clock, []))
    async with unit_of_work(runtime, clock) as uow:
        member = await uow.members.get(people.alice)
        steps = [(s.step, s.status.value) for s in await uow.jobs.steps(request.id)]
        assert await uow.activities.count(people.alice) == 4
    assert member is not None
    assert member.status is MemberStatus.ACTIVE
    assert steps == [("begin", "done")]
