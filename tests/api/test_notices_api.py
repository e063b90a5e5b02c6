"""Notices over GraphQL: the admin's deadline extension (told to the member), the member's inbox, and a
brand's Art. 19 inbox naming the perk claim it saw and nothing else; each inbox for its recipient alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.notices import NoticeKind
from renown.domain.perks import BRANDS
from renown.domain.scopes import Scope
from renown.services import notices, privacy
from renown.storage.notices import NoticeRepository
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql
from tests.api.journeys import brand, create_perk, join, member_id, set_score
from tests.api.test_privacy_api import register, run_worker

ALICE, BOB = "alice@example.org", "bob@example.org"
REQUESTS = metadata.tables["privacy_request"]
EXPORT = "mutation { requestExport { ... on PrivacyRequest { id } } }"
EXTEND = """mutation($id: ID!, $months: Int!, $reason: String!) {
  extendPrivacyRequest(id: $id, months: $months, reason: $reason) {
    __typename
    ... on PrivacyRequestExtended { noticeId request { id dueAt extensionReason } }
    ... on ExtensionRefusedError { code message }
  }
}"""
INBOX = """query($first: Int!, $after: String) { me { notices(first: $first, after: $after) {
  edges { cursor node { id kind message deliveredAt request { id kind dueAt extensionReason } } }
  pageInfo { hasNextPage endCursor }
} } }"""
BRAND_INBOX = """query { brandNotices(first: 10) {
  edges { node { id kind claimId message } } pageInfo { hasNextPage }
} }"""
REASON = "Archives from nine networks to assemble"


def admin(runtime: Runtime) -> dict[str, str]:
    return bearer(runtime, "officer@example.org", (Scope.ADMIN,))


async def export_received(client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str],
                          received: datetime, due: datetime) -> str:
    """Ask for an export, then date it (the clock of the API is the real one; the dates make the test exact)."""
    request_id: str = (await gql(client, EXPORT, headers))["data"]["requestExport"]["id"]
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(REQUESTS).where(REQUESTS.c.id == UUID(request_id)).values(
            received_at=received, due_at=due))
    return request_id


async def extend(client: httpx.AsyncClient, headers: dict[str, str], request_id: str, months: int = 2,
                 reason: str = REASON) -> dict[str, Any]:
    return await gql(client, EXTEND, headers, {"id": request_id, "months": months, "reason": reason})


async def deliver(runtime: Runtime) -> int:
    return (await notices.deliver_pending(runtime.uow)).delivered


async def test_an_extension_moves_the_deadline_once_and_the_member_reads_why_in_their_notices(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given Alice's export, received on 31 January 2099 (so due on 28 February, the month's last day)
    alice = await register(client, runtime, ALICE)
    bob = await register(client, runtime, BOB)
    request_id = await export_received(client, runtime, alice, datetime(2099, 1, 31, 10, tzinfo=UTC),
                                       datetime(2099, 2, 28, 10, tzinfo=UTC))
    # when the privacy officer extends it by two months, with a reason
    result = (await extend(client, admin(runtime), request_id))["data"]["extendPrivacyRequest"]
    # then the deadline is two months after the first one, and a notice was written for Alice
    assert result["__typename"] == "PrivacyRequestExtended"
    assert result["request"] == {"id": request_id, "dueAt": "2099-04-28T10:00:00+00:00", "extensionReason": REASON}
    # and it reaches her inbox once delivered, not before
    empty = (await gql(client, INBOX, alice, {"first": 10}))["data"]["me"]["notices"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    assert await deliver(runtime) == 1
    inbox = (await gql(client, INBOX, alice, {"first": 10}))["data"]["me"]["notices"]
    assert [e["node"]["id"] for e in inbox["edges"]] == [result["noticeId"]]
    node = inbox["edges"][0]["node"]
    assert (node["kind"], node["message"]) == (
        "EXTENSION", f"We need more time to answer your export request: the deadline is now 2099-04-28. "
                     f"Reason: {REASON}")
    assert node["request"] == {"id": request_id, "kind": "EXPORT", "dueAt": "2099-04-28T10:00:00+00:00",
                               "extensionReason": REASON}
    # and Bob's inbox stays empty
    assert (await gql(client, INBOX, bob, {"first": 10}))["data"]["me"]["notices"]["edges"] == []
    # when the officer tries a second extension
    again = (await extend(client, admin(runtime), request_id, months=1, reason="more"))["data"]
    # then it is refused, and the deadline stands
    assert again["extendPrivacyRequest"] == {"__typename": "ExtensionRefusedError", "code": "ALREADY_EXTENDED",
                                             "message": "the deadline was already extended once"}
    # and the audit log holds the announcement and the extension, without the reason
    async with runtime.uow() as uow:
        entries = await uow.audit.page(action=None, first=50)
    mine = [(e.actor, e.action) for e in entries if e.detail.get("request_id") == request_id]
    assert ("admin", "privacy_request.extended") in mine
    assert ("admin", "privacy_request.extension_announced") in mine
    assert REASON not in str([e.detail for e in entries])


async def test_refused_extensions_say_why_with_a_code(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given an export whose first deadline passed, and one still open
    alice = await register(client, runtime, ALICE)
    late = await export_received(client, runtime, alice, datetime(2020, 1, 15, 9, tzinfo=UTC),
                                 datetime(2020, 2, 15, 9, tzinfo=UTC))
    async with runtime.engine.begin() as conn:  # a second open export needs the first out of the way
        await conn.execute(sa.update(REQUESTS).where(REQUESTS.c.id == UUID(late)).values(status="in_progress"))
    officer = admin(runtime)

    async def code(request_id: str, months: int, reason: str = REASON) -> str:
        answer = (await extend(client, officer, request_id, months, reason))["data"]["extendPrivacyRequest"]
        assert answer["__typename"] == "ExtensionRefusedError", answer
        return str(answer["code"])

    # then each refusal carries its code
    assert await code(late, 1) == "PAST_DUE"
    assert await code(late, 3) == "INVALID_EXTENSION"
    assert await code(late, 1, reason="  ") == "INVALID_EXTENSION"
    assert await code("00000000-0000-4000-8000-00000000000f", 1) == "NOT_FOUND"
    assert await code("not-an-id", 1) == "NOT_FOUND"
    # and nothing was written for Alice
    assert await deliver(runtime) == 0


async def test_only_the_admin_scope_may_extend(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given Alice's open export
    alice = await register(client, runtime, ALICE)
    request_id = await export_received(client, runtime, alice, datetime(2099, 1, 31, 10, tzinfo=UTC),
                                       datetime(2099, 2, 28, 10, tzinfo=UTC))
    callers = {"UNAUTHENTICATED": {}, "FORBIDDEN": alice}
    callers_scoped = [("FORBIDDEN", brand(runtime)),
                      ("FORBIDDEN", bearer(runtime, "viewer@example.org", (Scope.PUBLIC,)))]
    # when she, a brand, a public client and an anonymous caller try to extend it
    outcomes = []
    for expected, headers in [*callers.items(), *callers_scoped]:
        body = await extend(client, headers, request_id)
        outcomes.append((expected, body["data"], [e["extensions"]["code"] for e in body["errors"]]))
    # then each is refused, and the deadline is unchanged, with no notice written
    assert outcomes == [(expected, None, [expected]) for expected, _, _ in outcomes]
    async with runtime.uow() as uow:
        stored = await privacy.get_request(uow, request_id=UUID(request_id))
    assert (stored.due_at, stored.extension_reason) == (datetime(2099, 2, 28, 10, tzinfo=UTC), None)
    assert await deliver(runtime) == 0


async def test_the_member_inbox_pages_newest_first_within_the_cap(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given three delivered notices to Alice about her export
    alice = await register(client, runtime, ALICE)
    request_id = (await gql(client, EXPORT, alice))["data"]["requestExport"]["id"]
    async with runtime.uow() as uow:
        request = await privacy.get_request(uow, request_id=UUID(request_id))
    written = []
    for _ in range(3):
        async with runtime.uow() as uow:
            written.append(str(await notices.announce_to_member(uow, request=request,
                                                                kind=NoticeKind.RESTRICTION_LIFT)))
            await uow.commit()
    assert await deliver(runtime) == 3
    # when she reads two, then the rest
    first = (await gql(client, INBOX, alice, {"first": 2}))["data"]["me"]["notices"]
    rest = (await gql(client, INBOX, alice, {"first": 2, "after": first["pageInfo"]["endCursor"]}))
    # then she sees all three once, newest first
    pages = [[e["node"]["id"] for e in first["edges"]], [e["node"]["id"] for e in rest["data"]["me"]["notices"][
        "edges"]]]
    assert pages == [[written[2], written[1]], [written[0]]]
    assert (first["pageInfo"]["hasNextPage"], rest["data"]["me"]["notices"]["pageInfo"]["hasNextPage"]) == (
        True, False)
    # and a page larger than the cap is refused
    too_many = await gql(client, INBOX, alice, {"first": 101})
    assert [e["extensions"]["code"] for e in too_many["errors"]] == ["BAD_USER_INPUT"]


async def test_a_brand_reads_its_art19_notice_by_claim_id_and_no_one_elses(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path,
) -> None:
    # given Alice, who claimed brand one's perk, and brand two beside it
    alice = await join(client, runtime, tmp_path / "alice", subject=ALICE, handle="alice",
                       display_name="Alice Example", consents=("PERKS", "THIRD_PARTY_SHARING"))
    await set_score(runtime, ALICE, 75.0)
    one, two = brand(runtime, "perks@brand-one.example"), brand(runtime, "perks@brand-two.example")
    perk = await create_perk(client, one, minimum=50)
    await create_perk(client, two, title="Brand two's perk")
    claim = await gql(client, "mutation($id: ID!) { claimPerk(id: $id) { __typename } }", alice, {"id": perk["id"]})
    assert claim["data"]["claimPerk"]["__typename"] == "PerkClaimed"
    claims = (await gql(client, "query { myPerks(first: 5) { edges { node { claims(first: 5) { edges { node { id "
                                "handle } } } } } } }", one))["data"]["myPerks"]["edges"][0]["node"]["claims"]["edges"]
    claim_id = claims[0]["node"]["id"]
    # when she has her display name rectified, and the worker runs the request and the deliveries
    rectified = await gql(client, 'mutation { requestRectification(displayName: "Alice Q. Example") { __typename } }',
                          alice)
    assert rectified["data"]["requestRectification"]["__typename"] == "PrivacyRequest"
    await run_worker(runtime)
    # then brand one reads one notice naming the claim it saw, and what to do; nothing about Alice herself
    inbox = (await gql(client, BRAND_INBOX, one))["data"]["brandNotices"]
    assert [(e["node"]["kind"], e["node"]["claimId"], e["node"]["message"]) for e in inbox["edges"]] == [
        ("RECTIFICATION", claim_id, f"The member behind perk claim {claim_id} rectified their data: what you "
                                    "received with that claim may be inaccurate; correct or delete it "
                                    "(GDPR Art. 16, 19).")]
    text = str(inbox)
    assert [v for v in ("alice", "Alice", ALICE, str(await member_id(runtime, ALICE))) if v in text] == []
    # and brand two, Alice and the admin see none of it
    assert (await gql(client, BRAND_INBOX, two))["data"]["brandNotices"]["edges"] == []
    assert (await gql(client, INBOX, alice, {"first": 10}))["data"]["me"]["notices"]["edges"] == []
    refused = await gql(client, BRAND_INBOX, admin(runtime))
    assert (refused["data"], [e["extensions"]["code"] for e in refused["errors"]]) == (None, ["FORBIDDEN"])


MARK = """mutation($id: ID!) { markNoticeRead(id: $id) {
  __typename ... on NoticeMarkedRead { id readAt } ... on RequestRefused { code message } } }"""
MARK_BRAND = """mutation($id: ID!) { markBrandNoticeRead(id: $id) {
  __typename ... on NoticeMarkedRead { id readAt } ... on RequestRefused { code message } } }"""
READ_STATE = "query { me { notices(first: 10) { edges { node { id readAt } } } } }"
NOT_IN_INBOX = {"__typename": "RequestRefused", "code": "NOT_FOUND", "message": "no such notice in your inbox"}


async def test_a_member_marks_her_own_notice_read_once_and_no_one_else_can(
    client: httpx.AsyncClient, runtime: Runtime,
) -> None:
    # given a delivered notice to Alice, and Bob beside her
    alice, bob = await register(client, runtime, ALICE), await register(client, runtime, BOB)
    request_id = (await gql(client, EXPORT, alice))["data"]["requestExport"]["id"]
    async with runtime.uow() as uow:
        request = await privacy.get_request(uow, request_id=UUID(request_id))
        notice_id = str(await notices.announce_to_member(uow, request=request, kind=NoticeKind.RESTRICTION_LIFT))
        await uow.commit()
    assert await deliver(runtime) == 1
    unread = (await gql(client, READ_STATE, alice))["data"]["me"]["notices"]["edges"]
    # when Bob, a brand and then Alice (twice) mark it read
    by_bob = (await gql(client, MARK, bob, {"id": notice_id}))["data"]["markNoticeRead"]
    by_brand = (await gql(client, MARK_BRAND, brand(runtime, "perks@brand-one.example"), {"id": notice_id}))
    first = (await gql(client, MARK, alice, {"id": notice_id}))["data"]["markNoticeRead"]
    again = (await gql(client, MARK, alice, {"id": notice_id}))["data"]["markNoticeRead"]
    garbage = (await gql(client, MARK, alice, {"id": "not-a-notice"}))["data"]["markNoticeRead"]
    # then only Alice's marks count, the first time is kept, and her inbox shows it
    assert unread == [{"node": {"id": notice_id, "readAt": None}}]
    assert by_bob == NOT_IN_INBOX
    assert by_brand["data"]["markBrandNoticeRead"] == NOT_IN_INBOX
    assert (first["__typename"], first["id"]) == ("NoticeMarkedRead", notice_id)
    assert again == first
    assert garbage == NOT_IN_INBOX
    assert (await gql(client, READ_STATE, alice))["data"]["me"]["notices"]["edges"] == [
        {"node": {"id": notice_id, "readAt": first["readAt"]}}]


async def test_a_brand_marks_only_its_own_notices_read(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # given a delivered Art. 19 notice to brand one about Alice's export request
    alice = await register(client, runtime, ALICE)
    request_id = (await gql(client, EXPORT, alice))["data"]["requestExport"]["id"]
    async with runtime.uow() as uow:
        notice_id = str(await NoticeRepository(uow.connection, uow.vault).add(
            request_id=UUID(request_id), recipient=BRANDS, recipient_ref="perks@brand-one.example",
            kind=NoticeKind.ERASURE, reference=None, at=uow.now()))
        await uow.commit()
    assert await deliver(runtime) == 1
    one, two = brand(runtime, "perks@brand-one.example"), brand(runtime, "perks@brand-two.example")
    # when brand two, Alice and then brand one mark it read
    by_two = (await gql(client, MARK_BRAND, two, {"id": notice_id}))["data"]["markBrandNoticeRead"]
    by_alice = (await gql(client, MARK, alice, {"id": notice_id}))["data"]["markNoticeRead"]
    by_one = (await gql(client, MARK_BRAND, one, {"id": notice_id}))["data"]["markBrandNoticeRead"]
    # then only brand one's mark counts, and its inbox shows when
    assert by_two == by_alice == NOT_IN_INBOX
    assert (by_one["__typename"], by_one["id"]) == ("NoticeMarkedRead", notice_id)
    inbox = (await gql(client, "query { brandNotices(first: 5) { edges { node { id readAt } } } }", one))
    assert inbox["data"]["brandNotices"]["edges"] == [{"node": {"id": notice_id, "readAt": by_one["readAt"]}}]
