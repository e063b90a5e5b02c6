"""Validation results are kept per query text: a repeated query is validated once, its document never hashed."""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from graphql import DocumentNode, NoSchemaIntrospectionCustomRule, parse, specified_rules

from renown.api.protection import validation
from renown.api.protection.validation import ValidationResults

SCHEMA = graphql.build_schema("type Query { hello: String! score(days: Int!): Float }")
RULES = tuple(specified_rules)


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first operation's first field of every document actually validated, in order."""
    seen: list[str] = []
    real = validation.validate_document

    def spy(schema: Any, document: DocumentNode, rules: Any) -> Any:
        seen.append(document.definitions[0].selection_set.selections[0].name.value)  # type: ignore[attr-defined]
        return real(schema, document, rules)

    monkeypatch.setattr(validation, "validate_document", spy)
    return seen


@pytest.fixture
def unhashable_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hashing a document walks its whole tree: make it fail, so a cache that does it fails too."""

    def refuse(_document: DocumentNode) -> int:
        raise AssertionError("a document was hashed")

    monkeypatch.setattr(DocumentNode, "__hash__", refuse)


def errors_of(results: ValidationResults, query: str, rules: tuple[Any, ...] = RULES) -> list[str]:
    return [error.message for error in results.errors(SCHEMA, parse(query), query, rules)]


@pytest.mark.usefixtures("unhashable_documents")
def test_a_repeated_query_is_validated_once(validated: list[str]) -> None:
    results = ValidationResults(8)
    assert errors_of(results, "{ hello }") == []
    assert errors_of(results, "{ hello }") == []
    missing = ["Argument 'Query.score(days:)' of type 'Int!' is required, but it was not provided."]
    assert errors_of(results, "{ score }") == missing
    assert errors_of(results, "{ score }") == missing
    assert validated == ["hello", "score"]
    assert len(results) == 2


def test_other_rules_validate_again(validated: list[str]) -> None:
    results = ValidationResults(8)
    query = "{ __schema { description } }"
    assert errors_of(results, query) == []
    refused = errors_of(results, query, (*RULES, NoSchemaIntrospectionCustomRule))
    assert refused == [
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."]
    assert validated == ["__schema", "__schema"]


def test_the_least_recently_used_query_leaves_first(validated: list[str]) -> None:
    results = ValidationResults(2)
    for query in ("{ hello }", "{ score(days: 7) }", "{ hello }", "{ a: hello }", "{ hello }", "{ score(days: 7) }"):
        errors_of(results, query)
    # `score` was the least recently used when `a: hello` came in, so it is validated again at the end
    assert validated == ["hello", "score", "hello", "score"]
    assert len(results) == 2


def test_a_document_without_its_text_is_validated_every_time(validated: list[str]) -> None:
    results = ValidationResults(8)
    document = parse("{ hello }")
    assert results.errors(SCHEMA, document, None, RULES) == results.errors(SCHEMA, document, None, RULES) == []
    assert validated == ["hello", "hello"]
    assert len(results) == 0
