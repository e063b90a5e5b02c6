"""Everything stored about one member, table by table, decrypted: what an export holds and an erasure removes.

The tables are found from the schema (every table with a `member_id` column, and `member` itself),
so a table another feature adds is exported and erased without this module changing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

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
        plan = _plan(table)
        query = sa.select(table).where(owner_column(table) == self._cipher.member_id)
        result = await self._conn.stream(query.execution_options(yield_per=size))
        async for rows in result.partitions(size):
            yield [self._plain(table.name, plan, row) for row in rows]

    def _plain(self, table: str, plan: list[tuple[int, str, str, str]], row: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        row_id = str(row.id)  # formatted once: it is every encrypted column's associated data
        decrypt = self._cipher.decrypt
        for index, column, key, kind in plan:
            value = row[index]
            if value is None:
                out[key] = None
            elif kind == "enc":
                out[key] = decrypt(table, column, row_id, value).decode("utf-8", errors="replace")
            elif kind == "withheld":
                out[key] = "[withheld]"
            elif kind == "uuid":
                out[key] = row_id if column == "id" else str(value)
            elif kind == "time":
                out[key] = value.isoformat()
            elif not isinstance(value, bytes):
                out[key] = value
        return out


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
