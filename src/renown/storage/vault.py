"""Per-member envelope encryption: one data key (DEK) per member, wrapped by the keyring.

Field ciphertext format (version 1): version byte | DEK version (4 bytes) | nonce (12) | AES-GCM
ciphertext and tag. The associated data binds each value to its table, column, row and member,
so a ciphertext moved anywhere else fails to decrypt.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.errors import DecryptionFailed, KeyUnavailable, MemberErased
from renown.lru import Lru
from renown.storage.keyring import KEY_BYTES, NONCE_BYTES, KekState, Keyring
from renown.storage.tables import metadata

FORMAT_VERSION = 1
HEADER_BYTES = 1 + 4 + NONCE_BYTES
KEYS = metadata.tables["member_key"]
_KEY_OF = sa.select(KEYS).where(KEYS.c.member_id == sa.bindparam("member_id"))  # built once: read per request


@functools.cache
def _aad_head(table: str, column: str) -> bytes:
    return f"renown/v{FORMAT_VERSION}|{table}|{column}|".encode()


class MemberCipher:
    """Encrypts and decrypts one member's fields; holds the unwrapped key, never shows it."""

    __slots__ = ("_aead", "_member", "_prefix", "dek_version", "member_id")

    def __init__(self, member_id: UUID, dek: bytes, dek_version: int) -> None:
        self.member_id = member_id
        self.dek_version = dek_version
        self._aead = AESGCM(dek)
        self._prefix = bytes([FORMAT_VERSION]) + dek_version.to_bytes(4, "big")
        self._member = f"|{member_id}".encode()

    def __repr__(self) -> str:
        return f"MemberCipher(member={self.member_id}, dek_version={self.dek_version})"

    def _aad(self, table: str, column: str, row_id: object) -> bytes:
        return _aad_head(table, column) + str(row_id).encode() + self._member

    def encrypt(self, table: str, column: str, row_id: object, value: str | bytes) -> bytes:
        data = value.encode() if isinstance(value, str) else value
        nonce = os.urandom(NONCE_BYTES)
        return self._prefix + nonce + self._aead.encrypt(nonce, data, self._aad(table, column, row_id))

    def decrypt(self, table: str, column: str, row_id: object, blob: bytes) -> bytes:
        if blob[:5] != self._prefix or len(blob) < HEADER_BYTES + 16:
            if len(blob) < HEADER_BYTES + 16 or blob[0] != FORMAT_VERSION:
                raise DecryptionFailed(f"{table}.{column} holds no vault ciphertext")
            raise DecryptionFailed(f"{table}.{column} was written under another data key version")
        try:
            return self._aead.decrypt(blob[5:HEADER_BYTES], blob[HEADER_BYTES:], self._aad(table, column, row_id))
        except InvalidTag as exc:
            raise DecryptionFailed(f"{table}.{column} does not decrypt for this row and member") from exc

    def column_sealer(self, table: str, column: str) -> Callable[[bytes, bytes], bytes]:
        """`encrypt` for one column as a function of (row id as ASCII bytes, value bytes), for bulk loops.

        The associated data is the same as `encrypt`'s; nonces stay random (drawn from the OS in blocks).
        """
        aad_head, aad_tail, prefix, seal = _aad_head(table, column), self._member, self._prefix, \
            self._aead.encrypt
        pool, at = b"", 0
        block = NONCE_BYTES * 1024

        def sealer(row_id: bytes, data: bytes) -> bytes:
            nonlocal pool, at
            if at == len(pool):
                pool, at = os.urandom(block), 0
            nonce = pool[at:at + NONCE_BYTES]
            at += NONCE_BYTES
            return prefix + nonce + seal(nonce, data, aad_head + row_id + aad_tail)

        return sealer

    def column_opener(self, table: str, column: str) -> Callable[[bytes, bytes], bytes]:
        """`decrypt` for one column as a function of (row id as ASCII bytes, ciphertext), for bulk reads."""
        aad_head, aad_tail, prefix, open_ = _aad_head(table, column), self._member, self._prefix, \
            self._aead.decrypt

        def opener(row_id: bytes, blob: bytes) -> bytes:
            if blob[:5] != prefix or len(blob) < HEADER_BYTES + 16:
                return self.decrypt(table, column, row_id.decode(), blob)  # raises the precise error
            try:
                return open_(blob[5:HEADER_BYTES], blob[HEADER_BYTES:], aad_head + row_id + aad_tail)
            except InvalidTag as exc:
                raise DecryptionFailed(f"{table}.{column} does not decrypt for this row and member") from exc

        return opener

    def decrypt_text(self, table: str, column: str, row_id: object, blob: bytes) -> str:
        return self.decrypt(table, column, row_id, blob).decode()

    def decrypt_optional(self, table: str, column: str, row_id: object, blob: bytes | None) -> str | None:
        return None if blob is None else self.decrypt(table, column, row_id, blob).decode()


