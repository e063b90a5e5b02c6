"""The export workflow (Art. 15 and 20): build the encrypted archive, then publish its link."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from renown.domain.privacy import RequestKind
from renown.jobs.requests import request_workflow
from renown.jobs.workflow import JobContext, Workflow, step
from renown.services import exports
from renown.settings import Settings
from renown.storage.exports import ExportStore
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)


def export_store(settings: Settings) -> ExportStore:
    """The folder archives live in, under `var_dir`."""
    return ExportStore(settings.var_dir / "exports")


@step("build_archive")
async def build_archive(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Write the archive; its file and record commit with this step, and a rerun replaces them."""
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    lifetime = timedelta(days=ctx.env.policies.processing.export_link_days)
    built = await exports.build_export(
        uow, export_store(ctx.env.settings), export_id=request.id, member_id=request.member_id,
        signer=ctx.env.tokens, policies=ctx.env.policies, link_lifetime=lifetime)
    await uow.privacy.save(replace(request, result={
        "export_id": str(built.export_id), "expires_at": built.expires_at.isoformat(), "bytes": built.size,
        "files": len(built.summary.files), "rows": built.summary.rows}))
    return sum(built.summary.rows.values())


EXPORT_WORKFLOW: Workflow = request_workflow(RequestKind.EXPORT, (build_archive,))


async def expire(ctx: JobContext) -> None:
    """The scheduled job: delete archives whose download link expired."""
    async with ctx.uow() as uow:
        gone = await exports.expire_exports(uow, export_store(ctx.env.settings))
    logger.info("%d expired exports deleted", gone)
