"""Imports too large to run inside a request: a sealed spool, a queued job, progress its member can read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from renown.domain.activity import Network, ParsedArchive
from renown.domain.errors import NotFound, RenownError
from renown.domain.import_jobs import IMPORT_JOB_KIND, ImportJobState
from renown.domain.jobs import Job, JobStatus, error_label
from renown.services.consent_gate import ConsentGate
from renown.services.imports import import_archive
from renown.storage.ids import new_id
from renown.storage.spool import seal_file, unseal_file
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

UowFactory = Callable[[], SqlUnitOfWork]
ParseArchive = Callable[[Network, Path], ParsedArchive]


class ImportJobFailed(RenownError):
    """The import job used up its attempts on failures that were not the archive's."""

    code = "IMPORT_FAILED"


@dataclass(frozen=True, slots=True)
class QueuedImport:
    """An archive accepted for a background import; its job id is how its member follows it."""

    job_id: UUID
    state: ImportJobState


def spool_path(folder: Path, job_id: UUID) -> Path:
    return folder / f"import-{job_id}.spool"


async def queue_import(
    uow_factory: UowFactory, *, member_id: UUID, network: Network, archive: Path, folder: Path
) -> QueuedImport:
    """Seal an uploaded archive under its member's key and enqueue its import; refuse it now without consent."""
    job_id = new_id()
    async with uow_factory() as uow:
        await ConsentGate.of(uow).require_ingestion(uow, member_id=member_id, network=network)
        cipher = await uow.vault.load(uow.connection, member_id)
    sealed = spool_path(folder, job_id)
    await asyncio.to_thread(seal_file, archive, sealed, cipher, job_id)
    state = ImportJobState()
    # The payload names the member by id only; what the archive holds stays in the sealed spool.
    payload = {"member_id": str(member_id), "network": network.value, "state": state.to_payload()}
    try:
        async with uow_factory() as uow:
            await uow.jobs.enqueue(IMPORT_JOB_KIND, payload, at=uow.now(), job_id=job_id, max_attempts=3)
            await uow.commit()
    except BaseException:
        sealed.unlink(missing_ok=True)
        raise
    return QueuedImport(job_id, state)


