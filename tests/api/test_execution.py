"""Plain fields completed directly answer exactly what graphql-core's general path answers."""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from renown.api.execution import PlainFieldExecutor
from renown.api.protection import build_schema


@strawberry.enum
class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Never(BasePermission):
    message = "Not for you."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Link:
    url: str
    weight: float | None


@strawberry.type
class Owner:
    handle: str
    rank: int
    links: list[Link]

    @strawberry.field
    async def badge(self) -> str:
        return f"badge of {self.handle}"

    @strawberry.field
    def greeting(self, punctuation: str = "!", times: int = 1) -> str:
        return f"hello {self.handle}{punctuation * times}"

    @strawberry.field
    def fails(self) -> str:
        raise ValueError("greeting refused")

    @strawberry.field
    def field_name(self, info: strawberry.Info) -> str:
        return info.field_name

    @strawberry.field
    def initials(self, parent: strawberry.Parent[Owner]) -> str:
        return parent.handle[:2]


@strawberry.type
class Card:
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
    maybe_owner: Owner | None
    secret: str = strawberry.field(permission_classes=[Never], default="kept")
    grid: list[list[int]] = strawberry.field(default_factory=lambda: [[1, 2], [3]])

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.handle.upper() * times


def card(**changes: Any) -> Card:
    values: dict[str, Any] = {
        "handle": "ada.example.org", "score": 71.25, "rank": 3, "level": Level.HIGH,
        "since": datetime.date(2026, 11, 26), "details": {"reach": [1, 2.5, None]}, "hints": ["post more", "reply"],
        "maybe_hints": ["a", None], "note": None, "owner": owner(), "maybe_owner": None,
    }
    return Card(**{**values, **changes})


def owner(**changes: Any) -> Owner:
    values: dict[str, Any] = {
        "handle": "ada.example.org", "rank": 3,
        "links": [Link(url="https://ada.example.org/a", weight=0.5),
                  Link(url="https://ada.example.org/b", weight=None)],
    }
    return Owner(**{**values, **changes})


CARDS: list[Card] = []  # what `cards` answers, set by each test


@pytest.fixture(autouse=True)
def no_cards_left() -> Iterator[None]:
    yield
    CARDS.clear()


