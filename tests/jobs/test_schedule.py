"""The schedule and the retention sweep, with the clock moved by hand."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.jobs import JobStatus
from renown.jobs.registry import default_handlers, default_schedule
from renown.jobs.schedule import RETENTION_SWEEP, Recurring, Scheduler
from renown.jobs.worker import Worker
from renown.services import audit
from renown.services.retention import retention_from_policies, sweep_retention
from renown.storage.tables import metadata
from tests.integration.audit_tampering import drop_append_only_guard
from tests.jobs.helpers import START, Clock, add_member, unit_of_work

ACTIVITIES = metadata.tables["activity"]
SCORES = metadata.tables["score"]
EVENTS = metadata.tables["audit_event"]


async def test_each_slot_is_enqueued_once_however_many_workers_tick(runtime: Runtime) -> None:
    # given two workers' schedulers with an hourly and a daily entry
    clock = Clock()
    entries = (Recurring("sweep", "test.sweep", timedelta(hours=1)),
               Recurring("daily", "test.daily", timedelta(days=1)))
    first, second = Scheduler(entries), Scheduler(entries)
    # when both tick, twice, within the same hour
    added = []
    for scheduler in (first, second, first, second):
        async with unit_of_work(runtime, clock) as uow:
            added.append(await scheduler.tick(uow))
    # and again in the next hour
    clock.advance(hours=1)
    async with unit_of_work(runtime, clock) as uow:
        added.append(await second.tick(uow))
        hourly = await uow.jobs.count(JobStatus.QUEUED, "test.sweep")
        daily = await uow.jobs.count(JobStatus.QUEUED, "test.daily")
    # then each slot became one job
    assert added == [2, 0, 0, 0, 1]
    assert (hourly, daily) == (2, 1)


def test_the_default_schedule_sweeps_hourly_and_rescores_daily() -> None:
    assert [(e.kind, e.every) for e in default_schedule()] == [
        ("retention.sweep", timedelta(hours=1)), ("exports.expire", timedelta(hours=1)),
        ("scoring.rescore", timedelta(days=1)), ("consent.lapses", timedelta(days=1)),
        ("notices.deliver", timedelta(minutes=15))]


async def store(runtime: Runtime, clock: Clock) -> UUID:
    """Alice's posts published 400, 366 and 10 days ago, and scores computed 500 and 5 days ago."""
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        cipher = await uow.vault.load(uow.connection, alice)
        rows = []
        for days in (400, 366, 10):
            post = Activity(Network.MASTODON, f"https://social.example.org/users/alice/statuses/{days}",
                            ActivityKind.POST, clock() - timedelta(days=days), f"post from {days} days ago")
            rows.append(uow.activities.encrypt_row(
                cipher, post, uow.activities.post_index(Network.MASTODON, str(days)), at=clock()))
        await uow.activities.insert_rows(rows)
        for days in (500, 5):
            await uow.connection.execute(sa.insert(SCORES).values(
                id=uuid4(), member_id=alice, computed_at=clock() - timedelta(days=days), value=50.0, confidence=0.5,
                model_version="m1", calibration_version="c1", explanation={}))
        await uow.commit()
    return alice


async def test_the_sweep_deletes_what_is_past_each_categorys_retention(runtime: Runtime) -> None:
    # given posts and scores of several ages, and the shipped policies (activity 365 days, scores 400)
    clock = Clock()
    await store(runtime, clock)
    shipped = retention_from_policies(runtime.policies)
    retention = {name: shipped[name] for name in ("activity", "score_history", "job_log", "consent_record")}
    assert (retention["activity"], retention["score_history"]) == (timedelta(days=365), timedelta(days=400))
    # when the sweep runs, in batches of one
    async with unit_of_work(runtime, clock) as uow:
        report = await sweep_retention(uow, retention=retention, batch=1)
    # then the old rows are gone, the rest stay, and the counts are audited
    async with runtime.engine.connect() as conn:
        published = sorted((await conn.execute(sa.select(ACTIVITIES.c.published_at))).scalars())
        computed = (await conn.execute(sa.select(SCORES.c.computed_at))).scalars().all()
    assert published == [START - timedelta(days=10)]
    assert computed == [START - timedelta(days=5)]
    assert report.deleted == {"activity": 2, "job_log": 0, "score_history": 1}
    assert report.unenforced == ("consent_record",)


