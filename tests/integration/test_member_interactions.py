"""The interaction graph among members from real archives: replies, mentions and boosts become interactions
between members once both have joined, lift the centrality of whom they reach, never store a handle in plaintext,
and go with an erasure or a withdrawn consent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from renown.app import Runtime
from renown.connectors.archive import ArchiveLimits
from renown.connectors.mastodon import parse_mastodon
from renown.domain.activity import ImportSummary, Network, ParsedArchive
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind
from renown.jobs.registry import default_handlers
from renown.jobs.worker import Worker
from renown.services import consent, imports, privacy
from renown.services.rescore import rescore_population
from renown.services.retention import sweep_retention
from renown.storage.interactions import Edge, MentionEdgeRepository
from renown.storage.tables import metadata
from tests.archives import START, build_mastodon_archive
from tests.integration.backups import raw_bytes
from tests.integration.scoring_world import NOW, clocked, join
from tests.jobs.helpers import Clock

EDGES, INTERACTIONS, SIGNALS = (metadata.tables[t] for t in ("mention_edge", "interaction", "member_signal"))
MASTODON = Network.MASTODON
GRANTS = [(ConsentPurpose.SCORING, MASTODON), (ConsentPurpose.TOPICS, MASTODON)]
BOB = "bobcanary7"  # Bob's Mastodon username: must never be stored in plaintext
BOB_INSTANCE = "social.example.org"
# The builders date archives from START; shifted to the days before NOW, inside the scoring window.
SHIFT = NOW - timedelta(days=5) - START


async def import_mastodon(runtime: Runtime, clock: Clock, member_id: UUID, path: Path) -> ImportSummary:
    parsed = parse_mastodon(path, ArchiveLimits())
    recent = ParsedArchive(parsed.account, (replace(a, published_at=a.published_at + SHIFT)
                                            for a in parsed.activities), parsed.coverage, parsed.reactions)
    async with clocked(runtime, clock)() as uow:
        return await imports.import_archive(uow, member_id=member_id, network=MASTODON, archive=recent, score=False)


def folder(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir(parents=True)
    return path


def alice_archive(tmp_path: Path, *, replies: int = 3, boosts: int = 1) -> Path:
    """Alice's archive: two posts, `replies` replies to Bob (each mentioning him), `boosts` boosts of his posts,
    and two of his posts liked (likes.json)."""
    return build_mastodon_archive(folder(tmp_path, "alice"), posts=2, replies=replies, boosts=boosts, following=None,
                                  other_handle=BOB, other_instance=BOB_INSTANCE)


def bob_archive(tmp_path: Path) -> Path:
    """Bob's archive: three posts, and likes of someone who is not a member."""
    return build_mastodon_archive(folder(tmp_path, "bob"), handle=BOB, instance=BOB_INSTANCE, posts=3, following=None)


async def rows(runtime: Runtime, table: sa.Table) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.select(table))]


async def edges_of(runtime: Runtime, member_id: UUID) -> list[tuple[int, int]]:
    return [(r["count"], r["reactions"]) for r in await rows(runtime, EDGES) if r["member_id"] == member_id]


async def pairs(runtime: Runtime) -> list[tuple[UUID, UUID, float]]:
    return sorted((r["member_id"], r["target_id"], r["count"]) for r in await rows(runtime, INTERACTIONS))


def eraser(runtime: Runtime, clock: Clock) -> Worker:
    async def send(notice: dict[str, Any]) -> bool:
        return True
    return Worker(runtime, default_handlers(runtime, send_notice=send), clock=clock)


async def erase(runtime: Runtime, clock: Clock, member_id: UUID) -> None:
    async with clocked(runtime, clock)() as uow:
        await privacy.submit_request(uow, member_id=member_id, kind=RequestKind.ERASURE)
        await uow.commit()
    worker = eraser(runtime, clock)
    while await worker.run_once():
        pass


