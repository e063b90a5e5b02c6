"""Store a generated demo population through the same services real members go through."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from renown.domain.activity import ParsedArchive
from renown.domain.errors import ConsentRequired
from renown.domain.policies import ConsentPurpose
from renown.services import consent, imports, members
from renown.services.consent import Signer
from renown.services.demo import Population
from renown.storage.scoring_reads import set_account_created
from renown.storage.uow import SqlUnitOfWork

# What a typical demo member agrees to: scoring and topics on every network; a public profile
# and perks for some, so leaderboards and perks have people to show.
BASE_PURPOSES = (ConsentPurpose.SCORING, ConsentPurpose.TOPICS)


async def seed_population(
    uow_factory: Callable[[], SqlUnitOfWork], population: Population, *, signer: Signer,
    progress: Callable[[int], None] | None = None,
) -> list[UUID]:
    """Register every member, record their consents and import their activities; returns member ids."""
    ids = []
    for demo in population.members():
        async with uow_factory() as uow:
            member = await members.register_member(
                uow, subject=demo.email, display_name=demo.display_name, age_bracket=demo.age_bracket)
            sociable = demo.index % 3 == 0
            for profile, _created in population.accounts_of(demo.index):
                for purpose in (*BASE_PURPOSES, *((ConsentPurpose.PUBLIC_PROFILE,) if sociable else ())):
                    await consent.record_grant(uow, signer=signer, member_id=member.id, purpose=purpose,
                                                network=profile.network, language=demo.language)
            if sociable:
                await consent.record_grant(uow, signer=signer, member_id=member.id, purpose=ConsentPurpose.PERKS,
                                            network=None, language=demo.language)
            activities = population.activities_of(demo.index)
            for profile, created in population.accounts_of(demo.index):
                own = iter([a for a in activities if a.network is profile.network])
                archive = ParsedArchive(profile, own, population.coverage(profile.network))
                try:
                    # The demo ends with one batch run: scoring each import on its own would be wasted work.
                    await imports.import_archive(uow, member_id=member.id, network=profile.network, archive=archive,
                                                 score=False)
                except ConsentRequired:
                    continue  # e.g. members under the minimum age: the gate keeps their activity out
                await set_account_created(uow.connection, member.id, profile.network, created)
            await uow.commit()

        ids.append(member.id)
        if progress is not None:
            progress(1)
    await store_interactions(uow_factory, population, ids)
    return ids


async def store_interactions(
    uow_factory: Callable[[], SqlUnitOfWork], population: Population, ids: list[UUID], *, batch: int = 5000,
) -> int:
    """Store the population's interaction graph among the stored members (their ids only)."""
    graph = population.graph
    edges = [
        (ids[s], ids[t], c, datetime.fromtimestamp(f, UTC))
        for s, t, c, f in zip(graph.source.tolist(), graph.target.tolist(), graph.count.tolist(),
                              graph.first_at.tolist(), strict=True)
        if s < len(ids) and t < len(ids)
    ]
    async with uow_factory() as uow:
        for start in range(0, len(edges), batch):
            await uow.scores.add_interactions(edges[start:start + batch])
        await uow.commit()
    return len(edges)
