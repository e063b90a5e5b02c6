"""Public views: profiles by handle and leaderboards, of members who opted in to a public profile.

A leaderboard page is one SQL query: the opt-in (the latest `public_profile` event of a network is
a grant still valid under a current notice), the member's status, restriction and objection, the
ranking and the cursor are all conditions of that query. Handles are decrypted with keys the vault
loads in one batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Network
from renown.domain.consent import ConsentEventType
from renown.domain.member import MemberStatus
from renown.domain.policies import ConsentPurpose
from renown.domain.scoring import LeaderboardEntry, LeaderboardPage
from renown.storage.scores import stopped_members
from renown.storage.tables import metadata
from renown.storage.vault import Vault

EVENTS = metadata.tables["consent_event"]
ACCOUNTS = metadata.tables["linked_account"]
MEMBERS = metadata.tables["member"]
SCORES = metadata.tables["score"]
TOPICS = metadata.tables["member_topic"]

Cursor = tuple[float, UUID]


def opted_in(*, now: datetime, notice_versions: Iterable[str]) -> sa.Subquery:
    """(member_id, network, account id, handle) of every network a member shows publicly, first network first."""
    e, later = EVENTS, EVENTS.alias("later")
    superseded = sa.exists().where(later.c.member_id == e.c.member_id, later.c.network == e.c.network,
                                   later.c.purpose == e.c.purpose, later.c.occurred_at > e.c.occurred_at)
    granted = (
        sa.select(e.c.member_id, e.c.network)
        .where(e.c.purpose == ConsentPurpose.PUBLIC_PROFILE.value, e.c.event == ConsentEventType.GRANTED.value,
               e.c.network.is_not(None), sa.or_(e.c.expires_at.is_(None), e.c.expires_at > now),
               e.c.notice_version.in_(list(notice_versions)), ~superseded)
        .subquery("granted")
    )
    a = ACCOUNTS
    first = sa.func.row_number().over(partition_by=a.c.member_id, order_by=a.c.network).label("position")
    return (
        sa.select(a.c.member_id, a.c.network, a.c.id.label("account_id"), a.c.handle_enc, first)
        .join(granted, sa.and_(granted.c.member_id == a.c.member_id, granted.c.network == a.c.network))
        .subquery("public")
    )


class PublicRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def leaderboard(
        self, *, topic: str | None, first: int, after: Cursor | None, now: datetime, notice_versions: Iterable[str],
    ) -> LeaderboardPage:
        """Opted-in members by score (or by level in `topic`, hidden topics left out), best first."""
        public, s, m = opted_in(now=now, notice_versions=notice_versions), SCORES, MEMBERS
        columns: list[Any] = [s.c.member_id, s.c.value, public.c.network, public.c.account_id, public.c.handle_enc]
        query = sa.select(*columns)
        if topic is None:
            rank: Any = s.c.value
            query = query.add_columns(sa.null().label("level"))
        else:
            t = TOPICS
            rank = t.c.level
            query = query.add_columns(t.c.level).join(t, t.c.member_id == s.c.member_id).where(
                t.c.topic == topic, t.c.hidden.is_(False), t.c.level > 0)
        query = (
            query.join(public, sa.and_(public.c.member_id == s.c.member_id, public.c.position == 1))
            .join(m, m.c.id == s.c.member_id)
            .where(m.c.status == MemberStatus.ACTIVE.value, s.c.member_id.not_in(stopped_members()))
        )
        if after is not None:
            value, last = after
            query = query.where(sa.or_(rank < value, sa.and_(rank == value, s.c.member_id < last)))
        rows = (await self._conn.execute(query.order_by(rank.desc(), s.c.member_id.desc()).limit(first + 1))).all()
        page = rows[:first]
        ciphers = await self._vault.load_many(self._conn, [r.member_id for r in page])
        entries = []
        for r in page:
            cipher = ciphers.get(r.member_id)
            if cipher is None:  # erased between the query and now: nothing of theirs can be shown
                continue
            handle = cipher.decrypt_text("linked_account", "handle_enc", r.account_id, r.handle_enc)
            level = None if r.level is None else float(r.level)
            entries.append(LeaderboardEntry(r.member_id, Network(r.network), handle, float(r.value), level,
                                            float(r.value) if level is None else level))
        return LeaderboardPage(entries, has_next=len(rows) > first)

    async def accounts_by_handle(self, handle: str) -> list[tuple[UUID, Network, UUID, str | None]]:
        """(member, network, account id, display name) of the linked accounts with this handle, on any network."""
        indexes = {self._vault.blind_index(f"handle/{n.value}", handle): n for n in Network}
        a = ACCOUNTS
        rows = (await self._conn.execute(
            sa.select(a.c.member_id, a.c.network, a.c.id, a.c.handle_index, a.c.display_name_enc)
            .where(a.c.handle_index.in_(list(indexes))).order_by(a.c.network))).all()
        found = []
        for r in rows:
            if indexes.get(r.handle_index) is not Network(r.network):
                continue  # the same text indexed for another network is another account
            ciphers = await self._vault.load_many(self._conn, [r.member_id])
            cipher = ciphers.get(r.member_id)
            if cipher is None:
                continue
            name = cipher.decrypt_optional("linked_account", "display_name_enc", r.id, r.display_name_enc)
            found.append((r.member_id, Network(r.network), r.id, name))
        return found
