"""Topics assigned at import, from each post's plaintext while it is still in memory, before encryption.

The same finder serves the backfill after a late `topics` grant (`services.topic_consent`), the one
time stored posts are decrypted for topics.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.policies import ConsentPurpose
from renown.domain.topics import TopicMatcher
from renown.services.taxonomy import default_matcher
from renown.storage.topics import TopicRepository


@dataclass(frozen=True)
class ImportTopics:
    """Finds the topics of the posts of one import; special categories only if the member consented to them."""

    repository: TopicRepository
    member_id: UUID
    network: Network
    allow_special: bool
    matcher: TopicMatcher

    def found(self, activity: Activity) -> list[tuple[str, float]]:
        """The (slug, weight) topics of one activity, strongest first; none for reshares."""
        if activity.kind is ActivityKind.RESHARE:  # someone else's words say little of the member's expertise
            return []
        return self.matcher.assign_topics(activity.text, activity.hashtags, allow_special=self.allow_special)

    def rows(self, activity_id: Any, activity: Activity) -> list[tuple[Any, ...]]:
        """The `activity_topic` rows of one activity (`activity_id` as its row holds it); none for reshares."""
        found = self.found(activity)
        return self.repository.assignment_rows(activity_id, self.member_id, self.network, found) if found else []


def import_topics(
    repository: TopicRepository, *, member_id: UUID, network: Network, allowed: Collection[ConsentPurpose],
    matcher: TopicMatcher | None = None,
) -> ImportTopics | None:
    """The topic finder for an import the gate allowed `allowed` purposes on; None without the topics consent."""
    if ConsentPurpose.TOPICS not in allowed:
        return None
    return ImportTopics(repository, member_id, network, ConsentPurpose.SPECIAL_TOPICS in allowed,
                        matcher or default_matcher())
