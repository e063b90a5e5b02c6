"""Members, their data keys, linked accounts and the OAuth apps of the networks."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from renown.storage.tables.columns import blob_column, time_column


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"

    id: UUID = Field(primary_key=True)
    subject_index: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False, unique=True))
    subject_enc: bytes = blob_column()
    display_name_enc: bytes | None = blob_column(nullable=True)
    age_bracket: str = Field(max_length=16)
    status: str = Field(max_length=24, index=True)
    created_at: datetime = time_column()


class MemberKeyRow(SQLModel, table=True):
    """A member's data key, only ever stored wrapped by a key-encryption key."""

    __tablename__ = "member_key"

    member_id: UUID = Field(primary_key=True)
    dek_version: int = 1
    wrapped_dek: bytes | None = blob_column(nullable=True)
    kek_version: int | None = Field(default=None, index=True)
    created_at: datetime = time_column()
    shredded_at: datetime | None = time_column(nullable=True)


class LinkedAccountRow(SQLModel, table=True):
    __tablename__ = "linked_account"
    __table_args__ = (sa.UniqueConstraint("member_id", "network", name="uq_linked_account_member_network"),)

    id: UUID = Field(primary_key=True)
    member_id: UUID = Field(foreign_key="member.id", index=True)
    network: str = Field(max_length=16)
    handle_index: bytes = blob_column()
    handle_enc: bytes = blob_column()
    display_name_enc: bytes | None = blob_column(nullable=True)
    oauth_token_enc: bytes | None = blob_column(nullable=True)
    followers: int | None = None
    following: int | None = None
    linked_at: datetime = time_column()
    # When the account was opened on its network, where an archive says: new accounts earn less trust.
    network_created_at: datetime | None = time_column(nullable=True)
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
    client_secret_enc: bytes = blob_column()
    redirect_uri: str = Field(max_length=500)
    scopes: str = Field(max_length=255)
    registered_at: datetime = time_column()


class SuppressionRow(SQLModel, table=True):
    """An erased member's network handle, as its keyed blind index only: a re-import cannot bring them back."""

    __tablename__ = "suppression"

    network: str = Field(primary_key=True, max_length=16)
    handle_index: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), primary_key=True))
    created_at: datetime = time_column()
