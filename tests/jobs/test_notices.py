"""Notice delivery: pending → delivered exactly once into the recipient's inbox, retried with backoff, and
neither lost nor doubled by a worker that dies mid-delivery or by two workers at once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.jobs import JobStatus
from renown.domain.notices import DELIVER_NOTICES, MEMBER_RECIPIENT, NoticeKind
from renown.domain.privacy import RequestKind
from renown.jobs.notices import delivery_handler
from renown.jobs.worker import Worker
from renown.services import notices, privacy
from renown.settings import Settings
from renown.storage.notices import NoticeRepository, inbox_key
from renown.storage.tables import metadata
from tests.jobs.helpers import START, Clock, add_member, unit_of_work
from tests.jobs.test_crash import wait_for

NOTICES = metadata.tables["recipient_notice"]
JOBS = metadata.tables["job"]
CRASH_SCRIPT = Path(__file__).with_name("notice_crash_worker.py")


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the delivery code catches it."""


async def three_notices(runtime: Runtime, clock: Clock) -> tuple[UUID, list[UUID]]:
    """Alice's export request and three notices about it to her, one minute apart; each enqueues a delivery job."""
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
        # only the notices are under test here: the export's own job leaves the queue to the deliveries
        await uow.connection.execute(sa.delete(JOBS).where(JOBS.c.id == request.id))
        await uow.commit()
    ids = []
    for _ in range(3):
        clock.advance(minutes=1)
        async with unit_of_work(runtime, clock) as uow:
            ids.append(await notices.announce_to_member(uow, request=request, kind=NoticeKind.EXTENSION))
            await uow.commit()
    return alice, ids


async def states(runtime: Runtime) -> list[tuple[UUID, Any, int]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(NOTICES.c.id, NOTICES.c.delivered_at, NOTICES.c.attempts)
                                  .order_by(NOTICES.c.created_at))
        return [(r.id, r.delivered_at, r.attempts) for r in rows]


def recording(sent: list[UUID], *, fail: set[UUID] | None = None, kill_at: UUID | None = None) -> Any:
    async def transport(notice: dict[str, Any]) -> bool:
        if notice["id"] == kill_at:
            raise Killed()
        sent.append(notice["id"])
        return notice["id"] not in (fail or set())
    return transport


async def test_each_pending_notice_is_delivered_once_with_its_time_and_attempts(runtime: Runtime) -> None:
    # given three pending notices to Alice
    clock = Clock()
    alice, ids = await three_notices(runtime, clock)
    assert [(i, d, a) for i, d, a in await states(runtime)] == [(i, None, 0) for i in ids]
    # when deliveries run twice, an hour later
    clock.advance(hours=1)
    sent: list[UUID] = []
    factory = lambda: unit_of_work(runtime, clock)  # noqa: E731
    first = await notices.deliver_pending(factory, recording(sent))
    second = await notices.deliver_pending(factory, recording(sent))
    # then each was delivered once, oldest first, stamped with the delivery time and one attempt
    assert (first.delivered, first.failed, second.delivered, second.failed) == (3, 0, 0, 0)
    assert sent == ids
    assert [(i, d, a) for i, d, a in await states(runtime)] == [(i, START + timedelta(minutes=63), 1) for i in ids]
    # and they are in Alice's inbox, named by a keyed hash of her id, not the id itself
    async with unit_of_work(runtime, clock) as uow:
        inbox, more = await NoticeRepository(uow.connection, uow.vault).member_inbox(alice, first=10, after=None)
        stored = (await uow.connection.execute(sa.select(NOTICES.c.recipient, NOTICES.c.recipient_ref))).all()
        key = inbox_key(uow.vault, MEMBER_RECIPIENT, str(alice))
    assert ([n.notice.id for n in inbox], more) == (list(reversed(ids)), False)
    assert set(stored) == {(MEMBER_RECIPIENT, key)}
    assert str(alice) not in key


async def test_a_failing_transport_leaves_the_notice_pending_and_the_job_retries_with_backoff(
    runtime: Runtime,
) -> None:
    # given three pending notices, and a push transport that refuses the second
    clock = Clock()
    _, ids = await three_notices(runtime, clock)
    sent: list[UUID] = []
    refused = {ids[1]}
    worker = Worker(runtime, {DELIVER_NOTICES: delivery_handler(recording(sent, fail=refused))}, clock=clock)
    # when the worker runs the first delivery job
    assert await worker.run_once() is True
    # then the others are delivered, the refused one is pending with one attempt, and the job waits to retry
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [
        (ids[0], True, 1), (ids[1], False, 1), (ids[2], True, 1)]
    async with runtime.engine.connect() as conn:
        failed = (await conn.execute(sa.select(JOBS.c.status, JOBS.c.attempts, JOBS.c.run_after)
                                     .where(JOBS.c.kind == DELIVER_NOTICES, JOBS.c.attempts == 1))).all()
    assert [(f.status, f.attempts, f.run_after > clock()) for f in failed] == [(JobStatus.QUEUED.value, 1, True)]
    # when the transport recovers and the queue is drained once the backoff has passed
    refused.clear()
    clock.advance(hours=1)
    while await worker.run_once():
        pass
    # then it is delivered too, after two attempts, and no notice went out twice to the inbox
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [
        (ids[0], True, 1), (ids[1], True, 2), (ids[2], True, 1)]
    assert sorted(sent) == sorted([ids[0], ids[1], ids[2], ids[1]])
    async with unit_of_work(runtime, clock) as uow:
        assert await uow.jobs.count(JobStatus.DEAD) == 0
        assert await NoticeRepository(uow.connection, uow.vault).count_pending() == 0


