"""Validation rules built once, so validation cache keys stay stable (strawberry issue #4635)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule


@dataclass(frozen=True)
class DocumentLimits:
    """Static limits on the shape of a document."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_directives: int = 20


def directive_rule(max_directives: int) -> type[ValidationRule]:
    """A rule refusing documents with more than `max_directives` directives (directive overloading)."""

    class MaxDirectivesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.count += 1
            if self.count == max_directives + 1:
                self.report_error(
                    GraphQLError(f"More than {max_directives} directives found. Allowed: {max_directives}")
                )

    return MaxDirectivesRule


def build_rules(limits: DocumentLimits, *, production: bool) -> list[type[ASTValidationRule]]:
    """The validation rules for one schema; call once per schema, never per request."""
    rules: list[type[ASTValidationRule]] = [
        depth_rule(limits.max_depth, None, None),
        alias_rule(limits.max_aliases),
        directive_rule(limits.max_directives),
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules
