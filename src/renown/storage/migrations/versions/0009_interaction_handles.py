"""interactions recorded by keyed handle hash: mention_edge, resolved into `interaction` once the other joins

Revision ID: 0009_interaction_handles
Revises: 0008_import_counts
Create Date: 2026-11-26 06:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import renown.storage.types

revision: str = '0009_interaction_handles'
down_revision: str | None = '0008_import_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mention_edge',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target_handle_index', sa.LargeBinary(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reactions', sa.Integer(), nullable=False),
    sa.Column('first_at', renown.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'network', 'target_handle_index', name='uq_mention_edge_target')
    )
    with op.batch_alter_table('mention_edge', schema=None) as batch_op:
        batch_op.create_index('ix_mention_edge_target', ['network', 'target_handle_index'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mention_edge', schema=None) as batch_op:
        batch_op.drop_index('ix_mention_edge_target')

    op.drop_table('mention_edge')
