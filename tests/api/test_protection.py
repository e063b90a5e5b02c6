"""The GraphQL protection layer, exercised over HTTP against a small Relay-style schema."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import graphql
import httpx
import pytest
import redis.asyncio
import strawberry
import strawberry.schema.schema
from graphql import parse
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry import relay
from strawberry.file_uploads import Upload

from renown.api.protection import (
    CostLimits,
    Forbidden,
    InProcessTokenBuckets,
    RedisTokenBuckets,
    RenownGraphQLView,
    TokenBuckets,
    build_schema,
    operation_cost,
    response_media_type,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
GR_JSON = "application/graphql-response+json"
PREFLIGHT = {"apollo-require-preflight": "true"}
TOPICS = "{ topics(first: 10) { edges { node { name } } pageInfo { hasNextPage } } }"
TOPICS_COST = 1 + 10 * 2 + 1  # connection + 10 × (edge + node) + pageInfo


@strawberry.type
class Topic(relay.Node):
    id: relay.NodeID[str]
    name: str


@strawberry.type
class Person:
    handle: str

    @relay.connection(relay.ListConnection[Topic])  # type: ignore[untyped-decorator]
    def topics(self) -> list[Topic]:
        return [Topic(id=f"{self.handle}-{i}", name=f"topic {i}") for i in range(3)]


@strawberry.type
class Chain:
    value: int

    @strawberry.field
    def next(self) -> Chain:
        return Chain(value=self.value + 1)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @strawberry.field
    def chain(self) -> Chain:
        return Chain(value=0)

    @strawberry.field
    def people(self, first: int | None = None) -> list[Person]:
        return [Person(handle=f"person{i}.example.org") for i in range(min(first or 100, 2))]

    @relay.connection(relay.ListConnection[Topic])  # type: ignore[untyped-decorator]
    def topics(self) -> list[Topic]:
        return [Topic(id=str(i), name=f"topic {i}") for i in range(12)]

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("connection to db-1.internal.test failed for ada@example.org")

    @strawberry.field
    def members_only(self) -> str:
        raise Forbidden("Members only.")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, name: str) -> str:
        return name

    @strawberry.mutation
    async def upload(self, file: Upload) -> int:
        return len(await cast(UploadFile, file).read())


@dataclass
class FakeContext:
    client_id: str
    request: Any
    response: Any


class FakeView(RenownGraphQLView[FakeContext, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> FakeContext:
        return FakeContext(request.headers.get("x-client", "ada"), request, response)


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(
    *,
    production: bool = False,
    buckets: TokenBuckets | None = None,
    cost_limits: CostLimits = CostLimits(),  # noqa: B008
    max_body_bytes: int = 1024 * 1024,
) -> httpx.AsyncClient:
    schema = build_schema(
        Query,
        Mutation,
        production=production,
        buckets=buckets or InProcessTokenBuckets(clock=FrozenClock()),
        cost_limits=cost_limits,
    )
    view = FakeView(schema, production=production, max_body_bytes=max_body_bytes)
    app = Starlette(routes=[Route("/graphql", view)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def post(http: httpx.AsyncClient, query: str | None, **body: Any) -> dict[str, Any]:
    headers = body.pop("headers", {})
    response = await http.post("/graphql", json={"query": query, **body}, headers=headers)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result["errors"]]


def nested_chain(levels: int) -> str:
    return "{ chain { " + "next { " * levels + "value" + " }" * levels + " } }"


# --- document limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        (nested_chain(10), "GRAPHQL_VALIDATION_FAILED", "'anonymous' exceeds maximum operation depth of 10"),
        (
            "{ " + " ".join(f"a{i}: hello" for i in range(31)) + " }",
            "GRAPHQL_VALIDATION_FAILED",
            "31 aliases found. Allowed: 30",
        ),
        (
            "{ " + " hello" * 2001 + " }",
            "GRAPHQL_PARSE_FAILED",
            "Syntax Error: Document contains more than 2000 tokens. Parsing aborted.",
        ),
        (
            "{ " + " ".join(f"a{i}: hello @include(if: true)" for i in range(21)) + " }",
            "GRAPHQL_VALIDATION_FAILED",
            "More than 20 directives found. Allowed: 20",
        ),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED", "Cannot query field 'nope' on type 'Query'."),
        ("{ hello", "GRAPHQL_PARSE_FAILED", "Syntax Error: Expected Name, found <EOF>."),
    ],
)
async def test_documents_over_a_limit_are_refused_with_a_code(query: str, code: str, message: str) -> None:
    async with client() as http:
        result = await post(http, query)
    assert result["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in result["errors"]] == [(message, code)]


async def test_a_document_at_the_depth_limit_runs() -> None:
    async with client() as http:
        result = await post(http, nested_chain(9))
    link = result["data"]["chain"]
    for _ in range(9):
        link = link["next"]
    assert link == {"value": 9}


async def test_validation_cache_hits_with_the_limits_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a spy on the graphql-core validate that strawberry calls
    calls: list[object] = []
    real_validate = graphql.validate

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry.schema.schema, "validate", counting_validate)
    query = f"query Probe{uuid.uuid4().hex} {{ hello }}"
    # when the same document is sent twice
    async with client() as http:
        first = await post(http, query)
        second = await post(http, query)
    # then it was validated once
    assert first["data"] == second["data"] == {"hello": "hello"}
    assert len(calls) == 1


# --- errors ----------------------------------------------------------------------------------


async def test_an_unexpected_exception_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    async with client() as http:
        response = await http.post("/graphql", json={"query": "{ hello broken }"})
    assert response.json()["data"] is None
    assert response.json()["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 9}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert "example.org" not in response.text
    assert [r.levelname for r in caplog.records if r.name == "renown.api.graphql"] == ["ERROR"]


async def test_a_public_error_keeps_its_message_and_code() -> None:
    async with client() as http:
        result = await post(http, "{ membersOnly }")
    assert [(e["message"], e["extensions"]["code"]) for e in result["errors"]] == [("Members only.", "FORBIDDEN")]


async def test_client_errors_are_logged_at_info_without_variables(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with client() as http:
        await post(http, "query Lookup($who: String) { nope(who: $who) }", variables={"who": "ada@example.org"})
    records = [r for r in caplog.records if r.name.startswith(("renown", "strawberry"))]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "GraphQL client error GRAPHQL_VALIDATION_FAILED (operation Lookup)")
    ]
    assert "example.org" not in caplog.text


async def test_a_bad_variable_is_bad_user_input() -> None:
    async with client() as http:
        result = await post(http, "query($n: Int) { people(first: $n) { handle } }", variables={"n": "ten"})
    assert codes(result) == ["BAD_USER_INPUT"]


# --- cost ------------------------------------------------------------------------------------


async def test_every_response_reports_its_cost() -> None:
    async with client() as http:
        result = await post(http, TOPICS)
    assert len(result["data"]["topics"]["edges"]) == 10
    assert result["extensions"]["cost"] == {
        "requestedQueryCost": TOPICS_COST,
        "maximumAvailable": 10_000,
        "throttleStatus": {"maximumAvailable": 20_000, "currentlyAvailable": 20_000 - 22, "restoreRate": 100.0},
    }


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ("{ hello }", 0),
        ("{ topics { edges { node { name } } } }", 1 + 100 * 2),
        ("{ people(first: 2) { handle topics(first: 3) { edges { node { id } } } } }", 2 * (1 + 1 + 3 * 2)),
        ('mutation { rename(name: "Ada") }', 10),
        ("query($n: Int = 5) { topics(first: $n) { nodes: edges { node { name } } } }", 1 + 5 * 1 + 5 * 1),
    ],
)
async def test_cost_counts_objects_times_page_sizes(query: str, cost: int) -> None:
    async with client() as http:
        result = await post(http, query)
    assert "errors" not in result
    assert result["extensions"]["cost"]["requestedQueryCost"] == cost


def test_fragments_spread_many_times_are_counted_without_walking_them_again() -> None:
    schema = build_schema(Query, production=False)
    spreads = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }} " for i in range(40))
    document = parse("{ ...F0 } " + spreads + "fragment F40 on Query { chain { value } }")
    assert operation_cost(schema._schema, document, None, None, CostLimits()) == 2**40


async def test_a_too_costly_operation_is_refused_before_it_runs() -> None:
    query = "{ people(first: 50) { topics(first: 100) { edges { node { name } } } } }"
    async with client() as http:
        result = await post(http, query)
    assert result["data"] is None
    assert result["errors"] == [
        {
            "message": "This operation costs 10100 points; the maximum is 10000. "
            "Ask for smaller pages or fewer nested connections.",
            "extensions": {"code": "QUERY_TOO_COSTLY"},
        }
    ]
    assert result["extensions"]["cost"]["requestedQueryCost"] == 10_100
    assert result["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 20_000


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            "{ topics(first: 101) { edges { node { name } } } }",
            None,
            "`first` on `Query.topics` must be between 0 and 100; got 101.",
        ),
        (
            "query($n: Int) { topics(first: $n) { edges { node { name } } } }",
            {"n": 101},
            "`first` on `Query.topics` must be between 0 and 100; got 101.",
        ),
        (
            "{ people { topics(last: -1) { edges { node { name } } } } }",
            None,
            "`last` on `Person.topics` must be between 0 and 100; got -1.",
        ),
    ],
)
async def test_a_page_outside_the_cap_is_bad_user_input(
    query: str, variables: dict[str, int] | None, message: str
) -> None:
    async with client() as http:
        result = await post(http, query, variables=variables)
    assert result["data"] is None
    assert result["errors"] == [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]


# --- rate limits -----------------------------------------------------------------------------


async def test_an_exhausted_budget_is_rate_limited_until_it_refills() -> None:
    # given a 50-point bucket refilling 1 point/s and a 22-point query
    clock = FrozenClock()
    buckets = InProcessTokenBuckets(capacity=50, restore_rate=1.0, clock=clock)
    async with client(buckets=buckets, cost_limits=CostLimits(max_cost=50)) as http:
        spent = [await post(http, TOPICS) for _ in range(2)]
        # when a third one comes in the same second
        refused = await http.post("/graphql", json={"query": TOPICS})
        other_client = await post(http, TOPICS, headers={"x-client": "grace"})
        clock.now += 16
        after_refill = await post(http, TOPICS)
    # then
    assert [r["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for r in spent] == [28, 6]
    assert refused.status_code == 200
    assert refused.headers["retry-after"] == "16"
    assert refused.json()["errors"] == [
        {
            "message": "Rate limit exceeded: this operation costs 22 points and 6 are available; retry in 16 s.",
            "extensions": {"retryAfter": 16, "code": "RATE_LIMITED"},
        }
    ]
    assert "errors" not in other_client
    assert after_refill["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0


async def test_in_process_buckets_forget_the_least_recent_client_which_then_starts_full() -> None:
    buckets = InProcessTokenBuckets(capacity=10, restore_rate=1.0, max_clients=2, clock=FrozenClock())
    assert [(await buckets.take(who, 4)).available for who in ("ada", "grace", "ada")] == [6.0, 6.0, 2.0]
    await buckets.take("linus", 4)  # a third client: grace, the least recently seen, is forgotten
    assert [(await buckets.take(who, 1)).available for who in ("ada", "grace")] == [1.0, 9.0]


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    connection = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await connection.ping()
    except (redis.exceptions.RedisError, OSError):
        await connection.aclose()
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"renown-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in connection.scan_iter(match=prefix + "*")]
    if keys:
        await connection.delete(*keys)
    await connection.aclose()


async def test_replicas_share_one_budget_through_redis(redis_prefix: str) -> None:
    # given two replicas, each with its own limiter on the same Redis
    replicas = [
        RedisTokenBuckets(REDIS_URL, capacity=50, restore_rate=0.001, prefix=redis_prefix, key_secret=b"shared")
        for _ in "ab"
    ]
    limits = CostLimits(max_cost=50)
    try:
        async with (
            client(buckets=replicas[0], cost_limits=limits) as a,
            client(buckets=replicas[1], cost_limits=limits) as b,
        ):
            # when the same client spends through both
            on_a = await post(a, TOPICS)
            on_b = await post(b, TOPICS)
            refused_on_a = await post(a, TOPICS)
        stored_keys = [key async for key in replicas[0]._client.scan_iter(match=redis_prefix + "*")]
    finally:
        for replica in replicas:
            await replica.aclose()
    # then the budget is shared
    assert on_a["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 28
    assert on_b["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 6
    assert codes(refused_on_a) == ["RATE_LIMITED"]
    assert refused_on_a["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 6
    # and Redis holds one bucket under a keyed hash, not the client id
    assert len(stored_keys) == 1
    assert len(stored_keys[0].decode().removeprefix(redis_prefix)) == 32
    assert b"ada" not in stored_keys[0]


async def test_an_unreachable_redis_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    buckets = RedisTokenBuckets("redis://127.0.0.1:1/0")
    try:
        async with client(buckets=buckets) as http:
            result = await post(http, "{ hello }")
    finally:
        await buckets.aclose()
    assert result["data"] == {"hello": "hello"}
    assert result["extensions"]["cost"]["throttleStatus"] is None
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "rate-limit store unreachable; serving without a cost budget"
    ]


# --- automatic persisted queries -------------------------------------------------------------


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


async def test_persisted_queries_miss_then_store_then_hit() -> None:
    query = "{ hello }"
    async with client() as http:
        miss = await http.post("/graphql", json={"extensions": persisted(query)})
        stored = await post(http, query, extensions=persisted(query))
        hit = await post(http, None, extensions=persisted(query))
    assert miss.status_code == 200
    assert miss.headers["cache-control"] == "private, no-cache, must-revalidate"
    assert miss.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
    assert stored["data"] == hit["data"] == {"hello": "hello"}


async def test_a_persisted_query_with_the_wrong_hash_is_refused() -> None:
    async with client() as http:
        result = await post(http, "{ hello }", extensions=persisted("{ chain { value } }"))
        later = await post(http, None, extensions=persisted("{ chain { value } }"))
    assert result["errors"] == [
        {"message": "provided sha does not match query", "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"}}
    ]
    assert codes(later) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_an_invalid_query_is_not_persisted() -> None:
    async with client() as http:
        invalid = await post(http, "{ nope }", extensions=persisted("{ nope }"))
        later = await post(http, None, extensions=persisted("{ nope }"))
    assert codes(invalid) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(later) == ["PERSISTED_QUERY_NOT_FOUND"]


# --- GraphQL over HTTP -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/graphql-response+json", GR_JSON),
        ("application/graphql-response+json, application/json;q=0.9", GR_JSON),
        ("application/json, application/graphql-response+json", "application/json"),
        ("application/graphql-response+json;q=0", "application/json"),
    ],
)
def test_the_response_media_type_follows_accept(accept: str | None, expected: str) -> None:
    assert response_media_type(accept) == expected


@pytest.mark.parametrize(
    ("query", "accept", "status", "has_data"),
    [
        ("{ hello", GR_JSON, 400, False),
        ("{ nope }", GR_JSON, 400, False),
        ("{ hello", "application/json", 200, True),
        ("{ nope }", "application/json", 200, True),
        ("{ hello broken }", GR_JSON, 200, True),
        ("{ hello }", GR_JSON, 200, True),
    ],
)
async def test_statuses_follow_the_graphql_over_http_spec(query: str, accept: str, status: int, has_data: bool) -> None:
    async with client() as http:
        response = await http.post("/graphql", json={"query": query}, headers={"accept": accept})
    assert response.status_code == status
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    assert ("data" in response.json()) is has_data


async def test_rate_limited_is_429_under_graphql_response_json() -> None:
    buckets = InProcessTokenBuckets(capacity=30, restore_rate=1.0, clock=FrozenClock())
    async with client(buckets=buckets, cost_limits=CostLimits(max_cost=30)) as http:
        await post(http, TOPICS)
        response = await http.post("/graphql", json={"query": TOPICS}, headers={"accept": GR_JSON})
    assert (response.status_code, response.headers["retry-after"]) == (429, "14")
    assert codes(response.json()) == ["RATE_LIMITED"]


async def test_production_hides_the_schema() -> None:
    async with client(production=True) as http:
        schema = await post(http, "{ __schema { queryType { name } } }")
        type_ = await post(http, '{ __type(name: "Query") { name } }')
        typo = await post(http, "{ helo }")
        ide = await http.get("/graphql", headers={"accept": "text/html"})
        get_query = await http.get("/graphql", params={"query": "{ hello }"}, headers=PREFLIGHT)
    disabled = "GraphQL introspection has been disabled, but the requested query contained the field"
    assert [e["message"] for e in schema["errors"]] == [f"{disabled} '__schema'.", f"{disabled} 'queryType'."]
    assert [e["message"] for e in type_["errors"]] == [f"{disabled} '__type'."]
    assert set(codes(schema) + codes(type_)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert [e["message"] for e in typo["errors"]] == ["Cannot query field 'helo' on type 'Query'."]
    assert (ide.status_code, ide.headers["allow"], ide.headers["content-type"]) == (
        405,
        "POST",
        "application/json; charset=utf-8",
    )
    assert (get_query.status_code, codes(get_query.json())) == (405, ["BAD_REQUEST"])


async def test_development_serves_graphiql_suggestions_and_get_queries() -> None:
    async with client() as http:
        ide = await http.get("/graphql", headers={"accept": "text/html"})
        typo = await post(http, "{ helo }")
        get_query = await http.get("/graphql", params={"query": "{ hello }"}, headers=PREFLIGHT)
        get_without_header = await http.get("/graphql", params={"query": "{ hello }"})
    assert (ide.status_code, "<title>" in ide.text) == (200, True)
    assert [e["message"] for e in typo["errors"]] == [
        "Cannot query field 'helo' on type 'Query'. Did you mean 'hello'?"
    ]
    assert get_query.json()["data"] == {"hello": "hello"}
    assert get_without_header.status_code == 400


async def test_a_mutation_over_get_is_refused() -> None:
    async with client() as http:
        response = await http.get("/graphql", params={"query": 'mutation { rename(name: "Ada") }'}, headers=PREFLIGHT)
    assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")
    assert response.json()["errors"][0]["message"] == "Mutations cannot be sent over GET; use POST."


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"query": "{ hello }"}'),
        ("application/x-www-form-urlencoded", "query=%7B+hello+%7D"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--\r\n',
        ),
    ],
)
async def test_simple_content_types_are_refused_as_csrf(content_type: str, body: str) -> None:
    async with client() as http:
        response = await http.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("This operation has been blocked as a potential Cross")


async def test_a_multipart_upload_with_a_preflight_header_runs() -> None:
    operations = '{"query": "mutation($file: Upload!) { upload(file: $file) }", "variables": {"file": null}}'
    async with client() as http:
        response = await http.post(
            "/graphql",
            data={"operations": operations, "map": '{"0": ["variables.file"]}'},
            files={"0": ("archive.zip", b"PK\x03\x04 fictional archive", "application/zip")},
            headers=PREFLIGHT,
        )
    assert response.json()["data"] == {"upload": 22}


async def test_batches_are_refused() -> None:
    async with client() as http:
        response = await http.post("/graphql", json=[{"query": "{ hello }"}, {"query": "{ hello }"}])
    assert (response.status_code, response.json()["errors"][0]["message"]) == (400, "Batching is not enabled")


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_limit_is_refused(chunked: bool) -> None:
    payload = ('{"query": "{ hello }", "variables": {"pad": "' + "x" * 2000 + '"}}').encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 500):
            yield payload[start : start + 500]

    async with client(max_body_bytes=1000) as http:
        response = await http.post(
            "/graphql", content=chunks() if chunked else payload, headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == "The request body is larger than 1000 bytes."


async def test_request_bodies_parse_as_json_does() -> None:
    huge = '{"query": "query ($n: Int) { people(first: $n) { handle } }", "variables": {"n": 123456789012345678901234}}'
    async with client() as http:
        broken = await http.post("/graphql", content=b'{"query": ', headers={"content-type": "application/json"})
        too_big = await http.post("/graphql", content=huge, headers={"content-type": "application/json"})
        nan = await http.post("/graphql", content='{"query": "{ hello }", "variables": {"x": NaN}}',
                              headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"] == "Unable to parse request body as JSON"
    # Integers past 64 bits stay exact integers (a faster parser would turn them into floats), and NaN is
    # accepted, as Python's parser does: the schema's own rules judge them.
    assert too_big.status_code == 200
    assert [e["message"] for e in too_big.json()["errors"]] == [
        "`first` on `Query.people` must be between 0 and 100; got 123456789012345678901234."]
    assert nan.json()["data"] == {"hello": "hello"}
