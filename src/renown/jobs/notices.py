"""The notice delivery job: moves pending outbox entries to their recipients' inboxes.

Enqueued with each notice (in the transaction that writes it) and swept on a schedule, so a notice whose
job died is still delivered. A notice that could not be pushed makes the job fail, and the worker retries
it with backoff; delivered ones are not delivered again (see `services.notices`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from renown.domain.notices import DELIVER_NOTICES
from renown.jobs.schedule import Recurring
from renown.jobs.workflow import JobContext, JobHandler
from renown.services.notices import NoticeTransport, deliver_pending, inbox_only

logger = logging.getLogger(__name__)

NOTICE_SWEEP = Recurring("notice-delivery", DELIVER_NOTICES, timedelta(minutes=15))


class UndeliveredNotices(Exception):  # noqa: N818 - makes the job retry with backoff
    """Some notices stayed pending; the job is retried."""


def delivery_handler(transport: NoticeTransport = inbox_only) -> JobHandler:
    async def run(ctx: JobContext) -> None:
        report = await deliver_pending(ctx.uow, transport)
        logger.info("notices delivered: %d, failed: %d", report.delivered, report.failed)
        if report.failed:
            raise UndeliveredNotices(f"{report.failed} notices could not be delivered")
    return JobHandler(run)
