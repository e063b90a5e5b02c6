"""The migrations build exactly the tables the models declare, both ways, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from renown.storage import migrate
from renown.storage.db import create_engine
from renown.storage.tables import metadata


async def test_upgrade_matches_the_models_and_downgrade_removes_everything(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        # when the database is migrated to head
        await migrate.upgrade(engine)
        # then it is current and no table, column, index or type differs from the models
        assert await migrate.is_current(engine)
        assert await migrate.differences(engine) == []
        # when it is downgraded to the start
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
        # then only alembic's own bookkeeping remains, and it can be upgraded again
        assert tables & set(metadata.tables) == set()
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        assert await migrate.is_current(engine)
    finally:
        await engine.dispose()


async def test_readiness_reports_pending_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert not await migrate.is_current(engine)
    finally:
        await engine.dispose()
