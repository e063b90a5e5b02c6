"""One registry of job handlers by kind, and the default schedule the worker keeps."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from renown.jobs.schedule import DEFAULT_SCHEDULE, EXPIRE_EXPORTS, RESCORE, RETENTION_SWEEP, Recurring
from renown.jobs.workflow import Environment, JobContext, JobHandler
from renown.services.retention import sweep_retention

logger = logging.getLogger(__name__)


def retention_handler(retention: Mapping[str, timedelta]) -> JobHandler:
    """The scheduled sweep: delete rows past each category's retention."""
    async def run(ctx: JobContext) -> None:
        async with ctx.uow() as uow:
            report = await sweep_retention(uow, retention=retention)
        logger.info("retention sweep deleted %s", report.deleted)
    return JobHandler(run)


def placeholder(kind: str) -> JobHandler:
    """A handler for a scheduled kind whose logic is not wired in yet: it succeeds doing nothing."""
    async def run(ctx: JobContext) -> None:
        logger.info("job kind %s has no logic wired yet", kind)
    return JobHandler(run)


def default_handlers(
    env: Environment, *, retention: Mapping[str, timedelta] | None = None,
) -> dict[str, JobHandler]:
    """Every job kind the worker knows, by kind."""
    handlers: dict[str, JobHandler] = {
        RETENTION_SWEEP: retention_handler(retention or {}),
        EXPIRE_EXPORTS: placeholder(EXPIRE_EXPORTS),
        RESCORE: placeholder(RESCORE),
    }
    return handlers


def default_schedule() -> tuple[Recurring, ...]:
    return DEFAULT_SCHEDULE
