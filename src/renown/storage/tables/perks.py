"""Brands' perks, the claims on them and what each claim disclosed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.tables.columns import blob_column, json_column, time_column


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
    valid_from: datetime = time_column()
    valid_until: datetime = time_column()
    created_at: datetime = time_column()


class DisclosureRow(SQLModel, table=True):
    """What was disclosed to which recipient; the values under the member's key (export, Art. 19)."""

    __tablename__ = "disclosure"

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id", index=True)
    recipient: str = Field(max_length=32)
    recipient_ref: str = Field(max_length=255)
    purpose: str = Field(max_length=32)
    data_categories: list[str] = json_column()
    content_enc: bytes = blob_column()
    context: str = Field(max_length=32)
    context_id: UUID
    disclosed_at: datetime = time_column()


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
    claimed_at: datetime = time_column()
