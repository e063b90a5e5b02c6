"""A scored demo population in a SQLite file, built once per benchmark process and shared by the scoring benches.

Every scorable member also opts in to a public profile, so a 100-entry leaderboard has a hundred
people on it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from renown.app import Runtime, build_runtime
from renown.domain.policies import ConsentPurpose
from renown.services import consent
from renown.services.demo import Population, generate_population
from renown.services.demo_seed import seed_population
from renown.settings import Settings
from renown.storage import migrate

POLICIES = Path(__file__).parents[1] / "policies"
MEMBERS = 180
SEED = 11


@dataclass(frozen=True)
class World:
    folder: Path
    settings: Settings
    population: Population
    ids: list[UUID]


_WORLD: list[World] = []


def settings_for(folder: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.sqlite'}", var_dir=folder / "var",
        environment="development", policies_dir=POLICIES,
    )


async def _build(folder: Path) -> World:
    settings = settings_for(folder)
    runtime = build_runtime(settings)
    try:
        await migrate.upgrade(runtime.engine)
        population = generate_population(MEMBERS, SEED)
        ids = await seed_population(runtime.uow, population, signer=runtime.tokens)
        await _everyone_public(runtime, population, ids)
        await runtime.services.scoring.rescore(refit=True)
    finally:
        await runtime.close()
    return World(folder, settings, population, ids)


async def _everyone_public(runtime: Runtime, population: Population, ids: list[UUID]) -> None:
    async with runtime.uow() as uow:
        for member in population.members():
            for profile, _ in population.accounts_of(member.index):
                await consent.record_grant(uow, signer=runtime.tokens, member_id=ids[member.index],
                                           purpose=ConsentPurpose.PUBLIC_PROFILE, network=profile.network)
        await uow.commit()


async def shared_world() -> World:
    """The process's world, built on first use in a temporary folder removed at exit."""
    if not _WORLD:
        folder = Path(tempfile.mkdtemp(prefix="renown-bench-"))
        atexit.register(shutil.rmtree, folder, True)
        _WORLD.append(await _build(folder))
    return _WORLD[0]
