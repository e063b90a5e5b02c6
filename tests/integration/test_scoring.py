"""Scoring through storage: batch runs, the fast path after an import, consent, age and objection."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.errors import ConsentRequired
from renown.domain.influence import DEFAULT_MODEL, FACTORS
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind
from renown.services import consent, privacy
from renown.services.rescore import rescore_population
from renown.services.scoring import score_member_now
from renown.storage.tables import metadata
from tests.integration.scoring_world import (
    ACTIVITY_TOPICS,
    MEMBER_TOPICS,
    NOW,
    POINTS,
    SCORABLE,
    SCORES,
    calibration_of,
    clocked,
    import_posts,
    join,
    posts,
    recomputed,
    scalars,
    seed_demo,
)
from tests.jobs.helpers import Clock

SCORING, TOPICS, SPECIAL = ConsentPurpose.SCORING, ConsentPurpose.TOPICS, ConsentPurpose.SPECIAL_TOPICS
MASTODON, X = Network.MASTODON, Network.X
ACTIVITIES = metadata.tables["activity"]
PYTHON = "Refactoring my python test suite with pytest and django"
GARDEN = "Pruning tomatoes in the vegetable garden #gardening"
HEALTH = "Learning about mental health and anxiety therapy"


async def test_a_batch_run_scores_everyone_who_may_be_and_explains_every_score(runtime: Runtime) -> None:
    # given a stored demo population (members under 16 or of undeclared age may not be scored)
    clock = Clock(NOW)
    population, ids = await seed_demo(runtime, clock)
    expected = {ids[m.index] for m in population.members() if m.age_bracket in SCORABLE}
    # when the batch runs
    report = await rescore_population(clocked(runtime, clock))
    # then exactly those members have a score, a history point today and graph signals
    assert (report.members, report.scored, report.withdrawn, report.refitted) == (
        len(ids), len(expected), len(ids) - len(expected), True)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(SCORES))).all()
        points = {(r.member_id, r.day) for r in await conn.execute(sa.select(POINTS))}
    assert {r.member_id for r in rows} == expected
    assert points == {(m, NOW.date()) for m in expected}
    # and every stored explanation recomputes its score, its factors add up to it, and it names its versions
    calibration = await calibration_of(runtime, str(report.calibration_version))
    for row in rows:
        explanation = row.explanation
        assert recomputed(explanation, calibration) == pytest.approx(row.value, abs=1e-9)
        assert abs(explanation["baseline"] + sum(f["contribution"] for f in explanation["factors"]) - row.value) <= 0.5
        assert [f["name"] for f in explanation["factors"]] == list(FACTORS)
        assert (row.model_version, row.calibration_version) == (DEFAULT_MODEL.version, report.calibration_version)
    # and below the very top every score comes with at least one counterfactual hint
    assert all(row.explanation["hints"] for row in rows if row.value < 95)


async def test_the_top_activities_of_an_explanation_are_the_members_own(runtime: Runtime) -> None:
    clock = Clock(NOW)
    _, ids = await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    async with runtime.engine.connect() as conn:
        for member_id in ids:
            row = (await conn.execute(sa.select(SCORES.c.explanation).where(SCORES.c.member_id == member_id))).first()
            if row is None:
                continue
            own = {str(a) for a in (await conn.execute(
                sa.select(ACTIVITIES.c.id).where(ACTIVITIES.c.member_id == member_id))).scalars()}
            assert row.explanation["top_activities"]
            assert set(row.explanation["top_activities"]) <= own


async def test_history_keeps_one_point_per_member_per_day(runtime: Runtime) -> None:
    # given a population scored once today
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=12)
    first = await rescore_population(clocked(runtime, clock))
    # when it is scored again the same day, then the next day
    again = await rescore_population(clocked(runtime, clock))
    clock.advance(days=1)
    tomorrow = await rescore_population(clocked(runtime, clock))
    # then each scored member has one point per day, and the calibration was reused, not refitted
    days = await scalars(runtime, sa.select(POINTS.c.day).order_by(POINTS.c.day))
    assert days == [NOW.date()] * first.scored + [clock().date()] * tomorrow.scored
    assert (again.refitted, tomorrow.refitted) == (False, False)
    assert first.calibration_version == again.calibration_version == tomorrow.calibration_version


async def test_an_import_updates_the_score_and_topics_at_once(runtime: Runtime) -> None:
    # given a scored population, and a new member who consents to scoring and topics on Mastodon
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=20)
    report = await rescore_population(clocked(runtime, clock))
    alice = await join(runtime, clock, "alice@example.org", [(SCORING, MASTODON), (TOPICS, MASTODON)])
    # when she imports posts about Python (three) and gardening (one)
    summary = await import_posts(runtime, clock, alice, posts(clock, [PYTHON, PYTHON, GARDEN, PYTHON]))
    # then her score is there, reproducible from its stored inputs, from Mastodon alone
    assert summary.imported == 4
    async with runtime.engine.connect() as conn:
        score = (await conn.execute(sa.select(SCORES).where(SCORES.c.member_id == alice))).one()
        topics = (await conn.execute(sa.select(MEMBER_TOPICS).where(MEMBER_TOPICS.c.member_id == alice)
                                     .order_by(MEMBER_TOPICS.c.level.desc()))).all()
        found = (await conn.execute(sa.select(ACTIVITY_TOPICS.c.topic, sa.func.count()).where(
            ACTIVITY_TOPICS.c.member_id == alice).group_by(ACTIVITY_TOPICS.c.topic).order_by(
            ACTIVITY_TOPICS.c.topic))).all()
    calibration = await calibration_of(runtime, str(report.calibration_version))
    assert recomputed(score.explanation, calibration) == pytest.approx(score.value, abs=1e-9)
    assert list(score.explanation["networks"]) == ["mastodon"]
    # and her posts' topics were found at import, and her expertise follows them (level = score x sqrt(share))
    assert [(r.topic, r[1]) for r in found] == [("gardening", 1), ("programming", 3), ("python", 3)]
    assert [t.topic for t in topics] == ["python", "gardening", "programming"]
    evidence = 1 + math.log1p(5)  # 4 likes and 1 reshare per post
    shares = {"python": 3 * 0.75 * evidence, "programming": 3 * 0.25 * evidence, "gardening": evidence}
    for t in topics:
        share = shares[t.topic] / (4 * evidence + 2.0)
        assert (t.share, t.level, t.hidden) == (pytest.approx(share), pytest.approx(score.value * share ** 0.5),
                                                False)


async def test_the_fast_path_reproduces_the_batch_score_of_an_unchanged_member(runtime: Runtime) -> None:
    clock = Clock(NOW)
    population, ids = await seed_demo(runtime, clock, size=20)
    await rescore_population(clocked(runtime, clock))
    scored = [ids[m.index] for m in population.members() if m.age_bracket in SCORABLE][:3]
    for member_id in scored:
        batch = (await scalars(runtime, sa.select(SCORES.c.value).where(SCORES.c.member_id == member_id)))[0]
        async with clocked(runtime, clock)() as uow:
            fast = await score_member_now(uow, member_id)
        assert fast is not None
        assert fast.score == pytest.approx(batch, abs=1e-6)


async def test_withdrawing_scoring_on_a_network_drops_it_from_the_next_run(runtime: Runtime) -> None:
    # given a member scored on Mastodon and X
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=20)
    bob = await join(runtime, clock, "bob@example.org", [(SCORING, MASTODON), (SCORING, X)])
    await import_posts(runtime, clock, bob, posts(clock, [GARDEN] * 3), network=MASTODON)
    await import_posts(runtime, clock, bob, posts(clock, [PYTHON] * 5, network=X, likes=30), network=X)
    report = await rescore_population(clocked(runtime, clock))
    calibration = await calibration_of(runtime, str(report.calibration_version))

    async def explanation() -> dict[str, Any] | None:
        async with runtime.engine.connect() as conn:
            found: dict[str, Any] | None = (await conn.execute(
                sa.select(SCORES.c.explanation).where(SCORES.c.member_id == bob))).scalar_one_or_none()
        return found

    before = await explanation()
    assert before is not None
    assert sorted(before["networks"]) == ["mastodon", "x"]
    # when he withdraws scoring on X, the next run scores him on Mastodon alone (X's posts are still stored)
    async with clocked(runtime, clock)() as uow:
        await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=bob, purpose=SCORING, network=X)
    clock.advance(minutes=5)
    await rescore_population(clocked(runtime, clock))
    after = await explanation()
    assert after is not None
    assert list(after["networks"]) == ["mastodon"]
    value = (await scalars(runtime, sa.select(SCORES.c.value).where(SCORES.c.member_id == bob)))[0]
    assert recomputed(after, calibration) == pytest.approx(value, abs=1e-9)
    # when he withdraws the last one, he has no score at all
    async with clocked(runtime, clock)() as uow:
        await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=bob, purpose=SCORING, network=MASTODON)
    final = await rescore_population(clocked(runtime, clock))
    assert await explanation() is None
    assert final.scored == report.scored - 1


async def test_special_category_topics_need_their_own_consent(runtime: Runtime) -> None:
    # given two members posting the same texts, one of whom also consented to sensitive topics
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=20)
    await rescore_population(clocked(runtime, clock))
    carol = await join(runtime, clock, "carol@example.org", [(SCORING, MASTODON), (TOPICS, MASTODON)])
    dave = await join(runtime, clock, "dave@example.org",
                      [(SCORING, MASTODON), (TOPICS, MASTODON), (SPECIAL, MASTODON)])
    # when both import them
    for member_id in (carol, dave):
        await import_posts(runtime, clock, member_id, posts(clock, [HEALTH, PYTHON, HEALTH]))

    async def assigned(member_id: object) -> list[object]:
        return await scalars(runtime, sa.select(ACTIVITY_TOPICS.c.topic).where(
            ACTIVITY_TOPICS.c.member_id == member_id).distinct().order_by(ACTIVITY_TOPICS.c.topic))

    async def expertise(member_id: object) -> list[object]:
        return await scalars(runtime, sa.select(MEMBER_TOPICS.c.topic).where(
            MEMBER_TOPICS.c.member_id == member_id).order_by(MEMBER_TOPICS.c.topic))

    # then the health topic was found only for the member who allowed it
    assert await assigned(carol) == ["programming", "python"]
    assert await assigned(dave) == ["mental-health", "programming", "python"]
    assert await expertise(carol) == ["programming", "python"]
    assert await expertise(dave) == ["mental-health", "programming", "python"]
    # and once that consent is withdrawn, the next run no longer counts it
    async with clocked(runtime, clock)() as uow:
        await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=dave, purpose=SPECIAL, network=MASTODON)
    await rescore_population(clocked(runtime, clock))
    assert await expertise(dave) == ["programming", "python"]


async def test_a_member_under_16_is_never_scored(runtime: Runtime) -> None:
    # given a scored population and a member under 16 who ticked every consent
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    erin = await join(runtime, clock, "erin@example.org", [(SCORING, MASTODON), (TOPICS, MASTODON)],
                      age=AgeBracket.UNDER_16)
    # then their import is refused, and even posts stored behind the gate's back give them no score
    with pytest.raises(ConsentRequired):
        await import_posts(runtime, clock, erin, posts(clock, [PYTHON]))
    async with clocked(runtime, clock)() as uow:
        cipher = await uow.vault.load(uow.connection, erin)
        rows = [uow.activities.encrypt_row(cipher, a, uow.activities.post_index(MASTODON, a.external_id), at=NOW)
                for a in posts(clock, [PYTHON, GARDEN])]
        await uow.activities.insert_rows(rows)
        await uow.commit()
        assert await score_member_now(uow, erin) is None
    await rescore_population(clocked(runtime, clock))
    assert await scalars(runtime, sa.select(SCORES.c.id).where(SCORES.c.member_id == erin)) == []


async def test_an_objection_withdraws_the_score_and_stops_scoring(runtime: Runtime) -> None:
    # given a scored population
    clock = Clock(NOW)
    population, ids = await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    frank = next(ids[m.index] for m in population.members() if m.age_bracket is AgeBracket.ADULT)
    assert await scalars(runtime, sa.select(SCORES.c.id).where(SCORES.c.member_id == frank)) != []
    # when one member objects to profiling (Art. 21)
    async with clocked(runtime, clock)() as uow:
        await privacy.submit_request(uow, member_id=frank, kind=RequestKind.OBJECTION)
    # then neither the fast path nor the next run scores them, and their score is gone
    async with clocked(runtime, clock)() as uow:
        assert await score_member_now(uow, frank) is None
        await uow.commit()
    assert await scalars(runtime, sa.select(SCORES.c.id).where(SCORES.c.member_id == frank)) == []
    report = await rescore_population(clocked(runtime, clock))
    assert frank not in await scalars(runtime, sa.select(SCORES.c.member_id))
    assert report.withdrawn >= 1


async def test_the_demo_stores_its_interaction_graph_and_account_ages(runtime: Runtime) -> None:
    # given a demo population, when it is stored
    clock = Clock(NOW)
    population, ids = await seed_demo(runtime, clock, size=12)
    # then its graph is stored between member ids (pairs summed), and every stored account knows its age
    interactions, accounts = metadata.tables["interaction"], metadata.tables["linked_account"]
    async with runtime.engine.connect() as conn:
        stored = {(r.member_id, r.target_id): float(r[3]) for r in await conn.execute(
            sa.select(interactions.c.id, interactions.c.member_id, interactions.c.target_id, interactions.c.count))}
        opened = (await conn.execute(sa.select(accounts.c.network_created_at))).scalars().all()
    graph = population.graph
    expected: dict[tuple[object, object], float] = {}
    for s, t, c in zip(graph.source.tolist(), graph.target.tolist(), graph.count.tolist(), strict=True):
        expected[(ids[s], ids[t])] = expected.get((ids[s], ids[t]), 0.0) + c
    assert stored == expected
    assert opened
    assert None not in opened
