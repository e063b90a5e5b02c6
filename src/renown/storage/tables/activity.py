"""Activities and the consent ledger that allows collecting them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.tables.columns import blob_column, json_column, time_column


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
    external_id_index: bytes = blob_column()
    external_id_enc: bytes = blob_column()
    content_enc: bytes = blob_column()
    url_enc: bytes | None = blob_column(nullable=True)
    published_at: datetime = time_column()
    likes: int | None = None
    reshares: int | None = None
    replies: int | None = None
    mentions: int = 0
    imported_at: datetime = time_column()


class ConsentEventRow(SQLModel, table=True):
    """Append-only: the current consent state is derived from these, never edited."""

    __tablename__ = "consent_event"
    __table_args__ = (sa.Index("ix_consent_member_scope", "member_id", "network", "purpose", "occurred_at"),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id")
    network: str | None = Field(default=None, max_length=16)  # null: the consent covers every network
    purpose: str = Field(max_length=32)
    event: str = Field(max_length=24)
    occurred_at: datetime = time_column()
    notice_version: str = Field(max_length=32)
    notice_language: str = Field(max_length=8)
    method: str = Field(max_length=16)
    data_categories: list[str] = json_column()
    receipt_jws: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    # The ISO/IEC TS 27560 fields that policies may change later, frozen as they were told.
    controller: str = Field(max_length=128)
    lawful_basis: str = Field(max_length=64)
    withdrawal_method: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    expires_at: datetime | None = time_column(nullable=True)