class Vault:
    """Mints, unwraps, caches and shreds members' data keys."""

    def __init__(self, keyring: Keyring, *, cache_size: int = 10_000) -> None:
        self.keyring = keyring
        self._cache: Lru[UUID, MemberCipher] = Lru(cache_size)

    def __repr__(self) -> str:
        return f"Vault(cached={len(self._cache)})"

    def blind_index(self, purpose: str, value: str) -> bytes:
        return self.keyring.blind_index(purpose, value)

    def forget(self, member_id: UUID) -> None:
        self._cache.pop(member_id)

    def _remember(self, cipher: MemberCipher) -> None:
        self._cache.put(cipher.member_id, cipher)

    async def load(self, conn: AsyncConnection, member_id: UUID) -> MemberCipher:
        """The member's cipher; `MemberErased` once shredded, `KeyUnavailable` if never minted."""
        cipher = self._cache.get(member_id)
        if cipher is not None:
            return cipher
        row = (await conn.execute(_KEY_OF, {"member_id": member_id})).one_or_none()
        if row is None:
            raise KeyUnavailable("this member has no data key")
        if row.wrapped_dek is None:
            raise MemberErased()
        dek = self.keyring.unwrap(member_id, row.kek_version, row.wrapped_dek)
        cipher = MemberCipher(member_id, dek, row.dek_version)
        self._remember(cipher)
        return cipher

    async def load_many(self, conn: AsyncConnection, member_ids: Iterable[UUID]) -> dict[UUID, MemberCipher]:
        """Many members' ciphers in at most one query; erased members and members without a key are left out."""
        found: dict[UUID, MemberCipher] = {}
        missing = []
        for member_id in set(member_ids):
            cached = self._cache.get(member_id)
            if cached is None:
                missing.append(member_id)
            else:
                found[member_id] = cached
        if missing:
            rows = await conn.execute(
                sa.select(KEYS).where(KEYS.c.member_id.in_(missing), KEYS.c.wrapped_dek.is_not(None)))
            for row in rows:
                dek = self.keyring.unwrap(row.member_id, row.kek_version, row.wrapped_dek)
                found[row.member_id] = cipher = MemberCipher(row.member_id, dek, row.dek_version)
                self._remember(cipher)
        return found

    async def mint(self, conn: AsyncConnection, member_id: UUID, *, at: datetime) -> MemberCipher:
        """Create the member's data key inside the caller's transaction (cached only once loaded again)."""
        existing = (await conn.execute(sa.select(KEYS.c.wrapped_dek).where(KEYS.c.member_id == member_id))).first()
        if existing is not None:
            if existing.wrapped_dek is None:
                raise MemberErased()
            return await self.load(conn, member_id)
        dek = os.urandom(KEY_BYTES)
        kek_version, wrapped = self.keyring.wrap(member_id, dek)
        await conn.execute(sa.insert(KEYS).values(
            member_id=member_id, dek_version=1, wrapped_dek=wrapped, kek_version=kek_version, created_at=at,
        ))
        return MemberCipher(member_id, dek, 1)

    async def shred(self, conn: AsyncConnection, member_id: UUID, *, at: datetime) -> None:
        """Destroy the member's data key; the tombstone row stops a new key being minted."""
        await conn.execute(sa.update(KEYS).where(KEYS.c.member_id == member_id).values(
            wrapped_dek=None, kek_version=None, shredded_at=at,
        ))
        self.forget(member_id)

    async def rewrap(
        self, conn: AsyncConnection, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None
    ) -> int:
        """Re-wrap every data key not under the current KEK, one committed batch at a time."""
        current = self.keyring.current_version
        done = 0
        while True:
            rows = (await conn.execute(
                sa.select(KEYS.c.member_id, KEYS.c.kek_version, KEYS.c.wrapped_dek)
                .where(KEYS.c.wrapped_dek.is_not(None), KEYS.c.kek_version != current)
                .order_by(KEYS.c.member_id).limit(batch_size)
            )).all()
            if not rows:
                return done
            for row in rows:
                dek = self.keyring.unwrap(row.member_id, row.kek_version, row.wrapped_dek)
                version, wrapped = self.keyring.wrap(row.member_id, dek)
                await conn.execute(sa.update(KEYS).where(KEYS.c.member_id == row.member_id).values(
                    kek_version=version, wrapped_dek=wrapped))
            await conn.commit()
            done += len(rows)
            if progress is not None:
                progress(len(rows))

    async def seal_epoch(self, conn: AsyncConnection) -> int:
        """Start a new KEK epoch and destroy the old ones, so no earlier copy of the database decrypts."""
        old = self.keyring.versions(KekState.ACTIVE) + self.keyring.versions(KekState.RETIRED)
        self.keyring.add_version()
        count = await self.rewrap(conn)
        for version in old:
            self.keyring.set_state(version, KekState.DESTROYED)
        return count

    async def keys_needing(self, conn: AsyncConnection, versions: list[int]) -> int:
        """How many live data keys are still wrapped under any of these KEK versions."""
        if not versions:
            return 0
        query = sa.select(sa.func.count()).select_from(KEYS).where(
            KEYS.c.wrapped_dek.is_not(None), KEYS.c.kek_version.in_(versions))
        return int((await conn.execute(query)).scalar_one())

    async def keys_not_current(self, conn: AsyncConnection) -> int:
        """How many live data keys still wait to be re-wrapped under the current KEK."""
        query = sa.select(sa.func.count()).select_from(KEYS).where(
            KEYS.c.wrapped_dek.is_not(None), KEYS.c.kek_version != self.keyring.current_version)
        return int((await conn.execute(query)).scalar_one())
