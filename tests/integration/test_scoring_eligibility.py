"""The batch's set-based consent gate agrees with the per-member ledger fold, member by member."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services import consent
from renown.services.scoring_consent import NONE, Eligibility, member_eligibility, population_eligibility
from renown.storage.tables import metadata
from tests.integration.scoring_world import NOW, clocked, join, seed_demo
from tests.jobs.helpers import Clock

MEMBERS = metadata.tables["member"]
M, X = Network.MASTODON, Network.X
SCORING, TOPICS, SPECIAL = ConsentPurpose.SCORING, ConsentPurpose.TOPICS, ConsentPurpose.SPECIAL_TOPICS
VALIDITY_DAYS = 730  # policies/processing.yaml


async def test_population_eligibility_matches_each_members_ledger(runtime: Runtime) -> None:
    # given a demo population and members at each edge of the gate
    clock = Clock(NOW)
    expired = await join(runtime, clock, "dee@example.org", [(SCORING, M)])
    clock.advance(days=VALIDITY_DAYS - 1)
    _, demo = await seed_demo(runtime, clock, size=20)
    ann = await join(runtime, clock, "ann@example.org",
                     [(SCORING, M), (TOPICS, M), (SPECIAL, M), (SCORING, X), (TOPICS, X)])
    async with clocked(runtime, clock)() as uow:
        await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=ann, purpose=TOPICS, network=X)
    minor = await join(runtime, clock, "ben@example.org", [(SCORING, M), (TOPICS, M)], age=AgeBracket.UNDER_16)
    no_topics = await join(runtime, clock, "cid@example.org", [(SCORING, M), (SPECIAL, M)])
    leaving = await join(runtime, clock, "fay@example.org", [(SCORING, M), (TOPICS, M)])
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(MEMBERS).where(MEMBERS.c.id == leaving).values(status="erasure_pending"))
    clock.advance(days=2)  # Dee's grant is now past its validity, Ann's are not
    everyone = [*demo, expired, ann, minor, no_topics, leaving]
    # when the batch asks for everyone at once, on every network
    async with clocked(runtime, clock)() as uow:
        batch = await population_eligibility(uow, {m: tuple(Network) for m in everyone})
        one_by_one: dict[UUID, Eligibility] = {m: await member_eligibility(uow, m) for m in everyone}
    # then each answer is the member's own ledger fold
    assert batch == one_by_one
    assert batch[ann] == Eligibility(frozenset({M, X}), frozenset({M}), frozenset({M}))
    assert batch[no_topics] == Eligibility(frozenset({M}))
    assert [batch[m] for m in (expired, minor, leaving)] == [NONE] * 3
    assert sum(1 for m in demo if batch[m].scoring) >= 10


async def test_population_eligibility_keeps_to_the_networks_linked(runtime: Runtime) -> None:
    # given a member consenting on Mastodon and X
    clock = Clock(NOW)
    gus = await join(runtime, clock, "gus@example.org", [(SCORING, M), (TOPICS, M), (SCORING, X)])
    # when the batch asks about the networks he linked (Mastodon only)
    async with clocked(runtime, clock)() as uow:
        batch = await population_eligibility(uow, {gus: [M]})
    # then X is left out
    assert batch == {gus: Eligibility(frozenset({M}), frozenset({M}))}
