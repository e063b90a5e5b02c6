"""Privacy requests on a real database: atomic enqueue, linked duplicates, audited transitions, deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.errors import NotFound
from renown.domain.jobs import JobStatus
from renown.domain.member import MemberStatus
from renown.domain.privacy import (
    ExtensionRefused,
    IllegalTransition,
    ReauthenticationRequired,
    RequestKind,
    RequestStatus,
)
from renown.domain.scopes import Principal, Scope
from renown.services import privacy
from renown.services.audit import member_pseudonym
from renown.storage.tables import metadata
from tests.jobs.helpers import START, Clock, add_member, job_row, unit_of_work

EVENTS = metadata.tables["audit_event"]
REQUESTS = metadata.tables["privacy_request"]


async def audit_trail(runtime: Runtime) -> list[tuple[str, str | None, dict[str, object]]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(EVENTS.c.action, EVENTS.c.subject, EVENTS.c.detail).order_by(EVENTS.c.id))
        return [(r.action, r.subject, dict(r.detail)) for r in rows]


async def test_a_request_and_its_job_commit_together(runtime: Runtime) -> None:
    # given a member
    clock = Clock()
    alice = await add_member(runtime, clock)
    # when they ask for an export
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
    # then the request is pending, due in a calendar month, and its job (same id) is queued now
    assert (request.status, request.received_at, request.due_at) == (
        RequestStatus.PENDING, START, START.replace(month=4))
    job = await job_row(runtime, request.id)
    assert (job.kind, job.status, job.payload, job.run_after) == (
        "privacy.export", "queued", {"request_id": str(request.id)}, START)
    # and the receipt is audited under the member's pseudonym, never their id
    pseudonym = member_pseudonym(runtime.vault, alice)
    assert await audit_trail(runtime) == [("privacy_request.received", pseudonym, {
        "request_id": str(request.id), "kind": "export", "due_at": "2026-04-02T09:00:00+00:00"})]
    assert len(pseudonym) == 32
    assert str(alice) not in pseudonym


async def test_a_duplicate_open_request_is_linked_to_the_first_not_run_twice(runtime: Runtime) -> None:
    # given an open export request
    clock = Clock()
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        first = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
    # when the member asks again
    clock.advance(hours=1)
    async with unit_of_work(runtime, clock) as uow:
        second = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
    # then the first request comes back, and only one job exists
    assert second == first
    async with unit_of_work(runtime, clock) as uow:
        assert [r.id for r in await uow.privacy.for_member(alice)] == [first.id]
        assert await uow.jobs.count(JobStatus.QUEUED, "privacy.export") == 1
    assert [a for a, _, _ in await audit_trail(runtime)] == [
        "privacy_request.received", "privacy_request.duplicate_linked"]


async def test_rectifications_are_never_merged_and_their_details_are_stored_encrypted(runtime: Runtime) -> None:
    clock = Clock()
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        first = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.RECTIFICATION,
                                             details={"display_name": "Alice Q. Example"})
        second = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.RECTIFICATION,
                                              details={"statement": "My 2025 posts were satire."})
    assert first.id != second.id
    async with unit_of_work(runtime, clock) as uow:
        assert await uow.privacy.details(first) == {"display_name": "Alice Q. Example"}
    async with runtime.engine.connect() as conn:
        raw = (await conn.execute(sa.select(REQUESTS.c.details_enc).where(REQUESTS.c.id == first.id))).scalar_one()
    assert b"Alice Q. Example" not in bytes(raw)


async def test_an_erasure_waits_out_its_grace_period_and_can_be_canceled(runtime: Runtime) -> None:
    # given a member who asks to be erased, with a 7-day grace period
    clock = Clock()
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.ERASURE,
                                               grace=timedelta(days=7))
        member = await uow.members.get(alice)
    # then they are hidden meanwhile, and the job waits for the end of the grace period
    assert request.status is RequestStatus.AWAITING_GRACE
    assert member is not None
    assert member.status is MemberStatus.ERASURE_PENDING
    assert (await job_row(runtime, request.id)).run_after == START + timedelta(days=7)
    # when they cancel on day 3
    clock.advance(days=3)
    async with unit_of_work(runtime, clock) as uow:
        canceled = await privacy.cancel_erasure(uow, member_id=alice)
        member = await uow.members.get(alice)
    # then the request is closed, the member is back, and each transition was audited
    assert (canceled.status, canceled.completed_at) == (RequestStatus.CANCELED, START + timedelta(days=3))
    assert member is not None
    assert member.status is MemberStatus.ACTIVE
    transitions = [(d["from"], d["to"]) for a, _, d in await audit_trail(runtime) if a == "privacy_request.transition"]
    assert transitions == [("pending", "awaiting_grace"), ("awaiting_grace", "canceled")]
    # and a canceled erasure cannot be started
    async with unit_of_work(runtime, clock) as uow:
        with pytest.raises(IllegalTransition):
            await privacy.move_request(uow, request_id=request.id, to=RequestStatus.IN_PROGRESS, actor="worker")
        assert await privacy.begin_processing(uow, request_id=request.id) is None
        with pytest.raises(NotFound):
            await privacy.cancel_erasure(uow, member_id=alice)


async def test_an_extension_is_recorded_audited_and_refused_a_second_time(runtime: Runtime) -> None:
    clock = Clock()
    alice = await add_member(runtime, clock)
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
    clock.advance(days=10)
    async with unit_of_work(runtime, clock) as uow:
        extended = await privacy.extend_deadline(uow, request_id=request.id, months=2, reason="Archive of 9 networks")
    async with unit_of_work(runtime, clock) as uow:
        stored = await privacy.get_request(uow, request_id=request.id)
        with pytest.raises(ExtensionRefused):
            await privacy.extend_deadline(uow, request_id=request.id, months=1, reason="again")
    assert stored == extended
    assert (stored.due_at, stored.extension_reason) == (START.replace(month=6), "Archive of 9 networks")
    actions = await audit_trail(runtime)
    assert actions[-1][0] == "privacy_request.extended"
    assert actions[-1][2] == {"request_id": str(request.id), "kind": "export", "months": 2,
                              "due_at": "2026-06-02T09:00:00+00:00"}


async def test_admins_see_overdue_and_at_risk_requests(runtime: Runtime) -> None:
    # given three open requests received on different days, and one closed
    clock = Clock()
    members = [await add_member(runtime, clock, f"member{n}@example.org") for n in range(4)]
    ids = []
    for n, member in enumerate(members):
        async with unit_of_work(runtime, clock) as uow:
            ids.append((await privacy.submit_request(uow, member_id=member, kind=RequestKind.OBJECTION)).id)
        clock.advance(days=10 * (n + 1))
    async with unit_of_work(runtime, clock) as uow:
        await privacy.deny_request(uow, request_id=ids[0], justification="JustificationA21CompellingGrounds")
    # when an officer looks on 10 April (due: 2 Apr, 12 Apr, 2 May, 1 Jun)
    clock.moment = START.replace(month=4, day=10)
    async with unit_of_work(runtime, clock) as uow:
        overdue = await privacy.overdue_requests(uow)
        at_risk = await privacy.at_risk_requests(uow, within=timedelta(days=7))
    # then the denied one is in neither list
    assert [r.id for r in overdue] == []
    assert [r.id for r in at_risk] == [ids[1]]
    clock.moment = START.replace(month=5, day=3)
    async with unit_of_work(runtime, clock) as uow:
        assert [r.id for r in await privacy.overdue_requests(uow)] == [ids[1], ids[2]]


async def test_another_members_request_looks_like_no_request(runtime: Runtime) -> None:
    clock = Clock()
    alice = await add_member(runtime, clock)
    bob = await add_member(runtime, clock, "bob@example.org")
    async with unit_of_work(runtime, clock) as uow:
        request = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.EXPORT)
        assert await privacy.get_request(uow, request_id=request.id, member_id=alice) == request
        with pytest.raises(NotFound):
            await privacy.get_request(uow, request_id=request.id, member_id=bob)


def test_sensitive_steps_need_a_recent_sign_in() -> None:
    principal = Principal(subject="alice@example.org", scopes=frozenset({Scope.MEMBER}),
                          auth_time=START, issuer="https://renown.example.org", token_id="t1")
    privacy.require_recent_auth(principal, max_age_seconds=900, now=START + timedelta(minutes=15))
    with pytest.raises(ReauthenticationRequired):
        privacy.require_recent_auth(principal, max_age_seconds=900, now=START + timedelta(minutes=16))
