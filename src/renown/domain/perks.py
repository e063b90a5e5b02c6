"""Perks: offers brands gate on a topic and a minimum score, and the minimal disclosure a claim makes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from renown.domain.activity import Network
from renown.domain.errors import ConsentRequired, NotFound, RenownError

MAX_TITLE = 200
MAX_QUANTITY = 1_000_000
TOPIC_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# What a claim discloses to the brand, as data-map categories: the handle and a score band, nothing else.
DISCLOSED_CATEGORIES = ("network.handle", "score.value")
BRANDS = "brands"  # the recipient (policies/recipients.yaml) of every perk claim
CLAIM_CONTEXT = "perk_claim"


class InvalidPerk(RenownError):
    code = "BAD_USER_INPUT"


class PerkConsentRequired(ConsentRequired):
    """A consent the perk needs is missing; `purpose` names it, so the client can ask for exactly that."""

    def __init__(self, purpose: str) -> None:
        super().__init__(f"this needs your `{purpose}` consent")
        self.purpose = purpose


class PerkNotFound(NotFound):
    code = "PERK_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("no such perk")


class PerkNotEligible(RenownError):
    """The member does not meet the perk's conditions; `why` says which, in the member's terms."""

    code = "PERK_NOT_ELIGIBLE"

    def __init__(self, why: tuple[str, ...]) -> None:
        super().__init__("you are not eligible for this perk")
        self.why = why


class PerkSoldOut(RenownError):
    code = "PERK_SOLD_OUT"

    def __init__(self) -> None:
        super().__init__("every unit of this perk has been claimed")


class PerkExpired(RenownError):
    code = "PERK_EXPIRED"

    def __init__(self) -> None:
        super().__init__("this perk is no longer valid")


@dataclass(frozen=True, slots=True)
class Perk:
    """A brand's offer; `claimed` counts the units taken, never more than `quantity`."""

    id: UUID
    brand: str
    title: str
    topic: str | None
    minimum_score: int
    quantity: int
    claimed: int
    valid_from: datetime
    valid_until: datetime
    created_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.quantity - self.claimed, 0)

    def is_expired(self, at: datetime) -> bool:
        return at >= self.valid_until

    def has_started(self, at: datetime) -> bool:
        return at >= self.valid_from


def new_perk(
    *, perk_id: UUID, brand: str, title: str, topic: str | None, minimum_score: int, quantity: int,
    valid_from: datetime, valid_until: datetime, at: datetime,
) -> Perk:
    """Validate a brand's input into a perk; InvalidPerk names the field that is wrong."""
    title = title.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidPerk(f"`title` must be 1 to {MAX_TITLE} characters")
    if topic is not None and not TOPIC_SLUG.fullmatch(topic):
        raise InvalidPerk("`topic` must be a topic slug such as `python`")
    if not 1 <= minimum_score <= 100:
        raise InvalidPerk("`minimumScore` must be between 1 and 100")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidPerk(f"`quantity` must be between 1 and {MAX_QUANTITY}")
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise InvalidPerk("`validFrom` and `validUntil` need a time zone")
    if valid_until <= valid_from or valid_until <= at:
        raise InvalidPerk("`validUntil` must be after `validFrom` and in the future")
    return Perk(perk_id, brand, title, topic, minimum_score, quantity, 0, valid_from, valid_until, at)


def score_band(value: float) -> str:
    """The ten-point band a 1-100 score falls in ("70-79"; 90 and above is "90-100"): all a brand learns."""
    score = min(max(math.floor(value), 1), 100)
    low = max(score // 10 * 10, 1) if score < 90 else 90
    high = 100 if low == 90 else (low // 10 * 10) + 9
    return f"{low}-{high}"


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    why: tuple[str, ...]


def eligibility(perk: Perk, *, score: float | None, topics: frozenset[str] | None, at: datetime) -> Eligibility:
    """Whether a member meets a perk's conditions now, with one reason per condition."""
    why: list[str] = []
    ok = True
    if not perk.has_started(at):
        ok = False
        why.append("the perk is not open yet")
    elif perk.is_expired(at):
        ok = False
        why.append("the perk has expired")
    if perk.remaining == 0:
        ok = False
        why.append("the perk is sold out")
    if score is None:
        ok = False
        why.append(f"you have no score yet; the perk needs at least {perk.minimum_score}")
    elif math.floor(score) >= perk.minimum_score:
        why.append(f"your score meets the minimum of {perk.minimum_score}")
    else:
        ok = False
        why.append(f"your score is below the minimum of {perk.minimum_score}")
    if perk.topic is not None:
        if topics is None:
            ok = False
            why.append(f"your topics are not known yet; the perk needs the topic `{perk.topic}`")
        elif perk.topic in topics:
            why.append(f"`{perk.topic}` is one of your topics")
        else:
            ok = False
            why.append(f"`{perk.topic}` is not one of your topics")
    return Eligibility(ok, tuple(why))


@dataclass(frozen=True, slots=True)
class PerkPage:
    items: list[Perk]
    has_next: bool


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Personal data Renown handed to a recipient: kept for the member's export and Art. 19 notices."""

    id: UUID
    member_id: UUID
    recipient: str
    recipient_ref: str
    purpose: str
    categories: tuple[str, ...]
    content: dict[str, str]
    context: str
    context_id: UUID
    disclosed_at: datetime


@dataclass(frozen=True, slots=True)
class PerkClaim:
    """One member's claim of one perk, with what it disclosed to the brand."""

    id: UUID
    perk_id: UUID
    member_id: UUID
    claimed_at: datetime
    network: Network | None
    handle: str | None  # None once the member was erased: the disclosure no longer decrypts
    score_band: str | None
