"""Opaque keyset cursors and the hard page cap."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

import strawberry

from renown.domain.errors import RenownError

PAGE_CAP = 100


class BadCursor(RenownError):
    code = "BAD_USER_INPUT"


def check_first(first: int) -> int:
    if not 1 <= first <= PAGE_CAP:
        raise BadCursor(f"`first` must be between 1 and {PAGE_CAP}")
    return first


def encode_cursor(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("`after` is not a cursor this API issued") from exc


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
