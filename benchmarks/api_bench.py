"""`me { score topics }` over HTTP (uvicorn on 127.0.0.1) against a hand-written Starlette JSON endpoint.

Both run in one server, behind the same middleware, and are loaded in the same run, round after
round alternately, by 32 concurrent closed-loop clients (each a different member, so no rate-limit
bucket runs dry). The load generator (`benchmarks.http_load`: raw asyncio streams, keep-alive) is a
process of its own. Two set-ups are measured:

- `one_worker`: one server process pinned to CPU 0, the generator pinned to CPU 1 (no sharing);
- `two_workers`: two uvicorn worker processes (`renown serve --workers 2`'s way), sharing both CPUs
  with the generator.

The world is a SQLite file, or a PostgreSQL database when `RENOWN_BENCH_POSTGRES_URL` is set
(`benchmarks.scoring_world`); `database` in the result says which.

For each: requests per second and latency p50/p95/p99 of both endpoints (the round with the median
throughput, plus the worst p99 of all rounds), and the median throughput ratio over 7 rounds, each
endpoint first in every other round (`round_ratios` lists them all). In that closed loop
the server is saturated, so latency is mostly queueing: 32 clients over the throughput (Little's
law), whatever the code does per request. `paced` then sends both endpoints the same fixed rate, at
50% and 80% of GraphQL's closed-loop throughput, each client on its own schedule, and reports the
latency clients see at a load the server can carry, counted from each request's scheduled time.
`machine_noise` (`benchmarks.machine_noise`, run just before on the server's CPUs) says how often the
machine itself stalls plain Python, and for how long: no server's p99 on it can be lower. With two workers
the kernel hands each keep-alive connection to whichever worker accepts first (often all 32 to
one), so the generator balances them as a proxy in front would: it reconnects until each worker
holds its share, before the clock starts. `connections_per_worker` shows the split obtained.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from benchmarks.http_load import http_request
from benchmarks.scoring_world import World, shared_world
from renown.app import build_runtime
from renown.domain.scopes import Scope

CLIENTS = 32
REQUESTS = 2000
WARM_UP = 600
ROUNDS = 7  # this machine's speed swings by half within a minute: many short rounds, alternating, and medians
ME = ("query Me { me { score { value confidence calibrationVersion networks { network value } "
      "explanation { factors { name contribution inputs } hints } } topics { topic { slug name } level hidden } } }")
PACED_SHARES = (0.5, 0.8)  # open-loop rates, as shares of GraphQL's closed-loop throughput in the same run
PACED_SECONDS = 8
MARKER = '"calibrationVersion"'  # in every answer that carries a score, GraphQL or not


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def two_cpus() -> bool:
    return len(os.sched_getaffinity(0)) >= 2


@contextlib.contextmanager
def server(world: World, *, workers: int, cpus: str = "", profile: str | None = None) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.api_server", "--folder", str(world.folder), "--port", str(port),
               "--workers", str(workers)]
    if cpus:
        command += ["--cpus", cpus]
    if profile:
        command += ["--profile", profile]
    process = subprocess.Popen(command)  # noqa: S603 - our own module
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)


def load(port: int, tokens: list[str], *, graphql: bool, requests: int = REQUESTS, cpus: str = "",
         workers: int = 1, rate: float = 0.0) -> dict[str, Any]:
    """Run the load generator in its own process: `requests` answers over one connection per token,
    in a closed loop, or at `rate` requests per second when given."""
    wire = []
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}"}
        if graphql:
            body = json.dumps({"query": ME}).encode()
            wire.append(http_request("POST", "/graphql", body=body,
                                     headers={**headers, "Content-Type": "application/json"}))
        else:
            wire.append(http_request("GET", "/bench/me", headers=headers))
    plan = json.dumps({"wire": [w.decode("latin-1") for w in wire], "requests": requests, "expect": MARKER,
                       "workers": workers, "rate": rate})
    command = [sys.executable, "-m", "benchmarks.http_load", "--port", str(port)]
    if cpus:
        command += ["--cpus", cpus]
    done = subprocess.run(command, input=plan, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def machine_noise(cpus: str) -> dict[str, Any]:
    """`benchmarks.machine_noise` on the server's CPUs, with no server running: the machine's own stalls."""
    command = [sys.executable, "-m", "benchmarks.machine_noise"] + (["--cpus", cpus] if cpus else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["requests_per_s"])
    median = dict(ordered[len(ordered) // 2])
    median["p99_ms_worst_round"] = max(r["p99_ms"] for r in runs)
    return median


def measure(world: World, tokens: list[str], *, workers: int, server_cpus: str, client_cpus: str) -> dict[str, Any]:
    machine = machine_noise(server_cpus)
    with server(world, workers=workers, cpus=server_cpus) as port:
        for graphql in (True, False):  # warm both paths (caches, connection pool, vault keys) in every worker
            load(port, tokens, graphql=graphql, requests=WARM_UP, cpus=client_cpus, workers=workers)
        rounds = []
        for index in range(ROUNDS):  # each endpoint goes first in every other round: drift favours neither
            order = (True, False) if index % 2 == 0 else (False, True)
            answered = {graphql: load(port, tokens, graphql=graphql, cpus=client_cpus, workers=workers)
                        for graphql in order}
            rounds.append((answered[True], answered[False]))
        graphql = _summary([g for g, _ in rounds])
        paced = []
        for share in PACED_SHARES:
            rate = round(share * graphql["requests_per_s"])
            runs = {name: load(port, tokens, graphql=name == "graphql", requests=rate * PACED_SECONDS,
                               cpus=client_cpus, workers=workers, rate=rate)
                    for name in ("graphql", "baseline_starlette_json")}
            paced.append({"share_of_graphql_capacity": share, "rate_per_s": rate, **runs})
    return {
        "graphql": graphql,
        "baseline_starlette_json": _summary([j for _, j in rounds]),
        "ratio": round(statistics.median(g["requests_per_s"] / j["requests_per_s"] for g, j in rounds), 3),
        "round_ratios": sorted(round(g["requests_per_s"] / j["requests_per_s"], 3) for g, j in rounds),
        "paced": paced,
        "machine_noise": machine,
    }


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
    assert len(tokens) == CLIENTS
    pinned = two_cpus()
    return {
        "database": make_url(world.settings.effective_database_url).get_backend_name(),
        "clients": CLIENTS, "requests_per_round": REQUESTS, "rounds": ROUNDS,
        "one_worker": {"server_cpus": "0" if pinned else "any", "generator_cpus": "1" if pinned else "any",
                       **measure(world, tokens, workers=1, server_cpus="0" if pinned else "",
                                 client_cpus="1" if pinned else "")},
        "two_workers": {"server_cpus": "any", "generator_cpus": "any",
                        **measure(world, tokens, workers=2, server_cpus="", client_cpus="")},
        "goal": {"ratio": 0.5, "graphql_p99_ms": 50},
    }
