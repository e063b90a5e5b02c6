"""Open untrusted zip and tar archives for streaming, refusing bombs, links and traversal."""

from __future__ import annotations

import io
import re
import stat
import struct
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from renown.connectors.members import CORRUPT, ArchiveReader, TarReader, ZipReader
from renown.domain.errors import (
    ArchiveEncrypted,
    ArchiveMalformed,
    ArchiveTooLarge,
    ArchiveUnsafe,
    NotAnArchive,
)

__all__ = [
    "ArchiveLimits", "ArchiveReader", "Container", "check_size", "open_archive", "safe_name", "sniff_container",
]


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds an uploaded archive must stay within (from Settings)."""

    max_archive_bytes: int = 512 * 1024 * 1024
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_members: int = 100_000


class Container(StrEnum):
    ZIP = "zip"
    TAR = "tar"
    TAR_GZ = "tar.gz"


def sniff_container(path: Path) -> Container | None:
    """Tell the container format from its magic bytes, never from the file name."""
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Container.ZIP
    if head.startswith(b"\x1f\x8b"):
        return Container.TAR_GZ
    if len(head) == 512 and head[257:262] == b"ustar":
        return Container.TAR
    return None


def check_size(path: Path, limits: ArchiveLimits) -> int:
    """Refuse a file larger than the archive limit; return its size."""
    size = path.stat().st_size
    if size > limits.max_archive_bytes:
        raise ArchiveTooLarge("the archive is larger than the accepted size")
    return size


def safe_name(raw: str) -> str:
    """Normalize a member name, refusing absolute paths and `..` traversal."""
    name = raw.replace("\\", "/")
    if "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveUnsafe("an archive member has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveUnsafe("an archive member escapes the archive with '..'")
    return "/".join(parts)


@contextmanager
def open_archive(path: Path, limits: ArchiveLimits) -> Iterator[ArchiveReader]:
    """Check a zip or tar(.gz) archive against the limits and yield a reader of its files."""
    size = check_size(path, limits)
    container = sniff_container(path)
    if container is None:
        raise NotAnArchive("the file is not a zip or tar archive")
    try:
        reader = _open_zip(path, size, limits) if container is Container.ZIP else _open_tar(
            path, size, limits, container
        )
    except CORRUPT as exc:
        raise ArchiveMalformed("the archive is corrupt") from exc
    try:
        yield reader
    finally:
        reader.close()


def _open_zip(path: Path, size: int, limits: ArchiveLimits) -> ArchiveReader:
    # Refuse a huge central directory before zipfile loads every entry into memory.
    if _declared_zip_entries(path) > limits.max_members:
        raise ArchiveTooLarge("the archive holds more files than accepted")
    zf = zipfile.ZipFile(path)
    try:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise ArchiveTooLarge("the archive holds more files than accepted")
        sizes: dict[str, int] = {}
        for info in infos:
            name = safe_name(info.filename)
            mode = info.external_attr >> 16
            _check_mode(mode)
            if info.is_dir() or stat.S_ISDIR(mode) or not name:
                continue
            if info.flag_bits & 0x1:
                raise ArchiveEncrypted("an archive member is encrypted")
            _add(sizes, name, info.file_size)
        _check_totals(sum(sizes.values()), size, limits)
        return ZipReader(zf, sizes, limits.max_uncompressed_bytes)
    except BaseException:
        zf.close()
        raise


def _open_tar(path: Path, size: int, limits: ArchiveLimits, container: Container) -> ArchiveReader:
    tf = tarfile.open(path, mode="r:gz" if container is Container.TAR_GZ else "r:")
    try:
        infos: dict[str, tarfile.TarInfo] = {}
        count = 0
        while (info := tf.next()) is not None:
            count += 1
            if count > limits.max_members:
                raise ArchiveTooLarge("the archive holds more files than accepted")
            name = safe_name(info.name)
            if info.issym() or info.islnk():
                raise ArchiveUnsafe("the archive contains a link")
            if info.isdir() or not name:
                continue
            if not info.isreg():
                raise ArchiveUnsafe("the archive contains a device, fifo or special file")
            # tf.offset already counts this member's data, which the next step inflates to skip:
            # checking now refuses a bomb before it is unpacked.
            _check_totals(max(tf.offset, info.size), size, limits)
            if name in infos:
                raise ArchiveMalformed("the archive holds two members with the same name")
            infos[name] = info
        # The offset counts every byte inflated while scanning, headers and padding included.
        _check_totals(max(tf.offset, sum(i.size for i in infos.values())), size, limits)
        return TarReader(tf, infos, limits.max_uncompressed_bytes)
    except BaseException:
        tf.close()
        raise


def _check_mode(mode: int) -> None:
    if stat.S_ISLNK(mode):
        raise ArchiveUnsafe("the archive contains a link")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise ArchiveUnsafe("the archive contains a device, fifo or special file")


def _add(sizes: dict[str, int], name: str, size: int) -> None:
    if name in sizes:
        raise ArchiveMalformed("the archive holds two members with the same name")
    sizes[name] = size


def _check_totals(unpacked: int, packed: int, limits: ArchiveLimits) -> None:
    if unpacked > limits.max_uncompressed_bytes:
        raise ArchiveTooLarge("the archive unpacks to more than the accepted size")
    if unpacked / max(packed, 1) > limits.max_compression_ratio:
        raise ArchiveUnsafe("the archive's compression ratio is that of a compression bomb")


def _declared_zip_entries(path: Path) -> int:
    """Total entries the end-of-central-directory record declares (0 when unreadable)."""
    with path.open("rb") as f:
        f.seek(0, io.SEEK_END)
        end = f.tell()
        start = max(0, end - (65535 + 22 + 20))
        f.seek(start)
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return 0
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    locator = at - 20
    if entries == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        with path.open("rb") as f:
            f.seek(min(offset, end))
            record = f.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            (entries,) = struct.unpack("<Q", record[32:40])
    return int(entries)
