"""recipient_notice.read_at: when the recipient marked a delivered notice as read

Revision ID: 0011_notice_read
Revises: 0010_privacy_hardening
Create Date: 2026-11-26 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import renown.storage.types

revision: str = '0011_notice_read'
down_revision: str | None = '0010_privacy_hardening'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recipient_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', renown.storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('recipient_notice', schema=None) as batch_op:
        batch_op.drop_column('read_at')
