"""`me { score topics }` over HTTP (uvicorn on 127.0.0.1) against a hand-written Starlette JSON endpoint.

Both run in one server process, behind the same middleware, and are loaded in the same run by 32
concurrent clients (each a different member, so no rate-limit bucket runs dry), a bounded number of
requests each; the figures are throughput, the latency p50 and p99, and the throughput ratio.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

from benchmarks.scoring_world import World, shared_world
from renown.app import build_runtime
from renown.domain.scopes import Scope

CLIENTS = 32
REQUESTS = 1600
ME = ("query Me { me { score { value confidence calibrationVersion networks { network value } "
      "explanation { factors { name contribution inputs } hints } } topics { topic { slug name } level hidden } } }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def server(world: World) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "benchmarks.api_server", "--folder", str(world.folder), "--port", str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def load(base: str, tokens: list[str], *, graphql: bool, requests: int = REQUESTS) -> dict[str, float]:
    """Send `requests` requests from one client per token, concurrently; requests per second and latencies."""
    latencies: list[float] = []
    remaining = requests
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:

        async def worker(token: str) -> None:
            nonlocal remaining
            headers = {"Authorization": f"Bearer {token}"}
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                if graphql:
                    response = await client.post("/graphql", json={"query": ME}, headers=headers)
                else:
                    response = await client.get("/bench/me", headers=headers)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                assert response.json()["data"]["me"]["score"] is not None

        started = time.perf_counter()
        await asyncio.gather(*(worker(t) for t in tokens))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2)}


async def me_over_http(size: int) -> dict[str, Any]:
    """Throughput and tail latency of `me { score topics }` vs the hand-written endpoint, same rows, same run."""
    world = await shared_world()
    runtime = build_runtime(world.settings)
    try:
        async with runtime.uow() as uow:
            scored = [m for m in world.ids if await uow.scores.latest(m) is not None][:CLIENTS]
            subjects = [await uow.members.subject_of(m) for m in scored]
        tokens = [runtime.tokens.mint(s, [Scope.MEMBER]) for s in subjects]
    finally:
        await runtime.close()
    with server(world) as base:
        await load(base, tokens, graphql=True, requests=200)  # warm both paths up
        await load(base, tokens, graphql=False, requests=200)
        rounds = [(await load(base, tokens, graphql=True), await load(base, tokens, graphql=False)) for _ in range(2)]
    best_graphql = max((r[0] for r in rounds), key=lambda r: r["requests_per_s"])
    best_json = max((r[1] for r in rounds), key=lambda r: r["requests_per_s"])
    return {
        "clients": CLIENTS, "requests": REQUESTS, "graphql": best_graphql, "baseline_starlette_json": best_json,
        "ratio": round(statistics.median(g["requests_per_s"] / j["requests_per_s"] for g, j in rounds), 3),
        "goal": {"ratio": 0.5},
    }
