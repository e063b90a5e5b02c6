"""Column helpers shared by the table modules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from renown.storage.types import UTCDateTime


def time_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def blob_column(*, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(sa.LargeBinary(), nullable=nullable))


def json_column(*, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(sa.JSON(), nullable=nullable))