@pytest.fixture
def general_fields(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields (`Type.field`) that go through graphql-core's general path, in order."""
    taken: list[str] = []
    general_path = StrawberryGraphQLCoreExecutionContext.execute_field

    def spy(self: Any, parent_type: Any, source: Any, details: Any, path: Any, position: Any) -> Any:
        taken.append(f"{parent_type.name}.{details[0].node.name.value}")
        return general_path(self, parent_type, source, details, path, position)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", spy)
    return taken


@pytest.fixture
def general_objects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The objects (type names) that graphql-core's general path completes, in order."""
    taken: list[str] = []
    general_path = StrawberryGraphQLCoreExecutionContext.complete_object_value

    def spy(self: Any, return_type: Any, *args: Any) -> Any:
        taken.append(return_type.name)
        return general_path(self, return_type, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_object_value", spy)
    return taken


@strawberry.type
class Query:
    @strawberry.field
    def cards(self) -> list[Card]:
        return CARDS

    @strawberry.field
    async def later_cards(self) -> list[Card | None]:  # an async resolver whose list may hold nulls
        return CARDS  # type: ignore[return-value]  # tests put None in it

    @strawberry.field
    async def first_card(self) -> Card | None:
        return CARDS[0]


EVERY_LEAF = "{ cards { handle score rank level since details hints maybeHints note } }"


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = build_schema(Query, production=False)
    general = build_schema(Query, production=False)
    general.execution_context_class = StrawberryGraphQLCoreExecutionContext
    return fast, general


async def both(query: str, cards: list[Card]) -> tuple[Any, Any]:
    """The answers of the direct and the general executors; a test compares them (keys in order, too)."""
    CARDS[:] = cards
    fast, general = schemas()
    assert fast.execution_context_class is PlainFieldExecutor
    answers = []
    for schema in (fast, general):
        result = await schema.execute(query, context_value={"client_id": "ada"})
        errors = [(e.message, e.path, [(at.line, at.column) for at in e.locations or []]) for e in result.errors or []]
        answers.append((json.dumps(result.data), errors))
    return answers[0], answers[1]


async def test_plain_leaves_answer_as_the_general_path() -> None:
    fast, general = await both(EVERY_LEAF, [card(), card(handle="grace.example.org", maybe_hints=None)])
    assert fast == general
    data = json.loads(fast[0])
    assert data["cards"][0] == {
        "handle": "ada.example.org", "score": 71.25, "rank": 3, "level": "HIGH", "since": "2026-11-26",
        "details": {"reach": [1, 2.5, None]}, "hints": ["post more", "reply"], "maybeHints": ["a", None], "note": None,
    }
    assert data["cards"][1]["maybeHints"] is None


async def test_plain_leaves_skip_the_general_path(general_fields: list[str]) -> None:
    CARDS[:] = [card(), card()]
    result = await schemas()[0].execute(EVERY_LEAF, context_value={"client_id": "ada"})
    assert result.errors is None
    assert general_fields == ["Query.cards"]  # nine leaves on each of two cards, none through the general path


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ("{ cards { handle } }", {"handle": None}),  # a null where the schema forbids one
        ("{ cards { rank } }", {"rank": "three"}),  # a value the scalar refuses
        ("{ cards { rank } }", {"rank": 2.5}),
        ("{ cards { hints } }", {"hints": ["fine", None]}),  # a null item in a list of non-null items
        ("{ cards { hints } }", {"hints": "not a list"}),
        ("{ cards { level } }", {"level": "HIGH"}),  # not a member of the enum
        ("{ cards { note } }", {"note": ValueError("kept out of the answer")}),
    ],
)
async def test_what_only_the_general_path_can_answer_gets_its_answer(query: str, bad: dict[str, Any]) -> None:
    fast, general = await both(query, [card(), card(**bad)])
    assert fast == general
    assert fast[1], "the bad value must produce an error"


@pytest.mark.parametrize(
    "query",
    [
        "{ cards { secret } }",  # a permission class: never a plain field
        "{ cards { grid } }",  # a list of lists
        "{ cards { shout(times: 2) } }",  # a resolver with arguments
        "{ cards { a: handle b: handle handle } }",  # aliases, and the same field twice
        "{ cards { handle @include(if: false) rank @skip(if: false) } }",
        "{ cards { ... on Card { handle } ...Rest } } fragment Rest on Card { score handle }",
    ],
)
async def test_everything_else_answers_as_before(query: str) -> None:
    fast, general = await both(query, [card(), card(handle="grace.example.org")])
    assert fast == general


async def test_a_field_middleware_still_sees_every_field() -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    CARDS[:] = [card()]
    schema = build_schema(Query, production=False, extra_extensions=(Watch,))
    result = await schema.execute("{ cards { handle rank hints } }", context_value={"client_id": "ada"})
    assert result.data == {"cards": [{"handle": "ada.example.org", "rank": 3, "hints": ["post more", "reply"]}]}
    assert seen == ["cards", "handle", "rank", "hints"]


NESTED = "{ cards { handle owner { handle rank links { url weight } } maybeOwner { rank __typename } } }"


async def test_plain_objects_answer_as_the_general_path() -> None:
    cards = [card(), card(handle="grace.example.org", maybe_owner=owner(rank=9, links=[]))]
    fast, general = await both(NESTED, cards)
    assert fast == general
    assert json.loads(fast[0])["cards"] == [
        {"handle": "ada.example.org", "owner": {"handle": "ada.example.org", "rank": 3, "links": [
            {"url": "https://ada.example.org/a", "weight": 0.5}, {"url": "https://ada.example.org/b", "weight": None}]},
         "maybeOwner": None},
        {"handle": "grace.example.org", "owner": {"handle": "ada.example.org", "rank": 3, "links": [
            {"url": "https://ada.example.org/a", "weight": 0.5}, {"url": "https://ada.example.org/b", "weight": None}]},
         "maybeOwner": {"rank": 9, "__typename": "Owner"}},
    ]


