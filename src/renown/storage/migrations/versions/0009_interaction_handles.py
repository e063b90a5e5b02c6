"""interactions recorded by keyed handle hash (placeholder: no change yet)

Revision ID: 0009_interaction_handles
Revises: 0008_import_counts
Create Date: 2026-11-26 06:05:00
"""

from collections.abc import Sequence

revision: str = '0009_interaction_handles'
down_revision: str | None = '0008_import_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
