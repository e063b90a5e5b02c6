"""The audit log is append-only in the database itself, and a head recorded outside it exposes a cut tail."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.services import audit
from renown.services.audit import ChainHead
from renown.settings import Settings
from renown.storage.tables import metadata
from tests.integration.audit_tampering import drop_append_only_guard
from tests.integration.test_audit import five_entries, verify
from tests.jobs.helpers import START, Clock, unit_of_work

EVENTS = metadata.tables["audit_event"]


async def refused(runtime: Runtime, statement: sa.Executable | str) -> str:
    """Run one raw statement that must fail; return the database's message."""
    query = sa.text(statement) if isinstance(statement, str) else statement
    async with runtime.engine.connect() as conn:
        with pytest.raises(sa.exc.IntegrityError) as error:
            await conn.execute(query)
        await conn.rollback()
    message = str(error.value.orig)
    return message[message.index("audit_event is append-only"):]


async def stored(runtime: Runtime) -> list[tuple[int, str, str]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(EVENTS.c.id, EVENTS.c.actor, EVENTS.c.hash).order_by(EVENTS.c.id))
        return [tuple(r) for r in rows]


async def append(runtime: Runtime, clock: Clock, request: str) -> audit.AuditEntry:
    async with unit_of_work(runtime, clock) as uow:
        entry = await audit.record(uow, actor="worker", action="privacy_request.transition",
                                   detail={"request_id": request, "from": "pending", "to": "in_progress"})
        await uow.commit()
    return entry


async def test_the_database_refuses_to_update_an_entry(runtime: Runtime) -> None:
    # given a chain of five entries
    await five_entries(runtime)
    before = await stored(runtime)
    # when raw SQL edits one, or all of them
    one = await refused(runtime, sa.update(EVENTS).where(EVENTS.c.id == 3).values(actor="admin"))
    every = await refused(runtime, "UPDATE audit_event SET detail = '{}'")
    # then the database refuses both and nothing changed
    assert (one, every) == ("audit_event is append-only: UPDATE refused",) * 2
    assert await stored(runtime) == before


async def test_the_database_refuses_to_delete_entries_and_appends_still_work(runtime: Runtime) -> None:
    # given a chain of five entries
    clock = await five_entries(runtime)
    before = await stored(runtime)
    # when raw SQL deletes the newest entry, an old one, or empties the table
    empty = "TRUNCATE audit_event" if runtime.engine.dialect.name == "postgresql" else "DELETE FROM audit_event"
    messages = [await refused(runtime, sa.delete(EVENTS).where(EVENTS.c.id == 5)),
                await refused(runtime, sa.delete(EVENTS).where(EVENTS.c.id == 1)),
                await refused(runtime, empty)]
    # then each is refused and every entry is still there
    truncate = "TRUNCATE" if runtime.engine.dialect.name == "postgresql" else "DELETE"
    assert messages == ["audit_event is append-only: DELETE refused"] * 2 + [
        f"audit_event is append-only: {truncate} refused"]
    assert await stored(runtime) == before
    # and appending goes on, chained to the last entry, and the chain verifies
    entry = await append(runtime, clock, "r6")
    assert (entry.id, entry.prev_hash) == (6, before[-1][2])
    result = await verify(runtime)
    assert (result.intact, result.checked) == (True, 6)


async def test_an_old_retention_anchor_does_not_open_the_log_to_deletes(runtime: Runtime) -> None:
    # given a chain whose first two entries retention pruned, and one entry appended after the anchor
    clock = await five_entries(runtime)
    async with unit_of_work(runtime, clock) as uow:
        pruned = await uow.audit.prune(before=START + timedelta(minutes=2), at=clock())
        await uow.commit()
    await append(runtime, clock, "r7")
    # when raw SQL deletes entries the anchor does not cover, now that it is no longer the newest
    message = await refused(runtime, sa.delete(EVENTS).where(EVENTS.c.id <= 3))
    # then it is refused; the prune went through the trigger and the chain still verifies
    assert message == "audit_event is append-only: DELETE refused"
    assert pruned == 2
    assert [r[0] for r in await stored(runtime)] == [3, 4, 5, 6, 7]
    result = await verify(runtime)
    assert (result.intact, result.checked) == (True, 5)



