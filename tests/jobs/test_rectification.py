"""The rectification workflow: corrections applied, a rescore queued, recipients told, the statement kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import privacy
from renown.storage.tables import metadata
from tests.jobs.helpers import Clock, unit_of_work
from tests.jobs.population import full_member

T = metadata.tables


async def test_a_rectification_corrects_the_name_hides_a_topic_and_tells_the_brand(
    runtime: Runtime, tmp_path: Path,
) -> None:
    # given Alice, who claimed a perk, asking for a new display name, a hidden topic and a statement
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.RECTIFICATION, details={
            "display_name": "Alice Q. Canary", "hide_topics": ["gardening"], "statement": "I moved to Lyon."})
    sent: list[dict[str, Any]] = []

    async def send(notice: dict[str, Any]) -> bool:
        sent.append(dict(notice))
        return True

    # when the worker runs everything due
    worker = Worker(runtime, default_handlers(runtime, send_notice=send), clock=clock)
    while await worker.run_once():
        pass
    # then the name and the topic are corrected, a rescore is queued, and the brand heard of it
    async with unit_of_work(runtime, clock) as uow:
        member = await uow.members.get(people.alice)
        done = await privacy.get_request(uow, request_id=request.id)
        statement = await uow.privacy.details(done)
        hidden = (await uow.connection.execute(sa.select(T["member_topic"].c.hidden).where(
            T["member_topic"].c.member_id == people.alice))).scalars().all()
        rescore = (await uow.connection.execute(sa.select(T["job"].c.payload).where(
            T["job"].c.kind == "scoring.rescore"))).scalars().all()
    assert member is not None
    assert member.display_name == "Alice Q. Canary"
    assert hidden == [True]
    assert rescore == [{"reason": "rectification", "members": [str(people.alice)]}]
    assert sorted((n["recipient"], n["kind"]) for n in sent) == [("brands", "rectification"), ("member", "extension")]
    assert done.status is RequestStatus.COMPLETED
    assert statement is not None
    assert statement["statement"] == "I moved to Lyon."
