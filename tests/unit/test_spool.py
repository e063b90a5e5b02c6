"""Sealed import spools: what goes in comes out, and nothing altered, cut or misplaced decrypts."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from uuid import UUID

import pytest

from renown.domain.errors import DecryptionFailed
from renown.storage.spool import seal_file, unseal_file
from renown.storage.vault import MemberCipher

ALICE, BOB = UUID("00000000-0000-4000-8000-00000000a11c"), UUID("00000000-0000-4000-8000-000000000b0b")
JOB, OTHER_JOB = UUID("0190c7a2-0000-7000-8000-000000000001"), UUID("0190c7a2-0000-7000-8000-000000000002")
KEY = bytes(range(32))


def sealed(tmp_path: Path, data: bytes, *, chunk: int = 16) -> Path:
    source, target = tmp_path / "upload", tmp_path / "uploads" / "import.spool"
    source.write_bytes(data)
    seal_file(source, target, MemberCipher(ALICE, KEY, 1), JOB, chunk=chunk)
    return target


@pytest.mark.parametrize("size", [0, 15, 16, 32, 100])
def test_what_is_sealed_unseals_byte_for_byte(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    spool = sealed(tmp_path, data)
    assert unseal_file(spool, tmp_path / "open", MemberCipher(ALICE, KEY, 1), JOB) == size
    assert (tmp_path / "open").read_bytes() == data
    assert stat.S_IMODE(spool.stat().st_mode) == stat.S_IMODE((tmp_path / "open").stat().st_mode) == 0o600


def test_the_spool_holds_no_plaintext(tmp_path: Path) -> None:
    spool = sealed(tmp_path, b"Seedling canary in the outbox " * 4)
    assert b"canary" not in spool.read_bytes()


def _records(spool: Path) -> list[bytes]:
    data, records, at = spool.read_bytes(), [], 4
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        records.append(data[at:at + 4 + length])
        at += 4 + length
    return records


def test_a_cut_short_or_reordered_spool_does_not_decrypt(tmp_path: Path) -> None:
    spool = sealed(tmp_path, os.urandom(64))
    records = _records(spool)
    cipher = MemberCipher(ALICE, KEY, 1)
    for altered in (records[:-1], [records[1], records[0], *records[2:]]):
        spool.write_bytes(b"RNI1" + b"".join(altered))
        with pytest.raises(DecryptionFailed):
            unseal_file(spool, tmp_path / "open", cipher, JOB)
        assert not (tmp_path / "open").exists()


def test_a_spool_decrypts_only_for_its_job_and_member(tmp_path: Path) -> None:
    spool = sealed(tmp_path, b"an archive")
    for cipher, job in ((MemberCipher(ALICE, KEY, 1), OTHER_JOB), (MemberCipher(BOB, KEY, 1), JOB),
                        (MemberCipher(ALICE, bytes(32), 1), JOB)):
        with pytest.raises(DecryptionFailed):
            unseal_file(spool, tmp_path / "open", cipher, job)
