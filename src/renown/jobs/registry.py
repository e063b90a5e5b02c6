"""One registry of job handlers by kind, and the default schedule the worker keeps."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

from renown.connectors.archive import ArchiveLimits
from renown.connectors.registry import PARSERS
from renown.domain.notices import DELIVER_NOTICES
from renown.jobs import export
from renown.jobs.consent import LAPSE_HANDLER, LAPSE_SWEEP
from renown.jobs.erasure import TokenRevoker, erasure_workflow
from renown.jobs.imports import IMPORT_JOB_KIND, import_handler
from renown.jobs.notices import NOTICE_SWEEP, delivery_handler
from renown.jobs.objection import OBJECTION_WORKFLOW
from renown.jobs.rectification import RECTIFICATION_WORKFLOW
from renown.jobs.restriction import RESTRICTION_WORKFLOW
from renown.jobs.schedule import DEFAULT_SCHEDULE, EXPIRE_EXPORTS, RESCORE, RETENTION_SWEEP, Recurring
from renown.jobs.scoring import CONSENT_PURGE, rescore_handler
from renown.jobs.topics import TOPICS_BACKFILL
from renown.jobs.workflow import Environment, JobContext, JobHandler
from renown.services.notices import NoticeTransport, inbox_only
from renown.services.retention import retention_from_policies, sweep_retention

logger = logging.getLogger(__name__)



def retention_handler(retention: Mapping[str, timedelta]) -> JobHandler:
    """The scheduled sweep: delete rows past each category's retention."""
    async def run(ctx: JobContext) -> None:
        async with ctx.uow() as uow:
            report = await sweep_retention(uow, retention=retention)
        logger.info("retention sweep deleted %s", report.deleted)
        if report.unenforced:
            logger.warning("no retention rule enforces categories %s", ", ".join(report.unenforced))
    return JobHandler(run)


def placeholder(kind: str) -> JobHandler:
    """A handler for a scheduled kind whose logic is not wired in yet: it succeeds doing nothing."""
    async def run(ctx: JobContext) -> None:
        logger.info("job kind %s has no logic wired yet", kind)
    return JobHandler(run)


def default_handlers(
    env: Environment, *, retention: Mapping[str, timedelta] | None = None, revoke: TokenRevoker | None = None,
    send_notice: NoticeTransport = inbox_only,
) -> dict[str, JobHandler]:
    """Every job kind the worker knows, by kind."""
    erasure = erasure_workflow(revoke)
    handlers: dict[str, JobHandler] = {
        export.EXPORT_WORKFLOW.kind: export.EXPORT_WORKFLOW.handler(),
        erasure.kind: erasure.handler(),
        RECTIFICATION_WORKFLOW.kind: RECTIFICATION_WORKFLOW.handler(),
        OBJECTION_WORKFLOW.kind: OBJECTION_WORKFLOW.handler(),
        RESTRICTION_WORKFLOW.kind: RESTRICTION_WORKFLOW.handler(),
        LAPSE_SWEEP: LAPSE_HANDLER,
        DELIVER_NOTICES: delivery_handler(send_notice),
        RETENTION_SWEEP: retention_handler(retention_from_policies(env.policies) if retention is None else retention),
        EXPIRE_EXPORTS: JobHandler(export.expire),
        RESCORE: rescore_handler(),
        CONSENT_PURGE.kind: CONSENT_PURGE.handler(),
        TOPICS_BACKFILL.kind: TOPICS_BACKFILL.handler(),
        IMPORT_JOB_KIND: import_handler(PARSERS, ArchiveLimits(
            max_archive_bytes=env.settings.max_archive_bytes,
            max_uncompressed_bytes=env.settings.max_uncompressed_bytes,
            max_compression_ratio=env.settings.max_compression_ratio, max_members=env.settings.max_archive_members)),
    }
    return handlers


def linking_revoker(runtime: object) -> TokenRevoker | None:
    """Revoke through the runtime's live account linking, when the process has one."""
    linking = getattr(getattr(runtime, "services", None), "linking", None)
    if linking is None:
        return None

    async def revoke(member_id: UUID) -> int:
        return len(await linking.revoke_all(member_id=member_id))
    return revoke


def default_schedule() -> tuple[Recurring, ...]:
    return (*DEFAULT_SCHEDULE, Recurring("consent-lapses", LAPSE_SWEEP, timedelta(days=1)), NOTICE_SWEEP)
