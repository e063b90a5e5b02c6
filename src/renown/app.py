"""Composition root: wires settings, storage, vault, auth, services and the HTTP app."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
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
from renown.telemetry.metrics import exposition, set_queue_depth
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
    engine = create_engine(settings.effective_database_url)
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


class BearerAuth:
    """Verifies a bearer token once per request; a bad token is a bare 401, whatever the reason."""

    def __init__(self, app: ASGIApp, tokens: TokenAuthority) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization")
            principal = None
            if header is not None:
                scheme, _, token = header.decode("latin-1").partition(" ")
                try:
                    if scheme.lower() != "bearer" or not token:
                        raise InvalidToken()
                    principal = await self.tokens.verify(token.strip())
                except InvalidToken:
                    response = JSONResponse(
                        {"errors": [{"message": "invalid token", "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    )
                    await response(scope, receive, send)
                    return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


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
        yield {}
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
