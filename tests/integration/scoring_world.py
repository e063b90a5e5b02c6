"""A scoring world for tests: a seeded demo population and hand-made members, on a clock the test holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import (
    AccountProfile,
    Activity,
    ActivityKind,
    Coverage,
    ImportSummary,
    Network,
    ParsedArchive,
    Signal,
)
from renown.domain.influence import Calibration, ScoreInputs, recompute
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services import consent, imports, members
from renown.services.demo import Population, generate_population
from renown.services.demo_seed import seed_population
from renown.storage.tables import metadata
from renown.storage.uow import SqlUnitOfWork
from tests.jobs.helpers import Clock

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the notice in force starts on 2026-11-01
SCORES = metadata.tables["score"]
POINTS = metadata.tables["score_point"]
ACTIVITY_TOPICS = metadata.tables["activity_topic"]
MEMBER_TOPICS = metadata.tables["member_topic"]
SCORABLE = (AgeBracket.ADULT, AgeBracket.FROM_16_TO_17)


def clocked(runtime: Runtime, clock: Clock) -> Callable[[], SqlUnitOfWork]:
    """Units of work on the runtime's database, reading the test's clock."""
    return lambda: SqlUnitOfWork(runtime.engine, runtime.vault, clock=clock, policies=runtime.policies)


async def seed_demo(runtime: Runtime, clock: Clock, *, size: int = 30, seed: int = 5) -> tuple[Population, list[UUID]]:
    """A demo population generated as of the clock and stored through the real services."""
    population = generate_population(size, seed, as_of=clock())
    ids = await seed_population(clocked(runtime, clock), population, signer=runtime.tokens)
    return population, ids


async def join(
    runtime: Runtime, clock: Clock, subject: str, grants: Iterable[tuple[ConsentPurpose, Network | None]], *,
    age: AgeBracket = AgeBracket.ADULT,
) -> UUID:
    """Register a member and record their consents."""
    async with clocked(runtime, clock)() as uow:
        member = await members.register_member(uow, subject=subject, display_name="Test Member", age_bracket=age)
        for purpose, network in grants:
            await consent.record_grant(uow, signer=runtime.tokens, member_id=member.id, purpose=purpose,
                                       network=network)
        await uow.commit()
    return member.id


def posts(clock: Clock, texts: list[str], *, network: Network = Network.MASTODON, likes: int = 4,
          prefix: str = "post") -> list[Activity]:
    """One post a day going back from the clock, each with `likes` likes and one reshare."""
    return [Activity(network, f"{prefix}-{network.value}-{i}", ActivityKind.POST, clock() - timedelta(days=i + 1),
                     text, likes=likes, reshares=1, replies=0) for i, text in enumerate(texts)]


async def import_posts(
    runtime: Runtime, clock: Clock, member_id: UUID, activities: list[Activity], *, followers: int = 250,
    network: Network = Network.MASTODON,
) -> ImportSummary:
    """Import activities as a parsed archive through `import_archive` (so the fast path runs after it)."""
    profile = AccountProfile(network, f"handle-{member_id.hex[:8]}", None, followers, 100)
    archive = ParsedArchive(profile, iter(activities), Coverage(set(Signal)))
    async with clocked(runtime, clock)() as uow:
        return await imports.import_archive(uow, member_id=member_id, network=network, archive=archive)


async def scalars(runtime: Runtime, query: sa.Select[tuple[object]]) -> list[object]:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


async def calibration_of(runtime: Runtime, version: str) -> Calibration:
    async with runtime.uow() as uow:
        found = await uow.scores.calibration(version)
    assert found is not None
    return found


def recomputed(explanation: dict[str, object], calibration: Calibration) -> float:
    inputs = explanation["inputs"]
    assert isinstance(inputs, dict)
    return recompute(ScoreInputs.from_dict(inputs), calibration)
