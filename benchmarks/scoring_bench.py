"""The fast path after an import, and `leaderboard(first: 100)` against naive per-field resolvers.

Each figure has its baseline from the same run: the fast path against the pure scoring call it
wraps (what storage adds), the leaderboard against strawberry resolving every field of every entry
with its own query (the N+1 pattern DataLoaders and one-query pages avoid).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import strawberry

from benchmarks.scoring_world import World, shared_world
from renown.api.context import RenownContext
from renown.api.scoring.queries import ScoringQueries
from renown.app import Runtime, build_runtime
from renown.domain.activity import Network, ParsedArchive
from renown.domain.influence import score_member
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.services import consent, imports, members
from renown.services.scoring import score_member_now
from renown.storage.tables import metadata

NEW_MEMBERS = 40
ROUNDS = 30
LEADERBOARD = "{ leaderboard(first: 100) { edges { node { handle network score level } } } }"
SCORES = metadata.tables["score"]
ACCOUNTS = metadata.tables["linked_account"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _new_member(runtime: Runtime, world: World, k: int) -> tuple[UUID, list[Any], list[Any]]:
    """A new member importing a copy of a demo member's archives (scoring and topics on every network)."""
    source = k % world.population.size
    accounts = world.population.accounts_of(source)
    activities = world.population.activities_of(source)
    async with runtime.uow() as uow:
        member = await members.register_member(uow, subject=f"bench-{k}@example.org", display_name=None,
                                               age_bracket=AgeBracket.ADULT)
        for profile, _ in accounts:
            for purpose in (ConsentPurpose.SCORING, ConsentPurpose.TOPICS):
                await consent.record_grant(uow, signer=runtime.tokens, member_id=member.id, purpose=purpose,
                                           network=profile.network)
        await uow.commit()
        for profile, _ in accounts:
            own = iter([a for a in activities if a.network is profile.network])
            archive = ParsedArchive(profile, own, world.population.coverage(profile.network))
            await imports.import_archive(uow, member_id=member.id, network=profile.network, archive=archive,
                                         score=False)
    return member.id, activities, accounts


async def fast_path_latency(size: int) -> dict[str, Any]:
    """Milliseconds from a committed import to the member's new score, topics and history point being committed."""
    world = await shared_world()
    runtime = build_runtime(world.settings)
    end_to_end, compute, activity_counts = [], [], []
    try:
        async with runtime.uow() as uow:
            calibration = await uow.scores.latest_calibration()
        assert calibration is not None
        for k in range(NEW_MEMBERS):
            member_id, activities, accounts = await _new_member(runtime, world, k)
            activity_counts.append(len(activities))
            started = time.perf_counter()
            async with runtime.uow() as uow:
                explanation = await score_member_now(uow, member_id)
                await uow.commit()
            end_to_end.append(time.perf_counter() - started)
            assert explanation is not None
            started = time.perf_counter()
            score_member(activities, accounts, calibration=calibration, as_of=datetime.now(UTC))
            compute.append(time.perf_counter() - started)
    finally:
        await runtime.close()
    ms = [t * 1000 for t in end_to_end]
    return {
        "members": NEW_MEMBERS, "activities_per_member_median": statistics.median(activity_counts),
        "p50_ms": round(percentile(ms, 0.5), 2), "p95_ms": round(percentile(ms, 0.95), 2),
        "baseline_score_member_compute_p50_ms": round(percentile([t * 1000 for t in compute], 0.5), 2),
        "goal": {"p95_ms": 200},
    }


@strawberry.type
class NaiveEntry:
    """Each field runs its own unit of work and query: what a resolver per field does without loaders."""

    member_id: strawberry.Private[UUID]
    network_name: strawberry.Private[str]

    @strawberry.field
    async def handle(self, info: strawberry.Info) -> str:
        async with info.context.services.uow_factory() as uow:
            row = (await uow.connection.execute(sa.select(ACCOUNTS.c.id, ACCOUNTS.c.handle_enc).where(
                ACCOUNTS.c.member_id == self.member_id, ACCOUNTS.c.network == self.network_name))).one()
            cipher = await uow.vault.load(uow.connection, self.member_id)
            handle: str = cipher.decrypt_text("linked_account", "handle_enc", row.id, row.handle_enc)
            return handle

    @strawberry.field
    async def network(self, info: strawberry.Info) -> Network:
        return Network(self.network_name)

    @strawberry.field
    async def score(self, info: strawberry.Info) -> float:
        async with info.context.services.uow_factory() as uow:
            score = await uow.scores.latest(self.member_id)
            assert score is not None
            value: float = score.value
            return value

    @strawberry.field
    async def level(self, info: strawberry.Info) -> float | None:
        return None


@strawberry.type
class NaiveEdge:
    node: NaiveEntry


@strawberry.type
class NaiveConnection:
    edges: list[NaiveEdge]


@strawberry.type
class NaiveQuery:
    @strawberry.field
    async def leaderboard(self, info: strawberry.Info, first: int) -> NaiveConnection:
        # The same page query as ours picks the members; then every field fends for itself.
        page = await info.context.services.scoring.leaderboard(topic_slug=None, first=first, after=None)
        return NaiveConnection(edges=[NaiveEdge(node=NaiveEntry(member_id=e.member_id, network_name=e.network.value))
                                      for e in page.entries])


async def _rate(schema: strawberry.Schema, context: RenownContext) -> tuple[float, int]:
    started = time.perf_counter()
    for _ in range(ROUNDS):
        result = await schema.execute(LEADERBOARD, context_value=context)
        assert result.errors is None, result.errors
    elapsed = time.perf_counter() - started
    assert result.data is not None
    return ROUNDS / elapsed, len(result.data["leaderboard"]["edges"])


async def leaderboard_throughput(size: int) -> dict[str, Any]:
    """`leaderboard(first: 100)` pages per second: one query per page vs one query per field."""
    world = await shared_world()
    runtime = build_runtime(world.settings)
    ours = strawberry.Schema(query=ScoringQueries)
    naive = strawberry.Schema(query=NaiveQuery)
    try:
        context = RenownContext(services=runtime.services, principal=None, client_id="bench")
        await _rate(ours, context)  # warm the vault's key cache and the connection pool for both
        ratios, our_rates, naive_rates = [], [], []
        for _ in range(3):
            ours_rate, entries = await _rate(ours, RenownContext(services=runtime.services, principal=None,
                                                                 client_id="bench"))
            naive_rate, naive_entries = await _rate(naive, RenownContext(services=runtime.services, principal=None,
                                                                         client_id="bench"))
            assert entries == naive_entries == 100
            our_rates.append(ours_rate)
            naive_rates.append(naive_rate)
            ratios.append(ours_rate / naive_rate)
    finally:
        await runtime.close()
    return {
        "entries": 100, "pages_per_s": round(statistics.median(our_rates), 1),
        "baseline_naive_per_field_pages_per_s": round(statistics.median(naive_rates), 1),
        "ratio": round(statistics.median(ratios), 2), "goal": {"ratio": 2.0},
    }
