"""The SQLite engine's one-trip adapter answers as SQLAlchemy's own aiosqlite adapter does, in fewer trips;
the runtime's pool keeps the configured number of connections on either database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from renown.app import build_runtime
from renown.settings import Settings
from renown.storage.db import create_engine
from renown.storage.sqlite_driver import OneTripDBAPI

metadata = MetaData()
handles = Table(
    "handles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handle", String, nullable=False, unique=True),
)


@pytest.fixture(params=["one_trip", "stock"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """Each behaviour test runs on both adapters: the stock one is the reference."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite'}"
    engine = create_engine(url) if request.param == "one_trip" else create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every call handed to an aiosqlite driver thread."""
    calls: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn.__name__)
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


def test_the_engine_for_a_sqlite_file_uses_the_one_trip_adapter(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}")
    assert isinstance(engine.dialect.loaded_dbapi, OneTripDBAPI)


async def test_rows_columns_and_counts_come_back_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(handles).values(handle="ada.example.org"))
        assert first.inserted_primary_key == (1,)
        await conn.execute(insert(handles), [{"handle": "grace.example.org"}, {"handle": "linus.example.org"}])
        updated = await conn.execute(text("UPDATE handles SET handle = handle || '.test' WHERE id > 1"))
        assert updated.rowcount == 2
        result = await conn.execute(select(handles.c.id, handles.c.handle).order_by(handles.c.id))
        assert list(result.keys()) == ["id", "handle"]
        assert [tuple(row) for row in result] == [
            (1, "ada.example.org"), (2, "grace.example.org.test"), (3, "linus.example.org.test")]
        none = await conn.execute(select(handles).where(handles.c.id == 99))
        assert none.first() is None


async def test_a_streamed_result_yields_every_row(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(handles), [{"handle": f"member{i}.example.org"} for i in range(250)])
    async with engine.connect() as conn:
        stream = await conn.stream(select(handles.c.id).order_by(handles.c.id))
        ids = [row.id async for row in stream]
    assert ids == list(range(1, 251))


async def test_rollback_discards_and_commit_keeps(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(insert(handles).values(handle="dropped.example.org"))
        await conn.rollback()
        await conn.begin()
        await conn.execute(insert(handles).values(handle="kept.example.org"))
        await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(select(handles.c.handle))).scalars().all() == ["kept.example.org"]


async def test_a_failed_statement_raises_the_mapped_error_and_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(handles).values(handle="ada.example.org"))
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(insert(handles).values(handle="grace.example.org"))
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed: handles.handle"):
            await conn.execute(insert(handles).values(handle="ada.example.org"))
        await conn.rollback()
        with pytest.raises(OperationalError, match="no such table: nowhere"):
            await conn.execute(text("SELECT * FROM nowhere"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(handles.c.handle))).scalars().all() == ["ada.example.org"]


async def test_a_read_makes_one_trip_per_statement_and_none_to_end_it(tmp_path: Path, trips: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(handles).values(handle="ada.example.org"))
    trips.clear()
    async with engine.connect() as conn:  # a pooled connection: what a request's unit of work gets
        await conn.begin()
        for _ in range(3):
            assert (await conn.execute(select(handles.c.handle))).scalar_one() == "ada.example.org"
        await conn.rollback()
    assert trips == ["_statement", "_statement", "_statement"]
    trips.clear()
    async with engine.begin() as conn:  # a write still commits, in one more trip
        await conn.execute(insert(handles).values(handle="grace.example.org"))
    assert trips == ["_statement", "commit"]
    await engine.dispose()


async def test_the_runtime_keeps_as_many_connections_as_configured(settings: Settings) -> None:
    """32 requests at once reuse 32 pooled connections; the default pool of 5 reopened the rest each time."""
    assert (settings.database_pool_size, settings.database_max_overflow) == (32, 32)
    runtime = build_runtime(settings.model_copy(update={"database_pool_size": 7, "database_max_overflow": 3}))
    try:
        pool = runtime.engine.pool
        assert isinstance(pool, AsyncAdaptedQueuePool)
        assert (pool.size(), pool._max_overflow) == (7, 3)
        held = [await runtime.engine.connect() for _ in range(10)]
        for conn in held:
            await conn.close()
        assert (pool.checkedin(), pool.overflow()) == (7, 0)  # the three beyond the pool were closed
    finally:
        await runtime.close()
