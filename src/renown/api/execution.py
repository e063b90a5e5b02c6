"""Field execution that skips graphql-core's per-field ceremony where it can change nothing.

Most fields of a response are plain attributes (`value`, `level`, a list of hints, the networks of
a score): 46 of the 67 fields `me { score topics }` answers are plain leaves, and all of the rest
but `me`, `score` and `topics` are plain objects made of them or `Topic.name`. graphql-core still builds a path, a resolve info, calls the
resolver through the middleware chain, tests the result for awaitability and walks
`complete_value` for each of them. A field is plain when strawberry marks it as basic (no
resolver, no permission or other field extension, so nothing to check and nothing to inform) and
it has no arguments, no directives, no alias shared with another field. `PlainFieldExecutor`
completes such fields directly:

- a leaf (or a list of leaves) is read and coerced with the type's own `coerce_output_value`;
- a leaf computed by a resolver that cannot reach the request (`resolver_leaf`: synchronous, no
  `info`, no permission, literal scalar arguments, like `Topic.name(language: "fr")`) is computed
  by calling it with the arguments converted once;
- an object (or a list of objects) whose sub-selection holds only such fields and `__typename`,
  with no fragments, is completed by a plan built once per query document and reused by every
  request that sends the same document (the parser cache hands them the same syntax tree).

Anything unusual (a null where the schema forbids one, a value a scalar refuses, an exception, an
awaitable) sends that field, as a whole, down the general path, which answers it again from the
start: direct completion only reads attributes and calls resolvers that cannot reach the request,
so it leaves nothing behind to undo, and errors, their paths and their masking are exactly
graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLSchema,
    VariableNode,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments

_GENERAL = object()  # "take the general path"
Cached = TypeVar("Cached")
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


def _plan(field: GraphQLField, resolve: Callable[..., Any] | None = None) -> LeafPlan | None:
    if resolve is None:
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


@dataclass(frozen=True, slots=True)
class TypenamePlan:
    """`__typename` inside a plain object: the object type's name."""

    name: str

    def complete(self, _source: Any) -> str:
        return self.name


Plan: TypeAlias = "LeafPlan | TypenamePlan | ObjectPlan"


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    """How to complete one plain field of object type, or of a list of an object type, with plain fields below."""

    node: FieldNode
    resolve: Callable[..., Any]
    steps: tuple[tuple[str, Plan], ...]  # response name and plan of each sub-field, in the query's order
    non_null: bool
    is_list: bool = False
    item_non_null: bool = False

    def complete(self, source: Any) -> Any:
        """The completed value, or `_GENERAL` when only the general path can say what to answer."""
        try:
            value = self.resolve(source, None)
        except Exception:  # noqa: BLE001 - the general path raises it again and reports it properly
            return _GENERAL
        if value is None:
            return _GENERAL if self.non_null else None
        if not self.is_list:
            return self._object(value)
        if not isinstance(value, list | tuple):
            return _GENERAL
        items: list[Any] = []
        for item in value:
            if item is None:
                if self.item_non_null:
                    return _GENERAL
                items.append(None)
                continue
            completed = self._object(item)
            if completed is _GENERAL:
                return _GENERAL
            items.append(completed)
        return items

    def _object(self, value: Any) -> Any:
        if isinstance(value, BaseException):
            return _GENERAL
        completed: dict[str, Any] = {}
        for name, step in self.steps:
            field_value = step.complete(value)
            if field_value is _GENERAL:
                return _GENERAL
            completed[name] = field_value
        return completed


# Keyed by the selecting node and the parent type, both by identity: the parser cache hands every schema
# of the process the same syntax tree for the same query text, and each schema has its own types.
_OBJECT_PLANS: dict[tuple[int, int], tuple[FieldNode, GraphQLObjectType, ObjectPlan | None]] = {}
_RESOLVER_PLANS: dict[tuple[int, int], tuple[FieldNode, GraphQLObjectType, LeafPlan | None]] = {}


