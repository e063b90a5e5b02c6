"""Log lines and metric labels: what they may hold, and what they never do."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from renown.telemetry.logs import JsonFormatter, RequestIdFilter, request_id_var
from renown.telemetry.metrics import OTHER, OperationNames
from renown.telemetry.middleware import RequestTelemetry


@pytest.fixture
def buffer() -> Iterator[io.StringIO]:
    """A JSON handler on the `renown` logger only, removed afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("renown")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_an_exception_is_logged_as_its_type_and_frames_never_its_message(buffer: io.StringIO) -> None:
    # given a library error whose message quotes a member's email
    token = request_id_var.set("3f9c2a")
    try:
        try:
            raise KeyError("alice@example.org")
        except KeyError:
            logging.getLogger("renown.test").exception("lookup failed")
    finally:
        request_id_var.reset(token)
    # then the line names the type and where it happened, with the request id, and not the email
    line = json.loads(buffer.getvalue())
    assert "alice@example.org" not in buffer.getvalue()
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "ERROR", "renown.test", "lookup failed", "3f9c2a")
    assert line["exception"]["type"] == "builtins.KeyError"
    where, _, function = line["exception"]["frames"][-1].partition(" in ")
    assert where.split("/")[-1].startswith("test_telemetry.py:")
    assert function == "test_an_exception_is_logged_as_its_type_and_frames_never_its_message"


async def test_the_access_line_names_the_route_template_not_the_path_that_holds_a_token(buffer: io.StringIO) -> None:
    # given an app with a route whose path carries a secret
    async def download(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/exports/{token}", download)])
    app.add_middleware(RequestTelemetry)
    # when a client fetches it, and a path no route matches
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://renown.test") as client:
        found = await client.get("/exports/s3cr3t-download-token?member=alice")
        missing = await client.get("/nowhere/alice")
    # then the lines carry templates, statuses and the ids the client saw; no token, no query, no name
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [(r["route"], r["status"], r["method"]) for r in lines] == [
        ("/exports/{token}", 200, "GET"), ("unmatched", 404, "GET")]
    assert [r["request_id"] for r in lines] == [found.headers["x-request-id"], missing.headers["x-request-id"]]
    assert "s3cr3t" not in buffer.getvalue()
    assert "alice" not in buffer.getvalue()


def test_operation_name_labels_are_bounded() -> None:
    names = OperationNames(limit=2)
    assert [names.label(n) for n in ("Me", "Perks", "Me", "Leaderboard", "Other1")] == [
        "Me", "Perks", "Me", OTHER, OTHER]
