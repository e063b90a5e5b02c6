"""The batch: score the whole population at once, fit or reuse the calibration, write results in bulk.

Reads are numeric Core queries (no ORM, no decryption); the numpy work runs in a thread so the
worker's lease heartbeat keeps beating; results are written in committed chunks of members.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import numpy as np

from renown.domain.activity import Network
from renown.domain.expertise import TopicExpertise
from renown.domain.influence import NETWORKS, Calibration, PopulationScores, score_population
from renown.domain.scoring import explanation_data
from renown.domain.topic_levels import TopicLevels, topic_levels
from renown.services.consent_gate import policies_of
from renown.services.rescore_columns import Snapshot, build_snapshot
from renown.services.scoring import MODEL, window_start
from renown.services.scoring_consent import population_eligibility
from renown.storage import scoring_reads as reads
from renown.storage.scores import score_row
from renown.storage.uow import SqlUnitOfWork

Progress = Callable[[int, int], None]
CHUNK = 2000


@dataclass
class RescoreReport:
    """What a batch run did; `seconds` times each stage (read, score, write)."""

    members: int = 0
    scored: int = 0
    withdrawn: int = 0
    calibration_version: str | None = None
    refitted: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)


def needs_fit(stored: Calibration | None, scored_members: int, *, refit: bool) -> bool:
    """Fit a new calibration when asked, when none exists or the model changed, or once the population doubled."""
    return refit or stored is None or stored.model_version != MODEL.version or stored.members * 2 < scored_members


async def rescore_population(
    uow_factory: Callable[[], SqlUnitOfWork], progress: Progress | None = None, *, refit: bool = False,
    hints: bool = True, chunk: int = CHUNK,
) -> RescoreReport:
    """Score every member who may be scored, write scores, history, signals and topics; withdraw the rest."""
    report = RescoreReport()
    async with uow_factory() as uow:
        now = uow.now()
        with report.timed("read"):
            snapshot = await _read(uow, now, report)
            stored = await uow.scores.latest_calibration()
    report.members = len(snapshot.everyone)
    scores: PopulationScores | None = None
    levels: TopicLevels | None = None
    if snapshot.size:
        fit = needs_fit(stored, snapshot.size, refit=refit)
        with report.timed("score"):
            computed = await asyncio.to_thread(_compute, snapshot, None if fit else stored, now, hints)
        scores, levels = computed
        report.refitted, report.calibration_version = fit, computed[0].calibration.version
    with report.timed("write"):
        await _write(uow_factory, snapshot, scores, levels, report, progress=progress, chunk=chunk, now=now)
    return report


async def _read(uow: SqlUnitOfWork, now: datetime, report: RescoreReport) -> Snapshot:
    conn, since = uow.connection, window_start(now)
    keys = await reads.member_keys(conn)
    account_members, account_numbers = await reads.account_rows(conn)
    networks_of: dict[UUID, set[Network]] = {}
    for text, code in zip(account_members, account_numbers[:, 0].astype(int).tolist(), strict=True):
        if text in keys and code >= 0:
            networks_of.setdefault(keys[text], set()).add(NETWORKS[code])
    with report.timed("read.gate"):  # part of "read": the consent gate of the whole population
        allowed = await population_eligibility(uow, networks_of)
    return build_snapshot(
        keys, allowed, now=now,
        activities=await reads.activity_rows(conn, since=since, until=now),
        accounts=(account_members, account_numbers),
        topics=await reads.topic_rows(conn, since=since, until=now),
        interactions=await reads.interaction_rows(conn),
    )


def _compute(
    snapshot: Snapshot, calibration: Calibration | None, now: datetime, hints: bool,
) -> tuple[PopulationScores, TopicLevels]:
    scores = score_population(snapshot.activities, snapshot.accounts, snapshot.graph, as_of=now,
                              calibration=calibration, model=MODEL, hints=hints)
    t = snapshot.topics
    levels = topic_levels(t.member, t.topic, t.weight, t.reactions, t.all_evidence, scores.score)
    return scores, levels


def _by_member(levels: TopicLevels | None, slugs: tuple[str, ...]) -> dict[int, list[TopicExpertise]]:
    """Levels grouped per member index, each member's list ordered as `topic_expertise` orders it."""
    out: dict[int, list[TopicExpertise]] = {}
    if levels is None:
        return out
    for m, t, share, level, count in zip(levels.member.tolist(), levels.topic.tolist(), levels.share.tolist(),
                                         levels.level.tolist(), levels.activities.tolist(), strict=True):
        out.setdefault(m, []).append(TopicExpertise(slugs[t], share, level, count))
    for items in out.values():
        items.sort(key=lambda e: (-e.share, e.slug))
    return out


async def _write(
    uow_factory: Callable[[], SqlUnitOfWork], snapshot: Snapshot, scores: PopulationScores | None,
    levels: TopicLevels | None, report: RescoreReport, *, progress: Progress | None, chunk: int, now: datetime,
) -> None:
    expertise = _by_member(levels, snapshot.topic_slugs)
    everyone = snapshot.everyone
    has_score = np.zeros(snapshot.size, bool) if scores is None else ~np.isnan(scores.score)

    def canonical(key: str) -> str:
        return str(UUID(key))  # only the few top activities are named: their text keys are converted then

    async with uow_factory() as uow:
        if scores is not None:
            await uow.scores.save_calibration(scores.calibration, at=now)
            await uow.commit()
        for start in range(0, len(everyone), chunk):
            part = everyone[start:start + chunk]
            score_rows, points, signals, topics, gone = [], [], [], {}, []
            for member_id in part:
                i = snapshot.index.get(member_id)
                if scores is None or i is None or not has_score[i]:
                    gone.append(member_id)
                    continue
                explanation = scores.explain(i, snapshot.activity_ids.__getitem__)
                score_rows.append(score_row(member_id, explanation_data(explanation, canonical), at=now))
                points.append((member_id, now.date(), explanation.score, MODEL.version, scores.calibration.version))
                signals.append((member_id, scores.member_signals(i)))
                topics[member_id] = expertise.get(i, []) if snapshot.topics_allowed[i] else []
            await uow.scores.write(score_rows)
            await uow.scores.add_points(points, at=now)
            if scores is not None:
                await uow.scores.write_signals(signals, calibration_version=scores.calibration.version, at=now)
            await uow.topics.replace_many(topics, at=now)
            await uow.scores.delete(gone)
            await uow.scores.delete_signals(gone)
            await uow.topics.clear(gone, at=now)
            await uow.commit()
            report.scored += len(score_rows)
            report.withdrawn += len(gone)
            if progress is not None:
                progress(start + len(part), len(everyone))
        await _prune(uow, now)
        await uow.commit()


async def _prune(uow: SqlUnitOfWork, now: datetime) -> None:
    """History and interactions past their retention (`score_history`, `activity`) go with each run; then the
    planner's statistics are refreshed, so leaderboards keep walking the ranking indexes from the top."""
    retention = policies_of(uow).retention
    history, activity = retention["score_history"].days, retention["activity"].days
    if history is not None:
        await uow.scores.prune_points(before=now - timedelta(days=history))
    if activity is not None:
        await uow.scores.prune_interactions(before=now - timedelta(days=activity))
    await uow.scores.analyze()
