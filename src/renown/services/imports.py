"""Importing an archive: parse, drop what is already stored, encrypt, store in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

from renown.domain.activity import ImportSummary, Network, ParsedArchive
from renown.domain.errors import ArchiveTooLarge, WrongNetwork
from renown.services.consent_gate import ConsentGate
from renown.storage.uow import SqlUnitOfWork

BATCH = 1000


async def import_archive(
    uow: SqlUnitOfWork, *, member_id: UUID, network: Network, archive: ParsedArchive,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Store what is new in a parsed archive; any failure leaves nothing stored."""
    if archive.account.network is not network:
        raise WrongNetwork(f"this is a {archive.account.network.value} archive, not {network.value}")
    # The consent gate, inside the import's transaction: without a consent that reads activities, nothing is stored.
    await ConsentGate.of(uow).require_ingestion(uow, member_id=member_id, network=network)
    now = uow.now()
    pending: asyncio.Task[None] | None = None
    try:
        cipher = await uow.vault.load(uow.connection, member_id)
        await uow.accounts.link(cipher, archive.account, at=now)
        known = await uow.activities.known_indexes(member_id, network)
        encode, index_of = uow.activities.row_encoder(cipher, at=now), uow.activities.index_function(network)
        imported = skipped = 0
        batch = []
        for activity in archive.activities:
            index = index_of(activity.external_id)
            if index in known:
                skipped += 1
                continue
            known.add(index)
            batch.append(encode(activity, index))
            if len(batch) >= BATCH:
                # The database writes one batch in its thread while this one encrypts the next.
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(uow.activities.insert_rows(batch))
                imported += len(batch)
                if progress is not None:
                    progress(len(batch))
                batch = []
        if pending is not None:
            await pending
        await uow.activities.insert_rows(batch)
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
    return ImportSummary(imported=imported, skipped=skipped, coverage=tuple(archive.coverage.as_list()))


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
