"""Scores as their member sees them (with the explanation), history points and topics of expertise."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

import renown.api.members.types  # noqa: F401 - registers the Network enum before these types use it
from renown.api.context import Info
from renown.api.loaders import when_loaded
from renown.api.scoring.loaders import own_scoring_loader
from renown.domain.activity import Network
from renown.domain.scoring import MemberScore, MemberTopic, ScorePoint
from renown.services.scoring_views import MemberScoring, topic_names


@strawberry.type(name="Topic", description="A topic of Renown's taxonomy.")
class TopicNode:
    slug: str
    name_en: strawberry.Private[str]
    name_fr: strawberry.Private[str]

    @strawberry.field(description="The topic's name in `language` (`en` or `fr`).")
    def name(self, language: str = "en") -> str:
        return self.name_fr if language == "fr" else self.name_en

    @classmethod
    def of(cls, slug: str) -> TopicNode:
        name_en, name_fr = topic_names(slug)
        return cls(slug=slug, name_en=name_en, name_fr=name_fr)


@strawberry.type(name="TopicExpertise", description="Your expertise in one topic.")
class TopicExpertiseNode:
    topic: TopicNode
    level: float = strawberry.field(description="0-100: your score times the square root of your posts' share on it.")
    share: float = strawberry.field(description="The share of your posts' weight on this topic (0-1).")
    hidden: bool = strawberry.field(description="Hidden topics are shown to you alone (and in your export).")

    @classmethod
    def of(cls, item: MemberTopic) -> TopicExpertiseNode:
        return cls(topic=TopicNode.of(item.slug), level=item.level, share=item.share, hidden=item.hidden)


@strawberry.type(name="NetworkScore", description="The score on one network.")
class NetworkScoreNode:
    network: Network
    value: float = strawberry.field(description="1-100 on that network's calibration curve.")


@strawberry.type(name="ScoreFactor", description="One factor's part of the score: the contributions add up to it.")
class ScoreFactorNode:
    name: str = strawberry.field(description="reach, engagement, amplification, consistency, centrality or reactors.")
    contribution: float = strawberry.field(description="Points it adds to (or takes from) the baseline.")
    inputs: JSON = strawberry.field(description="The measured values it came from, by name.")
    missing: list[str] = strawberry.field(
        description="Networks whose archives lacked this signal (the population average stood in).")


@strawberry.type(name="ScoreExplanation", description=(
    "Why the score is what it is (GDPR Art. 22, 15(1)(h)): baseline + the factors' contributions = the score."))
class ScoreExplanationNode:
    baseline: float = strawberry.field(description="The score of a member exactly at the population average.")
    factors: list[ScoreFactorNode]
    hints: list[str] = strawberry.field(description="What would move the score, computed by re-running the model.")
    top_activities: list[str] = strawberry.field(description="Ids of the activities that weighed most.")


@strawberry.type(name="Score", description="Your influence score.")
class ScoreNode:
    value: float = strawberry.field(description="1-100 (median about 40; the very top near 99).")
    confidence: float = strawberry.field(description="0-1: how much of the evidence the model uses your archives had.")
    calibration_version: str = strawberry.field(description="The calibration curve that mapped it to 1-100.")
    model_version: str
    computed_at: datetime
    networks: list[NetworkScoreNode]
    explanation: ScoreExplanationNode

    @classmethod
    def of(cls, score: MemberScore) -> ScoreNode:
        data: dict[str, Any] = score.explanation
        return cls(
            value=score.value, confidence=score.confidence, calibration_version=score.calibration_version,
            model_version=score.model_version, computed_at=score.computed_at,
            networks=[NetworkScoreNode(network=n, value=float(v)) for n in Network
                      for v in [data.get("networks", {}).get(n.value)] if v is not None],
            explanation=ScoreExplanationNode(
                baseline=float(data.get("baseline") or 0.0),
                factors=[ScoreFactorNode(name=f["name"], contribution=float(f["contribution"]),
                                         inputs=f.get("inputs", {}), missing=list(f.get("missing", ())))
                         for f in data.get("factors", [])],
                hints=[hint_text(h) for h in data.get("hints", [])],
                top_activities=list(data.get("top_activities", [])),
            ),
        )


def hint_text(hint: dict[str, Any]) -> str:
    """'+50% engagement on posts about python → about +2.1 points'."""
    return f"{hint['change']} → about {float(hint['points']):+.1f} points"


@strawberry.type(name="ScorePoint", description="The score on one day.")
class ScorePointNode:
    date: date
    value: float
    calibration_version: str

    @classmethod
    def of(cls, point: ScorePoint) -> ScorePointNode:
        return cls(date=point.day, value=point.value, calibration_version=point.calibration_version)


def member_score(info: Info, member_id: UUID) -> ScoreNode | None | Awaitable[ScoreNode | None]:
    """Resolve `me.score` (at once when `me` primed the loader)."""
    return when_loaded(own_scoring_loader(info).load(member_id), _score_of)


def _score_of(scoring: MemberScoring) -> ScoreNode | None:
    return None if scoring.score is None else ScoreNode.of(scoring.score)


def member_topics(info: Info, member_id: UUID) -> list[TopicExpertiseNode] | Awaitable[list[TopicExpertiseNode]]:
    """Resolve `me.topics` (at once when `me` primed the loader)."""
    return when_loaded(own_scoring_loader(info).load(member_id), _topics_of)


def _topics_of(scoring: MemberScoring) -> list[TopicExpertiseNode]:
    return [TopicExpertiseNode.of(t) for t in scoring.topics]


async def member_history(info: Info, member_id: UUID, days: int) -> list[ScorePointNode]:
    """Resolve `me.history`."""
    return [ScorePointNode.of(p) for p in await info.context.services.scoring.history(member_id, days=days)]
