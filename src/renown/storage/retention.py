"""Where each retention category lives: the table, the time its clock starts from, and which rows count.

Categories are named as in `policies/` (retention per category); a category with no rule here is
reported by the sweep, so a policy cannot silently go unenforced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.jobs import JobStatus
from renown.storage.tables import metadata

STEPS = metadata.tables["job_step"]
NOTICES = metadata.tables["recipient_notice"]


@dataclass(frozen=True)
class RetentionRule:
    """Rows of `table` whose `clock` column is older than the retention are deleted (when `applies`)."""

    table: sa.Table
    clock: str
    applies: Callable[[sa.Table], sa.ColumnElement[bool]] | None = None
    # Tables kept as long as this category, each by its own clock column, swept with it.
    companions: tuple[tuple[sa.Table, str], ...] = ()

    def expired(self, before: datetime) -> sa.ColumnElement[bool]:
        condition = self.table.c[self.clock] < before
        return condition if self.applies is None else sa.and_(condition, self.applies(self.table))


def _finished_job(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.status == JobStatus.DONE.value


def _closed_request(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.completed_at.is_not(None)


def _shredded_key(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.wrapped_dek.is_(None)


RETENTION_RULES: dict[str, RetentionRule] = {
    "activity": RetentionRule(metadata.tables["activity"], "published_at",
                              companions=((metadata.tables["mention_edge"], "first_at"),)),
    "score_history": RetentionRule(metadata.tables["score"], "computed_at"),
    "job_log": RetentionRule(metadata.tables["job"], "finished_at", _finished_job),
    "privacy_request": RetentionRule(metadata.tables["privacy_request"], "completed_at", _closed_request),
    "key_tombstone": RetentionRule(metadata.tables["member_key"], "shredded_at", _shredded_key),
}


async def delete_expired(conn: AsyncConnection, rule: RetentionRule, *, before: datetime, batch: int = 1000) -> int:
    """Delete up to `batch` expired rows of one rule; return how many went (0 when none are left)."""
    companions = 0
    for table, clock in rule.companions:
        (key,) = table.primary_key.columns
        expired = sa.select(key).where(table.c[clock] < before).limit(batch)
        if ids := (await conn.execute(expired)).scalars().all():
            companions += (await conn.execute(sa.delete(table).where(key.in_(ids)))).rowcount or 0
    (key,) = rule.table.primary_key.columns
    ids = (await conn.execute(sa.select(key).where(rule.expired(before)).limit(batch))).scalars().all()
    if not ids:
        return companions
    if rule.table.name in ("job", "privacy_request"):
        # A request and its job share an id; the execution log goes with them.
        await conn.execute(sa.delete(STEPS).where(STEPS.c.job_id.in_(ids)))
    if rule.table.name == "privacy_request":
        # The notices a request sent are kept as long as the request (the data map's retention), no longer.
        await conn.execute(sa.delete(NOTICES).where(NOTICES.c.request_id.in_(ids)))
    return companions + ((await conn.execute(sa.delete(rule.table).where(key.in_(ids)))).rowcount or 0)
