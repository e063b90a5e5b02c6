"""Scores and topics over GraphQL: the member's own view, hiding topics, public profiles and leaderboards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.influence import FACTORS
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services.demo import DemoMember, Population, generate_population
from renown.services.demo_seed import seed_population
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql
from tests.api.journeys import brand, create_perk

SCORES = metadata.tables["score"]
TOPICS = metadata.tables["member_topic"]
ME = """query Me { me {
  score { value confidence calibrationVersion networks { network value }
          explanation { baseline factors { name contribution inputs } hints } }
  history(days: 7) { date value }
  topics { topic { slug name } level hidden }
} }"""
PROFILE = """query Profile($handle: String!) { profile(handle: $handle) {
  handle network score topics { slug name level }
} }"""
LEADERBOARD = """query Board($topic: String, $first: Int!, $after: String) {
  leaderboard(topic: $topic, first: $first, after: $after) {
    edges { cursor node { handle score level topics { slug } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
HIDE = """mutation Hide($slug: String!, $hidden: Boolean!) { hideTopic(slug: $slug, hidden: $hidden) {
  __typename
  ... on TopicVisibilityChanged { topics { topic { slug } hidden } }
  ... on UserError { code }
} }"""
PERKS = "query { perks { ... on PerkOfferConnection { edges { node { title eligible why } } } } }"


@pytest.fixture
async def demo(runtime: Runtime) -> tuple[Population, list[UUID]]:
    """A demo population stored through the services, then scored by one batch run."""
    population = generate_population(24, 5)
    ids = await seed_population(runtime.uow, population, signer=runtime.tokens)
    await runtime.services.scoring.rescore()
    return population, ids


def opted_in(population: Population) -> list[DemoMember]:
    """Scorable demo members who opted in to a public profile (every third member does, on all networks)."""
    return [m for m in population.members()
            if m.index % 3 == 0 and m.age_bracket in (AgeBracket.ADULT, AgeBracket.FROM_16_TO_17)]


async def topics_of(runtime: Runtime, member_id: UUID) -> list[Any]:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(TOPICS).where(TOPICS.c.member_id == member_id)
                                        .order_by(TOPICS.c.level.desc(), TOPICS.c.topic))).all())


async def score_of(runtime: Runtime, member_id: UUID) -> Any:
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(SCORES).where(SCORES.c.member_id == member_id))).one()


