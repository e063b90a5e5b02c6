"""The ASGI middleware that gives each request its id, its access log line and its latency sample."""

from __future__ import annotations

import logging
import random
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from renown.telemetry.logs import request_id_var
from renown.telemetry.metrics import OPERATION_NAMES, observe_request

access_log = logging.getLogger("renown.access")

REQUEST_ID_HEADER = "x-request-id"
# An id from a proxy in front is kept when it looks like one; anything else is replaced.
INCOMING_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
UNMATCHED = "unmatched"


@dataclass
class RequestRecord:
    """What the layers below learn about a request that its access line reports."""

    operation: str | None = None
    operation_type: str | None = None


current_request: ContextVar[RequestRecord | None] = ContextVar("renown_request", default=None)


def route_template(scope: Scope) -> str:
    """The template of the route a request matches (`/exports/{token}`), never the raw path."""
    app = scope.get("app")
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED


def new_request_id() -> str:
    """32 random hex digits. Request ids correlate log lines, they guard nothing: no system call needed
    (`uuid4` reads os.urandom, which releases the GIL and waits for it again under load)."""
    return f"{random.getrandbits(128):032x}"  # noqa: S311 - not a secret


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if INCOMING_ID.fullmatch(candidate) else None
    return None


class RequestTelemetry:
    """Outermost middleware: request id (contextvar and `X-Request-Id`), access log line, latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_request_id()
        record = RequestRecord()
        id_token = request_id_var.set(request_id)
        record_token = current_request.set(record)
        status = 500  # what the client gets if the app fails before it answers
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            operation = record.operation
            observe_request(route=route, operation="" if operation is None else OPERATION_NAMES.label(operation),
                            status=status, seconds=seconds)
            access_log.info("request", extra={
                "method": scope.get("method"), "route": route, "status": status,
                "duration_ms": round(seconds * 1000, 2), "operation": operation,
                "operation_type": record.operation_type,
            })
            current_request.reset(record_token)
            request_id_var.reset(id_token)