async def cut_tail(runtime: Runtime, *, after_id: int) -> None:
    """Delete the newest entries, as someone who dropped the guard could; the chain alone still verifies."""
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        await conn.execute(sa.delete(EVENTS).where(EVENTS.c.id > after_id))


async def test_a_recorded_head_exposes_a_cut_tail_that_the_chain_alone_misses(runtime: Runtime) -> None:
    # given a chain of five entries whose head an operator recorded
    clock = await five_entries(runtime)
    async with runtime.uow() as uow:
        head = await audit.chain_head(uow)
    assert head == ChainHead(5, (await stored(runtime))[-1][2])
    # when the last two entries are deleted
    await cut_tail(runtime, after_id=3)
    async with runtime.uow() as uow:
        alone = await audit.verify_chain(uow)
        anchored = await audit.verify_chain(uow, recorded_head=head)
    # then the chain alone verifies, but against the recorded head the cut is found
    assert (alone.intact, alone.checked) == (True, 3)
    assert (anchored.first_broken_id, anchored.reason, anchored.checked) == (5, "entries missing at the end", 3)
    # and when new entries are appended to hide the cut, the recorded head no longer matches
    await append(runtime, clock, "r8")
    await append(runtime, clock, "r9")
    async with runtime.uow() as uow:
        refilled = await audit.verify_chain(uow, recorded_head=head)
        still_fine = await audit.verify_chain(uow, recorded_head=ChainHead(3, (await stored(runtime))[2][2]))
    assert (refilled.first_broken_id, refilled.reason) == (5, "recorded head rewritten")
    assert (still_fine.intact, still_fine.checked) == (True, 5)


def test_a_chain_head_is_read_as_id_colon_hash() -> None:
    digest = "ab" * 32
    assert ChainHead.parse(f" 12:{digest}\n") == ChainHead(12, digest)
    assert str(ChainHead(12, digest)) == f"12:{digest}"
    for wrong in ("12", f"x:{digest}", f"12:{digest[:-1]}", f"12:{digest.upper()}", f"-1:{digest}"):
        with pytest.raises(ValueError, match="ID:HASH"):
            ChainHead.parse(wrong)


def run_cli(settings: Settings, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RENOWN_DATABASE_URL": settings.effective_database_url,
           "RENOWN_VAR_DIR": str(settings.var_dir), "RENOWN_POLICIES_DIR": str(settings.policies_dir)}
    return subprocess.run([sys.executable, "-m", "renown", "audit", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)


async def test_renown_audit_head_and_verify_against_it(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    # given five entries and the head the command prints
    await five_entries(runtime)
    newest = (await stored(runtime))[-1]
    printed = run_cli(settings, tmp_path, "head")
    recorded = printed.stdout.strip()
    intact = run_cli(settings, tmp_path, "verify", "--head", recorded)
    # when the newest entry is deleted
    await cut_tail(runtime, after_id=4)
    broken = run_cli(settings, tmp_path, "verify", "--head", recorded)
    malformed = run_cli(settings, tmp_path, "verify", "--head", "5")
    # then head printed ID:HASH of entry 5, verify passed with it, then failed naming the cut
    assert (printed.returncode, recorded) == (0, f"5:{newest[2]}")
    assert (intact.returncode, intact.stdout.strip()) == (0, "audit chain intact: 5 entries verified")
    assert (broken.returncode, broken.stderr.strip()) == (
        1, "audit chain broken at entry 5: entries missing at the end (4 entries verified before it)")
    assert malformed.returncode == 2
    assert "a chain head is written ID:HASH" in malformed.stderr
