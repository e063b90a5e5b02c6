"""The daily sweep of lapsed consents (the purge that follows a withdrawal is in `jobs.scoring`)."""

from __future__ import annotations

import logging

from renown.jobs.workflow import JobContext, JobHandler
from renown.services import consent

logger = logging.getLogger(__name__)

LAPSE_SWEEP = "consent.lapses"


async def _sweep(ctx: JobContext) -> None:
    async with ctx.uow() as uow:
        written = await consent.sweep_lapsed_consents(uow)
    logger.info("%d lapsed consents recorded", written)


LAPSE_HANDLER = JobHandler(_sweep)
