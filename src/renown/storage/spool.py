"""Uploaded archives waiting for their import job, sealed chunk by chunk under the member's data key.

File format (version 1): magic `RNI1`, then records of a 4-byte big-endian length and one vault
ciphertext each. A chunk's associated data names its job, its position and whether it is the last,
so chunks cannot be reordered, dropped or cut short without failing to decrypt; shredding the
member's key (erasure) makes a queued archive unreadable too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from renown.domain.errors import DecryptionFailed
from renown.storage.vault import MemberCipher

MAGIC = b"RNI1"
CHUNK_BYTES = 1024 * 1024
TABLE = "import_spool"


def _column(index: int, last: bool) -> str:
    return f"chunk/{index}/{'last' if last else 'more'}"


def private_file(path: Path) -> BinaryIO:
    """Create a new file only its owner can read (refusing to reuse an existing one)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def seal_file(source: Path, target: Path, cipher: MemberCipher, job_id: UUID, *, chunk: int = CHUNK_BYTES) -> int:
    """Encrypt `source` into a new file `target`; return the plaintext size."""
    size = 0
    try:
        with source.open("rb") as plain, private_file(target) as sealed:
            sealed.write(MAGIC)
            index, current = 0, plain.read(chunk)
            while True:
                following = plain.read(chunk) if len(current) == chunk else b""
                last = not following
                blob = cipher.encrypt(TABLE, _column(index, last), job_id, current)
                sealed.write(len(blob).to_bytes(4, "big") + blob)
                size += len(current)
                if last:
                    break
                index, current = index + 1, following
            sealed.flush()
            os.fsync(sealed.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return size


def unseal_file(source: Path, target: Path, cipher: MemberCipher, job_id: UUID) -> int:
    """Decrypt a sealed spool into a new private file `target`; raise DecryptionFailed if it was altered."""
    size = 0
    try:
        with source.open("rb") as sealed, private_file(target) as plain:
            if sealed.read(len(MAGIC)) != MAGIC:
                raise DecryptionFailed("not a sealed import spool")
            index, current = 0, _record(sealed)
            if current is None:
                raise DecryptionFailed("sealed import spool truncated")
            while current is not None:
                following = _record(sealed)
                data = cipher.decrypt(TABLE, _column(index, following is None), job_id, current)
                plain.write(data)
                size += len(data)
                index, current = index + 1, following
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return size


def _record(handle: BinaryIO) -> bytes | None:
    header = handle.read(4)
    if not header:
        return None
    length = int.from_bytes(header, "big")
    body = handle.read(length)
    if len(header) < 4 or len(body) != length:
        raise DecryptionFailed("sealed import spool truncated")
    return body
