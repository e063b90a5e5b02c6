"""Reusable GraphQL protection: limits, caches, error codes, cost, rate limits, APQ, HTTP rules."""

from renown.api.protection.cost import CostCache, CostLimits, QueryCost, operation_cost
from renown.api.protection.errors import (
    BadUserInput,
    ErrorCode,
    ErrorPolicy,
    Forbidden,
    PublicError,
    QueryTooCostly,
    RateLimited,
    Unauthenticated,
)
from renown.api.protection.persisted import (
    AutomaticPersistedQueries,
    InMemoryPersistedQueries,
    PersistedQueryStore,
)
from renown.api.protection.ratelimit import (
    BucketState,
    ClientIdentified,
    InProcessTokenBuckets,
    RedisTokenBuckets,
    TokenBuckets,
    select_token_buckets,
)
from renown.api.protection.rules import DocumentLimits, build_rules
from renown.api.protection.schema import RenownSchema, build_schema
from renown.api.protection.view import RenownGraphQLView, response_media_type

__all__ = [
    "AutomaticPersistedQueries",
    "BadUserInput",
    "BucketState",
    "ClientIdentified",
    "CostCache",
    "CostLimits",
    "DocumentLimits",
    "ErrorCode",
    "ErrorPolicy",
    "Forbidden",
    "InMemoryPersistedQueries",
    "InProcessTokenBuckets",
    "PersistedQueryStore",
    "PublicError",
    "QueryCost",
    "QueryTooCostly",
    "RateLimited",
    "RedisTokenBuckets",
    "RenownGraphQLView",
    "RenownSchema",
    "TokenBuckets",
    "Unauthenticated",
    "build_rules",
    "build_schema",
    "operation_cost",
    "response_media_type",
    "select_token_buckets",
]
