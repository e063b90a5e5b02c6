"""A real client, unchanged: `gql` over aiohttp and httpx against uvicorn on loopback, persisted queries included."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import uvicorn
from gql import Client, FileVar, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import ExecutionResult

from renown.app import Runtime, create_app
from renown.settings import Settings
from tests.api.conftest import bearer
from tests.api.journeys import brand
from tests.archives import build_mastodon_archive

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8")
REGISTER = GraphQLRequest("""mutation Register($name: String) {
  register(ageBracket: ADULT, displayName: $name) { __typename }
}""", variable_values={"name": "Alice Example"})
CONSENT = GraphQLRequest(
    "mutation Consent { grantConsent(purpose: SCORING, network: MASTODON) { __typename } }")
IMPORT = """mutation Import($file: Upload!) {
  importArchive(network: MASTODON, file: $file) { __typename ... on ArchiveImported { imported } }
}"""
ME = GraphQLRequest(
    "query Me { me { displayName accounts { handle } activities(first: 5) { edges { node { text } } } } }")
PERKS = GraphQLRequest("query Perks { perks { __typename } }")


@pytest.fixture
async def server(settings: Settings, runtime: Runtime) -> AsyncIterator[str]:
    """`renown serve` in miniature: uvicorn on a free loopback port, the app with its own runtime and lifespan."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(create_app(settings), lifespan="on", log_config=None, access_log=False, ws="none")
    uvicorn_server = uvicorn.Server(config)
    serving = asyncio.create_task(uvicorn_server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(20):
            while not uvicorn_server.started:
                assert not serving.done(), "uvicorn stopped while starting"
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        uvicorn_server.should_exit = True
        await serving
        listener.close()


class PersistedQueryTransport(HTTPXAsyncTransport):
    """Apollo's persisted-query link, for gql: the hash alone first; hash and query after a miss."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.sent: list[dict[str, Any]] = []
        self._hash_only = True

    def _prepare_request(self, request: Any, *, extra_args: dict[str, Any] | None = None,
                         upload_files: bool = False) -> dict[str, Any]:
        post_args = super()._prepare_request(request, extra_args=extra_args, upload_files=upload_files)
        payload = post_args["json"]
        digest = hashlib.sha256(payload["query"].encode()).hexdigest()
        payload["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        if self._hash_only:
            del payload["query"]
        self.sent.append(dict(payload))
        return post_args

    async def execute(self, request: GraphQLRequest, **kwargs: Any) -> ExecutionResult:
        self._hash_only = True
        result = await super().execute(request, **kwargs)
        # gql hands transport errors over as the JSON dicts the server sent.
        errors = cast(list[dict[str, Any]], result.errors or [])
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        if "PERSISTED_QUERY_NOT_FOUND" in codes:
            self._hash_only = False
            result = await super().execute(request, **kwargs)
        return result


async def test_a_member_registers_imports_and_reads_with_gql_over_aiohttp(
    server: str, runtime: Runtime, tmp_path: Path
) -> None:
    # given gql with the committed SDL (no introspection needed) and a member's token
    archive = build_mastodon_archive(tmp_path, posts=2, texts=["Tomatoes ripen", "Basil bolts"], fmt="zip")
    transport = AIOHTTPTransport(url=server, headers={**bearer(runtime), "Apollo-Require-Preflight": "true"})
    async with Client(transport=transport, schema=SCHEMA) as session:
        # when she registers, consents, uploads her archive and reads it back
        registered = await session.execute(REGISTER)
        consented = await session.execute(CONSENT)
        with archive.open("rb") as handle:
            imported = await session.execute(
                GraphQLRequest(IMPORT, variable_values={"file": FileVar(handle, filename=archive.name)}),
                upload_files=True)
        me = await session.execute(ME)
    # then each step answered as the schema says
    assert registered == {"register": {"__typename": "Registered"}}
    assert consented == {"grantConsent": {"__typename": "ConsentGranted"}}
    assert imported == {"importArchive": {"__typename": "ArchiveImported", "imported": 2}}
    assert me == {"me": {"displayName": "Alice Example", "accounts": [{"handle": "@alice@mastodon.example.org"}],
                         "activities": {"edges": [{"node": {"text": "Basil bolts"}},
                                                  {"node": {"text": "Tomatoes ripen"}}]}}}


async def test_gql_over_httpx_sees_the_error_code_of_a_field_outside_its_scope(
    server: str, runtime: Runtime
) -> None:
    # given a brand's token, when it asks for the member-only `perks`
    async with Client(transport=HTTPXAsyncTransport(url=server, headers=brand(runtime)), schema=SCHEMA) as session:
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(PERKS)
    # then gql raises with the error's code
    assert refused.value.errors is not None
    assert [e["extensions"]["code"] for e in refused.value.errors] == ["FORBIDDEN"]


async def test_gql_validates_locally_against_the_committed_schema(server: str, runtime: Runtime) -> None:
    async with Client(transport=HTTPXAsyncTransport(url=server, headers=bearer(runtime)), schema=SCHEMA) as session:
        with pytest.raises(Exception, match="Cannot query field 'passwordHash' on type 'MemberType'"):
            await session.execute(GraphQLRequest("{ me { passwordHash } }"))


async def test_automatic_persisted_queries_miss_then_store_then_hit(server: str, runtime: Runtime) -> None:
    # given a registered member and a client that sends the hash alone first
    async with Client(transport=HTTPXAsyncTransport(url=server, headers=bearer(runtime))) as session:
        await session.execute(REGISTER)
    first = PersistedQueryTransport(server, headers=bearer(runtime))
    # when it runs a query the server has never seen, and then a fresh client runs it again
    async with Client(transport=first, schema=SCHEMA) as session:
        before = await session.execute(ME)
    second = PersistedQueryTransport(server, headers=bearer(runtime))
    async with Client(transport=second, schema=SCHEMA) as session:
        after = await session.execute(ME)
    # then the first sent the hash, got PERSISTED_QUERY_NOT_FOUND and retried with the text; the second hit
    digest = first.sent[0]["extensions"]["persistedQuery"]["sha256Hash"]
    assert [("query" in payload, payload["extensions"]["persistedQuery"]["sha256Hash"]) for payload in first.sent] == [
        (False, digest), (True, digest)]
    assert [("query" in payload) for payload in second.sent] == [False]
    expected = {"me": {"displayName": "Alice Example", "accounts": [], "activities": {"edges": []}}}
    assert before == after == expected


async def test_a_hash_only_miss_is_answered_with_the_apollo_code(server: str, runtime: Runtime) -> None:
    # given a hash no one has sent a query for, when a client sends it alone over the socket
    async with httpx.AsyncClient() as http:
        response = await http.post(server, headers=bearer(runtime), json={
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}})
    # then the answer is the error Apollo clients react to by sending the full query
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache, must-revalidate"
    assert response.json()["errors"] == [{"message": "PersistedQueryNotFound",
                                          "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
