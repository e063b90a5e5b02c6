"""Scores: the latest per member with its explanation, daily history, calibrations and graph signals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.influence import Calibration, MemberSignals
from renown.domain.privacy import RequestKind, RequestStatus
from renown.domain.scoring import MemberScore, ScorePoint, finite
from renown.storage.ids import new_id
from renown.storage.tables import metadata

SCORES = metadata.tables["score"]
POINTS = metadata.tables["score_point"]
CALIBRATIONS = metadata.tables["calibration"]
SIGNALS = metadata.tables["member_signal"]
INTERACTIONS = metadata.tables["interaction"]
REQUESTS = metadata.tables["privacy_request"]

# Restriction (Art. 18) and objection (Art. 21) stop scoring from the moment they are asked for;
# only a denied or canceled request, or a lifted restriction, lets it resume.
STOPPING_KINDS = (RequestKind.RESTRICTION.value, RequestKind.OBJECTION.value)
NOT_STOPPING = (RequestStatus.CANCELED.value, RequestStatus.DENIED.value, RequestStatus.LIFTED.value)


CACHED_CALIBRATIONS = 8
_CALIBRATIONS: dict[str, Calibration] = {}


def stopped_members() -> sa.Select[tuple[Any]]:
    """Members whose restriction or objection stops scoring and public display (a subquery)."""
    r = REQUESTS
    # Bound one by one, not as an expanding IN: the compiled statement is then reused as it is, where
    # an expanding list is rendered into the SQL again on every execution (0.2 ms on every `me`).
    return sa.select(r.c.member_id).where(r.c.kind.in_([sa.literal(kind) for kind in STOPPING_KINDS]),
                                          r.c.status.not_in([sa.literal(status) for status in NOT_STOPPING]))


# Read on every request: built once, so a request pays neither the statement's construction (about
# 0.2 ms for the one with the subquery) nor its cache key, which SQLAlchemy memoizes per statement.
_LATEST = (sa.select(SCORES).where(SCORES.c.member_id == sa.bindparam("member_id"))
           .order_by(SCORES.c.computed_at.desc()).limit(1))
_LATEST_UNLESS_STOPPED = _LATEST.where(
    ~stopped_members().where(REQUESTS.c.member_id == sa.bindparam("member_id")).exists())


def score_row(member_id: UUID, data: dict[str, Any], *, at: datetime) -> dict[str, Any]:
    """A `score` row from an explanation's JSON-ready data (`explanation_data`)."""
    return {"id": new_id(), "member_id": member_id, "computed_at": at, "value": float(data["score"]),
            "confidence": float(data["confidence"]), "model_version": data["model_version"],
            "calibration_version": data["calibration_version"], "explanation": data}


def _member_score(row: Any) -> MemberScore:
    return MemberScore(row.member_id, float(row.value), float(row.confidence), row.model_version,
                       row.calibration_version, row.computed_at, row.explanation)


class ScoreRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._dialect = postgresql if conn.dialect.name == "postgresql" else sqlite

    async def latest_calibration(self) -> Calibration | None:
        """The calibration fitted last (the one the fast path and daily runs score against)."""
        version = (await self._conn.execute(sa.select(CALIBRATIONS.c.version).order_by(
            CALIBRATIONS.c.fitted_at.desc(), CALIBRATIONS.c.created_at.desc()).limit(1))).scalar_one_or_none()
        return None if version is None else await self.calibration(version)

    async def calibration(self, version: str) -> Calibration | None:
        """One calibration by version; a version names its content, so it is parsed once per process."""
        cached = _CALIBRATIONS.get(version)
        if cached is not None:
            return cached
        row = (await self._conn.execute(
            sa.select(CALIBRATIONS.c.curve).where(CALIBRATIONS.c.version == version))).first()
        if row is None:
            return None
        if len(_CALIBRATIONS) >= CACHED_CALIBRATIONS:
            _CALIBRATIONS.pop(next(iter(_CALIBRATIONS)))
        found = _CALIBRATIONS[version] = Calibration.from_dict(row.curve)
        return found

    async def save_calibration(self, calibration: Calibration, *, at: datetime) -> None:
        """Keep a calibration (once: a version names its content)."""
        insert = self._dialect.insert(CALIBRATIONS).values(
            version=calibration.version, model_version=calibration.model_version,
            fitted_at=datetime.fromisoformat(calibration.fitted_at), members=calibration.members,
            curve=finite(calibration.to_dict()), created_at=at)
        await self._conn.execute(insert.on_conflict_do_nothing(index_elements=["version"]))

    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Make each row its member's latest score (`score_row` builds them)."""
        if not rows:
            return
        await self.delete([r["member_id"] for r in rows])
        await self._conn.execute(sa.insert(SCORES), list(rows))

    async def delete(self, member_ids: Iterable[UUID]) -> int:
        """Withdraw the members' current scores (no scoring consent left, restriction, objection)."""
        ids = list(member_ids)
        if not ids:
            return 0
        return (await self._conn.execute(sa.delete(SCORES).where(SCORES.c.member_id.in_(ids)))).rowcount or 0

    async def latest(self, member_id: UUID) -> MemberScore | None:
        row = (await self._conn.execute(_LATEST, {"member_id": member_id})).first()
        return None if row is None else _member_score(row)

    async def latest_unless_stopped(self, member_id: UUID) -> MemberScore | None:
        """The member's latest score, or None when there is none or a restriction or objection stops it
        (one statement: the member's own view is read on every `me` request)."""
        row = (await self._conn.execute(_LATEST_UNLESS_STOPPED, {"member_id": member_id})).first()
        return None if row is None else _member_score(row)

    async def add_points(self, points: Sequence[tuple[UUID, date, float, str, str]], *, at: datetime) -> None:
        """Record (member, day, value, model version, calibration version) points; a day's last run wins."""
        if not points:
            return
        rows = [{"id": new_id(), "member_id": m, "day": d, "value": v, "model_version": mv,
                 "calibration_version": cv, "computed_at": at} for m, d, v, mv, cv in points]
        insert = self._dialect.insert(POINTS)
        await self._conn.execute(insert.on_conflict_do_update(
            index_elements=["member_id", "day"],
            set_={"value": insert.excluded.value, "model_version": insert.excluded.model_version,
                  "calibration_version": insert.excluded.calibration_version, "computed_at": at}), rows)

    async def history(self, member_id: UUID, *, since: date) -> list[ScorePoint]:
        """The member's daily points from `since` on, oldest first."""
        p = POINTS
        rows = await self._conn.execute(sa.select(p.c.day, p.c.value, p.c.calibration_version).where(
            p.c.member_id == member_id, p.c.day >= since).order_by(p.c.day))
        return [ScorePoint(r.day, float(r.value), r.calibration_version) for r in rows]

    async def prune_points(self, *, before: datetime) -> int:
        """Delete history points computed before `before` (the `score_history` retention)."""
        return (await self._conn.execute(sa.delete(POINTS).where(POINTS.c.computed_at < before))).rowcount or 0

    async def signals(self, member_id: UUID) -> MemberSignals | None:
        row = (await self._conn.execute(sa.select(SIGNALS).where(SIGNALS.c.member_id == member_id))).first()
        if row is None:
            return None
        return MemberSignals(float(row.centrality), float(row.reactors), float(row.member_reactions),
                             float(row.bot_reactions))

    async def write_signals(
        self, signals: Sequence[tuple[UUID, MemberSignals]], *, calibration_version: str, at: datetime,
    ) -> None:
        """Replace the members' graph signals with the last batch run's."""
        if not signals:
            return
        await self.delete_signals(m for m, _ in signals)
        await self._conn.execute(sa.insert(SIGNALS), [
            {"id": new_id(), "member_id": m, "centrality": s.centrality, "reactors": s.reactors,
             "member_reactions": s.member_reactions, "bot_reactions": s.bot_reactions,
             "calibration_version": calibration_version, "computed_at": at} for m, s in signals])

    async def delete_signals(self, member_ids: Iterable[UUID]) -> int:
        ids = list(member_ids)
        if not ids:
            return 0
        return (await self._conn.execute(sa.delete(SIGNALS).where(SIGNALS.c.member_id.in_(ids)))).rowcount or 0

    async def add_interactions(self, edges: Sequence[tuple[UUID, UUID, float, datetime]]) -> None:
        """Record (reactor, author, reactions, first reaction) edges among members, adding to known pairs."""
        if not edges:
            return
        rows = [{"id": new_id(), "member_id": s, "target_id": t, "count": c, "first_at": f} for s, t, c, f in edges]
        insert = self._dialect.insert(INTERACTIONS)
        await self._conn.execute(insert.on_conflict_do_update(
            index_elements=["member_id", "target_id"],
            set_={"count": INTERACTIONS.c.count + insert.excluded.count}), rows)

    async def prune_interactions(self, *, before: datetime) -> int:
        """Forget pairs whose first reaction is older than `before` (the `activity` retention)."""
        query = sa.delete(INTERACTIONS).where(INTERACTIONS.c.first_at < before)
        return (await self._conn.execute(query)).rowcount or 0

    async def processing_stopped(self, member_ids: Iterable[UUID]) -> set[UUID]:
        """Of these members, those whose restriction or objection stops their scoring."""
        ids = list(member_ids)
        if not ids:
            return set()
        rows = await self._conn.execute(stopped_members().where(REQUESTS.c.member_id.in_(ids)))
        return {r.member_id for r in rows}

    async def all_stopped(self) -> set[UUID]:
        """Every member whose restriction or objection stops their scoring."""
        return {r.member_id for r in await self._conn.execute(stopped_members())}

    async def analyze(self) -> None:
        """Refresh the query planner's statistics of the tables public rankings read."""
        for table in ("score", "member_topic", "member"):
            await self._conn.exec_driver_sql(f"ANALYZE {table}")
