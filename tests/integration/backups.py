"""Raw copies of a test database, as an attacker or a backup would hold them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine


async def raw_bytes(engine: AsyncEngine, url: str, workdir: Path) -> bytes:
    """Every byte the database holds: the SQLite file (after a checkpoint) or a pg_dump."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        data = Path(str(parsed.database)).read_bytes()
        wal = Path(f"{parsed.database}-wal")
        return data + (wal.read_bytes() if wal.exists() else b"")
    dump = workdir / "dump.sql"
    _pg(["pg_dump", "--no-owner", "-f", str(dump)], parsed)
    return dump.read_bytes()


async def copy_database(engine: AsyncEngine, url: str, workdir: Path) -> str:
    """A backup copy: the SQLite file copied aside, or a pg_dump restored into a new database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        target = workdir / "backup.sqlite"
        shutil.copyfile(str(parsed.database), target)
        return parsed.set(database=str(target)).render_as_string(hide_password=False)
    dump = workdir / "backup.dump"
    _pg(["pg_dump", "--no-owner", "-Fc", "-f", str(dump)], parsed)
    name = f"{parsed.database}_backup"
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    restored = parsed.set(database=name)
    _pg(["pg_restore", "--no-owner", "-d", name, str(dump)], restored, database_flag=False)
    return restored.render_as_string(hide_password=False)


async def drop_copy(engine: AsyncEngine, url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))


def _pg(command: list[str], url: object, *, database_flag: bool = True) -> None:
    parsed = make_url(str(url)) if not hasattr(url, "host") else url
    args = [*command, "-h", str(parsed.host or "127.0.0.1"), "-p", str(parsed.port or 5432),  # type: ignore[attr-defined]
            "-U", str(parsed.username or "postgres")]  # type: ignore[attr-defined]
    if database_flag:
        args += ["-d", str(parsed.database)]  # type: ignore[attr-defined]
    subprocess.run(args, check=True, capture_output=True, timeout=120)  # noqa: S603 - fixed tool, test URL
