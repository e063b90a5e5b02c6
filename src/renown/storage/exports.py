"""The export store: archives on disk, encrypted chunk by chunk under their member's data key.

File format (version 1): magic `RNX1`, then records of a 4-byte big-endian length and one vault
ciphertext each. Every chunk's associated data names its export, its position and whether it is
the last, so chunks cannot be reordered, dropped, or the file cut short without failing to decrypt.
Shredding the member's key therefore makes every copy of the archive unreadable too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.errors import DecryptionFailed
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher

EXPORTS = metadata.tables["export_file"]
MAGIC = b"RNX1"
CHUNK_BYTES = 1024 * 1024
TABLE = "export_file"


def _column(index: int, last: bool) -> str:
    return f"chunk/{index}/{'last' if last else 'more'}"


class EncryptingWriter:
    """A write-only binary stream that encrypts what it receives in fixed-size chunks (for `zipfile`)."""

    def __init__(self, path: Path, cipher: MemberCipher, export_id: UUID, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._file = path.open("wb")
        self._file.write(MAGIC)
        self._cipher = cipher
        self._export_id = export_id
        self._chunk_bytes = chunk_bytes
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.plaintext_bytes += len(data)
        # Keep one full chunk back: only at close do we know which chunk is the last.
        while len(self._buffer) > self._chunk_bytes:
            self._emit(bytes(self._buffer[: self._chunk_bytes]), last=False)
            del self._buffer[: self._chunk_bytes]
        return len(data)

    def flush(self) -> None:
        self._file.flush()

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._cipher.encrypt(TABLE, _column(self._index, last), self._export_id, chunk)
        self._file.write(len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1

    def close(self) -> None:
        """Seal the last chunk and sync the file to disk."""
        if self._file.closed:
            return
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def decrypt_chunks(path: Path, cipher: MemberCipher, export_id: UUID) -> Iterator[bytes]:
    """Yield an archive's plaintext chunk by chunk; raise DecryptionFailed if anything was altered."""
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise DecryptionFailed("not an export archive")

        def record() -> bytes | None:
            header = handle.read(4)
            if not header:
                return None
            size = int.from_bytes(header, "big")
            body = handle.read(size)
            if len(header) < 4 or len(body) != size:
                raise DecryptionFailed("export archive truncated")
            return body

        index, current = 0, record()
        while current is not None:
            following = record()
            yield cipher.decrypt(TABLE, _column(index, following is None), export_id, current)
            index, current = index + 1, following


class SealedSpool:
    """A scratch file encrypted under a key that lives only in memory: bounded memory for a second copy of
    the data (the CSVs written while the JSON is), and nothing readable left on disk if the process dies."""

    def __init__(self, path: Path, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._path = path
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._file = path.open("wb")
        self._buffer = bytearray()
        self._chunk_bytes = chunk_bytes
        self._count = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self._chunk_bytes:
            self._seal()

    def _seal(self) -> None:
        # A counter nonce: the key is single-use, so (key, nonce) never repeats.
        sealed = self._aead.encrypt(self._count.to_bytes(12, "big"), bytes(self._buffer), None)
        self._file.write(len(sealed).to_bytes(4, "big") + sealed)
        self._buffer.clear()
        self._count += 1

    def close(self) -> None:
        if self._buffer:
            self._seal()
        self._file.close()

    def chunks(self) -> Iterator[bytes]:
        """The plaintext back, chunk by chunk; the file is removed once read."""
        with self._path.open("rb") as handle:
            for index in range(self._count):
                size = int.from_bytes(handle.read(4), "big")
                yield self._aead.decrypt(index.to_bytes(12, "big"), handle.read(size), None)
        self._path.unlink(missing_ok=True)


class ExportStore:
    """Where archives live on disk (one folder, owner-only), named by export id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, export_id: UUID) -> Path:
        return self.folder / f"{export_id}.rnx"

    def draft(self, export_id: UUID) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.folder / f"{export_id}.rnx.part"

    def publish(self, export_id: UUID) -> Path:
        """Move a finished draft into place atomically (a rerun overwrites, never duplicates)."""
        return self.draft(export_id).replace(self.path(export_id))

    def delete(self, export_id: UUID) -> bool:
        """Remove an archive and any draft of it; tell whether a file was there."""
        found = False
        for path in (self.path(export_id), self.folder / f"{export_id}.rnx.part"):
            if path.exists():
                path.unlink()
                found = True
        return found

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.rnx*")) if self.folder.exists() else []


def _file(row: Any) -> dict[str, Any]:
    return {"id": row.id, "member_id": row.member_id, "created_at": row.created_at, "expires_at": row.expires_at,
            "size_bytes": row.size_bytes}


class ExportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, export_id: UUID, member_id: UUID, *, at: datetime, expires_at: datetime, size: int) -> None:
        """Record a published archive (again after a rerun: the row is replaced, never doubled)."""
        await self._conn.execute(sa.delete(EXPORTS).where(EXPORTS.c.id == export_id))
        await self._conn.execute(sa.insert(EXPORTS).values(
            id=export_id, member_id=member_id, created_at=at, expires_at=expires_at, size_bytes=size))

    async def get(self, export_id: UUID) -> dict[str, Any] | None:
        row = (await self._conn.execute(sa.select(EXPORTS).where(EXPORTS.c.id == export_id))).first()
        return None if row is None else _file(row)

    async def of_member(self, member_id: UUID) -> list[UUID]:
        rows = await self._conn.execute(sa.select(EXPORTS.c.id).where(EXPORTS.c.member_id == member_id))
        return [r.id for r in rows]

    async def expired(self, now: datetime, *, limit: int = 100) -> list[UUID]:
        rows = await self._conn.execute(sa.select(EXPORTS.c.id).where(EXPORTS.c.expires_at <= now)
                                        .order_by(EXPORTS.c.expires_at).limit(limit))
        return [r.id for r in rows]

    async def forget(self, export_id: UUID) -> int:
        return (await self._conn.execute(sa.delete(EXPORTS).where(EXPORTS.c.id == export_id))).rowcount or 0
