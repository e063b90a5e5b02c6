"""The tables. Every column is declared in `policies/data-map.yaml`; `*_enc` columns hold
vault ciphertexts and `*_index` columns hold HMAC blind indexes, never plaintext."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.types import UTCDateTime

metadata = SQLModel.metadata


def _when(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _blob(*, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(sa.LargeBinary(), nullable=nullable))


def _json(*, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(sa.JSON(), nullable=nullable))


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"

    id: UUID = Field(primary_key=True)
    subject_index: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False, unique=True))
    subject_enc: bytes = _blob()
    display_name_enc: bytes | None = _blob(nullable=True)
    age_bracket: str = Field(max_length=16)
    status: str = Field(max_length=24, index=True)
    created_at: datetime = _when()


class MemberKeyRow(SQLModel, table=True):
    """A member's data key, only ever stored wrapped by a key-encryption key."""

    __tablename__ = "member_key"

    member_id: UUID = Field(primary_key=True)
    dek_version: int = 1
    wrapped_dek: bytes | None = _blob(nullable=True)
    kek_version: int | None = Field(default=None, index=True)
    created_at: datetime = _when()
    shredded_at: datetime | None = _when(nullable=True)


class LinkedAccountRow(SQLModel, table=True):
    __tablename__ = "linked_account"
    __table_args__ = (sa.UniqueConstraint("member_id", "network", name="uq_linked_account_member_network"),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id", index=True)
    network: str = Field(max_length=16)
    handle_index: bytes = _blob()
    handle_enc: bytes = _blob()
    display_name_enc: bytes | None = _blob(nullable=True)
    oauth_token_enc: bytes | None = _blob(nullable=True)
    followers: int | None = None
    following: int | None = None
    linked_at: datetime = _when()
    # When the account was opened on its network, where an archive says: new accounts earn less trust.
    network_created_at: datetime | None = _when(nullable=True)
    # Counts an archive states about the account (never whose posts were liked or bookmarked).
    likes_given: int | None = None
    bookmarks: int | None = None
    karma: int | None = None


class OAuthAppRow(SQLModel, table=True):
    """Renown's client registration at one network instance; the secret under the application key."""

    __tablename__ = "oauth_app"
    __table_args__ = (sa.UniqueConstraint("network", "instance", name="uq_oauth_app_network_instance"),)

    id: UUID = Field(primary_key=True)
    network: str = Field(max_length=16)
    instance: str = Field(max_length=253)
    client_id: str = Field(max_length=255)
    client_secret_enc: bytes = _blob()
    redirect_uri: str = Field(max_length=500)
    scopes: str = Field(max_length=255)
    registered_at: datetime = _when()


class ActivityRow(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "network", "external_id_index", name="uq_activity_external_id"),
        sa.Index("ix_activity_member_published", "member_id", "published_at", "id"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    network: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    external_id_index: bytes = _blob()
    external_id_enc: bytes = _blob()
    content_enc: bytes = _blob()
    url_enc: bytes | None = _blob(nullable=True)
    published_at: datetime = _when()
    likes: int | None = None
    reshares: int | None = None
    replies: int | None = None
    mentions: int = 0
    imported_at: datetime = _when()


class ConsentEventRow(SQLModel, table=True):
    """Append-only: the current consent state is derived from these, never edited."""

    __tablename__ = "consent_event"
    __table_args__ = (sa.Index("ix_consent_member_scope", "member_id", "network", "purpose", "occurred_at"),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    network: str | None = Field(default=None, max_length=16)  # null: the consent covers every network
    purpose: str = Field(max_length=32)
    event: str = Field(max_length=24)
    occurred_at: datetime = _when()
    notice_version: str = Field(max_length=32)
    notice_language: str = Field(max_length=8)
    method: str = Field(max_length=16)
    data_categories: list[str] = _json()
    receipt_jws: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    # The ISO/IEC TS 27560 fields that policies may change later, frozen as they were told.
    controller: str = Field(max_length=128)
    lawful_basis: str = Field(max_length=64)
    withdrawal_method: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    expires_at: datetime | None = _when(nullable=True)


class ScoreRow(SQLModel, table=True):
    __tablename__ = "score"
    __table_args__ = (
        sa.Index("ix_score_member_computed", "member_id", "computed_at"),
        sa.Index("ix_score_value", "value", "member_id"),
    )

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    computed_at: datetime = _when()
    value: float
    confidence: float
    model_version: str = Field(max_length=32)
    calibration_version: str = Field(max_length=40)
    explanation: dict[str, Any] = _json()


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
    computed_at: datetime = _when()


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
    computed_at: datetime = _when(index=True)


class CalibrationRow(SQLModel, table=True):
    """A versioned calibration: the curves and population statistics members are scored against."""

    __tablename__ = "calibration"

    version: str = Field(primary_key=True, max_length=40)
    model_version: str = Field(max_length=32)
    fitted_at: datetime = _when(index=True)
    members: int
    curve: dict[str, Any] = _json()
    created_at: datetime = _when()


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
    computed_at: datetime = _when()


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
    first_at: datetime = _when()


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
    target_handle_index: bytes = _blob()
    count: int
    reactions: int = 0
    first_at: datetime = _when()


OPEN_REQUEST_WHERE = "status IN ('pending', 'awaiting_grace', 'in_progress', 'failed') AND kind <> 'rectification'"


class PrivacyRequestRow(SQLModel, table=True):
    __tablename__ = "privacy_request"
    # At most one open request per member and kind (rectifications may differ, so they are exempt).
    __table_args__ = (sa.Index(
        "uq_privacy_request_open", "member_id", "kind", unique=True,
        sqlite_where=sa.text(OPEN_REQUEST_WHERE), postgresql_where=sa.text(OPEN_REQUEST_WHERE)),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(index=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=24, index=True)
    received_at: datetime = _when()
    due_at: datetime = _when()
    extension_reason: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = _when(nullable=True)
    details_enc: bytes | None = _blob(nullable=True)
    result: dict[str, Any] | None = _json(nullable=True)


class JobRow(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_claim", "status", "run_after"),)

    id: UUID = Field(primary_key=True)
    kind: str = Field(max_length=32)
    status: str = Field(max_length=16)
    payload: dict[str, Any] = _json()
    attempts: int = 0
    max_attempts: int = 5
    run_after: datetime = _when()
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _when()
    finished_at: datetime | None = _when(nullable=True)


class AuditEventRow(SQLModel, table=True):
    """Append-only and hash-chained; members appear only as pseudonyms."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = _when()
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = _json()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class JobStepRow(SQLModel, table=True):
    """The execution log of a job: one row per workflow step, so a resumed job skips what is done."""

    __tablename__ = "job_step"

    job_id: UUID = Field(primary_key=True)
    step: str = Field(primary_key=True, max_length=48)
    status: str = Field(max_length=16)
    rows_affected: int = 0
    started_at: datetime = _when()
    finished_at: datetime | None = _when(nullable=True)
    error: str | None = Field(default=None, max_length=120)


class PerkRow(SQLModel, table=True):
    """A brand's offer; `claimed` is taken with one conditional UPDATE, so it never passes `quantity`."""

    __tablename__ = "perk"
    __table_args__ = (
        sa.Index("ix_perk_brand_created", "brand", "created_at", "id"),
        sa.Index("ix_perk_open", "valid_until", "created_at"),
    )

    id: UUID = Field(primary_key=True)
    brand: str = Field(max_length=255)
    title: str = Field(max_length=200)
    topic: str | None = Field(default=None, max_length=64)
    minimum_score: int
    quantity: int
    claimed: int = 0
    valid_from: datetime = _when()
    valid_until: datetime = _when()
    created_at: datetime = _when()


class DisclosureRow(SQLModel, table=True):
    """What was disclosed to which recipient; the values under the member's key (export, Art. 19)."""

    __tablename__ = "disclosure"

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id", index=True)
    recipient: str = Field(max_length=32)
    recipient_ref: str = Field(max_length=255)
    purpose: str = Field(max_length=32)
    data_categories: list[str] = _json()
    content_enc: bytes = _blob()
    context: str = Field(max_length=32)
    context_id: UUID
    disclosed_at: datetime = _when()


class PerkClaimRow(SQLModel, table=True):
    __tablename__ = "perk_claim"
    __table_args__ = (
        sa.UniqueConstraint("perk_id", "member_id", name="uq_perk_claim_member"),
        sa.Index("ix_perk_claim_perk_claimed", "perk_id", "claimed_at", "id"),
    )

    id: UUID = Field(primary_key=True)
    perk_id: UUID = Field(foreign_key="perk.id")
    member_id: UUID = Field(foreign_key="member.id", index=True)
    disclosure_id: UUID = Field(foreign_key="disclosure.id")
    claimed_at: datetime = _when()


class ExportFileRow(SQLModel, table=True):
    """An export archive in the export store, encrypted under its member's key until it expires."""

    __tablename__ = "export_file"

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(index=True)
    created_at: datetime = _when()
    expires_at: datetime = _when(index=True)
    size_bytes: int


class SuppressionRow(SQLModel, table=True):
    """An erased member's network handle, as its keyed blind index only: a re-import cannot bring them back."""

    __tablename__ = "suppression"

    network: str = Field(primary_key=True, max_length=16)
    handle_index: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), primary_key=True))
    created_at: datetime = _when()


class RecipientNoticeRow(SQLModel, table=True):
    """The Art. 19 outbox: one notice per recipient a member's data was disclosed to."""

    __tablename__ = "recipient_notice"

    id: UUID = Field(primary_key=True)
    request_id: UUID = Field(index=True)
    recipient: str = Field(max_length=32)
    recipient_ref: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    reference: str | None = Field(default=None, max_length=64)
    created_at: datetime = _when()
    delivered_at: datetime | None = _when(nullable=True)
    attempts: int = 0
