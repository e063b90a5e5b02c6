"""Read-side use cases of the job queue (for operators and metrics)."""

from __future__ import annotations

from renown.domain.jobs import JobStatus
from renown.storage.uow import SqlUnitOfWork


async def queue_depth(uow: SqlUnitOfWork) -> dict[str, int]:
    """The number of jobs in each status, every status present (zero when none)."""
    return {status.value: await uow.jobs.count(status) for status in JobStatus}
