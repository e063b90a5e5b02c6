"""Archive parsing per network: throughput against a plain read of the same archive, and memory flatness."""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from renown.connectors.archive import ArchiveLimits, open_archive, sniff_container
from renown.connectors.registry import PARSERS
from renown.domain.activity import Network
from tests.archives import (
    build_bluesky_car,
    build_instagram_archive,
    build_mastodon_archive,
    build_reddit_archive,
    build_x_archive,
)

LIMITS = ArchiveLimits()
BUILDERS: dict[Network, Callable[[Path, int], Path]] = {
    Network.MASTODON: lambda dest, n: build_mastodon_archive(dest, posts=n),
    Network.X: lambda dest, n: build_x_archive(dest, posts=n),
    Network.REDDIT: lambda dest, n: build_reddit_archive(dest, posts=n, comments=0),
    Network.INSTAGRAM: lambda dest, n: build_instagram_archive(dest, posts=n),
    Network.BLUESKY: lambda dest, n: build_bluesky_car(dest, posts=n),
}


def _parse(network: Network, path: Path) -> int:
    parsed = PARSERS[network](path, LIMITS)
    return sum(1 for _ in parsed.activities)


def _plain_read(path: Path) -> int:
    """The baseline: inflate every byte of the archive, parsing nothing."""
    total = 0
    if sniff_container(path) is None:
        return len(path.read_bytes())
    with open_archive(path, ArchiveLimits(max_uncompressed_bytes=2**62)) as reader:
        for name in reader.names:
            with reader.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
    return total


def _peak(network: Network, path: Path) -> int:
    tracemalloc.start()
    try:
        _parse(network, path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _timed(fn: Callable[[], object]) -> float:
    """CPU seconds, so that other processes on a shared machine do not skew the ratio."""
    start = time.process_time()
    fn()
    return time.process_time() - start


async def parse_throughput(size: int) -> dict[str, Any]:
    """Per network: activities/s at `size` posts, ratio to a plain read, and peak memory at size/10 vs size."""
    return _measure(size)


def _measure(size: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for network, build in BUILDERS.items():
            small_dir, big_dir = Path(folder, f"{network}-s"), Path(folder, f"{network}-b")
            small_dir.mkdir()
            big_dir.mkdir()
            small, big = build(small_dir, max(size // 10, 1)), build(big_dir, size)
            parse_s = _timed(lambda: _parse(network, big))  # noqa: B023 - called at once
            read_s = _timed(lambda: _plain_read(big))  # noqa: B023 - called at once
            peak_small, peak_big = _peak(network, small), _peak(network, big)
            results[network.value] = {
                "posts": size,
                "archive_bytes": big.stat().st_size,
                "activities_per_s": round(size / parse_s),
                "parse_over_plain_read": round(parse_s / read_s, 2),
                "peak_bytes_small": peak_small,
                "peak_bytes_big": peak_big,
                "peak_ratio_big_over_small": round(peak_big / peak_small, 2),
            }
    return results
