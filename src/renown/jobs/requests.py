"""What every privacy-request workflow shares: it opens by moving the request into processing and
closes by completing it; a request whose job dies is marked failed, where the admin queue shows it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import uuid5

from renown.domain.notices import DELIVER_NOTICES, NoticeKind
from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.workflow import JobContext, Step, Workflow, step
from renown.services import privacy
from renown.storage.erasure import ErasureRepository
from renown.storage.notices import NoticeRepository
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


def notify_recipients(kind: str) -> Step:
    """Art. 19: queue one notice per disclosure of the member's data, and the job that delivers them."""
    @step("notify_recipients")
    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        request = await uow.privacy.get(ctx.request_id)
        assert request is not None
        recipients = await ErasureRepository(uow.connection).recipients(request.member_id)
        outbox = NoticeRepository(uow.connection, uow.vault)
        for recipient in recipients:
            await outbox.add(
                request_id=ctx.request_id, recipient=recipient["recipient"], recipient_ref=recipient["recipient_ref"],
                kind=NoticeKind(kind), reference=f"{recipient['context']}:{recipient['context_id']}", at=uow.now())
        if recipients:
            await uow.jobs.enqueue_once(uuid5(ctx.request_id, DELIVER_NOTICES), DELIVER_NOTICES, {}, at=uow.now())
        return len(recipients)
    return run
