"""The demo population goes in through the real services, consent gate and vault included."""

from __future__ import annotations

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.member import AgeBracket
from renown.services.demo import generate_population
from renown.services.demo_seed import seed_population
from renown.storage.tables import metadata


async def test_the_demo_population_is_stored_as_generated(runtime: Runtime) -> None:
    # given a small generated population
    population = generate_population(12, seed=5)
    expected_members = [population.member(i) for i in range(population.size)]
    # policies/: scoring starts at 16, and an undeclared age is not taken as old enough
    scoreable = [m.index for m in expected_members if m.age_bracket in (AgeBracket.ADULT, AgeBracket.FROM_16_TO_17)]
    expected_activities = sum(len(population.activities_of(i)) for i in scoreable)
    # when it is seeded
    ticks: list[int] = []
    ids = await seed_population(runtime.uow, population, signer=runtime.tokens, progress=ticks.append)
    # then every member is registered under their fictional address, and the activities of those the
    # consent gate admits are stored (members not known to be 16 or older keep none)
    assert ticks == [1] * population.size
    async with runtime.engine.connect() as conn:
        stored = (await conn.execute(sa.select(sa.func.count()).select_from(metadata.tables["activity"]))).scalar_one()
    assert stored == expected_activities
    first = await runtime.services.find_member(subject="member0000@example.org")
    assert first is not None
    assert first.id == ids[0]
    assert first.display_name == expected_members[0].display_name


def test_the_same_seed_gives_the_same_population() -> None:
    a, b = generate_population(30, seed=11), generate_population(30, seed=11)
    assert [m.display_name for m in a.members()] == [m.display_name for m in b.members()]
    assert a.activities_of(7) == b.activities_of(7)
    assert [m.display_name for m in generate_population(30, seed=12).members()] != [m.display_name for m in a.members()]
