"""Public views: profiles by handle and leaderboards, of members who opted in to a public profile.

A leaderboard page is one SQL query, built once: the opt-in (the latest `public_profile` event of a
network is a grant still valid under a current notice), the member's status, restriction and
objection, the ranking and the cursor are all conditions of it, so the database walks the ranking
index from the top and stops when the page is full. Handles are decrypted with keys the vault loads
in one batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
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
from renown.storage.types import UTCDateTime
from renown.storage.vault import Vault

EVENTS = metadata.tables["consent_event"]
ACCOUNTS = metadata.tables["linked_account"]
MEMBERS = metadata.tables["member"]
SCORES = metadata.tables["score"]
TOPICS = metadata.tables["member_topic"]

Cursor = tuple[float, UUID]


def public_account(account: Any) -> sa.ColumnElement[bool]:
    """Whether the member shows this linked account publicly: the latest `public_profile` event of its network
    is a grant, unexpired at `:now`, under one of the `:versions` of the notice that still stand."""
    e, later = EVENTS.alias("granted"), EVENTS.alias("later")
    superseded = sa.exists().where(later.c.member_id == e.c.member_id, later.c.network == e.c.network,
                                   later.c.purpose == e.c.purpose, later.c.occurred_at > e.c.occurred_at)
    now = sa.bindparam("now", type_=UTCDateTime())
    return sa.exists().where(
        e.c.member_id == account.c.member_id, e.c.network == account.c.network,
        e.c.purpose == ConsentPurpose.PUBLIC_PROFILE.value, e.c.event == ConsentEventType.GRANTED.value,
        sa.or_(e.c.expires_at.is_(None), e.c.expires_at > now),
        e.c.notice_version.in_(sa.bindparam("versions", expanding=True)), ~superseded)


@lru_cache(maxsize=4)
def leaderboard_statement(*, by_topic: bool, after: bool) -> sa.Select[Any]:
    """The page query, built once: it walks the score (or topic level) index from the top, checking each
    candidate's status, restriction, objection and opt-in until the page is full."""
    s, m, a = SCORES, MEMBERS, ACCOUNTS
    query = sa.select(s.c.member_id, s.c.value, a.c.network, a.c.id.label("account_id"), a.c.handle_enc)
    if by_topic:
        t = TOPICS
        rank: Any = t.c.level
        member: Any = t.c.member_id  # the topic index orders by it, so the sort needs no temporary tree
        query = (query.add_columns(t.c.level).select_from(t).join(s, s.c.member_id == t.c.member_id)
                 .where(t.c.topic == sa.bindparam("topic"), t.c.hidden.is_(False), t.c.level > 0))
    else:
        rank, member = s.c.value, s.c.member_id
        query = query.add_columns(sa.null().label("level"))
    query = (
        query.join(m, m.c.id == s.c.member_id).join(a, a.c.member_id == s.c.member_id)
        .where(m.c.status == MemberStatus.ACTIVE.value, s.c.member_id.not_in(stopped_members()), public_account(a))
    )
    if after:
        value, last = sa.bindparam("rank", type_=sa.Float()), sa.bindparam("last", type_=sa.Uuid())
        query = query.where(sa.or_(rank < value, sa.and_(rank == value, member < last)))
    # Ordered on the ranking index alone (so it can be walked); a member's rows, one per public network, come
    # together, and the first network by name is the one shown.
    return query.order_by(rank.desc(), member.desc()).limit(sa.bindparam("rows"))


class PublicRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def leaderboard(
        self, *, topic: str | None, first: int, after: Cursor | None, now: datetime, notice_versions: Iterable[str],
    ) -> LeaderboardPage:
        """Opted-in members by score (or by level in `topic`, hidden topics left out), best first."""
        statement = leaderboard_statement(by_topic=topic is not None, after=after is not None)
        params: dict[str, Any] = {"now": now, "versions": list(notice_versions), "rows": (first + 1) * len(Network)}
        if topic is not None:
            params["topic"] = topic
        if after is not None:
            params["rank"], params["last"] = after
        picked: dict[UUID, Any] = {}
        for row in await self._conn.execute(statement, params):
            shown = picked.get(row.member_id)
            if shown is None and len(picked) > first:
                break
            if shown is None or row.network < shown.network:
                picked[row.member_id] = row
        page = list(picked.values())[:first]
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
        return LeaderboardPage(entries, has_next=len(picked) > first)

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
