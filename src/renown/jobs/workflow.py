"""Workflows: ordered tuples of small named steps, each committed with its line in the execution log.

A step's effects and the `done` mark on its log line commit in one transaction, which also checks
that this worker still holds the job's lease. So after a crash a step is either wholly done (and
skipped on resume) or not at all (and run again): steps must be idempotent only for what they do
outside the database (files, calls to providers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from renown.domain.jobs import Job, StepStatus, error_label
from renown.domain.policies import Policies
from renown.services.auth import TokenAuthority
from renown.settings import Settings
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault

logger = logging.getLogger(__name__)


class Environment(Protocol):
    """What jobs need from the process (the runtime provides it)."""

    settings: Settings
    engine: AsyncEngine
    vault: Vault
    tokens: TokenAuthority
    policies: Policies


class StopRequested(Exception):  # noqa: N818 - a signal, not an error
    """The worker is shutting down between two steps; the job is released, not failed."""


class LeaseLost(Exception):  # noqa: N818
    """Another worker reclaimed the job (this one stalled past its lease): stop without touching it."""


@dataclass
class JobContext:
    """One job being run: its row, the process environment, the lease, and the shutdown signal."""

    job: Job
    env: Environment
    worker_id: str
    lease: timedelta
    clock: Callable[[], datetime]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    lease_lost: asyncio.Event = field(default_factory=asyncio.Event)
    ended_early: bool = False

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.env.engine, self.env.vault, clock=self.clock, policies=self.env.policies)

    def now(self) -> datetime:
        return self.clock()

    @property
    def request_id(self) -> UUID:
        """The privacy request a request workflow works on."""
        return UUID(str(self.job.payload["request_id"]))

    def end_early(self) -> None:
        """Finish the workflow after the current step (e.g. the request was canceled meanwhile)."""
        self.ended_early = True


Handler = Callable[[JobContext], Awaitable[None]]
StepFunction = Callable[[JobContext, SqlUnitOfWork], Awaitable[int]]


@dataclass(frozen=True)
class JobHandler:
    """What runs a job kind; `on_dead` runs once the job has used up its attempts."""

    run: Handler
    on_dead: Handler | None = None


@dataclass(frozen=True)
class Step:
    """A named step; `run` returns the number of rows it affected, for the execution log."""

    name: str
    run: StepFunction


def step(name: str) -> Callable[[StepFunction], Step]:
    """Declare a workflow step: `@step("delete_activities")` on `async def f(ctx, uow) -> int`."""
    def wrap(function: StepFunction) -> Step:
        return Step(name, function)
    return wrap


@dataclass(frozen=True)
class Workflow:
    kind: str
    steps: tuple[Step, ...]
    on_dead: Handler | None = None

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"workflow {self.kind} names a step twice")

    def handler(self) -> JobHandler:
        async def run(ctx: JobContext) -> None:
            await run_workflow(self, ctx)
        return JobHandler(run, self.on_dead)

    def then(self, *more: Step) -> Workflow:
        """Return this workflow with steps appended (step registries extend workflows this way)."""
        return Workflow(self.kind, (*self.steps, *more), self.on_dead)


async def run_workflow(workflow: Workflow, ctx: JobContext) -> None:
    """Run the steps not yet logged as done, in order, each in its own committed transaction."""
    async with ctx.uow() as uow:
        done = {r.step for r in await uow.jobs.steps(ctx.job.id) if r.status is StepStatus.DONE}
    for current in workflow.steps:
        if current.name in done:
            continue
        if ctx.lease_lost.is_set():
            raise LeaseLost()
        if ctx.stop.is_set():
            raise StopRequested()
        await _run_step(current, ctx)
        if ctx.ended_early:
            return


async def _run_step(current: Step, ctx: JobContext) -> None:
    job_id = ctx.job.id
    async with ctx.uow() as uow:
        await uow.jobs.step_started(job_id, current.name, now=ctx.now())
        await uow.commit()
    try:
        async with ctx.uow() as uow:
            rows = await current.run(ctx, uow)
            await uow.jobs.step_finished(job_id, current.name, now=ctx.now(), rows_affected=rows)
            # Fencing: commit the step only while this worker still holds the lease.
            if not await uow.jobs.heartbeat(job_id, ctx.worker_id, now=ctx.now(), lease=ctx.lease):
                raise LeaseLost()
            await uow.commit()
    except LeaseLost:
        raise
    except Exception as error:
        label = error_label(error)
        logger.warning("job %s step %s failed: %s", job_id, current.name, label)
        async with ctx.uow() as uow:
            await uow.jobs.step_finished(job_id, current.name, now=ctx.now(), rows_affected=0, error=label)
            await uow.commit()
        raise
    logger.info("job %s step %s done (%d rows)", job_id, current.name, rows)

