"""Perk rules: score bands, eligibility with its reasons, and what a brand may publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from renown.domain.perks import Eligibility, InvalidPerk, Perk, eligibility, new_perk, score_band

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PERK_ID = UUID(int=1)


def perk(**changes: object) -> Perk:
    values: dict[str, object] = {
        "id": PERK_ID, "brand": "perks@brand-one.example", "title": "Seed box", "topic": None, "minimum_score": 60,
        "quantity": 10, "claimed": 0, "valid_from": NOW - timedelta(days=1), "valid_until": NOW + timedelta(days=1),
        "created_at": NOW - timedelta(days=2)}
    values.update(changes)
    return Perk(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("score", "band"), [
    (0.4, "1-9"), (1.0, "1-9"), (9.99, "1-9"), (10.0, "10-19"), (74.6, "70-79"), (79.99, "70-79"),
    (89.9, "80-89"), (90.0, "90-100"), (100.0, "90-100"), (130.0, "90-100"),
])
def test_a_score_is_disclosed_only_as_its_ten_point_band(score: float, band: str) -> None:
    assert score_band(score) == band


def test_eligibility_gives_one_reason_per_condition() -> None:
    # given a python perk needing 60 that has started and has units left
    offer = perk(topic="python")
    # then each member's verdict comes with the reasons
    assert eligibility(offer, score=60.4, topics=frozenset({"python"}), at=NOW) == Eligibility(True, (
        "your score meets the minimum of 60", "`python` is one of your topics"))
    assert eligibility(offer, score=59.9, topics=frozenset({"rust-lang"}), at=NOW) == Eligibility(False, (
        "your score is below the minimum of 60", "`python` is not one of your topics"))
    assert eligibility(offer, score=None, topics=None, at=NOW) == Eligibility(False, (
        "you have no score yet; the perk needs at least 60",
        "your topics are not known yet; the perk needs the topic `python`"))


def test_a_perk_outside_its_window_or_sold_out_is_not_claimable() -> None:
    assert eligibility(perk(), score=90.0, topics=None, at=NOW - timedelta(days=2)).why == (
        "the perk is not open yet", "your score meets the minimum of 60")
    assert eligibility(perk(claimed=10), score=90.0, topics=None, at=NOW + timedelta(days=2)) == Eligibility(False, (
        "the perk has expired", "the perk is sold out", "your score meets the minimum of 60"))


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": "  "}, "`title` must be 1 to 200 characters"),
    ({"topic": "Python!"}, "`topic` must be a topic slug such as `python`"),
    ({"minimum_score": 101}, "`minimumScore` must be between 1 and 100"),
    ({"quantity": 0}, "`quantity` must be between 1 and 1000000"),
    ({"valid_until": NOW - timedelta(hours=1)}, "`validUntil` must be after `validFrom` and in the future"),
])
def test_a_brand_input_error_names_its_field(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "perk_id": PERK_ID, "brand": "perks@brand-one.example", "title": "Seed box", "topic": "python",
        "minimum_score": 60, "quantity": 10, "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=1), "at": NOW}
    values.update(changes)
    with pytest.raises(InvalidPerk) as refused:
        new_perk(**values)  # type: ignore[arg-type]
    assert refused.value.message == message
