"""The member as they see themselves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.members.loaders import accounts_loader
from renown.api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from renown.api.permissions import IsMember
from renown.domain.activity import ActivityKind, Network, StoredActivity
from renown.domain.member import AgeBracket, Member

if TYPE_CHECKING:
    from renown.api.consent.types import ConsentNode
    from renown.api.notices.types import MemberNoticeConnection
    from renown.api.privacy.types import PrivacyRequestNode
    from renown.api.scoring.types import ScoreNode, ScorePointNode, TopicExpertiseNode

# The domain's enums, registered with strawberry here so the domain stays framework-free.
strawberry.enum(Network, name="Network", description="A social network Renown can read.")
strawberry.enum(ActivityKind, name="ActivityKind")
strawberry.enum(AgeBracket, name="AgeBracket", description="Self-declared age bracket.")


@strawberry.type(description="One of the member's accounts on a network.")
class Account:
    network: Network
    handle: str
    display_name: str | None
    followers: int | None
    following: int | None
    linked_at: datetime


@strawberry.type(description="Something the member published, decrypted for them alone.")
class ActivityNode:
    id: strawberry.ID
    network: Network
    kind: ActivityKind
    published_at: datetime
    text: str
    url: str | None
    likes: int | None = strawberry.field(description="Likes received; null when the archive does not say.")
    reshares: int | None
    replies: int | None

    @classmethod
    def from_stored(cls, stored: StoredActivity) -> ActivityNode:
        a = stored.activity
        return cls(
            id=strawberry.ID(str(stored.id)), network=a.network, kind=a.kind, published_at=a.published_at,
            text=a.text, url=a.url, likes=a.likes, reshares=a.reshares, replies=a.replies,
        )


@strawberry.type
class ActivityEdge:
    cursor: str
    node: ActivityNode


@strawberry.type
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo


@strawberry.type(description="The authenticated member.")
class MemberType:
    id: strawberry.ID
    display_name: str | None
    age_bracket: AgeBracket
    created_at: datetime
    member_id: strawberry.Private[UUID]

    @classmethod
    def from_member(cls, member: Member) -> MemberType:
        return cls(
            id=strawberry.ID(str(member.id)), display_name=member.display_name,
            age_bracket=member.age_bracket, created_at=member.created_at, member_id=member.id,
        )

    @strawberry.field(description="Linked network accounts.")
    async def accounts(self, info: Info) -> list[Account]:
        accounts = await accounts_loader(info).load(self.member_id)
        return [
            Account(network=a.network, handle=a.handle, display_name=a.display_name, followers=a.followers,
                    following=a.following, linked_at=a.linked_at)
            for a in accounts
        ]

    @strawberry.field(description="Imported activities, newest first (at most 100 a page).")
    async def activities(
        self, info: Info, first: int = 20, after: str | None = None, network: Network | None = None
    ) -> ActivityConnection:
        page = await info.context.services.activities(
            self.member_id, first=check_first(first), after=None if after is None else decode_cursor(after),
            network=network,
        )
        edges = [
            ActivityEdge(cursor=encode_cursor(s.activity.published_at, s.id), node=ActivityNode.from_stored(s))
            for s in page.items
        ]
        return ActivityConnection(
            edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None)
        )

    @strawberry.field(description="Every consent the member can give, per linked network, and where each stands.")
    async def consents(self, info: Info) -> list[Annotated[ConsentNode, strawberry.lazy("renown.api.consent.types")]]:
        from renown.api.consent.types import member_consents  # noqa: PLC0415 - that module imports this one

        return await member_consents(info, self.member_id)

    @strawberry.field(permission_classes=IsMember, description="Your privacy requests, newest first.")
    async def privacy_requests(
        self, info: Info,
    ) -> list[Annotated[PrivacyRequestNode, strawberry.lazy("renown.api.privacy.types")]]:
        from renown.api.privacy.types import member_privacy_requests  # noqa: PLC0415 - keeps imports acyclic

        return await member_privacy_requests(info, self.member_id)

    @strawberry.field(permission_classes=IsMember,
                      description="Notices to you about your privacy requests, newest first (at most 100 a page).")
    async def notices(
        self, info: Info, first: int = 20, after: str | None = None,
    ) -> Annotated[MemberNoticeConnection, strawberry.lazy("renown.api.notices.types")]:
        from renown.api.notices.types import member_notices  # noqa: PLC0415 - keeps imports acyclic

        return await member_notices(info, self.member_id, first, after)

    @strawberry.field(description="Signed Kantara consent receipts (compact JWS) of every grant and withdrawal.")
    async def consent_receipts(self, info: Info) -> list[str]:
        return await info.context.services.consent_receipts(self.member_id)

    # `score` and `topics` are synchronous for strawberry: they answer at once from the loader `me` primed,
    # and hand graphql-core an awaitable otherwise (see `when_loaded`).
    @strawberry.field(description="Your influence score with its explanation; null until you are scored.")
    def score(self, info: Info) -> Annotated[ScoreNode, strawberry.lazy("renown.api.scoring.types")] | None:
        from renown.api.scoring.types import member_score  # noqa: PLC0415 - that module imports this one

        return cast("ScoreNode | None", member_score(info, self.member_id))

    @strawberry.field(description="Your score, one point per day, over the last `days` days (at most 400).")
    async def history(
        self, info: Info, days: int = 30,
    ) -> list[Annotated[ScorePointNode, strawberry.lazy("renown.api.scoring.types")]]:
        from renown.api.scoring.types import member_history  # noqa: PLC0415

        return await member_history(info, self.member_id, days)

    @strawberry.field(description="Your topics of expertise, strongest first; hidden ones too (shown to you alone).")
    def topics(
        self, info: Info,
    ) -> list[Annotated[TopicExpertiseNode, strawberry.lazy("renown.api.scoring.types")]]:
        from renown.api.scoring.types import member_topics  # noqa: PLC0415

        return cast("list[TopicExpertiseNode]", member_topics(info, self.member_id))



