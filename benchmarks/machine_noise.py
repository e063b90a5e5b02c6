"""How steadily this machine runs plain Python: the floor under any latency percentile measured on it.

    python -m benchmarks.machine_noise [--cpus 0] [--seconds 8]

A process does the same small unit of pure-Python work (about 0.5 ms) over and over at half duty
(it sleeps as long as it works, as a server at half load does) and times each unit. On a quiet
machine every unit takes the same time. A virtual machine whose host takes its CPU away shows
units that take many times longer, in bursts; a request in flight during such a burst is late by
as much, whatever the server's code. Prints one JSON object: the unit's median, p99 and longest
time in milliseconds, the share of units slowed more than 5 times, how many bursts of slowed units
(less than 50 ms apart) there were per second, and how long the longest burst lasted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

SLOWED = 5.0  # a unit this many times its median counts as slowed
BURST_GAP_S = 0.05


def _unit() -> int:
    total = 0
    for i in range(15_000):
        total += i
    return total


def measure(seconds: float) -> dict[str, Any]:
    for _ in range(200):  # warm up
        _unit()
    started: list[float] = []
    took: list[float] = []
    end = time.perf_counter() + seconds
    while (begun := time.perf_counter()) < end:
        _unit()
        finished = time.perf_counter()
        started.append(begun)
        took.append(finished - begun)
        time.sleep(finished - begun)
    ordered = sorted(took)
    median = ordered[len(ordered) // 2]
    slowed = [(s, s + t) for s, t in zip(started, took, strict=True) if t > SLOWED * median]
    bursts: list[list[float]] = []  # [first start, last end] of each burst of slowed units
    for begun, finished in slowed:
        if bursts and begun - bursts[-1][1] <= BURST_GAP_S:
            bursts[-1][1] = finished
        else:
            bursts.append([begun, finished])
    return {
        "unit_median_ms": round(median * 1000, 3),
        "unit_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2),
        "unit_max_ms": round(ordered[-1] * 1000, 2),
        "slowed_share": round(len(slowed) / len(took), 4),
        "bursts_per_s": round(len(bursts) / seconds, 2),
        "longest_burst_ms": round(max((b - a for a, b in bursts), default=0.0) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpus", default="", help="comma-separated CPUs to pin this process to")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    json.dump(measure(args.seconds), sys.stdout)


if __name__ == "__main__":
    main()
