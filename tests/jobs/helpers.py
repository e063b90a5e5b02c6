"""Shared pieces of the job tests: a settable clock, members, and steps whose effects can be counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.member import AgeBracket
from renown.jobs.workflow import JobContext, Step
from renown.services import audit
from renown.storage.tables import metadata
from renown.storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVENTS = metadata.tables["audit_event"]
JOBS = metadata.tables["job"]


class Clock:
    """A UTC clock the test moves by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def unit_of_work(runtime: Runtime, clock: Clock) -> SqlUnitOfWork:
    return SqlUnitOfWork(runtime.engine, runtime.vault, clock=clock, policies=runtime.policies)


async def add_member(runtime: Runtime, clock: Clock, subject: str = "alice@example.org") -> UUID:
    async with unit_of_work(runtime, clock) as uow:
        member = await uow.members.add(subject=subject, display_name="Alice Example", age_bracket=AgeBracket.ADULT,
                                       at=clock())
        await uow.commit()
    return member.id


def effect_step(name: str) -> Step:
    """A step whose only effect is one audit entry `effect.<name>`, so runs can be counted."""
    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        await audit.record(uow, actor="worker", action=f"effect.{name}", detail={"job_id": str(ctx.job.id)})
        return 1
    return Step(name, run)


async def effects(runtime: Runtime) -> list[str]:
    """The `effect.*` audit actions, in the order they were committed."""
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(EVENTS.c.action).where(EVENTS.c.action.like("effect.%"))
                                  .order_by(EVENTS.c.id))
        return [r.action for r in rows]


async def job_row(runtime: Runtime, job_id: UUID) -> sa.Row[tuple[object, ...]]:
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(JOBS).where(JOBS.c.id == job_id))).one()
