"""Privacy requests, the job queue and its log, the audit chain, exports and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.tables.columns import blob_column, json_column, time_column

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
    received_at: datetime = time_column()
    due_at: datetime = time_column()
    extension_reason: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = time_column(nullable=True)
    details_enc: bytes | None = blob_column(nullable=True)
    result: dict[str, Any] | None = json_column(nullable=True)


class JobRow(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_claim", "status", "run_after"),)

    id: UUID = Field(primary_key=True)
    kind: str = Field(max_length=32)
    status: str = Field(max_length=16)
    payload: dict[str, Any] = json_column()
    attempts: int = 0
    max_attempts: int = 5
    run_after: datetime = time_column()
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = time_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = time_column()
    finished_at: datetime | None = time_column(nullable=True)


class AuditEventRow(SQLModel, table=True):
    """Append-only and hash-chained; members appear only as pseudonyms."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = time_column()
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = json_column()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class JobStepRow(SQLModel, table=True):
    """The execution log of a job: one row per workflow step, so a resumed job skips what is done."""

    __tablename__ = "job_step"

    job_id: UUID = Field(primary_key=True)
    step: str = Field(primary_key=True, max_length=48)
    status: str = Field(max_length=16)
    rows_affected: int = 0
    started_at: datetime = time_column()
    finished_at: datetime | None = time_column(nullable=True)
    error: str | None = Field(default=None, max_length=120)


class ExportFileRow(SQLModel, table=True):
    """An export archive in the export store, encrypted under its member's key until it expires."""

    __tablename__ = "export_file"

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(index=True)
    created_at: datetime = time_column()
    expires_at: datetime = time_column(index=True)
    size_bytes: int


class RecipientNoticeRow(SQLModel, table=True):
    """The Art. 19 outbox: one notice per recipient a member's data was disclosed to."""

    __tablename__ = "recipient_notice"

    id: UUID = Field(primary_key=True)
    request_id: UUID = Field(index=True)
    recipient: str = Field(max_length=32)
    recipient_ref: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    reference: str | None = Field(default=None, max_length=64)
    created_at: datetime = time_column()
    delivered_at: datetime | None = time_column(nullable=True)
    attempts: int = 0
    read_at: datetime | None = time_column(nullable=True)
