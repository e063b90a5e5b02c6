"""The protected schema: limits, caches, masking, codes, cost, rate limits and persisted queries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from renown.api.execution import PlainFieldExecutor
from renown.api.protection.cost import CostCache, CostLimits, QueryCost
from renown.api.protection.errors import ErrorCode, ErrorPolicy, MaskUnexpectedErrors
from renown.api.protection.hooks import CachedHooksRunner
from renown.api.protection.persisted import (
    AutomaticPersistedQueries,
    InMemoryPersistedQueries,
    PersistedQueryStore,
)
from renown.api.protection.ratelimit import InProcessTokenBuckets, TokenBuckets
from renown.api.protection.rules import DocumentLimits, build_rules
from renown.api.protection.validation import CachedValidation, ValidationResults

logger = logging.getLogger("renown.api.graphql")

CACHE_SIZE = 1024
DEFAULT_DOCUMENT_LIMITS = DocumentLimits()
DEFAULT_COST_LIMITS = CostLimits()

Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


class RenownSchema(strawberry.Schema):
    """A strawberry schema whose every error carries a code and whose logs hold no variables."""

    def __init__(self, *args: Any, error_policy: ErrorPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_policy = error_policy

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension],
    ) -> SchemaExtensionsRunner:
        """strawberry's runner, finding each extension's hooks once per class (see `hooks`)."""
        return CachedHooksRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log client errors at INFO and unexpected ones at ERROR, never with query or variables."""
        operation = execution_context.operation_name if execution_context is not None else None
        # strawberry sets `result` before it reports execution errors, and after pre-execution ones.
        executed = execution_context is not None and execution_context.result is not None
        for error in errors:
            code = self.error_policy.code(error, executed=executed)
            if self.error_policy.should_mask(error) or code == ErrorCode.INTERNAL_SERVER_ERROR:
                logger.error(
                    "GraphQL unexpected error (operation %s, path %s)",
                    operation,
                    error.path,
                    exc_info=error.original_error or error,
                )
            else:
                # Messages can echo literal argument values, so only the code is logged.
                logger.info("GraphQL client error %s (operation %s)", code, operation)

    async def execute(  # noqa: PLR0917
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Execute, then give every error its code and mask what escaped `MaskErrors`."""
        result = await super().execute(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=allowed_operation_types,
            operation_extensions=operation_extensions,
        )
        # Errors raised by extension hooks bypass MaskErrors; this catches them too.
        if result.errors:
            executed = not isinstance(result, PreExecutionError)
            result.errors = [self.error_policy.finalize(error, executed=executed) for error in result.errors]
        return result


def build_schema(
    query: type,
    mutation: type | None = None,
    *,
    production: bool,
    types: Iterable[type] = (),
    extra_extensions: Iterable[Extension] = (),
    document_limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
    cost_limits: CostLimits = DEFAULT_COST_LIMITS,
    buckets: TokenBuckets | None = None,
    persisted_queries: PersistedQueryStore | None = None,
    public_errors: tuple[type[Exception], ...] = (),
) -> RenownSchema:
    """Build the schema with every protection on; `production` also hides the schema's shape."""
    buckets = buckets if buckets is not None else InProcessTokenBuckets()
    if buckets.capacity < cost_limits.max_cost:
        raise ValueError("the bucket capacity must hold at least one maximum-cost operation")
    store = persisted_queries if persisted_queries is not None else InMemoryPersistedQueries(CACHE_SIZE)
    # Built once: a rule class per request would make every validation cache lookup miss (#4635).
    rules = build_rules(document_limits, production=production)
    policy = ErrorPolicy(public_errors)
    costs = CostCache(CACHE_SIZE)  # shared by every request, like the parser cache
    validated = ValidationResults(CACHE_SIZE)
    extensions: list[Extension] = [
        lambda: MaxTokensLimiter(max_token_count=document_limits.max_tokens),
        lambda: AutomaticPersistedQueries(store),
        lambda: AddValidationRules(rules),
        lambda: MaskUnexpectedErrors(should_mask_error=policy.should_mask),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: CachedValidation(validated),
        lambda: QueryCost(cost_limits, buckets, costs),
        *extra_extensions,
    ]
    return RenownSchema(
        query=query,
        mutation=mutation,
        types=types,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production, relay_max_results=cost_limits.max_page_size),
        error_policy=policy,
        execution_context_class=PlainFieldExecutor,
    )
