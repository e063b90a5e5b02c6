"""Scoring one member: the fast path after an import, withdrawing a score, and what perks and erasure need.

The fast path scores against the last stored calibration and the graph signals of the last batch
run (`services.rescore` computes both), so it touches only the member's own rows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

from renown.domain.activity import Activity
from renown.domain.influence import DEFAULT_MODEL, Explanation, score_member
from renown.domain.jobs import error_label
from renown.domain.scoring import explanation_data
from renown.domain.topics import topic_expertise
from renown.services.scoring_consent import Eligibility, member_eligibility
from renown.services.taxonomy import default_matcher
from renown.storage.scores import score_row
from renown.storage.scoring_reads import member_accounts, member_activities
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)
MODEL = DEFAULT_MODEL


@lru_cache(maxsize=1)
def special_topics() -> frozenset[str]:
    """Slugs of the taxonomy's special-category topics (health, religion, politics...)."""
    return frozenset(t.slug for t in default_matcher().taxonomy.topics if t.is_special)


def window_start(now: datetime) -> datetime:
    """The start of the scoring window ending `now` (topics' evidence uses the same window)."""
    return now - timedelta(days=MODEL.window_days)


async def withdraw_score(uow: SqlUnitOfWork, member_id: UUID) -> None:
    """Remove the member's current score and topics from every view (history stays, under its retention)."""
    await uow.scores.delete([member_id])
    await uow.scores.delete_signals([member_id])
    await uow.topics.clear([member_id], at=uow.now())


async def score_member_now(uow: SqlUnitOfWork, member_id: UUID) -> Explanation | None:
    """Rescore one member on the networks they consent to, and their topics; the caller commits.

    None when they may not be scored (their score is then withdrawn) or when no calibration
    exists yet (the first batch run fits one).
    """
    allowed = await member_eligibility(uow, member_id)
    if not allowed.scoring:
        await withdraw_score(uow, member_id)
        return None
    calibration = await uow.scores.latest_calibration()
    if calibration is None:
        return None
    now = uow.now()
    since = window_start(now)
    conn = uow.connection
    activities = await member_activities(conn, member_id, allowed.scoring, since=since, until=now)
    accounts = await member_accounts(conn, member_id, allowed.scoring)
    if not activities and not accounts:
        await withdraw_score(uow, member_id)
        return None
    main = await _main_topics(uow, member_id, allowed, since=since)

    def topic_of(activity: Activity) -> str | None:
        return main.get(activity.external_id)

    explanation = score_member(
        activities, accounts, calibration=calibration, as_of=now, signals=await uow.scores.signals(member_id),
        topic_of=topic_of, topic_slugs=tuple(sorted(set(main.values()))), model=MODEL)
    await uow.scores.write([score_row(member_id, explanation_data(explanation), at=now)])
    await uow.scores.add_points(
        [(member_id, now.date(), explanation.score, MODEL.version, calibration.version)], at=now)
    if allowed.topics:
        assignments = await uow.topics.assignments(member_id, allowed.topics, since=since,
                                                   special_networks=allowed.special, special=special_topics())
        await uow.topics.replace(member_id, topic_expertise(assignments, explanation.score), at=now)
    else:
        await uow.topics.clear([member_id], at=now)
    return explanation


async def _main_topics(uow: SqlUnitOfWork, member_id: UUID, allowed: Eligibility, *, since: datetime) -> dict[str, str]:
    """Each activity's strongest topic, where topics may be used (for the counterfactual topic hint)."""
    if not allowed.topics:
        return {}
    special = special_topics()
    found = await uow.topics.main_topics(member_id, since=since, networks=allowed.topics)
    return {str(activity_id): slug for activity_id, (network, slug) in found.items()
            if slug not in special or network in allowed.special}


async def score_after_import(uow: SqlUnitOfWork, member_id: UUID) -> None:
    """Run the fast path after an import has committed; a failure is logged and left to the batch run."""
    try:
        await score_member_now(uow, member_id)
        await uow.commit()
    except Exception as error:  # noqa: BLE001 - the import is stored; the daily batch rescores anyway
        logger.warning("scoring after import failed: %s", error_label(error))
        await uow.rollback()


async def perk_topics(uow: SqlUnitOfWork, member_id: UUID) -> frozenset[str] | None:
    """The member's visible topics for perk eligibility (hidden ones never count).

    None ("not known") while no topics may be found for them (no `topics` consent) or they have no score yet.
    """
    if not (await member_eligibility(uow, member_id)).topics or await uow.scores.latest(member_id) is None:
        return None
    return frozenset(t.slug for t in await uow.topics.of_member(member_id, include_hidden=False))
