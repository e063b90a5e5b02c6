"""Privacy requests as plain rules: the calendar-month deadline, its one extension, the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renown.domain.jobs import Backoff, error_label
from renown.domain.privacy import (
    ExtensionRefused,
    IllegalTransition,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    add_months,
    due_date,
    is_recent_auth,
)

ALICE = UUID("00000000-0000-4000-8000-00000000a11c")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


RECEIVED = at(2026, 1, 31)


def request(kind: RequestKind = RequestKind.EXPORT, *, received: datetime = RECEIVED,
            status: RequestStatus = RequestStatus.PENDING) -> PrivacyRequest:
    return PrivacyRequest(UUID(int=1), ALICE, kind, status, received, due_date(received))


@pytest.mark.parametrize(("received", "due"), [
    (at(2026, 1, 31), at(2026, 2, 28)),
    (at(2028, 1, 31), at(2028, 2, 29)),
    (at(2026, 3, 15, 9), at(2026, 4, 15, 9)),
    (at(2026, 3, 31), at(2026, 4, 30)),
    (at(2026, 12, 31, 23), at(2027, 1, 31, 23)),
    (at(2026, 2, 28), at(2026, 3, 28)),
])
def test_the_deadline_is_one_calendar_month_clamped_to_the_month_end(received: datetime, due: datetime) -> None:
    assert due_date(received) == due


# hypothesis takes naive bounds and attaches the zone itself
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31),  # noqa: DTZ001
                    timezones=st.just(UTC)))
def test_every_deadline_falls_in_the_next_month_28_to_31_days_later(received: datetime) -> None:
    due = due_date(received)
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    assert timedelta(days=28) <= due - received <= timedelta(days=31)
    assert due.time() == received.time()
    assert add_months(received, 0) == received


def test_an_extension_moves_the_deadline_by_up_to_two_months_from_the_first_deadline() -> None:
    # given a request received on 31 January (first deadline 28 February)
    pending = request()
    # when an officer extends it by two months on 10 February, with a reason
    extended = pending.extended(months=2, reason="  Many networks to collect from  ", at=at(2026, 2, 10))
    # then the deadline is 28 April and the reason is kept
    assert extended.due_at == at(2026, 4, 28)
    assert extended.extension_reason == "Many networks to collect from"
    assert extended.original_due_at == at(2026, 2, 28)


@pytest.mark.parametrize(("months", "reason", "when", "message"), [
    (3, "complex", at(2026, 2, 10), "one or 2 months"),
    (0, "complex", at(2026, 2, 10), "one or 2 months"),
    (1, "   ", at(2026, 2, 10), "needs a reason"),
    (1, "x" * 501, at(2026, 2, 10), "needs a reason"),
    (1, "complex", at(2026, 2, 28), "before the first deadline"),
    (1, "complex", at(2026, 3, 5), "before the first deadline"),
])
def test_an_extension_is_refused_outside_the_rules(months: int, reason: str, when: datetime, message: str) -> None:
    with pytest.raises(ExtensionRefused, match=message):
        request().extended(months=months, reason=reason, at=when)


def test_a_deadline_is_extended_only_once_and_only_while_open() -> None:
    once = request().extended(months=1, reason="complex", at=at(2026, 2, 1))
    with pytest.raises(ExtensionRefused, match="already extended once"):
        once.extended(months=1, reason="again", at=at(2026, 2, 2))
    with pytest.raises(ExtensionRefused, match="only an open request"):
        request(status=RequestStatus.COMPLETED).extended(months=1, reason="late", at=at(2026, 2, 2))


def test_the_lifecycle_moves_forward_and_stamps_completion() -> None:
    started = request().moved_to(RequestStatus.IN_PROGRESS, at=at(2026, 2, 1))
    done = started.moved_to(RequestStatus.COMPLETED, at=at(2026, 2, 2))
    assert (started.status, started.completed_at) == (RequestStatus.IN_PROGRESS, None)
    assert (done.status, done.completed_at, done.is_open) == (RequestStatus.COMPLETED, at(2026, 2, 2), False)


@pytest.mark.parametrize(("kind", "source", "target"), [
    (RequestKind.EXPORT, RequestStatus.PENDING, RequestStatus.AWAITING_GRACE),
    (RequestKind.ERASURE, RequestStatus.IN_PROGRESS, RequestStatus.CANCELED),
    (RequestKind.ERASURE, RequestStatus.COMPLETED, RequestStatus.IN_PROGRESS),
    (RequestKind.EXPORT, RequestStatus.CANCELED, RequestStatus.PENDING),
    (RequestKind.OBJECTION, RequestStatus.DENIED, RequestStatus.COMPLETED),
    (RequestKind.RESTRICTION, RequestStatus.PENDING, RequestStatus.COMPLETED),
])
def test_illegal_transitions_are_refused(kind: RequestKind, source: RequestStatus, target: RequestStatus) -> None:
    with pytest.raises(IllegalTransition) as refused:
        request(kind, status=source).moved_to(target, at=at(2026, 2, 1))
    assert refused.value.code == "PRIVACY_REQUEST_ILLEGAL_TRANSITION"
    assert refused.value.message == f"a {kind.value} request cannot go from {source.value} to {target.value}"


def test_only_an_erasure_waits_out_a_grace_period_and_can_be_canceled_during_it() -> None:
    waiting = request(RequestKind.ERASURE).moved_to(RequestStatus.AWAITING_GRACE, at=at(2026, 2, 1))
    assert waiting.moved_to(RequestStatus.CANCELED, at=at(2026, 2, 3)).status is RequestStatus.CANCELED


def test_overdue_and_at_risk_depend_on_the_deadline_and_on_being_open() -> None:
    pending = request()  # due 28 February, 12:00
    week = timedelta(days=7)
    assert (pending.is_at_risk(now=at(2026, 2, 20), within=week), pending.is_overdue(now=at(2026, 2, 20))) == (
        False, False)
    assert (pending.is_at_risk(now=at(2026, 2, 22), within=week), pending.is_overdue(now=at(2026, 2, 22))) == (
        True, False)
    assert (pending.is_at_risk(now=at(2026, 3, 1), within=week), pending.is_overdue(now=at(2026, 3, 1))) == (
        False, True)
    assert pending.days_left(now=at(2026, 2, 26)) == 2.0
    closed = pending.moved_to(RequestStatus.CANCELED, at=at(2026, 2, 2))
    assert closed.is_overdue(now=at(2026, 3, 1)) is False


def test_a_recent_authentication_is_one_within_the_window() -> None:
    now = at(2026, 2, 1)
    window = timedelta(minutes=15)
    assert is_recent_auth(now - timedelta(minutes=14), now=now, max_age=window) is True
    assert is_recent_auth(now - timedelta(minutes=16), now=now, max_age=window) is False
    assert is_recent_auth(now + timedelta(hours=1), now=now, max_age=window) is False


def test_backoff_doubles_from_its_base_up_to_its_cap() -> None:
    backoff = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=5))
    assert [backoff.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert backoff.delay(10_000) == timedelta(minutes=5)


def test_an_error_is_labelled_by_its_class_and_code_never_its_message() -> None:
    assert error_label(ValueError("alice@example.org")) == "ValueError"
    assert error_label(ExtensionRefused("anything")) == "ExtensionRefused:PRIVACY_REQUEST_EXTENSION_REFUSED"
