"""Export and erasure of one member with N activities, each against a raw sqlite3 baseline from the same run.

The export runs in a child process so its peak RSS is its own; a child that sets up the same
runtime but exports nothing gives the memory baseline. Sizes N/10 and N show whether memory stays flat.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from joserfc.jwk import OKPKey

from benchmarks.storage_bench import POLICIES, raw_sqlite_insert, renown_import
from renown.domain.privacy import RequestKind
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import exports, privacy
from renown.services.signing import DocumentSigner
from renown.settings import Settings
from renown.storage.db import create_engine
from renown.storage.exports import ExportStore
from renown.storage.keyring import FileKeyProvider, Keyring
from renown.storage.policy_loader import load_policies
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault


@dataclass
class Env:
    settings: Settings
    engine: Any
    vault: Vault
    tokens: DocumentSigner
    policies: Any


def _env(folder: Path) -> Env:
    key = OKPKey.generate_key("Ed25519")
    key.ensure_kid()
    settings = Settings(_env_file=None, var_dir=folder, policies_dir=POLICIES,
                        database_url=f"sqlite+aiosqlite:///{folder / 'renown.sqlite'}")
    return Env(settings, create_engine(settings.database_url),
               Vault(Keyring(FileKeyProvider(folder / "keyring.json", create=False))), DocumentSigner(key),
               load_policies(POLICIES))


async def _child(folder: Path, member_id: UUID, export: bool) -> dict[str, Any]:
    env = _env(folder)
    size = 0
    async with SqlUnitOfWork(env.engine, env.vault, policies=env.policies) as uow:
        await uow.vault.load(uow.connection, member_id)
        before = _rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if export:
            built = await exports.build_export(
                uow, ExportStore(folder / "exports"), export_id=member_id, member_id=member_id, signer=env.tokens,
                policies=env.policies, link_lifetime=timedelta(days=7))
            size = built.size
            await uow.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await env.engine.dispose()
    peak = _rss_mb("VmHWM")
    return {"seconds": elapsed, "cpu_seconds": cpu, "max_rss_mb": peak, "added_mb": max(0.0, peak - before),
            "zip_bytes": size}


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set now (VmRSS) or at its peak (VmHWM), Linux.

    Not `ru_maxrss`: across fork and exec it keeps the parent's peak, which here is the import's.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run_child(folder: Path, member_id: UUID, export: bool) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "benchmarks.privacy_bench", str(folder), str(member_id), "1" if export else "0"],
        check=True, capture_output=True, text=True, timeout=600)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _raw_read(path: Path) -> float:
    """Seconds to read every activity row of the file with stdlib sqlite3, no decryption."""
    db = sqlite3.connect(path)
    started = time.perf_counter()
    rows = db.execute("SELECT * FROM activity").fetchall()
    elapsed = time.perf_counter() - started
    db.close()
    assert rows
    return elapsed


def _raw_delete(folder: Path, n: int, row_bytes: int) -> float:
    path = folder / "raw.sqlite"
    raw_sqlite_insert(path, n, row_bytes)
    db = sqlite3.connect(path)
    db.execute("PRAGMA secure_delete=ON")
    started = time.perf_counter()
    with db:
        db.execute("DELETE FROM post")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


async def _erase(folder: Path) -> float:
    env = _env(folder)
    async with SqlUnitOfWork(env.engine, env.vault, policies=env.policies) as uow:
        await privacy.submit_request(uow, member_id=await _member(folder), kind=RequestKind.ERASURE)
    worker = Worker(env, default_handlers(env))  # type: ignore[arg-type]
    started = time.perf_counter()
    await worker.run_once()
    elapsed = time.perf_counter() - started
    async with SqlUnitOfWork(env.engine, env.vault, policies=env.policies) as uow:
        status = (await uow.connection.exec_driver_sql(
            "SELECT status FROM privacy_request WHERE kind = 'erasure'")).scalar_one()
    assert status == "completed", status
    await env.engine.dispose()
    return elapsed


async def _member(folder: Path) -> UUID:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'renown.sqlite'}")
    async with engine.connect() as conn:
        # Fold the import's write-ahead log in first, so no child pays for checkpointing it.
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        value = (await conn.exec_driver_sql("SELECT id FROM member")).scalar_one()
    await engine.dispose()
    return value if isinstance(value, UUID) else UUID(str(value))


async def export_and_erasure(n: int) -> dict[str, Any]:
    """Export time and peak RSS at N/10 and N activities; erasure time at N; raw sqlite3 baselines."""
    sizes: dict[str, Any] = {}
    for count in (max(n // 10, 1), n):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _, row_bytes = await renown_import(folder, count)
            member_id = await _member(folder)
            idle = _run_child(folder, member_id, export=False)
            done = _run_child(folder, member_id, export=True)
            raw_read = _raw_read(folder / "renown.sqlite")
            erase = await _erase(folder)
            raw_delete = _raw_delete(folder, count, row_bytes)
        sizes[str(count)] = {
            "export_s": round(done["seconds"], 2), "export_cpu_s": round(done["cpu_seconds"], 2),
            "export_zip_mb": round(done["zip_bytes"] / 2**20, 1),
            "export_peak_rss_mb": round(done["max_rss_mb"]), "baseline_idle_rss_mb": round(idle["max_rss_mb"]),
            "export_added_peak_mb": round(done["added_mb"], 1),
            "baseline_sqlite3_read_all_s": round(raw_read, 3),
            "export_vs_raw_read": round(done["seconds"] / raw_read, 1),
            "erasure_s": round(erase, 2), "baseline_sqlite3_delete_all_s": round(raw_delete, 3),
            "erasure_vs_raw_delete": round(erase / raw_delete, 1),
        }
    small, large = sizes[str(max(n // 10, 1))], sizes[str(n)]
    return {
        "sizes": sizes,
        "added_peak_mb_large_vs_small": [small["export_added_peak_mb"], large["export_added_peak_mb"]],
        "goal": {"export_s": 10, "export_peak_rss_mb": 200, "erasure_s": 5, "activities": 100_000},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_child(Path(sys.argv[1]), UUID(sys.argv[2]), sys.argv[3] == "1"))))
