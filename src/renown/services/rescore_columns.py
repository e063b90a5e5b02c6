"""From the batch's raw reads to the scorer's columns, keeping only what consent allows.

Members who may be scored get a dense index; activities and accounts count only on networks with
an active `scoring` consent; topics only on networks with `topics` (special categories only under
`special_topics`); interaction edges only between members who may be scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import numpy as np

from renown.domain.influence import NO_TOPIC, AccountColumns, ActivityColumns, InteractionGraph
from renown.domain.influence.columns import NETWORK_CODE, RESHARE, BoolArray, FloatArray, IntArray
from renown.domain.topic_levels import evidence
from renown.services.scoring import special_topics
from renown.services.scoring_consent import Eligibility
from renown.services.taxonomy import default_matcher
from renown.storage.scoring_reads import ActivityRows

NETWORK_COUNT = len(NETWORK_CODE)


@dataclass(frozen=True, repr=False)
class TopicRows:
    member: IntArray
    topic: IntArray
    weight: FloatArray
    reactions: FloatArray
    all_evidence: FloatArray  # per member index


@dataclass(frozen=True, repr=False)
class Snapshot:
    """The population as the scorer sees it, and how to map its indexes back to members."""

    everyone: list[UUID]
    ids: list[UUID]  # dense index -> member id, members who may be scored
    index: dict[UUID, int]
    activities: ActivityColumns
    activity_ids: list[str]  # per activity row, as text
    accounts: AccountColumns
    graph: InteractionGraph
    topics: TopicRows
    topics_allowed: BoolArray  # per member index: any network with the topics consent
    topic_slugs: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.ids)


def _matrix(ids: list[UUID], allowed: Mapping[UUID, Eligibility], attribute: str) -> BoolArray:
    out = np.zeros((len(ids) + 1, NETWORK_COUNT), bool)  # the extra last row stands for "not a member"
    for i, member_id in enumerate(ids):
        for network in getattr(allowed[member_id], attribute):
            out[i, NETWORK_CODE[network]] = True
    return out


def _lookup(index: Mapping[str, int], keys: list[str], missing: int) -> IntArray:
    return np.fromiter((index.get(k, missing) for k in keys), np.int64, len(keys))


def build_snapshot(
    keys: Mapping[str, UUID], allowed: Mapping[UUID, Eligibility], *, now: datetime, activities: ActivityRows,
    accounts: tuple[list[str], FloatArray], topics: tuple[list[str], list[str], FloatArray],
    interactions: tuple[list[str], list[str], FloatArray],
) -> Snapshot:
    """Filter and index the raw reads (see the module docstring)."""
    ids = [m for m in keys.values() if allowed.get(m, Eligibility()).scoring]
    index = {member_id: i for i, member_id in enumerate(ids)}
    n = len(ids)
    text_index = {text: index[m] for text, m in keys.items() if m in index}
    scoring, topical, special = (_matrix(ids, allowed, a) for a in ("scoring", "topics", "special"))
    slugs = tuple(t.slug for t in default_matcher().taxonomy.topics)
    slug_index = {slug: i for i, slug in enumerate(slugs)}
    special_slug = np.array([s in special_topics() for s in slugs] + [False])

    # Activities: counted where scoring is allowed; their main topic only where topics are.
    numbers = activities.numbers
    member = _lookup(text_index, activities.member, n)
    network = np.where(numbers[:, 0] >= 0, numbers[:, 0], 0).astype(np.int64)
    kind = numbers[:, 1].astype(np.int64)
    topic = np.fromiter((slug_index.get(t, NO_TOPIC) if t else NO_TOPIC for t in activities.topic), np.int64,
                        len(activities.topic))
    usable_topic = topical[member, network] & (~special_slug[topic] | special[member, network])
    topic = np.where(usable_topic, topic, NO_TOPIC)
    keep = scoring[member, network] & (kind >= 0)
    rows = np.flatnonzero(keep)
    activity_columns = ActivityColumns(
        member[rows], network[rows].astype(np.int8), kind[rows].astype(np.int8), numbers[rows, 2],
        numbers[rows, 3], numbers[rows, 4], numbers[rows, 5], topic[rows], slugs)
    activity_ids = [activities.ids[r] for r in rows.tolist()]

    # Every own post on a network with the topics consent weighs in the denominator of topical shares.
    own = topical[member, network] & (kind != RESHARE) & (member < n)
    reactions = np.nansum(numbers[:, 3:6], axis=1)
    all_evidence = np.bincount(member[own], weights=evidence(reactions[own]), minlength=n)[:n].astype(np.float64)

    account_members, account_numbers = accounts
    owner = _lookup(text_index, account_members, n)
    account_network = np.where(account_numbers[:, 0] >= 0, account_numbers[:, 0], 0).astype(np.int64)
    linked = np.flatnonzero(scoring[owner, account_network])
    age = (now.timestamp() - account_numbers[linked, 3]) / 86400.0
    account_columns = AccountColumns(owner[linked], account_network[linked].astype(np.int8),
                                     account_numbers[linked, 1], account_numbers[linked, 2], age)

    topic_members, topic_slugs, topic_numbers = topics
    t_member = _lookup(text_index, topic_members, n)
    t_topic = np.fromiter((slug_index.get(s, -1) for s in topic_slugs), np.int64, len(topic_slugs))
    t_network = topic_numbers[:, 0].astype(np.int64).clip(0)
    t_keep = topical[t_member, t_network] & (t_topic >= 0) & (~special_slug[t_topic] | special[t_member, t_network])
    t_rows = np.flatnonzero(t_keep)
    topic_rows = TopicRows(t_member[t_rows], t_topic[t_rows], topic_numbers[t_rows, 1], topic_numbers[t_rows, 2],
                           all_evidence)

    sources, targets, edges = interactions
    src, dst = _lookup(text_index, sources, n), _lookup(text_index, targets, n)
    among = np.flatnonzero((src < n) & (dst < n))
    graph = InteractionGraph(n, src[among], dst[among], edges[among, 0], edges[among, 1])

    return Snapshot(list(keys.values()), ids, index, activity_columns, activity_ids, account_columns, graph,
                    topic_rows, np.asarray(topical[:n].any(axis=1), bool), slugs)