async def test_plain_objects_skip_the_general_path(general_fields: list[str]) -> None:
    CARDS[:] = [card(), card(maybe_owner=owner())]
    result = await schemas()[0].execute(NESTED, context_value={"client_id": "ada"})
    assert result.errors is None
    assert general_fields == ["Query.cards"]


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        # a null where the schema forbids one, two levels down: the error bubbles up to the card
        ("{ cards { handle owner { links { url } } } }", {"owner": owner(links=[Link(url=None, weight=1.0)])}),  # type: ignore[arg-type]
        ("{ cards { owner { rank } } }", {"owner": None}),
        ("{ cards { owner { links { url } } } }", {"owner": owner(links=[None])}),  # a null item, non-null items
        ("{ cards { owner { rank } } }", {"owner": owner(rank="three")}),  # a value the scalar refuses
        ("{ cards { maybeOwner { rank } } }", {"maybe_owner": owner(rank=2.5)}),  # ... under a nullable object
        ("{ cards { owner { links { url } } } }", {"owner": owner(links="not a list")}),
        ("{ cards { maybeOwner { handle } } }", {"maybe_owner": ValueError("kept out of the answer")}),
    ],
)
async def test_what_only_the_general_path_can_answer_in_an_object_gets_its_answer(
    query: str, bad: dict[str, Any],
) -> None:
    fast, general = await both(query, [card(), card(**bad), card()])
    assert fast == general
    assert fast[1], "the bad value must produce an error"


@pytest.mark.parametrize(
    "query",
    [
        "{ cards { rank owner { badge handle links { weight url } } handle } }",  # an async resolver among them
        "{ cards { owner { handle ... on Owner { rank } } } }",  # a fragment inside
        "{ cards { owner { a: rank b: rank } } }",
        "{ cards { owner { rank rank } } }",  # the same field twice: merged
        "{ cards { owner { rank @skip(if: true) handle } } }",
        "{ cards { shout(times: 3) owner { handle } note } }",  # direct and general fields, in the query's order
        "{ cards { owner { handle } ... on Card { owner { rank } } } }",  # one object selected twice
    ],
)
async def test_objects_the_plans_leave_out_answer_as_before(query: str) -> None:
    fast, general = await both(query, [card(), card(handle="grace.example.org", maybe_owner=owner())])
    assert fast == general
    assert not fast[1]


async def test_resolvers_on_literal_arguments_answer_as_the_general_path(general_fields: list[str]) -> None:
    query = '{ cards { owner { greeting a: greeting(punctuation: "?", times: 2) initials } shout(times: 2) } }'
    cards = [card(), card(handle="grace.example.org", owner=owner(handle="grace.example.org"))]
    fast, general = await both(query, cards)
    assert fast == general
    assert json.loads(fast[0])["cards"][1] == {
        "owner": {"greeting": "hello grace.example.org!", "a": "hello grace.example.org??", "initials": "gr"},
        "shout": "GRACE.EXAMPLE.ORGGRACE.EXAMPLE.ORG",
    }
    general_fields.clear()  # the general executor's run above took the general path throughout
    CARDS[:] = cards
    result = await schemas()[0].execute(query, context_value={"client_id": "ada"})
    assert result.errors is None
    assert general_fields == ["Query.cards"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ cards { owner { handle fails } } }", None),  # raises: the general path calls it again and reports it
        ("{ cards { owner { rank fieldName } } }", None),  # asks for info
        ("{ cards { owner { badge } } }", None),  # asynchronous
        ("{ cards { secret } }", None),  # a permission class
        ("query ($p: String!) { cards { owner { greeting(punctuation: $p) } } }", {"p": "."}),  # a variable
    ],
)
async def test_resolvers_the_plans_leave_out_answer_as_before(query: str, variables: dict[str, Any] | None) -> None:
    CARDS[:] = [card(), card(handle="grace.example.org")]
    fast, general = schemas()
    answers = []
    for schema in (fast, general):
        result = await schema.execute(query, variable_values=variables, context_value={"client_id": "ada"})
        answers.append((json.dumps(result.data), [(e.message, e.path) for e in result.errors or []]))
    assert answers[0] == answers[1]
    assert bool(answers[0][1]) == ("fails" in query or "secret" in query)  # only those two refuse


