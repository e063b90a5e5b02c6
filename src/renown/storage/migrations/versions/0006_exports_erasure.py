"""export store, suppression list, Art. 19 recipient notices

Revision ID: 0006_exports_erasure
Revises: 0005_perks
Create Date: 2026-11-26 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import renown.storage.types

revision: str = '0006_exports_erasure'
down_revision: str | None = '0005_perks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('export_file',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_file_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_file_expires_at'), ['expires_at'], unique=False)

    op.create_table('suppression',
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('handle_index', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('network', 'handle_index')
    )
    op.create_table('recipient_notice',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recipient_ref', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', renown.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recipient_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipient_notice_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recipient_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipient_notice_request_id'))
    op.drop_table('recipient_notice')
    op.drop_table('suppression')
    with op.batch_alter_table('export_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_file_expires_at'))
        batch_op.drop_index(batch_op.f('ix_export_file_member_id'))
    op.drop_table('export_file')
