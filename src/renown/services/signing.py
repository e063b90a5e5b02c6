"""Renown's Ed25519 signing key: loading it, publishing it, and signing JSON documents with it."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from renown.domain.errors import KeyUnavailable, SignatureInvalid

# RFC 9864's fully specified name. joserfc flags the polymorphic "EdDSA" as deprecated with a
# SecurityWarning, which would also turn every test into an error under `filterwarnings = error`.
ALGORITHM = "Ed25519"
# Documents and access tokens share the key, so each carries its own `typ` and each verifier
# insists on it: a signed receipt can never be replayed as a bearer token, nor the reverse.
DOCUMENT_TYPE = "JOSE"
# Export manifests list every file of an export; joserfc's default cap (128 kB) is for tokens.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


def load_or_create_signing_key(path: Path, *, create: bool) -> OKPKey:
    """Load the Ed25519 signing key from a PEM file, generating it (mode 0600) when allowed."""
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise KeyUnavailable(
                "JWT signing key file not found; set RENOWN_JWT_PRIVATE_KEY_FILE to an Ed25519 PEM key "
                "(no signing key is generated in production)"
            ) from None
        pem = _create_key_file(path)
    try:
        key = OKPKey.import_key(pem, {"use": "sig", "alg": ALGORITHM})
    except (JoseError, ValueError, TypeError):
        raise KeyUnavailable("JWT signing key file is not an Ed25519 private key in PEM") from None
    if key.curve_name != "Ed25519" or not key.is_private:
        raise KeyUnavailable("JWT signing key file is not an Ed25519 private key in PEM")
    key.ensure_kid()  # the RFC 7638 thumbprint: stable across restarts, changes with the key
    return key


def _create_key_file(path: Path) -> bytes:
    """Write a new key beside its final name, then link it in so concurrent starters agree."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = OKPKey.generate_key("Ed25519").as_pem(private=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        try:
            # link() fails when another process won the race; then its key is the key.
            os.link(draft, path)
        except FileExistsError:
            return path.read_bytes()
    finally:
        draft.unlink(missing_ok=True)
    return pem


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """Serialize a document the same way every time, so equal documents sign identically."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class DocumentSigner:
    """Sign and verify JSON documents (consent receipts, export manifests, erasure certificates)."""

    def __init__(self, key: OKPKey) -> None:
        if key.kid is None:
            raise ValueError("the signing key needs a kid; load it with load_or_create_signing_key")
        self._key = key
        self._public = OKPKey.import_key(key.as_dict(private=False))
        self._registry = jws.JWSRegistry(algorithms=[ALGORITHM])
        self._registry.max_payload_length = MAX_DOCUMENT_BYTES * 4 // 3 + 4  # base64url overhead

    def __repr__(self) -> str:
        return f"DocumentSigner(kid={self.kid!r})"

    @property
    def kid(self) -> str:
        """Return the key id (RFC 7638 thumbprint) every signature names."""
        assert self._key.kid is not None
        return self._key.kid

    @property
    def private_key(self) -> OKPKey:
        """Return the private signing key, for minting tokens only."""
        return self._key

    @property
    def public_key(self) -> OKPKey:
        """Return the public half of the signing key."""
        return self._public

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Return the JSON Web Key Set to publish: public parameters only."""
        return {"keys": [dict(self._key.as_dict(private=False))]}

    def sign_json(self, payload: Mapping[str, Any]) -> str:
        """Sign a JSON object as a compact JWS (Ed25519, with `kid` and `typ: JOSE` headers)."""
        body = canonical_json(payload)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large to sign")
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": DOCUMENT_TYPE}
        return jws.serialize_compact(header, body, self._key, registry=self._registry)

    def verify_json(self, document: str) -> dict[str, Any]:
        """Return the JSON object a compact JWS signed by this key carries; raise SignatureInvalid."""
        try:
            signed = jws.extract_compact(document.encode("ascii"), registry=self._registry)
            header = signed.headers()
            if (
                header.get("alg") != ALGORITHM
                or header.get("kid") != self.kid
                or header.get("typ") != DOCUMENT_TYPE
                or not jws.validate_compact(signed, self._public, registry=self._registry)
            ):
                raise SignatureInvalid()
            payload = json.loads(signed.payload)
        except (JoseError, ValueError, TypeError, AttributeError):
            raise SignatureInvalid() from None
        if not isinstance(payload, dict):
            raise SignatureInvalid()
        return payload
