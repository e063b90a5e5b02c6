"""Everything stored about one member, table by table, decrypted: what an export holds and an erasure removes.

The tables are found from the schema (every table with a `member_id` column, and `member` itself),
so a table another feature adds is exported and erased without this module changing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
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
        """The member's rows of `table` in pages ordered by id, so memory stays flat however many there are."""
        key = table.c.id
        after: Any = None
        while True:
            query = sa.select(table).where(owner_column(table) == self._cipher.member_id).order_by(key).limit(size)
            if after is not None:
                query = query.where(key > after)
            rows = (await self._conn.execute(query)).all()
            if not rows:
                return
            yield [self.plain(table, row._mapping) for row in rows]
            if len(rows) < size:
                return
            after = rows[-1].id

    def plain(self, table: sa.Table, row: Any) -> dict[str, Any]:
        """One row as JSON-ready values, decrypted."""
        out: dict[str, Any] = {}
        for column in table.columns:
            name, value = column.name, row[column.name]
            if name.endswith("_index"):
                continue
            if (table.name, name) in WITHHELD_COLUMNS:
                out[name.removesuffix("_enc")] = None if value is None else "[withheld]"
            elif name.endswith("_enc"):
                out[name.removesuffix("_enc")] = None if value is None else self._cipher.decrypt(
                    table.name, name, row["id"], value).decode("utf-8", errors="replace")
            elif isinstance(value, UUID):
                out[name] = str(value)
            elif isinstance(value, datetime):
                out[name] = value.isoformat()
            elif isinstance(value, bytes):
                continue
            else:
                out[name] = value
        return out
