"""A worker process for the crash tests: the real `run_worker`, plus a three-step workflow that can kill itself.

`RENOWN_TEST_CRASH_AT` lists points, comma-separated: `start:<step>` (SIGKILL as the step begins,
after the previous one committed) or `mid:<step>` (SIGKILL after the step wrote its effect, before
it commits). Each point kills one process only: a marker file in `RENOWN_TEST_CRASH_MARKERS`
records that it fired, so the next process runs on to the next point.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).parents[2]))

from renown.domain.policies import Policies  # noqa: E402
from renown.jobs.erasure import erasure_workflow  # noqa: E402
from renown.jobs.export import EXPORT_WORKFLOW  # noqa: E402
from renown.jobs.registry import default_handlers  # noqa: E402
from renown.jobs.worker import run_worker  # noqa: E402
from renown.jobs.workflow import JobContext, Step, Workflow  # noqa: E402
from renown.services.auth import TokenAuthority  # noqa: E402
from renown.settings import Settings  # noqa: E402
from renown.storage.db import create_engine  # noqa: E402
from renown.storage.keyring import FileKeyProvider, Keyring  # noqa: E402
from renown.storage.policy_loader import load_policies  # noqa: E402
from renown.storage.uow import SqlUnitOfWork  # noqa: E402
from renown.storage.vault import Vault  # noqa: E402
from tests.jobs.helpers import effect_step  # noqa: E402

CRASH_AT = set(filter(None, os.environ.get("RENOWN_TEST_CRASH_AT", "").split(",")))
MARKERS = Path(os.environ.get("RENOWN_TEST_CRASH_MARKERS", "/nonexistent"))
STEP_SECONDS = float(os.environ.get("RENOWN_TEST_STEP_SECONDS", "0"))


def crash_if(point: str) -> None:
    marker = MARKERS / point.replace(":", "-")
    if point in CRASH_AT and not marker.exists():
        marker.write_text(point)
        os.kill(os.getpid(), signal.SIGKILL)


def crashable(name: str) -> Step:
    effect = effect_step(name)

    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        crash_if(f"start:{name}")
        rows = await effect.run(ctx, uow)
        crash_if(f"mid:{name}")
        await asyncio.sleep(STEP_SECONDS)
        return rows
    return Step(name, run)


def crashable_step(original: Step) -> Step:
    """A real step that may kill its process as it begins, or once its work is done but not committed."""
    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        crash_if(f"start:{original.name}")
        rows = await original.run(ctx, uow)
        crash_if(f"mid:{original.name}")
        return rows
    return Step(original.name, run)


def crashable_workflow(workflow: Workflow) -> Workflow:
    return Workflow(workflow.kind, tuple(crashable_step(s) for s in workflow.steps), workflow.on_dead)


CRASH_WORKFLOW = Workflow("test.crash", (crashable("one"), crashable("two"), crashable("three")))


@dataclass
class WorkerEnvironment:
    """What `run_worker` needs, without the HTTP app, so the process starts fast (development keys)."""

    settings: Settings
    engine: AsyncEngine
    vault: Vault
    tokens: TokenAuthority
    policies: Policies


async def main() -> None:
    settings = Settings()
    env = WorkerEnvironment(
        settings, create_engine(settings.effective_database_url),
        Vault(Keyring(FileKeyProvider(settings.effective_keyring_file, create=False))),
        TokenAuthority.from_settings(settings), load_policies(settings.policies_dir),
    )
    try:
        real = (EXPORT_WORKFLOW, erasure_workflow())
        handlers = {**default_handlers(env), CRASH_WORKFLOW.kind: CRASH_WORKFLOW.handler(),
                    **{w.kind: crashable_workflow(w).handler() for w in real}}
        await run_worker(env, handlers=handlers, schedule=(), poll_seconds=0.1)
    finally:
        await env.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
