"""Tampering with the audit log the way a database owner could: switching off its append-only guard first.

The guard (migration 0010) refuses UPDATE and DELETE; these tests are about what the hash chain finds
when someone with the rights to drop it edits the log anyway.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


async def drop_append_only_guard(conn: AsyncConnection) -> None:
    """Disable the audit log's triggers in this connection's database (as its owner could)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
    else:
        await conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
        await conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
