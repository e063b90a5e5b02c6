"""Batch loading of members' scoring data: one unit of work for every member a response names."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from strawberry.dataloader import DataLoader

from renown.api.context import Info, RenownContext
from renown.api.loaders import loader
from renown.domain.scoring import MemberTopic
from renown.services.scoring_views import MemberScoring


def _own(context: RenownContext) -> DataLoader[UUID, MemberScoring]:
    async def load(member_ids: Sequence[UUID]) -> list[MemberScoring]:
        found = await context.services.scoring.own(member_ids)
        return [found[m] for m in member_ids]

    return DataLoader(load_fn=load)


def _visible_topics(context: RenownContext) -> DataLoader[UUID, list[MemberTopic]]:
    async def load(member_ids: Sequence[UUID]) -> list[list[MemberTopic]]:
        found = await context.services.scoring.visible_topics(member_ids)
        return [found.get(m, []) for m in member_ids]

    return DataLoader(load_fn=load)


def own_scoring_loader(info: Info) -> DataLoader[UUID, MemberScoring]:
    """A member's own score and topics (hidden ones included), batched per request: `score` and `topics` share it."""
    return loader(info, "scoring.own", _own)


def visible_topics_loader(info: Info) -> DataLoader[UUID, list[MemberTopic]]:
    """Members' visible topics by member id, batched per request (leaderboard entries)."""
    return loader(info, "scoring.visible_topics", _visible_topics)