async def test_replies_to_someone_who_joins_later_become_an_interaction_and_lift_their_centrality(
    runtime: Runtime, tmp_path: Path,
) -> None:
    # given Alice, who replied to Bob three times, boosted him once and liked two of his posts, imports before
    # Bob has joined
    clock = Clock(NOW)
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    assert (await import_mastodon(runtime, clock, alice, alice_archive(tmp_path))).imported == 6
    # then only a keyed hash of Bob's handle is kept, and no interaction yet
    [edge] = await rows(runtime, EDGES)
    assert (edge["member_id"], edge["network"], edge["count"], edge["reactions"]) == (alice, "mastodon", 4, 2)
    assert edge["first_at"] == START + SHIFT + timedelta(hours=2)  # her first reply, after two posts
    assert edge["target_handle_index"] == runtime.vault.blind_index("handle/mastodon", f"@{BOB}@{BOB_INSTANCE}")
    assert await pairs(runtime) == []
    # when Bob joins and imports his own archive, and Carol, whom nobody answers, imports hers
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, bob_archive(tmp_path))
    carol = await join(runtime, clock, "carol@example.org", GRANTS)
    await import_mastodon(runtime, clock, carol, build_mastodon_archive(
        folder(tmp_path, "carol"), handle="carol", instance="mastodon.example.org", posts=3))
    # then Alice's six interactions with Bob are an interaction between members, and nothing else is
    assert await pairs(runtime) == [(alice, bob, 6.0)]
    # and after the batch run, Bob is more central than Carol
    await rescore_population(clocked(runtime, clock))
    centrality = {r["member_id"]: r["centrality"] for r in await rows(runtime, SIGNALS)}
    assert centrality[bob] > centrality[carol]
    # and re-importing Alice's archive adds nothing twice
    assert (await import_mastodon(runtime, clock, alice, alice_archive(tmp_path / "again"))).imported == 0
    assert await pairs(runtime) == [(alice, bob, 6.0)]
    assert await edges_of(runtime, alice) == [(4, 2)]


async def test_interactions_with_a_member_already_there_are_counted_at_import_and_add_up(
    runtime: Runtime, tmp_path: Path,
) -> None:
    # given Bob already a member
    clock = Clock(NOW)
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, bob_archive(tmp_path))
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    # when Alice imports one reply, then a newer archive with two more replies and a boost
    await import_mastodon(runtime, clock, alice, alice_archive(tmp_path, replies=1, boosts=0))
    assert await pairs(runtime) == [(alice, bob, 3.0)]  # a reply and two likes
    await import_mastodon(runtime, clock, alice, alice_archive(tmp_path / "newer", replies=3, boosts=1))
    # then each new activity counts once, and the likes (listed again) are not counted twice
    assert await pairs(runtime) == [(alice, bob, 6.0)]


async def test_no_plaintext_handle_of_the_other_person_is_stored(
    runtime: Runtime, database_url: str, tmp_path: Path,
) -> None:
    clock = Clock(NOW)
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    await import_mastodon(runtime, clock, alice, alice_archive(tmp_path))
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, bob_archive(tmp_path))
    assert await pairs(runtime) == [(alice, bob, 6.0)]
    stored = await raw_bytes(runtime.engine, database_url, tmp_path)
    assert [v for v in (BOB, BOB.upper(), BOB_INSTANCE) if v.encode() in stored] == []


async def test_the_erased_members_edges_go_both_ways(runtime: Runtime, tmp_path: Path) -> None:
    # given Alice's interactions with Bob, and Carol's with Bob, all members
    clock = Clock(NOW)
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    await import_mastodon(runtime, clock, alice, alice_archive(tmp_path))
    carol = await join(runtime, clock, "carol@example.org", GRANTS)
    await import_mastodon(runtime, clock, carol, build_mastodon_archive(
        folder(tmp_path, "carol"), handle="carol", posts=1, replies=2, following=None, other_handle=BOB,
        other_instance=BOB_INSTANCE))
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, bob_archive(tmp_path))
    assert sorted(await pairs(runtime)) == sorted([(alice, bob, 6.0), (carol, bob, 4.0)])
    # when Alice is erased, her edges and her interactions are gone; Carol's stay
    await erase(runtime, clock, alice)
    assert (await edges_of(runtime, alice), await edges_of(runtime, carol)) == ([], [(2, 2)])
    assert await pairs(runtime) == [(carol, bob, 4.0)]
    # when Bob is erased, Carol's edges pointing at his handle go too
    await erase(runtime, clock, bob)
    assert await rows(runtime, EDGES) == []
    assert await pairs(runtime) == []
    # and a later archive naming Bob's erased account stores no edge for it
    dave = await join(runtime, clock, "dave@example.org", GRANTS)
    await import_mastodon(runtime, clock, dave, build_mastodon_archive(
        folder(tmp_path, "dave"), handle="dave", posts=1, replies=1, following=None, other_handle=BOB,
        other_instance=BOB_INSTANCE))
    assert await rows(runtime, EDGES) == []


