"""The job queue on a real database: atomic enqueue, leases, reclaiming, retries, dead letters, SKIP LOCKED."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from renown.app import Runtime
from renown.domain.jobs import Backoff, JobStatus
from renown.jobs.worker import Worker
from renown.jobs.workflow import JobContext, JobHandler, Step, Workflow
from renown.storage.uow import SqlUnitOfWork
from tests.jobs.helpers import Clock, effect_step, effects, job_row, unit_of_work

LEASE = timedelta(seconds=60)


async def enqueue(runtime: Runtime, clock: Clock, kind: str, *, max_attempts: int = 5) -> UUID:
    async with unit_of_work(runtime, clock) as uow:
        job_id = await uow.jobs.enqueue(kind, {}, at=clock(), max_attempts=max_attempts)
        await uow.commit()
    return job_id


def worker(runtime: Runtime, clock: Clock, handlers: dict[str, JobHandler], name: str) -> Worker:
    return Worker(runtime, handlers, worker_id=name, lease=LEASE, clock=clock,
                  backoff=Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=10)))


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(runtime: Runtime) -> None:
    # given a transaction that enqueues a job and then ends without committing
    clock = Clock()
    async with unit_of_work(runtime, clock) as uow:
        await uow.jobs.enqueue("test.noop", {"n": 1}, at=clock())
        # (leaving the block without commit() is how a failed request ends)
    # then there is nothing to claim
    async with unit_of_work(runtime, clock) as uow:
        assert await uow.jobs.claim("w1", now=clock(), lease=LEASE) is None
        assert await uow.jobs.count(JobStatus.QUEUED) == 0


async def test_an_expired_lease_is_reclaimed_and_the_workflow_completes_exactly_once(runtime: Runtime) -> None:
    # given a two-step workflow whose first worker stalls inside step "two" past its lease
    clock = Clock()
    rescuer_runs: list[bool] = []
    rescuer: Worker

    async def stall_then_write(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        if ctx.worker_id == "stalled":
            clock.advance(seconds=61)
            rescuer_runs.append(await rescuer.run_once())
        return await effect_step("two").run(ctx, uow)

    flow = Workflow("test.flow", (effect_step("one"), Step("two", stall_then_write)))
    handlers = {flow.kind: flow.handler()}
    stalled = worker(runtime, clock, handlers, "stalled")
    rescuer = worker(runtime, clock, handlers, "rescuer")
    job_id = await enqueue(runtime, clock, flow.kind)
    # when the first worker runs it, and another reclaims the job while it stalls
    outcome = await stalled.run_once()
    # then the rescuer finished the job, the stalled worker's late step was refused, each effect happened once
    assert outcome is True
    assert rescuer_runs == [True]
    assert await effects(runtime) == ["effect.one", "effect.two"]
    row = await job_row(runtime, job_id)
    assert (row.status, row.attempts, row.lease_owner) == ("done", 2, None)
    async with unit_of_work(runtime, clock) as uow:
        assert [(s.step, s.status.value) for s in await uow.jobs.steps(job_id)] == [("one", "done"), ("two", "done")]


async def test_a_worker_that_vanished_loses_its_job_to_the_next_one(runtime: Runtime) -> None:
    # given a job claimed by a worker that then died
    clock = Clock()
    flow = Workflow("test.flow", (effect_step("one"), effect_step("two")))
    handlers = {flow.kind: flow.handler()}
    job_id = await enqueue(runtime, clock, flow.kind)
    dead_worker = worker(runtime, clock, handlers, "vanished")
    claimed = await dead_worker.claim()
    assert claimed is not None
    assert claimed.id == job_id
    # when another worker looks before and after the lease expires
    second = worker(runtime, clock, handlers, "second")
    before = await second.run_once()
    clock.advance(seconds=61)
    after = await second.run_once()
    # then it waits for the lease, then completes the job once
    assert (before, after) == (False, True)
    assert await effects(runtime) == ["effect.one", "effect.two"]
    # and the first worker, waking up, cannot finish or redo it
    assert await dead_worker.execute(claimed) is JobStatus.RUNNING
    assert await effects(runtime) == ["effect.one", "effect.two"]
    assert (await job_row(runtime, job_id)).status == "done"


async def test_failures_retry_with_exponential_backoff_then_the_job_is_dead(runtime: Runtime) -> None:
    # given a handler that always fails, on a job with three attempts
    clock = Clock()
    buried: list[UUID] = []

    async def fail(ctx: JobContext) -> None:
        raise ValueError("the text of alice@example.org must not reach the job row")

    async def on_dead(ctx: JobContext) -> None:
        buried.append(ctx.job.id)

    handlers = {"test.fail": JobHandler(fail, on_dead)}
    job_id = await enqueue(runtime, clock, "test.fail", max_attempts=3)
    runner = worker(runtime, clock, handlers, "w1")
    # when it runs, and runs again whenever it is due
    waits: list[timedelta] = []
    for _ in range(3):
        assert await runner.run_once() is True
        row = await job_row(runtime, job_id)
        waits.append(row.run_after - clock())
        assert await runner.run_once() is False  # not due yet
        clock.advance(seconds=(row.run_after - clock()).total_seconds())
    # then it waited 30 s, then 60 s, and went dead after the third attempt
    row = await job_row(runtime, job_id)
    assert waits[:2] == [timedelta(seconds=30), timedelta(seconds=60)]
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "ValueError")
    assert buried == [job_id]
    async with unit_of_work(runtime, clock) as uow:
        assert [j.id for j in await uow.jobs.dead()] == [job_id]
        # and an admin can give it another round
        assert await uow.jobs.requeue(job_id, now=clock()) is True
        await uow.commit()
    assert ((await job_row(runtime, job_id)).status, (await job_row(runtime, job_id)).attempts) == ("queued", 0)


async def test_a_worker_killed_on_every_attempt_ends_in_the_dead_queue(runtime: Runtime) -> None:
    # given a job whose worker vanished on both of its two attempts
    clock = Clock()
    job_id = await enqueue(runtime, clock, "test.poison", max_attempts=2)
    ran: list[int] = []

    async def run(ctx: JobContext) -> None:
        ran.append(1)

    runner = worker(runtime, clock, {"test.poison": JobHandler(run)}, "w1")
    for _ in range(2):
        assert await runner.claim() is not None
        clock.advance(seconds=61)
    # when a worker claims it a third time
    assert await runner.run_once() is True
    # then it is dead without running again
    row = await job_row(runtime, job_id)
    assert (row.status, row.last_error, ran) == ("dead", "WorkerDied", [])


async def test_a_failed_step_is_retried_and_the_workflow_resumes_at_it(runtime: Runtime) -> None:
    # given a workflow whose second step fails the first time
    clock = Clock()
    failures = [RuntimeError("provider unavailable")]

    async def flaky(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        await effect_step("two").run(ctx, uow)
        if failures:
            raise failures.pop()
        return 7

    flow = Workflow("test.flow", (effect_step("one"), Step("two", flaky), effect_step("three")))
    runner = worker(runtime, clock, {flow.kind: flow.handler()}, "w1")
    job_id = await enqueue(runtime, clock, flow.kind)
    # when it runs, fails, and runs again after its backoff
    await runner.run_once()
    async with unit_of_work(runtime, clock) as uow:
        logged = [(s.step, s.status.value, s.error) for s in await uow.jobs.steps(job_id)]
    clock.advance(seconds=30)
    await runner.run_once()
    # then the failure was logged, step one ran once, and the failed step's effect was rolled back
    assert logged == [("one", "done", None), ("two", "failed", "RuntimeError")]
    assert await effects(runtime) == ["effect.one", "effect.two", "effect.three"]
    async with unit_of_work(runtime, clock) as uow:
        steps = {s.step: (s.status.value, s.rows_affected) for s in await uow.jobs.steps(job_id)}
    assert steps == {"one": ("done", 1), "two": ("done", 7), "three": ("done", 1)}


async def test_shutdown_finishes_the_current_step_and_releases_the_job(runtime: Runtime) -> None:
    # given a worker asked to stop while it runs the first step
    clock = Clock()
    runner: Worker

    async def first(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        runner.stop.set()
        return await effect_step("one").run(ctx, uow)

    flow = Workflow("test.flow", (Step("one", first), effect_step("two")))
    runner = worker(runtime, clock, {flow.kind: flow.handler()}, "w1")
    job_id = await enqueue(runtime, clock, flow.kind)
    # when it runs
    await runner.run_once()
    # then the step finished, the job went back to the queue with its attempt uncounted
    row = await job_row(runtime, job_id)
    assert (row.status, row.attempts, row.lease_owner) == ("queued", 0, None)
    assert await effects(runtime) == ["effect.one"]
    # and the next worker does only what is left
    await worker(runtime, clock, {flow.kind: flow.handler()}, "w2").run_once()
    assert await effects(runtime) == ["effect.one", "effect.two"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_skip_locked_hands_concurrent_claimers_different_jobs(runtime: Runtime) -> None:
    # given ten queued jobs
    clock = Clock()
    ids = {await enqueue(runtime, clock, "test.noop") for _ in range(10)}
    # when one claimer holds its claim uncommitted while a second claims
    async with unit_of_work(runtime, clock) as first, unit_of_work(runtime, clock) as second:
        a = await first.jobs.claim("a", now=clock(), lease=LEASE)
        b = await asyncio.wait_for(second.jobs.claim("b", now=clock(), lease=LEASE), timeout=5)
        await first.commit()
        await second.commit()
    # then the second skipped the locked row instead of waiting for it or taking it too
    assert a is not None
    assert b is not None
    assert a.id != b.id

    # and four claimers racing for the other eight never share one
    async def drain(name: str) -> list[UUID]:
        got: list[UUID] = []
        while True:
            async with unit_of_work(runtime, clock) as uow:
                job = await uow.jobs.claim(name, now=clock(), lease=LEASE)
                await asyncio.sleep(0.005)
                await uow.commit()
            if job is None:
                return got
            got.append(job.id)

    batches = await asyncio.gather(*(drain(f"w{n}") for n in range(4)))
    claimed = [job_id for batch in batches for job_id in batch]
    assert len(claimed) == len(set(claimed)) == 8
    assert set(claimed) | {a.id, b.id} == ids


async def test_sequential_claimers_each_get_a_job_once(runtime: Runtime) -> None:
    # given three queued jobs
    clock = Clock()
    ids = {await enqueue(runtime, clock, "test.noop") for _ in range(3)}
    # when claimers take turns until the queue is empty
    claimed = []
    for name in ("a", "b", "c", "d"):
        async with unit_of_work(runtime, clock) as uow:
            job = await uow.jobs.claim(name, now=clock(), lease=LEASE)
            await uow.commit()
        claimed.append(None if job is None else (job.id, job.lease_owner, job.attempts))
    # then each job went to exactly one claimer, under a lease, and the last found nothing
    assert claimed[3] is None
    assert {c[0] for c in claimed[:3] if c} == ids
    assert [(c[1], c[2]) for c in claimed[:3] if c] == [("a", 1), ("b", 1), ("c", 1)]
