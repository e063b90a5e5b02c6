"""How `PlainFieldExecutor` completes plain fields: one plan per field, built once per query document.

A plan's `complete(source)` answers the field's completed value, or `GENERAL` when only
graphql-core's general path can say what to answer (see `renown.api.execution`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
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
from graphql.pyutils import Undefined
from strawberry.types.arguments import convert_arguments

GENERAL = object()  # "take the general path"
Cached = TypeVar("Cached")
Keyed = TypeVar("Keyed")
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
        """The completed value, or `GENERAL` when only the general path can say what to answer."""
        return _completed(self, source, self._coerce)

    def _coerce(self, value: Any) -> Any:
        if isinstance(value, BaseException):
            return GENERAL
        coerced = self.leaf.coerce_output_value(value)
        # graphql-core refuses a leaf coerced to nothing, nullable or not: let it say so.
        return GENERAL if coerced is Undefined or coerced is None else coerced


def _completed(plan: LeafPlan | ObjectPlan, source: Any, complete_item: Callable[[Any], Any]) -> Any:
    """Read the field, then complete its value (or each item of its list) with `complete_item`."""
    try:
        value = plan.resolve(source, None)
        if value is None:
            return GENERAL if plan.non_null else None
        if not plan.is_list:
            return complete_item(value)
        if not isinstance(value, list | tuple):
            return GENERAL
        items: list[Any] = []
        for item in value:
            if item is None:
                if plan.item_non_null:
                    return GENERAL
                items.append(None)
                continue
            completed = complete_item(item)
            if completed is GENERAL:
                return GENERAL
            items.append(completed)
        return items
    except Exception:  # noqa: BLE001 - the general path raises it again and reports it properly
        return GENERAL


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
    named, non_null, is_list, item_non_null = _shape(field)
    if not is_leaf_type(named):
        return None
    return LeafPlan(field, resolve, named, non_null, is_list, item_non_null)


def _shape(field: GraphQLField) -> tuple[Any, bool, bool, bool]:
    """The field's type without its wrappers; whether it is non-null, a list, a list of non-null items.

    A list of lists is left wrapped, so it is neither a leaf nor an object: the general path takes it.
    """
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
    return of_type, non_null, is_list, item_non_null


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
        """The completed value, or `GENERAL` when only the general path can say what to answer."""
        return _completed(self, source, self._object)

    def _object(self, value: Any) -> Any:
        if isinstance(value, BaseException):
            return GENERAL
        completed: dict[str, Any] = {}
        for name, step in self.steps:
            field_value = step.complete(value)
            if field_value is GENERAL:
                return GENERAL
            completed[name] = field_value
        return completed


# Keyed by the selecting node and the parent type, both by identity: the parser cache hands every schema
# of the process the same syntax tree for the same query text, and each schema has its own types.
_OBJECT_PLANS: dict[tuple[int, int], tuple[FieldNode, GraphQLObjectType, ObjectPlan | None]] = {}
_RESOLVER_PLANS: dict[tuple[int, int], tuple[FieldNode, GraphQLObjectType, LeafPlan | None]] = {}
_RETURNED_PLANS: dict[tuple[int, int], tuple[FieldNode, GraphQLList[Any] | GraphQLObjectType, ObjectPlan | None]] = {}


def object_plan(schema: GraphQLSchema, parent_type: GraphQLObjectType, node: FieldNode) -> ObjectPlan | None:
    """The plan for a plain field of object type as `node` selects it, or None when it needs the general path."""
    return _cached(_OBJECT_PLANS, parent_type, node, lambda: _object_plan(schema, parent_type, node))


def returned_plan(
    schema: GraphQLSchema, return_type: GraphQLList[Any] | GraphQLObjectType, node: FieldNode,
) -> ObjectPlan | None:
    """The plan completing an object, or the objects of a list, that a resolver returned, as `node`
    selects them; None when they need the general path. Keyed by the type, which for a list fixes
    its items' type and nullability."""
    return _cached(_RETURNED_PLANS, return_type, node, lambda: _returned_plan(schema, return_type, node))


def _returned_plan(
    schema: GraphQLSchema, return_type: GraphQLList[Any] | GraphQLObjectType, node: FieldNode,
) -> ObjectPlan | None:
    is_list = is_list_type(return_type)
    of_type: Any = return_type.of_type if is_list else return_type  # type: ignore[union-attr]
    item_non_null = is_list and is_non_null_type(of_type)
    if item_non_null:
        of_type = of_type.of_type
    if not is_object_type(of_type) or of_type.is_type_of is not None or node.selection_set is None:
        return None
    steps = _steps(schema, of_type, node)
    if steps is None:
        return None
    return ObjectPlan(node, _itself, steps, non_null=True, is_list=is_list, item_non_null=item_non_null)


def _itself(source: Any, _info: Any) -> Any:
    return source


def _cached(
    plans: dict[tuple[int, int], tuple[FieldNode, Keyed, Cached]], parent_type: Keyed,
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
    of_type, non_null, is_list, item_non_null = _shape(field)
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
    if _plain(field, node):
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
    """Whether the field is basic in strawberry's sense and `node` selects it with no arguments or directives."""
    resolve = field.resolve
    return (resolve is not None and getattr(resolve, "_is_default", False)  # strawberry's mark of a basic field
            and not node.arguments and not node.directives)
