"""The scoring jobs run by the worker: the daily rescoring, and the purge that follows a withdrawal."""

from __future__ import annotations

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.jobs import JobStatus
from renown.domain.policies import ConsentPurpose
from renown.jobs.registry import default_handlers
from renown.jobs.schedule import RESCORE
from renown.jobs.worker import Worker
from renown.services import consent
from renown.services.rescore import rescore_population
from renown.storage.tables import metadata
from tests.integration.scoring_world import (
    ACTIVITY_TOPICS,
    NOW,
    SCORABLE,
    SCORES,
    clocked,
    import_posts,
    join,
    posts,
    scalars,
    seed_demo,
)
from tests.jobs.helpers import Clock

ACTIVITIES = metadata.tables["activity"]
MASTODON, X = Network.MASTODON, Network.X


async def test_the_worker_runs_the_rescoring_job(runtime: Runtime) -> None:
    # given a stored population and a queued rescoring job
    clock = Clock(NOW)
    population, ids = await seed_demo(runtime, clock, size=12)
    async with clocked(runtime, clock)() as uow:
        await uow.jobs.enqueue(RESCORE, {}, at=clock())
        await uow.commit()
    # when the worker runs it
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    # then it is done and every member who may be scored has a score
    async with clocked(runtime, clock)() as uow:
        assert await uow.jobs.count(JobStatus.DONE, RESCORE) == 1
    expected = {ids[m.index] for m in population.members() if m.age_bracket in SCORABLE}
    assert set(await scalars(runtime, sa.select(SCORES.c.member_id))) == expected


async def test_a_withdrawal_purges_the_network_and_rescores_the_member_without_it(runtime: Runtime) -> None:
    # given a scored population and a member with topics on Mastodon and scoring on X too
    clock = Clock(NOW)
    await seed_demo(runtime, clock, size=12)
    await rescore_population(clocked(runtime, clock))
    grants = [(ConsentPurpose.SCORING, MASTODON), (ConsentPurpose.TOPICS, MASTODON), (ConsentPurpose.SCORING, X)]
    gina = await join(runtime, clock, "gina@example.org", grants)
    await import_posts(runtime, clock, gina, posts(clock, ["Pruning tomatoes #gardening"] * 3), network=MASTODON)
    await import_posts(runtime, clock, gina, posts(clock, ["A quiet day"] * 2, network=X), network=X)
    # when she withdraws both consents that read her Mastodon posts, and the worker runs the purge it queued
    async with clocked(runtime, clock)() as uow:
        for purpose in (ConsentPurpose.SCORING, ConsentPurpose.TOPICS):
            recorded = await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=gina, purpose=purpose,
                                                      network=MASTODON)
    assert recorded.purge_job is not None
    worker = Worker(runtime, default_handlers(runtime), clock=clock)
    assert await worker.run_once()
    # then her Mastodon posts and their topics are gone, X's stay, and her score now rests on X alone
    networks = await scalars(runtime, sa.select(ACTIVITIES.c.network).where(ACTIVITIES.c.member_id == gina))
    assert sorted(networks) == ["x", "x"]  # type: ignore[type-var]
    assert await scalars(runtime, sa.select(ACTIVITY_TOPICS.c.id).where(ACTIVITY_TOPICS.c.member_id == gina)) == []
    explanation = (await scalars(runtime, sa.select(SCORES.c.explanation).where(SCORES.c.member_id == gina)))[0]
    assert list(explanation["networks"]) == ["x"]  # type: ignore[index]
    async with clocked(runtime, clock)() as uow:
        assert await uow.jobs.count(JobStatus.DONE, consent.PURGE_JOB) == 1
