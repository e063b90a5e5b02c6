"""`me { score topics }` reads the member and their own view in one unit of work; other `me` queries do not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from renown.app import Runtime
from tests.api.conftest import bearer, gql
from tests.api.journeys import REGISTER, set_score

ALICE = "alice@example.org"


@contextmanager
def database_work(runtime: Runtime) -> Iterator[dict[str, list[str]]]:
    """The transactions begun and the SQL statements sent while the block runs."""
    seen: dict[str, list[str]] = {"transactions": [], "statements": []}

    def began(conn: Any) -> None:
        seen["transactions"].append("begin")

    def sent(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen["statements"].append(statement.split("FROM", 1)[1].split()[0] if "FROM" in statement else statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", sent)


@pytest.fixture
async def alice(client: httpx.AsyncClient, runtime: Runtime) -> dict[str, str]:
    headers = bearer(runtime, ALICE)
    assert (await gql(client, REGISTER, headers, {"name": "Alice Example"}))["data"]["register"] == {
        "__typename": "Registered"}
    await set_score(runtime, ALICE, 61.5)
    return headers


@pytest.mark.parametrize(
    "query",
    [
        "{ me { score { value } topics { level } } }",
        "{ me { displayName topics { level } } }",
        "{ me { ...Own } } fragment Own on MemberType { score { value } }",
        "{ me { ... on MemberType { ... on MemberType { score { value } } } } }",
    ],
)
async def test_own_scoring_comes_with_the_member_in_one_transaction(
    client: httpx.AsyncClient, runtime: Runtime, alice: dict[str, str], query: str
) -> None:
    with database_work(runtime) as seen:
        result = await gql(client, query, alice)
    assert "errors" not in result, result
    if "score" in query:
        assert result["data"]["me"]["score"] == {"value": 61.5}
    if "topics" in query:
        assert result["data"]["me"]["topics"] == []
    assert seen == {"transactions": ["begin"], "statements": ["member", "score", "member_topic"]}


async def test_me_without_its_scoring_reads_only_the_member(
    client: httpx.AsyncClient, runtime: Runtime, alice: dict[str, str]
) -> None:
    with database_work(runtime) as seen:
        result = await gql(client, "{ me { displayName } }", alice)
    assert result == {"data": {"me": {"displayName": "Alice Example"}}, "extensions": result["extensions"]}
    assert seen == {"transactions": ["begin"], "statements": ["member"]}


async def test_an_unregistered_caller_gets_null_without_a_scoring_read(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    with database_work(runtime) as seen:
        result = await gql(client, "{ me { score { value } topics { level } } }", bearer(runtime, "bob@example.org"))
    assert result["data"] == {"me": None}
    assert seen == {"transactions": ["begin"], "statements": ["member"]}
