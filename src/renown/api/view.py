"""The starlette view: builds each request's context from the authenticated caller."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from renown.api.context import RenownContext
from renown.services.facade import Services


class RenownView(GraphQL[RenownContext, None]):
    def __init__(self, schema: Any, *, services: Services, production: bool) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
            multipart_uploads_enabled=True,
        )
        self.services = services

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RenownContext:
        principal = request.scope.get("state", {}).get("principal")
        client = principal.subject if principal is not None else (request.client.host if request.client else "-")
        return RenownContext(
            services=self.services, principal=principal, client_id=client, request=request, response=response
        )
