"""What anyone may read: public profiles and leaderboards of members who opted in to a public profile.

These are types of their own (not the member's own `Score` or `TopicExpertise`), so nothing only a
member may see is reachable from an open field.
"""

from __future__ import annotations

import base64
from uuid import UUID

import strawberry

import renown.api.members.types  # noqa: F401 - registers the Network enum before these types use it
from renown.api.context import Info
from renown.api.pagination import BadCursor, PageInfo
from renown.api.scoring.loaders import visible_topics_loader
from renown.domain.activity import Network
from renown.domain.scoring import LeaderboardEntry, MemberTopic, PublicProfile
from renown.services.scoring_views import topic_names


@strawberry.type(description="A topic a member shows publicly, with their level in it.")
class PublicTopic:
    slug: str
    level: float = strawberry.field(description="0-100.")
    name_en: strawberry.Private[str]
    name_fr: strawberry.Private[str]

    @strawberry.field(description="The topic's name in `language` (`en` or `fr`).")
    def name(self, language: str = "en") -> str:
        return self.name_fr if language == "fr" else self.name_en

    @classmethod
    def of(cls, item: MemberTopic) -> PublicTopic:
        name_en, name_fr = topic_names(item.slug)
        return cls(slug=item.slug, level=item.level, name_en=name_en, name_fr=name_fr)


@strawberry.type(name="PublicProfile",
                 description="A member's public profile: shown only because they opted in on that network.")
class PublicProfileNode:
    handle: str
    network: Network
    display_name: str | None
    score: float | None = strawberry.field(description="1-100; null while they have no score.")
    topics: list[PublicTopic] = strawberry.field(description="Their visible topics, strongest first.")

    @classmethod
    def of(cls, profile: PublicProfile) -> PublicProfileNode:
        return cls(handle=profile.handle, network=profile.network, display_name=profile.display_name,
                   score=profile.score, topics=[PublicTopic.of(t) for t in profile.topics])


@strawberry.type(name="LeaderboardEntry", description="One opted-in member on a leaderboard.")
class LeaderboardEntryNode:
    handle: str
    network: Network
    score: float = strawberry.field(description="Their influence score, 1-100.")
    level: float | None = strawberry.field(description="Their level in the leaderboard's topic; null without one.")
    member_id: strawberry.Private[UUID]

    @strawberry.field(description="Their visible topics, strongest first (batched for the whole page).")
    async def topics(self, info: Info) -> list[PublicTopic]:
        return [PublicTopic.of(t) for t in await visible_topics_loader(info).load(self.member_id)]

    @classmethod
    def of(cls, entry: LeaderboardEntry) -> LeaderboardEntryNode:
        return cls(handle=entry.handle, network=entry.network, score=entry.score, level=entry.level,
                   member_id=entry.member_id)


@strawberry.type
class LeaderboardEdge:
    cursor: str
    node: LeaderboardEntryNode


@strawberry.type(description="Opted-in members, best first.")
class LeaderboardConnection:
    edges: list[LeaderboardEdge]
    page_info: PageInfo


def encode_rank_cursor(value: float, member_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{value!r}|{member_id}".encode()).decode()


def decode_rank_cursor(cursor: str) -> tuple[float, UUID]:
    try:
        value, member_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return float(value), UUID(member_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("`after` is not a cursor this API issued") from exc


def connection(entries: list[LeaderboardEntry], *, has_next: bool) -> LeaderboardConnection:
    edges = [LeaderboardEdge(cursor=encode_rank_cursor(e.rank_value, e.member_id), node=LeaderboardEntryNode.of(e))
             for e in entries]
    return LeaderboardConnection(edges=edges, page_info=PageInfo(
        has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None))
