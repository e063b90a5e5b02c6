"""The query-cost cache: a repeated operation is not walked again, and only page sizes change its cost."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import DocumentNode, GraphQLSchema, parse

from renown.api.protection import BadUserInput, CostCache, CostLimits, cost


@strawberry.type
class Topic:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def topics(self, first: int | None = None) -> list[Topic]:
        return []


SCHEMA: GraphQLSchema = strawberry.Schema(query=Query)._schema
PAGED = "query T($n: Int = 5, $tag: String) { topics(first: $n) { name } }"


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The operations whose cost was counted by walking the document."""
    counted: list[str | None] = []
    real = cost.operation_cost

    def counting(schema: GraphQLSchema, document: DocumentNode, name: str | None, *args: Any) -> int:
        counted.append(name)
        return real(schema, document, name, *args)

    monkeypatch.setattr(cost, "operation_cost", counting)
    return counted


def test_a_repeated_operation_is_walked_once_and_costs_the_same(walks: list[str | None]) -> None:
    cache = CostCache(size=8)
    document = parse(PAGED)
    assert [cache.cost(SCHEMA, document, PAGED, "T", {}, CostLimits()) for _ in range(3)] == [5, 5, 5]
    # Variables that are not page sizes never change a cost, so they share the entry.
    assert cache.cost(SCHEMA, document, PAGED, "T", {"tag": "rust"}, CostLimits()) == 5
    assert walks == ["T"]
    assert cache.cost(SCHEMA, document, PAGED, "T", {"n": 40}, CostLimits()) == 40
    assert cache.cost(SCHEMA, document, PAGED, "T", {"n": 40, "tag": "go"}, CostLimits()) == 40
    assert walks == ["T", "T"]
    assert len(cache) == 2


def test_refusals_are_not_kept_and_the_cache_is_bounded(walks: list[str | None]) -> None:
    cache = CostCache(size=2)
    document = parse(PAGED)
    for _ in range(2):
        with pytest.raises(BadUserInput):
            cache.cost(SCHEMA, document, PAGED, "T", {"n": 101}, CostLimits())
    assert len(cache) == 0
    for n in (1, 2, 3):
        assert cache.cost(SCHEMA, document, PAGED, "T", {"n": n}, CostLimits()) == n
    assert len(cache) == 2
    assert cache.cost(SCHEMA, document, PAGED, "T", {"n": 1}, CostLimits()) == 1  # evicted: walked again
    assert walks == ["T"] * 6


def test_without_query_text_the_cost_is_counted_every_time(walks: list[str | None]) -> None:
    cache = CostCache()
    document = parse("{ topics(first: 3) { name } }")
    assert cache.cost(SCHEMA, document, None, None, None, CostLimits()) == 3
    assert cache.cost(SCHEMA, document, None, None, None, CostLimits()) == 3
    assert walks == [None, None]
    assert len(cache) == 0
