"""A scored demo population, built once per benchmark process and shared by the scoring and API benches.

Every scorable member also opts in to a public profile, so a 100-entry leaderboard has a hundred
people on it. The world lives in a SQLite file, or, when `RENOWN_BENCH_POSTGRES_URL` names a
PostgreSQL server (an admin URL, like the tests' `RENOWN_TEST_DATABASE_URL`), in a database of its
own there, created for the run and dropped at exit. Its folder records which, so that server
processes started on the folder (`benchmarks.api_server`) use the same database.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import make_url

from renown.app import Runtime, build_runtime
from renown.domain.policies import ConsentPurpose
from renown.services import consent
from renown.services.demo import Population, generate_population
from renown.services.demo_seed import seed_population
from renown.settings import Settings
from renown.storage import migrate
from renown.storage.db import create_engine

POLICIES = Path(__file__).parents[1] / "policies"
MEMBERS = 180
SEED = 11
POSTGRES_VARIABLE = "RENOWN_BENCH_POSTGRES_URL"
DATABASE_FILE = "database-url"  # in the world's folder: the database the world lives in


@dataclass(frozen=True)
class World:
    folder: Path
    settings: Settings
    population: Population
    ids: list[UUID]


_WORLD: list[World] = []


def settings_for(folder: Path) -> Settings:
    recorded = folder / DATABASE_FILE
    database_url = recorded.read_text() if recorded.exists() else f"sqlite+aiosqlite:///{folder / 'bench.sqlite'}"
    return Settings(
        _env_file=None,
        database_url=database_url, var_dir=folder / "var",
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
    """The process's world, built on first use in a temporary folder (and database) removed at exit."""
    if not _WORLD:
        folder = Path(tempfile.mkdtemp(prefix="renown-bench-"))
        atexit.register(shutil.rmtree, folder, True)
        admin_url = os.environ.get(POSTGRES_VARIABLE)
        if admin_url:
            (folder / DATABASE_FILE).write_text(await _create_database(admin_url))
        _WORLD.append(await _build(folder))
    return _WORLD[0]


async def _create_database(admin_url: str) -> str:
    """A new, empty PostgreSQL database for this run (dropped at exit); its URL."""
    name = f"renown_bench_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    atexit.register(lambda: asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()
