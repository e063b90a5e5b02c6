"""Field execution that skips graphql-core's per-field ceremony where it can change nothing.

Most fields of a response are plain attributes of leaf type (`value`, `level`, `hidden`, a list of
hints): 46 of the 67 fields `me { score topics }` answers. graphql-core still builds a resolve info,
calls the resolver through the middleware chain, tests the result for awaitability and walks
`complete_value` for each of them. For a field strawberry marks as basic (no resolver, no
permission or other field extension, so nothing to check and nothing to inform), with no arguments
and no directives, `PlainLeafExecutor` reads the attribute and coerces it with the type's own
`coerce_output_value`, which is all the general path would do. Anything unusual (a null where the
schema forbids one, a value the scalar refuses, an exception, an awaitable) goes down the general
path unchanged, so errors, their paths and their masking are exactly graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField, GraphQLLeafType, GraphQLObjectType, is_leaf_type, is_list_type, is_non_null_type
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_GENERAL = object()  # "take the general path"
_MAX_PLANS = 65_536  # schemas are built once per process; the bound only matters to a test run building many


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """How to complete one plain field of leaf type, or of a list of a leaf type."""

    field: GraphQLField  # kept so its id is not reused while the plan is cached
    resolve: Callable[..., Any]
    leaf: GraphQLLeafType
    non_null: bool
    is_list: bool = False
    item_non_null: bool = False

    def complete(self, source: Any) -> Any:
        """The completed value, or `_GENERAL` when only the general path can say what to answer."""
        try:
            value = self.resolve(source, None)
            if value is None:
                return _GENERAL if self.non_null else None
            if not self.is_list:
                return self._coerce(value)
            if not isinstance(value, list | tuple):
                return _GENERAL
            items: list[Any] = []
            for item in value:
                if item is None:
                    if self.item_non_null:
                        return _GENERAL
                    items.append(None)
                    continue
                coerced = self._coerce(item)
                if coerced is _GENERAL:
                    return _GENERAL
                items.append(coerced)
            return items
        except Exception:  # noqa: BLE001 - the general path raises it again and reports it properly
            return _GENERAL

    def _coerce(self, value: Any) -> Any:
        if isinstance(value, BaseException):
            return _GENERAL
        coerced = self.leaf.coerce_output_value(value)
        # graphql-core refuses a leaf coerced to nothing, nullable or not: let it say so.
        return _GENERAL if coerced is Undefined or coerced is None else coerced


_PLANS: dict[int, LeafPlan | None] = {}


def leaf_plan(field: GraphQLField) -> LeafPlan | None:
    """The plan for a plain leaf field, or None when the field needs the general path."""
    key = id(field)
    if key in _PLANS:
        cached = _PLANS[key]
        if cached is None or cached.field is field:  # a plan for a field since collected is not this one's
            return cached
    plan = _plan(field)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = plan
    return plan


def _plan(field: GraphQLField) -> LeafPlan | None:
    resolve = field.resolve
    if resolve is None or not getattr(resolve, "_is_default", False):  # strawberry's mark of a basic field
        return None
    of_type: Any = field.type
    non_null = is_non_null_type(of_type)
    if non_null:
        of_type = of_type.of_type
    if is_leaf_type(of_type):
        return LeafPlan(field, resolve, of_type, non_null)
    if not is_list_type(of_type):
        return None
    item = of_type.of_type
    item_non_null = is_non_null_type(item)
    if item_non_null:
        item = item.of_type
    if not is_leaf_type(item):
        return None
    return LeafPlan(field, resolve, item, non_null, is_list=True, item_non_null=item_non_null)


class PlainLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with plain leaf fields completed directly (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager  # a field middleware must see every field: then nothing is direct
        self._direct = manager is None or getattr(manager, "_middleware_resolvers", None) is None

    def execute_field(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        if self._direct and not node.arguments and not node.directives and len(field_details_list) == 1:
            field = self.schema.get_field(parent_type, node.name.value)
            plan = None if field is None else leaf_plan(field)
            if plan is not None:
                completed = plan.complete(source)
                if completed is not _GENERAL:
                    return completed
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
