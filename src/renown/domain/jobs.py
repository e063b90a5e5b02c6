"""Background jobs: a row with a status, claimed under a lease, retried with backoff, then dead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class StepStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of background work; its payload names rows by id and never holds personal data."""

    id: UUID
    kind: str
    status: JobStatus
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    run_after: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def exhausted(self) -> bool:
        """Tell whether no attempt is left after the current one."""
        return self.attempts >= self.max_attempts


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One line of a job's execution log."""

    job_id: UUID
    step: str
    status: StepStatus
    rows_affected: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: `base`, then doubling per failed attempt, never beyond `cap`."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """Return how long to wait after the `attempts`-th failed attempt (1-based)."""
        if attempts < 1:
            raise ValueError("attempts counts from 1")
        # Cap the exponent first so a long-failing job cannot overflow timedelta.
        factor: int = 2 ** min(attempts - 1, 32)
        return min(self.cap, self.base * factor)


def error_label(error: BaseException) -> str:
    """Describe a failure without its message, which could hold personal data (SQL parameters, text)."""
    code = getattr(error, "code", None)
    name = type(error).__name__
    return f"{name}:{code}" if isinstance(code, str) else name
