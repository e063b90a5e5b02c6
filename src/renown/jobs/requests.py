"""What every privacy-request workflow shares: it opens by moving the request into processing and
closes by completing it; a request whose job dies is marked failed, where the admin queue shows it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.workflow import JobContext, Step, Workflow, step
from renown.services import privacy
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)


@step("begin")
async def begin(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    if await privacy.begin_processing(uow, request_id=ctx.request_id) is None:
        ctx.end_early()  # canceled or denied meanwhile: nothing to do
        return 0
    return 1


@step("complete")
async def complete(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    await privacy.move_request(uow, request_id=ctx.request_id, to=RequestStatus.COMPLETED, actor="worker")
    return 1


async def mark_failed(ctx: JobContext) -> None:
    """The dead-letter hook: the request is owed still, so it shows as failed, not silently stuck."""
    async with ctx.uow() as uow:
        request = await uow.privacy.get(ctx.request_id)
        if request is None or not request.can_become(RequestStatus.FAILED):
            return
        await privacy.move_request(uow, request_id=ctx.request_id, to=RequestStatus.FAILED, actor="worker")
        await uow.commit()
    logger.error("privacy request %s failed after %d attempts", ctx.request_id, ctx.job.attempts)


def request_workflow(kind: RequestKind, steps: Iterable[Step]) -> Workflow:
    """The workflow of a request kind: begin, the kind's own steps, complete."""
    return Workflow(privacy.job_kind(kind), (begin, *steps, complete), on_dead=mark_failed)
