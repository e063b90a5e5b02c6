"""What the data map declares encrypted is never written as plaintext, through the real import path."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose, Policies
from renown.storage.tables import metadata
from tests.archives import build_mastodon_archive

POST_CANARIES = ["CanaryPostAxolotl5512", "CanaryPostPangolin2093"]
HANDLE, DISPLAY, SUBJECT, NAME = "canaryhandlequoll", "Canary Display Dugong", "canary-sub@example.org", "Canary Numbat"
CANARIES = [*POST_CANARIES, HANDLE, DISPLAY, SUBJECT, NAME, "canary-link.example.org"]


async def plaintext_in_encrypted_columns(
    conn: AsyncConnection, policies: Policies, canaries: list[str]
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], int]]:
    """Declared-encrypted columns holding a canary in plaintext, and how many values each column had."""
    leaks, scanned = [], {}
    for table, column in policies.encrypted_columns():
        col = metadata.tables[table].c[column]
        values = (await conn.execute(sa.select(col).where(col.is_not(None)))).scalars().all()
        scanned[(table, column)] = len(values)
        if any(canary.encode() in bytes(value) for value in values for canary in canaries):
            leaks.append((table, column))
    return leaks, scanned


def sqlite_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, as a copy of the disk would hold them."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def import_canaries(runtime: Runtime, tmp_path: Path) -> None:
    member = await runtime.services.register(subject=SUBJECT, display_name=NAME, age_bracket=AgeBracket.ADULT)
    await runtime.services.grant_consent(member_id=member.id, purpose=ConsentPurpose.TOPICS, network=Network.MASTODON)
    archive = build_mastodon_archive(
        tmp_path, posts=2, handle=HANDLE, display_name=DISPLAY,
        texts=[f"{POST_CANARIES[0]} hello", f"{POST_CANARIES[1]} see https://canary-link.example.org/p"])
    assert (await runtime.services.import_file(member_id=member.id, network=Network.MASTODON, path=archive)).imported


async def test_no_declared_encrypted_column_holds_plaintext(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    # given a member and an archive full of canaries, imported through the real services
    await import_canaries(runtime, tmp_path)
    # when every column the data map declares encrypted is read back raw
    async with runtime.engine.connect() as conn:
        leaks, scanned = await plaintext_in_encrypted_columns(conn, runtime.policies, CANARIES)
    # then none holds a canary, and the columns the import fills were really scanned
    assert leaks == []
    filled = {column: n for column, n in scanned.items() if n}
    assert filled == {
        ("member", "subject_enc"): 1, ("member", "display_name_enc"): 1, ("member_key", "wrapped_dek"): 1,
        ("linked_account", "handle_enc"): 1, ("linked_account", "display_name_enc"): 1,
        ("activity", "external_id_enc"): 2, ("activity", "content_enc"): 2, ("activity", "url_enc"): 2,
    }
    # and on SQLite not a byte of the file (nor its write-ahead log) holds one either
    if make_url(database_url).get_backend_name() == "sqlite":
        async with runtime.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = sqlite_bytes(Path(str(make_url(database_url).database)))
        assert [c for c in CANARIES if c.encode() in raw] == []
        assert b"CREATE TABLE activity" in raw


async def test_the_scan_catches_a_plaintext_value_in_an_encrypted_column(runtime: Runtime, tmp_path: Path) -> None:
    # given a bug that writes a display name in plaintext where the data map promises ciphertext
    await import_canaries(runtime, tmp_path)
    accounts = metadata.tables["linked_account"]
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(accounts).values(display_name_enc=DISPLAY.encode()))
    # then the check names the column
    async with runtime.engine.connect() as conn:
        leaks, _ = await plaintext_in_encrypted_columns(conn, runtime.policies, CANARIES)
    assert leaks == [("linked_account", "display_name_enc")]
