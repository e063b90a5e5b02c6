"""What scoring derives: scores, history, calibrations, topics and the interaction graph."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.tables.columns import blob_column, json_column, time_column


class ScoreRow(SQLModel, table=True):
    __tablename__ = "score"
    __table_args__ = (
        sa.Index("ix_score_member_computed", "member_id", "computed_at"),
        sa.Index("ix_score_value", "value", "member_id"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    computed_at: datetime = time_column()
    value: float
    confidence: float
    model_version: str = Field(max_length=32)
    calibration_version: str = Field(max_length=40)
    explanation: dict[str, Any] = json_column()


class ActivityTopicRow(SQLModel, table=True):
    """Topics found in an activity's text at import, before it was encrypted; deleted with the activity."""

    __tablename__ = "activity_topic"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "topic", name="uq_activity_topic"),
        sa.Index("ix_activity_topic_member", "member_id", "network"),
    )

    id: UUID = Field(primary_key=True)
    activity_id: UUID = Field(sa_column=sa.Column(sa.Uuid(), sa.ForeignKey("activity.id", ondelete="CASCADE"),
                                                  nullable=False))
    member_id: UUID = Field(foreign_key="member.id")
    network: str = Field(max_length=16)
    topic: str = Field(max_length=64)
    rank: int  # 0 for the activity's strongest topic
    weight: float


class MemberTopicRow(SQLModel, table=True):
    """A member's expertise in one topic from the last scoring, and whether they hid it."""

    __tablename__ = "member_topic"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "topic", name="uq_member_topic"),
        sa.Index("ix_member_topic_leaderboard", "topic", "level", "member_id"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    topic: str = Field(max_length=64)
    level: float
    share: float
    activities: int
    hidden: bool = False
    computed_at: datetime = time_column()


class ScorePointRow(SQLModel, table=True):
    """One point of a member's score history per day, with the versions that produced it."""

    __tablename__ = "score_point"
    __table_args__ = (sa.UniqueConstraint("member_id", "day", name="uq_score_point_day"),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    day: date = Field(sa_column=sa.Column(sa.Date(), nullable=False))
    value: float
    model_version: str = Field(max_length=32)
    calibration_version: str = Field(max_length=40)
    computed_at: datetime = time_column(index=True)


class CalibrationRow(SQLModel, table=True):
    """A versioned calibration: the curves and population statistics members are scored against."""

    __tablename__ = "calibration"

    version: str = Field(primary_key=True, max_length=40)
    model_version: str = Field(max_length=32)
    fitted_at: datetime = time_column(index=True)
    members: int
    curve: dict[str, Any] = json_column()
    created_at: datetime = time_column()


class MemberSignalRow(SQLModel, table=True):
    """A member's place in the interaction graph from the last batch run, for the fast path."""

    __tablename__ = "member_signal"

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id", unique=True)
    centrality: float
    reactors: float
    member_reactions: float
    bot_reactions: float
    calibration_version: str = Field(max_length=40)
    computed_at: datetime = time_column()


class InteractionRow(SQLModel, table=True):
    """Reactions of one member (`member_id`) to another member's posts; only members' ids, never anyone else's."""

    __tablename__ = "interaction"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "target_id", name="uq_interaction_pair"),
        sa.Index("ix_interaction_target", "target_id"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    target_id: UUID = Field(foreign_key="member.id")
    count: float
    first_at: datetime = time_column()


class MentionEdgeRow(SQLModel, table=True):
    """How many of a member's activities on a network replied to, mentioned or reshared one other account
    (`count`), and how many of its posts they liked or whether they follow it (`reactions`, as the last archive
    listed them), that account named only by the keyed blind index its owner's handle would have
    (`linked_account.handle_index`)."""

    __tablename__ = "mention_edge"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "network", "target_handle_index", name="uq_mention_edge_target"),
        sa.Index("ix_mention_edge_target", "network", "target_handle_index"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    network: str = Field(max_length=16)
    target_handle_index: bytes = blob_column()
    count: int
    reactions: int = 0
    first_at: datetime = time_column()
