"""The app under load for `api_bench`: Renown's ASGI app plus a hand-written JSON endpoint reading the same rows.

    python -m benchmarks.api_server --folder DIR --port PORT [--cpus 0] [--workers N] [--profile FILE]

`GET /bench/me` sits behind the same middleware (bearer tokens, telemetry) as `/graphql`, and
answers what `me { score {...} topics {...} }` answers, with no GraphQL in between. `--cpus` pins
the server to those CPUs (so the load generator can have the others); `--workers N` serves with N
uvicorn worker processes, the way `renown serve --workers N` does; `--profile FILE` writes a
cProfile of the (single) server process when it stops.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import signal
import sys
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from benchmarks.scoring_world import settings_for
from renown.api.scoring.types import hint_text
from renown.app import Runtime, build_runtime, create_app
from renown.domain.activity import Network
from renown.services.scoring_views import topic_names
from renown.telemetry.metrics import prepare_multiprocess_metrics

FOLDER_VARIABLE = "RENOWN_BENCH_FOLDER"


def bench_me(runtime: Runtime) -> Route:
    """The hand-written endpoint: one unit of work, the three reads `me` makes, a dict, a JSONResponse."""

    async def me(request: Request) -> Response:
        principal = request.scope.get("state", {}).get("principal")
        if principal is None:
            return JSONResponse({"error": "unauthenticated"}, status_code=401)
        async with runtime.uow() as uow:
            member = await uow.members.by_subject(principal.subject)
            if member is None:
                return JSONResponse({"data": {"me": None}})
            score = await uow.scores.latest_unless_stopped(member.id)  # what `me` shows: no score while stopped
            topics = await uow.topics.of_member(member.id, include_hidden=True)
        body = None
        if score is not None:
            data = score.explanation
            body = {
                "value": score.value, "confidence": score.confidence, "calibrationVersion": score.calibration_version,
                "networks": [{"network": n.name, "value": data["networks"][n.value]} for n in Network
                             if n.value in data["networks"]],
                "explanation": {
                    "factors": [{"name": f["name"], "contribution": f["contribution"], "inputs": f["inputs"]}
                                for f in data["factors"]],
                    "hints": [hint_text(h) for h in data["hints"]],
                },
            }
        return JSONResponse({"data": {"me": {"score": body, "topics": [
            {"topic": {"slug": t.slug, "name": topic_names(t.slug)[0]}, "level": t.level, "hidden": t.hidden}
            for t in topics]}}})

    return Route("/bench/me", me)


class WorkerHeader:
    """Names the answering worker process (`x-bench-worker: PID`), so the load generator can tell
    how the kernel spread its keep-alive connections over the workers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (b"x-bench-worker", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_named)


def bench_app() -> ASGIApp:
    """Uvicorn factory (one call per worker process): the app for the world in $RENOWN_BENCH_FOLDER."""
    settings = settings_for(Path(os.environ[FOLDER_VARIABLE]))
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    app.router.routes.append(bench_me(runtime))
    return WorkerHeader(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpus", default="", help="comma-separated CPUs to pin the server to")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})  # inherited by worker processes
    os.environ[FOLDER_VARIABLE] = str(args.folder)
    if args.workers > 1:
        prepare_multiprocess_metrics(settings_for(args.folder).var_dir)
        uvicorn.run("benchmarks.api_server:bench_app", factory=True, host="127.0.0.1", port=args.port,
                    workers=args.workers, log_config=None, access_log=False)
        return
    app = bench_app()
    if args.profile is not None:
        profile(args.profile)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)


def profile(path: Path) -> None:
    """Profile this process until SIGTERM; uvicorn re-raises the signal after its shutdown, and then we dump."""
    profiler = cProfile.Profile()

    def dump(signum: int, _frame: object) -> None:
        profiler.disable()
        profiler.dump_stats(path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, dump)
    profiler.enable()


if __name__ == "__main__":
    main()
