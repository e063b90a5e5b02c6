"""Perks: brands publish, members with the `perks` consent see what they are eligible for, claims disclose little."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx

from renown.app import Runtime
from renown.domain.perks import Perk
from renown.storage.uow import SqlUnitOfWork
from tests.api.conftest import gql
from tests.api.journeys import brand, create_perk, grant, join, member_id, set_score

ALICE = "alice@example.org"
BOB = "bob@example.org"
PERKS = """query Perks { perks {
  __typename
  ... on PerkOfferConnection { edges { node { title minimumScore remaining eligible why } } }
  ... on PerkConsentMissing { code purpose }
} }"""
CLAIM = """mutation Claim($id: ID!) { claimPerk(id: $id) {
  __typename
  ... on PerkClaimed { network handle scoreBand }
  ... on UserError { code }
  ... on PerkConsentMissing { purpose }
  ... on PerkIneligible { why }
} }"""
MY_PERKS = """query MyPerks { myPerks(first: 10) { edges { node {
  title claimed claims(first: 10) { edges { node { network handle scoreBand } } }
} } } }"""


async def test_a_claim_discloses_only_handle_and_score_band_to_the_brand_that_offers_it(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a brand's perk and a member scored 74.6 with a Mastodon account
    acme = brand(runtime)
    perk = await create_perk(client, acme, minimum=60, quantity=10)
    assert perk | {"id": None} == {"id": None, "title": "Free seed box", "topic": None, "minimumScore": 60,
                                   "quantity": 10, "claimed": 0}
    alice = await join(client, runtime, tmp_path, subject=ALICE, handle="alice")
    await set_score(runtime, ALICE, 74.6)
    # when she consents to perks, looks, consents to sharing, and claims
    assert (await gql(client, PERKS, alice))["data"]["perks"] == {
        "__typename": "PerkConsentMissing", "code": "CONSENT_REQUIRED", "purpose": "perks"}
    await grant(client, alice, "PERKS")
    offers = (await gql(client, PERKS, alice))["data"]["perks"]["edges"]
    assert [e["node"] for e in offers] == [{"title": "Free seed box", "minimumScore": 60, "remaining": 10,
                                            "eligible": True, "why": ["your score meets the minimum of 60"]}]
    refused = (await gql(client, CLAIM, alice, {"id": perk["id"]}))["data"]["claimPerk"]
    assert refused == {"__typename": "PerkConsentMissing", "code": "CONSENT_REQUIRED", "purpose": "third_party_sharing"}
    await grant(client, alice, "THIRD_PARTY_SHARING")
    claimed = (await gql(client, CLAIM, alice, {"id": perk["id"]}))["data"]["claimPerk"]
    again = (await gql(client, CLAIM, alice, {"id": perk["id"]}))["data"]["claimPerk"]
    # then the brand sees her handle and band (not her score), once; another brand sees nothing
    expected = {"network": "MASTODON", "handle": "@alice@mastodon.example.org", "scoreBand": "70-79"}
    assert claimed == {"__typename": "PerkClaimed", **expected}
    assert again == claimed
    seen = await gql(client, MY_PERKS, acme)
    assert seen["data"]["myPerks"]["edges"] == [{"node": {
        "title": "Free seed box", "claimed": 1, "claims": {"edges": [{"node": expected}]}}}]
    assert "74" not in str(seen)
    other = await gql(client, MY_PERKS, brand(runtime, "perks@brand-two.example"))
    assert other["data"]["myPerks"]["edges"] == []
    # and the disclosure is on record for her export and Art. 19 notices
    disclosures = await runtime.services.perks.disclosures(member_id=await member_id(runtime, ALICE))
    assert [(d.recipient, d.recipient_ref, d.purpose, d.categories, d.content) for d in disclosures] == [(
        "brands", "perks@brand-one.example", "third_party_sharing", ("network.handle", "score.value"),
        {"network": "mastodon", "handle": "@alice@mastodon.example.org", "score_band": "70-79"})]


async def test_claims_fail_with_typed_errors_when_ineligible_sold_out_or_expired(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given two consenting members, a one-unit perk, a demanding perk and an expired perk
    acme = brand(runtime)
    consents = ("PERKS", "THIRD_PARTY_SHARING")
    alice = await join(client, runtime, tmp_path / "a", subject=ALICE, handle="alice", consents=consents)
    bob = await join(client, runtime, tmp_path / "b", subject=BOB, handle="bob", consents=consents)
    await set_score(runtime, ALICE, 81.0)
    await set_score(runtime, BOB, 55.0)
    single = await create_perk(client, acme, title="One ticket", minimum=50, quantity=1)
    demanding = await create_perk(client, acme, title="Keynote seat", minimum=90)
    expired = await add_perk(runtime, valid_until=datetime.now(UTC) - timedelta(days=1))
    # when they claim
    first = (await gql(client, CLAIM, alice, {"id": single["id"]}))["data"]["claimPerk"]
    sold_out = (await gql(client, CLAIM, bob, {"id": single["id"]}))["data"]["claimPerk"]
    too_low = (await gql(client, CLAIM, alice, {"id": demanding["id"]}))["data"]["claimPerk"]
    too_late = (await gql(client, CLAIM, alice, {"id": str(expired)}))["data"]["claimPerk"]
    unknown = (await gql(client, CLAIM, alice, {"id": str(uuid4())}))["data"]["claimPerk"]
    # then each failure is typed, with its code
    assert first["__typename"] == "PerkClaimed"
    assert sold_out == {"__typename": "PerkSoldOutError", "code": "PERK_SOLD_OUT"}
    assert too_low == {"__typename": "PerkIneligible", "code": "PERK_NOT_ELIGIBLE",
                       "why": ["your score is below the minimum of 90"]}
    assert too_late == {"__typename": "PerkExpiredError", "code": "PERK_EXPIRED"}
    assert unknown == {"__typename": "RequestRefused", "code": "PERK_NOT_FOUND"}
    # and the sold-out perk is no longer offered, while the demanding one says why not
    offers = (await gql(client, PERKS, bob))["data"]["perks"]["edges"]
    assert [(e["node"]["title"], e["node"]["eligible"], e["node"]["why"]) for e in offers] == [
        ("Keynote seat", False, ["your score is below the minimum of 90"])]


async def test_topic_perks_wait_for_topics_and_use_the_topics_hook_once_plugged_in(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a perk for the `python` topic and a consenting member scored 70
    acme = brand(runtime)
    perk = await create_perk(client, acme, title="Conference pass", minimum=50, topic="python")
    alice = await join(client, runtime, tmp_path, subject=ALICE, handle="alice",
                       consents=("PERKS", "THIRD_PARTY_SHARING"))
    await set_score(runtime, ALICE, 70.0)
    # when no topics are known yet, then the perk is out of reach and says why
    before = (await gql(client, CLAIM, alice, {"id": perk["id"]}))["data"]["claimPerk"]
    assert before["why"] == ["your score meets the minimum of 50",
                             "your topics are not known yet; the perk needs the topic `python`"]

    # when the topics engine's hook says she writes about python
    async def topics(uow: SqlUnitOfWork, member: UUID) -> frozenset[str] | None:
        return frozenset({"python", "gardening"})

    runtime.services.member_topics = topics
    offers = (await gql(client, PERKS, alice))["data"]["perks"]["edges"]
    claimed = (await gql(client, CLAIM, alice, {"id": perk["id"]}))["data"]["claimPerk"]
    # then she is eligible and can claim it
    assert offers[0]["node"]["why"] == ["your score meets the minimum of 50", "`python` is one of your topics"]
    assert claimed["__typename"] == "PerkClaimed"


async def test_only_brands_publish_and_only_members_claim(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice = await join(client, runtime, tmp_path, subject=ALICE, handle="alice", consents=("PERKS",))
    now = datetime.now(UTC)
    as_member = await client.post("/graphql", headers=alice, json={"query": """mutation($from: DateTime!,
      $until: DateTime!) { createPerk(title: "Mine", minimumScore: 1, quantity: 1, validFrom: $from,
      validUntil: $until) { __typename } }""", "variables": {
        "from": now.isoformat(), "until": (now + timedelta(days=1)).isoformat()}})
    as_brand = await gql(client, PERKS, brand(runtime))
    assert as_member.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_brand["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_brand_input_error_names_the_field(client: httpx.AsyncClient, runtime: Runtime) -> None:
    now = datetime.now(UTC)
    result = await gql(client, """mutation($from: DateTime!, $until: DateTime!) {
      createPerk(title: "Seeds", minimumScore: 0, quantity: 5, validFrom: $from, validUntil: $until) {
        ... on RequestRefused { code message } } }""", brand(runtime),
        {"from": now.isoformat(), "until": (now + timedelta(days=1)).isoformat()})
    assert result["data"]["createPerk"] == {"code": "BAD_USER_INPUT",
                                            "message": "`minimumScore` must be between 1 and 100"}


async def add_perk(runtime: Runtime, *, valid_until: datetime, brand_subject: str = "perks@brand-one.example") -> UUID:
    """A perk stored directly, e.g. one whose validity already ended (the API refuses to create those)."""
    perk_id = uuid4()
    async with runtime.uow() as uow:
        await uow.perks.add(Perk(perk_id, brand_subject, "Last season's box", None, 10, 5, 0,
                                 valid_until - timedelta(days=30), valid_until, valid_until - timedelta(days=31)))
        await uow.commit()
    return perk_id
