"""Hooks found once per extension class run exactly as strawberry runs them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from renown.api.protection import build_schema
from renown.api.protection.hooks import CachedHooksRunner, hook_factory

EVENTS: list[str] = []


@pytest.fixture(autouse=True)
def no_events_left() -> Iterator[None]:
    yield
    EVENTS.clear()


class Generators(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        EVENTS.append("generator operation in")
        yield
        EVENTS.append("generator operation out")

    def on_execute(self) -> Iterator[None]:
        EVENTS.append("generator execute in")
        yield
        EVENTS.append("generator execute out")


class AsyncGenerators(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        EVENTS.append("async generator operation in")
        yield
        EVENTS.append("async generator operation out")

    async def on_validate(self) -> AsyncIterator[None]:
        EVENTS.append("async generator validate in")
        yield
        EVENTS.append("async generator validate out")


class Callables(SchemaExtension):
    def on_parse(self) -> None:  # type: ignore[override]
        EVENTS.append("callable parse")

    async def on_execute(self) -> None:  # type: ignore[override]
        EVENTS.append(f"coroutine execute, query {self.execution_context.query}")


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        EVENTS.append("resolver")
        return "hi"


async def events_of(runner: type[SchemaExtensionsRunner]) -> tuple[Any, list[str]]:
    schema = build_schema(Query, production=False, extra_extensions=(Generators, AsyncGenerators, Callables))
    if runner is SchemaExtensionsRunner:  # strawberry's own runner, for the reference
        schema.create_extensions_runner = lambda context, extensions: SchemaExtensionsRunner(  # type: ignore[method-assign]
            execution_context=context, extensions=extensions)
    result = await schema.execute("{ hello }", context_value={"client_id": "ada"})
    events = list(EVENTS)
    EVENTS.clear()
    return result.data, events


async def test_every_kind_of_hook_runs_in_strawberrys_order() -> None:
    cached = await events_of(CachedHooksRunner)
    assert cached == await events_of(SchemaExtensionsRunner)
    assert cached == ({"hello": "hi"}, [
        "generator operation in", "async generator operation in",
        "callable parse",
        "async generator validate in", "async generator validate out",
        "generator execute in", "coroutine execute, query { hello }", "resolver", "generator execute out",
        "async generator operation out", "generator operation out",
    ])


async def test_a_second_request_reuses_each_classs_hooks() -> None:
    await events_of(CachedHooksRunner)
    first = hook_factory(Generators, "on_operation")
    assert first is not None
    assert await events_of(CachedHooksRunner) == ({"hello": "hi"}, [
        "generator operation in", "async generator operation in", "callable parse", "async generator validate in",
        "async generator validate out", "generator execute in", "coroutine execute, query { hello }", "resolver",
        "generator execute out", "async generator operation out", "generator operation out",
    ])
    assert hook_factory(Generators, "on_operation") is first
    assert hook_factory(Generators, "on_validate") is None  # no hook: nothing to enter


async def test_an_extension_raising_in_its_hook_fails_the_request_as_before() -> None:
    class Refuses(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            raise ValueError("refused")
            yield  # pragma: no cover - makes this a generator

    answers = []
    for runner in (CachedHooksRunner, SchemaExtensionsRunner):
        schema = build_schema(Query, production=False, extra_extensions=(Refuses,))
        if runner is SchemaExtensionsRunner:
            schema.create_extensions_runner = lambda context, extensions: SchemaExtensionsRunner(  # type: ignore[method-assign]
                execution_context=context, extensions=extensions)
        result = await schema.execute("{ hello }", context_value={"client_id": "ada"})
        answers.append((result.data, [(e.message, (e.extensions or {}).get("code")) for e in result.errors or []]))
    assert answers[0] == answers[1]
    assert answers[0] == (None, [("Unexpected error.", "INTERNAL_SERVER_ERROR")])
    assert "resolver" not in EVENTS
