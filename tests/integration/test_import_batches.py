"""The import checks post ids batch by batch against the database, never holding every id in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from renown.app import Runtime
from renown.domain.activity import AccountProfile, Activity, ActivityKind, Coverage, Network, ParsedArchive, Signal
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services.imports import BATCH, import_archive

AT = datetime(2026, 10, 1, tzinfo=UTC)
HANDLE = "@batches@social.example.org"


def archive(post_numbers: list[int]) -> ParsedArchive:
    posts = (Activity(Network.MASTODON, f"https://social.example.org/users/batches/statuses/{n}", ActivityKind.POST,
                      AT + timedelta(minutes=n), f"post {n}") for n in post_numbers)
    return ParsedArchive(AccountProfile(Network.MASTODON, HANDLE), posts, Coverage({Signal.OWN_POSTS}))


async def member(runtime: Runtime) -> UUID:
    found = await runtime.services.register(subject="batches@example.org", display_name=None,
                                            age_bracket=AgeBracket.ADULT)
    await runtime.services.grant_consent(member_id=found.id, purpose=ConsentPurpose.SCORING, network=Network.MASTODON)
    return found.id


async def stored_texts(runtime: Runtime, member_id: UUID) -> list[str]:
    async with runtime.uow() as uow:
        page = await uow.activities.page(member_id, first=10 * BATCH)
    return sorted((item.activity.text for item in page.items), key=lambda text: int(text.split()[1]))


async def test_duplicates_within_a_batch_and_across_batches_are_stored_once(runtime: Runtime) -> None:
    # given an archive of 2,000 posts that repeats post 7 at once and posts 0-499 two batches later
    alice = await member(runtime)
    numbers = [*range(8), 7, *range(8, 2 * BATCH), *range(500)]
    # when it is imported
    async with runtime.uow() as uow:
        summary = await import_archive(uow, member_id=alice, network=Network.MASTODON, archive=archive(numbers),
                                       score=False)
    # then every post is stored exactly once and the repeats are counted as skipped
    assert (summary.imported, summary.skipped) == (2 * BATCH, 501)
    assert await stored_texts(runtime, alice) == [f"post {n}" for n in range(2 * BATCH)]


async def test_an_overlapping_newer_archive_adds_only_its_new_posts(runtime: Runtime) -> None:
    # given 1,500 stored posts
    alice = await member(runtime)
    async with runtime.uow() as uow:
        await import_archive(uow, member_id=alice, network=Network.MASTODON, archive=archive(list(range(1500))),
                             score=False)
    # when a newer archive holding posts 1,000-2,999 is imported, with progress reported per batch
    progress: list[int] = []
    async with runtime.uow() as uow:
        summary = await import_archive(uow, member_id=alice, network=Network.MASTODON,
                                       archive=archive(list(range(1000, 3000))), progress=progress.append,
                                       score=False)
    # then only posts 1,500-2,999 are new
    assert (summary.imported, summary.skipped) == (1500, 500)
    assert progress == [BATCH, BATCH]
    assert await stored_texts(runtime, alice) == [f"post {n}" for n in range(3000)]
