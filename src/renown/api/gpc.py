"""Global Privacy Control: honour `Sec-GPC: 1` from members, and say so at `/.well-known/gpc.json`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from renown.domain.errors import RenownError
from renown.domain.policies import Gpc
from renown.domain.scopes import Principal
from renown.domain.scopes import Scope as TokenScope
from renown.lru import Lru
from renown.services.facade import Services

logger = logging.getLogger(__name__)


def gpc_requested(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Tell whether a request carries the signal: a `Sec-GPC` value of exactly `1`, any one of several."""
    for name, value in headers:
        if name.lower() == b"sec-gpc" and any(part.strip() == b"1" for part in value.split(b",")):
            return True
    return False


class GpcOptOut:
    """Records a member's GPC signal as an opt-out of third-party sharing, once per member.

    It runs inside the bearer-token middleware, which has put the verified principal in the scope.
    Members already handled are remembered (by a digest of their subject, in memory only), so the
    signal costs a database round trip once per member and process, not on every request.
    """

    def __init__(self, app: ASGIApp, services: Services, *, remember: int = 100_000) -> None:
        self.app = app
        self.services = services
        self._handled: Lru[bytes, bool] = Lru(remember)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and gpc_requested(scope["headers"]):
            principal = scope.get("state", {}).get("principal")
            if isinstance(principal, Principal) and principal.has(TokenScope.MEMBER):
                await self._apply(principal.subject)
        await self.app(scope, receive, send)

    async def _apply(self, subject: str) -> None:
        digest = hashlib.sha256(subject.encode()).digest()
        if self._handled.get(digest):
            return
        try:
            outcome = await self.services.apply_gpc(subject=subject)
        except RenownError as error:
            # The request itself goes on: it will meet the member's state in its own resolvers.
            logger.debug("GPC signal not applied: %s", error.code)
            return
        if outcome is None:
            return  # not registered yet: apply it on a later request, once they are
        self._handled.put(digest, True)


def gpc_support(gpc: Gpc) -> Callable[[Request], Awaitable[Response]]:
    """The `/.well-known/gpc.json` endpoint (GPC spec §5): whether Renown honours the signal, and since when."""
    body = {"gpc": gpc.honoured, "lastUpdate": gpc.last_update.isoformat()}

    async def endpoint(_: Request) -> Response:
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=86400"})

    return endpoint
