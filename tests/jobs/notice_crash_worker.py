"""A worker process for the notice crash test: the real `run_worker` delivering notices through a push
transport that logs each hand-over to a file and, once, SIGKILLs its process right after handing over
the notice named in `RENOWN_TEST_KILL_NOTICE` (so before that delivery commits)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2]))

from renown.domain.notices import DELIVER_NOTICES  # noqa: E402
from renown.jobs.notices import delivery_handler  # noqa: E402
from renown.jobs.worker import run_worker  # noqa: E402
from renown.services.auth import TokenAuthority  # noqa: E402
from renown.settings import Settings  # noqa: E402
from renown.storage.db import create_engine  # noqa: E402
from renown.storage.keyring import FileKeyProvider, Keyring  # noqa: E402
from renown.storage.policy_loader import load_policies  # noqa: E402
from renown.storage.vault import Vault  # noqa: E402
from tests.jobs.crash_worker import WorkerEnvironment  # noqa: E402

PUSHED = Path(os.environ["RENOWN_TEST_PUSH_LOG"])
KILL = os.environ.get("RENOWN_TEST_KILL_NOTICE", "")
MARKER = PUSHED.with_suffix(".killed")


def hand_over(notice_id: str) -> None:
    with PUSHED.open("a") as log:
        log.write(f"{notice_id}\n")
    if notice_id == KILL and not MARKER.exists():
        MARKER.write_text(KILL)
        os.kill(os.getpid(), signal.SIGKILL)


async def push(notice: dict[str, Any]) -> bool:
    hand_over(str(notice["id"]))
    return True


async def main() -> None:
    settings = Settings()
    env = WorkerEnvironment(
        settings, create_engine(settings.effective_database_url),
        Vault(Keyring(FileKeyProvider(settings.effective_keyring_file, create=False))),
        TokenAuthority.from_settings(settings), load_policies(settings.policies_dir),
    )
    try:
        await run_worker(env, handlers={DELIVER_NOTICES: delivery_handler(push)}, schedule=(), poll_seconds=0.1)
    finally:
        await env.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
