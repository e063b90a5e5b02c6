"""The background worker loop: runs until SIGTERM or SIGINT, then stops between jobs."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Protocol

logger = logging.getLogger(__name__)


class _HasRuntime(Protocol):
    async def close(self) -> None: ...


async def run_worker(runtime: _HasRuntime, *, poll_seconds: float = 1.0) -> None:
    """Idle-poll for jobs until asked to stop (the job runner plugs in here)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logger.info("worker started")
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
        except TimeoutError:
            continue
    logger.info("worker stopped")
