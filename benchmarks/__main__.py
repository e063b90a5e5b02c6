"""Run Renown's benchmarks and print one JSON document; every figure comes with its baseline.

Usage: python -m benchmarks [NAME ...] [--size N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import (
    api_bench,
    connectors_bench,
    driver_bench,
    execution_bench,
    import_formats,
    privacy_bench,
    rescore_bench,
    scoring_bench,
    storage_bench,
)

BENCHMARKS: dict[str, Callable[[int], Awaitable[dict[str, Any]]]] = {
    "import": storage_bench.import_throughput,
    "read": storage_bench.decrypting_reads,
    "parse": connectors_bench.parse_throughput,
    "import_formats": import_formats.import_formats,
    "fast-path": scoring_bench.fast_path_latency,
    "leaderboard": scoring_bench.leaderboard_throughput,
    "me-http": api_bench.me_over_http,
    "sqlite-trips": driver_bench.driver_trips,
    "plain-fields": execution_bench.plain_fields,
    "rescore": rescore_bench.rescore_throughput,
    "export-erasure": privacy_bench.export_and_erasure,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--size", type=int, default=20_000, help="activities per run")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    results = {name: asyncio.run(BENCHMARKS[name](args.size)) for name in names}
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
