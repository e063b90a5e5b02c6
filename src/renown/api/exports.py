"""`GET /exports/{token}`: stream a member's export archive to that member, freshly signed in.

A forged, expired or another member's link gets the same 404 as one that never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from renown.domain.errors import NotFound
from renown.domain.privacy import ReauthenticationRequired
from renown.domain.scopes import Principal, Scope
from renown.services.exports import ExportDownloads
from renown.services.privacy import require_recent_auth


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _refused(status: int, code: str, message: str, challenge: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status,
                        headers=headers)


def export_download(
    downloads: ExportDownloads, *, max_auth_age_seconds: int, clock: Callable[[], datetime] = _utc_now,
) -> Callable[[Request], object]:
    """The endpoint, bound to the export service and the recent-authentication window."""
    async def endpoint(request: Request) -> Response:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None or not principal.has(Scope.MEMBER):
            return _refused(401, "UNAUTHENTICATED", "sign in to download your export", 'Bearer realm="renown"')
        try:
            require_recent_auth(principal, max_age_seconds=max_auth_age_seconds, now=clock())
        except ReauthenticationRequired as error:
            # RFC 9470 step-up: the client signs in again and retries with a fresh token.
            return _refused(401, error.code, error.message,
                            f'Bearer error="insufficient_user_authentication", max_age={max_auth_age_seconds}')
        try:
            download = await downloads.open_for(subject=principal.subject, token=request.path_params["token"])
        except NotFound:
            return _refused(404, NotFound.code, "no such export")
        return StreamingResponse(download.chunks(), media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Content-Length": str(download.size), "Cache-Control": "no-store",
        })
    return endpoint
