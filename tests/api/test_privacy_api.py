"""Privacy rights over GraphQL: export, erasure, restriction, objection, ownership and the admin queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.policies import ConsentPurpose
from renown.domain.scopes import Scope
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services.consent_gate import ConsentGate
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql
from tests.api.journeys import REGISTER, grant, join, member_id, set_score

ALICE, BOB = "alice@example.org", "bob@example.org"
REQUEST = "... on PrivacyRequest { id kind status dueAt } ... on RequestRefused { code message }"
VIEW = """query($id: ID!) {
  privacyRequest(id: $id) { kind status dueAt steps { name status } downloadUrl certificate }
}"""
GATED = (ConsentPurpose.SCORING, ConsentPurpose.PUBLIC_PROFILE)


def mutation(name: str) -> str:
    return f"mutation {{ {name} {{ __typename {REQUEST} }} }}"


async def call(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    result = await gql(client, mutation(name), headers)
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"][name]
    return payload


async def run_worker(runtime: Runtime) -> None:
    worker = Worker(runtime, default_handlers(runtime))
    while await worker.run_once():
        pass


async def register(client: httpx.AsyncClient, runtime: Runtime, subject: str) -> dict[str, str]:
    headers = bearer(runtime, subject)
    assert (await gql(client, REGISTER, headers, {"name": None}))["data"]["register"]["__typename"] == "Registered"
    return headers


async def gate_allows(runtime: Runtime, subject: str) -> set[ConsentPurpose]:
    async with runtime.uow() as uow:
        return set(await ConsentGate.of(uow).purposes(uow, member_id=await member_id(runtime, subject),
                                                      network=Network.MASTODON, among=GATED))


async def test_a_completed_export_shows_a_link_that_downloads_the_zip(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given Alice, registered
    alice = await register(client, runtime, ALICE)
    # when she asks for an export and the worker runs
    asked = await call(client, alice, "requestExport")
    await run_worker(runtime)
    # then her request is completed, every step done, and the link serves a ZIP
    view = (await gql(client, VIEW, alice, {"id": asked["id"]}))["data"]["privacyRequest"]
    assert (asked["__typename"], asked["kind"], asked["status"]) == ("PrivacyRequest", "EXPORT", "PENDING")
    assert (view["kind"], view["status"], view["certificate"]) == ("EXPORT", "COMPLETED", None)
    assert {s["status"] for s in view["steps"]} == {"DONE"}
    assert [view["steps"][0]["name"], view["steps"][-1]["name"]] == ["begin", "complete"]
    download = await client.get(view["downloadUrl"], headers=alice)
    assert download.status_code == 200
    assert download.content[:4] == b"PK\x03\x04"


async def test_erasure_needs_a_recent_sign_in_and_can_be_canceled(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given Alice, registered, with a token from a sign-in an hour ago
    await register(client, runtime, ALICE)
    stale = {"Authorization": "Bearer " + runtime.tokens.mint(
        ALICE, [Scope.MEMBER], auth_time=datetime.now(UTC) - timedelta(hours=1))}
    fresh = {"Authorization": "Bearer " + runtime.tokens.mint(ALICE, [Scope.MEMBER], auth_time=datetime.now(UTC))}
    # when she asks for erasure with the stale token, then a fresh one, then cancels
    refused = await call(client, stale, "requestErasure")
    pending = await call(client, fresh, "requestErasure")
    canceled = await call(client, fresh, "cancelErasure")
    # then the first is refused, the second waits out its grace period, and the cancel ends it
    assert refused == {"__typename": "RequestRefused", "code": "REAUTHENTICATION_REQUIRED",
                       "message": "this step needs a recent sign-in"}
    assert (pending["kind"], pending["status"]) == ("ERASURE", "AWAITING_GRACE")
    assert (canceled["id"], canceled["status"]) == (pending["id"], "CANCELED")


async def test_a_restriction_stops_scoring_and_public_profile_until_lifted_after_notice(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path,
) -> None:
    # given Alice, consenting to scoring and a public profile on Mastodon
    alice = await join(client, runtime, tmp_path / "alice", subject=ALICE, handle="alice")
    await grant(client, alice, "PUBLIC_PROFILE", "MASTODON")
    before = await gate_allows(runtime, ALICE)
    # when she restricts processing and the worker runs
    restricted = await call(client, alice, "restrictProcessing")
    await run_worker(runtime)
    during = await gate_allows(runtime, ALICE)
    # and then lifts the restriction
    lifted = await gql(client, """mutation { liftRestriction { __typename
        ... on RestrictionLifted { announcedAt liftedAt request { id status } } } }""", alice)
    after = await gate_allows(runtime, ALICE)
    # then the gate refused both purposes only while restricted, and the lift was announced first
    assert before == set(GATED) == after
    assert during == set()
    assert (restricted["kind"], restricted["status"]) == ("RESTRICTION", "PENDING")
    result = lifted["data"]["liftRestriction"]
    assert result["request"] == {"id": restricted["id"], "status": "LIFTED"}
    assert result["announcedAt"] <= result["liftedAt"]
    async with runtime.engine.connect() as conn:
        notices = (await conn.execute(sa.select(metadata.tables["recipient_notice"].c.recipient,
                                                metadata.tables["recipient_notice"].c.kind))).all()
    assert [tuple(n) for n in notices] == [("member", "restriction_lift")]


async def test_an_objection_withdraws_the_score(client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path) -> None:
    # given Alice, scored
    alice = await join(client, runtime, tmp_path / "alice", subject=ALICE, handle="alice")
    await set_score(runtime, ALICE, 61.0)
    shown = (await gql(client, "{ me { score { value } } }", alice))["data"]["me"]["score"]
    # when she objects to profiling and the worker runs
    objected = await call(client, alice, "objectToProfiling")
    await run_worker(runtime)
    # then her score is gone and the request completed
    after = (await gql(client, "{ me { score { value } privacyRequests { kind status } } }", alice))["data"]["me"]
    assert shown == {"value": 61.0}
    assert objected["kind"] == "OBJECTION"
    assert after == {"score": None, "privacyRequests": [{"kind": "OBJECTION", "status": "COMPLETED"}]}


async def test_another_member_cannot_read_a_request(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given Alice's export request
    alice = await register(client, runtime, ALICE)
    bob = await register(client, runtime, BOB)
    asked = await call(client, alice, "requestExport")
    # when Bob asks for it by id
    result = await gql(client, VIEW, bob, {"id": asked["id"]})
    # then it does not exist for him
    assert (result["data"], "errors" in result) == ({"privacyRequest": None}, False)


async def test_admin_lists_overdue_and_at_risk_requests_and_the_audit_log(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given Alice's export long past its deadline and Bob's objection due in three days
    alice = await register(client, runtime, ALICE)
    bob = await register(client, runtime, BOB)
    late = await call(client, alice, "requestExport")
    soon = await call(client, bob, "objectToProfiling")
    requests = metadata.tables["privacy_request"]
    now = datetime.now(UTC)
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(requests).where(requests.c.kind == "export")
                           .values(due_at=now - timedelta(days=2)))
        await conn.execute(sa.update(requests).where(requests.c.kind == "objection")
                           .values(due_at=now + timedelta(days=3)))
    admin = bearer(runtime, "dpo@renown.example.org", (Scope.ADMIN,))
    # when the admin lists each queue and the audit log
    overdue = await gql(client, "{ privacyRequests(overdue: true) { id kind } }", admin)
    at_risk = await gql(client, "{ privacyRequests(atRisk: true) { id kind } }", admin)
    log = await gql(client, "{ auditLog(first: 2) { action actor } }", admin)
    # then each shows exactly its request, and the log its newest entries
    assert overdue["data"]["privacyRequests"] == [{"id": late["id"], "kind": "EXPORT"}]
    assert at_risk["data"]["privacyRequests"] == [{"id": soon["id"], "kind": "OBJECTION"}]
    assert log["data"]["auditLog"] == [{"action": "privacy_request.received", "actor": "member"}] * 2


async def test_a_member_cannot_call_admin_fields(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given Alice with a member token
    alice = await register(client, runtime, ALICE)
    # when she asks for the admin queue and the audit log
    queue = await gql(client, "{ privacyRequests { id } }", alice)
    log = await gql(client, "{ auditLog { id } }", alice)
    # then both are forbidden
    assert [e["extensions"]["code"] for e in queue["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in log["errors"]] == ["FORBIDDEN"]
    assert (queue["data"], log["data"]) == (None, None)
