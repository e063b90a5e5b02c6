"""The schema, assembled in one place from each domain's queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from renown.api.imports.mutations import ImportMutations
from renown.api.members.queries import MemberMutations, MemberQueries


@strawberry.type
class Query(MemberQueries):
    pass


@strawberry.type
class Mutation(MemberMutations, ImportMutations):
    pass


def build_schema(*, production: bool) -> strawberry.Schema:
    """Renown's schema with bounded parser and validation caches."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(disable_field_suggestions=production, relay_max_results=100),
        extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
    )
