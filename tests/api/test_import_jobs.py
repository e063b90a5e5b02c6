"""Large archives import as a background job: queued sealed, run by the worker, followed through `importJob`."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from renown.app import Runtime, archive_limits
from renown.connectors.registry import PARSERS
from renown.domain.import_jobs import IMPORT_JOB_KIND, ImportJobState
from renown.domain.jobs import Backoff, Job
from renown.jobs.imports import import_handler
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.jobs.workflow import JobContext, JobHandler
from renown.services.import_jobs import ProgressBoard
from renown.settings import Settings
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql
from tests.archives import build_mastodon_archive, zip_bytes

ACTIVITIES, JOBS = metadata.tables["activity"], metadata.tables["job"]
SETUP = """mutation {
  register(ageBracket: ADULT, displayName: "Alice Example") { __typename }
  grantConsent(purpose: SCORING, network: MASTODON) { __typename }
}"""
IMPORT = """mutation($file: Upload!) {
  importArchive(network: MASTODON, file: $file) {
    __typename
    ... on ImportQueued { job { id status progress activitiesDone activitiesTotal } }
    ... on ArchiveImported { imported skipped }
    ... on RequestRefused { code }
  }
}"""
JOB = """query($id: ID!) {
  importJob(id: $id) {
    __typename
    ... on ImportJob { status progress activitiesDone activitiesTotal imported skipped coverage error { code message } }
    ... on RequestRefused { code }
  }
}"""
ACCOUNTS = "{ me { accounts { network } } }"
CANARY = "Seedling canary"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Any archive above 4 KiB takes the job path."""
    return settings.model_copy(update={"import_job_threshold_bytes": 4096})


async def send(client: httpx.AsyncClient, headers: dict[str, str], path: Path) -> dict[str, Any]:
    operations = json.dumps({"query": IMPORT, "variables": {"file": None}})
    with path.open("rb") as handle:
        response = await client.post(
            "/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (path.name, handle, "application/octet-stream")},
            headers={**headers, "Apollo-Require-Preflight": "true"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["importArchive"]
    return result


async def job_of(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gql(client, JOB, headers, {"id": job_id}))["data"]["importJob"]
    return result


async def run_worker(runtime: Runtime, handlers: dict[str, JobHandler] | None = None,
                     backoff: Backoff = Backoff()) -> None:  # noqa: B008 - immutable
    worker = Worker(runtime, handlers or default_handlers(runtime), backoff=backoff)
    while await worker.run_once():
        pass


async def stored_activities(runtime: Runtime) -> int:
    async with runtime.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(ACTIVITIES))).scalar_one())


def spool_files(runtime: Runtime) -> list[str]:
    folder = runtime.settings.var_dir / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class WatchedBoard(ProgressBoard):
    """Reads the job through the API each time the worker publishes progress, as a polling client would."""

    def __init__(self, ctx: JobContext, client: httpx.AsyncClient, headers: dict[str, str], seen: list[Any]) -> None:
        super().__init__(ctx.uow, ctx.env.settings.var_dir / "uploads")
        self.client, self.headers, self.seen = client, headers, seen

    async def publish(self, job: Job, state: ImportJobState) -> None:
        await super().publish(job, state)
        read = await job_of(self.client, self.headers, str(job.id))
        self.seen.append((read["status"], read["activitiesDone"], read["activitiesTotal"]))


