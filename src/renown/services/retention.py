"""The retention sweep: delete what is past each category's retention, in small committed batches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from renown.domain.policies import Policies
from renown.services import audit
from renown.storage.retention import RETENTION_RULES, RetentionRule, delete_expired
from renown.storage.uow import SqlUnitOfWork

AUDIT = "audit"


def retention_from_policies(policies: Policies) -> dict[str, timedelta]:
    """The categories `policies/` gives a day count; open-ended ones (until erasure, while in use) are left out."""
    return {name: timedelta(days=r.days) for name, r in policies.retention.items() if r.days is not None}


@dataclass(frozen=True, slots=True)
class SweepReport:
    deleted: dict[str, int]
    unenforced: tuple[str, ...]
    """Categories the policies give a retention for but no rule can find rows of."""


async def sweep_retention(
    uow: SqlUnitOfWork, *, retention: Mapping[str, timedelta], rules: Mapping[str, RetentionRule] = RETENTION_RULES,
    batch: int = 1000,
) -> SweepReport:
    """Delete every row older than its category's retention; each batch commits, so a rerun resumes."""
    now = uow.now()
    deleted: dict[str, int] = {}
    for category, keep_for in sorted(retention.items()):
        if category == AUDIT:
            deleted[category] = await uow.audit.prune(before=now - keep_for, at=now)
            await uow.commit()
            continue
        rule = rules.get(category)
        if rule is None:
            continue
        total = 0
        while count := await delete_expired(uow.connection, rule, before=now - keep_for, batch=batch):
            total += count
            await uow.commit()
        deleted[category] = total
    unenforced = tuple(sorted(set(retention) - set(rules) - {AUDIT}))
    if any(deleted.values()):
        await audit.record(uow, actor="worker", action="retention.swept",
                           detail={"deleted": deleted, "unenforced": list(unenforced)})
        await uow.commit()
    return SweepReport(deleted, unenforced)
