"""An HTTP client on the real app (in process) and tokens for fictional members."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from renown.app import Runtime, create_app
from renown.domain.scopes import Scope
from renown.settings import Settings


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://renown.test") as http:
        yield http


def bearer(
    runtime: Runtime, subject: str = "alice@example.org", scopes: tuple[Scope, ...] = (Scope.MEMBER,)
) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.mint(subject, list(scopes))}"}


async def gql(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


IMPORT = """mutation($file: Upload!, $network: Network!) {
  importArchive(network: $network, file: $file) {
    __typename
    ... on ArchiveImported { imported skipped coverage }
    ... on RequestRefused { code message }
  }
}"""


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], path: Path, network: str = "MASTODON"
) -> dict[str, Any]:
    """Send an archive as a GraphQL multipart request (the spec's operations/map/file parts)."""
    operations = json.dumps({"query": IMPORT, "variables": {"file": None, "network": network}})
    with path.open("rb") as handle:
        response = await client.post(
            "/graphql",
            data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (path.name, handle, "application/octet-stream")},
            headers={**headers, "Apollo-Require-Preflight": "true"},
        )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
