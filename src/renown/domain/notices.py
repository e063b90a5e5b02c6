"""Notices: what Renown owes to tell someone — recipients of a member's data (Art. 19) and members themselves
(a restriction about to be lifted, Art. 18(3); a deadline extended, Art. 12(3)).

A notice is written to the outbox in the transaction of the event it tells of; a delivery job moves it from
pending to delivered, which is when it appears in its recipient's in-product inbox. A notice names its
subject only by what the recipient already holds: a member by nothing (their own inbox), a brand's member
by the perk claim the brand saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from renown.domain.perks import BRANDS, CLAIM_CONTEXT
from renown.domain.privacy import PrivacyRequest

DELIVER_NOTICES = "notices.deliver"  # the job kind that delivers pending notices
MEMBER_RECIPIENT = "member"  # notices to the member themselves; `recipient_ref` is their member id
INBOX_RECIPIENTS = frozenset({MEMBER_RECIPIENT, BRANDS})


class NoticeKind(StrEnum):
    """What a notice tells of (the outbox's `kind`)."""

    ERASURE = "erasure"  # to recipients: the member's data was erased (Art. 17, 19)
    RECTIFICATION = "rectification"  # to recipients: the member's data was corrected (Art. 16, 19)
    RESTRICTION_LIFT = "restriction_lift"  # to the member: their restriction is being lifted (Art. 18(3))
    EXTENSION = "extension"  # to the member: their request's deadline was extended, and why (Art. 12(3))


class NoticeState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class Notice:
    """One outbox entry; `reference` is what the recipient knows the disclosure by (e.g. `perk_claim:<id>`)."""

    id: UUID
    request_id: UUID
    recipient: str
    recipient_ref: str
    kind: NoticeKind
    reference: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempts: int
    read_at: datetime | None = None  # when the recipient marked it read in their inbox

    @property
    def state(self) -> NoticeState:
        return NoticeState.PENDING if self.delivered_at is None else NoticeState.DELIVERED

    @property
    def claim_id(self) -> UUID | None:
        """The perk claim a brand's notice is about: the pseudonymous id the brand saw with the claim."""
        context, _, value = (self.reference or "").partition(":")
        if context != CLAIM_CONTEXT:
            return None
        try:
            return UUID(value)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class MemberNotice:
    """A notice in a member's inbox, with its request as it stands now (the deadline and reason of an extension)."""

    notice: Notice
    request: PrivacyRequest

    def message(self) -> str:
        kind = self.request.kind.value
        if self.notice.kind is NoticeKind.EXTENSION:
            reason = self.request.extension_reason or "not given"
            return (f"We need more time to answer your {kind} request: the deadline is now "
                    f"{self.request.due_at:%Y-%m-%d}. Reason: {reason}")
        if self.notice.kind is NoticeKind.RESTRICTION_LIFT:
            return ("The restriction of processing you asked for is being lifted: scoring, your public profile "
                    "and perks may resume.")
        return f"Your {kind} request was handled."


def brand_message(notice: Notice) -> str:
    """What a brand is told: which claim, and what to do with what it received. Nothing about the member."""
    claim = "a perk claim" if notice.claim_id is None else f"perk claim {notice.claim_id}"
    if notice.kind is NoticeKind.ERASURE:
        return (f"The member behind {claim} had their data erased: delete the handle and score band you "
                "received with that claim (GDPR Art. 17, 19).")
    if notice.kind is NoticeKind.RECTIFICATION:
        return (f"The member behind {claim} rectified their data: what you received with that claim may be "
                "inaccurate; correct or delete it (GDPR Art. 16, 19).")
    return f"A notice about {claim}."
