"""What the API shows of scores and topics: the member's own view, public profiles, leaderboards, hiding.

A hidden topic appears only in the member's own view (and export); a restricted or objecting member's
score is withdrawn from every view; public views show only members who opted in to a public profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from renown.domain.member import Member
from renown.domain.policies import ConsentPurpose
from renown.domain.scoring import (
    LeaderboardPage,
    MemberScore,
    MemberTopic,
    PublicProfile,
    ScorePoint,
    UnknownTopic,
)
from renown.domain.topics import Topic
from renown.services.consent_gate import ConsentGate, policies_of
from renown.services.rescore import RescoreReport, rescore_population
from renown.services.scoring_consent import current_notice_versions
from renown.services.taxonomy import default_matcher
from renown.storage.uow import SqlUnitOfWork

MAX_HISTORY_DAYS = 400


@dataclass(frozen=True, slots=True)
class MemberScoring:
    """A member's own view: score (None when there is none to show) and every topic, hidden ones included."""

    score: MemberScore | None
    topics: list[MemberTopic]


def topic(slug: str) -> Topic:
    """A topic of the shipped taxonomy; UnknownTopic for any other slug."""
    taxonomy = default_matcher().taxonomy
    if slug not in taxonomy:
        raise UnknownTopic("no topic has this slug")
    return taxonomy.topic(slug)


def topic_names(slug: str) -> tuple[str, str]:
    """The English and French names of a topic (the slug itself for one an older taxonomy had)."""
    taxonomy = default_matcher().taxonomy
    if slug not in taxonomy:
        return slug, slug
    found = taxonomy.topic(slug)
    return found.name_en, found.name_fr


async def own_views(uow: SqlUnitOfWork, member_ids: Iterable[UUID]) -> dict[UUID, MemberScoring]:
    """Members' own views: no score while a restriction or objection stops processing; every topic."""
    out = {}
    for member_id in dict.fromkeys(member_ids):
        score = await uow.scores.latest_unless_stopped(member_id)
        out[member_id] = MemberScoring(score, await uow.topics.of_member(member_id, include_hidden=True))
    return out


@dataclass(frozen=True)
class ScoringViews:
    """The scoring reads and the hide-topic use case, bound to a unit-of-work factory (one per call)."""

    uow_factory: Callable[[], SqlUnitOfWork]

    async def own(self, member_ids: Iterable[UUID]) -> dict[UUID, MemberScoring]:
        """Several members' own views in one unit of work (the API's loader batches through this)."""
        async with self.uow_factory() as uow:
            return await own_views(uow, member_ids)

    async def member_with_own_view(self, subject: str) -> tuple[Member, MemberScoring] | None:
        """The registered, not erased, member a token names and their own view, in one unit of work.

        `me { score topics }` needs both; reading them in one transaction saves a round trip per request.
        """
        async with self.uow_factory() as uow:
            member = await uow.members.by_subject(subject)
            if member is None or member.is_erased:
                return None
            return member, (await own_views(uow, [member.id]))[member.id]

    async def history(self, member_id: UUID, *, days: int) -> list[ScorePoint]:
        """The member's daily points over the last `days` days (at most MAX_HISTORY_DAYS)."""
        days = max(1, min(days, MAX_HISTORY_DAYS))
        async with self.uow_factory() as uow:
            since = (uow.now() - timedelta(days=days - 1)).date()
            return await uow.scores.history(member_id, since=since)

    async def hide_topic(self, member_id: UUID, *, slug: str, hidden: bool) -> list[MemberTopic]:
        """Hide (or show again) one of the member's topics; returns their topics as they now stand."""
        topic(slug)
        async with self.uow_factory() as uow:
            await uow.topics.set_hidden(member_id, slug, hidden=hidden, at=uow.now())
            await uow.commit()
            return await uow.topics.of_member(member_id, include_hidden=True)

    async def profile(self, handle: str) -> PublicProfile | None:
        """The public profile behind a handle (on any network) if its member opted in there; else None."""
        async with self.uow_factory() as uow:
            gate = ConsentGate.of(uow)
            for member_id, network, _account, name in await uow.public.accounts_by_handle(handle):
                if not await gate.permits(uow, member_id=member_id, purpose=ConsentPurpose.PUBLIC_PROFILE,
                                          network=network):
                    continue
                stopped = await uow.scores.processing_stopped([member_id])
                score = None if stopped else await uow.scores.latest(member_id)
                topics = [] if stopped else await uow.topics.of_member(member_id, include_hidden=False)
                return PublicProfile(member_id, network, handle, name, None if score is None else score.value,
                                     tuple(topics))
        return None

    async def leaderboard(
        self, *, topic_slug: str | None, first: int, after: tuple[float, UUID] | None,
    ) -> LeaderboardPage:
        """Opted-in members ranked by score, or by level in a topic (where they did not hide it)."""
        if topic_slug is not None:
            topic(topic_slug)
        async with self.uow_factory() as uow:
            now = uow.now()
            versions = current_notice_versions(policies_of(uow), ConsentPurpose.PUBLIC_PROFILE, at=now)
            return await uow.public.leaderboard(topic=topic_slug, first=first, after=after, now=now,
                                                notice_versions=versions)

    async def visible_topics(self, member_ids: Iterable[UUID]) -> dict[UUID, list[MemberTopic]]:
        """Several members' visible topics in one query (public views)."""
        async with self.uow_factory() as uow:
            return await uow.topics.visible_of(member_ids)

    async def rescore(
        self, progress: Callable[[int, int], None] | None = None, *, refit: bool = False,
    ) -> RescoreReport:
        """Run the batch now (the `renown rescore` command)."""
        return await rescore_population(self.uow_factory, progress, refit=refit)