async def test_a_large_archive_is_queued_sealed_and_imported_by_the_worker_with_progress(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a member with consent and an archive of 2,500 posts, past the job threshold
    alice = bearer(runtime)
    await gql(client, SETUP, alice)
    archive = build_mastodon_archive(tmp_path, posts=2500, texts=[CANARY])
    # when they upload it
    queued = await send(client, alice, archive)
    # then it is queued, not imported: nothing is stored yet and its spool is sealed (no plaintext on disk)
    assert queued["__typename"] == "ImportQueued"
    job_id = queued["job"]["id"]
    assert queued["job"] == {"id": job_id, "status": "QUEUED", "progress": 0.0, "activitiesDone": 0,
                             "activitiesTotal": None}
    assert spool_files(runtime) == [f"import-{job_id}.spool"]
    sealed = (runtime.settings.var_dir / "uploads" / f"import-{job_id}.spool").read_bytes()
    assert sealed[:4] == b"RNI1"
    assert CANARY.encode() not in sealed
    assert await stored_activities(runtime) == 0
    # when the worker runs it, with a client polling the job at every published progress
    seen: list[Any] = []
    handlers = {**default_handlers(runtime), IMPORT_JOB_KIND: import_handler(
        PARSERS, archive_limits(runtime.settings), board=lambda ctx: WatchedBoard(ctx, client, alice, seen))}
    await run_worker(runtime, handlers)
    # then the client saw it start, count, and advance batch by batch before the import committed
    assert seen[:3] == [("RUNNING", 0, None), ("RUNNING", 0, 2500), ("RUNNING", 1000, 2500)]
    assert seen[-1] == ("RUNNING", 2500, 2500)
    # and the job ends done at the total, with the summary, every post stored and the spool gone
    assert await job_of(client, alice, job_id) == {
        "__typename": "ImportJob", "status": "DONE", "progress": 1.0, "activitiesDone": 2500,
        "activitiesTotal": 2500, "imported": 2500, "skipped": 0, "coverage": ["following", "own_posts"],
        "error": None}
    assert await stored_activities(runtime) == 2500
    assert spool_files(runtime) == []


async def test_another_member_cannot_read_the_job(client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path) -> None:
    # given Alice's queued import, and Bob, another member
    alice, bob = bearer(runtime), bearer(runtime, "bob@example.org")
    await gql(client, SETUP, alice)
    await gql(client, SETUP, bob)
    job_id = (await send(client, alice, build_mastodon_archive(tmp_path, posts=200)))["job"]["id"]
    # when Bob asks for it (and for ids that are no job at all)
    # then he gets NOT_FOUND, exactly as for a job that never existed
    assert await job_of(client, bob, job_id) == {"__typename": "RequestRefused", "code": "NOT_FOUND"}
    assert await job_of(client, bob, "0190c7a2-0000-7000-8000-000000000000") == {
        "__typename": "RequestRefused", "code": "NOT_FOUND"}
    assert await job_of(client, bob, "not-a-job") == {"__typename": "RequestRefused", "code": "NOT_FOUND"}
    assert (await job_of(client, alice, job_id))["status"] == "QUEUED"


async def test_a_malformed_archive_on_the_job_path_stores_nothing_and_reports_its_code(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a large archive whose outbox breaks off near its end
    alice = bearer(runtime)
    await gql(client, SETUP, alice)
    with zipfile.ZipFile(build_mastodon_archive(tmp_path, posts=300, fmt="zip")) as source:
        actor, outbox = source.read("actor.json"), source.read("outbox.json")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(zip_bytes({"actor.json": actor, "outbox.json": outbox[: len(outbox) - 40]}))
    job_id = (await send(client, alice, broken))["job"]["id"]
    # when the worker runs it
    await run_worker(runtime)
    # then the import failed with the archive's code, stored nothing, and left nothing on disk
    assert await job_of(client, alice, job_id) == {
        "__typename": "ImportJob", "status": "FAILED", "progress": 0.0, "activitiesDone": 0,
        "activitiesTotal": None, "imported": 0, "skipped": 0, "coverage": [],
        "error": {"code": "ARCHIVE_MALFORMED", "message": "an archive file is not valid JSON"}}
    assert (await gql(client, ACCOUNTS, alice))["data"]["me"]["accounts"] == []
    assert await stored_activities(runtime) == 0
    assert spool_files(runtime) == []
    # and the refusal is final: the job is not retried
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(JOBS.c.status, JOBS.c.attempts).where(JOBS.c.kind == "import"))).one()
    assert (row.status, row.attempts) == ("done", 1)


async def test_a_job_that_keeps_failing_for_other_reasons_ends_failed_and_cleans_up(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    # given a queued import whose sealed spool the worker cannot open (lost disk, say)
    alice = bearer(runtime)
    await gql(client, SETUP, alice)
    job_id = (await send(client, alice, build_mastodon_archive(tmp_path, posts=200)))["job"]["id"]
    spool = runtime.settings.var_dir / "uploads" / f"import-{job_id}.spool"
    spool.rename(tmp_path / "elsewhere.spool")
    # when the worker has tried it as often as it may
    await run_worker(runtime, backoff=Backoff(base=timedelta(0)))
    # then the import is failed with a code of ours, nothing stored, nothing left behind
    job = await job_of(client, alice, job_id)
    assert (job["status"], job["error"]["code"], job["imported"]) == ("FAILED", "IMPORT_FAILED", 0)
    assert await stored_activities(runtime) == 0
    assert spool_files(runtime) == []


async def test_without_consent_a_large_archive_is_refused_at_once_and_not_spooled(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    alice = bearer(runtime)
    await gql(client, 'mutation { register(ageBracket: ADULT) { __typename } }', alice)
    result = await send(client, alice, build_mastodon_archive(tmp_path, posts=200))
    assert result == {"__typename": "RequestRefused", "code": "CONSENT_REQUIRED"}
    assert spool_files(runtime) == []
