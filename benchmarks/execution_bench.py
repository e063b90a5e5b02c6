"""Plain fields completed directly (`PlainFieldExecutor`) against graphql-core's general path.

The same schema (behind the same protection layer) is executed in-process with each executor,
alternately, round after round: 200 entries of nine plain leaves each (strings, numbers, an enum,
a date, JSON, lists of strings), plus a plain object with a list of plain objects in it and a
resolver on a literal argument (`owner { handle links { url weight } greeting(punctuation: "?") }`).
The figure is the median time per query of each and their ratio.
"""

from __future__ import annotations

import datetime
import enum
import statistics
import time
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from renown.api.protection import build_schema

ENTRIES = 200
ROUNDS = 15
QUERIES_PER_ROUND = 20
QUERY = ('{ entries { handle score rank level since details hints maybeHints note '
         'owner { handle links { url weight } greeting(punctuation: "?") } } }')


@strawberry.enum
class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


@strawberry.type
class Link:
    url: str
    weight: float | None


@strawberry.type
class Owner:
    handle: str
    links: list[Link]

    @strawberry.field
    def greeting(self, punctuation: str = "!") -> str:
        return f"hello {self.handle}{punctuation}"


@strawberry.type
class Entry:
    handle: str
    score: float
    rank: int
    level: Level
    since: datetime.date
    details: JSON
    hints: list[str]
    maybe_hints: list[str | None] | None
    note: str | None
    owner: Owner


ROWS = [Entry(handle=f"member{i}.example.org", score=50 + i / 7, rank=i, level=Level.HIGH,
              since=datetime.date(2026, 11, 26), details={"reach": [i, 2.5]}, hints=["post more", "reply"],
              maybe_hints=["a", None], note=None,
              owner=Owner(handle=f"member{i}.example.org",
                          links=[Link(url=f"https://member{i}.example.org/{j}", weight=j / 2) for j in range(2)]))
        for i in range(ENTRIES)]


@strawberry.type
class Query:
    @strawberry.field
    def entries(self) -> list[Entry]:
        return ROWS


async def _time(schema: strawberry.Schema) -> float:
    started = time.perf_counter()
    for _ in range(QUERIES_PER_ROUND):
        result = await schema.execute(QUERY, context_value={"client_id": "bench"})
        assert result.errors is None
    return (time.perf_counter() - started) / QUERIES_PER_ROUND


async def plain_fields(_size: int) -> dict[str, Any]:
    """Milliseconds per query with and without the direct completion of plain fields, same run."""
    direct = build_schema(Query, production=False)
    general = build_schema(Query, production=False)
    general.execution_context_class = StrawberryGraphQLCoreExecutionContext
    first, second = await direct.execute(QUERY, context_value={}), await general.execute(QUERY, context_value={})
    assert first.data == second.data  # the same answer, or the comparison means nothing
    rounds = [(await _time(direct), await _time(general)) for _ in range(ROUNDS)]
    return {
        "fields_per_query": ENTRIES * 17,
        "direct_ms": round(statistics.median(d for d, _ in rounds) * 1000, 2),
        "baseline_general_path_ms": round(statistics.median(g for _, g in rounds) * 1000, 2),
        "speed_up": round(statistics.median(g / d for d, g in rounds), 2),
    }
