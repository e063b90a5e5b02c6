"""Composition root: wires settings, storage, vault, auth, services and the HTTP app."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from renown.api.exports import export_download
from renown.api.gpc import GpcOptOut, gpc_support
from renown.api.protection import RedisTokenBuckets, select_token_buckets
from renown.api.schema import build_schema
from renown.api.view import RenownView
from renown.connectors.archive import ArchiveLimits
from renown.connectors.mastodon_oauth import MastodonOAuth
from renown.connectors.registry import PARSERS
from renown.domain.activity import Network
from renown.domain.errors import InvalidToken
from renown.domain.policies import Policies
from renown.domain.scopes import Principal
from renown.jobs.export import export_store
from renown.services.auth import TokenAuthority
from renown.services.consent import LinkConsents
from renown.services.exports import ExportDownloads
from renown.services.facade import Services
from renown.services.jobs import queue_depth
from renown.services.linking import AccountLinking
from renown.services.privacy_requests import PrivacyRequests
from renown.services.scoring import perk_topics
from renown.settings import Settings, SettingsError
from renown.storage import migrate
from renown.storage.db import create_engine
from renown.storage.keyring import FileKeyProvider, KekState, KeyProvider, Keyring, StaticKeyProvider
from renown.storage.policy_loader import load_policies
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault
from renown.telemetry.logs import configure_logging
from renown.telemetry.metrics import exposition, process_stopped, set_queue_depth
from renown.telemetry.middleware import RequestTelemetry


@dataclass
class Runtime:
    """Everything one process needs, built once from settings."""

    settings: Settings
    engine: AsyncEngine
    vault: Vault
    tokens: TokenAuthority
    services: Services
    http: httpx.AsyncClient
    policies: Policies

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.vault, policies=self.policies)

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()


def key_provider(settings: Settings) -> KeyProvider:
    if settings.master_key is not None and settings.keyring_file is None:
        return StaticKeyProvider(base64.b64decode(settings.master_key.get_secret_value()))
    return FileKeyProvider(settings.effective_keyring_file, create=not settings.is_production)


def archive_limits(settings: Settings) -> ArchiveLimits:
    return ArchiveLimits(
        max_archive_bytes=settings.max_archive_bytes,
        max_uncompressed_bytes=settings.max_uncompressed_bytes,
        max_compression_ratio=settings.max_compression_ratio,
        max_members=settings.max_archive_members,
    )


def build_runtime(settings: Settings) -> Runtime:
    """Wire the process; refuses production with placeholder secrets."""
    settings.check_production()
    policies = load_policies(settings.policies_dir)  # a bad policy file stops start-up, naming file and path
    engine = create_engine(settings.effective_database_url, pool_size=settings.database_pool_size,
                           max_overflow=settings.database_max_overflow)
    vault = Vault(Keyring(key_provider(settings)))
    http = httpx.AsyncClient(timeout=10.0)
    tokens = TokenAuthority.from_settings(settings, http=http)
    runtime = Runtime(settings, engine, vault, tokens, services=None, http=http,  # type: ignore[arg-type]
                      policies=policies)
    runtime.services = Services(
        uow_factory=runtime.uow, parsers=PARSERS, archive_limits=archive_limits(settings),
        spool_dir=settings.var_dir / "uploads", policies=policies, signer=tokens, member_topics=perk_topics,
        import_job_threshold=settings.import_job_threshold_bytes,
    )
    runtime.services.privacy = PrivacyRequests(runtime.uow, ExportDownloads(runtime.uow, export_store(settings)),
                                               policies, settings.recent_auth_seconds)
    if settings.oauth_redirect_uri:
        runtime.services.linking = AccountLinking(
            uow_factory=runtime.uow,
            clients={Network.MASTODON: MastodonOAuth(redirect_uri=settings.oauth_redirect_uri)},
            record_consents=LinkConsents(signer=tokens),
        )
    return runtime


async def check_keys(runtime: Runtime) -> None:
    """Refuse to start while a data key still needs a retired key-encryption key."""
    retired = runtime.vault.keyring.versions(KekState.RETIRED) + runtime.vault.keyring.versions(KekState.DESTROYED)
    async with runtime.engine.connect() as conn:
        pending = await runtime.vault.keys_needing(conn, retired)
    if pending:
        raise SettingsError(
            f"{pending} data keys are still wrapped by a retired key-encryption key: run `renown keys rotate`"
        )


class VerifiedTokens:
    """Principals of bearer tokens verified in the last `ttl_seconds`, never past the token's own expiry.

    Verifying a signature costs about 0.1 ms a request; a client sends the same token again and again.
    Only what the token itself says is remembered: whether its member is erased, restricted or
    still registered is read from the database by every request, as before. Entries are keyed by
    the token's SHA-256 (the token itself is not kept), bounded in number, oldest out first.
    """

    def __init__(self, tokens: TokenAuthority, *, ttl_seconds: float = 60.0, size: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.tokens = tokens
        self._ttl = ttl_seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """The token's principal; raises InvalidToken as `TokenAuthority.verify` does."""
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        found = self._entries.get(key)
        if found is not None:
            principal, until = found
            if now < until:
                return principal
            del self._entries[key]
        principal = await self.tokens.verify(token)
        until = min(now + self._ttl, _expiry(token))
        if until > now:
            self._entries[key] = (principal, until)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return principal

    def __len__(self) -> int:
        return len(self._entries)


