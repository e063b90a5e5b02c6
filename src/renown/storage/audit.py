"""The audit log: append-only (the database refuses UPDATE and DELETE, migration 0010), hash-chained.

entry.hash = sha256(prev_hash || canonical JSON of {id, occurred_at, actor, action, subject, detail}).
The id is part of what is hashed and is taken as last id + 1, so two writers racing for the same
place collide on the primary key instead of forking the chain; on PostgreSQL an advisory lock
serializes appenders for the length of their transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.storage.tables import metadata

EVENTS = metadata.tables["audit_event"]
GENESIS = "0" * 64
PRUNED = "audit.pruned"
# An arbitrary constant naming Renown's audit-chain lock among PostgreSQL advisory locks.
_ADVISORY_LOCK = 0x52454E4F574E


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """Serialize the same way every time (sorted keys, no spaces, UTF-8), so equal entries hash equally."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, *, id: int, occurred_at: datetime, actor: str, action: str,  # noqa: A002
               subject: str | None, detail: Mapping[str, Any]) -> str:
    """Return the chained hash of one entry."""
    body = canonical_json({
        "id": id, "occurred_at": occurred_at.isoformat(), "actor": actor, "action": action,
        "subject": subject, "detail": dict(detail),
    })
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row.id, row.occurred_at, row.actor, row.action, row.subject, dict(row.detail),
                      row.prev_hash, row.hash)


class AuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(
        self, *, at: datetime, actor: str, action: str, subject: str | None, detail: Mapping[str, Any],
    ) -> AuditEntry:
        """Append one entry in the caller's transaction, chained to the last one."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADVISORY_LOCK)))
        last = (await self._conn.execute(
            sa.select(EVENTS.c.id, EVENTS.c.hash).order_by(EVENTS.c.id.desc()).limit(1))).first()
        entry_id, prev = (1, GENESIS) if last is None else (last.id + 1, last.hash)
        # Microseconds are dropped so the hashed time is the one every database gives back.
        at = at.replace(microsecond=0)
        digest = entry_hash(prev, id=entry_id, occurred_at=at, actor=actor, action=action, subject=subject,
                            detail=detail)
        await self._conn.execute(sa.insert(EVENTS).values(
            id=entry_id, occurred_at=at, actor=actor, action=action, subject=subject, detail=dict(detail),
            prev_hash=prev, hash=digest))
        return AuditEntry(entry_id, at, actor, action, subject, dict(detail), prev, digest)

    async def prune(self, *, before: datetime, at: datetime) -> int:
        """Delete the entries older than `before` (retention), anchoring the chain first.

        An `audit.pruned` entry, itself chained, records the last pruned id and hash, so the first
        remaining entry can still be checked and the chain's start cannot be cut silently. This is the
        only delete the database allows (migration 0010): of ids up to the `through_id` of an anchor that
        is the newest entry, which holds here because appenders are serialized until this commits.
        """
        last = (await self._conn.execute(sa.select(EVENTS.c.id, EVENTS.c.hash).where(EVENTS.c.occurred_at < before)
                                         .order_by(EVENTS.c.id.desc()).limit(1))).first()
        if last is None:
            return 0
        await self.append(at=at, actor="worker", action=PRUNED, subject=None,
                          detail={"through_id": last.id, "through_hash": last.hash})
        # Ids only grow, so what is pruned is always a prefix of the chain.
        return (await self._conn.execute(sa.delete(EVENTS).where(EVENTS.c.id <= last.id))).rowcount or 0

    async def hash_of(self, entry_id: int) -> str | None:
        """The stored hash of one entry, None when there is no such entry."""
        return (await self._conn.execute(sa.select(EVENTS.c.hash).where(EVENTS.c.id == entry_id))).scalar_one_or_none()

    async def anchors(self) -> dict[int, str]:
        """The hash each `audit.pruned` entry vouches for, by the last id it pruned."""
        rows = await self._conn.execute(sa.select(EVENTS.c.detail).where(EVENTS.c.action == PRUNED))
        return {int(r.detail["through_id"]): str(r.detail["through_hash"]) for r in rows}

    async def entries(self, *, after_id: int = 0, batch: int = 1000) -> AsyncIterator[AuditEntry]:
        """Every entry in chain order, read in batches so memory stays flat."""
        while True:
            rows = (await self._conn.execute(sa.select(EVENTS).where(EVENTS.c.id > after_id)
                                             .order_by(EVENTS.c.id).limit(batch))).all()
            for row in rows:
                yield _entry(row)
            if len(rows) < batch:
                return
            after_id = rows[-1].id

    async def page(
        self, *, subject: str | None = None, action: str | None = None, before_id: int | None = None, first: int = 50,
    ) -> list[AuditEntry]:
        """Newest first, optionally for one pseudonymous subject or one action."""
        query = sa.select(EVENTS).order_by(EVENTS.c.id.desc()).limit(first)
        if subject is not None:
            query = query.where(EVENTS.c.subject == subject)
        if action is not None:
            query = query.where(EVENTS.c.action == action)
        if before_id is not None:
            query = query.where(EVENTS.c.id < before_id)
        return [_entry(r) for r in await self._conn.execute(query)]
