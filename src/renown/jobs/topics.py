"""The topics backfill that follows a late `topics` (or `special_topics`) grant, page by committed page.

Each page's topics commit with the job's cursor in its payload, under the worker's lease; a worker
that dies mid-way leaves the pages done, and the next one resumes after the last committed page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from renown.domain.activity import Network
from renown.jobs.scoring import rescore_member
from renown.jobs.workflow import JobContext, LeaseLost, StopRequested, Workflow, step
from renown.services.topic_consent import BACKFILL_JOB, Cursor, backfill_page
from renown.storage.uow import SqlUnitOfWork

CURSOR = "after"


def _cursor(payload: dict[str, Any]) -> Cursor | None:
    saved = payload.get(CURSOR)
    if not saved:
        return None
    published, activity_id = saved
    return datetime.fromisoformat(str(published)), UUID(str(activity_id))


@step("assign_topics")
async def assign_topics(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    payload = dict(ctx.job.payload)
    member_id, network = UUID(str(payload["member_id"])), Network(str(payload["network"]))
    cursor, written = _cursor(payload), 0
    while True:
        rows, cursor = await backfill_page(uow, member_id, network, after=cursor)
        written += rows
        if cursor is None:
            return written  # the last page commits with the step's log line
        payload[CURSOR] = [cursor[0].isoformat(), str(cursor[1])]
        await uow.jobs.set_payload(ctx.job.id, payload)
        # Fencing, as the workflow does for a step: commit a page only while this worker holds the lease.
        if not await uow.jobs.heartbeat(ctx.job.id, ctx.worker_id, now=ctx.now(), lease=ctx.lease):
            raise LeaseLost()
        await uow.commit()
        if ctx.stop.is_set():
            raise StopRequested()


TOPICS_BACKFILL = Workflow(BACKFILL_JOB, (assign_topics, rescore_member))
