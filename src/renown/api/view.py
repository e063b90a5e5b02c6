"""The starlette view: builds each request's context from the authenticated caller."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from renown.api.context import RenownContext
from renown.api.protection import RenownGraphQLView
from renown.services.facade import Services


class RenownView(RenownGraphQLView[RenownContext, None]):
    def __init__(self, schema: Any, *, services: Services, production: bool, max_upload_bytes: int) -> None:
        super().__init__(schema, production=production, max_upload_bytes=max_upload_bytes)
        self.services = services

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RenownContext:
        principal = request.scope.get("state", {}).get("principal")
        # Rate-limit budgets are per member when authenticated, per address otherwise.
        client = principal.subject if principal is not None else (request.client.host if request.client else "-")
        return RenownContext(
            services=self.services, principal=principal, client_id=client, request=request, response=response
        )
