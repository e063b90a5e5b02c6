"""Privacy requests (GDPR Art. 15-21): kinds, lifecycle, and the calendar-month deadline of Art. 12(3)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from renown.domain.errors import RenownError
from renown.domain.policies import ConsentPurpose

MAX_EXTENSION_MONTHS = 2
MAX_REASON_CHARS = 500


class RequestKind(StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"


class RequestStatus(StrEnum):
    PENDING = "pending"
    AWAITING_GRACE = "awaiting_grace"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELED = "canceled"
    DENIED = "denied"
    FAILED = "failed"
    LIFTED = "lifted"  # a restriction (Art. 18) the member was told of, then lifted


# Purposes a standing restriction (Art. 18) stops; the data itself is kept.
RESTRICTED_PURPOSES = frozenset({ConsentPurpose.SCORING, ConsentPurpose.PUBLIC_PROFILE, ConsentPurpose.PERKS})

# A failed request is still owed to the person, so it stays open until someone retries or denies it.
OPEN_STATUSES = frozenset({
    RequestStatus.PENDING, RequestStatus.AWAITING_GRACE, RequestStatus.IN_PROGRESS, RequestStatus.FAILED,
})

_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.PENDING: frozenset({
        RequestStatus.AWAITING_GRACE, RequestStatus.IN_PROGRESS, RequestStatus.CANCELED, RequestStatus.DENIED,
        RequestStatus.FAILED, RequestStatus.LIFTED,
    }),
    RequestStatus.AWAITING_GRACE: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.CANCELED, RequestStatus.FAILED}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.COMPLETED, RequestStatus.FAILED}),
    RequestStatus.FAILED: frozenset({RequestStatus.PENDING, RequestStatus.DENIED, RequestStatus.LIFTED}),
    RequestStatus.COMPLETED: frozenset({RequestStatus.LIFTED}),
    RequestStatus.LIFTED: frozenset(),
    RequestStatus.CANCELED: frozenset(),
    RequestStatus.DENIED: frozenset(),
}


class IllegalTransition(RenownError):
    code = "PRIVACY_REQUEST_ILLEGAL_TRANSITION"

    def __init__(self, kind: RequestKind, source: RequestStatus, target: RequestStatus) -> None:
        super().__init__(f"a {kind.value} request cannot go from {source.value} to {target.value}")


class ExtensionRefused(RenownError):
    code = "PRIVACY_REQUEST_EXTENSION_REFUSED"


class AlreadyExtended(ExtensionRefused):
    """Art. 12(3) allows one extension only."""

    code = "ALREADY_EXTENDED"


class ExtensionPastDue(ExtensionRefused):
    """An extension must be recorded before the first deadline."""

    code = "PAST_DUE"


class InvalidExtension(ExtensionRefused):
    """Not one or two months, no reason (or too long a one), or a request no longer open."""

    code = "INVALID_EXTENSION"


class ReauthenticationRequired(RenownError):
    """The step is sensitive and the session's authentication is too old: sign in again."""

    code = "REAUTHENTICATION_REQUIRED"

    def __init__(self) -> None:
        super().__init__("this step needs a recent sign-in")


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day to the last day of the target month (31 Jan + 1 → 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_date(received_at: datetime) -> datetime:
    """Return the Art. 12(3) deadline: one calendar month after receipt."""
    return add_months(received_at, 1)


def is_recent_auth(auth_time: datetime, *, now: datetime, max_age: timedelta) -> bool:
    """Tell whether an authentication at `auth_time` is recent enough for a sensitive step."""
    return now - max_age <= auth_time <= now + timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PrivacyRequest:
    """A data subject's request; `details` holds what a rectification asks for (stored encrypted)."""

    id: UUID
    member_id: UUID
    kind: RequestKind
    status: RequestStatus
    received_at: datetime
    due_at: datetime
    extension_reason: str | None = None
    completed_at: datetime | None = None
    result: dict[str, object] | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether Renown still owes the person an answer."""
        return self.status in OPEN_STATUSES

    @property
    def original_due_at(self) -> datetime:
        return due_date(self.received_at)

    def can_become(self, target: RequestStatus) -> bool:
        """Tell whether the lifecycle allows moving to `target`."""
        if target is RequestStatus.AWAITING_GRACE and self.kind is not RequestKind.ERASURE:
            return False
        if target is RequestStatus.LIFTED and self.kind is not RequestKind.RESTRICTION:
            return False
        return target in _TRANSITIONS[self.status]

    def moved_to(self, target: RequestStatus, *, at: datetime) -> PrivacyRequest:
        """Return the request in `target`; raise IllegalTransition if the lifecycle forbids it."""
        if not self.can_become(target):
            raise IllegalTransition(self.kind, self.status, target)
        completed = at if target in (RequestStatus.COMPLETED, RequestStatus.CANCELED, RequestStatus.DENIED) else None
        if target is RequestStatus.LIFTED:
            completed = self.completed_at or at  # lifting ends the restriction, not the request's answer
        return replace(self, status=target, completed_at=completed)

    def extended(self, *, months: int, reason: str, at: datetime) -> PrivacyRequest:
        """Return the request with its deadline extended once, by at most two months, before the first deadline."""
        if self.extension_reason is not None:
            raise AlreadyExtended("the deadline was already extended once")
        if not self.is_open:
            raise InvalidExtension("only an open request can be extended")
        if not 1 <= months <= MAX_EXTENSION_MONTHS:
            raise InvalidExtension(f"an extension is one or {MAX_EXTENSION_MONTHS} months")
        if not reason.strip() or len(reason) > MAX_REASON_CHARS:
            raise InvalidExtension(f"an extension needs a reason of at most {MAX_REASON_CHARS} characters")
        if at >= self.original_due_at:
            raise ExtensionPastDue("an extension must be recorded before the first deadline")
        return replace(self, due_at=add_months(self.original_due_at, months), extension_reason=reason.strip())

    def days_left(self, *, now: datetime) -> float:
        """Return the days until the deadline (negative once overdue)."""
        return (self.due_at - now) / timedelta(days=1)

    def is_overdue(self, *, now: datetime) -> bool:
        return self.is_open and now > self.due_at

    def is_at_risk(self, *, now: datetime, within: timedelta) -> bool:
        """Tell whether the request is open, not yet overdue, and due within `within`."""
        return self.is_open and now <= self.due_at <= now + within
