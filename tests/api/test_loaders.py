"""DataLoaders: the SQL statements a response needs do not grow with the length of its lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy import event

from renown.app import Runtime
from renown.domain.member import AgeBracket
from renown.domain.perks import BRANDS, CLAIM_CONTEXT, DISCLOSED_CATEGORIES, Disclosure, Perk
from tests.api.conftest import gql
from tests.api.journeys import brand, create_perk, join, set_score

NOW = datetime.now(UTC)
BRAND_CLAIMS = """query BrandClaims { myPerks(first: 50) { edges { node {
  title claims(first: 50) { edges { node { network handle scoreBand } } }
} } } }"""
ME = """query Me { me { accounts { handle } activities(first: 50) { edges { node { text likes } } } } }"""
OFFERS = "query Offers { perks(first: 50) { ... on PerkOfferConnection { edges { node { title eligible why } } } } }"


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the runtime's engine sends while the block runs."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent.append(statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def seed_claims(runtime: Runtime, brand_subject: str, *, perks: int, members: int) -> list[UUID]:
    """`perks` perks of one brand, claimed by `members` members round-robin; the members' ids."""
    async with runtime.uow() as uow:
        perk_ids = [uuid4() for _ in range(perks)]
        for n, perk_id in enumerate(perk_ids):
            await uow.perks.add(Perk(perk_id, brand_subject, f"Perk {n}", None, 10, members, 0,
                                     NOW - timedelta(days=1), NOW + timedelta(days=30), NOW - timedelta(minutes=n)))
        ids = []
        for n in range(members):
            member = await uow.members.add(subject=f"{brand_subject}-fan{n}@example.org", display_name=None,
                                           age_bracket=AgeBracket.ADULT, at=NOW)
            cipher = await uow.vault.load(uow.connection, member.id)
            claim_id = uuid4()
            disclosure = Disclosure(uuid4(), member.id, BRANDS, brand_subject, "third_party_sharing",
                                    DISCLOSED_CATEGORIES, {"network": "mastodon", "handle": f"@fan{n}@social.test",
                                                           "score_band": "60-69"}, CLAIM_CONTEXT, claim_id, NOW)
            assert await uow.perks.add_claim(cipher, claim_id=claim_id, perk_id=perk_ids[n % perks],
                                             disclosure=disclosure)
            ids.append(member.id)
        await uow.commit()
    return ids


async def measure(client: httpx.AsyncClient, runtime: Runtime, query: str, headers: dict[str, str],
                  forget: list[UUID]) -> tuple[int, dict[str, Any]]:
    """Statements one request sends, with members' keys out of the cache as in a cold process."""
    for member_id in forget:
        runtime.vault.forget(member_id)
    with statements(runtime) as sent:
        result = await gql(client, query, headers)
    assert "errors" not in result, result
    return len(sent), result["data"]


async def test_a_brands_claims_cost_the_same_statements_for_5_or_50_claimants(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    # given one brand with 5 claims on 2 perks and another with 50 claims on 10 perks
    few = await seed_claims(runtime, "perks@few.example", perks=2, members=5)
    many = await seed_claims(runtime, "perks@many.example", perks=10, members=50)
    # when each lists every claim on every perk
    small, small_data = await measure(client, runtime, BRAND_CLAIMS, brand(runtime, "perks@few.example"), few)
    large, large_data = await measure(client, runtime, BRAND_CLAIMS, brand(runtime, "perks@many.example"), many)
    # then both lists are complete and took the same number of statements (page, claims, keys)
    def handles(data: dict[str, Any]) -> int:
        return sum(len(e["node"]["claims"]["edges"]) for e in data["myPerks"]["edges"])

    assert (handles(small_data), handles(large_data)) == (5, 50)
    assert small == large == 3


async def test_a_members_activities_cost_the_same_statements_for_5_or_50_posts(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given one member with 5 posts and another with 50
    counts = {}
    for subject, posts in (("five@example.org", 5), ("fifty@example.org", 50)):
        headers = await join(client, runtime, tmp_path / subject, subject=subject, handle=subject.split("@")[0],
                             texts=[f"Post {n}" for n in range(posts)])
        member = await runtime.services.find_member(subject=subject)
        assert member is not None
        # when each reads their accounts and every post
        counts[posts], data = await measure(client, runtime, ME, headers, [member.id])
        assert len(data["me"]["activities"]["edges"]) == posts
    # then the statements are the same
    assert counts[5] == counts[50]


async def test_perk_offers_cost_the_same_statements_for_5_or_50_perks(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a consenting, scored member and a brand's perks
    alice = await join(client, runtime, tmp_path, subject="alice@example.org", handle="alice", consents=("PERKS",))
    await set_score(runtime, "alice@example.org", 72.0)
    acme = brand(runtime)
    counts = {}
    for total in (5, 50):
        while await open_perks(client, alice) < total:
            await create_perk(client, acme, title=f"Perk {uuid4().hex[:6]}")
        # when she lists them all, then the statements do not grow with the number of perks
        counts[total], _ = await measure(client, runtime, OFFERS, alice, [])
    assert counts[5] == counts[50]


async def open_perks(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return len((await gql(client, OFFERS, headers))["data"]["perks"]["edges"])

