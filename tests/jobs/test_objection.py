"""The objection workflow: scoring consents withdrawn with receipts, and the score gone from every view."""

from __future__ import annotations

from pathlib import Path

from renown.app import Runtime
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import consent, privacy
from renown.storage.member_data import MemberData, member_tables
from tests.jobs.helpers import Clock, unit_of_work
from tests.jobs.population import full_member


async def test_an_objection_stops_scoring_and_withdraws_the_score(runtime: Runtime, tmp_path: Path) -> None:
    # given Alice, scored, with scoring and topics consents on Mastodon
    clock = Clock()
    people = await full_member(runtime, tmp_path)
    # when she objects to profiling and the worker runs
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.OBJECTION)
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    while await worker.run_once():
        pass
    # then her scoring consent is withdrawn, her topics consent stays, and no score row is left
    async with unit_of_work(runtime, clock) as uow:
        states = {(c.purpose, c.is_active) for c in await consent.current_consents(uow, member_id=people.alice)
                  if c.purpose in (ConsentPurpose.SCORING, ConsentPurpose.TOPICS)}
        done = await privacy.get_request(uow, request_id=request.id)
        data = MemberData(uow.connection, await uow.vault.load(uow.connection, people.alice))
        counts = {t.name: await data.count(t) for t in member_tables() if t.name in ("score", "score_point",
                                                                                   "member_signal", "activity")}
    assert states == {(ConsentPurpose.SCORING, False), (ConsentPurpose.TOPICS, True)}
    assert counts == {"score": 0, "score_point": 0, "member_signal": 0, "activity": 4}
    assert done.status is RequestStatus.COMPLETED
    async with runtime.uow() as uow:
        steps = {s.step: s.rows_affected for s in await privacy.request_steps(uow, request_id=request.id)}
    assert steps == {"begin": 1, "withdraw_scoring_consents": 1, "withdraw_score": 3, "complete": 1}
