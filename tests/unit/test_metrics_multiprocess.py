"""`renown serve --workers N`: every worker's samples reach /metrics, summed; a stopped worker's gauges leave.

No server is started: two worker processes are simulated by two process ids writing to one
multiprocess directory, as prometheus_client's multiprocess mode does in each real worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import values
from prometheus_client.parser import text_string_to_metric_families

from renown.telemetry.metrics import (
    MULTIPROCESS_FOLDER,
    MULTIPROCESS_VARIABLE,
    Metrics,
    exposition,
    prepare_multiprocess_metrics,
    process_stopped,
)


def worker(monkeypatch: pytest.MonkeyPatch, pid: int) -> Metrics:
    """Renown's metrics as the worker process `pid` creates them in multiprocess mode."""
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda: pid))
    return Metrics(registry=None)


def samples() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    body, media_type = exposition()
    assert media_type.startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


@pytest.fixture
def multiprocess_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, "unset-by-the-test")
    monkeypatch.delenv(MULTIPROCESS_VARIABLE)  # restored (absent) after the test
    return prepare_multiprocess_metrics(tmp_path)


def test_two_workers_samples_are_summed_and_a_stopped_worker_gauges_leave(
    multiprocess_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = worker(monkeypatch, 101)
    first.observe_request(route="/graphql", operation="Me", status=200, seconds=0.004)
    first.set_queue_depth({"queued": 3})
    first.observe_job(kind="export", outcome="done", seconds=2.0)
    second = worker(monkeypatch, 202)
    second.observe_request(route="/graphql", operation="Me", status=200, seconds=0.2)
    second.observe_request(route="/graphql", operation="Me", status=400, seconds=0.001)
    second.set_queue_depth({"queued": 5})

    found = samples()
    assert value(found, "renown_requests_total", route="/graphql", operation="Me", status="200") == 2.0
    assert value(found, "renown_requests_total", route="/graphql", operation="Me", status="400") == 1.0
    latency = "renown_request_duration_seconds"
    assert value(found, f"{latency}_count", route="/graphql", operation="Me") == 3.0
    assert value(found, f"{latency}_bucket", route="/graphql", operation="Me", le="0.0025") == 1.0
    assert value(found, f"{latency}_bucket", route="/graphql", operation="Me", le="0.005") == 2.0
    assert value(found, f"{latency}_bucket", route="/graphql", operation="Me", le="0.25") == 3.0
    assert value(found, f"{latency}_sum", route="/graphql", operation="Me") == pytest.approx(0.205)
    assert value(found, "renown_job_duration_seconds_count", kind="export", outcome="done") == 1.0
    assert value(found, "renown_job_queue_depth", status="queued") == 5.0  # the worker that read it last

    process_stopped(202)
    found = samples()
    assert value(found, "renown_job_queue_depth", status="queued") == 3.0  # only live workers' gauges
    assert value(found, "renown_requests_total", route="/graphql", operation="Me", status="200") == 2.0
    process_stopped(101)
    found = samples()
    assert value(found, "renown_job_queue_depth", status="queued") is None
    assert value(found, f"{latency}_count", route="/graphql", operation="Me") == 3.0  # counts outlive workers


def test_a_new_run_starts_from_an_empty_directory_under_var_dir(
    multiprocess_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert multiprocess_dir == multiprocess_dir.parent / MULTIPROCESS_FOLDER
    worker(monkeypatch, 303).observe_request(route="/healthz", operation="", status=200, seconds=0.001)
    assert value(samples(), "renown_requests_total", route="/healthz", operation="", status="200") == 1.0
    (multiprocess_dir / "notes.txt").write_text("an operator's file")

    monkeypatch.delenv(MULTIPROCESS_VARIABLE)
    assert prepare_multiprocess_metrics(multiprocess_dir.parent) == multiprocess_dir  # the next `serve`

    assert sorted(p.name for p in multiprocess_dir.iterdir()) == ["notes.txt"]  # samples gone, nothing else
    assert value(samples(), "renown_requests_total", route="/healthz", operation="", status="200") is None


def test_an_operators_directory_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = tmp_path / "chosen"
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, str(chosen))
    assert prepare_multiprocess_metrics(tmp_path / "var") == chosen
    assert chosen.is_dir()
    assert not (tmp_path / "var" / MULTIPROCESS_FOLDER).exists()


def test_one_process_serves_its_own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS_VARIABLE, raising=False)
    body, _ = exposition()
    assert b"renown_request_duration_seconds" in body
    process_stopped()  # nothing to do without a multiprocess directory
