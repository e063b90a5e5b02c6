"""Full import per archive format (parse + encrypt + store on SQLite through `Services.import_file`).

For each network: throughput on a `size`-post archive built by the test factory, and the import's peak
memory on size/10 vs size posts. Every import runs in a fresh subprocess, so runs do not pollute each
other's peak; next to each figure, a baseline from the same run: stdlib `sqlite3.executemany` of rows
as large as the encrypted ones, timed and measured the same way.

Run: `python -m benchmarks import_formats --size 100000` (takes a few minutes).
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from renown.domain.activity import Network
from tests.archives import (
    build_bluesky_car,
    build_instagram_archive,
    build_mastodon_archive,
    build_reddit_archive,
    build_x_archive,
)

ROOT = Path(__file__).parents[1]
BUILDERS: dict[Network, Callable[[Path, int], Path]] = {
    Network.MASTODON: lambda dest, n: build_mastodon_archive(dest, posts=n),
    Network.X: lambda dest, n: build_x_archive(dest, posts=n),
    Network.REDDIT: lambda dest, n: build_reddit_archive(dest, posts=n, comments=0),
    Network.INSTAGRAM: lambda dest, n: build_instagram_archive(dest, posts=n),
    Network.BLUESKY: lambda dest, n: build_bluesky_car(dest, posts=n),
}


def _rss_bytes() -> int:
    """The resident set size now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _peak_bytes() -> int:
    """The process's peak RSS since `_start_peak`: VmHWM, not `ru_maxrss`, which on Linux also keeps the peak
    of the parent this process was forked from (so a parent that built a large archive would inflate it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _start_peak() -> int:
    """Reset the peak RSS (Linux `clear_refs` 5) so the peak is the measured step's own; return the RSS now."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    return _rss_bytes()


async def _import_once(network: Network, archive: Path, folder: Path) -> dict[str, Any]:
    """In the child: a fresh database and runtime, one member with consent, then the measured import."""
    import sqlalchemy as sa

    from renown.app import build_runtime
    from renown.domain.member import AgeBracket
    from renown.domain.policies import ConsentPurpose
    from renown.settings import Settings
    from renown.storage import migrate

    settings = Settings(_env_file=None, var_dir=folder, environment="development",
                        policies_dir=ROOT / "policies")
    runtime = build_runtime(settings)
    try:
        await migrate.upgrade(runtime.engine)
        services = runtime.services
        member = await services.register(subject="bench@example.org", display_name=None,
                                         age_bracket=AgeBracket.ADULT)
        await services.grant_consent(member_id=member.id, purpose=ConsentPurpose.SCORING, network=network)
        before = _start_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        summary = await services.import_file(member_id=member.id, network=network, path=archive)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = _peak_bytes()
        async with runtime.engine.connect() as conn:
            row_bytes = (await conn.execute(sa.text(
                "SELECT avg(length(content_enc) + coalesce(length(url_enc), 0) + length(external_id_enc)"
                " + length(external_id_index)) FROM activity"))).scalar_one()
    finally:
        await runtime.close()
    return {"imported": summary.imported, "wall_s": wall, "cpu_s": cpu, "rss_before": before, "peak_rss": peak,
            "row_bytes": int(row_bytes)}


def _baseline_once(rows: int, row_bytes: int, folder: Path) -> dict[str, Any]:
    """In the child: stdlib sqlite3 executemany of `rows` rows of `row_bytes`, in 1,000-row transactions."""
    from benchmarks.storage_bench import raw_sqlite_insert

    before = _start_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    raw_sqlite_insert(folder / "raw.sqlite", rows, row_bytes)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "rss_before": before, "peak_rss": _peak_bytes()}


def _child(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it printed."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.import_formats", *args], cwd=ROOT, check=True,  # noqa: S603
                          capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _growth(run: dict[str, Any]) -> int:
    return max(int(run["peak_rss"]) - int(run["rss_before"]), 0)


def _measure(size: int) -> dict[str, Any]:
    small_size = max(size // 10, 1)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for network, build in BUILDERS.items():
            runs: dict[str, dict[str, Any]] = {}
            baselines: dict[str, dict[str, Any]] = {}
            for label, posts in (("small", small_size), ("big", size)):
                where = Path(tmp, f"{network.value}-{label}")
                where.mkdir()
                archive = build(where, posts)
                runs[label] = _child("import", network.value, str(archive), str(where / "var"))
                assert runs[label]["imported"] == posts, runs[label]
                archive.unlink()
                baselines[label] = _child("baseline", str(posts), str(runs[label]["row_bytes"]), str(where))
            big, small, base_big, base_small = runs["big"], runs["small"], baselines["big"], baselines["small"]
            results[network.value] = {
                "posts": size,
                "encrypted_bytes_per_row": big["row_bytes"],
                # CPU seconds as well as wall: on a shared machine other processes stretch the wall clock.
                "activities_per_s": round(size / big["wall_s"]),
                "activities_per_cpu_s": round(size / big["cpu_s"]),
                "baseline_sqlite3_executemany_rows_per_s": round(size / base_big["wall_s"]),
                "baseline_rows_per_cpu_s": round(size / base_big["cpu_s"]),
                "ratio_to_baseline": round(base_big["wall_s"] / big["wall_s"], 3),
                "cpu_ratio_to_baseline": round(base_big["cpu_s"] / big["cpu_s"], 3),
                f"peak_rss_mb_{small_size}": round(small["peak_rss"] / 2**20, 1),
                f"peak_rss_mb_{size}": round(big["peak_rss"] / 2**20, 1),
                f"import_growth_mb_{small_size}": round(_growth(small) / 2**20, 1),
                f"import_growth_mb_{size}": round(_growth(big) / 2**20, 1),
                "peak_rss_ratio_big_over_small": round(big["peak_rss"] / small["peak_rss"], 2),
                "baseline_growth_mb_small_big": [round(_growth(base_small) / 2**20, 1),
                                                 round(_growth(base_big) / 2**20, 1)],
                "baseline_peak_rss_ratio_big_over_small": round(base_big["peak_rss"] / base_small["peak_rss"], 2),
            }
    results["goal"] = {"peak_rss_ratio_big_over_small": 1.2}
    return results


async def import_formats(size: int) -> dict[str, Any]:
    """Per network: full-import activities/s on `size` posts and peak memory at size/10 vs size, with baselines."""
    return await asyncio.to_thread(_measure, size)


def main(argv: list[str]) -> None:
    """The child side: `import NETWORK ARCHIVE VAR_DIR` or `baseline ROWS ROW_BYTES FOLDER`; prints one JSON line."""
    if argv[0] == "import":
        result = asyncio.run(_import_once(Network(argv[1]), Path(argv[2]), Path(argv[3])))
    else:
        result = _baseline_once(int(argv[1]), int(argv[2]), Path(argv[3]))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
