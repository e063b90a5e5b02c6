"""The safe archive reader: what it streams, and every archive it refuses."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from renown.connectors.archive import ArchiveLimits, open_archive
from renown.domain.errors import (
    ArchiveEncrypted,
    ArchiveError,
    ArchiveMalformed,
    ArchiveTooLarge,
    ArchiveUnsafe,
    NotAnArchive,
)
from tests.archives import write_archive

LIMITS = ArchiveLimits()


def _read_all(path: Path, limits: ArchiveLimits = LIMITS) -> dict[str, bytes]:
    with open_archive(path, limits) as reader:
        return {name: reader.open(name).read() for name in sorted(reader.names)}


def _tar_with(path: Path, info: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tf:
        tf.addfile(info, io.BytesIO(data) if data else None)
    return path


@pytest.mark.parametrize("fmt", ["zip", "tar", "tar.gz"])
def test_streams_every_member_of_each_container(tmp_path: Path, fmt: str) -> None:
    # given an archive named misleadingly, so only magic bytes can tell its format
    path = write_archive(tmp_path / "upload.bin", {"a.json": b"[1]", "sub/b.csv": b"x,y\n"}, fmt)
    # when / then
    assert _read_all(path) == {"a.json": b"[1]", "sub/b.csv": b"x,y\n"}


def test_a_single_wrapping_folder_may_be_left_out_of_names(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.zip", {"export/posts.csv": b"1", "export/data/x.js": b"2"})
    with open_archive(path, LIMITS) as reader:
        assert reader.names == frozenset({"posts.csv", "data/x.js", "export/posts.csv", "export/data/x.js"})
        assert reader.matching(r"(export/)?data/.*\.js") == ["data/x.js"]
        assert reader.open("data/x.js").read() == b"2"


def test_matching_sorts_numbered_parts_naturally(tmp_path: Path) -> None:
    members = {f"data/tweets-part{i}.js": b"" for i in (10, 2, 1)}
    path = write_archive(tmp_path / "a.zip", members)
    with open_archive(path, LIMITS) as reader:
        assert reader.matching(r"data/tweets-part\d+\.js") == [
            "data/tweets-part1.js",
            "data/tweets-part2.js",
            "data/tweets-part10.js",
        ]


def test_refuses_an_archive_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.zip", {"a.txt": b"hello"})
    limits = ArchiveLimits(max_archive_bytes=path.stat().st_size - 1)
    with pytest.raises(ArchiveTooLarge, match="larger than the accepted size"):
        _read_all(path, limits)


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_refuses_an_archive_that_unpacks_past_the_limit(tmp_path: Path, fmt: str) -> None:
    path = write_archive(tmp_path / "a.bin", {"a.txt": bytes(4096), "b.txt": bytes(4096)}, fmt)
    limits = ArchiveLimits(max_uncompressed_bytes=8000, max_compression_ratio=1e9)
    with pytest.raises(ArchiveTooLarge, match="unpacks to more than"):
        _read_all(path, limits)


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_refuses_a_compression_bomb_by_ratio(tmp_path: Path, fmt: str) -> None:
    # given 8 MB of zeros, which deflate packs about a thousandfold
    path = write_archive(tmp_path / "bomb.bin", {"zeros.json": bytes(8 * 1024 * 1024)}, fmt)
    with pytest.raises(ArchiveUnsafe, match="compression bomb"):
        _read_all(path)


def test_counts_inflated_bytes_across_reads_not_only_headers(tmp_path: Path) -> None:
    # given a member small enough to pass the declared-size check once, but read twice
    path = write_archive(tmp_path / "a.zip", {"a.txt": b"x" * 600})
    limits = ArchiveLimits(max_uncompressed_bytes=1000, max_compression_ratio=1e9)
    with open_archive(path, limits) as reader:
        assert len(reader.open("a.txt").read()) == 600
        with pytest.raises(ArchiveTooLarge):
            reader.open("a.txt").read()


def test_a_zip_header_that_understates_a_size_fails_while_streaming(tmp_path: Path) -> None:
    # given a central directory that declares 10 bytes for a member that inflates to 5,000
    path = write_archive(tmp_path / "a.zip", {"a.txt": b"y" * 5000})
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    # when / then: no more than the declared bytes come out, and the lie is an error
    with open_archive(path, LIMITS) as reader, pytest.raises(ArchiveMalformed):
        reader.open("a.txt").read()


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_refuses_too_many_members(tmp_path: Path, fmt: str) -> None:
    path = write_archive(tmp_path / "a.bin", {f"{i}.txt": b"" for i in range(6)}, fmt)
    with pytest.raises(ArchiveTooLarge, match="more files than accepted"):
        _read_all(path, ArchiveLimits(max_members=5))


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil", "C:/evil.txt", "..\\evil"])
def test_refuses_zip_path_traversal(tmp_path: Path, name: str) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, b"x")
    with pytest.raises(ArchiveUnsafe, match="absolute path|escapes"):
        _read_all(path)


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil"])
def test_refuses_tar_path_traversal(tmp_path: Path, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = 1
    with pytest.raises(ArchiveUnsafe):
        _read_all(_tar_with(tmp_path / "a.tgz", info, b"x"))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (tarfile.SYMTYPE, "link"),
        (tarfile.LNKTYPE, "link"),
        (tarfile.FIFOTYPE, "device, fifo"),
        (tarfile.CHRTYPE, "device, fifo"),
        (tarfile.BLKTYPE, "device, fifo"),
    ],
)
def test_refuses_tar_links_and_special_files(tmp_path: Path, kind: bytes, message: str) -> None:
    info = tarfile.TarInfo("outbox.json")
    info.type = kind
    info.linkname = "/etc/passwd"
    with pytest.raises(ArchiveUnsafe, match=message):
        _read_all(_tar_with(tmp_path / "a.tgz", info))


def test_refuses_a_zip_symlink(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    info = zipfile.ZipInfo("outbox.json")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ArchiveUnsafe, match="link"):
        _read_all(path)


def test_refuses_an_encrypted_zip_member(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.zip", {"a.txt": b"secret"})
    data = bytearray(path.read_bytes())
    for magic, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(magic) + offset
        data[at] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveEncrypted, match="encrypted"):
        _read_all(path)


def test_refuses_duplicate_member_names(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("outbox.json", b"{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("outbox.json", b"[]")
    with pytest.raises(ArchiveMalformed, match="same name"):
        _read_all(path)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"just some text, not an archive", NotAnArchive),
        (b"", NotAnArchive),
        (gzip.compress(b"a gzip file holding no tar at all" * 40), ArchiveMalformed),
        (b"PK\x03\x04 truncated zip", ArchiveMalformed),
    ],
)
def test_refuses_what_is_not_a_readable_archive(tmp_path: Path, content: bytes, error: type[ArchiveError]) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(content)
    with pytest.raises(error):
        _read_all(path)


def test_error_messages_name_no_member(tmp_path: Path) -> None:
    # given a traversal whose name is itself personal data
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../messages/inbox/bob_canary/message_1.json", b"{}")
    with pytest.raises(ArchiveUnsafe) as caught:
        _read_all(path)
    assert "canary" not in str(caught.value)


def test_a_tar_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    # given a gzip stream declaring 1.5 GB of zeros in its only member, but cut short after the header
    info = tarfile.TarInfo("outbox.json")
    info.size = 1536 * 1024 * 1024
    path = tmp_path / "bomb.tgz"
    path.write_bytes(gzip.compress(info.tobuf() + bytes(64 * 1024)))
    # when / then: the declared size alone condemns it, with nothing inflated past the header
    with pytest.raises(ArchiveUnsafe, match="compression bomb"):
        _read_all(path)
