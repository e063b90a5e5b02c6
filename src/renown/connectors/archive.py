"""Open untrusted zip and tar archives for streaming, refusing bombs, links and traversal."""

from __future__ import annotations

import io
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, BinaryIO

from renown.domain.errors import (
    ArchiveEncrypted,
    ArchiveMalformed,
    ArchiveTooLarge,
    ArchiveUnsafe,
    NotAnArchive,
)

# Errors the standard library raises on corrupt containers; all mean "malformed" to a member.
CORRUPT = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, ValueError, NotImplementedError)
_CHUNK = 64 * 1024


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


class _Budget:
    """Bytes actually inflated across one reader, since declared sizes can lie."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ArchiveTooLarge("the archive unpacks to more than the accepted size")


class _CountingRaw(io.RawIOBase):
    """A member stream that counts what it inflates and turns decoder errors into typed ones."""

    def __init__(self, inner: IO[bytes], declared: int, budget: _Budget) -> None:
        self._inner = inner
        self._declared = declared
        self._read = 0
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except CORRUPT as exc:
            raise ArchiveMalformed("an archive member is corrupt") from exc
        n = len(data)
        self._read += n
        if self._read > self._declared:
            raise ArchiveUnsafe("an archive member holds more bytes than its header declares")
        self._budget.spend(n)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


class ArchiveReader:
    """Regular files of a checked archive, opened one at a time as binary streams."""

    def __init__(self, sizes: dict[str, int], limits: ArchiveLimits) -> None:
        root = _common_root(sizes)
        # A single folder wrapping everything ("zip of a folder") may be left out of names.
        self._physical = {name: name for name in sizes}
        if root:
            self._physical.update({name[len(root) :]: name for name in sizes})
        self._sizes = sizes
        self._budget = _Budget(limits.max_uncompressed_bytes)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._physical)

    def has(self, name: str) -> bool:
        return name in self._physical

    def matching(self, pattern: str) -> list[str]:
        """Names fully matching a regular expression, in natural order (part2 before part10)."""
        regex = re.compile(pattern)
        found = {self._physical[n]: n for n in sorted(self._physical, key=len, reverse=True) if regex.fullmatch(n)}
        return sorted(found.values(), key=_natural_key)

    def open(self, name: str) -> BinaryIO:
        """Stream one member without extracting it to disk."""
        physical = self._physical[name]
        try:
            inner = self._open_physical(physical)
        except CORRUPT as exc:
            raise ArchiveMalformed("an archive member cannot be opened") from exc
        return io.BufferedReader(_CountingRaw(inner, self._sizes[physical], self._budget), _CHUNK)

    def read_small(self, name: str, cap: int = 8 * 1024 * 1024) -> bytes:
        """Read a member that is small by nature (a profile), refusing one beyond `cap`."""
        with self.open(name) as stream:
            data = stream.read(cap + 1)
        if len(data) > cap:
            raise ArchiveMalformed("an archive member is far larger than its kind allows")
        return data

    def _open_physical(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _ZipReader(ArchiveReader):
    def __init__(self, zf: zipfile.ZipFile, sizes: dict[str, int], limits: ArchiveLimits) -> None:
        super().__init__(sizes, limits)
        self._zf = zf

    def _open_physical(self, name: str) -> IO[bytes]:
        return self._zf.open(self._zf.getinfo(name))

    def close(self) -> None:
        self._zf.close()


class _TarReader(ArchiveReader):
    def __init__(self, tf: tarfile.TarFile, infos: dict[str, tarfile.TarInfo], limits: ArchiveLimits) -> None:
        super().__init__({n: i.size for n, i in infos.items()}, limits)
        self._tf = tf
        self._infos = infos

    def _open_physical(self, name: str) -> IO[bytes]:
        stream = self._tf.extractfile(self._infos[name])
        if stream is None:
            raise ArchiveMalformed("an archive member is not a regular file")
        return stream

    def close(self) -> None:
        self._tf.close()


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
        return _ZipReader(zf, sizes, limits)
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
            if info.size > limits.max_uncompressed_bytes or tf.offset > limits.max_uncompressed_bytes:
                raise ArchiveTooLarge("the archive unpacks to more than the accepted size")
            if name in infos:
                raise ArchiveMalformed("the archive holds two members with the same name")
            infos[name] = info
        # The offset counts every byte inflated while scanning, headers and padding included.
        _check_totals(max(tf.offset, sum(i.size for i in infos.values())), size, limits)
        return _TarReader(tf, infos, limits)
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


def _common_root(sizes: dict[str, int]) -> str:
    tops = {name.split("/", 1)[0] for name in sizes}
    if len(tops) == 1 and all("/" in name for name in sizes):
        return tops.pop() + "/"
    return ""


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
