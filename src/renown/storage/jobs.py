"""The job queue on the `job` table, and each job's execution log on `job_step`.

Enqueueing writes on the caller's connection, so a job commits or rolls back with the request that
asked for it. Claiming is one UPDATE on a row picked with `FOR UPDATE SKIP LOCKED` on PostgreSQL
(many workers); SQLite runs one statement at a time, so the same conditional UPDATE is atomic there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.jobs import Job, JobStatus, StepRecord, StepStatus
from renown.storage.tables import metadata

JOBS = metadata.tables["job"]
STEPS = metadata.tables["job_step"]
MAX_ERROR_CHARS = 120


def _job(row: Any) -> Job:
    return Job(
        id=row.id, kind=row.kind, status=JobStatus(row.status), payload=dict(row.payload),
        attempts=row.attempts, max_attempts=row.max_attempts, run_after=row.run_after,
        lease_owner=row.lease_owner, lease_expires_at=row.lease_expires_at, last_error=row.last_error,
        created_at=row.created_at, finished_at=row.finished_at,
    )


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Queued and due, or running under a lease that expired (its worker died or hangs)."""
    return sa.or_(
        sa.and_(JOBS.c.status == JobStatus.QUEUED.value, JOBS.c.run_after <= now),
        sa.and_(JOBS.c.status == JobStatus.RUNNING.value, JOBS.c.lease_expires_at < now),
    )


class JobRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @property
    def _postgres(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    async def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, at: datetime, run_after: datetime | None = None,
        max_attempts: int = 5, job_id: UUID | None = None,
    ) -> UUID:
        """Add a job in the caller's transaction; it runs only if that transaction commits."""
        job_id = job_id or uuid4()
        values = self._values(job_id, kind, payload, at, run_after, max_attempts)
        await self._conn.execute(sa.insert(JOBS).values(values))
        return job_id

    async def enqueue_once(
        self, job_id: UUID, kind: str, payload: Mapping[str, Any], *, at: datetime, run_after: datetime | None = None,
        max_attempts: int = 5,
    ) -> bool:
        """Add a job unless one with this id exists (schedules use deterministic ids); tell whether it was added."""
        values = self._values(job_id, kind, payload, at, run_after, max_attempts)
        dialect = postgresql if self._postgres else sqlite
        result = await self._conn.execute(dialect.insert(JOBS).values(values).on_conflict_do_nothing())
        return bool(result.rowcount)

    @staticmethod
    def _values(
        job_id: UUID, kind: str, payload: Mapping[str, Any], at: datetime, run_after: datetime | None,
        max_attempts: int,
    ) -> dict[str, Any]:
        return {
            "id": job_id, "kind": kind, "status": JobStatus.QUEUED.value, "payload": dict(payload), "attempts": 0,
            "max_attempts": max_attempts, "run_after": run_after or at, "created_at": at,
        }

    async def get(self, job_id: UUID) -> Job | None:
        row = (await self._conn.execute(sa.select(JOBS).where(JOBS.c.id == job_id))).first()
        return None if row is None else _job(row)

    async def set_payload(self, job_id: UUID, payload: Mapping[str, Any]) -> bool:
        """Replace a job's payload (e.g. a running import's progress); tell whether the job exists."""
        result = await self._conn.execute(sa.update(JOBS).where(JOBS.c.id == job_id).values(payload=dict(payload)))
        return bool(result.rowcount)

    async def claim(self, worker_id: str, *, now: datetime, lease: timedelta) -> Job | None:
        """Lease the next due job to `worker_id` and count the attempt; None when nothing is due."""
        pick = sa.select(JOBS.c.id).where(_claimable(now)).order_by(JOBS.c.run_after, JOBS.c.created_at).limit(1)
        if self._postgres:
            pick = pick.with_for_update(skip_locked=True)
        # The claimable condition is repeated so a row another worker claimed in between is left alone.
        query = (
            sa.update(JOBS).where(JOBS.c.id == pick.scalar_subquery(), _claimable(now))
            .values(status=JobStatus.RUNNING.value, lease_owner=worker_id, lease_expires_at=now + lease,
                    attempts=JOBS.c.attempts + 1)
            .returning(*JOBS.c)
        )
        row = (await self._conn.execute(query)).first()
        return None if row is None else _job(row)

    def _leased(self, job_id: UUID, worker_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(JOBS.c.id == job_id, JOBS.c.lease_owner == worker_id,
                       JOBS.c.status == JobStatus.RUNNING.value)

    async def heartbeat(self, job_id: UUID, worker_id: str, *, now: datetime, lease: timedelta) -> bool:
        """Extend the lease; False means another worker reclaimed the job, so this one must stop."""
        result = await self._conn.execute(
            sa.update(JOBS).where(self._leased(job_id, worker_id)).values(lease_expires_at=now + lease))
        return bool(result.rowcount)

    async def finish(self, job_id: UUID, worker_id: str, *, now: datetime) -> bool:
        """Mark the job done if this worker still holds it; tell whether it did."""
        result = await self._conn.execute(sa.update(JOBS).where(self._leased(job_id, worker_id)).values(
            status=JobStatus.DONE.value, finished_at=now, lease_owner=None, lease_expires_at=None, last_error=None))
        return bool(result.rowcount)

    async def fail(self, job: Job, worker_id: str, *, now: datetime, error: str, retry_after: timedelta) -> JobStatus:
        """Record a failed attempt: queue a retry after `retry_after`, or dead once attempts are used up."""
        status = JobStatus.DEAD if job.exhausted else JobStatus.QUEUED
        result = await self._conn.execute(sa.update(JOBS).where(self._leased(job.id, worker_id)).values(
            status=status.value, run_after=now + retry_after, lease_owner=None, lease_expires_at=None,
            last_error=error[:MAX_ERROR_CHARS], finished_at=now if status is JobStatus.DEAD else None))
        return status if result.rowcount else JobStatus.RUNNING

    async def bury(self, job_id: UUID, *, now: datetime, error: str) -> None:
        """Move a job whose worker died on its last attempt straight to dead."""
        await self._conn.execute(sa.update(JOBS).where(JOBS.c.id == job_id).values(
            status=JobStatus.DEAD.value, lease_owner=None, lease_expires_at=None, finished_at=now,
            last_error=error[:MAX_ERROR_CHARS]))

    async def release(self, job_id: UUID, worker_id: str, *, now: datetime) -> bool:
        """Give a job back without counting the attempt (graceful shutdown); tell whether it was ours."""
        result = await self._conn.execute(sa.update(JOBS).where(self._leased(job_id, worker_id)).values(
            status=JobStatus.QUEUED.value, run_after=now, lease_owner=None, lease_expires_at=None,
            attempts=sa.case((JOBS.c.attempts > 0, JOBS.c.attempts - 1), else_=0)))
        return bool(result.rowcount)

    async def dead(self, *, limit: int = 100) -> list[Job]:
        """Jobs that used up their attempts, newest first: the admin queue."""
        rows = await self._conn.execute(sa.select(JOBS).where(JOBS.c.status == JobStatus.DEAD.value)
                                        .order_by(JOBS.c.finished_at.desc()).limit(limit))
        return [_job(r) for r in rows]

    async def requeue(self, job_id: UUID, *, now: datetime) -> bool:
        """Give a dead job a fresh set of attempts; its finished steps stay done."""
        result = await self._conn.execute(sa.update(JOBS).where(
            JOBS.c.id == job_id, JOBS.c.status == JobStatus.DEAD.value).values(
            status=JobStatus.QUEUED.value, attempts=0, run_after=now, finished_at=None))
        return bool(result.rowcount)

    async def count(self, status: JobStatus, kind: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(JOBS).where(JOBS.c.status == status.value)
        if kind is not None:
            query = query.where(JOBS.c.kind == kind)
        return int((await self._conn.execute(query)).scalar_one())

    async def delete_finished(self, *, before: datetime, batch: int = 1000) -> int:
        """Delete done jobs finished before `before`, with their logs (retention); dead ones wait for an admin."""
        ids = (await self._conn.execute(sa.select(JOBS.c.id).where(
            JOBS.c.status == JobStatus.DONE.value, JOBS.c.finished_at < before).limit(batch))).scalars().all()
        if not ids:
            return 0
        await self._conn.execute(sa.delete(STEPS).where(STEPS.c.job_id.in_(ids)))
        return (await self._conn.execute(sa.delete(JOBS).where(JOBS.c.id.in_(ids)))).rowcount or 0

    # The execution log.

    async def steps(self, job_id: UUID) -> list[StepRecord]:
        rows = await self._conn.execute(sa.select(STEPS).where(STEPS.c.job_id == job_id).order_by(STEPS.c.started_at))
        return [StepRecord(r.job_id, r.step, StepStatus(r.status), r.rows_affected, r.started_at, r.finished_at,
                           r.error) for r in rows]

    async def step_started(self, job_id: UUID, step: str, *, now: datetime) -> None:
        """Log that a step began (again, after a crash or failure: the row is reused)."""
        updated = await self._conn.execute(sa.update(STEPS).where(STEPS.c.job_id == job_id, STEPS.c.step == step)
                                           .values(status=StepStatus.RUNNING.value, started_at=now, finished_at=None))
        if not updated.rowcount:
            await self._conn.execute(sa.insert(STEPS).values(
                job_id=job_id, step=step, status=StepStatus.RUNNING.value, rows_affected=0, started_at=now))

    async def step_finished(
        self, job_id: UUID, step: str, *, now: datetime, rows_affected: int, error: str | None = None,
    ) -> None:
        status = StepStatus.DONE if error is None else StepStatus.FAILED
        await self._conn.execute(sa.update(STEPS).where(STEPS.c.job_id == job_id, STEPS.c.step == step).values(
            status=status.value, finished_at=now, rows_affected=rows_affected,
            error=None if error is None else error[:MAX_ERROR_CHARS]))
