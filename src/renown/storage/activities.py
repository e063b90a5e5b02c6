"""Activities: content, URLs and post ids encrypted; counts and times queryable in plaintext."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Activity, ActivityKind, ActivityPage, Network, StoredActivity
from renown.storage.ids import new_id
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher, Vault

ACTIVITIES = metadata.tables["activity"]
# What reading an activity back needs; the blind index, member id and import time stay in the table.
READ_COLUMNS = tuple(ACTIVITIES.c[name] for name in (
    "id", "network", "kind", "external_id_enc", "content_enc", "url_enc", "published_at", "likes", "reshares",
    "replies", "mentions"))
TABLE = "activity"


def _post_id_purpose(network: Network) -> str:
    return f"post-id/{network.value}"


COLUMNS = ("id", "member_id", "network", "kind", "external_id_index", "external_id_enc", "content_enc", "url_enc",
           "published_at", "likes", "reshares", "replies", "mentions", "imported_at")


# SQLAlchemy's SQLite formats (32-digit hex UUIDs, "YYYY-MM-DD HH:MM:SS.ffffff" UTC), so queries compare alike.
def _sqlite_uuid(value: UUID) -> str:
    return value.hex


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _same(value: Any) -> Any:
    return value


class ActivityRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault
        names = ", ".join(COLUMNS)
        if conn.dialect.name == "sqlite":
            self._uuid, self._when = _sqlite_uuid, _sqlite_time
            marks = ", ".join("?" for _ in COLUMNS)
        else:  # asyncpg takes UUIDs and aware datetimes as they are
            self._uuid, self._when = _same, _same
            marks = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))
        self._insert_sql = f"INSERT INTO {TABLE} ({names}) VALUES ({marks})"  # noqa: S608 - constant names

    def post_index(self, network: Network, external_id: str) -> bytes:
        return self._vault.blind_index(_post_id_purpose(network), external_id)

    def index_function(self, network: Network) -> Callable[[str], bytes]:
        return self._vault.keyring.index_function(_post_id_purpose(network))

    async def known_indexes(self, member_id: UUID, network: Network) -> set[bytes]:
        """Blind indexes of the posts already stored, for idempotent re-import."""
        rows = await self._conn.execute(sa.select(ACTIVITIES.c.external_id_index).where(
            ACTIVITIES.c.member_id == member_id, ACTIVITIES.c.network == network.value))
        return {r[0] for r in rows}

    def encrypt_row(self, cipher: MemberCipher, activity: Activity, index: bytes, *, at: datetime) -> tuple[Any, ...]:
        """One row in `COLUMNS` order, values already in the driver's own types (bulk path)."""
        return self.row_encoder(cipher, at=at)(activity, index)

    def row_encoder(self, cipher: MemberCipher, *, at: datetime) -> Callable[[Activity, bytes], tuple[Any, ...]]:
        """A fast per-row encoder for one member and one import time."""
        member, imported, uuid, when, encrypt = self._uuid(cipher.member_id), self._when(at), self._uuid, \
            self._when, cipher.encrypt

        def encode(activity: Activity, index: bytes) -> tuple[Any, ...]:
            row_id = new_id()
            rid = str(row_id)
            url = activity.url
            return (
                uuid(row_id), member, activity.network.value, activity.kind.value, index,
                encrypt(TABLE, "external_id_enc", rid, activity.external_id),
                encrypt(TABLE, "content_enc", rid, activity.text),
                None if url is None else encrypt(TABLE, "url_enc", rid, url),
                when(activity.published_at), activity.likes, activity.reshares, activity.replies,
                activity.mentions, imported,
            )

        return encode

    async def insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Bulk insert with the driver's executemany: Core's per-value type processing costs half the time."""
        if rows:
            await self._conn.exec_driver_sql(self._insert_sql, rows)

    async def page(
        self, member_id: UUID, *, first: int, after: tuple[datetime, UUID] | None = None,
        network: Network | None = None,
    ) -> ActivityPage:
        """Newest first, keyset-paginated on (published_at, id)."""
        query = sa.select(*READ_COLUMNS).where(ACTIVITIES.c.member_id == member_id)
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
        """Rows with at least `READ_COLUMNS`, decrypted into activities (hot path: one AAD row string per row)."""
        decrypt = (await self._vault.load(self._conn, member_id)).decrypt
        networks, kinds = {n.value: n for n in Network}, {k.value: k for k in ActivityKind}
        out = []
        for r in rows:
            rid = str(r.id)
            url = r.url_enc
            out.append(StoredActivity(r.id, Activity(
                network=networks[r.network],
                external_id=decrypt(TABLE, "external_id_enc", rid, r.external_id_enc).decode(),
                kind=kinds[r.kind],
                published_at=r.published_at,
                text=decrypt(TABLE, "content_enc", rid, r.content_enc).decode(),
                url=None if url is None else decrypt(TABLE, "url_enc", rid, url).decode(),
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
