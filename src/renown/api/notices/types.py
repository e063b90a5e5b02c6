"""Notices as their recipients read them: a member about their own requests, a brand about its perk claims."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from renown.api.context import Info
from renown.api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from renown.api.privacy.types import PrivacyRequestNode
from renown.domain.notices import MemberNotice, Notice, NoticeKind, brand_message
from renown.services.notices import Notices, cursor_of

strawberry.enum(NoticeKind, name="NoticeKind", description="What a notice tells of.")


def notices(info: Info) -> Notices:
    return Notices(info.context.services.uow_factory)


@strawberry.type(description="A notice to you about one of your privacy requests (e.g. a deadline extended).")
class MemberNoticeNode:
    id: strawberry.ID
    kind: NoticeKind
    message: str = strawberry.field(description="The notice, in words.")
    request: PrivacyRequestNode = strawberry.field(
        description="The privacy request it is about, as it stands now (deadline, extension reason).")
    created_at: datetime
    delivered_at: datetime
    read_at: datetime | None = strawberry.field(description="When you marked it read (`markNoticeRead`).")

    @classmethod
    def of(cls, item: MemberNotice) -> MemberNoticeNode:
        notice = item.notice
        assert notice.delivered_at is not None  # inboxes hold delivered notices only
        return cls(id=strawberry.ID(str(notice.id)), kind=notice.kind, message=item.message(),
                   request=PrivacyRequestNode.of(item.request, owned=True), created_at=notice.created_at,
                   delivered_at=notice.delivered_at, read_at=notice.read_at)


@strawberry.type
class MemberNoticeEdge:
    cursor: str
    node: MemberNoticeNode


@strawberry.type
class MemberNoticeConnection:
    edges: list[MemberNoticeEdge]
    page_info: PageInfo


@strawberry.type(description="A notice to your brand (GDPR Art. 19) about a perk claim you received; it names "
                             "the claim only, never the member.")
class BrandNoticeNode:
    id: strawberry.ID
    kind: NoticeKind
    message: str = strawberry.field(description="The notice, in words, and what to do.")
    claim_id: strawberry.ID | None = strawberry.field(
        description="The perk claim it is about, as `myPerks { claims { id } }` showed it.")
    created_at: datetime
    delivered_at: datetime
    read_at: datetime | None = strawberry.field(description="When you marked it read (`markBrandNoticeRead`).")

    @classmethod
    def of(cls, notice: Notice) -> BrandNoticeNode:
        assert notice.delivered_at is not None
        claim = notice.claim_id
        return cls(id=strawberry.ID(str(notice.id)), kind=notice.kind, message=brand_message(notice),
                   claim_id=None if claim is None else strawberry.ID(str(claim)), created_at=notice.created_at,
                   delivered_at=notice.delivered_at, read_at=notice.read_at)


@strawberry.type
class BrandNoticeEdge:
    cursor: str
    node: BrandNoticeNode


@strawberry.type
class BrandNoticeConnection:
    edges: list[BrandNoticeEdge]
    page_info: PageInfo


async def member_notices(info: Info, member_id: UUID, first: int, after: str | None) -> MemberNoticeConnection:
    """The member's delivered notices, newest first (for `me { notices }`)."""
    page = await notices(info).of_member(member_id=member_id, first=check_first(first),
                                         after=None if after is None else decode_cursor(after))
    edges = [MemberNoticeEdge(cursor=encode_cursor(*cursor_of(item.notice)), node=MemberNoticeNode.of(item))
             for item in page.items]
    return MemberNoticeConnection(edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def brand_notices(info: Info, brand: str, first: int, after: str | None) -> BrandNoticeConnection:
    page = await notices(info).of_brand(brand=brand, first=check_first(first),
                                        after=None if after is None else decode_cursor(after))
    edges = [BrandNoticeEdge(cursor=encode_cursor(*cursor_of(n)), node=BrandNoticeNode.of(n)) for n in page.items]
    return BrandNoticeConnection(edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))
