"""Prometheus metrics: request latency per GraphQL operation or route, job durations, queue depth.

One process: the metrics live in the process-wide default registry, as Prometheus clients expect.
Several worker processes (`renown serve --workers N`): prometheus_client's multiprocess mode. The
server prepares a directory before the workers start (`prepare_multiprocess_metrics`), every worker
writes its samples to its own files there, `/metrics` aggregates all of them whichever worker
answers, and a worker that stops removes its live gauges (`mark_process_dead`). Label values are
bounded so a client cannot grow the number of series.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
MAX_OPERATION_NAMES = 256
OTHER = "other"
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
MULTIPROCESS_FOLDER = "prometheus-multiproc"


class Metrics:
    """Renown's metrics, registered in `registry` (None: unregistered, as tests build them)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.request_latency = Histogram(
            "renown_request_duration_seconds",
            "Time to answer an HTTP request, by route template and GraphQL operation name.",
            ("route", "operation"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            "renown_requests",
            "HTTP requests answered, by route template, GraphQL operation name and status code.",
            ("route", "operation", "status"),
            registry=registry,
        )
        self.job_duration = Histogram(
            "renown_job_duration_seconds",
            "Time a worker spent on one attempt of a job, by job kind and where the job ended up.",
            ("kind", "outcome"),
            buckets=JOB_BUCKETS,
            registry=registry,
        )
        # Across worker processes: the value of the process that read it last, among live ones.
        self.queue_depth = Gauge(
            "renown_job_queue_depth", "Jobs in the queue table by status, read at scrape time.", ("status",),
            registry=registry, multiprocess_mode="livemostrecent",
        )

    def observe_request(self, *, route: str, operation: str, status: int, seconds: float) -> None:
        self.request_latency.labels(route, operation).observe(seconds)
        self.requests.labels(route, operation, str(status)).inc()

    def observe_job(self, *, kind: str, outcome: str, seconds: float) -> None:
        self.job_duration.labels(kind, outcome).observe(seconds)

    def set_queue_depth(self, depth: Mapping[str, int]) -> None:
        for status, count in depth.items():
            self.queue_depth.labels(status).set(count)


METRICS = Metrics(REGISTRY)
REQUEST_LATENCY = METRICS.request_latency
REQUESTS = METRICS.requests
JOB_DURATION = METRICS.job_duration
QUEUE_DEPTH = METRICS.queue_depth


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
    METRICS.observe_request(route=route, operation=operation, status=status, seconds=seconds)


def observe_job(*, kind: str, outcome: str, seconds: float) -> None:
    """Record one job attempt; `outcome` is the job status it ended in (done, queued, dead, …)."""
    METRICS.observe_job(kind=kind, outcome=outcome, seconds=seconds)


def set_queue_depth(depth: Mapping[str, int]) -> None:
    """Publish the number of jobs per status."""
    METRICS.set_queue_depth(depth)


def multiprocess_directory() -> Path | None:
    """The multiprocess directory this process writes its samples to, None in single-process mode."""
    value = os.environ.get(MULTIPROCESS_VARIABLE)
    return Path(value) if value else None


def prepare_multiprocess_metrics(var_dir: Path) -> Path:
    """Before worker processes start: an empty samples directory, named in the environment they inherit.

    An operator's own $PROMETHEUS_MULTIPROC_DIR is kept; otherwise it is `var_dir/prometheus-multiproc`.
    Samples of an earlier run are removed either way, or its counters would carry over into this one.
    Call it before the workers import prometheus_client: the variable is read when metrics are created.
    """
    directory = multiprocess_directory() or var_dir / MULTIPROCESS_FOLDER
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_VARIABLE] = str(directory)
    return directory


def process_stopped(pid: int | None = None) -> None:
    """A worker process is stopping: drop its live gauges (its counters and histograms stay summed)."""
    directory = multiprocess_directory()
    if directory is not None:
        prometheus_multiprocess.mark_process_dead(  # type: ignore[no-untyped-call]
            os.getpid() if pid is None else pid, str(directory))


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (of every worker process, in multiprocess mode), and its type."""
    directory = multiprocess_directory()
    if directory is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
