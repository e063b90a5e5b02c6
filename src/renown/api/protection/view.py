"""The HTTP side: GraphQL-over-HTTP media types and statuses, CSRF prevention, GET policy, body limits."""

from __future__ import annotations

import json
from collections.abc import Mapping

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.typevars import Context, RootValue
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from renown.api.protection.errors import REQUEST_ERROR_CODES, ErrorCode

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Content types a browser sends cross-origin without a CORS preflight.
SIMPLE_CONTENT_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")
CSRF_MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send a "
    "'content-type' other than application/x-www-form-urlencoded, multipart/form-data or text/plain, "
    "or a non-empty 'x-apollo-operation-name' or 'apollo-require-preflight' header."
)
PERSISTED_QUERY_CODES = frozenset({ErrorCode.PERSISTED_QUERY_NOT_FOUND, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH})


class BodyTooLarge(Exception):
    """The request body went over the view's limit."""


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the Accept header prefers it, else `application/json`."""
    best: dict[str, tuple[float, int]] = {}
    for index, part in enumerate((accept or "").split(",")):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = GRAPHQL_RESPONSE_JSON if media == GRAPHQL_RESPONSE_JSON else None
        # Wildcards mean the legacy type during the spec's watershed period.
        if media in (JSON, "application/*", "*/*"):
            kind = JSON
        if kind is not None and (quality, -index) > best.get(kind, (0.0, 0)):
            best[kind] = (quality, -index)
    preferred = best.get(GRAPHQL_RESPONSE_JSON)
    if preferred is not None and preferred[0] > 0 and preferred > best.get(JSON, (0.0, 0)):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _essence(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class RenownGraphQLView(GraphQL[Context, RootValue]):
    """strawberry's ASGI view with Renown's HTTP rules; subclass it to provide `get_context`."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        production: bool,
        max_body_bytes: int = 1024 * 1024,
        max_upload_bytes: int = 64 * 1024 * 1024,
        multipart_uploads_enabled: bool = True,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=not production,
            multipart_uploads_enabled=multipart_uploads_enabled,
        )
        self.production = production
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def encode_json(self, data: object) -> str:
        """orjson (several times faster than `json.dumps` on a response); `json` for what orjson refuses.

        Text, not bytes: WebSocket messages must stay text frames.
        """
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # integers past 64 bits in a JSON scalar, non-string keys
            return json.dumps(data, separators=(",", ":"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        headers = Request(scope).headers
        limit = (
            self.max_upload_bytes
            if _essence(headers.get("content-type")) == "multipart/form-data"
            else (self.max_body_bytes)
        )
        request = Request(scope, receive=_limited(receive, limit))
        media_type = response_media_type(headers.get("accept"))
        try:
            response = await self._respond(request, limit, media_type)
            await response(scope, receive, send)
        finally:
            # strawberry never closes the parsed form: without this, uploads' temporary files leak.
            await request.close()

    async def _respond(self, request: Request, limit: int, media_type: str) -> Response:
        try:
            self._check_transport(request, limit)
            response = await self.run(request)
        except HTTPException as exc:
            return self._refusal(exc.status_code, exc.reason, media_type)
        except BodyTooLarge:
            return self._refusal(413, f"The request body is larger than {limit} bytes.", media_type)
        outcome = getattr(request.state, "graphql_outcome", None)
        if outcome is not None:
            status, extra_headers = outcome
            response.headers["content-type"] = _content_type(media_type)
            response.headers.update(extra_headers)
            if status != 200:
                response.status_code = status
        return response

    def _check_transport(self, request: Request, limit: int) -> None:
        method = request.method
        if method not in ("GET", "POST"):
            raise HTTPException(405, "GraphQL only supports POST" + ("" if self.production else " and GET"))
        preflighted = any(request.headers.get(name) for name in PREFLIGHT_HEADERS)
        if method == "GET":
            if self.production:
                raise HTTPException(405, "GraphQL over GET is disabled; send a POST request.")
            adapter: AsyncHTTPRequestAdapter = self.request_adapter_class(request)
            if not self.should_render_graphql_ide(adapter) and not preflighted:
                raise HTTPException(400, CSRF_MESSAGE)
            return
        content_type = _essence(request.headers.get("content-type"))
        if (not content_type or content_type in SIMPLE_CONTENT_TYPES) and not preflighted:
            raise HTTPException(400, CSRF_MESSAGE)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise BodyTooLarge

    async def execute_single(  # noqa: PLR0917
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            # The GraphQL-over-HTTP spec asks for 405 when GET carries a mutation.
            if request_adapter.method == "GET" and isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "Mutations cannot be sent over GET; use POST.") from exc
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Shape the response for the negotiated media type and remember its status and headers."""
        data = await super().process_result(request, result)
        codes = {str((error.extensions or {}).get("code")) for error in result.errors or ()}
        headers = {"vary": "Accept"}
        if codes & PERSISTED_QUERY_CODES:
            # The client is about to send the full query; nothing may cache this miss.
            headers["cache-control"] = "private, no-cache, must-revalidate"
        retry_after = _retry_after(result)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        status = 200
        request_error = result.data is None and bool(codes) and codes <= REQUEST_ERROR_CODES
        if request_error and response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON:
            data.pop("data", None)
            if not codes & PERSISTED_QUERY_CODES:
                status = 429 if ErrorCode.RATE_LIMITED in codes else 400
        request.state.graphql_outcome = (status, headers)
        return data

    def _refusal(self, status: int, reason: str, media_type: str) -> Response:
        body = {"errors": [{"message": reason, "extensions": {"code": ErrorCode.BAD_REQUEST.value}}]}
        headers: Mapping[str, str] = {"vary": "Accept"}
        if status == 405:
            headers = {**headers, "allow": "POST" if self.production else "GET, POST"}
        return Response(
            json.dumps(body), status_code=status, headers=dict(headers), media_type=_content_type(media_type)
        )


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def _retry_after(result: ExecutionResult) -> int | None:
    for error in result.errors or ():
        value = (error.extensions or {}).get("retryAfter")
        if isinstance(value, int):
            return value
    return None


def _limited(receive: Receive, limit: int) -> Receive:
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    return limited_receive
