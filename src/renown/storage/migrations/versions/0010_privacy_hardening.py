"""privacy hardening: the audit log is append-only in the database itself

Revision ID: 0010_privacy_hardening
Revises: 0009_interaction_handles
Create Date: 2026-11-26 06:05:00

Triggers refuse every UPDATE of `audit_event` and every DELETE, except the one path retention
uses (storage/audit.py `prune`): deleting entries whose id is at most the `through_id` of an
`audit.pruned` anchor that is the newest entry of the chain. `prune` appends that anchor and
deletes in one transaction (appenders are serialized), so it passes; nothing else can delete,
and the anchor, itself chained, stays in the log saying what went. PostgreSQL also refuses
TRUNCATE, which skips row triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010_privacy_hardening'
down_revision: str | None = '0009_interaction_handles'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_event is append-only"
# The prefix the newest entry vouches for, when it is a retention anchor (else nothing may go).
PRUNABLE_THROUGH_SQLITE = (
    "(SELECT CASE WHEN action = 'audit.pruned' THEN CAST(json_extract(detail, '$.through_id') AS INTEGER) END"
    " FROM audit_event ORDER BY id DESC LIMIT 1)"
)

SQLITE_UP = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event"
    f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: UPDATE refused'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event"
    f" WHEN OLD.id > coalesce({PRUNABLE_THROUGH_SQLITE}, 0)"
    f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: DELETE refused'); END",
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS audit_event_no_delete", "DROP TRIGGER IF EXISTS audit_event_no_update")

POSTGRESQL_UP = (
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prunable_through bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT CASE WHEN action = 'audit.pruned' THEN (detail ->> 'through_id')::bigint END
          INTO prunable_through FROM audit_event ORDER BY id DESC LIMIT 1;
        IF OLD.id <= coalesce(prunable_through, 0) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
    " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)


def _statements(sqlite: Sequence[str], postgresql: Sequence[str]) -> Sequence[str]:
    return postgresql if op.get_bind().dialect.name == "postgresql" else sqlite


def upgrade() -> None:
    for statement in _statements(SQLITE_UP, POSTGRESQL_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(SQLITE_DOWN, POSTGRESQL_DOWN):
        op.execute(statement)
