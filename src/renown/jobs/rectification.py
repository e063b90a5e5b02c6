"""The rectification workflow (Art. 16 and 19): apply the corrections, rescore, tell the recipients.

A request's details may hold `display_name` (a new name, or null to remove it), `hide_topics` (topic
slugs not to show) and `statement` (the member's own words, kept with the request and exported).
"""

from __future__ import annotations

from uuid import uuid5

from renown.domain.privacy import RequestKind
from renown.jobs.requests import notify_recipients, request_workflow
from renown.jobs.schedule import RESCORE
from renown.jobs.workflow import JobContext, Workflow, step
from renown.storage.rectification import RectificationRepository
from renown.storage.uow import SqlUnitOfWork


@step("apply_corrections")
async def apply_corrections(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    details = await uow.privacy.details(request) or {}
    repository = RectificationRepository(uow.connection)
    changed = 0
    if "display_name" in details:
        cipher = await uow.vault.load(uow.connection, request.member_id)
        changed += await repository.set_display_name(cipher, details["display_name"])
    changed += await repository.hide_topics(request.member_id, details.get("hide_topics", []))
    return changed


@step("rescore")
async def rescore(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    await uow.jobs.enqueue_once(uuid5(ctx.request_id, RESCORE), RESCORE,
                                {"reason": "rectification", "members": [str(request.member_id)]}, at=uow.now())
    return 1


RECTIFICATION_WORKFLOW: Workflow = request_workflow(
    RequestKind.RECTIFICATION, (apply_corrections, rescore, notify_recipients("rectification")))