class ProgressBoard:
    """Where a running import publishes its progress so readers see it before the import commits.

    PostgreSQL: the job's row, in a transaction of its own. SQLite lets one connection write at a time
    and the import holds that lock until it commits, so there progress goes to a small file beside the
    spool instead (an SQLite deployment is one host, so the API reads the same folder).
    """

    def __init__(self, uow_factory: UowFactory, folder: Path) -> None:
        self.uow_factory = uow_factory
        self.folder = folder

    def _file(self, job_id: UUID) -> Path:
        return self.folder / f"import-{job_id}.progress"

    async def publish(self, job: Job, state: ImportJobState) -> None:
        uow = self.uow_factory()
        if uow.engine.dialect.name == "postgresql":
            async with uow:
                await uow.jobs.set_payload(job.id, {**job.payload, "state": state.to_payload()})
                await uow.commit()
            return
        target, draft = self._file(job.id), self.folder / f"import-{job.id}.progress.part"
        draft.write_text(json.dumps(state.to_payload()), encoding="utf-8")  # noqa: ASYNC240 - a few bytes
        os.replace(draft, target)

    def overlay(self, job_id: UUID, state: ImportJobState) -> ImportJobState:
        """The freshest progress of an unfinished import: the file's, where there is one."""
        try:
            data = json.loads(self._file(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return state
        return ImportJobState.from_payload(data)

    def clear(self, job_id: UUID) -> None:
        self._file(job_id).unlink(missing_ok=True)


class _Reporter:
    """Adds each stored batch to the state and publishes it without holding up the import."""

    def __init__(self, publish: Callable[[ImportJobState], Awaitable[None]], state: ImportJobState) -> None:
        self.state = state
        self._publish = publish
        self._task: asyncio.Future[None] | None = None
        self._again = False

    def __call__(self, activities: int) -> None:
        self.state = self.state.advanced(activities)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._flush())
        else:
            self._again = True  # the running publish picks up the newest state when it ends

    async def _flush(self) -> None:
        while True:
            self._again = False
            try:
                await self._publish(self.state)
            except Exception as error:  # noqa: BLE001 - progress is advisory; the import goes on
                logger.warning("import progress not published: %s", error_label(error))
            if not self._again:
                return

    async def drain(self) -> None:
        """Wait for the last publish, so none lands after the outcome is recorded."""
        if self._task is not None:
            await self._task


async def import_job_state(
    uow: SqlUnitOfWork, *, member_id: UUID, job_id: UUID, board: ProgressBoard
) -> ImportJobState:
    """The state of one of the member's import jobs; NotFound for anyone else's, as for one that never was."""
    job = await uow.jobs.get(job_id)
    if job is None or job.kind != IMPORT_JOB_KIND or job.payload.get("member_id") != str(member_id):
        raise NotFound("no such import job")
    state = ImportJobState.from_payload(job.payload.get("state"))
    if state.finished:
        return state
    if job.status is JobStatus.DEAD:
        failure = ImportJobFailed("the import could not be completed; nothing was stored")
        return state.failed(failure.code, failure.message)
    if job.status is JobStatus.RUNNING:
        return board.overlay(job_id, state.running())
    return state


async def run_import_job(
    uow_factory: UowFactory, job: Job, *, parse: ParseArchive, folder: Path, board: ProgressBoard
) -> ImportJobState:
    """Unseal, count, then import a queued archive in one transaction; record the outcome and delete the spool.

    A refused archive (a typed error) ends the import `failed` with its code; any other error is left to the
    worker to retry, with the sealed spool kept for the next attempt.
    """
    member_id, network = UUID(job.payload["member_id"]), Network(job.payload["network"])
    sealed = spool_path(folder, job.id)
    recorded = ImportJobState.from_payload(job.payload.get("state"))
    if recorded.finished:  # the outcome was recorded before a crash: only the cleanup is left
        _discard(sealed, board, job.id)
        return recorded
    opened = sealed.with_suffix(".open")
    opened.unlink(missing_ok=True)  # noqa: ASYNC240 - a plaintext copy left by a worker that died mid-import
    reporter: _Reporter | None = None
    try:
        try:
            async with uow_factory() as uow:
                cipher = await uow.vault.load(uow.connection, member_id)
            await asyncio.to_thread(unseal_file, sealed, opened, cipher, job.id)
            state = ImportJobState().running()
            await board.publish(job, state)
            # A first pass counts the activities (and refuses a malformed archive before any write).
            state = state.running(total=await asyncio.to_thread(_count, parse, network, opened))
            await board.publish(job, state)
            reporter = _Reporter(lambda current: board.publish(job, current), state)
            archive = await asyncio.to_thread(parse, network, opened)
            async with uow_factory() as uow:
                summary = await import_archive(uow, member_id=member_id, network=network, archive=archive,
                                               progress=reporter)
            await reporter.drain()
            outcome = state.succeeded(summary)
        except RenownError as error:
            if reporter is not None:
                await reporter.drain()
            outcome = ImportJobState().failed(error.code, error.message if error.public else "Unexpected error.")
        await _record(uow_factory, job, outcome)
    finally:
        if reporter is not None:
            with contextlib.suppress(Exception):
                await reporter.drain()
        opened.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call
    _discard(sealed, board, job.id)
    return outcome


async def abandon_import_job(uow_factory: UowFactory, job: Job, *, folder: Path, board: ProgressBoard) -> None:
    """After the last attempt failed: record the import as failed and delete what it left on disk."""
    failure = ImportJobFailed("the import could not be completed; nothing was stored")
    await _record(uow_factory, job, ImportJobState().failed(failure.code, failure.message))
    spool_path(folder, job.id).with_suffix(".open").unlink(missing_ok=True)  # noqa: ASYNC240
    _discard(spool_path(folder, job.id), board, job.id)


async def _record(uow_factory: UowFactory, job: Job, state: ImportJobState) -> None:
    async with uow_factory() as uow:
        await uow.jobs.set_payload(job.id, {**job.payload, "state": state.to_payload()})
        await uow.commit()


def _discard(sealed: Path, board: ProgressBoard, job_id: UUID) -> None:
    sealed.unlink(missing_ok=True)
    board.clear(job_id)


def _count(parse: ParseArchive, network: Network, path: Path) -> int:
    archive = parse(network, path)
    return sum(1 for _ in archive.activities)
