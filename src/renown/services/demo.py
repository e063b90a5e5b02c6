"""A synthetic population with planted truth, for `renown demo`, tests and the evaluation.

Everything is drawn from one numpy Generator seeded with `seed`, so the same
(members, seed, as_of) always gives the same population. Numbers are generated as
arrays; `Activity` objects and their texts are built lazily per member.

How the truth shows through (the signal-to-noise is a choice, stated here): a latent
influence z ~ N(0, 1) drives, each with its own independent noise, the follower counts
(log followers = 4.5 + 1.3 z + 1.3 noise), the reactions per post (log rate = 0.8 + 1.2 z
+ 0.7 noise, times post quality), and who the other members react to (in proportion to
exp(1.1 z)). No single signal reveals z; together they do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from renown.domain.activity import AccountProfile, Activity, Coverage, Network, Signal
from renown.domain.influence.columns import (
    KIND_CODE,
    NETWORKS,
    AccountColumns,
    ActivityColumns,
    FloatArray,
    IntArray,
    InteractionGraph,
)
from renown.domain.member import AgeBracket
from renown.domain.topics import Taxonomy
from renown.services.demo_draw import DAY, NO_COUNTS, Draws, draw_population
from renown.services.demo_text import display_name, render_post
from renown.services.taxonomy import load_taxonomy

KINDS = {code: kind for kind, code in KIND_CODE.items()}
BRACKETS = (AgeBracket.ADULT, AgeBracket.UNDECLARED, AgeBracket.FROM_16_TO_17, AgeBracket.UNDER_16)


@dataclass(frozen=True, slots=True)
class DemoMember:
    """A fictional member; identity fields stay out of the repr like real members' would."""

    index: int
    handle: str = field(repr=False)
    display_name: str = field(repr=False)
    email: str = field(repr=False)
    age_bracket: AgeBracket
    language: str
    latent_influence: float


@dataclass(frozen=True, repr=False)
class BotFarm:
    """New accounts that reacted to one target in lockstep."""

    target: int
    members: IntArray


@dataclass(frozen=True, repr=False)
class PlantedTruth:
    """What the generator knows and the scorer must find out."""

    latent_influence: FloatArray  # bots sit at the bottom
    celebrities: IntArray  # the top 0.5 % by latent influence
    bot_farms: tuple[BotFarm, ...]
    spam_reactors: IntArray  # real members who react to almost everyone
    follower_buyers: IntArray  # members whose follower counts were inflated
    experts: IntArray  # members who post mostly about their three topics
    favourite_topics: IntArray  # (members, 3) topic indexes, strongest first
    topic_slugs: tuple[str, ...]

    @property
    def bots(self) -> IntArray:
        return np.concatenate([f.members for f in self.bot_farms]) if self.bot_farms else np.zeros(0, np.int64)

    def top_topics(self, member: int) -> tuple[str, ...]:
        """The planted top-3 topics of a member."""
        return tuple(self.topic_slugs[t] for t in self.favourite_topics[member])


