"""The schedule: recurring jobs, enqueued once per time slot however many workers are running.

Each slot's job id is derived from the entry's name and the slot's start, so every worker computes
the same id and the queue's primary key lets exactly one insert win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from renown.storage.uow import SqlUnitOfWork

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Recurring:
    """Run job `kind` every `every`, starting at the top of each slot."""

    name: str
    kind: str
    every: timedelta

    def slot(self, now: datetime) -> tuple[UUID, datetime]:
        """Return the job id and start of the slot that contains `now`."""
        index = (now - EPOCH) // self.every
        start = EPOCH + index * self.every
        return uuid5(NAMESPACE_URL, f"renown:schedule:{self.name}:{start.isoformat()}"), start


RETENTION_SWEEP = "retention.sweep"
EXPIRE_EXPORTS = "exports.expire"
RESCORE = "scoring.rescore"

DEFAULT_SCHEDULE: tuple[Recurring, ...] = (
    Recurring("retention-sweep", RETENTION_SWEEP, timedelta(hours=1)),
    Recurring("expired-exports", EXPIRE_EXPORTS, timedelta(hours=1)),
    Recurring("daily-rescoring", RESCORE, timedelta(days=1)),
)


class Scheduler:
    """Enqueues each entry's current slot; remembers what it enqueued so idle polls write nothing."""

    def __init__(self, entries: Iterable[Recurring]) -> None:
        self.entries = tuple(entries)
        self._enqueued: dict[str, UUID] = {}

    async def tick(self, uow: SqlUnitOfWork) -> int:
        """Enqueue the slots that started since the last tick; return how many were new."""
        now, added = uow.now(), 0
        for entry in self.entries:
            job_id, start = entry.slot(now)
            if self._enqueued.get(entry.name) == job_id:
                continue
            added += await uow.jobs.enqueue_once(job_id, entry.kind, {"slot": start.isoformat()}, at=now,
                                                 run_after=start, max_attempts=3)
            self._enqueued[entry.name] = job_id
        await uow.commit()
        return added
