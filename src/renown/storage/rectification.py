"""What a rectification (Art. 16) changes in storage: profile fields, and which topics are shown."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher

MEMBERS = metadata.tables["member"]
TOPICS = metadata.tables["member_topic"]


class RectificationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def set_display_name(self, cipher: MemberCipher, display_name: str | None) -> int:
        member_id = cipher.member_id
        value = None if display_name is None else cipher.encrypt("member", "display_name_enc", member_id, display_name)
        return (await self._conn.execute(sa.update(MEMBERS).where(MEMBERS.c.id == member_id).values(
            display_name_enc=value))).rowcount or 0

    async def hide_topics(self, member_id: UUID, topics: Iterable[str]) -> int:
        wanted = sorted(set(topics))
        if not wanted:
            return 0
        return (await self._conn.execute(sa.update(TOPICS).where(
            TOPICS.c.member_id == member_id, TOPICS.c.topic.in_(wanted)).values(hidden=True))).rowcount or 0
