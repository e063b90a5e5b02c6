"""Activities: content, URLs and post ids encrypted; counts and times queryable in plaintext."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Activity, ActivityKind, ActivityPage, Network, StoredActivity
from renown.storage.ids import id_texts
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
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


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
        """Blind indexes of every post stored for one network (a live sync stops at the first known status)."""
        rows = await self._conn.execute(sa.select(ACTIVITIES.c.external_id_index).where(
            ACTIVITIES.c.member_id == member_id, ACTIVITIES.c.network == network.value))
        return {r[0] for r in rows}

    async def stored_indexes(self, member_id: UUID, network: Network, indexes: list[bytes]) -> set[bytes]:
        """Which of these post-id blind indexes are already stored, for idempotent re-import (one batch).

        Driver-level SQL: an expanding IN of a thousand values costs SQLAlchemy more than the lookup itself.
        """
        if not indexes:
            return set()
        head = f"SELECT external_id_index FROM {TABLE} WHERE member_id = "  # noqa: S608 - constant names
        if self._conn.dialect.name == "sqlite":
            sql = head + f"? AND network = ? AND external_id_index IN ({', '.join('?' * len(indexes))})"
            params: tuple[Any, ...] = (self._uuid(member_id), network.value, *indexes)
        else:
            sql, params = head + "$1 AND network = $2 AND external_id_index = ANY($3)", (
                member_id, network.value, indexes)
        return {r[0] for r in await self._conn.exec_driver_sql(sql, params)}

    def encrypt_row(self, cipher: MemberCipher, activity: Activity, index: bytes, *, at: datetime) -> tuple[Any, ...]:
        """One row in `COLUMNS` order, values already in the driver's own types (bulk path)."""
        return self.row_encoder(cipher, at=at)(activity, index)

    def row_encoder(self, cipher: MemberCipher, *, at: datetime) -> Callable[[Activity, bytes], tuple[Any, ...]]:
        """A fast per-row encoder for one member and one import time (the import's hot loop)."""
        member, imported, when = self._uuid(cipher.member_id), self._when(at), self._when
        seal_id, seal_text, seal_url = (cipher.column_sealer(TABLE, column)
                                        for column in ("external_id_enc", "content_enc", "url_enc"))
        ids = id_texts()
        row_key: Callable[[str], Any] = str if self._uuid is _sqlite_uuid else UUID  # the driver's id type

        def encode(activity: Activity, index: bytes) -> tuple[Any, ...]:
            digits, canonical = next(ids)
            rid = canonical.encode()
            url = activity.url
            return (
                row_key(digits), member, activity.network.value, activity.kind.value, index,
                seal_id(rid, activity.external_id.encode()),
                seal_text(rid, activity.text.encode()),
                None if url is None else seal_url(rid, url.encode()),
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
        """Rows whose first columns are `READ_COLUMNS` in order, decrypted into activities (a hot path)."""
        cipher = await self._vault.load(self._conn, member_id)
        open_id, open_text, open_url = (cipher.column_opener(TABLE, column)
                                        for column in ("external_id_enc", "content_enc", "url_enc"))
        networks, kinds = {n.value: n for n in Network}, {k.value: k for k in ActivityKind}
        width = len(READ_COLUMNS)
        out = []
        for r in rows:
            row_id, network, kind, external_id, content, url, published, likes, reshares, replies, mentions = \
                r[:width]
            rid = str(row_id).encode()
            out.append(StoredActivity(row_id, Activity(
                networks[network], open_id(rid, external_id).decode(), kinds[kind], published,
                open_text(rid, content).decode(), None if url is None else open_url(rid, url).decode(),
                likes=likes, reshares=reshares, replies=replies, mentions=mentions,
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
