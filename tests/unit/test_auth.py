"""Bearer tokens, the signing key, signed documents and trust of an external OIDC issuer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.jwk import RSAKey

from renown.domain.errors import InvalidToken, KeyUnavailable, SignatureInvalid, UnknownScope
from renown.domain.scopes import Principal, Scope, parse_scopes
from renown.services.auth import TokenAuthority, TrustedIssuer
from renown.services.signing import load_or_create_signing_key
from renown.settings import Environment, Settings, SettingsError

ISSUER = "https://renown.example.org"
AUDIENCE = "renown-api"
IDP = "https://id.example.org"
JWKS_URL = "https://id.example.org/.well-known/jwks.json"
NOW = datetime(2031, 3, 14, 9, 26, 53, tzinfo=UTC)
T = int(NOW.timestamp())

Signer = Callable[[bytes], bytes]


@dataclass
class FakeClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Signer) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def decode_segment(token: str, index: int) -> dict[str, Any]:
    segment = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "jwt-signing.pem"
    load_or_create_signing_key(path, create=True)
    return path


@pytest.fixture
def own_sign(key_file: Path) -> Signer:
    private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return private.sign


@pytest.fixture
def authority(key_file: Path, clock: FakeClock) -> TokenAuthority:
    key = load_or_create_signing_key(key_file, create=False)
    return TokenAuthority(key, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=3600, clock=clock)


def own_header(authority: TokenAuthority, **changes: Any) -> dict[str, Any]:
    return {"alg": "Ed25519", "kid": authority.kid, "typ": "at+jwt", **changes}


def own_claims(**changes: Any) -> dict[str, Any]:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "member-ada", "iat": T, "nbf": T, "exp": T + 3600,
              "auth_time": T, "scope": "member", "jti": "token-1"}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


# --- Renown's own tokens -------------------------------------------------------------------------


def test_minted_token_carries_exact_claims_and_verifies_to_its_principal(authority: TokenAuthority) -> None:
    # given a member who signed in five minutes ago
    signed_in = NOW - timedelta(minutes=5)
    # when Renown mints a token for them
    token = authority.mint("member-ada", [Scope.PUBLIC, Scope.MEMBER], auth_time=signed_in)
    # then the header names the key, and the claims are exactly these
    claims = decode_segment(token, 1)
    assert decode_segment(token, 0) == {"alg": "Ed25519", "kid": authority.kid, "typ": "at+jwt"}
    assert claims == {"iss": ISSUER, "aud": AUDIENCE, "sub": "member-ada", "iat": T, "nbf": T,
                      "exp": T + 3600, "auth_time": T - 300, "scope": "member public", "jti": claims["jti"]}
    assert len(claims["jti"]) == 22


async def test_verify_returns_the_principal_the_token_was_minted_for(authority: TokenAuthority) -> None:
    # given a token with a ten-minute lifetime
    token = authority.mint("member-ada", [Scope.MEMBER, Scope.PUBLIC], ttl=600, auth_time=NOW - timedelta(hours=1))
    # when it is verified
    principal = await authority.verify(token)
    # then it speaks for that member with those scopes
    assert principal == Principal(
        subject="member-ada", scopes=frozenset({Scope.MEMBER, Scope.PUBLIC}), auth_time=NOW - timedelta(hours=1),
        issuer=ISSUER, token_id=decode_segment(token, 1)["jti"])
    assert "member-ada" not in repr(principal)


async def test_a_correctly_forged_token_is_accepted(authority: TokenAuthority, own_sign: Signer) -> None:
    # given the forging helper used by the failure matrix, with nothing wrong
    token = forge(own_header(authority), own_claims(), own_sign)
    # when verified, then it passes: each failure below fails for its own reason only
    assert await authority.verify(token) == Principal(
        subject="member-ada", scopes=frozenset({Scope.MEMBER}), auth_time=NOW, issuer=ISSUER, token_id="token-1")


def _tampered(authority: TokenAuthority, sign: Signer) -> str:
    header, _, signature = forge(own_header(authority), own_claims(), sign).split(".")
    return f"{header}.{b64(json.dumps(own_claims(scope='member admin')).encode())}.{signature}"


def _hmac_with_public_key(authority: TokenAuthority, sign: Signer) -> str:
    # The classic confusion attack: the published public key, as PEM, used as an HMAC secret.
    x = authority.jwks()["keys"][0]["x"]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "="))
    secret = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return forge(own_header(authority, alg="HS256"), own_claims(),
                 lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def _other_key_same_kid(authority: TokenAuthority, sign: Signer) -> str:
    return forge(own_header(authority), own_claims(), Ed25519PrivateKey.generate().sign)


FAILURES: list[Any] = [
    pytest.param(lambda a, s: forge(own_header(a), own_claims(iat=T - 7200, nbf=T - 7200, exp=T - 3600), s),
                 id="expired"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(nbf=T + 3600), s), id="not-yet-valid"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(iss="https://elsewhere.example.org"), s),
                 id="wrong-issuer"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(aud="another-api"), s), id="wrong-audience"),
    pytest.param(lambda a, s: forge(own_header(a, alg="none"), own_claims(), lambda _: b""), id="alg-none"),
    pytest.param(_hmac_with_public_key, id="hs256-public-key-as-secret"),
    pytest.param(_tampered, id="tampered-payload"),
    pytest.param(lambda a, s: forge(own_header(a, kid="retired-key"), own_claims(), s), id="unknown-kid"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(sub=None), s), id="missing-sub"),
    pytest.param(lambda a, s: "not-a-token", id="garbage"),
    pytest.param(lambda a, s: "", id="empty"),
    pytest.param(lambda a, s: "a.b.c", id="three-garbage-segments"),
    pytest.param(_other_key_same_kid, id="other-key-same-kid"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(scope="member superuser"), s), id="unknown-scope"),
    pytest.param(lambda a, s: forge(own_header(a), own_claims(auth_time=T + 3600), s), id="auth-time-in-future"),
    pytest.param(lambda a, s: forge(own_header(a, typ="JWT"), own_claims(), s), id="not-an-access-token"),
    pytest.param(lambda a, s: a.sign_json(own_claims()), id="signed-document-as-token"),
]


@pytest.mark.parametrize("make_token", FAILURES)
async def test_every_bad_token_is_refused_with_one_generic_error(
    authority: TokenAuthority, own_sign: Signer, make_token: Callable[[TokenAuthority, Signer], str]
) -> None:
    # given a token that is wrong in exactly one way
    token = make_token(authority, own_sign)
    # when it is verified, then it is refused without saying why
    with pytest.raises(InvalidToken) as refused:
        await authority.verify(token)
    assert (refused.value.code, str(refused.value)) == ("UNAUTHENTICATED", "invalid token")


async def test_a_token_expires_after_its_lifetime(authority: TokenAuthority, clock: FakeClock) -> None:
    # given a token minted with the default one-hour lifetime
    token = authority.mint("member-ada", [Scope.MEMBER])
    # when the clock passes its expiry (and the 30 s leeway)
    clock.now = NOW + timedelta(seconds=3600 + 31)
    # then it is refused
    with pytest.raises(InvalidToken):
        await authority.verify(token)


def test_jwks_publishes_the_public_key_only(authority: TokenAuthority, key_file: Path) -> None:
    # given the key on disk
    private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # when the JWKS is built, then it holds exactly the public parameters
    assert authority.jwks() == {"keys": [
        {"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": authority.kid, "use": "sig", "alg": "Ed25519"}]}


# --- signing key -----------------------------------------------------------------------------------


def test_a_created_key_is_private_to_its_owner_and_reloads_with_its_thumbprint_kid(tmp_path: Path) -> None:
    # given no key file yet
    path = tmp_path / "var" / "jwt-signing.pem"
    # when a development start creates one, and a restart loads it
    created = load_or_create_signing_key(path, create=True)
    reloaded = load_or_create_signing_key(path, create=False)
    # then the file is 0600 and the kid is the RFC 7638 thumbprint of the same key
    x = created.as_dict()["x"]
    thumbprint = b64(hashlib.sha256(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode()).digest())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (created.kid, reloaded.kid) == (thumbprint, thumbprint)


def test_production_refuses_to_create_a_signing_key(tmp_path: Path) -> None:
    # given production settings naming a key file that does not exist
    missing = tmp_path / "jwt-signing.pem"
    settings = Settings(environment=Environment.PRODUCTION, var_dir=tmp_path, jwt_private_key_file=missing)
    # when the authority is built, then it refuses and generates nothing
    with pytest.raises(KeyUnavailable, match="no signing key is generated in production"):
        TokenAuthority.from_settings(settings)
    assert list(tmp_path.iterdir()) == []


def test_development_generates_the_key_under_var_dir(tmp_path: Path) -> None:
    # given development settings with no key file yet
    settings = Settings(environment=Environment.DEVELOPMENT, var_dir=tmp_path, jwt_issuer=ISSUER)
    # when the authority is built
    built = TokenAuthority.from_settings(settings)
    # then the key was written where a restart will find it again
    assert built.kid == load_or_create_signing_key(tmp_path / "jwt-signing.pem", create=False).kid


def test_an_external_issuer_without_its_jwks_url_is_a_settings_error(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, oidc_issuer=IDP)
    with pytest.raises(SettingsError, match="RENOWN_OIDC_JWKS_URL"):
        TokenAuthority.from_settings(settings)


def test_a_key_file_that_is_not_ed25519_is_refused(tmp_path: Path) -> None:
    # given a P-256 key where the Ed25519 key should be
    path = tmp_path / "jwt-signing.pem"
    path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    # when it is loaded, then it is refused
    with pytest.raises(KeyUnavailable, match="not an Ed25519 private key"):
        load_or_create_signing_key(path, create=False)


# --- signed documents ------------------------------------------------------------------------------


def test_a_signed_document_round_trips(authority: TokenAuthority) -> None:
    # given an erasure certificate
    certificate = {"kind": "erasure", "member": "member-ada", "completed_at": "2031-03-14T09:26:53Z", "steps": 6}
    # when it is signed and verified
    document = authority.sign_json(certificate)
    # then the same object comes back, under Renown's kid
    assert authority.verify_json(document) == certificate
    assert decode_segment(document, 0) == {"alg": "Ed25519", "kid": authority.kid, "typ": "JOSE"}


@pytest.mark.parametrize("forger", [
    pytest.param(lambda a: _swap_payload(a.sign_json({"steps": 6}), {"steps": 5}), id="tampered"),
    pytest.param(lambda a: a.mint("member-ada", [Scope.MEMBER]), id="access-token-as-document"),
    pytest.param(lambda a: "garbage", id="garbage"),
])
def test_an_altered_document_is_refused(authority: TokenAuthority, forger: Callable[[TokenAuthority], str]) -> None:
    # given a document Renown did not sign as it stands
    document = forger(authority)
    # when verified, then it is refused
    with pytest.raises(SignatureInvalid):
        authority.verify_json(document)


def _swap_payload(document: str, payload: dict[str, Any]) -> str:
    header, _, signature = document.split(".")
    return f"{header}.{b64(json.dumps(payload).encode())}.{signature}"


# --- scope registry --------------------------------------------------------------------------------


def test_scopes_parse_from_spaces_or_commas() -> None:
    assert parse_scopes("member, public  brand,admin") == frozenset(Scope)
    assert parse_scopes("") == frozenset()


def test_an_unknown_scope_is_a_typed_error_that_does_not_echo_it() -> None:
    with pytest.raises(UnknownScope) as refused:
        parse_scopes("member root")
    assert (refused.value.code, str(refused.value)) == ("SCOPE_UNKNOWN", "unknown scope")


# --- an external OIDC issuer -----------------------------------------------------------------------


@dataclass
class FakeIdentityProvider:
    """An OIDC issuer serving its JWKS over an httpx MockTransport, counting the fetches."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    fetches: int = 0

    def rotate(self, kid: str) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        jwks = [RSAKey.import_key(key.public_key()).as_dict(kid=kid, use="sig", alg="RS256")
                for kid, key in self.keys.items()]
        return httpx.Response(200, json={"keys": jwks})

    def token(self, *, kid: str, signer: rsa.RSAPrivateKey | None = None, **changes: Any) -> str:
        claims = {"iss": IDP, "aud": AUDIENCE, "sub": "idp-user-42", "iat": T, "exp": T + 600,
                  "auth_time": T - 60, "scope": "openid profile member", "jti": "ext-1", **changes}
        key = signer or self.keys[kid]
        return forge({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims,
                     lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))


