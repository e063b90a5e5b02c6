"""What the scoring engine stores and shows: a member's score, its history, their topics, public views."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.influence import Explanation


class UnknownTopic(RenownError):
    """The slug names no topic of the taxonomy."""

    code = "UNKNOWN_TOPIC"


@dataclass(frozen=True, slots=True)
class MemberScore:
    """A member's latest score with the explanation stored next to it (see `Explanation.to_dict`)."""

    member_id: UUID
    value: float
    confidence: float
    model_version: str
    calibration_version: str
    computed_at: datetime
    explanation: dict[str, Any] = field(repr=False)

    @property
    def networks(self) -> dict[str, float]:
        """Per-network sub-scores, by network name."""
        found: dict[str, float] = self.explanation.get("networks", {})
        return found


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One day of a member's score history."""

    day: date
    value: float
    calibration_version: str


@dataclass(frozen=True, slots=True)
class MemberTopic:
    """A member's expertise in one topic; `hidden` topics are shown to the member alone."""

    slug: str
    level: float
    share: float
    activities: int
    hidden: bool


@dataclass(frozen=True, slots=True)
class PublicProfile:
    """What a member who opted in to a public profile shows anyone: handle, score and visible topics."""

    member_id: UUID
    network: Network
    handle: str = field(repr=False)
    display_name: str | None = field(repr=False)
    score: float | None
    topics: tuple[MemberTopic, ...]


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    """One opted-in member on a leaderboard, ranked by `rank_value` (score, or level in the topic)."""

    member_id: UUID
    network: Network
    handle: str = field(repr=False)
    score: float
    level: float | None
    rank_value: float


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    entries: list[LeaderboardEntry]
    has_next: bool


def finite(data: Any) -> Any:
    """Replace NaN and infinities by None all through JSON-shaped data (JSON has no NaN)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def _number(value: float) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def explanation_data(explanation: Explanation, activity_id: Callable[[str], str] | None = None) -> dict[str, Any]:
    """`Explanation.to_dict()`, built directly (dataclasses.asdict deep-copies, a cost the batch pays 100,000
    times), NaN turned to None; `activity_id` renames the top activities."""
    rename = activity_id or str
    return {
        "score": _number(explanation.score),
        "baseline": _number(explanation.baseline),
        "confidence": _number(explanation.confidence),
        "factors": [
            {"name": f.name, "contribution": _number(f.contribution), "value": _number(f.value),
             "weight": _number(f.weight), "inputs": {k: _number(v) for k, v in f.inputs.items()},
             "missing": list(f.missing)}
            for f in explanation.factors
        ],
        "networks": {k: _number(v) for k, v in explanation.networks.items()},
        "inputs": finite(explanation.inputs.to_dict()),
        "model_version": explanation.model_version,
        "calibration_version": explanation.calibration_version,
        "top_activities": [rename(a) for a in explanation.top_activities],
        "hints": [{"factor": h.factor, "change": h.change, "points": _number(h.points), "topic": h.topic}
                  for h in explanation.hints],
    }
