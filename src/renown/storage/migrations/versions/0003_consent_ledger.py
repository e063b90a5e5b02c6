"""consent ledger: ISO/IEC TS 27560 fields on consent events, member-wide consents

Revision ID: 0003_consent_ledger
Revises: 0002_jobs_privacy
Create Date: 2026-11-26 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import renown.storage.types

revision: str = '0003_consent_ledger'
down_revision: str | None = '0002_jobs_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults only fill rows written before this revision; new events always carry the fields.
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('controller', sa.String(length=128), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('lawful_basis', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('withdrawal_method', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('expires_at', renown.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('network', existing_type=sa.String(length=16), nullable=True)
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.alter_column('controller', server_default=None)
        batch_op.alter_column('lawful_basis', server_default=None)
        batch_op.alter_column('withdrawal_method', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.alter_column('network', existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column('expires_at')
        batch_op.drop_column('withdrawal_method')
        batch_op.drop_column('lawful_basis')
        batch_op.drop_column('controller')
