"""The audit log on a real database: the hash chain verifies, and any tampering is found and located."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from renown.app import Runtime
from renown.services import audit
from renown.settings import Settings
from renown.storage.audit import GENESIS, entry_hash
from renown.storage.tables import metadata
from tests.integration.audit_tampering import drop_append_only_guard
from tests.jobs.helpers import Clock, add_member, unit_of_work

EVENTS = metadata.tables["audit_event"]


async def five_entries(runtime: Runtime) -> Clock:
    clock = Clock()
    alice = await add_member(runtime, clock)
    for n in range(5):
        async with unit_of_work(runtime, clock) as uow:
            await audit.record(uow, actor="member", action="privacy_request.received", member_id=alice,
                               detail={"request_id": f"r{n}", "kind": "export"})
            await uow.commit()
        clock.advance(minutes=1, microseconds=250)
    return clock


async def verify(runtime: Runtime) -> audit.ChainVerification:
    async with runtime.uow() as uow:
        return await audit.verify_chain(uow)


async def test_an_untouched_chain_verifies(runtime: Runtime) -> None:
    await five_entries(runtime)
    result = await verify(runtime)
    assert (result.intact, result.checked, result.first_broken_id) == (True, 5, None)
    async with runtime.uow() as uow:
        entries = [e async for e in uow.audit.entries(batch=2)]
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


async def test_an_edited_entry_is_found(runtime: Runtime) -> None:
    # given a chain whose third entry someone edited in the database
    await five_entries(runtime)
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        forged = {"request_id": "r9", "kind": "export"}
        await conn.execute(sa.update(EVENTS).where(EVENTS.c.id == 3).values(detail=forged))
    # then verification points at it
    result = await verify(runtime)
    assert (result.first_broken_id, result.reason, result.checked) == (3, "content does not match its hash", 2)


async def test_an_entry_rehashed_to_hide_an_edit_breaks_the_next_link(runtime: Runtime) -> None:
    await five_entries(runtime)
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        row = (await conn.execute(sa.select(EVENTS).where(EVENTS.c.id == 2))).one()
        forged = entry_hash(row.prev_hash, id=2, occurred_at=row.occurred_at, actor="admin", action=row.action,
                            subject=row.subject, detail=row.detail)
        await conn.execute(sa.update(EVENTS).where(EVENTS.c.id == 2).values(actor="admin", hash=forged))
    result = await verify(runtime)
    assert (result.first_broken_id, result.reason) == (3, "link to the previous entry broken")


async def test_a_deleted_entry_is_found(runtime: Runtime) -> None:
    await five_entries(runtime)
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        await conn.execute(sa.delete(EVENTS).where(EVENTS.c.id == 4))
    result = await verify(runtime)
    assert (result.first_broken_id, result.reason) == (4, "entry missing")


async def test_the_log_can_be_read_per_member_without_their_id(runtime: Runtime) -> None:
    clock = await five_entries(runtime)
    bob = await add_member(runtime, clock, "bob@example.org")
    async with unit_of_work(runtime, clock) as uow:
        await audit.record(uow, actor="worker", action="privacy_request.transition", member_id=bob,
                           detail={"request_id": "rb", "from": "pending", "to": "in_progress"})
        await uow.commit()
        page = await audit.audit_log(uow, member_id=bob)
        newest = await audit.audit_log(uow, first=2)
    assert [(e.id, e.action, e.subject) for e in page] == [
        (6, "privacy_request.transition", audit.member_pseudonym(runtime.vault, bob))]
    assert [e.id for e in newest] == [6, 5]


def run_cli(settings: Settings, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RENOWN_DATABASE_URL": settings.effective_database_url,
           "RENOWN_VAR_DIR": str(settings.var_dir), "RENOWN_POLICIES_DIR": str(settings.policies_dir)}
    return subprocess.run([sys.executable, "-m", "renown", "audit", "verify"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)


async def test_renown_audit_verify_reports_the_tampered_entry(runtime: Runtime, settings: Settings,
                                                              tmp_path: Path) -> None:
    # given an intact chain
    await five_entries(runtime)
    intact = run_cli(settings, tmp_path)
    # when one entry's action is changed
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        await conn.execute(sa.update(EVENTS).where(EVENTS.c.id == 2).values(action="privacy_request.denied"))
    broken = run_cli(settings, tmp_path)
    # then the command passes first, then fails naming the entry
    assert (intact.returncode, intact.stdout.strip()) == (0, "audit chain intact: 5 entries verified")
    assert broken.returncode == 1
    assert broken.stderr.strip() == (
        "audit chain broken at entry 2: content does not match its hash (1 entries verified before it)")
