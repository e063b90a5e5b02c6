"""Exports: build the encrypted archive, hand out expiring download links, serve and expire them.

A download link is `/exports/{token}`: 16 bytes of export id, 8 of expiry, and 16 of an HMAC over
both and the member's id, base64url. It is opaque, cannot be extended or forged, and only opens for
the member it was made for: any other case is the same `NotFound`, so a link reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from renown.domain.errors import MemberErased, NotFound
from renown.domain.policies import Policies
from renown.services.export_archive import ArchiveSummary, DocumentSigner, write_archive
from renown.storage.exports import EncryptingWriter, ExportRepository, ExportStore, decrypt_chunks
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault

MAC_BYTES = 16
LINK_PURPOSE = "export-link"


def _mac(vault: Vault, export_id: UUID, expires: int, member_id: UUID) -> bytes:
    return vault.blind_index(LINK_PURPOSE, f"{export_id}|{expires}|{member_id}")[:MAC_BYTES]


def download_token(vault: Vault, *, export_id: UUID, member_id: UUID, expires_at: datetime) -> str:
    """Return the opaque token of an export's download link, bound to its member and expiry."""
    expires = int(expires_at.timestamp())
    raw = export_id.bytes + expires.to_bytes(8, "big") + _mac(vault, export_id, expires, member_id)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_export(vault: Vault, token: str, *, member_id: UUID, now: datetime) -> UUID | None:
    """The export a token opens for this member now; None when forged, expired or someone else's."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + 8 + MAC_BYTES:
        return None
    export_id, expires = UUID(bytes=raw[:16]), int.from_bytes(raw[16:24], "big")
    if not hmac.compare_digest(raw[24:], _mac(vault, export_id, expires, member_id)):
        return None
    return export_id if now.timestamp() < expires else None


@dataclass(frozen=True)
class BuiltExport:
    export_id: UUID
    expires_at: datetime
    size: int
    summary: ArchiveSummary


async def build_export(
    uow: SqlUnitOfWork, store: ExportStore, *, export_id: UUID, member_id: UUID, signer: DocumentSigner,
    policies: Policies, link_lifetime: timedelta,
) -> BuiltExport:
    """Write the member's archive encrypted to the store and record it (no commit); a rerun replaces it."""
    cipher = await uow.vault.load(uow.connection, member_id)
    writer = EncryptingWriter(store.draft(export_id), cipher, export_id)
    try:
        with tempfile.TemporaryDirectory(dir=store.folder, prefix=".scratch-") as scratch:
            summary = await write_archive(uow, member_id=member_id, export_id=export_id,
                                          out=writer,  # type: ignore[arg-type]
                                          signer=signer, policies=policies, scratch=Path(scratch))
        writer.close()
    except BaseException:
        writer.abort()
        store.delete(export_id)
        raise
    store.publish(export_id)
    now = uow.now()
    expires_at = now + link_lifetime
    await ExportRepository(uow.connection).record(export_id, member_id, at=now, expires_at=expires_at,
                                                  size=writer.plaintext_bytes)
    return BuiltExport(export_id, expires_at, writer.plaintext_bytes, summary)


async def delete_exports(uow: SqlUnitOfWork, store: ExportStore, *, member_id: UUID) -> int:
    """Delete every archive of a member, files first (erasure); return how many there were."""
    repository = ExportRepository(uow.connection)
    ids = await repository.of_member(member_id)
    for export_id in ids:
        store.delete(export_id)
        await repository.forget(export_id)
    return len(ids)


async def expire_exports(uow: SqlUnitOfWork, store: ExportStore) -> int:
    """Delete the archives whose link expired, each with its record; return how many went."""
    repository = ExportRepository(uow.connection)
    gone = 0
    while expired := await repository.expired(uow.now()):
        for export_id in expired:
            store.delete(export_id)
            gone += await repository.forget(export_id)
        await uow.commit()
    return gone


@dataclass(frozen=True)
class ExportDownload:
    """An archive ready to stream: `chunks()` decrypts it piece by piece."""

    filename: str
    size: int
    chunks: Callable[[], Iterator[bytes]]


@dataclass
class ExportDownloads:
    """Serves `/exports/{token}`: only to the member the link was made for, only before it expires."""

    uow_factory: Callable[[], SqlUnitOfWork]
    store: ExportStore

    async def open(self, *, member_id: UUID, token: str) -> ExportDownload:
        """Open an export for download; NotFound for a forged, expired or another member's link alike."""
        async with self.uow_factory() as uow:
            now = uow.now()
            export_id = token_export(uow.vault, token, member_id=member_id, now=now)
            record = None if export_id is None else await ExportRepository(uow.connection).get(export_id)
            if export_id is None or record is None or record["member_id"] != member_id or record["expires_at"] <= now:
                raise NotFound("no such export")
            cipher = await uow.vault.load(uow.connection, member_id)
        path = self.store.path(export_id)
        if not path.exists():
            raise NotFound("no such export")
        created: datetime = record["created_at"]
        return ExportDownload(
            filename=f"renown-export-{created.astimezone(UTC).date().isoformat()}.zip", size=int(record["size_bytes"]),
            chunks=lambda: decrypt_chunks(path, cipher, export_id))

    async def open_for(self, *, subject: str, token: str) -> ExportDownload:
        """Open an export for the member behind a token subject; NotFound for anyone else."""
        try:
            async with self.uow_factory() as uow:
                member = await uow.members.by_subject(subject)
        except MemberErased:
            member = None
        if member is None or member.is_erased:
            raise NotFound("no such export")
        return await self.open(member_id=member.id, token=token)

    async def link(self, *, member_id: UUID, result: Mapping[str, Any] | None) -> str | None:
        """The download path of a completed export request's archive, while it lasts."""
        if not result or "export_id" not in result:
            return None
        async with self.uow_factory() as uow:
            record = await ExportRepository(uow.connection).get(UUID(str(result["export_id"])))
            if record is None or record["member_id"] != member_id or record["expires_at"] <= uow.now():
                return None
            token = download_token(uow.vault, export_id=record["id"], member_id=member_id,
                                   expires_at=record["expires_at"])
        return f"/exports/{token}"
