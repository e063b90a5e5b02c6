"""Everything stored about one member, table by table, decrypted: what an export holds and an erasure removes.

The tables are found from the schema (every table with a `member_id` column, and `member` itself),
so a table another feature adds is exported and erased without this module changing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher

# Kept out of exports: data keys are security material, and a live network credential in a file
# that may be downloaded elsewhere would hand the account to whoever finds it (Art. 15(4)).
WITHHELD_TABLES = frozenset({"member_key"})
WITHHELD_COLUMNS = {("linked_account", "oauth_token_enc"): "a live credential for the member's network account"}


def member_tables() -> list[sa.Table]:
    """The member's tables, parents before children (the order an export reads them in)."""
    return [t for t in metadata.sorted_tables
            if t.name not in WITHHELD_TABLES and (t.name == "member" or "member_id" in t.c)]


def owner_column(table: sa.Table) -> sa.Column[Any]:
    return table.c.id if table.name == "member" else table.c.member_id


def exported_columns(table: sa.Table) -> list[str]:
    """Column names as they appear in an export: `*_enc` without the suffix, blind indexes left out."""
    return [c.name.removesuffix("_enc") for c in table.columns if not c.name.endswith("_index")]


class MemberData:
    """Reads one member's rows, decrypting `*_enc` columns with their key."""

    def __init__(self, conn: AsyncConnection, cipher: MemberCipher) -> None:
        self._conn = conn
        self._cipher = cipher

    async def count(self, table: sa.Table) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(owner_column(table) == self._cipher.member_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def pages(self, table: sa.Table, *, size: int = 2000) -> AsyncIterator[list[dict[str, Any]]]:
        """The member's rows of `table` in pages, from one streamed query: memory stays flat, reads stay linear."""
        render = _renderer(table, self._cipher)
        query = sa.select(*_raw_columns(table)).where(owner_column(table) == self._cipher.member_id)
        result = await self._conn.stream(query.execution_options(yield_per=size))
        async for rows in result.partitions(size):
            yield [render(row) for row in rows]


def _renderer(table: sa.Table, cipher: MemberCipher) -> Callable[[Any], dict[str, Any]]:
    """A function turning one row of `table` into its exported dict, with each column's opener looked up once."""
    plan = [(index, column, key, kind, cipher.column_opener(table.name, column) if kind == "enc" else None)
            for index, column, key, kind in _plan(table)]
    id_index, id_kind = next((index, kind) for index, column, _, kind, _ in plan if column == "id")
    id_text = _uuid_text if id_kind == "uuid" else str

    def render(row: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        row_id = id_text(row[id_index])  # formatted once: it is every encrypted column's associated data
        aad_id = row_id.encode()
        for index, column, key, kind, opener in plan:
            value = row[index]
            if value is None:
                out[key] = None
            elif opener is not None:
                out[key] = opener(aad_id, value).decode("utf-8", errors="replace")
            elif kind == "withheld":
                out[key] = "[withheld]"
            elif kind == "uuid":
                out[key] = row_id if column == "id" else _uuid_text(value)
            elif kind == "time":
                out[key] = _time_text(value)
            elif not isinstance(value, bytes):
                out[key] = value
        return out

    return render


def _raw_columns(table: sa.Table) -> list[Any]:
    """The table's columns, ids and times as the driver gives them: rendered once to text, not twice via objects."""
    kinds = {column: kind for _, column, _, kind in _plan(table)}
    return [sa.type_coerce(c, sa.types.NullType()).label(c.name) if kinds.get(c.name) in ("uuid", "time") else c
            for c in table.columns]


def _uuid_text(value: Any) -> str:
    """A UUID in its dashed form, from SQLite's 32 hex digits or PostgreSQL's uuid."""
    if isinstance(value, str) and len(value) == 32:  # noqa: PLR2004 - hex digits of a UUID
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(UUID(str(value)))


_SQLITE_TIME_CHARS = len("2026-01-01 00:00:00.000000")


def _time_text(value: Any) -> str:
    """An ISO 8601 UTC time as `UTCDateTime` would give it, from SQLite's text or PostgreSQL's timestamptz."""
    if isinstance(value, str) and len(value) == _SQLITE_TIME_CHARS and value[10] == " " and value[19] == ".":
        # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC): rewritten as `isoformat` would, without parsing it.
        fraction = value[19:]
        return f"{value[:10]}T{value[11:19]}{'' if fraction == '.000000' else fraction}+00:00"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return (when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)).isoformat()


def _plan(table: sa.Table) -> list[tuple[int, str, str, str]]:
    """How each column is rendered: (position, column, exported name, kind); blind indexes are left out."""
    plan = []
    for index, column in enumerate(table.columns):
        name = column.name
        if name.endswith("_index"):
            continue
        if (table.name, name) in WITHHELD_COLUMNS:
            kind = "withheld"
        elif name.endswith("_enc"):
            kind = "enc"
        elif isinstance(column.type, sa.Uuid):
            kind = "uuid"
        elif isinstance(column.type, sa.TypeDecorator) and column.type.impl_instance.python_type is datetime:
            kind = "time"
        else:
            kind = "plain"
        plan.append((index, name, name.removesuffix("_enc"), kind))
    return plan
