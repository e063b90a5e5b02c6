"""Privacy requests; what a rectification asks for is stored encrypted under the member's key."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.privacy import OPEN_STATUSES, PrivacyRequest, RequestKind, RequestStatus
from renown.storage.tables import metadata
from renown.storage.vault import Vault

REQUESTS = metadata.tables["privacy_request"]
TABLE = "privacy_request"
_OPEN = [status.value for status in OPEN_STATUSES]
_NOT_RESTRICTING = [RequestStatus.CANCELED.value, RequestStatus.DENIED.value, RequestStatus.LIFTED.value]


def _request(row: Any) -> PrivacyRequest:
    return PrivacyRequest(
        id=row.id, member_id=row.member_id, kind=RequestKind(row.kind), status=RequestStatus(row.status),
        received_at=row.received_at, due_at=row.due_at, extension_reason=row.extension_reason,
        completed_at=row.completed_at, result=None if row.result is None else dict(row.result),
    )


class DuplicateOpenRequest(Exception):
    """Another open request of the same kind won a race to be inserted."""


class PrivacyRequestRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, request: PrivacyRequest, *, details: Mapping[str, Any] | None = None) -> None:
        """Insert a request; raise DuplicateOpenRequest when an open one of its kind already exists."""
        details_enc = None
        if details is not None:
            cipher = await self._vault.load(self._conn, request.member_id)
            details_enc = cipher.encrypt(TABLE, "details_enc", request.id, json.dumps(dict(details)))
        try:
            # A savepoint, so losing the race leaves the caller's transaction usable on PostgreSQL.
            async with self._conn.begin_nested():
                await self._conn.execute(sa.insert(REQUESTS).values(
                    id=request.id, member_id=request.member_id, kind=request.kind.value, status=request.status.value,
                    received_at=request.received_at, due_at=request.due_at, details_enc=details_enc,
                    extension_reason=request.extension_reason, completed_at=request.completed_at,
                    result=request.result))
        except IntegrityError:
            raise DuplicateOpenRequest() from None

    async def get(self, request_id: UUID) -> PrivacyRequest | None:
        row = (await self._conn.execute(sa.select(REQUESTS).where(REQUESTS.c.id == request_id))).first()
        return None if row is None else _request(row)

    async def lock(self, request_id: UUID) -> PrivacyRequest | None:
        """Read a request and hold its row until commit (PostgreSQL), so two transitions cannot interleave."""
        query = sa.select(REQUESTS).where(REQUESTS.c.id == request_id)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else _request(row)

    async def details(self, request: PrivacyRequest) -> dict[str, Any] | None:
        """What the request asks for (rectifications), decrypted."""
        blob = (await self._conn.execute(
            sa.select(REQUESTS.c.details_enc).where(REQUESTS.c.id == request.id))).scalar_one_or_none()
        if blob is None:
            return None
        cipher = await self._vault.load(self._conn, request.member_id)
        value: dict[str, Any] = json.loads(cipher.decrypt_text(TABLE, "details_enc", request.id, blob))
        return value

    async def open_of_kind(self, member_id: UUID, kind: RequestKind) -> PrivacyRequest | None:
        row = (await self._conn.execute(sa.select(REQUESTS).where(
            REQUESTS.c.member_id == member_id, REQUESTS.c.kind == kind.value, REQUESTS.c.status.in_(_OPEN),
        ).order_by(REQUESTS.c.received_at).limit(1))).first()
        return None if row is None else _request(row)

    async def save(self, request: PrivacyRequest) -> None:
        """Write back the mutable fields of a request."""
        await self._conn.execute(sa.update(REQUESTS).where(REQUESTS.c.id == request.id).values(
            status=request.status.value, due_at=request.due_at, extension_reason=request.extension_reason,
            completed_at=request.completed_at, result=request.result))

    async def forget_details(self, request_id: UUID) -> None:
        await self._conn.execute(sa.update(REQUESTS).where(REQUESTS.c.id == request_id).values(details_enc=None))

    async def for_member(self, member_id: UUID) -> list[PrivacyRequest]:
        rows = await self._conn.execute(sa.select(REQUESTS).where(REQUESTS.c.member_id == member_id)
                                        .order_by(REQUESTS.c.received_at.desc()))
        return [_request(r) for r in rows]

    async def restrictions_standing(self, member_ids: Iterable[UUID]) -> dict[UUID, list[PrivacyRequest]]:
        """Of these members, those with a restriction (Art. 18) asked for and not lifted, canceled or denied."""
        ids = list(member_ids)
        if not ids:
            return {}
        rows = await self._conn.execute(sa.select(REQUESTS).where(
            REQUESTS.c.member_id.in_(ids), REQUESTS.c.kind == RequestKind.RESTRICTION.value,
            REQUESTS.c.status.not_in(_NOT_RESTRICTING)).order_by(REQUESTS.c.received_at))
        standing: dict[UUID, list[PrivacyRequest]] = {}
        for row in rows:
            standing.setdefault(row.member_id, []).append(_request(row))
        return standing

    async def open_due_before(self, moment: datetime, *, limit: int = 500) -> list[PrivacyRequest]:
        """Open requests whose deadline falls before `moment`, most urgent first."""
        rows = await self._conn.execute(sa.select(REQUESTS).where(
            REQUESTS.c.status.in_(_OPEN), REQUESTS.c.due_at < moment,
        ).order_by(REQUESTS.c.due_at, REQUESTS.c.id).limit(limit))
        return [_request(r) for r in rows]
