"""Field execution that skips graphql-core's per-field ceremony where it can change nothing.

Most fields of a response are plain attributes (`value`, `level`, a list of hints, the networks of
a score): 46 of the 67 fields `me { score topics }` answers are plain leaves, and all of the rest
but `me`, `score` and `topics` are plain objects made of them or `Topic.name`. graphql-core still
builds a path, a resolve info, calls the resolver through the middleware chain, tests the result
for awaitability and walks `complete_value` for each of them. A field is plain when strawberry
marks it as basic (no resolver, no permission or other field extension, so nothing to check and
nothing to inform) and it has no arguments, no directives, no alias shared with another field.
`PlainFieldExecutor` completes such fields directly, with the plans of `renown.api.plans`:

- a leaf (or a list of leaves) is read and coerced with the type's own `coerce_output_value`;
- a leaf computed by a resolver that cannot reach the request (`resolver_leaf`: synchronous, no
  `info`, no permission, literal scalar arguments, like `Topic.name(language: "fr")`) is computed
  by calling it with the arguments converted once;
- an object (or a list of objects) whose sub-selection holds only such fields and `__typename`,
  with no fragments, is completed by a plan built once per query document and reused by every
  request that sends the same document (the parser cache hands them the same syntax tree);
- so is an object, or each object of a list, that a resolver returned (`me.score`, `me.topics`):
  the resolver runs on the general path, and what it returned is completed by a plan.

Anything unusual (a null where the schema forbids one, a value a scalar refuses, an exception, an
awaitable) sends that field, as a whole, down the general path, which answers it again from the
start: direct completion only reads attributes and calls resolvers that cannot reach the request,
so it leaves nothing behind to undo, and errors, their paths and their masking are exactly
graphql-core's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import GraphQLList, GraphQLObjectType
from graphql.pyutils import AwaitableOrValue
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from renown.api.plans import GENERAL, Plan, leaf_step, object_plan, returned_plan


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
            if completed is GENERAL:
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

    def complete_list_value(
        self, return_type: GraphQLList[Any], field_details_list: Any, info: Any, path: Any, result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """A list of objects a resolver returned (`me.topics`): its items completed from one plan."""
        if isinstance(result, list | tuple):
            completed = self._returned(return_type, field_details_list, result, position_context)
            if completed is not GENERAL:
                return completed  # type: ignore[no-any-return]
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def complete_object_value(
        self, return_type: GraphQLObjectType, field_details_list: Any, info: Any, path: Any, result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """An object a resolver returned (`me.score`), completed from a plan."""
        completed = self._returned(return_type, field_details_list, result, position_context)
        if completed is not GENERAL:
            return completed  # type: ignore[no-any-return]
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _returned(self, return_type: Any, field_details_list: Any, result: Any, position_context: Any) -> Any:
        """What a resolver returned, completed by its plan when its selection is plain, or `GENERAL`."""
        if not self._direct or position_context is not None or len(field_details_list) != 1:
            return GENERAL
        details = field_details_list[0]
        if details.node.directives or details.defer_usage is not None:
            return GENERAL
        plan = returned_plan(self.schema, return_type, details.node)
        return GENERAL if plan is None else plan.complete(result)

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


def _merged(grouped_field_set: dict[str, Any], direct: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    """Both halves of an object's fields, in the query's order (a field the general path dropped stays out)."""
    return {name: direct[name] if name in direct else rest[name]
            for name in grouped_field_set if name in direct or name in rest}


async def _merged_later(grouped_field_set: dict[str, Any], direct: dict[str, Any], rest: Any) -> dict[str, Any]:
    return _merged(grouped_field_set, direct, await rest)
