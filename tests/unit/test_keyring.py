"""Keys never show themselves; the keyring file survives restarts; blind indexes are keyed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from renown.domain.errors import DecryptionFailed, KeyUnavailable
from renown.storage.keyring import FileKeyProvider, KekState, Keyring, StaticKeyProvider
from renown.storage.vault import MemberCipher, Vault


def secrets_in(path: Path) -> list[bytes]:
    raw = json.loads(path.read_text())
    keys = [base64.b64decode(k["key"]) for k in raw["keks"] if k["key"]] + [base64.b64decode(raw["index_root"])]
    return [form for key in keys for form in (key, key.hex().encode(), base64.b64encode(key))]


def test_no_key_material_reaches_a_repr_or_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keyring.json"
    provider = FileKeyProvider(path, create=True)
    keyring = Keyring(provider)
    dek = bytes(range(32))
    cipher = MemberCipher(uuid4(), dek, 1)
    vault = Vault(keyring)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("renown").debug("objects: %r %r %r %r", provider, keyring, cipher, vault)
    shown = " ".join([repr(provider), repr(keyring), repr(cipher), repr(vault), caplog.text]).encode()
    leaks = [s for s in [*secrets_in(path), dek, dek.hex().encode(), base64.b64encode(dek)] if s in shown]
    assert leaks == []
    assert repr(keyring) == "Keyring(versions=[1], current=1)"


def test_the_keyring_file_is_private_and_reloads_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    first = Keyring(FileKeyProvider(path, create=True))
    member = uuid4()
    version, wrapped = first.wrap(member, b"k" * 32)
    assert path.stat().st_mode & 0o777 == 0o600
    again = Keyring(FileKeyProvider(path, create=False))
    assert again.unwrap(member, version, wrapped) == b"k" * 32
    assert again.blind_index("handle/x", "Alice") == first.blind_index("handle/x", " alice ")


def test_a_wrapped_key_moved_to_another_member_does_not_unwrap(tmp_path: Path) -> None:
    keyring = Keyring(FileKeyProvider(tmp_path / "k.json", create=True))
    version, wrapped = keyring.wrap(uuid4(), b"k" * 32)
    with pytest.raises(DecryptionFailed):
        keyring.unwrap(uuid4(), version, wrapped)


def test_blind_indexes_are_keyed_and_separated_by_purpose(tmp_path: Path) -> None:
    keyring = Keyring(FileKeyProvider(tmp_path / "k.json", create=True))
    other = Keyring(FileKeyProvider(tmp_path / "other.json", create=True))
    handle = keyring.blind_index("handle/mastodon", "@alice@social.example.org")
    assert handle != hashlib.sha256(b"@alice@social.example.org").digest()
    assert handle != keyring.blind_index("post-id/mastodon", "@alice@social.example.org")
    assert handle != other.blind_index("handle/mastodon", "@alice@social.example.org")
    assert len(handle) == 32


def test_retired_and_destroyed_versions_refuse_to_unwrap(tmp_path: Path) -> None:
    keyring = Keyring(FileKeyProvider(tmp_path / "k.json", create=True))
    member = uuid4()
    version, wrapped = keyring.wrap(member, b"k" * 32)
    assert keyring.add_version() == 2
    keyring.set_state(1, KekState.RETIRED)
    with pytest.raises(KeyUnavailable):
        keyring.unwrap(member, version, wrapped)
    keyring.set_state(1, KekState.DESTROYED)
    assert json.loads((tmp_path / "k.json").read_text())["keks"][0] == {"version": 1, "state": "destroyed", "key": None}
    with pytest.raises(KeyUnavailable, match="the current key-encryption key cannot be retired"):
        keyring.set_state(2, KekState.RETIRED)


def test_a_master_key_from_settings_works_but_cannot_rotate() -> None:
    keyring = Keyring(StaticKeyProvider(b"m" * 32))
    member = uuid4()
    assert keyring.unwrap(member, *keyring.wrap(member, b"d" * 32)) == b"d" * 32
    with pytest.raises(KeyUnavailable, match="cannot be rotated"):
        keyring.add_version()
    with pytest.raises(KeyUnavailable, match="32 bytes"):
        StaticKeyProvider(b"short")


def test_a_keyring_in_another_process_never_wraps_under_a_destroyed_version(tmp_path: Path) -> None:
    # given two processes' keyrings on one file (the API and the worker)
    path = tmp_path / "keyring.json"
    api, worker = Keyring(FileKeyProvider(path, create=True)), Keyring(FileKeyProvider(path, create=False))
    # when the worker seals an epoch (new version, old one destroyed)
    worker.add_version()
    worker.set_state(1, KekState.DESTROYED)
    # then the API wraps new keys under the new version, which the worker can unwrap
    member = uuid4()
    version, wrapped = api.wrap(member, b"n" * 32)
    assert version == 2
    assert worker.unwrap(member, version, wrapped) == b"n" * 32


def test_column_sealers_and_openers_bind_the_same_associated_data_as_single_values() -> None:
    alice, bob = MemberCipher(uuid4(), bytes(range(32)), 1), MemberCipher(uuid4(), bytes(range(32)), 1)
    seal, open_ = alice.column_sealer("activity", "content_enc"), alice.column_opener("activity", "content_enc")
    row, other_row = uuid4(), uuid4()
    blobs = [seal(str(row).encode(), f"post {n}".encode()) for n in range(1500)]  # past one block of nonces
    # a bulk ciphertext opens one value at a time and the other way round
    assert alice.decrypt_text("activity", "content_enc", row, blobs[0]) == "post 0"
    assert open_(str(row).encode(), alice.encrypt("activity", "content_enc", row, "single")) == b"single"
    assert [open_(str(row).encode(), blob) for blob in blobs[-2:]] == [b"post 1498", b"post 1499"]
    assert len({blob[5:17] for blob in blobs}) == 1500  # every nonce is fresh
    # and it fails, typed, once moved to another row, column or member
    with pytest.raises(DecryptionFailed):
        open_(str(other_row).encode(), blobs[0])
    with pytest.raises(DecryptionFailed):
        alice.column_opener("activity", "url_enc")(str(row).encode(), blobs[0])
    with pytest.raises(DecryptionFailed):
        bob.column_opener("activity", "content_enc")(str(row).encode(), blobs[0])
    with pytest.raises(DecryptionFailed):
        open_(str(row).encode(), b"\x01plaintext")


def test_a_blind_index_is_hmac_sha256_under_its_purpose_key_so_stored_indexes_keep_matching() -> None:
    master = bytes(range(32))
    keyring = Keyring(StaticKeyProvider(master))
    root = HKDF(hashes.SHA256(), 32, None, b"renown/index-root/v1").derive(master)
    key = HKDF(hashes.SHA256(), 32, None, b"renown/blind-index/subject/v1").derive(root)
    ada, grace = (hmac.digest(key, value, "sha256") for value in (b"ada@example.org", b"grace@example.org"))
    assert keyring.blind_index("subject", " Ada@Example.org ") == ada
    index = keyring.index_function("subject")  # one keyed MAC serves every call, each from a fresh copy
    assert [index("grace@example.org"), index("ADA@example.org"), index("grace@example.org")] == [grace, ada, grace]
