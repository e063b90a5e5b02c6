"""Mastodon live linking over OAuth 2 with authlib: app registration per instance, authorization
code with PKCE (S256), refresh, RFC 7009 revocation, and the member's statuses page by page.

Expiry and rate-limit waits are decided on an injected clock and slept through an injected
sleep, so tests run on fake time; authlib is therefore never given `expires_at` (it would
compare it with the wall clock and refresh on its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import httpx2
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]

from renown.connectors.mastodon_api import (
    ACCOUNT_ID,
    count,
    header_int,
    instance_host,
    next_max_id,
    reset_time,
    status_activity,
)
from renown.domain.activity import AccountProfile, Activity, Coverage, Network, Signal
from renown.domain.linking import (
    LinkError,
    LinkExpired,
    OAuthApp,
    OAuthGrant,
    RateLimited,
    RevocationFailed,
)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
OnRefresh = Callable[[OAuthGrant], Awaitable[None]]

DEFAULT_SCOPES = "read:accounts read:statuses"
REFRESH_LEEWAY = timedelta(seconds=60)
# When a 429 carries no reset time, wait a minute before trying again.
DEFAULT_BACKOFF = timedelta(seconds=60)
REQUEST_ATTEMPTS = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


def live_coverage() -> Coverage:
    """What a live Mastodon link gives, unlike its archive: counts of what others did, and followers."""
    return Coverage({Signal.OWN_POSTS, Signal.RECEIVED_LIKES, Signal.RECEIVED_RESHARES, Signal.RECEIVED_REPLIES,
                     Signal.FOLLOWERS, Signal.FOLLOWING})


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 unreserved characters)."""
    verifier: str = generate_token(64)
    return verifier


