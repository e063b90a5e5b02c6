"""A cheap closed-loop HTTP/1.1 load generator: raw asyncio streams, keep-alive, one connection per client.

    python -m benchmarks.http_load --port PORT [--cpus 1] < plan.json

The plan (JSON on stdin) names the requests: one pre-encoded request per client, sent over and
over on that client's connection. Without a `rate`, each is sent as soon as the previous answer is
read (closed loop: the server's full speed, and latency is then mostly queueing, 32 clients over its
throughput). With `rate` (requests per second, all clients together), each client sends on a fixed
schedule, staggered from the others, and latency counts from the scheduled time, so an answer that
comes late also delays the next one's clock (no coordinated omission, as in wrk2).
The generator costs tens of microseconds a request (no HTTP client library, no JSON parsing of
answers beyond a status check and a marker), so on a shared machine it takes little CPU from the
server. It prints one JSON object: requests per second and latency percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

MAX_RECONNECTS = 200


@dataclass(frozen=True)
class Plan:
    """`requests` total answers to collect, spread over one connection per entry of `wire`."""

    host: str
    port: int
    wire: list[bytes]
    requests: int
    expect: bytes  # a marker every answer body must contain
    workers: int = 1  # server processes to spread the connections over evenly
    rate: float = 0.0  # requests per second over all clients; 0 runs a closed loop


def http_request(method: str, path: str, *, headers: dict[str, str], body: bytes = b"") -> bytes:
    """The bytes of one keep-alive HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    """Status, body and the `x-bench-worker` header (empty when absent) of one answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    worker = b""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"x-bench-worker":
            worker = value.strip()
    if length < 0:
        raise RuntimeError("answers must carry a Content-Length")
    body = await reader.readexactly(length)
    return status, body, worker


async def run(plan: Plan) -> dict[str, Any]:
    """Drive the plan and summarise it."""
    latencies: list[float] = []
    remaining = plan.requests
    failures: list[str] = []
    connections: Counter[bytes] = Counter()  # worker process -> connections it answered

    share = -(-len(plan.wire) // plan.workers)  # connections each worker should hold

    async def connect(wire: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to a worker still below its share (what a balancer in front would do), if one answers."""
        for _ in range(MAX_RECONNECTS):
            reader, writer = await asyncio.open_connection(plan.host, plan.port)
            writer.write(wire)  # an unmeasured first request names the worker
            _, _, worker = await _read_answer(reader)
            if connections[worker] < share or plan.workers == 1:
                connections[worker] += 1
                return reader, writer
            writer.close()
        connections[worker] += 1
        return reader, writer

    interval = len(plan.wire) / plan.rate if plan.rate else 0.0  # seconds between one client's requests

    async def client(index: int, wire: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal remaining
        due = begun + interval * index / len(plan.wire)
        try:
            while remaining > 0:
                remaining -= 1
                if interval:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    started, due = due, due + interval
                else:
                    started = time.perf_counter()
                writer.write(wire)
                status, body, _ = await _read_answer(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or plan.expect not in body:
                    failures.append(f"{status}: {body[:300]!r}")
                    return
        finally:
            writer.close()

    links = await asyncio.gather(*(connect(w) for w in plan.wire))
    begun = time.perf_counter()
    await asyncio.gather(*(client(i, w, reader, writer)
                           for i, (w, (reader, writer)) in enumerate(zip(plan.wire, links, strict=True))))
    elapsed = time.perf_counter() - begun
    if failures:
        raise RuntimeError(f"{len(failures)} bad answers, first: {failures[0]}")
    ordered = sorted(latencies)
    return {
        "requests_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "connections_per_worker": sorted(connections.values(), reverse=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpus", default="", help="comma-separated CPUs to pin this process to")
    args = parser.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    spec = json.load(sys.stdin)
    plan = Plan("127.0.0.1", args.port, [w.encode("latin-1") for w in spec["wire"]], int(spec["requests"]),
                spec["expect"].encode(), int(spec.get("workers", 1)), float(spec.get("rate", 0.0)))
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up

        result = uvloop.run(run(plan))
    except ImportError:
        result = asyncio.run(run(plan))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
