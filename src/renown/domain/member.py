"""Members: the people who signed up and whom Renown may score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class AgeBracket(StrEnum):
    UNDER_16 = "under_16"
    FROM_16_TO_17 = "16_17"
    ADULT = "18_plus"
    UNDECLARED = "undeclared"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    ERASURE_PENDING = "erasure_pending"
    ERASED = "erased"


@dataclass(slots=True)
class Member:
    id: UUID
    display_name: str | None
    age_bracket: AgeBracket
    status: MemberStatus
    created_at: datetime

    @property
    def is_erased(self) -> bool:
        return self.status is MemberStatus.ERASED
