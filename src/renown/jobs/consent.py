"""Jobs of the consent ledger: the purge that follows a withdrawal, and the daily sweep of lapsed consents."""

from __future__ import annotations

import logging
from uuid import UUID

from renown.domain.activity import Network
from renown.jobs.workflow import JobContext, JobHandler, Workflow, step
from renown.services import consent
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

LAPSE_SWEEP = "consent.lapses"


@step("purge_network_data")
async def purge_network_data(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    payload = ctx.job.payload
    return await consent.purge_network_data(uow, UUID(str(payload["member_id"])), Network(payload["network"]))


PURGE_WORKFLOW = Workflow(consent.PURGE_JOB, (purge_network_data,))


async def _sweep(ctx: JobContext) -> None:
    async with ctx.uow() as uow:
        written = await consent.sweep_lapsed_consents(uow)
    logger.info("%d lapsed consents recorded", written)


LAPSE_HANDLER = JobHandler(_sweep)
