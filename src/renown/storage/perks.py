"""Perks, their claims, and the disclosures claims make; disclosed values only under the member's key."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Network
from renown.domain.perks import Disclosure, Perk, PerkClaim, PerkPage
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher, Vault

PERKS = metadata.tables["perk"]
CLAIMS = metadata.tables["perk_claim"]
DISCLOSURES = metadata.tables["disclosure"]
SCORES = metadata.tables["score"]

Cursor = tuple[datetime, UUID]


def _perk(row: Any) -> Perk:
    return Perk(row.id, row.brand, row.title, row.topic, row.minimum_score, row.quantity, row.claimed,
                row.valid_from, row.valid_until, row.created_at)


def _claim(claim_id: UUID, perk_id: UUID, member_id: UUID, at: datetime, content: dict[str, str]) -> PerkClaim:
    network = content.get("network")
    return PerkClaim(id=claim_id, perk_id=perk_id, member_id=member_id, claimed_at=at,
                     network=None if network is None else Network(network), handle=content.get("handle"),
                     score_band=content.get("score_band"))


def _before(at: sa.ColumnElement[Any], row_id: sa.ColumnElement[Any], cursor: Cursor) -> sa.ColumnElement[bool]:
    """Keyset condition for newest-first pages on (time, id)."""
    when, last = cursor
    return sa.or_(at < when, sa.and_(at == when, row_id < last))


class PerkRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, perk: Perk) -> None:
        await self._conn.execute(sa.insert(PERKS).values(
            id=perk.id, brand=perk.brand, title=perk.title, topic=perk.topic, minimum_score=perk.minimum_score,
            quantity=perk.quantity, claimed=perk.claimed, valid_from=perk.valid_from, valid_until=perk.valid_until,
            created_at=perk.created_at))

    async def get(self, perk_id: UUID) -> Perk | None:
        row = (await self._conn.execute(sa.select(PERKS).where(PERKS.c.id == perk_id))).first()
        return None if row is None else _perk(row)

    async def page(
        self, *, first: int, after: Cursor | None = None, brand: str | None = None, open_at: datetime | None = None,
    ) -> PerkPage:
        """Newest first; `brand` keeps that brand's perks, `open_at` those valid then and not sold out."""
        query = sa.select(PERKS)
        if brand is not None:
            query = query.where(PERKS.c.brand == brand)
        if open_at is not None:
            query = query.where(PERKS.c.valid_from <= open_at, PERKS.c.valid_until > open_at,
                                PERKS.c.claimed < PERKS.c.quantity)
        if after is not None:
            query = query.where(_before(PERKS.c.created_at, PERKS.c.id, after))
        query = query.order_by(PERKS.c.created_at.desc(), PERKS.c.id.desc()).limit(first + 1)
        rows = (await self._conn.execute(query)).all()
        return PerkPage([_perk(r) for r in rows[:first]], has_next=len(rows) > first)

    async def take_unit(self, perk_id: UUID) -> bool:
        """Count one more unit claimed unless none is left; tell whether one was taken."""
        result = await self._conn.execute(sa.update(PERKS).where(
            PERKS.c.id == perk_id, PERKS.c.claimed < PERKS.c.quantity).values(claimed=PERKS.c.claimed + 1))
        return bool(result.rowcount)

    async def member_claim(self, perk_id: UUID, member_id: UUID) -> PerkClaim | None:
        """The member's own claim of a perk, with what it disclosed."""
        row = (await self._conn.execute(
            sa.select(CLAIMS.c.id, CLAIMS.c.claimed_at, DISCLOSURES.c.id.label("disclosure_id"),
                      DISCLOSURES.c.content_enc)
            .join(DISCLOSURES, DISCLOSURES.c.id == CLAIMS.c.disclosure_id)
            .where(CLAIMS.c.perk_id == perk_id, CLAIMS.c.member_id == member_id))).first()
        if row is None:
            return None
        ciphers = await self._vault.load_many(self._conn, [member_id])
        return _claim(row.id, perk_id, member_id, row.claimed_at,
                      self._content(ciphers.get(member_id), row.disclosure_id, row.content_enc))

    async def add_claim(
        self, cipher: MemberCipher, *, claim_id: UUID, perk_id: UUID, disclosure: Disclosure,
    ) -> bool:
        """Store a claim with its disclosure; False (nothing kept by the caller) if the member claimed it already."""
        await self._conn.execute(sa.insert(DISCLOSURES).values(
            id=disclosure.id, member_id=disclosure.member_id, recipient=disclosure.recipient,
            recipient_ref=disclosure.recipient_ref, purpose=disclosure.purpose,
            data_categories=list(disclosure.categories), context=disclosure.context, context_id=disclosure.context_id,
            content_enc=cipher.encrypt("disclosure", "content_enc", disclosure.id,
                                       json.dumps(disclosure.content, sort_keys=True)),
            disclosed_at=disclosure.disclosed_at))
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        result = await self._conn.execute(dialect.insert(CLAIMS).values(
            id=claim_id, perk_id=perk_id, member_id=disclosure.member_id, disclosure_id=disclosure.id,
            claimed_at=disclosure.disclosed_at).on_conflict_do_nothing(index_elements=["perk_id", "member_id"]))
        return bool(result.rowcount)

    async def claims(
        self, perk_ids: Iterable[UUID], *, brand: str, first: int, after: Cursor | None = None,
    ) -> dict[UUID, tuple[list[PerkClaim], bool]]:
        """Up to `first` claims of each of `brand`'s perks (newest first) in one query, and whether more exist."""
        ids = list(set(perk_ids))
        if not ids:
            return {}
        rank = sa.func.row_number().over(
            partition_by=CLAIMS.c.perk_id, order_by=(CLAIMS.c.claimed_at.desc(), CLAIMS.c.id.desc()))
        inner = (
            sa.select(CLAIMS.c.id, CLAIMS.c.perk_id, CLAIMS.c.member_id, CLAIMS.c.claimed_at,
                      DISCLOSURES.c.id.label("disclosure_id"), DISCLOSURES.c.content_enc, rank.label("rank"))
            .join(DISCLOSURES, DISCLOSURES.c.id == CLAIMS.c.disclosure_id)
            .join(PERKS, PERKS.c.id == CLAIMS.c.perk_id)
            .where(CLAIMS.c.perk_id.in_(ids), PERKS.c.brand == brand)
        )
        if after is not None:
            inner = inner.where(_before(CLAIMS.c.claimed_at, CLAIMS.c.id, after))
        ranked = inner.subquery()
        rows = (await self._conn.execute(
            sa.select(ranked).where(ranked.c.rank <= first + 1).order_by(ranked.c.perk_id, ranked.c.rank))).all()
        ciphers = await self._vault.load_many(self._conn, {r.member_id for r in rows})
        out: dict[UUID, tuple[list[PerkClaim], bool]] = {perk_id: ([], False) for perk_id in ids}
        for row in rows:
            claims, _ = out[row.perk_id]
            if row.rank > first:
                out[row.perk_id] = (claims, True)
                continue
            content = self._content(ciphers.get(row.member_id), row.disclosure_id, row.content_enc)
            claims.append(_claim(row.id, row.perk_id, row.member_id, row.claimed_at, content))
        return out

    @staticmethod
    def _content(cipher: MemberCipher | None, disclosure_id: UUID, blob: bytes) -> dict[str, str]:
        # An erased member's key is gone: what was disclosed can no longer be read back, by design.
        if cipher is None:
            return {}
        loaded: dict[str, str] = json.loads(cipher.decrypt("disclosure", "content_enc", disclosure_id, blob))
        return loaded

    async def disclosures(self, member_id: UUID) -> list[Disclosure]:
        """Everything disclosed about the member, oldest first (their export; Art. 19 notices)."""
        rows = (await self._conn.execute(sa.select(DISCLOSURES).where(DISCLOSURES.c.member_id == member_id)
                                         .order_by(DISCLOSURES.c.disclosed_at, DISCLOSURES.c.id))).all()
        ciphers = await self._vault.load_many(self._conn, [member_id]) if rows else {}
        return [
            Disclosure(
                id=r.id, member_id=r.member_id, recipient=r.recipient, recipient_ref=r.recipient_ref,
                purpose=r.purpose, categories=tuple(r.data_categories),
                content=self._content(ciphers.get(member_id), r.id, r.content_enc), context=r.context,
                context_id=r.context_id, disclosed_at=r.disclosed_at)
            for r in rows
        ]

    async def latest_score(self, member_id: UUID) -> float | None:
        """The member's most recent score from the `score` table, as the scoring engine wrote it."""
        query = (sa.select(SCORES.c.value).where(SCORES.c.member_id == member_id)
                 .order_by(SCORES.c.computed_at.desc()).limit(1))
        value = (await self._conn.execute(query)).scalar_one_or_none()
        return None if value is None else float(value)
