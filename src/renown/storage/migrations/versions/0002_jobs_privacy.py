"""job execution log, privacy request details and result, one open request per kind

Revision ID: 0002_jobs_privacy
Revises: 0001
Create Date: 2026-11-26 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import renown.storage.types

revision: str = '0002_jobs_privacy'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_REQUEST_WHERE = "status IN ('pending', 'awaiting_grace', 'in_progress', 'failed') AND kind <> 'rectification'"


def upgrade() -> None:
    op.create_table('job_step',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rows_affected', sa.Integer(), nullable=False),
    sa.Column('started_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', renown.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.PrimaryKeyConstraint('job_id', 'step')
    )
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_enc', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch_op.create_index('uq_privacy_request_open', ['member_id', 'kind'], unique=True,
                              sqlite_where=sa.text(OPEN_REQUEST_WHERE), postgresql_where=sa.text(OPEN_REQUEST_WHERE))


def downgrade() -> None:
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_index('uq_privacy_request_open')
        batch_op.drop_column('result')
        batch_op.drop_column('details_enc')
    op.drop_table('job_step')
