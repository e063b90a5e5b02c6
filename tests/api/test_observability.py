"""Logs and metrics: JSON lines with request ids and no personal data; Prometheus series per operation."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from renown.app import Runtime
from renown.domain.jobs import JobStatus
from renown.domain.scopes import Scope
from renown.jobs.worker import Worker
from renown.jobs.workflow import JobContext, JobHandler
from renown.telemetry.logs import QUIET_LOGGERS, configure_logging
from tests.api.conftest import bearer, gql, upload
from tests.archives import build_mastodon_archive

EMAIL = "canary.member.q7@example.org"
DISPLAY_NAME = "Canary Zephyrine Quillfeather"
HANDLE = "canaryhandlezq"
POSTS = ["Canary post about xylophone gardens 7F3A", "Canary post on quokka compost 9B1C"]
BAD_TOKEN = "canary-bad-token-4e5d6f"
HEX_ID = re.compile(r"[0-9a-f]{32}")

REGISTER = f'mutation Register {{ register(ageBracket: ADULT, displayName: "{DISPLAY_NAME}") {{ __typename }} }}'
CONSENT = "mutation Consent { grantConsent(purpose: SCORING, network: MASTODON) { __typename } }"
ME = """query MeAndActivities {
  me { displayName accounts { handle } activities(first: 10) { edges { node { text } } } }
}"""


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The process's logging configured as in production, into a buffer; restored afterwards."""
    root = logging.getLogger()
    access = logging.getLogger("uvicorn.access")
    saved = (list(root.handlers), root.level, access.disabled, access.propagate, list(access.handlers))
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    buffer = io.StringIO()
    configure_logging(logging.INFO, stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        access.disabled, access.propagate, access.handlers[:] = saved[2], saved[3], saved[4]
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_a_member_journey_logs_json_lines_with_request_ids_and_no_personal_data(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, json_logs: io.StringIO
) -> None:
    # given a member whose email, name, handle and posts are canaries
    token = runtime.tokens.mint(EMAIL, [Scope.MEMBER])
    alice = {"Authorization": f"Bearer {token}"}
    archive = build_mastodon_archive(tmp_path, posts=2, texts=POSTS, handle=HANDLE, display_name=DISPLAY_NAME)
    # when they register, consent, import, read everything back, make a mistake, and a forger calls
    assert (await gql(client, REGISTER, alice))["data"]["register"]["__typename"] == "Registered"
    assert (await gql(client, CONSENT, alice))["data"]["grantConsent"]["__typename"] == "ConsentGranted"
    assert (await upload(client, alice, archive))["data"]["importArchive"]["imported"] == 2
    me = (await gql(client, ME, alice))["data"]["me"]
    assert [e["node"]["text"] for e in me["activities"]["edges"]] == list(reversed(POSTS))
    wrong = await client.post("/graphql", json={"query": f'{{ me {{ {HANDLE} }} }}'}, headers=alice)
    forged = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {BAD_TOKEN}"})
    # then every line is JSON with a request id, and nothing personal is in any of them
    assert wrong.status_code == 200
    assert forged.status_code == 401
    logged = json_logs.getvalue()
    for secret in (EMAIL, DISPLAY_NAME, HANDLE, *POSTS, token, BAD_TOKEN, "xylophone", "quokka"):
        assert secret not in logged
    records = lines(json_logs)
    assert all(HEX_ID.fullmatch(r["request_id"]) for r in records)
    access = [(r["method"], r["route"], r.get("operation"), r["status"])
              for r in records if r["logger"] == "renown.access"]
    assert access == [
        ("POST", "/graphql", "Register", 200),
        ("POST", "/graphql", "Consent", 200),
        ("POST", "/graphql", "anonymous", 200),  # the multipart import sends an unnamed operation
        ("POST", "/graphql", "MeAndActivities", 200),
        ("POST", "/graphql", "anonymous", 200),  # parsed, then refused by validation
        ("POST", "/graphql", None, 401),  # refused before GraphQL ran
    ]
    access_ids = [r["request_id"] for r in records if r["logger"] == "renown.access"]
    assert len(set(access_ids)) == 6
    assert access_ids[-1] == forged.headers["x-request-id"]
    client_error = [r for r in records if r["logger"] == "renown.api.graphql"]
    assert [(r["message"], r["request_id"]) for r in client_error] == [
        ("GraphQL client error GRAPHQL_VALIDATION_FAILED (operation None)", wrong.headers["x-request-id"])]


async def test_a_request_id_from_a_proxy_is_kept_and_a_malformed_one_replaced(client: httpx.AsyncClient) -> None:
    # given one well-formed and one malformed incoming request id
    kept = await client.get("/healthz", headers={"X-Request-Id": "lb-2f6c9a1e-0001"})
    replaced = await client.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
    # then the first is echoed and the second replaced by a fresh one
    assert kept.headers["x-request-id"] == "lb-2f6c9a1e-0001"
    assert HEX_ID.fullmatch(replaced.headers["x-request-id"])


def sample(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one series in a Prometheus text exposition, None when absent."""
    for line in exposition.splitlines():
        if line.startswith("#") or not line.startswith(name + "{"):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series[len(name):]))
        if found == labels:
            return float(value)
    return None


async def test_metrics_expose_latency_per_operation_job_durations_and_queue_depth(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    # given two queued jobs, one of which a worker runs, and a named operation
    async with runtime.uow() as uow:
        now = uow.now()
        await uow.jobs.enqueue("telemetry.probe", {}, at=now)
        await uow.jobs.enqueue("telemetry.waiting", {}, at=now, run_after=now.replace(year=now.year + 1))
        await uow.commit()

    async def probe(_: JobContext) -> None:
        return None

    before = (await client.get("/metrics")).text
    assert await Worker(runtime, {"telemetry.probe": JobHandler(probe)}).run_once() is True
    await gql(client, "query PolicyProbe { __typename }", bearer(runtime))
    await client.get("/healthz")
    # when Prometheus scrapes
    response = await client.get("/metrics")
    # then latency is recorded per operation (and per route outside GraphQL), with job durations and depth
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text = response.text

    def grew(name: str, **labels: str) -> float:
        return (sample(text, name, **labels) or 0.0) - (sample(before, name, **labels) or 0.0)

    assert grew("renown_request_duration_seconds_count", route="/graphql", operation="PolicyProbe") == 1.0
    assert grew("renown_request_duration_seconds_bucket", route="/graphql", operation="PolicyProbe", le="+Inf") == 1.0
    assert grew("renown_requests_total", route="/graphql", operation="PolicyProbe", status="200") == 1.0
    assert grew("renown_request_duration_seconds_count", route="/healthz", operation="") == 1.0
    assert grew("renown_job_duration_seconds_count", kind="telemetry.probe", outcome="done") == 1.0
    assert {status.value: sample(text, "renown_job_queue_depth", status=status.value) for status in JobStatus} == {
        "queued": 1.0, "running": 0.0, "done": 1.0, "dead": 0.0}
