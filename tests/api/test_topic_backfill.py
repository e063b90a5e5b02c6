"""A late `topics` grant: the worker finds the topics of the posts stored before it, and `me` shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.jobs import JobStatus
from renown.domain.policies import ConsentPurpose
from renown.jobs import topics as topics_job
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import consent, restriction, topic_consent
from renown.services.rescore import rescore_population
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql
from tests.integration.scoring_world import (
    ACTIVITY_TOPICS,
    MEMBER_TOPICS,
    clocked,
    import_posts,
    join,
    posts,
    seed_demo,
)
from tests.jobs.helpers import Clock

MASTODON = Network.MASTODON
SCORING, TOPICS = ConsentPurpose.SCORING, ConsentPurpose.TOPICS
JOBS = metadata.tables["job"]
ME_TOPICS = "query { me { topics { topic { slug name } level hidden } } }"
# Three gardening posts, one on a special category (never found without `special_topics`), one on nothing.
TEXTS = ["Pruning tomatoes #gardening"] * 3 + ["Church choir and bible study tonight", "A quiet day"]


async def topic_rows(runtime: Runtime, member_id: UUID) -> list[Any]:
    t = ACTIVITY_TOPICS
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(t.c.id, t.c.activity_id, t.c.network, t.c.topic, t.c.rank,
                                                  t.c.weight).where(t.c.member_id == member_id)
                                        .order_by(t.c.activity_id))).all())


async def expertise(runtime: Runtime, member_id: UUID) -> list[tuple[str, float, float, int, bool]]:
    m = MEMBER_TOPICS
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(m.c.topic, m.c.level, m.c.share, m.c.activities, m.c.hidden)
                                  .where(m.c.member_id == member_id).order_by(m.c.topic))
        return [(r.topic, float(r.level), float(r.share), int(r.activities), bool(r.hidden)) for r in rows]


async def me_topics(client: httpx.AsyncClient, runtime: Runtime, subject: str) -> list[Any]:
    result = await gql(client, ME_TOPICS, bearer(runtime, subject))
    assert "errors" not in result, result
    found: list[Any] = result["data"]["me"]["topics"]
    return found


async def backfill_jobs(runtime: Runtime) -> list[Any]:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(JOBS.c.id, JOBS.c.status, JOBS.c.payload)
                                        .where(JOBS.c.kind == topic_consent.BACKFILL_JOB)
                                        .order_by(JOBS.c.created_at))).all())


async def scored_world(runtime: Runtime) -> Clock:
    """A calibrated population (so the fast path scores newcomers) on a clock set to now."""
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    return clock


async def test_a_late_topics_grant_finds_the_topics_of_posts_imported_under_scoring_alone(
    runtime: Runtime, client: httpx.AsyncClient,
) -> None:
    # given Gina imported five posts with only the scoring consent, and Hugo the same posts with topics too
    clock = await scored_world(runtime)
    gina = await join(runtime, clock, "gina@example.org", [(SCORING, MASTODON)])
    hugo = await join(runtime, clock, "hugo@example.org", [(SCORING, MASTODON), (TOPICS, MASTODON)])
    for member in (gina, hugo):
        await import_posts(runtime, clock, member, posts(clock, TEXTS))
    assert await topic_rows(runtime, gina) == []
    assert await me_topics(client, runtime, "gina@example.org") == []
    # when she grants topics on Mastodon
    async with clocked(runtime, clock)() as uow:
        recorded = await consent.grant_consent(uow, signer=runtime.tokens, member_id=gina, purpose=TOPICS,
                                               network=MASTODON)
    # then a backfill job was queued with the grant, naming her and the network only
    queued = await backfill_jobs(runtime)
    assert [(j.id, j.status, j.payload) for j in queued] == [(recorded.backfill_job, JobStatus.QUEUED.value, {
        "member_id": str(gina), "network": "mastodon", "purpose": "topics"})]
    # and once the worker ran it, her three gardening posts have their topic, the special one none
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    rows = await topic_rows(runtime, gina)
    assert [(r.network, r.topic, r.rank, r.weight) for r in rows] == [("mastodon", "gardening", 0, 1.0)] * 3
    # and her expertise is what an import under the topics consent gives (Hugo's), shown by `me`
    twin = await expertise(runtime, hugo)
    assert [(t, n, h) for t, _, _, n, h in twin] == [("gardening", 3, False)]  # its share counts all five posts
    assert await expertise(runtime, gina) == twin
    assert await me_topics(client, runtime, "gina@example.org") == [
        {"topic": {"slug": "gardening", "name": "Gardening"}, "level": twin[0][1], "hidden": False}]
    # when the same backfill runs again
    async with clocked(runtime, clock)() as uow:
        again = await uow.jobs.enqueue(topic_consent.BACKFILL_JOB, {"member_id": str(gina), "network": "mastodon"},
                                       at=clock())
        await uow.commit()
    assert await worker.run_once()
    # then it wrote nothing: the same rows, no duplicates
    assert await topic_rows(runtime, gina) == rows
    async with clocked(runtime, clock)() as uow:
        steps = {s.step: s.rows_affected for s in await uow.jobs.steps(again)}
        assert await uow.jobs.count(JobStatus.DONE, topic_consent.BACKFILL_JOB) == 2
    assert steps == {"assign_topics": 0, "rescore_member": 1}


async def test_a_grant_before_any_import_queues_no_backfill(runtime: Runtime) -> None:
    # given a member with nothing stored yet
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    ivy = await join(runtime, clock, "ivy@example.org", [(SCORING, MASTODON)])
    # when she grants topics
    async with clocked(runtime, clock)() as uow:
        recorded = await consent.grant_consent(uow, signer=runtime.tokens, member_id=ivy, purpose=TOPICS,
                                               network=MASTODON)
    # then there is nothing to backfill
    assert recorded.backfill_job is None
    assert await backfill_jobs(runtime) == []


async def test_a_backfill_cut_short_resumes_after_its_last_committed_page(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given five gardening posts imported under scoring alone, pages of two, and a worker that dies on page two
    clock = await scored_world(runtime)
    gina = await join(runtime, clock, "gina@example.org", [(SCORING, MASTODON)])
    await import_posts(runtime, clock, gina, posts(clock, ["Pruning tomatoes #gardening"] * 5))
    monkeypatch.setattr(topic_consent, "PAGE", 2)
    real, calls = topic_consent.backfill_page, []

    async def dies_on_second_page(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["after"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(topics_job, "backfill_page", dies_on_second_page)
    async with clocked(runtime, clock)() as uow:
        await consent.grant_consent(uow, signer=runtime.tokens, member_id=gina, purpose=TOPICS, network=MASTODON)
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    # then the first page stayed committed, with the cursor after it in the job's payload
    assert len(await topic_rows(runtime, gina)) == 2
    (job,) = await backfill_jobs(runtime)
    assert job.status == JobStatus.QUEUED.value
    cursor = calls[1]
    assert cursor is not None
    assert job.payload["after"] == [cursor[0].isoformat(), str(cursor[1])]
    # when a healthy worker takes the job up again

    async def healthy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["after"])
        return await real(*args, **kwargs)

    monkeypatch.setattr(topics_job, "backfill_page", healthy)
    clock.advance(hours=1)
    assert await worker.run_once()
    # then it went on from that page, not from the first, and every post has its topic once
    assert calls[2] == cursor
    assert len(calls) == 4
    rows = await topic_rows(runtime, gina)
    assert [(r.topic, r.rank, r.weight) for r in rows] == [("gardening", 0, 1.0)] * 5
    assert len({r.activity_id for r in rows}) == 5
    assert (await backfill_jobs(runtime))[0].status == JobStatus.DONE.value


async def test_a_late_special_topics_grant_adds_the_special_topics_to_posts_that_have_topics(
    runtime: Runtime,
) -> None:
    # given Jo imported under scoring and topics: the special-category words were left out
    clock = await scored_world(runtime)
    jo = await join(runtime, clock, "jo@example.org", [(SCORING, MASTODON), (TOPICS, MASTODON)])
    texts = ["Pruning tomatoes #gardening", "Sunday mass then compost for the vegetable garden",
             "Bible study at church"]
    await import_posts(runtime, clock, jo, posts(clock, texts))
    before = await topic_rows(runtime, jo)
    assert sorted((r.topic, r.rank, r.weight) for r in before) == [("gardening", 0, 1.0)] * 2
    # when she grants special_topics and the worker runs the backfill it queued
    async with clocked(runtime, clock)() as uow:
        recorded = await consent.grant_consent(uow, signer=runtime.tokens, member_id=jo,
                                               purpose=ConsentPurpose.SPECIAL_TOPICS, network=MASTODON)
    assert recorded.backfill_job is not None
    assert await Worker(runtime, default_handlers(runtime), clock=clock).run_once()
    # then the two posts with special words have them; the plain gardening post kept its row untouched
    after = await topic_rows(runtime, jo)
    assert sorted((r.topic, r.rank, round(r.weight, 6)) for r in after) == [
        ("christianity", 0, 1.0), ("christianity", 1, 0.333333), ("gardening", 0, 0.666667), ("gardening", 0, 1.0)]
    kept = [(r.topic, r.weight) for r in after if r.id in {b.id for b in before}]
    assert kept == [("gardening", 1.0)]
    assert [t for t, *_ in await expertise(runtime, jo)] == ["christianity", "gardening"]


async def test_a_topics_grant_given_during_a_restriction_is_backfilled_once_it_is_lifted(runtime: Runtime) -> None:
    # given Gina's posts imported under scoring alone, and processing restricted (the worker put it in force)
    clock = await scored_world(runtime)
    gina = await join(runtime, clock, "gina@example.org", [(SCORING, MASTODON)])
    await import_posts(runtime, clock, gina, posts(clock, TEXTS))
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    async with clocked(runtime, clock)() as uow:
        await restriction.restrict_processing(uow, member_id=gina)
    while await worker.run_once():
        pass
    # when she grants topics while restricted and the worker runs the backfill
    clock.advance(minutes=1)
    async with clocked(runtime, clock)() as uow:
        await consent.grant_consent(uow, signer=runtime.tokens, member_id=gina, purpose=TOPICS, network=MASTODON)
    while await worker.run_once():
        pass
    # then it read nothing: the restriction stood
    assert await topic_rows(runtime, gina) == []
    # when the restriction is lifted and the worker runs again
    clock.advance(minutes=1)
    async with clocked(runtime, clock)() as uow:
        await restriction.lift_restriction(uow, member_id=gina)
    while await worker.run_once():
        pass
    # then a second backfill found her three gardening posts
    assert [(j.status, j.payload) for j in await backfill_jobs(runtime)] == [
        (JobStatus.DONE.value, {"member_id": str(gina), "network": "mastodon", "purpose": "topics"})] * 2
    rows = await topic_rows(runtime, gina)
    assert [(r.network, r.topic, r.rank, r.weight) for r in rows] == [("mastodon", "gardening", 0, 1.0)] * 3
