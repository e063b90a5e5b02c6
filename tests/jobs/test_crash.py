"""Crash tests: a worker process SIGKILLed inside a workflow; the restarted worker finishes it exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.settings import Settings
from renown.storage.tables import metadata
from tests.jobs.crash_worker import CRASH_WORKFLOW
from tests.jobs.helpers import effects, job_row

SCRIPT = Path(__file__).with_name("crash_worker.py")
STEPS = metadata.tables["job_step"]
LEASE_SECONDS = 2
ALL_EFFECTS = ["effect.one", "effect.two", "effect.three"]


def start_worker(
    settings: Settings, tmp_path: Path, *, crash_at: str = "", step_seconds: float = 0,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RENOWN_DATABASE_URL": settings.effective_database_url,
        "RENOWN_VAR_DIR": str(settings.var_dir),
        "RENOWN_POLICIES_DIR": str(settings.policies_dir),
        "RENOWN_ENVIRONMENT": "development",
        "RENOWN_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "RENOWN_TEST_CRASH_AT": crash_at,
        "RENOWN_TEST_CRASH_MARKERS": str(tmp_path),
        "RENOWN_TEST_STEP_SECONDS": str(step_seconds),
    }
    return subprocess.Popen([sys.executable, str(SCRIPT)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def enqueue_crash_job(runtime: Runtime) -> UUID:
    async with runtime.uow() as uow:
        job_id = await uow.jobs.enqueue(CRASH_WORKFLOW.kind, {}, at=uow.now(), max_attempts=10)
        await uow.commit()
    return job_id


async def wait_for(predicate: Callable[[], Awaitable[bool]], *, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def step_states(runtime: Runtime, job_id: UUID) -> dict[str, str]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(STEPS.c.step, STEPS.c.status).where(STEPS.c.job_id == job_id))
        return {r.step: r.status for r in rows}


async def finish_with_a_fresh_worker(runtime: Runtime, settings: Settings, tmp_path: Path, job_id: UUID) -> None:
    worker = start_worker(settings, tmp_path)
    try:
        async def done() -> bool:
            status: str = (await job_row(runtime, job_id)).status
            return status == "done"
        await wait_for(done)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr.decode(errors="replace")[-2000:]


CRASH_POINTS = ("mid:one", "start:two", "mid:two", "start:three", "mid:three")


async def test_a_worker_killed_at_every_step_boundary_and_mid_step_finishes_each_step_once(
    runtime: Runtime, settings: Settings, tmp_path: Path,
) -> None:
    # given a three-step workflow, and worker processes that SIGKILL themselves at each point in turn
    job_id = await enqueue_crash_job(runtime)
    for point in CRASH_POINTS:
        # when a worker runs until it is killed there
        crashing = start_worker(settings, tmp_path, crash_at=",".join(CRASH_POINTS))
        _, stderr = crashing.communicate(timeout=120)
        assert crashing.returncode == -signal.SIGKILL, stderr.decode(errors="replace")[-2000:]
        # then the job is still leased to the dead worker, and the step it died in is not done
        assert (await job_row(runtime, job_id)).status == "running"
        assert (await step_states(runtime, job_id)).get(point.split(":")[1]) == "running"
    # when a worker that does not crash starts
    await finish_with_a_fresh_worker(runtime, settings, tmp_path, job_id)
    # then the workflow completed, and every step's effect is there exactly once
    assert await effects(runtime) == ALL_EFFECTS
    assert await step_states(runtime, job_id) == {"one": "done", "two": "done", "three": "done"}
    assert (await job_row(runtime, job_id)).attempts == len(CRASH_POINTS) + 1


async def test_a_worker_killed_from_outside_mid_step_is_resumed_exactly_once(
    runtime: Runtime, settings: Settings, tmp_path: Path,
) -> None:
    # given a worker whose steps each take a second inside their transaction
    job_id = await enqueue_crash_job(runtime)
    victim = start_worker(settings, tmp_path, step_seconds=1.0)

    async def in_step_two() -> bool:
        return (await step_states(runtime, job_id)).get("two") == "running"

    # when it is SIGKILLed while step two runs
    await wait_for(in_step_two)
    await asyncio.sleep(0.3)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    assert await effects(runtime) == ["effect.one"]
    # and a new worker takes over
    await finish_with_a_fresh_worker(runtime, settings, tmp_path, job_id)
    # then step two's interrupted effect was rolled back and redone once
    assert await effects(runtime) == ALL_EFFECTS


async def test_sigterm_lets_the_current_step_finish_and_releases_the_job(
    runtime: Runtime, settings: Settings, tmp_path: Path,
) -> None:
    # given a worker in the middle of step one
    job_id = await enqueue_crash_job(runtime)
    worker = start_worker(settings, tmp_path, step_seconds=1.0)

    async def in_step_one() -> bool:
        return (await step_states(runtime, job_id)).get("one") == "running"

    await wait_for(in_step_one)
    # when it receives SIGTERM
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=30)
    # then it exits cleanly after finishing step one, and the job waits, unleased, for the next worker
    assert worker.returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert await step_states(runtime, job_id) == {"one": "done"}
    row = await job_row(runtime, job_id)
    assert (row.status, row.lease_owner, row.attempts) == ("queued", None, 0)
    assert await effects(runtime) == ["effect.one"]
