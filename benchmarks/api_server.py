"""The app under load for `api_bench`: Renown's ASGI app plus a hand-written JSON endpoint reading the same rows.

    python -m benchmarks.api_server --folder DIR --port PORT

`GET /bench/me` sits behind the same middleware (bearer tokens, telemetry) as `/graphql`, and
answers what `me { score {...} topics {...} }` answers, with no GraphQL in between.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from benchmarks.scoring_world import settings_for
from renown.api.scoring.types import hint_text
from renown.app import build_runtime, create_app
from renown.domain.activity import Network
from renown.services.scoring_views import topic_names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = settings_for(args.folder)
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)

    async def me(request: Request) -> Response:
        principal = request.scope.get("state", {}).get("principal")
        if principal is None:
            return JSONResponse({"error": "unauthenticated"}, status_code=401)
        async with runtime.uow() as uow:
            member = await uow.members.by_subject(principal.subject)
            if member is None:
                return JSONResponse({"data": {"me": None}})
            score = await uow.scores.latest(member.id)
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

    app.router.routes.append(Route("/bench/me", me))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
