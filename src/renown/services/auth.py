"""Bearer tokens: Renown mints and verifies its own, and may trust one external OIDC issuer."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet, OKPKey
from joserfc.jwt import JWTClaimsRegistry

from renown.domain.errors import InvalidToken, UnknownScope
from renown.domain.scopes import Principal, Scope, format_scopes, parse_scopes
from renown.services.signing import ALGORITHM, DocumentSigner, load_or_create_signing_key
from renown.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# RFC 9068 access-token type: a signed document (typ JOSE) is never accepted as a token.
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 (a media type, not a secret)
# Asymmetric only: "none" and HMAC can never appear, so a public key cannot become a secret.
EXTERNAL_ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256", ALGORITHM)
# OIDC's own scopes say what the issuer disclosed, not what Renown allows: they map to nothing.
OIDC_SCOPES = frozenset({"openid", "profile", "email", "address", "phone", "offline_access"})
MAX_TOKEN_CHARS = 8192
OWN_CLAIMS: tuple[str, ...] = ("iss", "aud", "sub", "iat", "nbf", "exp", "auth_time", "scope", "jti")
EXTERNAL_CLAIMS: tuple[str, ...] = ("iss", "aud", "sub", "iat", "exp")


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class TrustedIssuer:
    """An external OIDC issuer: its JWKS is cached for a while and refetched once on an unknown kid."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str,
        *,
        http: httpx.AsyncClient,
        cache_ttl_seconds: int = 300,
        refetch_cooldown_seconds: int = 30,
        timeout_seconds: float = 5.0,
        clock: Clock = utc_now,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self._http = http
        self._ttl = timedelta(seconds=cache_ttl_seconds)
        # Unknown kids are attacker-chosen: without a cooldown each one would cost a fetch.
        self._cooldown = timedelta(seconds=refetch_cooldown_seconds)
        self._timeout = timeout_seconds
        self._clock = clock
        self._keys: dict[str, Key] = {}
        self._fetched_at: datetime | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TrustedIssuer(issuer={self.issuer!r})"

    async def key_for(self, kid: str) -> Key:
        """Return the issuer's verification key named `kid`; raise InvalidToken when it has none."""
        async with self._lock:  # concurrent requests share one fetch
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._ttl:
                await self._refresh(now)
            elif kid not in self._keys and now - self._fetched_at >= self._cooldown:
                await self._refresh(now)  # the issuer may have rotated its keys since
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken()
        return key

    async def _refresh(self, now: datetime) -> None:
        # Set first: a failing issuer is retried after the cooldown, not on every request.
        self._fetched_at = now
        try:
            response = await self._http.get(self.jwks_url, timeout=self._timeout)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise ValueError("not a JWKS")
            key_set = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (httpx.HTTPError, JoseError, ValueError, TypeError, KeyError):
            # Keep the keys we had: an outage at the issuer should not log everyone out.
            logger.warning("could not refresh the JWKS of the trusted issuer; keeping %d keys", len(self._keys))
            return
        self._keys = {
            key.kid: key for key in key_set if key.kid is not None and key.get("use") in (None, "sig")
        }


