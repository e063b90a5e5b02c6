"""Validation results kept per query text, so a repeated query is validated once.

strawberry's `ValidationCache` keys an `lru_cache` by the parsed document, and a document hashes
by walking its whole syntax tree: every request paid that walk (about 75 nodes for `me { score
topics }`) even when the answer was cached. The text the document was parsed from says the same
and hashes once per string. Everything validation depends on is in the key: the text (the parser
is deterministic) and the rules; the schema is fixed per cache, as `build_schema` makes one cache
per schema. Bounded, least recently used first out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from renown.lru import Lru


class ValidationResults:
    """The errors of documents already validated against one schema (an empty list when valid)."""

    def __init__(self, size: int) -> None:
        self._errors: Lru[Hashable, list[GraphQLError]] = Lru(size)

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, query: str | None,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        if query is None:  # a document handed over already parsed: nothing to key it by cheaply
            return validate_document(schema, document, rules)
        key = (query, rules)
        found = self._errors.get(key)
        if found is not None:
            return found
        errors = validate_document(schema, document, rules)
        self._errors.put(key, errors)
        return errors

    def __len__(self) -> int:
        return len(self._errors)


class CachedValidation(SchemaExtension):
    """Validates through `ValidationResults` (in place of strawberry's `ValidationCache`)."""

    def __init__(self, results: ValidationResults) -> None:
        super().__init__()
        self.results = results

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.results.errors(
            context.schema._schema, context.graphql_document, context.query, tuple(context.validation_rules),
        )
        yield
