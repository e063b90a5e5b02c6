"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from renown.app import Runtime, build_runtime
from renown.settings import Settings
from renown.storage import migrate
from renown.storage.db import create_engine

PG_ADMIN_URL = os.environ.get("RENOWN_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    async def probe() -> None:
        engine = create_engine(PG_ADMIN_URL)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(probe())
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        where = make_url(PG_ADMIN_URL).render_as_string()
        return (f"PostgreSQL is not reachable at {where} ({type(error).__name__}); "
                "start it or set RENOWN_TEST_DATABASE_URL")
    return None


_PG_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_reachable())
    return _PG_PROBLEM[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on."""
    name: str = request.param
    if name == "postgresql" and (problem := postgres_problem()):
        if os.environ.get("RENOWN_REQUIRE_POSTGRES"):
            pytest.fail(problem)  # CI promises PostgreSQL: never let its tests skip silently
        pytest.skip(problem)
    return name


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own for each test."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'renown.sqlite'}"
        return
    name = f"renown_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url, var_dir=tmp_path / "var", environment="development",
        policies_dir=Path(__file__).parents[1] / "policies",
    )


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A migrated database with a runtime (vault, tokens, services) on it."""
    runtime = build_runtime(settings)
    await migrate.upgrade(runtime.engine)
    try:
        yield runtime
    finally:
        await runtime.close()