class MastodonOAuth:
    """Renown's OAuth client for any Mastodon instance."""

    network = Network.MASTODON

    def __init__(
        self, *, redirect_uri: str, client_name: str = "Renown", website: str | None = None,
        scopes: str = DEFAULT_SCOPES, transport: httpx2.AsyncBaseTransport | None = None,
        clock: Clock = utc_now, sleep: Sleep = asyncio.sleep, timeout: float = 10.0,
        page_size: int = 40, max_pages: int = 250, revoke_attempts: int = 3,
        retry_delay: float = 2.0, max_rate_wait: float = 900.0,
    ) -> None:
        self.redirect_uri = redirect_uri
        self.client_name = client_name
        self.website = website
        self.scopes = scopes
        self.clock = clock
        self.sleep = sleep
        self.page_size = page_size
        self.max_pages = max_pages
        self.revoke_attempts = revoke_attempts
        self.retry_delay = retry_delay
        self.max_rate_wait = max_rate_wait
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"MastodonOAuth(redirect_uri={self.redirect_uri!r})"

    def normalize_instance(self, value: str) -> str:
        return instance_host(value)

    def new_code_verifier(self) -> str:
        return new_code_verifier()

    def coverage(self) -> Coverage:
        return live_coverage()

    def client(self, app: OAuthApp, grant: OAuthGrant | None = None) -> Any:
        """An authlib client for one instance, authenticating with the app's secret in the body."""
        return AsyncOAuth2Client(
            client_id=app.client_id, client_secret=app.client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name, not a secret
            revocation_endpoint_auth_method="client_secret_post",
            scope=app.scopes, redirect_uri=app.redirect_uri, code_challenge_method="S256",
            token=None if grant is None else _authlib_token(grant),
            token_endpoint=f"https://{app.instance}/oauth/token",
            base_url=f"https://{app.instance}", transport=self._transport, timeout=self._timeout,
            follow_redirects=False,
        )

    async def register_app(self, instance: str) -> OAuthApp:
        """Register Renown as an application at the instance (`POST /api/v1/apps`)."""
        form = {"client_name": self.client_name, "redirect_uris": self.redirect_uri, "scopes": self.scopes}
        if self.website:
            form["website"] = self.website
        async with httpx2.AsyncClient(base_url=f"https://{instance}", transport=self._transport,
                                      timeout=self._timeout, follow_redirects=False) as http:
            try:
                response = await http.post("/api/v1/apps", data=form)
            except httpx2.HTTPError as exc:
                raise LinkError("the instance could not be reached") from exc
        if response.status_code != 200:
            raise LinkError(f"the instance refused to register Renown (HTTP {response.status_code})")
        body = _object(response)
        client_id, secret = body.get("client_id"), body.get("client_secret")
        if not (isinstance(client_id, str) and client_id and isinstance(secret, str) and secret):
            raise LinkError("the instance's registration answer has no client credentials")
        return OAuthApp(Network.MASTODON, instance, client_id, secret, self.redirect_uri, self.scopes)

    async def authorization_url(self, app: OAuthApp, *, state: str, code_verifier: str) -> str:
        """Where the member approves Renown: the authorization endpoint with the S256 challenge."""
        async with self.client(app) as client:
            url, _ = client.create_authorization_url(
                f"https://{app.instance}/oauth/authorize", state=state, code_verifier=code_verifier)
        return str(url)

    async def exchange_code(self, app: OAuthApp, *, code: str, code_verifier: str) -> OAuthGrant:
        """Trade the authorization code (and the PKCE verifier) for the member's grant."""
        async with self.client(app) as client:
            try:
                token = await client.fetch_token(
                    grant_type="authorization_code", code=code, code_verifier=code_verifier)
            except (AuthlibBaseError, httpx2.HTTPError, ValueError) as exc:
                raise LinkError("the instance refused the authorization code") from exc
        return OAuthGrant.from_token_response(app.instance, dict(token), now=self.clock())

    def session(self, app: OAuthApp, grant: OAuthGrant, *, on_refresh: OnRefresh | None = None) -> MastodonSession:
        """Authorized access for one member; `on_refresh` is awaited with every refreshed grant."""
        return MastodonSession(self, app, grant, on_refresh)

    async def revoke(self, app: OAuthApp, grant: OAuthGrant) -> int:
        """Revoke the grant (RFC 7009); return the attempts it took, or raise `RevocationFailed`."""
        attempts = 0
        async with self.client(app) as client:
            while attempts < self.revoke_attempts:
                attempts += 1
                try:
                    response = await client.revoke_token(
                        f"https://{app.instance}/oauth/revoke", token=grant.access_token,
                        token_type_hint="access_token")  # noqa: S106 - a token kind, not a secret
                except httpx2.HTTPError:
                    response = None
                if response is not None and response.status_code == 200:
                    return attempts  # RFC 7009 §2.2: 200 also when the token was already invalid
                if response is not None and response.status_code < 500 and response.status_code not in (408, 429):
                    break  # the instance refuses the request itself: asking again cannot change that
                if attempts < self.revoke_attempts:
                    await self.sleep(self.retry_delay * 2 ** (attempts - 1))
        raise RevocationFailed(attempts)


