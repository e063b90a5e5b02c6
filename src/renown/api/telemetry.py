"""Tells the request's access line and latency metric which GraphQL operation it ran."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import get_operation_ast
from strawberry.extensions import SchemaExtension

from renown.telemetry.middleware import current_request

UNPARSED = "-"
ANONYMOUS = "anonymous"


class OperationTelemetry(SchemaExtension):
    """Names the operation from the parsed document, so a name the client made up is never a label."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            record = current_request.get()
            if record is not None:
                record.operation, record.operation_type = self._operation()

    def _operation(self) -> tuple[str, str | None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return UNPARSED, None
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return UNPARSED, None
        return (operation.name.value if operation.name else ANONYMOUS), operation.operation.value
