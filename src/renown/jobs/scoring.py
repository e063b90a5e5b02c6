"""Scoring jobs: the daily rescoring of the whole population, and the purge that follows a withdrawal."""

from __future__ import annotations

import logging
from uuid import UUID

from renown.domain.activity import Network
from renown.jobs.workflow import JobContext, JobHandler, Workflow, step
from renown.services.consent import PURGE_JOB, purge_network_data
from renown.services.rescore import rescore_population
from renown.services.scoring import score_member_now
from renown.services.topic_consent import purge_special_topics
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)


def rescore_handler() -> JobHandler:
    """Score every member against the stored calibration (refitted when the population doubled)."""
    async def run(ctx: JobContext) -> None:
        report = await rescore_population(ctx.uow)
        logger.info("rescored %d members (%d withdrawn), calibration %s, seconds %s", report.scored,
                    report.withdrawn, report.calibration_version, report.seconds)
    return JobHandler(run)


def _scope(ctx: JobContext) -> tuple[UUID, Network]:
    return UUID(str(ctx.job.payload["member_id"])), Network(str(ctx.job.payload["network"]))


@step("purge_network_data")
async def purge(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    member_id, network = _scope(ctx)
    return await purge_network_data(uow, member_id, network)


@step("purge_special_topics")
async def purge_special(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    member_id, network = _scope(ctx)
    # Special-category topics found under `special_topics` go once it is withdrawn, even if posts stay.
    return await purge_special_topics(uow, member_id, network)


@step("rescore_member")
async def rescore_member(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    member_id, _ = _scope(ctx)
    # Without that network's data the score changes now, not at the next daily run.
    return 0 if await score_member_now(uow, member_id) is None else 1


CONSENT_PURGE = Workflow(PURGE_JOB, (purge, purge_special, rescore_member))
