"""`brandNotices`: the caller brand's own Art. 19 notices (members read theirs as `me { notices }`)."""

from __future__ import annotations

import strawberry

from renown.api.context import Info
from renown.api.members.queries import subject_of
from renown.api.notices.types import BrandNoticeConnection, brand_notices
from renown.api.permissions import IsBrand


@strawberry.type
class NoticeQueries:
    @strawberry.field(permission_classes=IsBrand, description=(
        "Notices to your brand about perk claims you received (erasure, rectification), newest first "
        "(at most 100 a page)."))
    async def brand_notices(self, info: Info, first: int = 20, after: str | None = None) -> BrandNoticeConnection:
        return await brand_notices(info, subject_of(info), first, after)
