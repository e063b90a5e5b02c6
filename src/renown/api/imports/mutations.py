"""`importArchive`: a GraphQL multipart upload of a network's archive."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from renown.api.context import Info
from renown.api.errors import RequestRefused
from renown.api.imports.types import ArchiveImported, ImportJob, ImportQueued
from renown.api.members.queries import subject_of
from renown.api.permissions import IsMember
from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.services.import_jobs import QueuedImport

__all__ = ["ArchiveImported", "ImportArchiveResult", "ImportMutations"]  # ArchiveImported: also `syncAccount`'s

ImportArchiveResult = Annotated[
    ArchiveImported | ImportQueued | RequestRefused, strawberry.union("ImportArchiveResult")]


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        permission_classes=IsMember,
        description="Import an archive downloaded from a network; a refused archive stores nothing. "
                    "A large archive is queued instead (ImportQueued) and imported in the background.",
    )
    async def import_archive(self, info: Info, network: Network, file: Upload) -> ImportArchiveResult:
        upload = cast(UploadFile, file)
        try:
            summary = await info.context.services.import_upload(
                subject=subject_of(info), network=network, read=upload.read
            )
        except RenownError as error:
            return RequestRefused.from_error(error)
        finally:
            await upload.close()
        if isinstance(summary, QueuedImport):
            return ImportQueued(job=ImportJob.from_state(summary.job_id, summary.state))
        return ArchiveImported(imported=summary.imported, skipped=summary.skipped, coverage=list(summary.coverage))
