"""Store a generated demo population through the same services real members go through."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from renown.domain.activity import Coverage, ParsedArchive, Signal
from renown.domain.errors import ConsentRequired
from renown.domain.policies import ConsentPurpose
from renown.services import consent, imports, members
from renown.services.consent import Signer
from renown.services.demo import Population
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
            for profile, _created in population.accounts_of(demo.index):
                own = iter([a for a in activities if a.network is profile.network])
                coverage = Coverage({Signal.OWN_POSTS, Signal.RECEIVED_LIKES, Signal.RECEIVED_RESHARES,
                                     Signal.RECEIVED_REPLIES, Signal.FOLLOWERS, Signal.FOLLOWING})
                try:
                    await imports.import_archive(uow, member_id=member.id, network=profile.network,
                                                 archive=ParsedArchive(profile, own, coverage))
                except ConsentRequired:
                    continue  # e.g. members under the minimum age: the gate keeps their activity out
            await uow.commit()

        ids.append(member.id)
        if progress is not None:
            progress(1)
    return ids