class TokenAuthority:
    """Mint and verify Renown's bearer tokens, and sign JSON documents with the same key."""

    def __init__(
        self,
        signing_key: OKPKey,
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        trusted_issuer: TrustedIssuer | None = None,
        leeway_seconds: int = 30,
        clock: Clock = utc_now,
    ) -> None:
        if trusted_issuer is not None and trusted_issuer.issuer == issuer:
            raise ValueError("the trusted external issuer must differ from Renown's own issuer")
        self._signer = DocumentSigner(signing_key)
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.trusted_issuer = trusted_issuer
        self._leeway = leeway_seconds
        self._clock = clock

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: httpx.AsyncClient | None = None, clock: Clock = utc_now
    ) -> TokenAuthority:
        """Build the authority from settings; production never generates a signing key."""
        key = load_or_create_signing_key(settings.effective_jwt_key_file, create=not settings.is_production)
        trusted: TrustedIssuer | None = None
        if (settings.oidc_issuer is None) != (settings.oidc_jwks_url is None):
            raise SettingsError("set both RENOWN_OIDC_ISSUER and RENOWN_OIDC_JWKS_URL, or neither")
        if settings.oidc_issuer is not None and settings.oidc_jwks_url is not None:
            if http is None:
                raise ValueError("trusting an external issuer needs an httpx.AsyncClient")
            trusted = TrustedIssuer(settings.oidc_issuer, settings.oidc_jwks_url, http=http, clock=clock)
        return cls(
            key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.jwt_ttl_seconds,
            trusted_issuer=trusted,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"TokenAuthority(issuer={self.issuer!r}, kid={self.kid!r})"

    @property
    def kid(self) -> str:
        """Return the key id tokens and documents are signed under."""
        return self._signer.kid

    def mint(
        self,
        subject: str,
        scopes: list[Scope],
        *,
        ttl: int | None = None,
        auth_time: datetime | None = None,
    ) -> str:
        """Mint a signed access token for `subject` holding `scopes`."""
        lifetime = self.ttl_seconds if ttl is None else ttl
        if not subject or not scopes or lifetime <= 0:
            raise ValueError("a token needs a subject, at least one scope and a positive lifetime")
        if auth_time is not None and auth_time.tzinfo is None:
            raise ValueError("auth_time must be timezone-aware")
        now = int(self._clock().timestamp())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "auth_time": now if auth_time is None else int(auth_time.timestamp()),
            "scope": format_scopes(Scope(scope) for scope in scopes),
            "jti": secrets.token_urlsafe(16),
        }
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": ACCESS_TOKEN_TYPE}
        body = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        return jws.serialize_compact(header, body, self._signer.private_key, algorithms=[ALGORITHM])

    async def verify(self, token: str) -> Principal:
        """Return who a bearer token speaks for; raise InvalidToken, saying nothing else, otherwise."""
        try:
            return await self._verify(token)
        except InvalidToken:
            logger.debug("bearer token refused: no such key at the trusted issuer")
            raise
        except _Refused as refusal:
            reason = refusal.reason
        except (JoseError, UnknownScope, ValueError, TypeError, KeyError, OverflowError) as error:
            reason = type(error).__name__
        # The reason helps an operator, never the caller; the token itself is never logged.
        logger.debug("bearer token refused: %s", reason)
        raise InvalidToken() from None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Return the JSON Web Key Set for `/.well-known/jwks.json`: public parameters only."""
        return self._signer.jwks()

    def sign_json(self, payload: Mapping[str, Any]) -> str:
        """Sign a JSON object as a compact JWS (receipts, manifests, certificates)."""
        return self._signer.sign_json(payload)

    def verify_json(self, document: str) -> dict[str, Any]:
        """Return the JSON object of a JWS this authority signed; raise SignatureInvalid otherwise."""
        return self._signer.verify_json(document)

    async def _verify(self, token: str) -> Principal:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            raise _Refused("not a string of plausible length")
        signed = jws.extract_compact(token.encode("ascii"))
        header = signed.headers()
        claims = json.loads(signed.payload)
        if not isinstance(claims, dict):
            raise _Refused("claims are not an object")
        # The unverified `iss` only picks which keys to try; the signature then has to hold.
        issuer = claims.get("iss")
        key: Key
        algorithms: tuple[str, ...]
        if issuer == self.issuer:
            if header.get("typ") != ACCESS_TOKEN_TYPE or header.get("kid") != self.kid:
                raise _Refused("typ or kid is not Renown's")
            key, algorithms, required = self._signer.public_key, (ALGORITHM,), OWN_CLAIMS
        elif self.trusted_issuer is not None and issuer == self.trusted_issuer.issuer:
            kid = header.get("kid")
            if not isinstance(kid, str) or header.get("alg") not in EXTERNAL_ALGORITHMS:
                raise _Refused("external kid or alg refused")
            key, algorithms, required = await self.trusted_issuer.key_for(kid), EXTERNAL_ALGORITHMS, EXTERNAL_CLAIMS
        else:
            raise _Refused("untrusted issuer")
        if header.get("alg") not in algorithms:
            raise _Refused("algorithm not allowed")
        if not jws.validate_compact(signed, key, algorithms=algorithms):
            raise _Refused("bad signature")
        now = int(self._clock().timestamp())
        self._claims_registry(now, issuer, required).validate(claims)
        return self._principal(claims, issuer, now, own=issuer == self.issuer)

    def _claims_registry(self, now: int, issuer: str, required: tuple[str, ...]) -> JWTClaimsRegistry:
        options: dict[str, Any] = {name: {"essential": True} for name in required}
        options["iss"] = {"essential": True, "value": issuer}
        options["aud"] = {"essential": True, "value": self.audience}
        return JWTClaimsRegistry(now=now, leeway=self._leeway, **options)

    def _principal(self, claims: Mapping[str, Any], issuer: str, now: int, *, own: bool) -> Principal:
        if own:
            scopes = parse_scopes(_string(claims["scope"]))
        else:
            raw = claims.get("scope", claims.get("scp", ""))
            names = raw.split() if isinstance(raw, str) else raw
            if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                raise _Refused("scope claim malformed")
            scopes = parse_scopes(name for name in names if name not in OIDC_SCOPES)
        auth_time = _timestamp(claims["auth_time"] if own or "auth_time" in claims else claims["iat"])
        if auth_time > now + self._leeway:
            raise _Refused("auth_time in the future")
        token_id = claims.get("jti", "")
        return Principal(
            subject=_string(claims["sub"]),
            scopes=scopes,
            auth_time=datetime.fromtimestamp(auth_time, UTC),
            issuer=issuer,
            token_id=_string(token_id),
        )


class _Refused(Exception):
    """Why a token was refused: logged for operators, never shown to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _Refused("claim is not a string")
    return value


def _timestamp(value: object) -> float:
    # bool is an int, and NaN compares false with everything: neither is a NumericDate.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Refused("time claim is not a NumericDate")
    return float(value)
