"""`when_loaded`: a field whose loader already holds its value answers at once, with no task."""

from __future__ import annotations

import inspect
from typing import Any

import graphql.execution.executor
import pytest
import strawberry
from strawberry.dataloader import DataLoader

from renown.api.loaders import when_loaded
from renown.api.protection import build_schema

BATCHES: list[list[int]] = []


async def double(keys: list[int]) -> list[Any]:
    BATCHES.append(list(keys))
    return [ValueError(f"no value for {key}") if key < 0 else key * 2 for key in keys]


@pytest.fixture(autouse=True)
def no_batches_left() -> None:
    BATCHES.clear()


async def test_a_primed_key_answers_at_once() -> None:
    loader = DataLoader(load_fn=double)
    loader.prime(3, 6)
    assert when_loaded(loader.load(3), str) == "6"
    assert BATCHES == []


async def test_a_key_not_loaded_yet_answers_an_awaitable_that_batches() -> None:
    loader = DataLoader(load_fn=double)
    first, second = when_loaded(loader.load(1), str), when_loaded(loader.load(2), str)
    assert inspect.isawaitable(first)
    assert inspect.isawaitable(second)
    assert [await first, await second] == ["2", "4"]  # type: ignore[misc]
    assert BATCHES == [[1, 2]]
    assert when_loaded(loader.load(2), str) == "4"  # loaded before: now at once


async def test_a_failed_load_raises_either_way() -> None:
    loader = DataLoader(load_fn=double)
    pending = when_loaded(loader.load(-1), str)
    with pytest.raises(ValueError, match="no value for -1"):
        await pending  # type: ignore[misc]
    with pytest.raises(ValueError, match="no value for -1"):
        when_loaded(loader.load(-1), str)  # the failure is kept, and raised at once


@strawberry.type
class Member:
    key: strawberry.Private[int]

    @strawberry.field
    def doubled(self, info: strawberry.Info) -> int:
        return when_loaded(info.context["loader"].load(self.key), int)  # type: ignore[return-value]

    @strawberry.field
    def shown(self, info: strawberry.Info) -> str:
        return when_loaded(info.context["loader"].load(self.key), str)  # type: ignore[return-value]


@strawberry.type
class Query:
    @strawberry.field
    async def member(self, info: strawberry.Info, key: int, prime: bool) -> Member:
        if prime:  # as `me` does: one read, then every field from the loader
            info.context["loader"].prime(key, key * 2)
        return Member(key=key)


@pytest.mark.parametrize("prime", [True, False])
async def test_fields_of_a_primed_loader_complete_without_tasks(monkeypatch: pytest.MonkeyPatch, prime: bool) -> None:
    gathered: list[int] = []
    real = graphql.execution.executor.gather_with_cancel

    def spy(*awaitables: Any) -> Any:
        gathered.append(len(awaitables))
        return real(*awaitables)

    monkeypatch.setattr(graphql.execution.executor, "gather_with_cancel", spy)
    schema = build_schema(Query, production=False)
    query = "query ($p: Boolean!) { member(key: 21, prime: $p) { doubled shown } }"
    context = {"client_id": "ada", "loader": DataLoader(load_fn=double)}
    result = await schema.execute(query, variable_values={"p": prime}, context_value=context)
    assert result.errors is None
    assert result.data == {"member": {"doubled": 42, "shown": "42"}}
    assert (gathered, BATCHES) == (([], []) if prime else ([2], [[21]]))  # unprimed: both load in one batch
