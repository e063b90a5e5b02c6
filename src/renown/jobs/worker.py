"""The background worker: claims due jobs under a lease, runs their handlers, keeps the schedule.

SIGTERM or SIGINT stops it gracefully: a workflow finishes the step it is in and releases the job
(the attempt is not counted), so the next worker resumes at the following step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from renown.domain.jobs import Backoff, Job, JobStatus, error_label
from renown.jobs.schedule import Recurring, Scheduler
from renown.jobs.workflow import Environment, JobContext, JobHandler, LeaseLost, StopRequested
from renown.storage.uow import SqlUnitOfWork
from renown.telemetry.metrics import observe_job

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    """Host, process and a random suffix: unique per worker, and no personal data."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """Runs jobs from the queue; `run_once` is one claim-and-run, `run` loops until `stop` is set."""

    def __init__(
        self, env: Environment, handlers: Mapping[str, JobHandler], *, schedule: Iterable[Recurring] = (),
        worker_id: str | None = None, lease: timedelta = timedelta(seconds=60), poll_seconds: float = 1.0,
        backoff: Backoff = Backoff(), clock: Callable[[], datetime] = utc_now,  # noqa: B008 - immutable
    ) -> None:
        self.env = env
        self.handlers = dict(handlers)
        self.scheduler = Scheduler(schedule)
        self.worker_id = worker_id or default_worker_id()
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self.clock = clock
        self.stop = asyncio.Event()

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.env.engine, self.env.vault, clock=self.clock, policies=self.env.policies)

    async def run(self) -> None:
        """Claim and run jobs until `stop` is set; wait `poll_seconds` whenever the queue is empty."""
        logger.info("worker %s started", self.worker_id)
        while not self.stop.is_set():
            try:
                if self.scheduler.entries:
                    async with self.uow() as uow:
                        await self.scheduler.tick(uow)
                if await self.run_once():
                    continue
            except Exception as error:  # noqa: BLE001 - a database hiccup must not end the worker
                logger.warning("worker loop failed: %s", error_label(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=self.poll_seconds)
        logger.info("worker %s stopped", self.worker_id)

    async def claim(self) -> Job | None:
        async with self.uow() as uow:
            job = await uow.jobs.claim(self.worker_id, now=self.clock(), lease=self.lease)
            await uow.commit()
        return job

    async def run_once(self) -> bool:
        """Claim one due job and run it; tell whether there was one."""
        job = await self.claim()
        if job is None:
            return False
        started = time.perf_counter()
        status = await self.execute(job)
        observe_job(kind=job.kind, outcome=status.value, seconds=time.perf_counter() - started)
        return True

    async def execute(self, job: Job) -> JobStatus:
        """Run a claimed job to done, a retry, dead, or a release; return where it ended up."""
        handler = self.handlers.get(job.kind)
        ctx = JobContext(job, self.env, self.worker_id, self.lease, self.clock, stop=self.stop)
        if job.attempts > job.max_attempts:
            # Its worker died on every attempt (a poison job that kills the process): stop trying.
            return await self._dead(ctx, handler, "WorkerDied")
        if handler is None:
            return await self._failed(ctx, None, "UnknownJobKind")
        beat = asyncio.create_task(self._heartbeat(ctx))
        try:
            await handler.run(ctx)
        except StopRequested:
            async with self.uow() as uow:
                await uow.jobs.release(job.id, self.worker_id, now=self.clock())
                await uow.commit()
            logger.info("job %s released for shutdown", job.id)
            return JobStatus.QUEUED
        except LeaseLost:
            logger.warning("job %s: lease lost to another worker; leaving it", job.id)
            return JobStatus.RUNNING
        except Exception as error:  # noqa: BLE001 - any failure is retried, then dead
            return await self._failed(ctx, handler, error_label(error))
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        async with self.uow() as uow:
            finished = await uow.jobs.finish(job.id, self.worker_id, now=self.clock())
            await uow.commit()
        return JobStatus.DONE if finished else JobStatus.RUNNING

    async def _failed(self, ctx: JobContext, handler: JobHandler | None, error: str) -> JobStatus:
        job = ctx.job
        async with self.uow() as uow:
            status = await uow.jobs.fail(job, self.worker_id, now=self.clock(), error=error,
                                         retry_after=self.backoff.delay(job.attempts))
            await uow.commit()
        logger.warning("job %s (%s) attempt %d failed: %s -> %s", job.id, job.kind, job.attempts, error, status)
        if status is JobStatus.DEAD:
            await self._on_dead(ctx, handler)
        return status

    async def _dead(self, ctx: JobContext, handler: JobHandler | None, error: str) -> JobStatus:
        async with self.uow() as uow:
            await uow.jobs.bury(ctx.job.id, now=self.clock(), error=error)
            await uow.commit()
        logger.warning("job %s (%s) is dead: %s", ctx.job.id, ctx.job.kind, error)
        await self._on_dead(ctx, handler)
        return JobStatus.DEAD

    async def _on_dead(self, ctx: JobContext, handler: JobHandler | None) -> None:
        if handler is None or handler.on_dead is None:
            return
        try:
            await handler.on_dead(ctx)
        except Exception as error:  # noqa: BLE001 - the job is dead already; the admin queue shows it
            logger.error("job %s: dead-letter hook failed: %s", ctx.job.id, error_label(error))

    async def _heartbeat(self, ctx: JobContext) -> None:
        """Extend the lease every third of its length; flag the context when the job was taken over."""
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.uow() as uow:
                    held = await uow.jobs.heartbeat(ctx.job.id, self.worker_id, now=self.clock(), lease=self.lease)
                    await uow.commit()
            except Exception as error:  # noqa: BLE001 - e.g. SQLite busy: the next beat retries
                logger.debug("heartbeat for job %s failed: %s", ctx.job.id, error_label(error))
                continue
            if not held:
                ctx.lease_lost.set()
                return


async def run_worker(
    runtime: Environment, *, poll_seconds: float = 1.0, handlers: Mapping[str, JobHandler] | None = None,
    schedule: Iterable[Recurring] | None = None, lease: timedelta | None = None,
) -> None:
    """Run the worker with the default handlers and schedule until SIGTERM or SIGINT."""
    from renown.jobs.registry import default_handlers, default_schedule, linking_revoker

    worker = Worker(
        runtime,
        default_handlers(runtime, revoke=linking_revoker(runtime)) if handlers is None else handlers,
        schedule=default_schedule() if schedule is None else schedule,
        lease=lease or timedelta(seconds=runtime.settings.job_lease_seconds),
        poll_seconds=poll_seconds,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop.set)
    try:
        await worker.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
