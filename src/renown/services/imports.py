"""Importing an archive: parse, drop what is already stored, encrypt, store in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from renown.domain.activity import Activity, ImportSummary, Network, ParsedArchive
from renown.domain.errors import ArchiveTooLarge, WrongNetwork
from renown.domain.policies import ConsentPurpose
from renown.services.consent_gate import ConsentGate
from renown.services.erasure import ensure_not_suppressed
from renown.services.interactions import InteractionCollector
from renown.services.scoring import score_after_import
from renown.services.topic_assignment import import_topics
from renown.storage.uow import SqlUnitOfWork

BATCH = 1000


async def import_archive(
    uow: SqlUnitOfWork, *, member_id: UUID, network: Network, archive: ParsedArchive,
    progress: Callable[[int], None] | None = None, score: bool = True,
) -> ImportSummary:
    """Store what is new in a parsed archive (with its posts' topics), then update the member's score.

    Any failure of the import leaves nothing stored; `score=False` leaves scoring to the next batch run;
    `progress` is told how many of the archive's activities each batch read (stored or skipped).
    """
    if archive.account.network is not network:
        raise WrongNetwork(f"this is a {archive.account.network.value} archive, not {network.value}")
    # An erased member's handles are suppressed: their data must not come back through a re-import.
    await ensure_not_suppressed(uow, network=network, handle=archive.account.handle)
    # The consent gate, inside the import's transaction: without a consent that reads activities, nothing is stored.
    allowed = await ConsentGate.of(uow).require_ingestion(
        uow, member_id=member_id, network=network, also=(ConsentPurpose.SPECIAL_TOPICS,))
    # Topics come from the plaintext here, in memory, before it is encrypted (a `topics` consent given later
    # is served by the `topics_backfill` job, which decrypts the stored posts once).
    topics = import_topics(uow.topics, member_id=member_id, network=network, allowed=allowed)
    now = uow.now()
    pending: asyncio.Task[None] | None = None
    try:
        cipher = await uow.vault.load(uow.connection, member_id)
        await uow.accounts.link(cipher, archive.account, at=now)
        encode, index_of = uow.activities.row_encoder(cipher, at=now), uow.activities.index_function(network)
        edges = InteractionCollector.of(uow, member_id=member_id, archive=archive)
        imported = skipped = 0
        activities = iter(archive.activities)
        while chunk := list(itertools.islice(activities, BATCH)):
            # Encrypted while the previous batch is written; only one batch of post ids is in memory, so
            # memory stays flat however large the archive (duplicates are dropped after the database check).
            encoded: dict[bytes, tuple[tuple[Any, ...], Activity]] = {}
            for activity in chunk:
                index = index_of(activity.external_id)
                if index not in encoded:
                    encoded[index] = (encode(activity, index), activity)
            if pending is not None:
                await pending  # the previous batch is stored before this one's post ids are looked up
            stored = await uow.activities.stored_indexes(member_id, network, list(encoded))
            kept = [pair for index, pair in encoded.items() if index not in stored]
            edges.add_all(a for _, a in kept)  # whom the new activities interacted with, as keyed hashes
            skipped += len(chunk) - len(kept)
            rows = [row for row, _ in kept]
            topic_rows = [] if topics is None else [t for row, a in kept for t in topics.rows(row[0], a)]
            pending = asyncio.ensure_future(_store(uow, rows, topic_rows))
            await asyncio.sleep(0)  # let the write reach the database thread before encrypting the next batch
            imported += len(rows)
            if progress is not None:
                progress(len(chunk))
        if pending is not None:
            await pending
        await edges.flush(uow)
        await uow.commit()
    except BaseException:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        await uow.rollback()
        raise
    if score:
        await score_after_import(uow, member_id)
    return ImportSummary(imported=imported, skipped=skipped, coverage=tuple(archive.coverage.as_list()))


async def _store(uow: SqlUnitOfWork, rows: list[tuple[Any, ...]], topic_rows: list[tuple[Any, ...]]) -> None:
    await uow.activities.insert_rows(rows)
    await uow.topics.insert_rows(topic_rows)  # after their activities: the foreign key points there


async def spool_upload(
    read: Callable[[int], Awaitable[bytes]], *, folder: Path, max_bytes: int, chunk: int = 1 << 20
) -> Path:
    """Copy an uploaded stream to a private temporary file, refusing it past `max_bytes`."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - one metadata call
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    path = Path(name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while data := await read(chunk):
                size += len(data)
                if size > max_bytes:
                    raise ArchiveTooLarge(f"the archive is larger than {max_bytes} bytes")
                out.write(data)
    except BaseException:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call
        raise
    return path
