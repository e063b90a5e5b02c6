"""Members and their linked accounts; names and handles only ever stored encrypted."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import AccountProfile, LinkedAccount, Network
from renown.domain.member import AgeBracket, Member, MemberStatus
from renown.storage.interactions import MentionEdgeRepository
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher, Vault

MEMBERS = metadata.tables["member"]
ACCOUNTS = metadata.tables["linked_account"]

# Read on every request: built once, so a request pays neither the statement's construction nor its cache key.
_BY_SUBJECT = sa.select(MEMBERS).where(MEMBERS.c.subject_index == sa.bindparam("subject_index"))
_BY_ID = sa.select(MEMBERS).where(MEMBERS.c.id == sa.bindparam("member_id"))


class MemberRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def _to_member(self, row: sa.Row[tuple[object, ...]]) -> Member:
        cipher = await self._vault.load(self._conn, row.id)
        return Member(
            id=row.id,
            display_name=cipher.decrypt_optional("member", "display_name_enc", row.id, row.display_name_enc),
            age_bracket=AgeBracket(row.age_bracket),
            status=MemberStatus(row.status),
            created_at=row.created_at,
        )

    async def by_subject(self, subject: str) -> Member | None:
        index = self._vault.blind_index("subject", subject)
        row = (await self._conn.execute(_BY_SUBJECT, {"subject_index": index})).first()
        return None if row is None else await self._to_member(row)

    async def get(self, member_id: UUID) -> Member | None:
        row = (await self._conn.execute(_BY_ID, {"member_id": member_id})).first()
        return None if row is None else await self._to_member(row)

    async def add(
        self, *, subject: str, display_name: str | None, age_bracket: AgeBracket, at: datetime
    ) -> Member:
        member_id = uuid4()
        cipher = await self._vault.mint(self._conn, member_id, at=at)
        await self._conn.execute(sa.insert(MEMBERS).values(
            id=member_id,
            subject_index=self._vault.blind_index("subject", subject),
            subject_enc=cipher.encrypt("member", "subject_enc", member_id, subject),
            display_name_enc=None if display_name is None
            else cipher.encrypt("member", "display_name_enc", member_id, display_name),
            age_bracket=age_bracket.value,
            status=MemberStatus.ACTIVE.value,
            created_at=at,
        ))
        return Member(member_id, display_name, age_bracket, MemberStatus.ACTIVE, at)

    async def subject_of(self, member_id: UUID) -> str:
        row = (await self._conn.execute(sa.select(MEMBERS.c.subject_enc).where(MEMBERS.c.id == member_id))).one()
        cipher = await self._vault.load(self._conn, member_id)
        return cipher.decrypt_text("member", "subject_enc", member_id, row.subject_enc)

    async def set_status(self, member_id: UUID, status: MemberStatus) -> None:
        await self._conn.execute(sa.update(MEMBERS).where(MEMBERS.c.id == member_id).values(status=status.value))


_ARCHIVE_COUNTS = frozenset({"likes_given", "bookmarks", "karma"})


class AccountRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def link(self, cipher: MemberCipher, profile: AccountProfile, *, at: datetime) -> UUID:
        """Record or refresh the member's account on a network."""
        member_id = cipher.member_id
        existing = (await self._conn.execute(sa.select(ACCOUNTS.c.id).where(
            ACCOUNTS.c.member_id == member_id, ACCOUNTS.c.network == profile.network.value))).first()
        account_id = existing.id if existing is not None else uuid4()
        values = {
            "handle_index": self._vault.blind_index(f"handle/{profile.network.value}", profile.handle),
            "handle_enc": cipher.encrypt("linked_account", "handle_enc", account_id, profile.handle),
            "display_name_enc": None if profile.display_name is None
            else cipher.encrypt("linked_account", "display_name_enc", account_id, profile.display_name),
            "followers": profile.followers,
            "following": profile.following,
            "likes_given": profile.likes_given,
            "bookmarks": profile.bookmarks,
            "karma": profile.karma,
        }
        if existing is None:
            await self._conn.execute(sa.insert(ACCOUNTS).values(
                id=account_id, member_id=member_id, network=profile.network.value, linked_at=at, **values))
        else:
            # A source that does not state these counts (a live link, an older archive) leaves them as they were.
            kept = {k: v for k, v in values.items() if v is not None or k not in _ARCHIVE_COUNTS}
            await self._conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(**kept))
        # Members whose imports named this account before it was linked now count as interacting with its owner.
        await MentionEdgeRepository(self._conn).resolve(target=member_id)
        return account_id

    async def for_members(self, member_ids: list[UUID]) -> dict[UUID, list[LinkedAccount]]:
        """Many members' accounts (network order) in one query, keys batched in one more for uncached members."""
        found: dict[UUID, list[LinkedAccount]] = {m: [] for m in member_ids}
        rows = (await self._conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.member_id.in_(set(member_ids)))
                                         .order_by(ACCOUNTS.c.member_id, ACCOUNTS.c.network))).all()
        ciphers = await self._vault.load_many(self._conn, {r.member_id for r in rows})
        for r in rows:
            cipher = ciphers.get(r.member_id)
            if cipher is None:  # erased: nothing of theirs can be read any more
                continue
            found[r.member_id].append(LinkedAccount(
                id=r.id, network=Network(r.network),
                handle=cipher.decrypt_text("linked_account", "handle_enc", r.id, r.handle_enc),
                display_name=cipher.decrypt_optional("linked_account", "display_name_enc", r.id, r.display_name_enc),
                followers=r.followers, following=r.following, linked_at=r.linked_at))
        return found

    async def for_member(self, member_id: UUID) -> list[LinkedAccount]:
        rows = (await self._conn.execute(
            sa.select(ACCOUNTS).where(ACCOUNTS.c.member_id == member_id).order_by(ACCOUNTS.c.network))).all()
        if not rows:
            return []
        cipher = await self._vault.load(self._conn, member_id)
        return [
            LinkedAccount(
                id=r.id, network=Network(r.network),
                handle=cipher.decrypt_text("linked_account", "handle_enc", r.id, r.handle_enc),
                display_name=cipher.decrypt_optional("linked_account", "display_name_enc", r.id, r.display_name_enc),
                followers=r.followers, following=r.following, linked_at=r.linked_at,
            )
            for r in rows
        ]