@dataclass(frozen=True, repr=False)
class Population:
    seed: int
    as_of: datetime
    size: int
    activities: ActivityColumns  # rows grouped by member, in member order
    accounts: AccountColumns  # rows grouped by member, in member order
    graph: InteractionGraph
    truth: PlantedTruth
    taxonomy: Taxonomy
    draws: Draws = field(repr=False)

    def _slice(self, member_column: IntArray, i: int) -> range:
        lo, hi = np.searchsorted(member_column, [i, i + 1])
        return range(int(lo), int(hi))

    def member(self, i: int) -> DemoMember:
        """Return member i's identity (fictional, on example.org)."""
        width = max(4, len(str(self.size - 1)))
        handle = f"member{i:0{width}d}"
        d = self.draws
        return DemoMember(
            index=i,
            handle=handle,
            display_name=display_name(int(d.first_name[i]), int(d.last_name[i])),
            email=f"{handle}@example.org",
            age_bracket=BRACKETS[int(d.bracket[i])],
            language="fr" if d.french[i] else "en",
            latent_influence=float(self.truth.latent_influence[i]),
        )

    def members(self) -> Iterator[DemoMember]:
        """Yield every member in index order."""
        return (self.member(i) for i in range(self.size))

    def accounts_of(self, i: int) -> list[tuple[AccountProfile, datetime]]:
        """Member i's accounts with their creation times."""
        a = self.accounts
        who = self.member(i)
        rows = self._slice(a.member, i)
        out = []
        for code, followers, following, age in zip(
            a.network[rows.start : rows.stop].tolist(),
            a.followers[rows.start : rows.stop].tolist(),
            a.following[rows.start : rows.stop].tolist(),
            a.age_days[rows.start : rows.stop].tolist(),
            strict=True,
        ):
            profile = AccountProfile(NETWORKS[code], who.handle, who.display_name, _count(followers), _count(following))
            out.append((profile, self.as_of - timedelta(days=age)))
        return out

    def coverage(self, network: Network) -> Coverage:
        """The signals a demo archive of `network` carries (Reddit: no followers, likes or reshares)."""
        if network in NO_COUNTS:
            return Coverage({Signal.OWN_POSTS, Signal.RECEIVED_REPLIES, Signal.FOLLOWING})
        return Coverage(set(Signal))

    def activity_id(self, row: int) -> str:
        """The external id of activity `row` (stable for a given population)."""
        member = int(self.activities.member[row])
        first = self._slice(self.activities.member, member).start
        return _activity_id(NETWORKS[int(self.activities.network[row])], member, row - first)

    def activities_of(self, i: int) -> list[Activity]:
        """Build member i's activities, texts included (seeded per member, so order-free)."""
        a = self.activities
        lo, hi = self._slice(a.member, i).start, self._slice(a.member, i).stop
        uniforms = np.random.default_rng([self.seed, i]).random((hi - lo, 4)).tolist()
        language = "fr" if self.draws.french[i] else "en"
        handle = self.member(i).handle
        topics = self.taxonomy.topics
        columns = (a.network, a.kind, a.published_at, a.likes, a.reshares, a.replies, a.topic)
        out = []
        for j, (code, kind, published, likes, reshares, replies, topic) in enumerate(
            zip(*(c[lo:hi].tolist() for c in columns), strict=True)
        ):
            network = NETWORKS[code]
            text, hashtags = render_post(uniforms[j], topics[topic] if topic >= 0 else None, language)
            external_id = _activity_id(network, i, j)
            out.append(
                Activity(
                    network=network,
                    external_id=external_id,
                    kind=KINDS[kind],
                    published_at=datetime.fromtimestamp(published, UTC),
                    text=text,
                    url=f"https://{network.value}.example.org/{handle}/{external_id}",
                    likes=_count(likes),
                    reshares=_count(reshares),
                    replies=_count(replies),
                    hashtags=hashtags,
                )
            )
        return out


def _activity_id(network: Network, member: int, position: int) -> str:
    return f"demo-{network.value}-{member:07d}-{position:04d}"


def _count(value: float) -> int | None:
    return None if value != value else int(value)  # NaN is the only value unequal to itself


def generate_population(
    members: int,
    seed: int,
    *,
    networks: tuple[Network, ...] = NETWORKS,
    activities_per_member: float = 20.0,
    planted: bool = True,
    as_of: datetime | None = None,
    taxonomy: Taxonomy | None = None,
) -> Population:
    """Generate `members` members (bots of planted farms included) reproducibly from `seed`."""
    if members < 1:
        raise ValueError("members must be positive")
    moment = as_of or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    taxonomy = taxonomy or load_taxonomy()
    d, activities, accounts, graph, truth = draw_population(
        members,
        seed,
        networks=networks,
        activities_per_member=activities_per_member,
        planted=planted,
        as_of=moment.timestamp(),
        taxonomy=taxonomy,
    )
    planted_truth = PlantedTruth(
        latent_influence=truth["latent"],
        celebrities=truth["celebrities"],
        bot_farms=tuple(BotFarm(int(t), m) for t, m in truth["farms"]),
        spam_reactors=truth["spam"],
        follower_buyers=truth["buyers"],
        experts=truth["experts"],
        favourite_topics=truth["favourites"],
        topic_slugs=tuple(t.slug for t in taxonomy.topics),
    )
    return Population(seed, moment, members, activities, accounts, graph, planted_truth, taxonomy, d)


__all__ = ["DAY", "BotFarm", "DemoMember", "PlantedTruth", "Population", "generate_population"]