class MastodonSession:
    """A member's authorized access to their instance; refreshes an expiring grant, honours rate limits."""

    def __init__(self, oauth: MastodonOAuth, app: OAuthApp, grant: OAuthGrant, on_refresh: OnRefresh | None) -> None:
        self.grant = grant
        self._oauth = oauth
        self._app = app
        self._on_refresh = on_refresh
        self._client = oauth.client(app, grant)
        self._resume_at: datetime | None = None

    def __repr__(self) -> str:
        return f"MastodonSession(expires_at={self.grant.expires_at})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def account(self) -> tuple[str, AccountProfile]:
        """The member's account id at the instance and its profile, with live follower counts."""
        body = _object(await self._get("/api/v1/accounts/verify_credentials"))
        account_id, username = body.get("id"), body.get("username")
        if not (isinstance(account_id, str) and ACCOUNT_ID.fullmatch(account_id)):
            raise LinkError("the instance's account has no usable id")
        if not (isinstance(username, str) and username):
            raise LinkError("the instance's account has no username")
        display_name = body.get("display_name")
        return account_id, AccountProfile(
            network=Network.MASTODON, handle=f"@{username}@{self._app.instance}",
            display_name=display_name if isinstance(display_name, str) and display_name else None,
            followers=count(body.get("followers_count")), following=count(body.get("following_count")),
        )

    async def activities(self, account_id: str, *, known: Callable[[str], bool]) -> list[Activity]:
        """The member's statuses, newest first, until a page holds nothing new or the history ends."""
        collected: list[Activity] = []
        params: dict[str, str | int] = {"limit": self._oauth.page_size}
        for _ in range(self._oauth.max_pages):
            response = await self._get(f"/api/v1/accounts/{account_id}/statuses", params)
            try:
                body = response.json()
            except ValueError as exc:
                raise LinkError("the instance answered with something other than JSON") from exc
            if not isinstance(body, list):
                raise LinkError("the instance's statuses are not a list")
            page = [a for s in body if (a := status_activity(s)) is not None]
            collected.extend(page)
            max_id = next_max_id(response)
            if max_id is None or (page and all(known(a.external_id) for a in page)):
                break
            params = {"limit": self._oauth.page_size, "max_id": max_id}
        return collected

    async def _get(self, path: str, params: dict[str, str | int] | None = None) -> httpx2.Response:
        refreshed = False
        for _ in range(REQUEST_ATTEMPTS):
            if self.grant.refresh_token and self.grant.expires_within(self._oauth.clock(), REFRESH_LEEWAY):
                await self._refresh()
                refreshed = True
            await self._wait_for_budget()
            try:
                response: httpx2.Response = await self._client.get(path, params=params)
            except httpx2.HTTPError as exc:
                raise LinkError("the instance could not be reached") from exc
            self._note_budget(response)
            if response.status_code == 429:
                continue
            if response.status_code == 401:
                if self.grant.refresh_token and not refreshed:
                    await self._refresh()
                    refreshed = True
                    continue
                raise LinkExpired("the instance no longer accepts Renown's grant")
            if response.status_code != 200:
                raise LinkError(f"the instance answered HTTP {response.status_code}")
            return response
        raise RateLimited("the instance kept refusing requests for their rate")

    async def _refresh(self) -> None:
        try:
            token = await self._client.refresh_token(
                f"https://{self._app.instance}/oauth/token", refresh_token=self.grant.refresh_token)
        except AuthlibBaseError as exc:
            raise LinkExpired("the instance refused to refresh Renown's grant") from exc
        except (httpx2.HTTPError, ValueError) as exc:
            raise LinkError("the instance could not refresh Renown's grant") from exc
        self.grant = OAuthGrant.from_token_response(
            self._app.instance, dict(token), now=self._oauth.clock(), previous=self.grant)
        self._client.token = _authlib_token(self.grant)
        if self._on_refresh is not None:
            await self._on_refresh(self.grant)

    def _note_budget(self, response: httpx2.Response) -> None:
        remaining = header_int(response.headers.get("X-RateLimit-Remaining"))
        if response.status_code != 429 and (remaining is None or remaining > 0):
            return
        reset = reset_time(response.headers.get("X-RateLimit-Reset"))
        self._resume_at = reset if reset is not None else self._oauth.clock() + DEFAULT_BACKOFF

    async def _wait_for_budget(self) -> None:
        if self._resume_at is None:
            return
        delay = (self._resume_at - self._oauth.clock()).total_seconds()
        self._resume_at = None
        if delay > self._oauth.max_rate_wait:
            raise RateLimited(f"the instance asked to wait {int(delay)} seconds")
        if delay > 0:
            await self._oauth.sleep(delay)


def _authlib_token(grant: OAuthGrant) -> dict[str, str]:
    token = {"access_token": grant.access_token, "token_type": grant.token_type}
    if grant.refresh_token:
        token["refresh_token"] = grant.refresh_token
    return token


def _object(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise LinkError("the instance answered with something other than JSON") from exc
    if not isinstance(body, dict):
        raise LinkError("the instance answered with something other than a JSON object")
    return body


