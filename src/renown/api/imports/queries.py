"""`importJob`: the progress and outcome of one of the caller's queued imports."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.errors import RequestRefused
from renown.api.ids import uuid_of
from renown.api.imports.types import ImportJob
from renown.api.members.queries import subject_of
from renown.api.permissions import IsMember
from renown.domain.errors import NotFound, RenownError

ImportJobResult = Annotated[ImportJob | RequestRefused, strawberry.union("ImportJobResult")]


def _job_id(value: strawberry.ID) -> UUID:
    if (job_id := uuid_of(value)) is None:
        raise NotFound("no such import job")
    return job_id


@strawberry.type
class ImportQueries:
    @strawberry.field(
        permission_classes=IsMember,
        description="A queued import of the caller's; NOT_FOUND for any other id, whoever's job it is.",
    )
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJobResult:  # noqa: A002 - GraphQL `id`
        try:
            job_id = _job_id(id)
            state = await info.context.services.import_job(subject=subject_of(info), job_id=job_id)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return ImportJob.from_state(job_id, state)
