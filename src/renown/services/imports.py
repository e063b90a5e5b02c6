"""Importing an archive: parse, drop what is already stored, encrypt, store in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from renown.domain.activity import ImportSummary, Network, ParsedArchive
from renown.domain.errors import ArchiveTooLarge, WrongNetwork
from renown.domain.policies import ConsentPurpose
from renown.services.consent_gate import ConsentGate
from renown.services.erasure import ensure_not_suppressed
from renown.services.scoring import score_after_import
from renown.services.topic_assignment import import_topics
from renown.storage.uow import SqlUnitOfWork

BATCH = 1000


async def import_archive(
    uow: SqlUnitOfWork, *, member_id: UUID, network: Network, archive: ParsedArchive,
    progress: Callable[[int], None] | None = None, score: bool = True,
) -> ImportSummary:
    """Store what is new in a parsed archive (with its posts' topics), then update the member's score.

    Any failure of the import leaves nothing stored; `score=False` leaves scoring to the next batch run.
    """
    if archive.account.network is not network:
        raise WrongNetwork(f"this is a {archive.account.network.value} archive, not {network.value}")
    # An erased member's handles are suppressed: their data must not come back through a re-import.
    await ensure_not_suppressed(uow, network=network, handle=archive.account.handle)
    # The consent gate, inside the import's transaction: without a consent that reads activities, nothing is stored.
    allowed = await ConsentGate.of(uow).require_ingestion(
        uow, member_id=member_id, network=network, also=(ConsentPurpose.SPECIAL_TOPICS,))
    # Topics come from the plaintext here, in memory, before it is encrypted: never decrypted for them later.
    topics = import_topics(uow.topics, member_id=member_id, network=network, allowed=allowed)
    now = uow.now()
    pending: asyncio.Task[None] | None = None
    try:
        cipher = await uow.vault.load(uow.connection, member_id)
        await uow.accounts.link(cipher, archive.account, at=now)
        known = await uow.activities.known_indexes(member_id, network)
        encode, index_of = uow.activities.row_encoder(cipher, at=now), uow.activities.index_function(network)
        imported = skipped = 0
        batch: list[tuple[Any, ...]] = []
        topic_rows: list[tuple[Any, ...]] = []
        for activity in archive.activities:
            index = index_of(activity.external_id)
            if index in known:
                skipped += 1
                continue
            known.add(index)
            row = encode(activity, index)
            batch.append(row)
            if topics is not None:
                topic_rows.extend(topics.rows(row[0], activity))
            if len(batch) >= BATCH:
                # The database writes one batch in its thread while this one encrypts the next.
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(_store(uow, batch, topic_rows))
                imported += len(batch)
                if progress is not None:
                    progress(len(batch))
                batch, topic_rows = [], []
        if pending is not None:
            await pending
        await _store(uow, batch, topic_rows)
        imported += len(batch)
        if progress is not None and batch:
            progress(len(batch))
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
