"""`hideTopic`: a hidden topic is shown to its member alone, and to no profile, leaderboard or perk."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.members.queries import subject_of
from renown.api.permissions import IsMember
from renown.api.scoring.types import TopicExpertiseNode
from renown.domain.errors import RenownError


@strawberry.type(description="The topic is hidden, or shown again; your topics as they now stand.")
class TopicVisibilityChanged:
    topics: list[TopicExpertiseNode]


HideTopicResult = Annotated[
    TopicVisibilityChanged | RequestRefused | NotRegistered, strawberry.union("HideTopicResult")]


@strawberry.type
class ScoringMutations:
    @strawberry.mutation(permission_classes=IsMember, description=(
        "Hide one of your topics (`hidden: false` shows it again). A hidden topic stays in your own view and "
        "export, and appears on no profile, leaderboard or perk; hiding a topic not found yet keeps it hidden."))
    async def hide_topic(self, info: Info, slug: str, hidden: bool = True) -> HideTopicResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            topics = await info.context.services.scoring.hide_topic(member.id, slug=slug, hidden=hidden)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return TopicVisibilityChanged(topics=[TopicExpertiseNode.of(t) for t in topics])
