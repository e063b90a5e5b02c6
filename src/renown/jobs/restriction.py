"""The restriction workflow (Art. 18): the request itself is the flag the consent gate reads, so its job
only records which processing stopped; the data stays as it is until the member lifts the restriction."""

from __future__ import annotations

from renown.domain.privacy import RESTRICTED_PURPOSES, RequestKind
from renown.jobs.requests import request_workflow
from renown.jobs.workflow import JobContext, Workflow, step
from renown.services import audit
from renown.storage.uow import SqlUnitOfWork


@step("stop_processing")
async def stop_processing(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Record the purposes the standing restriction stops (the gate already refuses them)."""
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    purposes = sorted(p.value for p in RESTRICTED_PURPOSES)
    await audit.record(uow, actor="worker", action="privacy_request.processing_restricted",
                       member_id=request.member_id, detail={"request_id": str(request.id), "purposes": purposes})
    return len(purposes)


RESTRICTION_WORKFLOW: Workflow = request_workflow(RequestKind.RESTRICTION, (stop_processing,))
