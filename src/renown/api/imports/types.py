"""The import types clients see: a finished import, a queued one, and a queued import's progress."""

from __future__ import annotations

from uuid import UUID

import strawberry

from renown.api.errors import RequestRefused
from renown.domain.import_jobs import ImportJobState, ImportStatus

strawberry.enum(ImportStatus, name="ImportStatus", description="Where a queued import stands.")


@strawberry.type(description="The archive was imported in one transaction.")
class ArchiveImported:
    imported: int = strawberry.field(description="Activities added by this import.")
    skipped: int = strawberry.field(description="Activities already stored (re-imports add nothing twice).")
    coverage: list[str] = strawberry.field(description="Signals this archive carries.")


@strawberry.type(description="A large archive's import, run in the background; `importJob(id)` follows it.")
class ImportJob:
    id: strawberry.ID
    status: ImportStatus
    progress: float = strawberry.field(
        description="Activities done over the total once it is counted (0 to 1); before that, activities done.")
    activities_done: int = strawberry.field(description="Activities processed so far.")
    activities_total: int | None = strawberry.field(description="Activities in the archive; null until counted.")
    imported: int | None = strawberry.field(description="Activities added; null until the import is done.")
    skipped: int | None = strawberry.field(description="Activities already stored; null until the import is done.")
    coverage: list[str] = strawberry.field(description="Signals the archive carries; empty until it is done.")
    error: RequestRefused | None = strawberry.field(
        description="Why the import failed (nothing was stored); null unless the status is FAILED.")

    @classmethod
    def from_state(cls, job_id: UUID, state: ImportJobState) -> ImportJob:
        error = None
        if state.error_code is not None:
            error = RequestRefused(code=state.error_code, message=state.error_message or "")
        return cls(id=strawberry.ID(str(job_id)), status=state.status, progress=state.progress,
                   activities_done=state.done, activities_total=state.total, imported=state.imported,
                   skipped=state.skipped, coverage=list(state.coverage), error=error)


@strawberry.type(description="The archive is large: it was accepted and its import runs as a background job.")
class ImportQueued:
    job: ImportJob
