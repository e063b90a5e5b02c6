"""A request's unit of work on SQLite: SQLAlchemy's aiosqlite adapter against Renown's one-trip adapter.

The unit of work `me` runs: a pooled connection, a transaction begun, three single-row reads,
a rollback. Both engines read the same file in the same run, alternately, round after round;
the result is microseconds per unit of work (median of the rounds) and their ratio.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from renown.storage.db import create_engine

ROUNDS = 7
READ = text("SELECT handle, score FROM members WHERE id = :id")


async def _unit_of_work_us(engine: AsyncEngine, units: int) -> float:
    started = time.perf_counter()
    for n in range(units):
        async with engine.connect() as conn:
            await conn.begin()
            for offset in range(3):
                (await conn.execute(READ, {"id": (n + offset) % 100})).one()
            await conn.rollback()
    return (time.perf_counter() - started) / units * 1e6


async def driver_trips(size: int) -> dict[str, Any]:
    """Microseconds per unit of work of three reads, stock adapter against one-trip adapter, same run."""
    units = max(200, min(size // 10, 2000))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trips.sqlite"
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE members (id INTEGER PRIMARY KEY, handle TEXT, score REAL)")
            db.executemany("INSERT INTO members VALUES (?, ?, ?)",
                           [(i, f"member{i}.example.org", i / 2) for i in range(100)])
        url = f"sqlite+aiosqlite:///{path}"
        engines = {"stock_aiosqlite": create_async_engine(url), "one_trip": create_engine(url)}
        try:
            for engine in engines.values():  # warm the pools and statement caches
                await _unit_of_work_us(engine, 50)
            rounds: dict[str, list[float]] = {name: [] for name in engines}
            for _ in range(ROUNDS):
                for name, engine in engines.items():
                    rounds[name].append(await _unit_of_work_us(engine, units))
        finally:
            for engine in engines.values():
                await engine.dispose()
    medians = {name: round(statistics.median(times), 1) for name, times in rounds.items()}
    return {
        "units_per_round": units, "rounds": ROUNDS,
        "us_per_unit_of_work": medians,
        "speedup": round(medians["stock_aiosqlite"] / medians["one_trip"], 2),
    }
