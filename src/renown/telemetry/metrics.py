"""Prometheus metrics: request latency per GraphQL operation or route, job durations, queue depth.

The metrics live in the process-wide default registry, as Prometheus clients expect: one process,
one set of series. Label values are bounded so a client cannot grow the number of series.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
MAX_OPERATION_NAMES = 256
OTHER = "other"

REQUEST_LATENCY = Histogram(
    "renown_request_duration_seconds",
    "Time to answer an HTTP request, by route template and GraphQL operation name.",
    ("route", "operation"),
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "renown_requests",
    "HTTP requests answered, by route template, GraphQL operation name and status code.",
    ("route", "operation", "status"),
)
JOB_DURATION = Histogram(
    "renown_job_duration_seconds",
    "Time a worker spent on one attempt of a job, by job kind and where the job ended up.",
    ("kind", "outcome"),
    buckets=JOB_BUCKETS,
)
QUEUE_DEPTH = Gauge("renown_job_queue_depth", "Jobs in the queue table by status, read at scrape time.", ("status",))


class OperationNames:
    """Admits the first `limit` distinct operation names as label values; later ones count as `other`."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str) -> str:
        """The label value to use for an operation name."""
        if name in self._seen:
            return name
        with self._lock:
            if len(self._seen) < self._limit:
                self._seen.add(name)
                return name
        return OTHER


OPERATION_NAMES = OperationNames()


def observe_request(*, route: str, operation: str, status: int, seconds: float) -> None:
    """Record one answered HTTP request."""
    REQUEST_LATENCY.labels(route, operation).observe(seconds)
    REQUESTS.labels(route, operation, str(status)).inc()


def observe_job(*, kind: str, outcome: str, seconds: float) -> None:
    """Record one job attempt; `outcome` is the job status it ended in (done, queued, dead, …)."""
    JOB_DURATION.labels(kind, outcome).observe(seconds)


def set_queue_depth(depth: Mapping[str, int]) -> None:
    """Publish the number of jobs per status."""
    for status, count in depth.items():
        QUEUE_DEPTH.labels(status).set(count)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