async def board(client: httpx.AsyncClient, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    result = await gql(client, LEADERBOARD, headers, {"first": 100, **variables})
    assert "errors" not in result, result
    found: dict[str, Any] = result["data"]["leaderboard"]
    return found


async def test_me_shows_the_score_its_explanation_history_and_topics(
    client: httpx.AsyncClient, runtime: Runtime, demo: tuple[Population, list[UUID]],
) -> None:
    # given a scored demo member with topics
    population, ids = demo
    member = opted_in(population)[0]
    stored, topics = await score_of(runtime, ids[member.index]), await topics_of(runtime, ids[member.index])
    # when they ask for their score, history and topics
    me = (await gql(client, ME, bearer(runtime, member.email)))["data"]["me"]
    # then they get the stored score with an explanation whose factors add up to it
    score = me["score"]
    assert (score["value"], score["confidence"], score["calibrationVersion"]) == (
        stored.value, stored.confidence, stored.calibration_version)
    assert score["networks"] == [{"network": n.upper(), "value": v} for n, v in stored.explanation["networks"].items()]
    explanation = score["explanation"]
    assert [f["name"] for f in explanation["factors"]] == list(FACTORS)
    assert abs(explanation["baseline"] + sum(f["contribution"] for f in explanation["factors"]) - score["value"]) <= 0.5
    assert explanation["factors"][0]["inputs"] == stored.explanation["factors"][0]["inputs"]
    assert explanation["hints"]
    assert all(" → about " in hint for hint in explanation["hints"])
    # and one history point for today, and their topics, strongest first
    assert me["history"] == [{"date": datetime.now(UTC).date().isoformat(), "value": stored.value}]
    assert me["topics"] == [{"topic": {"slug": t.topic, "name": me["topics"][i]["topic"]["name"]}, "level": t.level,
                             "hidden": False} for i, t in enumerate(topics)]
    assert len(topics) >= 2


async def test_a_hidden_topic_stays_in_me_and_leaves_profile_leaderboard_and_perks(
    client: httpx.AsyncClient, runtime: Runtime, demo: tuple[Population, list[UUID]],
) -> None:
    # given an opted-in member with topics, listed on their top topic's leaderboard and eligible for its perk
    population, ids = demo
    member = opted_in(population)[0]
    headers = bearer(runtime, member.email)
    top = (await topics_of(runtime, ids[member.index]))[0].topic
    await create_perk(client, brand(runtime), title="Topic perk", minimum=1, topic=top)
    assert member.handle in [e["node"]["handle"] for e in (await board(client, {}, topic=top))["edges"]]
    # when they hide that topic
    hidden = (await gql(client, HIDE, headers, {"slug": top, "hidden": True}))["data"]["hideTopic"]
    # then it is still in their own view, marked hidden
    assert hidden["__typename"] == "TopicVisibilityChanged"
    assert {"topic": {"slug": top}, "hidden": True} in hidden["topics"]
    me = (await gql(client, ME, headers))["data"]["me"]
    assert [t["hidden"] for t in me["topics"] if t["topic"]["slug"] == top] == [True]
    # and it shows on no profile, no leaderboard and no perk
    profile = (await gql(client, PROFILE, {}, {"handle": member.handle}))["data"]["profile"]
    assert profile is not None
    assert top not in [t["slug"] for t in profile["topics"]]
    assert member.handle not in [e["node"]["handle"] for e in (await board(client, {}, topic=top))["edges"]]
    assert all(top not in [t["slug"] for t in e["node"]["topics"]] for e in (await board(client, {}))["edges"])
    offers = (await gql(client, PERKS, headers))["data"]["perks"]["edges"]
    assert offers == [{"node": {"title": "Topic perk", "eligible": False, "why": [
        "your score meets the minimum of 1", f"`{top}` is not one of your topics"]}}]
    # and showing it again brings it back
    await gql(client, HIDE, headers, {"slug": top, "hidden": False})
    assert member.handle in [e["node"]["handle"] for e in (await board(client, {}, topic=top))["edges"]]
    unknown = (await gql(client, HIDE, headers, {"slug": "no-such-topic", "hidden": True}))["data"]["hideTopic"]
    assert unknown == {"__typename": "RequestRefused", "code": "UNKNOWN_TOPIC"}


async def test_profiles_and_leaderboards_show_only_members_who_opted_in(
    client: httpx.AsyncClient, runtime: Runtime, demo: tuple[Population, list[UUID]],
) -> None:
    # given a scored population where every third member opted in to a public profile
    population, ids = demo
    public = opted_in(population)
    values = {m.handle: (await score_of(runtime, ids[m.index])).value for m in public}
    # best first; ties by member id, descending, as the cursor orders them
    expected = sorted(values, key=lambda h: (values[h], ids[int(h.removeprefix("member"))].hex), reverse=True)
    # when anyone reads the leaderboard, then it lists exactly them, best first, with their scores
    listed = await board(client, {})
    assert [e["node"]["handle"] for e in listed["edges"]] == expected
    assert [e["node"]["score"] for e in listed["edges"]] == [values[h] for h in expected]
    assert listed["pageInfo"]["hasNextPage"] is False
    # and pages of two, cursor after cursor, give the same list
    pages: list[str] = []
    after: str | None = None
    while True:
        page = await board(client, {}, first=2, after=after)
        pages.extend(e["node"]["handle"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == expected
    # and a profile is shown for an opted-in member, never for one who did not opt in
    shown = (await gql(client, PROFILE, {}, {"handle": public[0].handle}))["data"]["profile"]
    assert (shown["handle"], shown["score"]) == (public[0].handle, values[public[0].handle])
    private = next(m for m in population.members() if m.index % 3 == 1 and m.age_bracket is AgeBracket.ADULT)
    assert (await gql(client, PROFILE, {}, {"handle": private.handle}))["data"]["profile"] is None
    # and a page is at most 100
    too_many = await gql(client, LEADERBOARD, {}, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_withdrawing_the_public_profile_takes_a_member_off_at_once(
    client: httpx.AsyncClient, runtime: Runtime, demo: tuple[Population, list[UUID]],
) -> None:
    # given an opted-in member on the leaderboard
    population, ids = demo
    member = opted_in(population)[0]
    assert member.handle in [e["node"]["handle"] for e in (await board(client, {}))["edges"]]
    # when they withdraw the public profile on each of their networks
    for profile, _ in population.accounts_of(member.index):
        await runtime.services.withdraw_consent(member_id=ids[member.index], purpose=ConsentPurpose.PUBLIC_PROFILE,
                                                network=profile.network)
    # then they are on no leaderboard and have no public profile, before any rescoring
    assert member.handle not in [e["node"]["handle"] for e in (await board(client, {}))["edges"]]
    assert (await gql(client, PROFILE, {}, {"handle": member.handle}))["data"]["profile"] is None
