"""`profile` and `leaderboard`: open to anyone, showing only members who opted in to a public profile."""

from __future__ import annotations

import strawberry

from renown.api.context import Info
from renown.api.pagination import check_first
from renown.api.scoring.public import LeaderboardConnection, PublicProfileNode, connection, decode_rank_cursor


@strawberry.type
class ScoringQueries:
    @strawberry.field(description=(
        "A member's public profile by their handle on a network; null unless they opted in to a public profile "
        "there. Hidden topics never appear."))
    async def profile(self, info: Info, handle: str) -> PublicProfileNode | None:
        found = await info.context.services.scoring.profile(handle)
        return None if found is None else PublicProfileNode.of(found)

    @strawberry.field(description=(
        "Members who opted in to a public profile, by score, or by level in `topic` (a taxonomy slug) where they "
        "did not hide it; at most 100 a page."))
    async def leaderboard(
        self, info: Info, topic: str | None = None, first: int = 20, after: str | None = None,
    ) -> LeaderboardConnection:
        page = await info.context.services.scoring.leaderboard(
            topic_slug=topic, first=check_first(first), after=None if after is None else decode_rank_cursor(after))
        return connection(page.entries, has_next=page.has_next)
