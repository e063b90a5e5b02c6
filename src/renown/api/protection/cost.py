"""Query cost (GitHub/Shopify style): checked before execution, charged to the client's bucket.

Points count the objects an operation may return. A scalar or enum costs 0, an object 1. A
field with a `first`/`last` argument multiplies what it returns by that page size (the page cap
when no size is given). On a Relay connection the page multiplies only `edges` and `nodes`,
since `pageInfo` and the connection itself come once. Lists without a page argument count once:
any list that can grow must be paginated. Each mutation root field adds `mutation_cost`. Every
operation is charged at least one point.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from renown.api.protection.errors import BadUserInput, QueryTooCostly, RateLimited
from renown.api.protection.ratelimit import BucketState, RateLimiterUnavailable, TokenBuckets, client_id_of
from renown.lru import Lru

logger = logging.getLogger("renown.api.cost")

PAGE_ARGUMENTS = ("first", "last")
PAGED_CONNECTION_FIELDS = frozenset({"edges", "nodes"})


@dataclass(frozen=True)
class CostLimits:
    max_cost: int = 10_000
    max_page_size: int = 100
    mutation_cost: int = 10


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: CostLimits,
) -> int:
    """The points one operation of a validated document may cost; refuses pages over the cap."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    counter = _CostCounter(schema, fragments, values, limits)
    cost = counter.selections(operation.selection_set, root, page=None)
    if operation.operation == OperationType.MUTATION:
        cost += limits.mutation_cost * counter.root_fields(operation.selection_set)
    return cost


class _CostCounter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        limits: CostLimits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        # Cost is linear in the multiplier, so a fragment is counted once however often it is
        # spread: no exponential walk through nested spreads.
        self.fragment_costs: dict[tuple[str, int | None], int] = {}

    def root_fields(self, selection_set: SelectionSetNode) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += selection.name.value != "__typename"
            elif isinstance(selection, InlineFragmentNode):
                count += self.root_fields(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in self.fragments:
                count += self.root_fields(self.fragments[selection.name.value].selection_set)
        return count

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None) -> int:
        """Cost of a selection set; `page` is set inside a connection to multiply edges/nodes."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_cost = self.field(selection, parent)
                if page is not None and selection.name.value in PAGED_CONNECTION_FIELDS:
                    field_cost *= page
                total += field_cost
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                # Branches of an abstract type are summed: an upper bound, never an underestimate.
                total += self.selections(selection.selection_set, target or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, parent, page)
        return total

    def fragment(self, name: str, parent: GraphQLNamedType, page: int | None) -> int:
        key = (name, page)
        if key not in self.fragment_costs:
            definition = self.fragments.get(name)
            if definition is None:
                return 0
            target = self.schema.get_type(definition.type_condition.name.value) or parent
            self.fragment_costs[key] = self.selections(definition.selection_set, target, page)
        return self.fragment_costs[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        definition = self.definition(node.name.value, parent)
        if definition is None:
            return 0
        returned = get_named_type(definition.type)
        if is_leaf_type(returned) or node.selection_set is None:
            return 0
        size = self.page_size(node, definition, parent)
        if size is None:
            return 1 + self.selections(node.selection_set, returned, page=None)
        if "edges" in getattr(returned, "fields", {}):
            return 1 + self.selections(node.selection_set, returned, page=size)
        return size * (1 + self.selections(node.selection_set, returned, page=None))

    def definition(self, name: str, parent: GraphQLNamedType) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields: Mapping[str, GraphQLField] = getattr(parent, "fields", {})
        return fields.get(name)

    def page_size(self, node: FieldNode, definition: GraphQLField, parent: GraphQLNamedType) -> int | None:
        """The page a paginated field may return, or None if the field takes no page argument."""
        if not any(name in definition.args for name in PAGE_ARGUMENTS):
            return None
        cap = self.limits.max_page_size
        sizes: list[int] = []
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = self.argument_value(argument.value)
            if value is None:
                continue
            if not 0 <= value <= cap:
                raise BadUserInput(
                    f"`{argument.name.value}` on `{parent.name}.{node.name.value}` must be between 0 "
                    f"and {cap}; got {value}."
                )
            sizes.append(value)
        return max(sizes, default=cap)

    def argument_value(self, value: Any) -> int | None:
        raw: object = None
        if isinstance(value, IntValueNode):
            raw = int(value.value)
        elif isinstance(value, VariableNode):
            raw = self.variables.get(value.name.value)
        # bool is an int in Python but never a page size; other types fail coercion later.
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


class CostCache:
    """Costs of operations already counted, so a client repeating a query does not pay for the walk.

    A cost depends on the document, the operation and the integer variables (page sizes): other
    variables never change it. Bounded, least recently used first out; refusals are not kept.
    """

    def __init__(self, size: int = 1024) -> None:
        self._costs: Lru[Hashable, int] = Lru(size)

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        query: str | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        limits: CostLimits,
    ) -> int:
        if query is None:
            return operation_cost(schema, document, operation_name, variables, limits)
        pages = frozenset(
            (name, value) for name, value in (variables or {}).items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
        key = (query, operation_name, pages)
        found = self._costs.get(key)
        if found is not None:
            return found
        cost = operation_cost(schema, document, operation_name, variables, limits)
        self._costs.put(key, cost)
        return cost

    def __len__(self) -> int:
        return len(self._costs)


class QueryCost(SchemaExtension):
    """Refuse costly operations, charge the rest to the caller, and report `extensions.cost`."""

    def __init__(self, limits: CostLimits, buckets: TokenBuckets, cache: CostCache | None = None) -> None:
        self.limits = limits
        self.buckets = buckets
        self.cache = cache
        self.requested = 0
        self.state: BucketState | None = None
        self.unavailable = False

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        if self.cache is None:
            self.requested = operation_cost(
                context.schema._schema, context.graphql_document, context.operation_name, context.variables,
                self.limits,
            )
        else:
            self.requested = self.cache.cost(
                context.schema._schema, context.graphql_document, context.query, context.operation_name,
                context.variables, self.limits,
            )
        if self.requested > self.limits.max_cost:
            raise QueryTooCostly(
                f"This operation costs {self.requested} points; the maximum is {self.limits.max_cost}. "
                "Ask for smaller pages or fewer nested connections."
            )
        charge = max(1, self.requested)
        state = await self._take(charge)
        if state is not None and not state.allowed:
            retry_after = math.ceil((charge - state.available) / self.buckets.restore_rate)
            raise RateLimited(
                f"Rate limit exceeded: this operation costs {charge} points and "
                f"{math.floor(state.available)} are available; retry in {retry_after} s.",
                retryAfter=retry_after,
            )
        yield

    async def get_results(self) -> dict[str, Any]:
        if self.state is None and not self.unavailable:
            await self._take(0)
        throttle = None
        if self.state is not None:
            throttle = {
                "maximumAvailable": self.buckets.capacity,
                "currentlyAvailable": math.floor(self.state.available),
                "restoreRate": self.buckets.restore_rate,
            }
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "maximumAvailable": self.limits.max_cost,
                "throttleStatus": throttle,
            }
        }

    async def _take(self, cost: int) -> BucketState | None:
        try:
            self.state = await self.buckets.take(client_id_of(self.execution_context.context), cost)
        except RateLimiterUnavailable:
            # Fail open: an outage of the shared store must not take the API down with it.
            logger.warning("rate-limit store unreachable; serving without a cost budget")
            self.unavailable = True
            return None
        return self.state
