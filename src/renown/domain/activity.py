"""What members did on their networks, normalized across networks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Network(StrEnum):
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    REDDIT = "reddit"
    INSTAGRAM = "instagram"


class ActivityKind(StrEnum):
    POST = "post"
    REPLY = "reply"
    RESHARE = "reshare"


class Signal(StrEnum):
    """A kind of evidence an archive may or may not carry."""

    OWN_POSTS = "own_posts"
    RECEIVED_LIKES = "received_likes"
    RECEIVED_RESHARES = "received_reshares"
    RECEIVED_REPLIES = "received_replies"
    FOLLOWERS = "followers"
    FOLLOWING = "following"


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing a member published; counts are None where the archive does not say."""

    network: Network
    external_id: str
    kind: ActivityKind
    published_at: datetime
    text: str
    url: str | None = None
    likes: int | None = None
    reshares: int | None = None
    replies: int | None = None
    hashtags: tuple[str, ...] = ()
    mentions: int = 0
    # Other people's accounts this activity replies to, mentions or reshares, in the form their own
    # archive's `AccountProfile.handle` takes. Memory only: hashed at import, never stored, logged or shown.
    interacted_with: tuple[str, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class AccountProfile:
    """The member's own account on a network, as the archive describes it."""

    network: Network
    handle: str
    display_name: str | None = None
    followers: int | None = None
    following: int | None = None
    likes_given: int | None = None  # posts the member liked (Mastodon likes.json): a count, never whose
    bookmarks: int | None = None  # posts the member bookmarked (Mastodon bookmarks.json): a count
    karma: int | None = None  # the network's own reputation total (Reddit statistics.csv)


@dataclass(slots=True)
class Coverage:
    """Which signals an archive holds, so the score can say how sure it is."""

    signals: set[Signal] = field(default_factory=set)

    def add(self, *signals: Signal) -> None:
        self.signals.update(signals)

    def as_list(self) -> list[str]:
        return sorted(s.value for s in self.signals)


# Another account whose post the member liked, or whom they followed, named as in `Activity.interacted_with`,
# and when (None where the archive does not say).
Reaction = tuple[str, datetime | None]


def _no_reactions() -> Iterator[Reaction]:
    return iter(())


@dataclass(slots=True)
class ParsedArchive:
    """An archive read into memory-light parts; `activities` and `reactions` are one-shot streams."""

    account: AccountProfile
    activities: Iterator[Activity]
    coverage: Coverage
    # The member's likes and follows of other accounts, read only for the interaction graph among members.
    reactions: Iterator[Reaction] = field(default_factory=_no_reactions, repr=False)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    imported: int
    skipped: int
    coverage: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredActivity:
    """An activity as stored for a member, with Renown's own id."""

    id: UUID
    activity: Activity


@dataclass(frozen=True, slots=True)
class ActivityPage:
    items: list[StoredActivity]
    has_next: bool


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    id: UUID
    network: Network
    handle: str
    display_name: str | None
    followers: int | None
    following: int | None
    linked_at: datetime
