"""Stream the blocks of a CAR v1 file (Bluesky repository export) one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import libipld

from renown.connectors.archive import ArchiveLimits, check_size
from renown.domain.errors import ArchiveMalformed, NotAnArchive

# atproto caps a record near 1 MB; a larger block is no repository we read.
MAX_BLOCK_BYTES = 2 * 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024


def _varint(f: IO[bytes], *, eof_ok: bool = False) -> int | None:
    value = shift = 0
    for i in range(9):
        byte = f.read(1)
        if not byte:
            if eof_ok and i == 0:
                return None
            raise ArchiveMalformed("the repository export is truncated")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7
    raise ArchiveMalformed("the repository export has an invalid length prefix")


def _cid(block: bytes) -> tuple[bytes, int]:
    """Split the leading CID off a block; return it and its length."""
    if block[:2] == b"\x12\x20":  # CIDv0: a bare sha2-256 multihash
        return block[:34], 34
    pos = 0
    fields = []
    for _ in range(4):  # version, codec, multihash code, digest length
        value = shift = 0
        while True:
            if pos >= len(block) or shift > 56:
                raise ArchiveMalformed("the repository export has an invalid block id")
            byte = block[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        fields.append(value)
    end = pos + fields[3]
    if fields[0] != 1 or end > len(block):
        raise ArchiveMalformed("the repository export has an invalid block id")
    return block[:end], end


def read_header(f: IO[bytes]) -> list[bytes]:
    """Read the CAR header and return its root CIDs (raw bytes)."""
    try:
        length = _varint(f, eof_ok=True)
    except ArchiveMalformed:
        length = None
    if length is None or length == 0 or length > _MAX_HEADER_BYTES:
        raise NotAnArchive("the file is not a CAR repository export")
    raw = f.read(length)
    if len(raw) != length:
        raise NotAnArchive("the file is not a CAR repository export")
    header = decode(raw, not_car=True)
    if not isinstance(header, dict) or header.get("version") != 1:
        raise NotAnArchive("the file is not a CAR v1 repository export")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, bytes) for r in roots):
        raise NotAnArchive("the file is not a CAR v1 repository export")
    return roots


def iter_blocks(f: IO[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """Yield (cid, block data) after the header, one block in memory at a time."""
    while (length := _varint(f, eof_ok=True)) is not None:
        if length > MAX_BLOCK_BYTES or length == 0:
            raise ArchiveMalformed("the repository export has an oversized block")
        block = f.read(length)
        if len(block) != length:
            raise ArchiveMalformed("the repository export is truncated")
        cid, at = _cid(block)
        yield cid, block[at:]


def decode(data: bytes, *, not_car: bool = False) -> Any:
    """Decode one DAG-CBOR block (links come back as raw CID bytes)."""
    try:
        return libipld.decode_dag_cbor(data)
    except (ValueError, RecursionError, OverflowError) as exc:
        if not_car:
            raise NotAnArchive("the file is not a CAR repository export") from exc
        raise ArchiveMalformed("a repository block is not valid DAG-CBOR") from exc


def looks_like_car(path: Path) -> bool:
    """Tell whether a file starts with a CAR v1 header."""
    try:
        with path.open("rb") as f:
            read_header(f)
    except (NotAnArchive, ArchiveMalformed):
        return False
    return True


def open_car(path: Path, limits: ArchiveLimits) -> IO[bytes]:
    """Open a CAR file after checking its size against the archive limit."""
    check_size(path, limits)
    return path.open("rb", buffering=256 * 1024)
