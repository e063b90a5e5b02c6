"""Ids as clients send them: an `ID` that is not a UUID names nothing, the same as an unknown one."""

from __future__ import annotations

from uuid import UUID

import strawberry


def uuid_of(value: strawberry.ID) -> UUID | None:
    """The UUID an `ID` argument holds, or None when it holds none (callers answer as for an unknown id)."""
    try:
        return UUID(str(value))
    except ValueError:
        return None
