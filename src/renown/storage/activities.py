"""Activities: content, URLs and post ids encrypted; counts and times queryable in plaintext."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Activity, ActivityKind, ActivityPage, Network, StoredActivity
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher, Vault

ACTIVITIES = metadata.tables["activity"]
TABLE = "activity"


def _post_id_purpose(network: Network) -> str:
    return f"post-id/{network.value}"


class ActivityRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    def post_index(self, network: Network, external_id: str) -> bytes:
        return self._vault.blind_index(_post_id_purpose(network), external_id)

    async def known_indexes(self, member_id: UUID, network: Network) -> set[bytes]:
        """Blind indexes of the posts already stored, for idempotent re-import."""
        rows = await self._conn.execute(sa.select(ACTIVITIES.c.external_id_index).where(
            ACTIVITIES.c.member_id == member_id, ACTIVITIES.c.network == network.value))
        return {r[0] for r in rows}

    def encrypt_row(self, cipher: MemberCipher, activity: Activity, index: bytes, *, at: datetime) -> dict[str, Any]:
        row_id = uuid4()
        return {
            "id": row_id,
            "member_id": cipher.member_id,
            "network": activity.network.value,
            "kind": activity.kind.value,
            "external_id_index": index,
            "external_id_enc": cipher.encrypt(TABLE, "external_id_enc", row_id, activity.external_id),
            "content_enc": cipher.encrypt(TABLE, "content_enc", row_id, activity.text),
            "url_enc": None if activity.url is None else cipher.encrypt(TABLE, "url_enc", row_id, activity.url),
            "published_at": activity.published_at,
            "likes": activity.likes,
            "reshares": activity.reshares,
            "replies": activity.replies,
            "mentions": activity.mentions,
            "imported_at": at,
        }

    async def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert through SQLAlchemy Core (executemany), never the ORM."""
        if rows:
            await self._conn.execute(sa.insert(ACTIVITIES), rows)

    async def page(
        self, member_id: UUID, *, first: int, after: tuple[datetime, UUID] | None = None,
        network: Network | None = None,
    ) -> ActivityPage:
        """Newest first, keyset-paginated on (published_at, id)."""
        query = sa.select(ACTIVITIES).where(ACTIVITIES.c.member_id == member_id)
        if network is not None:
            query = query.where(ACTIVITIES.c.network == network.value)
        if after is not None:
            published, row_id = after
            query = query.where(sa.or_(
                ACTIVITIES.c.published_at < published,
                sa.and_(ACTIVITIES.c.published_at == published, ACTIVITIES.c.id < row_id),
            ))
        query = query.order_by(ACTIVITIES.c.published_at.desc(), ACTIVITIES.c.id.desc()).limit(first + 1)
        rows = (await self._conn.execute(query)).all()
        items = await self.decrypt(member_id, rows[:first])
        return ActivityPage(items, has_next=len(rows) > first)

    async def decrypt(self, member_id: UUID, rows: Iterable[Any]) -> list[StoredActivity]:
        cipher = await self._vault.load(self._conn, member_id)
        out = []
        for r in rows:
            out.append(StoredActivity(r.id, Activity(
                network=Network(r.network),
                external_id=cipher.decrypt_text(TABLE, "external_id_enc", r.id, r.external_id_enc),
                kind=ActivityKind(r.kind),
                published_at=r.published_at,
                text=cipher.decrypt_text(TABLE, "content_enc", r.id, r.content_enc),
                url=cipher.decrypt_optional(TABLE, "url_enc", r.id, r.url_enc),
                likes=r.likes, reshares=r.reshares, replies=r.replies, mentions=r.mentions,
            )))
        return out

    async def count(self, member_id: UUID, network: Network | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(ACTIVITIES).where(ACTIVITIES.c.member_id == member_id)
        if network is not None:
            query = query.where(ACTIVITIES.c.network == network.value)
        return int((await self._conn.execute(query)).scalar_one())

    async def delete_for(self, member_id: UUID, network: Network | None = None) -> int:
        query = sa.delete(ACTIVITIES).where(ACTIVITIES.c.member_id == member_id)
        if network is not None:
            query = query.where(ACTIVITIES.c.network == network.value)
        return (await self._conn.execute(query)).rowcount or 0
