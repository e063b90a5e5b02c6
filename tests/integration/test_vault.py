"""Envelope encryption on a real database: AAD binding, rotation, retirement, shredding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from renown.app import Runtime, check_keys
from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.errors import DecryptionFailed, KeyUnavailable, MemberErased
from renown.domain.member import AgeBracket
from renown.settings import SettingsError
from renown.storage.keyring import KekState
from renown.storage.tables import ActivityRow, MemberKeyRow

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ACTIVITIES = ActivityRow.__table__
KEYS = MemberKeyRow.__table__


def post(n: int) -> Activity:
    return Activity(Network.MASTODON, f"https://social.example.org/users/alice/statuses/{n}",
                    ActivityKind.POST, AT, f"post number {n}", url=f"https://social.example.org/@alice/{n}")


async def member_with_posts(runtime: Runtime, subject: str, posts: int) -> tuple[UUID, list[sa.Row[Any]]]:
    """A member with stored posts; returns their id and the stored (id, content_enc) rows, oldest first."""
    async with runtime.uow() as uow:
        member = await uow.members.add(subject=subject, display_name=None, age_bracket=AgeBracket.ADULT, at=AT)
        cipher = await runtime.vault.load(uow.connection, member.id)
        rows = [uow.activities.encrypt_row(cipher, post(n), uow.activities.post_index(Network.MASTODON, str(n)), at=AT)
                for n in range(posts)]
        await uow.activities.insert_rows(rows)
        await uow.commit()
        stored = (await uow.connection.execute(
            sa.select(ACTIVITIES.c.id, ACTIVITIES.c.content_enc).where(ACTIVITIES.c.member_id == member.id))).all()
    by_text = {cipher.decrypt_text("activity", "content_enc", r.id, r.content_enc): r for r in stored}
    return member.id, [by_text[f"post number {n}"] for n in range(posts)]


async def test_ciphertext_moved_to_another_row_column_or_member_fails(runtime: Runtime) -> None:
    # given two members' stored posts
    alice, alice_rows = await member_with_posts(runtime, "alice@example.org", 2)
    bob, _ = await member_with_posts(runtime, "bob@example.org", 1)
    async with runtime.uow() as uow:
        alice_cipher = await runtime.vault.load(uow.connection, alice)
        bob_cipher = await runtime.vault.load(uow.connection, bob)
    first, second = alice_rows
    blob = first.content_enc
    # then it decrypts only where it was written
    assert alice_cipher.decrypt_text("activity", "content_enc", first.id, blob) == "post number 0"
    with pytest.raises(DecryptionFailed):
        alice_cipher.decrypt("activity", "content_enc", second.id, blob)
    with pytest.raises(DecryptionFailed):
        alice_cipher.decrypt("activity", "url_enc", first.id, blob)
    with pytest.raises(DecryptionFailed):
        bob_cipher.decrypt("activity", "content_enc", first.id, blob)


async def test_rotation_rewraps_keys_and_leaves_data_ciphertexts_untouched(runtime: Runtime) -> None:
    # given two members with data under KEK version 1
    alice, _ = await member_with_posts(runtime, "alice@example.org", 3)
    await member_with_posts(runtime, "bob@example.org", 2)
    async with runtime.engine.connect() as conn:
        before = (await conn.execute(sa.select(ACTIVITIES.c.id, ACTIVITIES.c.content_enc)
                                     .order_by(ACTIVITIES.c.id))).all()
    # when a new KEK version is added and the keys are re-wrapped in batches of one
    keyring = runtime.vault.keyring
    assert keyring.add_version() == 2
    async with runtime.engine.connect() as conn:
        assert await runtime.vault.keys_not_current(conn) == 2
        batches: list[int] = []
        assert await runtime.vault.rewrap(conn, batch_size=1, progress=batches.append) == 2
        assert batches == [1, 1]
        versions = (await conn.execute(sa.select(KEYS.c.kek_version))).scalars().all()
        after = (await conn.execute(sa.select(ACTIVITIES.c.id, ACTIVITIES.c.content_enc)
                                    .order_by(ACTIVITIES.c.id))).all()
    # then every key is under version 2 and no data byte changed
    assert versions == [2, 2]
    assert after == before
    # and version 1 can be retired; the data still reads after the cache is cleared
    keyring.set_state(1, KekState.RETIRED)
    runtime.vault.forget(alice)
    async with runtime.uow() as uow:
        page = await uow.activities.page(alice, first=10)
    assert sorted(s.activity.text for s in page.items) == ["post number 0", "post number 1", "post number 2"]
    await check_keys(runtime)


async def test_service_refuses_to_start_while_a_key_needs_a_retired_kek(runtime: Runtime) -> None:
    # given a rotation that was interrupted before any key was re-wrapped
    await member_with_posts(runtime, "alice@example.org", 1)
    runtime.vault.keyring.add_version()
    runtime.vault.keyring.set_state(1, KekState.RETIRED)
    # then start-up is refused
    with pytest.raises(SettingsError, match="1 data keys are still wrapped by a retired"):
        await check_keys(runtime)
    # and the key cannot be unwrapped under the retired version
    runtime.vault.forget(await _only_member(runtime))
    with pytest.raises(KeyUnavailable):
        async with runtime.uow() as uow:
            await runtime.vault.load(uow.connection, await _only_member(runtime))


async def _only_member(runtime: Runtime) -> UUID:
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(KEYS.c.member_id))).scalar_one()


async def test_shredded_member_reads_fail_and_no_new_key_is_minted(runtime: Runtime) -> None:
    alice, _ = await member_with_posts(runtime, "alice@example.org", 2)
    async with runtime.uow() as uow:
        await runtime.vault.shred(uow.connection, alice, at=AT)
        await uow.commit()
    async with runtime.uow() as uow:
        with pytest.raises(MemberErased):
            await uow.activities.page(alice, first=10)
        with pytest.raises(MemberErased):
            await runtime.vault.mint(uow.connection, alice, at=AT)


def test_the_bulk_insert_names_every_activity_column_in_table_order() -> None:
    from renown.storage.activities import COLUMNS

    assert COLUMNS == tuple(c.name for c in ACTIVITIES.columns)


class Interrupted(Exception):
    pass


async def test_an_interrupted_rotation_resumes_where_it_stopped(runtime: Runtime) -> None:
    # given three members and a rotation killed after its first batch of one
    for name in ("alice", "bob", "carol"):
        await member_with_posts(runtime, f"{name}@example.org", 1)
    runtime.vault.keyring.add_version()

    def die(_: int) -> None:
        raise Interrupted

    async with runtime.engine.connect() as conn:
        with pytest.raises(Interrupted):
            await runtime.vault.rewrap(conn, batch_size=1, progress=die)
    # then the finished batch is committed and the rest waits
    async with runtime.engine.connect() as conn:
        assert await runtime.vault.keys_not_current(conn) == 2
        # when the rotation runs again, it re-wraps only what is left
        assert await runtime.vault.rewrap(conn, batch_size=1) == 2
        assert await runtime.vault.keys_not_current(conn) == 0
    runtime.vault.keyring.set_state(1, KekState.RETIRED)
    await check_keys(runtime)
