"""Crash test of the real workflows: worker processes SIGKILLed at step boundaries and mid-step, through an
export and then an erasure; in the end, one export, one complete erasure, and no residue."""

from __future__ import annotations

import signal
from pathlib import Path
from uuid import UUID

from renown.app import Runtime
from renown.domain.jobs import JobStatus
from renown.domain.privacy import RequestKind, RequestStatus
from renown.jobs.erasure import ERASURE_STEPS
from renown.jobs.export import export_store
from renown.services import privacy
from renown.settings import Settings
from renown.storage.exports import ExportRepository
from tests.integration.backups import raw_bytes
from tests.jobs.population import full_member, plant_canaries
from tests.jobs.test_crash import start_worker, step_states, wait_for

EXPORT_CRASHES = ("mid:build_archive", "start:complete")
ERASURE_CRASHES = ("mid:delete_activities", "start:notify_recipients", "mid:delete_exports", "mid:suppress_handles",
                   "mid:shred_key", "mid:seal_key_epoch", "start:certify", "mid:complete")


async def crash_through(runtime: Runtime, settings: Settings, tmp_path: Path, request_id: UUID,
                        points: tuple[str, ...]) -> None:
    """Run workers that die at each point in turn, then one that finishes; wait until the queue is idle."""
    for _ in points:
        crashing = start_worker(settings, tmp_path, crash_at=",".join(points))
        _, stderr = crashing.communicate(timeout=180)
        assert crashing.returncode == -signal.SIGKILL, stderr.decode(errors="replace")[-2000:]
    worker = start_worker(settings, tmp_path)
    try:
        async def idle() -> bool:
            async with runtime.uow() as uow:
                request = await uow.privacy.get(request_id)
                busy = await uow.jobs.count(JobStatus.QUEUED) + await uow.jobs.count(JobStatus.RUNNING)
            return request is not None and request.status is RequestStatus.COMPLETED and busy == 0
        await wait_for(idle, seconds=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr.decode(errors="replace")[-2000:]
    fired = sorted(f.read_text() for f in tmp_path.iterdir() if f.name.startswith(("mid-", "start-")))
    assert set(points) <= set(fired)


async def test_export_then_erasure_survive_sigkill_at_every_chosen_point(
    runtime: Runtime, settings: Settings, database_url: str, tmp_path: Path,
) -> None:
    # given a member with canaries everywhere
    people = await full_member(runtime, tmp_path)
    planted = await plant_canaries(runtime, people.alice)
    # when an export runs through workers killed mid-build and before completing
    async with runtime.uow() as uow:
        export = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.EXPORT)
    await crash_through(runtime, settings, tmp_path, export.id, EXPORT_CRASHES)
    # then there is exactly one archive, recorded once
    store = export_store(settings)
    assert [f.name for f in store.files()] == [f"{export.id}.rnx"]
    async with runtime.uow() as uow:
        assert await ExportRepository(uow.connection).of_member(people.alice) == [export.id]
    assert set((await step_states(runtime, export.id)).values()) == {"done"}
    # when the erasure runs through workers killed at boundaries and mid-step
    async with runtime.uow() as uow:
        erasure = await privacy.submit_request(uow, member_id=people.alice, kind=RequestKind.ERASURE)
    await crash_through(runtime, settings, tmp_path, erasure.id, ERASURE_CRASHES)
    # then every step ran to done once, the certificate verifies, and no canary is left
    states = await step_states(runtime, erasure.id)
    assert states == {name: "done" for name in ["begin", "revoke_network_tokens", *(s.name for s in ERASURE_STEPS),
                                                 "complete"]}
    async with runtime.uow() as uow:
        done = await privacy.get_request(uow, request_id=erasure.id)
        transitions = [e.detail["to"] for e in await uow.audit.page(action="privacy_request.transition", first=50)
                       if e.detail["request_id"] == str(erasure.id)]
    assert done.result is not None
    assert runtime.tokens.verify_json(str(done.result["certificate"]))["erased"]["activities"] == 4
    assert sorted(transitions) == ["awaiting_grace", "completed", "in_progress"]
    after = await raw_bytes(runtime.engine, database_url, tmp_path)
    assert [key for key, canary in planted.items() if canary.encode() in after] == []
    assert store.files() == []