def _expiry(token: str) -> float:
    """The `exp` claim of a token that has just been verified (so well formed), or 0 when it has none."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return 0.0
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return 0.0
    try:
        until = float(exp)
    except OverflowError:  # an integer past any float: not worth remembering
        return 0.0
    return until if math.isfinite(until) else 0.0


class BearerAuth:
    """Verifies a bearer token once per request; a bad token is a bare 401, whatever the reason."""

    def __init__(self, app: ASGIApp, tokens: TokenAuthority, verified: VerifiedTokens | None = None) -> None:
        self.app = app
        self.tokens = tokens
        self.verified = verified if verified is not None else VerifiedTokens(tokens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization")
            principal = None
            if header is not None:
                scheme, _, token = header.decode("latin-1").partition(" ")
                try:
                    if scheme.lower() != "bearer" or not token:
                        raise InvalidToken()
                    principal = await self.verified.verify(token.strip())
                except InvalidToken:
                    response = JSONResponse(
                        {"errors": [{"message": "invalid token", "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    )
                    await response(scope, receive, send)
                    return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def settle_heap() -> None:
    """After start-up: move what lives as long as the process out of the garbage collector's sight.

    The schema, policies, compiled statements and imported modules are hundreds of thousands of
    objects that never die; left in the oldest generation, every full collection walks them all and
    stalls every request in flight (measured: pauses of a few hundred milliseconds under load).
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """The ASGI application; pass a runtime to share one with tests."""
    runtime = runtime or build_runtime(settings)
    buckets = select_token_buckets(settings.redis_url, key_secret=runtime.vault.blind_index("rate-limit", "key"))
    schema = build_schema(production=settings.is_production, buckets=buckets)
    view = RenownView(schema, services=runtime.services, production=settings.is_production,
                      max_upload_bytes=settings.max_archive_bytes + 1024 * 1024)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.is_current(runtime.engine)
        except Exception:  # noqa: BLE001 - any failure means not ready; details stay in the logs
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        if not current:
            return JSONResponse({"status": "unavailable", "migrations": "pending"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def jwks(_: Request) -> Response:
        return JSONResponse(runtime.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def metrics(_: Request) -> Response:
        async with runtime.uow() as uow:  # the queue depth is read at scrape time
            set_queue_depth(await queue_depth(uow))
        body, media_type = exposition()
        return Response(body, media_type=media_type)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        if not settings.is_production:  # production migrates with the one-shot `renown migrate`
            await migrate.upgrade(runtime.engine)
        await check_keys(runtime)
        settle_heap()
        yield {}
        process_stopped()  # with several workers: this one's live gauges leave /metrics
        if isinstance(buckets, RedisTokenBuckets):
            await buckets.aclose()
        await runtime.close()

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/.well-known/jwks.json", jwks),
            Route("/.well-known/gpc.json", gpc_support(runtime.policies.gpc)),
            Route("/exports/{token}", export_download(ExportDownloads(runtime.uow, export_store(settings)),
                                                      max_auth_age_seconds=settings.recent_auth_seconds)),
        ],
        lifespan=lifespan,
    )
    if runtime.policies.gpc.honoured:
        app.add_middleware(GpcOptOut, services=runtime.services)  # inside BearerAuth: it needs the principal
    app.add_middleware(BearerAuth, tokens=runtime.tokens)
    app.add_middleware(RequestTelemetry)  # outermost: refused tokens get a request id and an access line too
    app.state.runtime = runtime
    return app


def app_from_environment() -> Starlette:
    """Uvicorn factory for multi-worker serving: each worker reads the environment."""
    configure_logging()  # each worker process sets up its own JSON logging
    return create_app(Settings())
