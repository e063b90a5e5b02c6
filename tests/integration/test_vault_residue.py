"""No plaintext at rest, and shredding reaches copies taken before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from renown.app import Runtime, build_runtime
from renown.domain.activity import Network
from renown.domain.errors import KeyUnavailable
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.settings import Settings
from renown.storage.keyring import KekState
from tests.archives import build_mastodon_archive
from tests.integration.backups import copy_database, drop_copy, raw_bytes

CANARIES = ["CanaryPostQuokka7781", "CanaryPostNarwhal4410", "canary-handle-zebu", "Canary Display Okapi"]


async def import_canaries(runtime: Runtime, tmp_path: Path) -> object:
    member = await runtime.services.register(
        subject="canary-subject@example.org", display_name="Canary Member Name Tapir", age_bracket=AgeBracket.ADULT)
    await runtime.services.grant_consent(member_id=member.id, purpose=ConsentPurpose.SCORING, network=Network.MASTODON)
    archive = build_mastodon_archive(
        tmp_path, posts=2, texts=[f"{CANARIES[0]} says hello", f"{CANARIES[1]} at https://canary-url.example.org/p"],
        handle=CANARIES[2], display_name=CANARIES[3])
    summary = await runtime.services.import_file(member_id=member.id, network=Network.MASTODON, path=archive)
    assert summary.imported == 2
    return member.id


async def test_no_personal_plaintext_reaches_the_database_bytes(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    # given a member whose archive is full of canary strings
    await import_canaries(runtime, tmp_path)
    # when the raw bytes of the database are read (SQLite file or pg_dump)
    data = await raw_bytes(runtime.engine, database_url, tmp_path)
    # then no canary, URL, subject or display name is there in plaintext
    planted = [*CANARIES, "canary-url.example.org", "canary-subject@example.org", "Canary Member Name Tapir"]
    assert [c for c in planted if c.encode() in data] == []
    assert b"activity" in data  # the scan did read the tables


async def test_a_copy_taken_before_shredding_no_longer_decrypts(
    runtime: Runtime, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    # given a member's data and a backup copy of the database taken now
    member_id = await import_canaries(runtime, tmp_path)
    backup_url = await copy_database(runtime.engine, database_url, tmp_path)
    # when the member's key is shredded and the key epoch sealed
    async with runtime.uow() as uow:
        await runtime.vault.shred(uow.connection, member_id, at=uow.now())  # type: ignore[arg-type]
        await uow.commit()
    async with runtime.engine.connect() as conn:
        await runtime.vault.seal_epoch(conn)
    assert runtime.vault.keyring.versions(KekState.DESTROYED) == [1]
    # then the backup's wrapped key cannot be unwrapped with the live keyring
    restored = build_runtime(settings.model_copy(update={"database_url": backup_url}))
    try:
        async with restored.uow() as uow:
            with pytest.raises(KeyUnavailable):
                await restored.vault.load(uow.connection, member_id)  # type: ignore[arg-type]
    finally:
        await restored.close()
        await drop_copy(runtime.engine, backup_url)
