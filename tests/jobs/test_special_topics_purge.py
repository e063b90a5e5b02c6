"""Withdrawing `special_topics` on a network deletes the special-category topics found there, not just hides them."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.jobs import JobStatus
from renown.domain.policies import ConsentPurpose
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import consent
from renown.services.rescore import rescore_population
from tests.integration.scoring_world import (
    ACTIVITY_TOPICS,
    MEMBER_TOPICS,
    NOW,
    clocked,
    import_posts,
    join,
    posts,
    seed_demo,
)
from tests.jobs.helpers import Clock

MASTODON, X = Network.MASTODON, Network.X
SPECIAL = ConsentPurpose.SPECIAL_TOPICS
ALL = (ConsentPurpose.SCORING, ConsentPurpose.TOPICS, SPECIAL)


async def assignments(runtime: Runtime, member_id: UUID) -> list[tuple[str, str, int, float]]:
    """(network, topic, rank, weight) of the member's per-activity topics."""
    t = ACTIVITY_TOPICS
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(t.c.network, t.c.topic, t.c.rank, t.c.weight)
                                  .where(t.c.member_id == member_id))
        return sorted((r.network, r.topic, r.rank, round(float(r.weight), 6)) for r in rows)


async def expertise(runtime: Runtime, member_id: UUID) -> list[str]:
    m = MEMBER_TOPICS
    async with runtime.engine.connect() as conn:
        return sorted((await conn.execute(sa.select(m.c.topic).where(m.c.member_id == member_id))).scalars())


async def withdraw_special(runtime: Runtime, clock: Clock, member_id: UUID, network: Network) -> UUID | None:
    async with clocked(runtime, clock)() as uow:
        recorded = await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=member_id, purpose=SPECIAL,
                                                  network=network)
    return recorded.purge_job


async def test_withdrawing_special_topics_deletes_that_networks_special_topic_rows(runtime: Runtime) -> None:
    # given a scored population, and Ivy with every topics consent on Mastodon and X
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    ivy = await join(runtime, clock, "ivy@example.org", [(p, n) for n in (MASTODON, X) for p in ALL])
    mastodon = ["Pruning tomatoes #gardening"] * 2 + ["Sunday mass then compost for the vegetable garden",
                                                      "Bible study at church"]
    await import_posts(runtime, clock, ivy, posts(clock, mastodon), network=MASTODON)
    await import_posts(runtime, clock, ivy, posts(clock, ["Bible study at church"] * 2, network=X), network=X)
    assert await assignments(runtime, ivy) == [
        ("mastodon", "christianity", 0, 1.0), ("mastodon", "christianity", 1, 0.333333),
        ("mastodon", "gardening", 0, 0.666667), ("mastodon", "gardening", 0, 1.0), ("mastodon", "gardening", 0, 1.0),
        ("x", "christianity", 0, 1.0), ("x", "christianity", 0, 1.0)]
    assert await expertise(runtime, ivy) == ["christianity", "gardening"]
    # when she withdraws special_topics on Mastodon and the worker runs the purge it queued
    job = await withdraw_special(runtime, clock, ivy, MASTODON)
    assert job is not None
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    # then Mastodon's two special rows are gone, the mixed post keeps gardening alone, X's rows stay
    assert await assignments(runtime, ivy) == [
        ("mastodon", "gardening", 0, 1.0), ("mastodon", "gardening", 0, 1.0), ("mastodon", "gardening", 0, 1.0),
        ("x", "christianity", 0, 1.0), ("x", "christianity", 0, 1.0)]
    async with clocked(runtime, clock)() as uow:
        steps = {s.step: s.rows_affected for s in await uow.jobs.steps(job)}
    # two activity rows; the christianity expertise stays, rescored from X alone
    assert steps == {"purge_network_data": 0, "purge_special_topics": 2, "rescore_member": 1}
    assert await expertise(runtime, ivy) == ["christianity", "gardening"]
    # when she withdraws it on X too
    job = await withdraw_special(runtime, clock, ivy, X)
    assert job is not None
    assert await worker.run_once()
    # then no special-category topic of hers is left anywhere (X's two rows and the expertise row went)
    assert await assignments(runtime, ivy) == [("mastodon", "gardening", 0, 1.0)] * 3
    async with clocked(runtime, clock)() as uow:
        assert {s.step: s.rows_affected for s in await uow.jobs.steps(job)}["purge_special_topics"] == 3
    assert await expertise(runtime, ivy) == ["gardening"]
    async with clocked(runtime, clock)() as uow:
        assert await uow.jobs.count(JobStatus.DONE, consent.PURGE_JOB) == 2


async def test_a_special_topics_grant_given_again_before_the_purge_keeps_the_rows(runtime: Runtime) -> None:
    # given Ivy withdrew special_topics on Mastodon, then granted it again before the worker ran
    clock = Clock(NOW)
    ivy = await join(runtime, clock, "ivy@example.org", [(p, MASTODON) for p in ALL])
    await import_posts(runtime, clock, ivy, posts(clock, ["Bible study at church"] * 2), network=MASTODON)
    job = await withdraw_special(runtime, clock, ivy, MASTODON)
    async with clocked(runtime, clock)() as uow:
        await consent.grant_consent(uow, signer=runtime.tokens, member_id=ivy, purpose=SPECIAL, network=MASTODON)
    # when the purge runs
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    # then it deleted nothing
    async with clocked(runtime, clock)() as uow:
        steps = {s.step: s.rows_affected for s in await uow.jobs.steps(job)} if job else {}
    assert steps["purge_special_topics"] == 0
    assert await assignments(runtime, ivy) == [("mastodon", "christianity", 0, 1.0)] * 2