async def test_moving_the_clock_a_year_on_makes_the_worker_sweep_the_rest(runtime: Runtime) -> None:
    # given the stored rows, and a worker a year later running its scheduled sweep
    clock = Clock()
    alice = await store(runtime, clock)
    clock.advance(days=366)
    worker = Worker(runtime, default_handlers(runtime), schedule=default_schedule(), clock=clock)
    async with unit_of_work(runtime, clock) as uow:
        await worker.scheduler.tick(uow)
    # when it runs every due job
    while await worker.run_once():
        pass
    # then every post is gone (the last was 376 days old) and the sweep job is done
    async with unit_of_work(runtime, clock) as uow:
        assert await uow.activities.count(alice) == 0
        assert await uow.jobs.count(JobStatus.DONE, RETENTION_SWEEP) == 1
        assert await uow.jobs.count(JobStatus.DONE) == len(default_schedule())


async def test_pruning_the_audit_log_keeps_the_rest_of_the_chain_verifiable(runtime: Runtime) -> None:
    # given audit entries written over four years
    clock = Clock()
    for year in range(4):
        async with unit_of_work(runtime, clock) as uow:
            await audit.record(uow, actor="worker", action="test.event", detail={"year": year})
            await uow.commit()
        clock.advance(days=365)
    # when the sweep keeps three years (1095 days)
    async with unit_of_work(runtime, clock) as uow:
        report = await sweep_retention(uow, retention={"audit": timedelta(days=1095)})
        verified = await audit.verify_chain(uow)
    # then the oldest entry went, an anchor was chained, and the chain still verifies
    async with runtime.engine.connect() as conn:
        left = (await conn.execute(sa.select(EVENTS.c.id, EVENTS.c.action).order_by(EVENTS.c.id))).all()
    assert report.deleted == {"audit": 1}
    assert [tuple(r) for r in left] == [(2, "test.event"), (3, "test.event"), (4, "test.event"), (5, "audit.pruned"),
                                        (6, "retention.swept")]
    assert (verified.intact, verified.checked) == (True, 5)
    # and cutting one more entry from the start is detected
    async with runtime.engine.begin() as conn:
        await drop_append_only_guard(conn)
        await conn.execute(sa.delete(EVENTS).where(EVENTS.c.id == 2))
    async with unit_of_work(runtime, clock) as uow:
        broken = await audit.verify_chain(uow)
    assert (broken.first_broken_id, broken.reason) == (1, "entries missing at the start")


async def test_a_closed_request_goes_with_its_notices_once_past_retention(runtime: Runtime) -> None:
    # given a request closed 1,100 days ago and one closed yesterday, each with a delivered notice
    clock = Clock()
    requests, notices = metadata.tables["privacy_request"], metadata.tables["recipient_notice"]
    closed = {1100: uuid4(), 1: uuid4()}
    async with runtime.engine.begin() as conn:
        for days, request_id in closed.items():
            at = clock() - timedelta(days=days)
            await conn.execute(sa.insert(requests).values(
                id=request_id, member_id=uuid4(), kind="export", status="completed", received_at=at, due_at=at,
                completed_at=at))
            await conn.execute(sa.insert(notices).values(
                id=uuid4(), request_id=request_id, recipient="member", recipient_ref="-", kind="export",
                created_at=at, delivered_at=at, attempts=1))
    # when the sweep keeps closed requests for 1,095 days
    async with unit_of_work(runtime, clock) as uow:
        report = await sweep_retention(uow, retention={"privacy_request": timedelta(days=1095)})
    # then the old request and its notice are gone, the recent ones stay
    async with runtime.engine.connect() as conn:
        left_requests = (await conn.execute(sa.select(requests.c.id))).scalars().all()
        left_notices = (await conn.execute(sa.select(notices.c.request_id))).scalars().all()
    assert report.deleted == {"privacy_request": 1}
    assert (left_requests, left_notices) == ([closed[1]], [closed[1]])
