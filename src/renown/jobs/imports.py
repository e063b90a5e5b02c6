"""The `import` job: an archive too large to import inside its upload request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from renown.domain.activity import Network, ParsedArchive
from renown.domain.errors import ArchiveError
from renown.domain.import_jobs import IMPORT_JOB_KIND
from renown.jobs.workflow import Environment, JobContext, JobHandler
from renown.services.import_jobs import ProgressBoard, abandon_import_job, run_import_job

logger = logging.getLogger(__name__)

Parser = Callable[[Path, Any], ParsedArchive]

__all__ = ["IMPORT_JOB_KIND", "import_handler", "spool_folder"]


def spool_folder(env: Environment) -> Path:
    """Where uploads wait (the API's `Services.spool_dir`: `var_dir/uploads`)."""
    return env.settings.var_dir / "uploads"


def import_handler(
    parsers: Mapping[Network, Parser], limits: Any, *, board: Callable[[JobContext], ProgressBoard] | None = None,
) -> JobHandler:
    """Run queued imports with these parsers and archive limits (`board`: where progress goes, by default beside
    the spool or on the job row)."""
    def board_of(ctx: JobContext) -> ProgressBoard:
        return board(ctx) if board is not None else ProgressBoard(ctx.uow, spool_folder(ctx.env))

    def parse(network: Network, path: Path) -> ParsedArchive:
        parser = parsers.get(network)
        if parser is None:
            raise ArchiveError(f"archives of {network.value} are not supported yet")
        return parser(path, limits)

    async def run(ctx: JobContext) -> None:
        state = await run_import_job(ctx.uow, ctx.job, parse=parse, folder=spool_folder(ctx.env), board=board_of(ctx))
        logger.info("import job %s ended %s (%s)", ctx.job.id, state.status.value, state.error_code or "ok")

    async def dead(ctx: JobContext) -> None:
        await abandon_import_job(ctx.uow, ctx.job, folder=spool_folder(ctx.env), board=board_of(ctx))

    return JobHandler(run, dead)
