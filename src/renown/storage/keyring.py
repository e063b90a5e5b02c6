"""Key-encryption keys (KEKs): versioned, loaded through a provider, never printed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from renown.domain.errors import DecryptionFailed, KeyUnavailable

KEY_BYTES = 32
NONCE_BYTES = 12


class KekState(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    DESTROYED = "destroyed"


@dataclass(slots=True)
class Kek:
    version: int
    state: KekState
    key: bytes | None = field(repr=False)


@dataclass(slots=True)
class KeyringState:
    keks: list[Kek]
    index_root: bytes = field(repr=False)


class KeyProvider(Protocol):
    """Where KEKs live: a local file now; a cloud KMS or Vault Transit provider later."""

    def load(self) -> KeyringState: ...

    def revision(self) -> object:
        """Changes whenever another process changed the keys (a file's mtime, a KMS key version)."""
        ...

    def save(self, state: KeyringState) -> None: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FileKeyProvider:
    """A JSON keyring file, written atomically with owner-only permissions."""

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        self.create = create

    def __repr__(self) -> str:
        return f"FileKeyProvider({self.path.name!r})"

    def load(self) -> KeyringState:
        if not self.path.exists():
            if not self.create:
                raise KeyUnavailable(f"keyring file {self.path} does not exist")
            state = KeyringState([Kek(1, KekState.ACTIVE, os.urandom(KEY_BYTES))], os.urandom(KEY_BYTES))
            self.save(state)
            return state
        try:
            raw = json.loads(self.path.read_text())
            keks = [
                Kek(int(k["version"]), KekState(k["state"]), base64.b64decode(k["key"]) if k.get("key") else None)
                for k in raw["keks"]
            ]
            return KeyringState(keks, base64.b64decode(raw["index_root"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyUnavailable(f"keyring file {self.path} is not a valid keyring") from exc

    def revision(self) -> object:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def save(self, state: KeyringState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "format": 1,
            "keks": [
                {"version": k.version, "state": k.state.value, "key": _b64(k.key) if k.key else None}
                for k in state.keks
            ],
            "index_root": _b64(state.index_root),
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-")
        with os.fdopen(fd, "w") as handle:
            json.dump(doc, handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


class StaticKeyProvider:
    """One KEK from settings (version 1); rotation needs a keyring file instead."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise KeyUnavailable("the master key must be 32 bytes, base64-encoded")
        self._key = master_key

    def __repr__(self) -> str:
        return "StaticKeyProvider(<hidden>)"

    def load(self) -> KeyringState:
        index_root = HKDF(hashes.SHA256(), KEY_BYTES, None, b"renown/index-root/v1").derive(self._key)
        return KeyringState([Kek(1, KekState.ACTIVE, self._key)], index_root)

    def revision(self) -> object:
        return 1

    def save(self, state: KeyringState) -> None:
        raise KeyUnavailable("a master key from settings cannot be rotated; use RENOWN_KEYRING_FILE")


class Keyring:
    """Wraps data keys under the current KEK and derives blind-index keys."""

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider
        self._revision = provider.revision()
        self._state = provider.load()
        self._aeads: dict[int, AESGCM] = {}
        self._index_macs: dict[str, hmac.HMAC] = {}  # keyed once per purpose; each index copies one

    def __repr__(self) -> str:
        return f"Keyring(versions={[k.version for k in self._state.keks]}, current={self.current_version})"

    @property
    def current_version(self) -> int:
        active = [k.version for k in self._state.keks if k.state is KekState.ACTIVE]
        if not active:
            raise KeyUnavailable("the keyring has no active key-encryption key")
        return max(active)

    def versions(self, state: KekState) -> list[int]:
        return sorted(k.version for k in self._state.keks if k.state is state)

    def _aead(self, version: int) -> AESGCM:
        aead = self._aeads.get(version)
        if aead is None:
            kek = next((k for k in self._state.keks if k.version == version), None)
            if kek is None:  # another process may have rotated: look again once
                self.reload()
                kek = next((k for k in self._state.keks if k.version == version), None)
            if kek is None or kek.key is None or kek.state is not KekState.ACTIVE:
                raise KeyUnavailable(f"key-encryption key version {version} is not available")
            aead = self._aeads[version] = AESGCM(kek.key)
        return aead

    @staticmethod
    def _wrap_aad(member_id: UUID, version: int) -> bytes:
        return b"renown/v1|member_key|" + member_id.bytes + version.to_bytes(4, "big")

    def wrap(self, member_id: UUID, dek: bytes) -> tuple[int, bytes]:
        # Another process may have rotated or destroyed versions (an erasure seals the epoch): never wrap
        # a new key under a version that no longer exists on disk.
        if self._provider.revision() != self._revision:
            self.reload()
        version = self.current_version
        nonce = os.urandom(NONCE_BYTES)
        return version, nonce + self._aead(version).encrypt(nonce, dek, self._wrap_aad(member_id, version))

    def unwrap(self, member_id: UUID, version: int, wrapped: bytes) -> bytes:
        try:
            return self._aead(version).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                               self._wrap_aad(member_id, version))
        except InvalidTag as exc:
            raise DecryptionFailed("a wrapped data key does not belong to this member") from exc

    def blind_index(self, purpose: str, value: str) -> bytes:
        """HMAC-SHA-256 of a normalized value under a key derived for this purpose."""
        return self.index_function(purpose)(value)

    def index_function(self, purpose: str) -> Callable[[str], bytes]:
        """The blind index of one purpose as a function, for hot loops."""
        keyed = self._index_macs.get(purpose)
        if keyed is None:
            info = f"renown/blind-index/{purpose}/v1".encode()
            key = HKDF(hashes.SHA256(), KEY_BYTES, None, info).derive(self._state.index_root)
            keyed = self._index_macs[purpose] = hmac.new(key, digestmod=hashlib.sha256)

        def index(value: str, _keyed: hmac.HMAC = keyed) -> bytes:
            # Copying a keyed HMAC skips OpenSSL's look-up of SHA-256 by name, which `hmac.digest` makes
            # on every call: under load that look-up cost a `me` request about 5% of its time.
            mac = _keyed.copy()
            mac.update(value.strip().casefold().encode())
            return mac.digest()

        return index

    def reload(self) -> None:
        self._revision = self._provider.revision()
        self._state = self._provider.load()
        self._aeads.clear()

    def add_version(self) -> int:
        """Add a KEK version that becomes current; older active versions stay for unwrapping."""
        self.reload()
        version = max(k.version for k in self._state.keks) + 1
        self._state.keks.append(Kek(version, KekState.ACTIVE, os.urandom(KEY_BYTES)))
        self._provider.save(self._state)
        return version

    def set_state(self, version: int, state: KekState) -> None:
        """Retire (keep, refuse to use) or destroy (forget) a version that is not current."""
        self.reload()
        if version == self.current_version:
            raise KeyUnavailable("the current key-encryption key cannot be retired")
        for kek in self._state.keks:
            if kek.version == version:
                kek.state = state
                if state is KekState.DESTROYED:
                    kek.key = None
        self._provider.save(self._state)
        self._aeads.pop(version, None)