def object_plan(schema: GraphQLSchema, parent_type: GraphQLObjectType, node: FieldNode) -> ObjectPlan | None:
    """The plan for a plain field of object type as `node` selects it, or None when it needs the general path."""
    return _cached(_OBJECT_PLANS, parent_type, node, lambda: _object_plan(schema, parent_type, node))


def _cached(
    plans: dict[tuple[int, int], tuple[FieldNode, GraphQLObjectType, Cached]], parent_type: GraphQLObjectType,
    node: FieldNode, build: Callable[[], Cached],
) -> Cached:
    key = (id(node), id(parent_type))
    cached = plans.get(key)
    if cached is not None and cached[0] is node and cached[1] is parent_type:  # not a reused id
        return cached[2]
    plan = build()
    if len(plans) >= _MAX_PLANS:
        plans.clear()
    plans[key] = (node, parent_type, plan)  # holding both keeps their ids from being reused
    return plan


def _object_plan(schema: GraphQLSchema, parent_type: GraphQLObjectType, node: FieldNode) -> ObjectPlan | None:
    field = schema.get_field(parent_type, node.name.value)
    if field is None or node.selection_set is None or not _plain(field, node):
        return None
    of_type: Any = field.type
    non_null = is_non_null_type(of_type)
    if non_null:
        of_type = of_type.of_type
    is_list = is_list_type(of_type)
    item_non_null = False
    if is_list:
        of_type = of_type.of_type
        item_non_null = is_non_null_type(of_type)
        if item_non_null:
            of_type = of_type.of_type
    if not is_object_type(of_type) or of_type.is_type_of is not None:
        return None
    steps = _steps(schema, of_type, node)
    if steps is None:
        return None
    return ObjectPlan(node, field.resolve, steps, non_null, is_list, item_non_null)  # type: ignore[arg-type]


def _steps(
    schema: GraphQLSchema, object_type: GraphQLObjectType, node: FieldNode,
) -> tuple[tuple[str, Plan], ...] | None:
    steps: dict[str, Plan] = {}
    assert node.selection_set is not None
    for selection in node.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None  # fragments, @skip and @include: the general path collects them
        name = selection.alias.value if selection.alias else selection.name.value
        if name in steps:
            return None  # the same response name twice: fields to merge
        step: Plan | None
        if selection.name.value == "__typename" and not selection.arguments:
            step = TypenamePlan(object_type.name)
        elif selection.selection_set is None:
            step = leaf_step(schema, object_type, selection)
        else:
            step = object_plan(schema, object_type, selection)
        if step is None:
            return None
        steps[name] = step
    return tuple(steps.items())


def leaf_step(schema: GraphQLSchema, parent_type: GraphQLObjectType, node: FieldNode) -> LeafPlan | None:
    """The plan for a leaf field as `node` selects it: a plain one, or a resolver `resolver_leaf` accepts."""
    field = schema.get_field(parent_type, node.name.value)
    if field is None or node.directives:
        return None
    if not node.arguments and _plain(field, node):
        return leaf_plan(field)
    return _cached(_RESOLVER_PLANS, parent_type, node, lambda: resolver_leaf(schema, field, node))


