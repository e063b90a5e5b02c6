"""Encrypted import and decrypting reads, each against raw SQLite measured in the same run."""

from __future__ import annotations

import gc
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from joserfc.jwk import OKPKey

from renown.domain.activity import AccountProfile, Activity, ActivityKind, Coverage, Network, ParsedArchive, Signal
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services.consent import grant_consent
from renown.services.imports import import_archive
from renown.services.signing import DocumentSigner
from renown.services.taxonomy import default_matcher
from renown.storage import migrate
from renown.storage.db import create_engine
from renown.storage.keyring import FileKeyProvider, Keyring
from renown.storage.policy_loader import load_policies
from renown.storage.tables import metadata
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault

TEXT_BYTES = 280
START = datetime(2026, 1, 1, tzinfo=UTC)
ROUNDS = 5
POLICIES = Path(__file__).parents[1] / "policies"


def activities(n: int) -> Iterator[Activity]:
    filler = "x" * TEXT_BYTES
    for i in range(n):
        yield Activity(Network.MASTODON, f"https://social.example.org/users/bench/statuses/{i}", ActivityKind.POST,
                       START + timedelta(minutes=i), filler, url=f"https://social.example.org/@bench/{i}",
                       likes=i % 50, reshares=i % 7, replies=i % 3)


def raw_sqlite_insert(path: Path, n: int, row_bytes: int) -> float:
    """Rows per second of stdlib sqlite3 executemany: WAL, an index, 1,000-row transactions."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE post (id BLOB PRIMARY KEY, member_id BLOB, published_at TEXT, body BLOB)")
    db.execute("CREATE INDEX ix_post_member ON post (member_id, published_at)")
    member = uuid4().bytes
    started = time.perf_counter()
    for chunk in range(0, n, 1000):
        rows = [(uuid4().bytes, member, (START + timedelta(minutes=i)).isoformat(), os.urandom(row_bytes))
                for i in range(chunk, min(n, chunk + 1000))]
        with db:
            db.executemany("INSERT INTO post VALUES (?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    db.close()
    return n / elapsed


async def _renown_database(folder: Path) -> tuple[Any, Vault]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'renown.sqlite'}")
    await migrate.upgrade(engine)
    return engine, Vault(Keyring(FileKeyProvider(folder / "keyring.json", create=True)))


async def renown_import(folder: Path, n: int) -> tuple[float, int]:
    """Activities per second through the import service (blind index, AES-GCM, Core bulk insert)."""
    engine, vault = await _renown_database(folder)
    policies = load_policies(POLICIES)
    signing_key = OKPKey.generate_key("Ed25519")
    signing_key.ensure_kid()
    async with SqlUnitOfWork(engine, vault, policies=policies) as uow:
        member = await uow.members.add(subject="bench@example.org", display_name=None,
                                       age_bracket=AgeBracket.ADULT, at=START)
        await uow.commit()
        # The consent gate refuses an import no consent covers, so the member gives the scoring one.
        await grant_consent(uow, signer=DocumentSigner(signing_key), member_id=member.id,
                            purpose=ConsentPurpose.SCORING, network=Network.MASTODON)
    parsed = list(activities(n))  # parsing is measured per format elsewhere; this measures storing
    default_matcher()  # the topic taxonomy loads once per process, not per import
    archive = ParsedArchive(AccountProfile(Network.MASTODON, "@bench@social.example.org"), iter(parsed),
                            Coverage({Signal.OWN_POSTS}))
    started = time.perf_counter()
    async with SqlUnitOfWork(engine, vault, policies=policies) as uow:
        summary = await import_archive(uow, member_id=member.id, network=Network.MASTODON, archive=archive)
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        row_bytes = (await conn.execute(sa.text(
            "SELECT avg(length(content_enc) + length(url_enc) + length(external_id_enc) + length(external_id_index))"
            " FROM activity"))).scalar_one()
    await engine.dispose()
    assert summary.imported == n
    return n / elapsed, int(row_bytes)


async def import_throughput(n: int) -> dict[str, Any]:
    """Encrypted import vs raw sqlite3 executemany of rows of the same size, interleaved rounds."""
    ratios, renown_rates, raw_rates = [], [], []
    row_bytes = 0
    for _ in range(ROUNDS):
        gc.collect()
        with tempfile.TemporaryDirectory() as tmp:
            rate, row_bytes = await renown_import(Path(tmp), n)
        gc.collect()
        with tempfile.TemporaryDirectory() as tmp:
            raw = raw_sqlite_insert(Path(tmp) / "raw.sqlite", n, row_bytes)
        renown_rates.append(rate)
        raw_rates.append(raw)
        ratios.append(rate / raw)
    return {
        "activities": n, "encrypted_bytes_per_row": row_bytes,
        "renown_activities_per_s": round(statistics.median(renown_rates)),
        "baseline_sqlite3_executemany_rows_per_s": round(statistics.median(raw_rates)),
        "ratio": round(statistics.median(ratios), 3), "goal": {"ratio": 0.5, "activities_per_s": 20_000},
    }


async def decrypting_reads(n: int) -> dict[str, Any]:
    """Reading one member's 10,000 activities with decryption vs a plaintext Core select of the same rows."""
    n = min(n, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        await renown_import(folder, n)
        engine, vault = await _renown_database(folder)
        table = metadata.tables["activity"]
        async with engine.connect() as conn:
            member_id = (await conn.execute(sa.select(table.c.member_id).limit(1))).scalar_one()
        plain, decrypted, ratios = [], [], []
        for _ in range(ROUNDS * 2):
            gc.collect()  # both sides start without a pending collection: the runs are bimodal otherwise
            async with engine.connect() as conn:
                started = time.perf_counter()
                rows = (await conn.execute(sa.select(table).where(table.c.member_id == member_id))).all()
                plain_s = time.perf_counter() - started
            vault.forget(member_id)
            gc.collect()
            async with SqlUnitOfWork(engine, vault) as uow:
                started = time.perf_counter()
                page = await uow.activities.page(member_id, first=n)
                decrypted_s = time.perf_counter() - started
            assert len(rows) == len(page.items) == n
            plain.append(plain_s)
            decrypted.append(decrypted_s)
            ratios.append(plain_s / decrypted_s)
        await engine.dispose()
    return {
        "activities": n,
        "decrypting_read_ms": round(statistics.median(decrypted) * 1000, 1),
        "baseline_plaintext_core_select_ms": round(statistics.median(plain) * 1000, 1),
        "ratio": round(statistics.median(ratios), 3), "goal": {"ratio": 0.5},
    }
