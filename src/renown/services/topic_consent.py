"""Topics after a consent changes: a late `topics` grant reaches the posts already stored, and withdrawing
`special_topics` deletes the special-category topics found under it.

Topics are found at import from the plaintext in memory. A member who imported under `scoring` alone
and grants `topics` (or `special_topics`) later has posts stored without topics: the backfill job decrypts
them one page at a time, assigns topics with the import's matcher and commits each page.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from renown.domain.activity import Network
from renown.domain.consent import ConsentEventType
from renown.domain.policies import ConsentPurpose
from renown.domain.topics import TopicMatcher
from renown.services.scoring import special_topics
from renown.services.scoring_consent import member_eligibility
from renown.services.taxonomy import default_matcher
from renown.services.topic_assignment import ImportTopics
from renown.storage.uow import SqlUnitOfWork

BACKFILL_JOB = "topics_backfill"
TOPIC_PURPOSES = frozenset({ConsentPurpose.TOPICS, ConsentPurpose.SPECIAL_TOPICS})
PAGE = 500

Cursor = tuple[datetime, UUID]


async def queue_backfill(
    uow: SqlUnitOfWork, member_id: UUID, network: Network | None, purpose: ConsentPurpose,
) -> UUID | None:
    """Queue, in the caller's transaction, the backfill a topics grant calls for: only when the member has
    activities stored on that network (a grant while linking has none yet)."""
    if network is None or purpose not in TOPIC_PURPOSES or not await uow.activities.count(member_id, network):
        return None
    payload = {"member_id": str(member_id), "network": network.value, "purpose": purpose.value}
    return await uow.jobs.enqueue(BACKFILL_JOB, payload, at=uow.now())


async def backfill_page(
    uow: SqlUnitOfWork, member_id: UUID, network: Network, *, after: Cursor | None, first: int | None = None,
    matcher: TopicMatcher | None = None,
) -> tuple[int, Cursor | None]:
    """Assign topics to one page of the member's activities on `network` (newest first, after `after`) as the
    consents stand now; return the rows written and the cursor of the next page (None after the last).

    Activities whose stored topics already are those found keep them, so a page done twice writes nothing.
    Without the topics consent now (withdrawn since, restriction, objection) nothing is read.
    """
    allowed = await member_eligibility(uow, member_id)
    if network not in allowed.topics:
        return 0, None
    finder = ImportTopics(uow.topics, member_id, network, network in allowed.special, matcher or default_matcher())
    page = await uow.activities.page(member_id, first=first or PAGE, after=after, network=network)
    written = await uow.topics.reassign(member_id, network, {item.id: finder.found(item.activity)
                                                             for item in page.items})
    if not page.has_next or not page.items:
        return written, None
    last = page.items[-1]
    return written, (last.activity.published_at, last.id)


async def purge_special_topics(uow: SqlUnitOfWork, member_id: UUID, network: Network) -> int:
    """Delete the special-category topics of the member's activities on `network` unless `special_topics` was
    granted there again, and their special expertise rows once no network allows them; return rows deleted.

    A job step: it does not commit. While another network still allows them, the rescoring step after it
    computes the special expertise again from that network's activities alone.
    """
    history = (await uow.consents.ledger(member_id)).history(network, ConsentPurpose.SPECIAL_TOPICS)
    if history and history[-1].event is ConsentEventType.GRANTED:
        return 0
    elsewhere = (await member_eligibility(uow, member_id)).special - {network}
    return await uow.topics.delete_special(member_id, network, special_topics(), expertise=not elsewhere)