@strawberry.type(name="Owner")
class TwinOwner:
    handle: str

    @strawberry.field
    def greeting(self, punctuation: str = "!", times: int = 1) -> str:
        return f"good day {self.handle}{punctuation * times}"


@strawberry.type(name="Card")
class TwinCard:
    owner: TwinOwner


@strawberry.type(name="Query")
class TwinQuery:
    @strawberry.field
    def cards(self) -> list[TwinCard]:
        return [TwinCard(owner=TwinOwner(handle="grace.example.org"))]


async def test_schemas_with_the_same_type_names_keep_their_own_plans() -> None:
    # The parser cache gives both schemas the same syntax tree for the same text: plans must not cross over.
    query = '{ cards { owner { handle greeting(punctuation: "?") } } }'
    CARDS[:] = [card()]
    ours, twin = build_schema(Query, production=False), build_schema(TwinQuery, production=False)
    answers = [(await schema.execute(query, context_value={"client_id": "ada"})).data for schema in (ours, twin, ours)]
    assert answers == [
        {"cards": [{"owner": {"handle": "ada.example.org", "greeting": "hello ada.example.org?"}}]},
        {"cards": [{"owner": {"handle": "grace.example.org", "greeting": "good day grace.example.org?"}}]},
        {"cards": [{"owner": {"handle": "ada.example.org", "greeting": "hello ada.example.org?"}}]},
    ]


LISTED = ("{ cards { handle owner { rank } } laterCards { rank maybeOwner { handle } __typename } "
          "firstCard { handle owner { links { url } } } }")


async def test_objects_a_resolver_returned_answer_as_the_general_path(general_objects: list[str]) -> None:
    cards = [card(), card(handle="grace.example.org", rank=9, maybe_owner=owner(handle="linus.example.org"))]
    fast, general = await both(LISTED, cards)
    assert fast == general
    assert json.loads(fast[0]) == {
        "cards": [{"handle": "ada.example.org", "owner": {"rank": 3}},
                  {"handle": "grace.example.org", "owner": {"rank": 3}}],
        "laterCards": [{"rank": 3, "maybeOwner": None, "__typename": "Card"},
                       {"rank": 9, "maybeOwner": {"handle": "linus.example.org"}, "__typename": "Card"}],
        "firstCard": {"handle": "ada.example.org", "owner": {"links": [
            {"url": "https://ada.example.org/a"}, {"url": "https://ada.example.org/b"}]}},
    }
    general_objects.clear()  # the general executor's run above completed every object generally
    CARDS[:] = cards
    result = await schemas()[0].execute(LISTED, context_value={"client_id": "ada"})
    assert result.errors is None
    assert general_objects == []  # the cards of both lists and the first card, and the objects inside, came from plans


@pytest.mark.parametrize(
    ("query", "cards", "errors"),
    [
        ("{ laterCards { handle } }", [card(), None, card(handle="grace.example.org")], 0),  # nullable items
        ("{ cards { handle } }", [card(), None], 1),  # a null item where the schema forbids one
        ("{ laterCards { handle rank } }", [card(), card(rank="three")], 1),  # refused in one item: it becomes null
        ("{ laterCards { owner { links { url } } } }", [card(owner=owner(links=[None]))], 1),  # deep inside one
        ("{ laterCards { ... on Card { handle } } }", [card()], 0),  # a fragment: the plans leave it out
        ("{ laterCards { handle @skip(if: true) rank } }", [card()], 0),  # a directive, likewise
        ("{ laterCards { owner { badge } } }", [card()], 0),  # an async field below, likewise
        ("{ firstCard { handle owner { rank } } }", [card(owner=owner(rank=None))], 1),  # null in a returned object
        ("{ firstCard { owner { ... on Owner { rank } } } }", [card()], 0),
    ],
)
async def test_lists_a_resolver_returned_with_something_unusual_answer_as_before(
    query: str, cards: list[Card], errors: int,
) -> None:
    fast, general = await both(query, cards)
    assert fast == general
    assert len(fast[1]) == errors