def resolver_leaf(schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> LeafPlan | None:
    """A plan calling a strawberry resolver directly, when nothing but its arguments stands between.

    Only a synchronous resolver of leaf type qualifies, one that asks for no `info` (so it cannot
    reach the request), with no permission or other field extension, taking only literal scalar
    arguments (no variables): those are converted once, here, as strawberry converts them on
    every call. When the resolver raises, the general path calls it again to report the error.
    """
    definition = field.extensions.get("strawberry-definition")
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    resolver = getattr(definition, "base_resolver", None)
    if (
        definition is None or resolver is None or strawberry_schema is None or definition.extensions
        or resolver.is_async or resolver.info_parameter is not None
        or getattr(strawberry_schema.schema_converter, "_exception_handler_specs", None)  # errors as results
        or any(isinstance(argument.value, VariableNode) for argument in node.arguments or ())
        or not all(is_leaf_type(get_nullable_type(argument.type)) for argument in field.args.values())
    ):
        return None
    try:
        kwargs = convert_arguments(
            get_argument_values(field, node), definition.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry, config=strawberry_schema.config,
        )
    except Exception:  # noqa: BLE001 - a literal the scalar refuses: the general path reports it
        return None
    return _plan(field, resolve=_caller(definition, resolver, kwargs))


def _caller(definition: Any, resolver: Any, kwargs: dict[str, Any]) -> Callable[[Any, Any], Any]:
    """`resolve(source, info)` calling the strawberry resolver as strawberry would, with `kwargs`."""
    takes_self = resolver.self_parameter is not None
    source_names = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    get_result = definition.get_result

    def call(source: Any, _info: Any) -> Any:
        return get_result(source, None, [source] if takes_self else [],
                          {**kwargs, **dict.fromkeys(source_names, source)} if source_names else kwargs)

    return call


def _plain(field: GraphQLField, node: FieldNode) -> bool:
    resolve = field.resolve
    return (resolve is not None and getattr(resolve, "_is_default", False)  # strawberry's mark of a basic field
            and not node.arguments and not node.directives)


@dataclass(frozen=True, slots=True)
class FieldsPlan:
    """One selection set of an operation: the plans of its plain fields and the set of the others."""

    grouped_field_set: dict[str, Any]  # kept so its id is not reused while the executor holds the plan
    direct: tuple[tuple[str, Plan], ...]
    general: dict[str, Any]


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with plain fields completed directly (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager  # a field middleware must see every field: then nothing is direct
        self._direct = manager is None or getattr(manager, "_middleware_resolvers", None) is None
        self._fields_plans: dict[int, FieldsPlan] = {}

    def execute_fields(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Any, grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """Complete the plain fields directly, the rest (and any plain one that turns out unusual) generally."""
        if not self._direct or position_context is not None:  # a middleware, or deferred delivery
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        plan = self._fields_plan(parent_type, grouped_field_set)
        if not plan.direct:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, None)
        direct: dict[str, Any] = {}
        general = plan.general
        for name, step in plan.direct:
            completed = step.complete(source_value)
            if completed is _GENERAL:
                if general is plan.general:
                    general = dict(general)
                general[name] = grouped_field_set[name]
            else:
                direct[name] = completed
        if not general:
            return direct
        rest = super().execute_fields(parent_type, source_value, path, general, None)
        if self.is_awaitable(rest):
            return _merged_later(grouped_field_set, direct, rest)
        return _merged(grouped_field_set, direct, rest)  # type: ignore[arg-type]

    def _fields_plan(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]) -> FieldsPlan:
        # graphql-core collects a selection set once per executor, so every item of a list shares one plan.
        plan = self._fields_plans.get(id(grouped_field_set))
        if plan is not None and plan.grouped_field_set is grouped_field_set:
            return plan
        direct: list[tuple[str, Plan]] = []
        general: dict[str, Any] = {}
        for name, details in grouped_field_set.items():
            step = self._plan_of(parent_type, details)
            if step is None:
                general[name] = details
            else:
                direct.append((name, step))
        plan = self._fields_plans[id(grouped_field_set)] = FieldsPlan(grouped_field_set, tuple(direct), general)
        return plan

    def _plan_of(self, parent_type: GraphQLObjectType, details: Any) -> Plan | None:
        node = details[0].node
        if len(details) != 1 or node.directives or details[0].defer_usage is not None:
            return None
        if node.selection_set is not None:
            return object_plan(self.schema, parent_type, node)
        return leaf_step(self.schema, parent_type, node)

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


def _merged(grouped_field_set: dict[str, Any], direct: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    """Both halves of an object's fields, in the query's order (a field the general path dropped stays out)."""
    return {name: direct[name] if name in direct else rest[name]
            for name in grouped_field_set if name in direct or name in rest}


async def _merged_later(grouped_field_set: dict[str, Any], direct: dict[str, Any], rest: Any) -> dict[str, Any]:
    return _merged(grouped_field_set, direct, await rest)