@pytest.fixture(scope="module")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


@pytest.fixture
def idp(rsa_keys: list[rsa.RSAPrivateKey]) -> FakeIdentityProvider:
    return FakeIdentityProvider(keys={"idp-2031-03": rsa_keys[0]})


@pytest.fixture
async def trusting(
    idp: FakeIdentityProvider, key_file: Path, clock: FakeClock
) -> AsyncIterator[TokenAuthority]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(idp.handle)) as http:
        trusted = TrustedIssuer(IDP, JWKS_URL, http=http, clock=clock)
        yield TokenAuthority(load_or_create_signing_key(key_file, create=False), issuer=ISSUER,
                             audience=AUDIENCE, ttl_seconds=3600, trusted_issuer=trusted, clock=clock)


async def test_a_token_from_the_trusted_issuer_is_accepted_with_its_scopes_mapped(
    trusting: TokenAuthority, idp: FakeIdentityProvider
) -> None:
    # given a token from the external issuer carrying OIDC scopes and one Renown scope
    token = idp.token(kid="idp-2031-03")
    # when it is verified twice
    first = await trusting.verify(token)
    second = await trusting.verify(token)
    # then it maps to Renown's scope, and the JWKS was fetched once for both
    assert first == second == Principal(subject="idp-user-42", scopes=frozenset({Scope.MEMBER}),
                                        auth_time=NOW - timedelta(seconds=60), issuer=IDP, token_id="ext-1")
    assert idp.fetches == 1


