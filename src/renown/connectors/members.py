"""Streams over the members of a checked archive, counting what they really inflate."""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
import zlib
from typing import IO, BinaryIO

from renown.domain.errors import ArchiveMalformed, ArchiveTooLarge, ArchiveUnsafe

# Errors the standard library raises on corrupt containers; all mean "malformed" to a member.
CORRUPT = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, ValueError, NotImplementedError)
_CHUNK = 64 * 1024


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

    def __init__(self, sizes: dict[str, int], max_unpacked_bytes: int) -> None:
        root = _common_root(sizes)
        # A single folder wrapping everything ("zip of a folder") may be left out of names.
        self._physical = {name: name for name in sizes}
        if root:
            self._physical.update({name[len(root) :]: name for name in sizes})
        self._sizes = sizes
        self._budget = _Budget(max_unpacked_bytes)

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
        chunks: list[bytes] = []
        size = 0
        with self.open(name) as stream:
            # Chunked, since read(cap) would allocate `cap` bytes up front however small the member.
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise ArchiveMalformed("an archive member is far larger than its kind allows")
                chunks.append(chunk)
        return b"".join(chunks)

    def _open_physical(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class ZipReader(ArchiveReader):
    def __init__(self, zf: zipfile.ZipFile, sizes: dict[str, int], max_unpacked_bytes: int) -> None:
        super().__init__(sizes, max_unpacked_bytes)
        self._zf = zf

    def _open_physical(self, name: str) -> IO[bytes]:
        return self._zf.open(self._zf.getinfo(name))

    def close(self) -> None:
        self._zf.close()


class TarReader(ArchiveReader):
    def __init__(self, tf: tarfile.TarFile, infos: dict[str, tarfile.TarInfo], max_unpacked_bytes: int) -> None:
        super().__init__({n: i.size for n, i in infos.items()}, max_unpacked_bytes)
        self._tf = tf
        self._infos = infos

    def _open_physical(self, name: str) -> IO[bytes]:
        stream = self._tf.extractfile(self._infos[name])
        if stream is None:
            raise ArchiveMalformed("an archive member is not a regular file")
        return stream

    def close(self) -> None:
        self._tf.close()


def _common_root(sizes: dict[str, int]) -> str:
    tops = {name.split("/", 1)[0] for name in sizes}
    if len(tops) == 1 and all("/" in name for name in sizes):
        return tops.pop() + "/"
    return ""


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
