"""Bearer tokens at the HTTP edge: every bad token is the same bare 401."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from renown.app import Runtime
from renown.domain.scopes import Scope
from renown.services.auth import TokenAuthority, load_or_create_signing_key
from tests.api.conftest import bearer, gql

REFUSAL = {"errors": [{"message": "invalid token", "extensions": {"code": "UNAUTHENTICATED"}}]}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    good = runtime.tokens.mint("alice@example.org", [Scope.MEMBER])
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other_key = load_or_create_signing_key(tmp_path_factory.mktemp("k") / "other.pem", create=True)
    stranger = TokenAuthority(other_key, issuer=runtime.tokens.issuer, audience=runtime.tokens.audience,
                              ttl_seconds=60)
    past = datetime.now(UTC) - timedelta(hours=2)
    expired_authority = TokenAuthority(
        load_or_create_signing_key(runtime.settings.effective_jwt_key_file, create=False),
        issuer=runtime.tokens.issuer, audience=runtime.tokens.audience, ttl_seconds=60, clock=lambda: past)
    wrong_aud = TokenAuthority(
        load_or_create_signing_key(runtime.settings.effective_jwt_key_file, create=False),
        issuer=runtime.tokens.issuer, audience="someone-else", ttl_seconds=60)
    return {
        "expired": expired_authority.mint("alice@example.org", [Scope.MEMBER]),
        "wrong audience": wrong_aud.mint("alice@example.org", [Scope.MEMBER]),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "tampered payload": f"{header}.{_b64({**claims, 'scope': 'member admin'})}.{signature}",
        "unknown signer": stranger.mint("alice@example.org", [Scope.MEMBER]),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize("case", ["expired", "wrong audience", "alg none", "tampered payload", "unknown signer",
                                  "garbage"])
async def test_bad_tokens_get_a_bare_401(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path_factory: pytest.TempPathFactory, case: str
) -> None:
    token = forged_tokens(runtime, tmp_path_factory)[case]
    response = await client.post("/graphql", json={"query": "{ me { id } }"},
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == REFUSAL
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_non_bearer_scheme_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }"},
                                 headers={"Authorization": "Basic YWxpY2U6cGFzcw=="})
    assert response.status_code == 401
    assert response.json() == REFUSAL


async def test_anonymous_and_wrong_scope_callers_get_typed_errors(client: httpx.AsyncClient, runtime: Runtime) -> None:
    anonymous = await gql(client, "{ me { id } }", {})
    assert anonymous["data"] == {"me": None}
    assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    brand = await gql(client, "{ me { id } }", bearer(runtime, "brand@example.org", (Scope.BRAND,)))
    assert brand["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


async def test_jwks_serves_the_public_key_that_verifies_tokens(client: httpx.AsyncClient, runtime: Runtime) -> None:
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert [(k["kty"], k["crv"], k["kid"]) for k in keys] == [("OKP", "Ed25519", runtime.tokens.kid)]
    assert "d" not in keys[0]


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
