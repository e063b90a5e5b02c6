"""`markNoticeRead` (a member's own inbox) and `markBrandNoticeRead` (a brand's own inbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.ids import uuid_of
from renown.api.members.queries import subject_of
from renown.api.notices.types import notices
from renown.api.permissions import IsBrand, IsMember


@strawberry.type(description="The notice is marked read (the first time it was is kept).")
class NoticeMarkedRead:
    id: strawberry.ID
    read_at: datetime


MarkNoticeReadResult = Annotated[NoticeMarkedRead | NotRegistered | RequestRefused,
                                 strawberry.union("MarkNoticeReadResult")]
MarkBrandNoticeReadResult = Annotated[NoticeMarkedRead | RequestRefused, strawberry.union("MarkBrandNoticeReadResult")]


def _outcome(notice_id: strawberry.ID, read_at: datetime | None) -> NoticeMarkedRead | RequestRefused:
    if read_at is None:  # not in this inbox: whether it exists elsewhere is not said
        return RequestRefused(code="NOT_FOUND", message="no such notice in your inbox")
    return NoticeMarkedRead(id=notice_id, read_at=read_at)


@strawberry.type
class NoticeMutations:
    @strawberry.mutation(permission_classes=IsMember, description="Mark one of your notices (`me { notices }`) read.")
    async def mark_notice_read(self, info: Info, id: strawberry.ID) -> MarkNoticeReadResult:  # noqa: A002
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        notice_id = uuid_of(id)
        read_at = None if notice_id is None else await notices(info).mark_read(notice_id=notice_id,
                                                                              member_id=member.id)
        return _outcome(id, read_at)

    @strawberry.mutation(permission_classes=IsBrand, description="Mark one of your brand's notices read.")
    async def mark_brand_notice_read(self, info: Info, id: strawberry.ID) -> MarkBrandNoticeReadResult:  # noqa: A002
        notice_id = uuid_of(id)
        read_at = None if notice_id is None else await notices(info).mark_read(notice_id=notice_id,
                                                                              brand=subject_of(info))
        return _outcome(id, read_at)