async def test_a_withdrawn_network_consent_takes_that_networks_edges_and_interactions(
    runtime: Runtime, tmp_path: Path,
) -> None:
    clock = Clock(NOW)
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, bob_archive(tmp_path))
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    await import_mastodon(runtime, clock, alice, alice_archive(tmp_path))
    assert await pairs(runtime) == [(alice, bob, 6.0)]
    # when Alice withdraws every consent that reads her Mastodon activities, and the purge runs
    async with clocked(runtime, clock)() as uow:
        deleted = await consent.purge_network_data(uow, alice, MASTODON)
        await uow.commit()
    assert deleted == 0  # still granted: nothing purged
    async with clocked(runtime, clock)() as uow:
        for purpose, network in GRANTS:
            await consent.withdraw_consent(uow, signer=runtime.tokens, member_id=alice, purpose=purpose,
                                            network=network)
        await uow.commit()
    async with clocked(runtime, clock)() as uow:
        await consent.purge_network_data(uow, alice, MASTODON)
        await uow.commit()
    # then her Mastodon edges and the interaction they made are gone
    assert await edges_of(runtime, alice) == []
    assert await pairs(runtime) == []


async def test_the_retention_sweep_forgets_edges_with_the_activities(runtime: Runtime) -> None:
    # given Alice's edges first made 400 and 10 days ago (the activity retention is 365 days)
    clock = Clock(NOW)
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    old, recent = (runtime.vault.blind_index("handle/mastodon", f"@{name}@{BOB_INSTANCE}") for name in ("old", "new"))
    async with clocked(runtime, clock)() as uow:
        stored = await MentionEdgeRepository(uow.connection).add(alice, "mastodon", {
            old: Edge(3, 0, NOW - timedelta(days=400)), recent: Edge(2, 1, NOW - timedelta(days=10))})
        await uow.commit()
    assert stored == 2
    # when the sweep runs, in batches of one
    async with clocked(runtime, clock)() as uow:
        report = await sweep_retention(uow, retention={"activity": timedelta(days=365)}, batch=1)
    # then the old edge is gone and counted with the activities
    assert [(r["target_handle_index"], r["count"]) for r in await rows(runtime, EDGES)] == [(recent, 2)]
    assert report.deleted == {"activity": 1}


async def test_likes_and_follows_listed_in_an_archive_count_once_however_often_it_is_imported(
    runtime: Runtime, tmp_path: Path,
) -> None:
    # given Bob a member, and Alice's archive with no post of hers about him, but two of his posts liked and
    # him followed (following_accounts.csv lists "bobcanary0@social.example.org")
    clock = Clock(NOW)
    bob = await join(runtime, clock, "bob@example.org", GRANTS)
    await import_mastodon(runtime, clock, bob, build_mastodon_archive(
        folder(tmp_path, "bob"), handle="bobcanary0", instance=BOB_INSTANCE, posts=1))
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    for attempt in ("first", "again"):
        # when she imports it, twice
        await import_mastodon(runtime, clock, alice, build_mastodon_archive(
            folder(tmp_path, attempt), posts=1, following=1, other_handle="bobcanary0", other_instance=BOB_INSTANCE))
        # then the likes and the follow make three reactions, first known at the import
        assert await pairs(runtime) == [(alice, bob, 3.0)]
    assert [(r["count"], r["reactions"], r["first_at"]) for r in await rows(runtime, EDGES)
            if r["member_id"] == alice] == [(0, 3, NOW)]


async def test_a_member_never_interacts_with_themselves(runtime: Runtime, tmp_path: Path) -> None:
    # given Alice replying twice to, and liking two posts of, her second account, which she links afterwards
    clock = Clock(NOW)
    alice = await join(runtime, clock, "alice@example.org", GRANTS)
    await import_mastodon(runtime, clock, alice, build_mastodon_archive(
        folder(tmp_path, "first"), posts=1, replies=2, following=None, other_handle="alice2",
        other_instance=BOB_INSTANCE))
    # (the second account's archive likes two of its own posts: no edge for those)
    await import_mastodon(runtime, clock, alice, build_mastodon_archive(
        folder(tmp_path, "second"), handle="alice2", instance=BOB_INSTANCE, posts=5, following=None,
        other_handle="alice2", other_instance=BOB_INSTANCE))
    # then the edge stays a keyed hash, and no interaction of hers with herself exists
    assert await edges_of(runtime, alice) == [(2, 2)]
    assert await pairs(runtime) == []
