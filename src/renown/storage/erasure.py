"""What erasure does to storage: delete a member's rows, keep the suppression list, fill the Art. 19 outbox,
and leave a tombstone that names the member by keyed hashes only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.member import AgeBracket, MemberStatus
from renown.storage.member_data import member_tables, owner_column
from renown.storage.tables import metadata

SUPPRESSION = metadata.tables["suppression"]
NOTICES = metadata.tables["recipient_notice"]
ACCOUNTS = metadata.tables["linked_account"]
DISCLOSURES = metadata.tables["disclosure"]
MEMBERS = metadata.tables["member"]
REQUESTS = metadata.tables["privacy_request"]
INTERACTIONS = metadata.tables["interaction"]
# Tables an erasure keeps rows of: the tombstone, the request records (accountability), and
# tables emptied by their own steps (files must go with their rows).
KEPT = frozenset({"member", "privacy_request", "export_file"})


class ErasureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def delete_rows(self, table_name: str, member_id: UUID) -> int:
        """Delete every row of the member in one table, in the caller's transaction."""
        table = metadata.tables[table_name]
        return (await self._conn.execute(sa.delete(table).where(owner_column(table) == member_id))).rowcount or 0

    async def delete_remaining(self, member_id: UUID) -> dict[str, int]:
        """Delete the member's rows in every table not kept, children before parents."""
        deleted = {}
        for table in reversed(member_tables()):
            if table.name not in KEPT:
                deleted[table.name] = await self.delete_rows(table.name, member_id)
        return {name: count for name, count in deleted.items() if count}

    async def delete_interactions(self, member_id: UUID) -> list[UUID]:
        """Delete the member's interactions in both directions; return the other members they involved."""
        pairs = await self._conn.execute(sa.select(INTERACTIONS.c.member_id, INTERACTIONS.c.target_id).where(
            sa.or_(INTERACTIONS.c.member_id == member_id, INTERACTIONS.c.target_id == member_id)))
        others = sorted({m for pair in pairs for m in pair if m != member_id})
        await self._conn.execute(sa.delete(INTERACTIONS).where(
            sa.or_(INTERACTIONS.c.member_id == member_id, INTERACTIONS.c.target_id == member_id)))
        return others

    async def handle_indexes(self, member_id: UUID) -> list[tuple[str, bytes]]:
        rows = await self._conn.execute(sa.select(ACCOUNTS.c.network, ACCOUNTS.c.handle_index)
                                        .where(ACCOUNTS.c.member_id == member_id))
        return [(r.network, r.handle_index) for r in rows]

    async def suppress(self, entries: list[tuple[str, bytes]], *, at: datetime) -> int:
        """Add handles to the suppression list (already listed ones are left as they are)."""
        if not entries:
            return 0
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        query = dialect.insert(SUPPRESSION).values(
            [{"network": n, "handle_index": h, "created_at": at} for n, h in entries]).on_conflict_do_nothing()
        return (await self._conn.execute(query)).rowcount or 0

    async def is_suppressed(self, network: str, handle_index: bytes) -> bool:
        row = (await self._conn.execute(sa.select(SUPPRESSION.c.network).where(
            SUPPRESSION.c.network == network, SUPPRESSION.c.handle_index == handle_index))).first()
        return row is not None

    async def recipients(self, member_id: UUID) -> list[dict[str, Any]]:
        """Who the member's data was disclosed to, and what each knows the disclosure by."""
        rows = await self._conn.execute(sa.select(
            DISCLOSURES.c.recipient, DISCLOSURES.c.recipient_ref, DISCLOSURES.c.context, DISCLOSURES.c.context_id,
        ).where(DISCLOSURES.c.member_id == member_id).order_by(DISCLOSURES.c.disclosed_at))
        return [dict(r._mapping) for r in rows]

    async def notices_of(self, request_id: UUID) -> list[dict[str, Any]]:
        rows = await self._conn.execute(sa.select(NOTICES).where(NOTICES.c.request_id == request_id))
        return [dict(r._mapping) for r in rows]

    async def tombstone(self, member_id: UUID, *, at: datetime) -> int:
        """Empty the member row down to the keyed hash of their login, so their old tokens are refused."""
        return (await self._conn.execute(sa.update(MEMBERS).where(MEMBERS.c.id == member_id).values(
            subject_enc=b"", display_name_enc=None, age_bracket=AgeBracket.UNDECLARED.value,
            status=MemberStatus.ERASED.value, created_at=at))).rowcount or 0

    async def scrub_requests(self, member_id: UUID) -> int:
        """Drop what the member's requests held beyond their kind and dates (details, reasons, outcomes)."""
        return (await self._conn.execute(sa.update(REQUESTS).where(REQUESTS.c.member_id == member_id).values(
            details_enc=None, result=None, extension_reason=sa.case(
                (REQUESTS.c.extension_reason.is_not(None), "[erased]"), else_=None)))).rowcount or 0
