"""An archive import run as a background job: its state as the member who asked for it sees it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from renown.domain.activity import ImportSummary

IMPORT_JOB_KIND = "import"


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportJobState:
    """Progress and outcome of one queued import; counts only, never the archive's content."""

    status: ImportStatus = ImportStatus.QUEUED
    done: int = 0
    total: int | None = None
    imported: int | None = None
    skipped: int | None = None
    coverage: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def progress(self) -> float:
        """Activities done over the total once it is known (0 to 1); before that, the activities done."""
        if self.total is None:
            return float(self.done)
        return 1.0 if self.total == 0 else self.done / self.total

    def running(self, *, total: int | None = None) -> ImportJobState:
        return replace(self, status=ImportStatus.RUNNING, total=total if total is not None else self.total)

    def advanced(self, activities: int) -> ImportJobState:
        return replace(self, done=self.done + activities)

    def succeeded(self, summary: ImportSummary) -> ImportJobState:
        total = summary.imported + summary.skipped
        return replace(self, status=ImportStatus.DONE, done=total, total=total, imported=summary.imported,
                       skipped=summary.skipped, coverage=summary.coverage)

    def failed(self, code: str, message: str) -> ImportJobState:
        # A refused import stores nothing: no activity counts as done.
        return replace(self, status=ImportStatus.FAILED, done=0, imported=0, skipped=0, coverage=(),
                       error_code=code, error_message=message)

    def to_payload(self) -> dict[str, Any]:
        return {"status": self.status.value, "done": self.done, "total": self.total, "imported": self.imported,
                "skipped": self.skipped, "coverage": list(self.coverage), "error_code": self.error_code,
                "error_message": self.error_message}

    @classmethod
    def from_payload(cls, data: dict[str, Any] | None) -> ImportJobState:
        if not data:
            return cls()
        return cls(status=ImportStatus(data["status"]), done=int(data["done"]), total=data.get("total"),
                   imported=data.get("imported"), skipped=data.get("skipped"),
                   coverage=tuple(data.get("coverage") or ()), error_code=data.get("error_code"),
                   error_message=data.get("error_message"))
