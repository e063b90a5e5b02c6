"""A fake Mastodon instance served in-process: app registration, OAuth with PKCE, refresh,
RFC 7009 revocation, paginated statuses and rack-attack style rate limits, on a fake clock."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

HOST = "social.example.org"
REDIRECT = "https://renown.example.org/link/mastodon"


class FakeClock:
    """Time that moves only when something sleeps or a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.current = now
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


def status(n: int, at: datetime, **extra: Any) -> dict[str, Any]:
    """A public status of the member's, as `GET /api/v1/accounts/:id/statuses` returns it."""
    body = {
        "id": str(100 + n), "created_at": at.isoformat().replace("+00:00", "Z"),
        "in_reply_to_id": None, "visibility": "public", "reblog": None,
        "uri": f"https://{HOST}/users/alice/statuses/{100 + n}", "url": f"https://{HOST}/@alice/{100 + n}",
        "content": f"<p>post number {n} <a href=\"https://{HOST}/tags/fediverse\" class=\"mention hashtag\">"
                   "#<span>fediverse</span></a></p>",
        "replies_count": n, "reblogs_count": 2 * n, "favourites_count": 3 * n,
        "tags": [{"name": "fediverse"}], "mentions": [],
    }
    body.update(extra)
    return body


async def approve(mastodon: FakeMastodon, url: str) -> tuple[str, str]:
    """The member approves at the instance, which redirects back with a code and the state."""
    async with httpx2.AsyncClient(transport=mastodon.transport()) as browser:
        response = await browser.get(url)
    assert response.status_code == 302
    back = urlsplit(response.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    query = parse_qs(back.query)
    return query["code"][0], query["state"][0]


@dataclass
class Issued:
    client_id: str
    refresh_token: str
    expires_at: datetime | None


@dataclass
class FakeMastodon:
    clock: FakeClock
    statuses: list[dict[str, Any]] = field(default_factory=list)
    token_lifetime: timedelta | None = timedelta(hours=2)
    announce_expiry: bool = True  # False: tokens still expire, but the token response does not say when
    rate_limit: int = 300  # API calls per window, as rack-attack counts them
    rate_window: timedelta = timedelta(minutes=5)
    revoke_failures: int = 0  # how many revocations answer 503 before one succeeds
    apps: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, Issued] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)
    refreshes: int = 0
    api_calls: list[str] = field(default_factory=list)
    _used: int = 0
    _window: datetime | None = None

    def transport(self) -> httpx2.ASGITransport:
        app = Starlette(routes=[
            Route("/api/v1/apps", self.register, methods=["POST"]),
            Route("/oauth/authorize", self.authorize),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/api/v1/accounts/verify_credentials", self.verify_credentials),
            Route("/api/v1/accounts/{account_id}/statuses", self.account_statuses),
        ])
        return httpx2.ASGITransport(app=app)

    async def register(self, request: Request) -> Response:
        form = await request.form()
        client_id, secret = f"client-{len(self.apps) + 1}", secrets.token_urlsafe(32)
        self.apps[client_id] = (secret, str(form["redirect_uris"]), str(form["scopes"]))
        return JSONResponse({"id": str(len(self.apps)), "name": form["client_name"], "client_id": client_id,
                             "client_secret": secret, "redirect_uri": form["redirect_uris"]})

    async def authorize(self, request: Request) -> Response:
        """The member signs in and approves: redirect back with a code bound to the PKCE challenge."""
        q = request.query_params
        app = self.apps.get(q.get("client_id", ""))
        if app is None or q.get("redirect_uri") != app[1] or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE required"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"client_id": q["client_id"], "redirect_uri": q["redirect_uri"],
                            "challenge": q["code_challenge"], "scope": q.get("scope", "")}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    def _client(self, form: Any) -> str | None:
        app = self.apps.get(str(form.get("client_id", "")))
        return str(form["client_id"]) if app is not None and form.get("client_secret") == app[0] else None

    def _issue(self, client_id: str, scope: str) -> Response:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        expires = None if self.token_lifetime is None else self.clock.now() + self.token_lifetime
        self.tokens[access] = Issued(client_id, refresh, expires)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "scope": scope,
                                "created_at": int(self.clock.now().timestamp()), "refresh_token": refresh}
        if self.token_lifetime is not None and self.announce_expiry:
            body["expires_in"] = int(self.token_lifetime.total_seconds())
        return JSONResponse(body)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        client_id = self._client(form)
        if client_id is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") == "authorization_code":
            pending = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", "")).encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if pending is None or pending["client_id"] != client_id or challenge != pending["challenge"] \
                    or form.get("redirect_uri") != pending["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return self._issue(client_id, pending["scope"])
        if form.get("grant_type") == "refresh_token":
            old = next((a for a, i in self.tokens.items() if i.refresh_token == form.get("refresh_token")), None)
            if old is None or self.tokens[old].client_id != client_id:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            del self.tokens[old]  # Doorkeeper revokes the previous access token on refresh
            self.refreshes += 1
            return self._issue(client_id, str(form.get("scope", "")))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def revoke(self, request: Request) -> Response:
        form = await request.form()
        if self._client(form) is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if self.revoke_failures > 0:
            self.revoke_failures -= 1
            return Response("upstream unavailable", status_code=503)
        if self.tokens.pop(str(form.get("token")), None) is not None:
            self.revoked.append(str(form.get("token")))
        return JSONResponse({})

    def _api(self, request: Request) -> Response | dict[str, str]:
        """Authenticate and count the call; an error response, or the rate-limit headers to send."""
        now = self.clock.now()
        window = self.rate_window.total_seconds()
        start = datetime.fromtimestamp(now.timestamp() // window * window, tz=now.tzinfo)
        if start != self._window:
            self._window, self._used = start, 0
        reset = (start + self.rate_window).isoformat(timespec="microseconds").replace("+00:00", "Z")
        headers = {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Reset": reset}
        if self._used >= self.rate_limit:
            return JSONResponse({"error": "Too many requests"}, status_code=429,
                                headers=headers | {"X-RateLimit-Remaining": "0"})
        self._used += 1
        headers["X-RateLimit-Remaining"] = str(self.rate_limit - self._used)
        self.api_calls.append(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        issued = self.tokens.get(token) if scheme == "Bearer" else None
        if issued is None or (issued.expires_at is not None and now >= issued.expires_at):
            return JSONResponse({"error": "The access token is invalid"}, status_code=401, headers=headers)
        return headers

    async def verify_credentials(self, request: Request) -> Response:
        checked = self._api(request)
        if isinstance(checked, Response):
            return checked
        return JSONResponse({"id": "1", "username": "alice", "acct": "alice", "display_name": "Alice Liddell",
                             "followers_count": 1200, "following_count": 87, "statuses_count": len(self.statuses)},
                            headers=checked)

    async def account_statuses(self, request: Request) -> Response:
        checked = self._api(request)
        if isinstance(checked, Response):
            return checked
        limit = int(request.query_params.get("limit", "20"))
        max_id = request.query_params.get("max_id")
        newest_first = sorted(self.statuses, key=lambda s: int(s["id"]), reverse=True)
        older = [s for s in newest_first if max_id is None or int(s["id"]) < int(max_id)]
        page = older[:limit]
        if len(older) > limit:
            base = f"https://{HOST}/api/v1/accounts/1/statuses"
            checked["Link"] = f'<{base}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", ' \
                              f'<{base}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"'
        return JSONResponse(page, headers=checked)