async def test_a_rotated_issuer_key_is_picked_up_with_one_refetch(
    trusting: TokenAuthority, idp: FakeIdentityProvider, clock: FakeClock, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    # given a warm JWKS cache, then a key rotation at the issuer a minute later
    await trusting.verify(idp.token(kid="idp-2031-03"))
    idp.keys = {"idp-2031-04": rsa_keys[1]}
    clock.now = NOW + timedelta(seconds=60)
    # when a token under the new kid arrives
    principal = await trusting.verify(idp.token(kid="idp-2031-04"))
    # then it is accepted after exactly one refetch
    assert (principal.subject, idp.fetches) == ("idp-user-42", 2)


async def test_an_unknown_issuer_kid_costs_one_refetch_then_none_within_the_cooldown(
    trusting: TokenAuthority, idp: FakeIdentityProvider, clock: FakeClock, rsa_keys: list[rsa.RSAPrivateKey]
) -> None:
    # given a warm JWKS cache a minute old
    await trusting.verify(idp.token(kid="idp-2031-03"))
    clock.now = NOW + timedelta(seconds=60)
    # when two tokens name a kid the issuer never published
    for _ in range(2):
        with pytest.raises(InvalidToken):
            await trusting.verify(idp.token(kid="ghost", signer=rsa_keys[2]))
    # then only the first one refetched the JWKS
    assert idp.fetches == 2


@pytest.mark.parametrize(("changes", "signer_index"), [
    pytest.param({"iss": "https://rogue.example.org"}, None, id="untrusted-issuer"),
    pytest.param({}, 2, id="trusted-issuer-name-rogue-key"),
    pytest.param({"scope": "openid member superuser"}, None, id="unknown-scope"),
    pytest.param({"aud": "another-api"}, None, id="wrong-audience"),
    pytest.param({"exp": T - 60}, None, id="expired"),
])
async def test_a_bad_external_token_is_refused(
    trusting: TokenAuthority, idp: FakeIdentityProvider, rsa_keys: list[rsa.RSAPrivateKey],
    changes: dict[str, Any], signer_index: int | None,
) -> None:
    # given an external token wrong in one way
    signer = None if signer_index is None else rsa_keys[signer_index]
    token = idp.token(kid="idp-2031-03", signer=signer, **changes)
    # when verified, then it is refused
    with pytest.raises(InvalidToken):
        await trusting.verify(token)


async def test_without_a_trusted_issuer_external_tokens_are_refused_unfetched(
    authority: TokenAuthority, idp: FakeIdentityProvider
) -> None:
    with pytest.raises(InvalidToken):
        await authority.verify(idp.token(kid="idp-2031-03"))
    assert idp.fetches == 0
