"""privacy hardening (placeholder: no change yet)

Revision ID: 0010_privacy_hardening
Revises: 0009_interaction_handles
Create Date: 2026-11-26 06:05:00
"""

from collections.abc import Sequence

revision: str = '0010_privacy_hardening'
down_revision: str | None = '0009_interaction_handles'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
