"""Error codes on every GraphQL error, and masking of everything a client was not meant to read."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

MASKED_MESSAGE = "Unexpected error."


class ErrorCode(StrEnum):
    """`extensions.code` values (Apollo names plus the conventional ones)."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_REQUEST = "BAD_REQUEST"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    RATE_LIMITED = "RATE_LIMITED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


# Errors that stop an operation before it runs: no `data` entry under graphql-response+json.
REQUEST_ERROR_CODES = frozenset(
    {
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.BAD_USER_INPUT,
        ErrorCode.QUERY_TOO_COSTLY,
        ErrorCode.RATE_LIMITED,
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
    }
)


class PublicError(Exception):
    """An error whose message is written for clients: never masked, never holds personal data."""

    code: ClassVar[str] = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        # graphql-core copies `extensions` of the original error onto the GraphQLError it builds.
        self.extensions: dict[str, Any] = {**extensions, "code": str(self.code)}


class Unauthenticated(PublicError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(PublicError):
    code = ErrorCode.FORBIDDEN


class BadUserInput(PublicError):
    code = ErrorCode.BAD_USER_INPUT


class QueryTooCostly(PublicError):
    code = ErrorCode.QUERY_TOO_COSTLY


class RateLimited(PublicError):
    code = ErrorCode.RATE_LIMITED


class PersistedQueryNotFound(PublicError):
    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND

    def __init__(self) -> None:
        # Apollo clients also match this exact message.
        super().__init__("PersistedQueryNotFound")


class PersistedQueryHashMismatch(PublicError):
    code = ErrorCode.PERSISTED_QUERY_HASH_MISMATCH

    def __init__(self) -> None:
        super().__init__("provided sha does not match query")


class ErrorPolicy:
    """Decides which errors are public and which code each error carries."""

    def __init__(self, public_errors: tuple[type[Exception], ...] = ()) -> None:
        self.public_errors: tuple[type[Exception], ...] = (PublicError, GraphQLError, *public_errors)

    def should_mask(self, error: GraphQLError) -> bool:
        """Mask only exceptions nobody wrote for a client (bugs, driver errors)."""
        original = error.original_error
        return original is not None and not self.is_public(original)

    def is_public(self, original: BaseException) -> bool:
        """Public by class, unless the instance's class says `public = False` (internal failures)."""
        return isinstance(original, self.public_errors) and getattr(original, "public", True) is not False

    def code(self, error: GraphQLError, *, executed: bool) -> str:
        """The `extensions.code` of an error; `executed` says it came from graphql-core's execute."""
        code = (error.extensions or {}).get("code")
        if isinstance(code, str):
            return code
        if isinstance(error, GraphQLSyntaxError):
            return ErrorCode.GRAPHQL_PARSE_FAILED
        original = error.original_error
        if original is not None and self.is_public(original):
            original_code = getattr(original, "code", None)
            if isinstance(original_code, str):
                return original_code
        if error.path is None and (original is None or isinstance(original, GraphQLError)):
            # Without a path, execute only reports variables it could not coerce.
            return ErrorCode.BAD_USER_INPUT if executed else ErrorCode.GRAPHQL_VALIDATION_FAILED
        return ErrorCode.INTERNAL_SERVER_ERROR

    def finalize(self, error: GraphQLError, *, executed: bool) -> GraphQLError:
        """Return the error as clients see it: masked if unexpected, always with a code."""
        if self.should_mask(error):
            return masked(error)
        code = self.code(error, executed=executed)
        if (error.extensions or {}).get("code") == code:
            return error
        # A copy, because validation errors are shared through the validation cache.
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=error.original_error,
            extensions={**(error.extensions or {}), "code": str(code)},
        )


def masked(error: GraphQLError) -> GraphQLError:
    """The anonymous stand-in for an unexpected error."""
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
    )


class MaskUnexpectedErrors(MaskErrors):
    """`MaskErrors` whose stand-in carries `INTERNAL_SERVER_ERROR`."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)

    def _process_result(self, result: object) -> None:
        # strawberry first tests the result against a runtime protocol, which costs more than the rest of
        # an error-free request's masking; a result without errors has nothing to mask.
        if getattr(result, "errors", None):
            super()._process_result(result)