async def test_a_worker_killed_mid_delivery_loses_no_notice_and_delivers_none_twice(runtime: Runtime) -> None:
    # given three pending notices, and a delivery that dies while handing over the second
    clock = Clock()
    _, ids = await three_notices(runtime, clock)
    sent: list[UUID] = []
    factory = lambda: unit_of_work(runtime, clock)  # noqa: E731
    with pytest.raises(Killed):
        await notices.deliver_pending(factory, recording(sent, kill_at=ids[1]))
    # then the first is delivered, and the second and third are still pending, untouched
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [
        (ids[0], True, 1), (ids[1], False, 0), (ids[2], False, 0)]
    # when a fresh delivery runs
    report = await notices.deliver_pending(factory, recording(sent))
    # then the rest are delivered, each exactly once
    assert report.delivered == 2
    assert sent == ids
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [(i, True, 1) for i in ids]


async def test_two_workers_at_once_deliver_each_notice_once(runtime: Runtime, backend: str) -> None:
    # given forty pending notices
    clock = Clock()
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
    async with unit_of_work(runtime, clock) as uow:
        for _ in range(40):
            await notices.announce_to_member(uow, request=request, kind=NoticeKind.RESTRICTION_LIFT)
        await uow.commit()
    sent: list[UUID] = []

    async def slow(notice: dict[str, Any]) -> bool:
        sent.append(notice["id"])
        await asyncio.sleep(0.001)  # hand the loop to the other worker mid-delivery
        return True

    factory = lambda: unit_of_work(runtime, clock)  # noqa: E731
    # when two deliveries run at once (PostgreSQL: many workers; SQLite runs one worker, so one after the other)
    if backend == "postgresql":
        reports = await asyncio.gather(notices.deliver_pending(factory, slow), notices.deliver_pending(factory, slow))
    else:
        reports = (await notices.deliver_pending(factory, slow), await notices.deliver_pending(factory, slow))
    # then every notice was handed over once and delivered once
    assert sum(r.delivered for r in reports) == 40
    assert len(sent) == len(set(sent)) == 40
    assert {a for _, _, a in await states(runtime)} == {1}


def start_delivery_worker(settings: Settings, tmp_path: Path, kill: UUID | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RENOWN_DATABASE_URL": settings.effective_database_url,
        "RENOWN_VAR_DIR": str(settings.var_dir),
        "RENOWN_POLICIES_DIR": str(settings.policies_dir),
        "RENOWN_ENVIRONMENT": "development",
        "RENOWN_JOB_LEASE_SECONDS": "2",
        "RENOWN_TEST_PUSH_LOG": str(tmp_path / "pushed.log"),
        "RENOWN_TEST_KILL_NOTICE": "" if kill is None else str(kill),
    }
    return subprocess.Popen([sys.executable, str(CRASH_SCRIPT)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def test_a_worker_process_sigkilled_mid_delivery_is_followed_by_each_notice_delivered_once(
    runtime: Runtime, settings: Settings, tmp_path: Path,
) -> None:
    # given three pending notices (each with its delivery job), and a worker process that SIGKILLs itself
    # right after pushing the second, before that delivery commits
    _, ids = await three_notices(runtime, Clock(datetime.now(UTC) - timedelta(minutes=10)))
    victim = start_delivery_worker(settings, tmp_path, kill=ids[1])
    _, stderr = victim.communicate(timeout=120)
    assert victim.returncode == -signal.SIGKILL, stderr.decode(errors="replace")[-2000:]
    # then the first is delivered and the second and third are still pending
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [
        (ids[0], True, 1), (ids[1], False, 0), (ids[2], False, 0)]
    # when a worker that does not crash runs until nothing is pending
    worker = start_delivery_worker(settings, tmp_path, kill=None)
    try:
        async def delivered() -> bool:
            async with runtime.uow() as uow:
                return await NoticeRepository(uow.connection, uow.vault).count_pending() == 0
        await wait_for(delivered, seconds=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr.decode(errors="replace")[-2000:]
    # then each notice was delivered to the inbox exactly once; only the push cut off by the kill was repeated
    assert [(i, d is not None, a) for i, d, a in await states(runtime)] == [(i, True, 1) for i in ids]
    pushed = [UUID(line) for line in (tmp_path / "pushed.log").read_text().split()]
    assert pushed == [ids[0], ids[1], ids[1], ids[2]]
