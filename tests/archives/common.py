"""Writing archives, and what every builder shares: times, texts, the other person."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

Content = bytes | Path | Iterable[bytes]
START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
OTHER_HANDLE = "bobcanary"  # a mentioned / followed person; must never reach parser output


def write_archive(path: Path, members: Mapping[str, Content], fmt: str = "zip") -> Path:
    """Write `members` (bytes, a file to copy, or an iterable of chunks) as zip, tar or tar.gz."""
    spool = path.parent / f".{path.name}.spool"
    if fmt == "zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, content in members.items():
                zf.write(_as_file(content, spool), name)
    elif fmt in ("tar", "tar.gz", "tgz"):
        with tarfile.open(path, "w:gz" if fmt != "tar" else "w") as tf:
            for name, content in members.items():
                tf.add(_as_file(content, spool), name)
    else:
        raise ValueError(f"unknown archive format {fmt}")
    spool.unlink(missing_ok=True)
    return path


def _as_file(content: Content, spool: Path) -> Path:
    if isinstance(content, Path):
        return content
    with spool.open("wb") as f:
        if isinstance(content, bytes):
            f.write(content)
        else:
            for chunk in content:
                f.write(chunk)
    return spool


def post_text(i: int, texts: list[str] | None) -> str:
    """The text of own post `i`: from `texts` (cycling) or a default about gardening."""
    if texts:
        return texts[i % len(texts)]
    return f"Post {i} about #gardening and #Python"


def at(i: int) -> datetime:
    """When post `i` was published: one hour apart from START."""
    return START + timedelta(hours=i)


def json_array(items: Iterator[object], head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    yield head + b"["
    for n, item in enumerate(items):
        yield (b",\n" if n else b"\n") + json.dumps(item, ensure_ascii=False).encode()
    yield b"\n]" + tail


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """An in-memory zip of `members`, for fuzzing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def tar_gz_bytes(members: Mapping[str, bytes]) -> bytes:
    """An in-memory tar.gz of `members`, for fuzzing."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
