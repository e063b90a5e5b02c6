"""The consent ledger on a real database: the gate on imports, withdrawal and its purge, GPC, lapses, receipts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Activity, ActivityKind, Network
from renown.domain.consent import ConsentEventType, ConsentMethod, ConsentNotActive, ConsentState
from renown.domain.errors import ConsentRequired, MemberErased
from renown.domain.member import AgeBracket, MemberStatus
from renown.domain.policies import ConsentPurpose
from renown.services import consent
from renown.services.consent_gate import ConsentGate
from renown.storage.tables import metadata
from renown.storage.uow import SqlUnitOfWork
from tests.archives import build_mastodon_archive

JOBS, EVENTS, ACTIVITIES = metadata.tables["job"], metadata.tables["consent_event"], metadata.tables["activity"]
SCORING, TOPICS, SHARING = ConsentPurpose.SCORING, ConsentPurpose.TOPICS, ConsentPurpose.THIRD_PARTY_SHARING
MASTODON = Network.MASTODON


async def register(runtime: Runtime, bracket: AgeBracket = AgeBracket.ADULT) -> UUID:
    member = await runtime.services.register(subject="alice@example.org", display_name=None, age_bracket=bracket)
    return member.id


async def grant(runtime: Runtime, member: UUID, purpose: ConsentPurpose, network: Network | None = MASTODON) -> None:
    await runtime.services.grant_consent(member_id=member, purpose=purpose, network=network)


async def import_posts(runtime: Runtime, member: UUID, tmp_path: Path, posts: int = 3) -> int:
    tmp_path.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test's own scratch folder
    archive = build_mastodon_archive(tmp_path, posts=posts)
    return (await runtime.services.import_file(member_id=member, network=MASTODON, path=archive)).imported


async def count(runtime: Runtime, member: UUID, network: Network) -> int:
    async with runtime.uow() as uow:
        return await uow.activities.count(member, network)


async def add_x_post(runtime: Runtime, member: UUID) -> None:
    post = Activity(Network.X, "1001", ActivityKind.POST, datetime(2026, 11, 1, tzinfo=UTC), "A post on X")
    async with runtime.uow() as uow:
        cipher = await runtime.vault.load(uow.connection, member)
        await uow.activities.insert_rows([uow.activities.encrypt_row(
            cipher, post, uow.activities.post_index(Network.X, "1001"), at=uow.now())])
        await uow.commit()


async def jobs(runtime: Runtime) -> list[tuple[str, str, dict[str, str]]]:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(JOBS.c.kind, JOBS.c.status, JOBS.c.payload))).all()
    return [(r.kind, r.status, dict(r.payload)) for r in rows]


async def test_an_import_without_consent_is_refused_and_stores_nothing(runtime: Runtime, tmp_path: Path) -> None:
    # given a member who gave no consent at all
    alice = await register(runtime)
    # when they import an archive, then it is refused and neither the account nor any post is stored
    with pytest.raises(ConsentRequired, match="importing mastodon needs an active scoring or topics consent"):
        await import_posts(runtime, alice, tmp_path)
    assert await count(runtime, alice, MASTODON) == 0
    assert await runtime.services.accounts(alice) == []


async def test_withdrawal_refuses_the_next_import_and_queues_a_purge_of_that_network(
    runtime: Runtime, tmp_path: Path
) -> None:
    # given Mastodon posts imported under the scoring consent, and a post on X under its own consent
    alice = await register(runtime)
    await grant(runtime, alice, SCORING)
    await grant(runtime, alice, SCORING, Network.X)
    assert await import_posts(runtime, alice, tmp_path) == 3
    await add_x_post(runtime, alice)
    # when the Mastodon scoring consent is withdrawn
    recorded = await runtime.services.withdraw_consent(member_id=alice, purpose=SCORING, network=MASTODON)
    # then the purge job was queued with the withdrawal
    assert recorded.consent.state is ConsentState.WITHDRAWN
    assert recorded.purge_job is not None
    assert await jobs(runtime) == [(consent.PURGE_JOB, "queued", {
        "member_id": str(alice), "network": "mastodon", "purpose": "scoring"})]
    # and the next Mastodon import is refused
    with pytest.raises(ConsentRequired):
        await import_posts(runtime, alice, tmp_path / "again", posts=5)
    # when the purge step runs, then Mastodon's posts are gone and X's stay
    async with runtime.uow() as uow:
        # the 3 posts, and the keyed hashes of the 3 accounts the archive liked or followed
        assert await consent.purge_network_data(uow, alice, MASTODON) == 6
        await uow.commit()
    assert (await count(runtime, alice, MASTODON), await count(runtime, alice, Network.X)) == (0, 1)


async def test_withdrawing_one_of_two_reading_consents_keeps_the_posts(runtime: Runtime, tmp_path: Path) -> None:
    alice = await register(runtime)
    await grant(runtime, alice, SCORING)
    await grant(runtime, alice, TOPICS)
    await import_posts(runtime, alice, tmp_path)
    recorded = await runtime.services.withdraw_consent(member_id=alice, purpose=TOPICS, network=MASTODON)
    # topics is gone, scoring still reads the posts: nothing to purge, imports still work
    assert recorded.purge_job is None
    assert await jobs(runtime) == []
    assert await import_posts(runtime, alice, tmp_path / "more", posts=4) == 1


async def test_a_purge_finds_nothing_to_delete_once_the_member_granted_again(runtime: Runtime, tmp_path: Path) -> None:
    alice = await register(runtime)
    await grant(runtime, alice, TOPICS)
    await import_posts(runtime, alice, tmp_path)
    await runtime.services.withdraw_consent(member_id=alice, purpose=TOPICS, network=MASTODON)
    await grant(runtime, alice, SCORING)
    async with runtime.uow() as uow:
        assert await consent.purge_network_data(uow, alice, MASTODON) == 0
    assert await count(runtime, alice, MASTODON) == 3


async def test_every_optional_consent_can_be_refused_alone(runtime: Runtime, tmp_path: Path) -> None:
    # given a member who gives topics only (no scoring, no profile, no perks, no sharing)
    alice = await register(runtime)
    await grant(runtime, alice, TOPICS)
    # then the import works, and the gate allows topics but nothing else
    assert await import_posts(runtime, alice, tmp_path) == 3
    async with runtime.uow() as uow:
        gate = ConsentGate.of(uow)
        assert await gate.purposes(uow, member_id=alice, network=MASTODON) == frozenset({TOPICS})
        assert await gate.networks(uow, member_id=alice, purpose=SCORING) == frozenset()


async def test_members_under_the_minimum_age_are_never_scored(runtime: Runtime, tmp_path: Path) -> None:
    # given a member under 16 who gave the scoring consent
    alice = await register(runtime, AgeBracket.UNDER_16)
    await grant(runtime, alice, SCORING)
    # then the gate never lets scoring (or an import for it) through
    async with runtime.uow() as uow:
        gate = ConsentGate.of(uow)
        assert not await gate.permits(uow, member_id=alice, purpose=SCORING, network=MASTODON)
        assert await gate.members_permitted(uow, [alice], purpose=SCORING, network=MASTODON) == set()
    with pytest.raises(ConsentRequired):
        await import_posts(runtime, alice, tmp_path)


async def test_withdrawing_what_is_not_given_is_a_typed_error(runtime: Runtime) -> None:
    alice = await register(runtime)
    with pytest.raises(ConsentNotActive, match="there is no active scoring consent to withdraw"):
        await runtime.services.withdraw_consent(member_id=alice, purpose=SCORING, network=MASTODON)


async def test_granting_twice_under_the_same_notice_records_one_event(runtime: Runtime) -> None:
    alice = await register(runtime)
    first = await runtime.services.grant_consent(member_id=alice, purpose=SCORING, network=MASTODON)
    second = await runtime.services.grant_consent(member_id=alice, purpose=SCORING, network=MASTODON)
    assert second == first
    assert len(await runtime.services.consent_receipts(alice)) == 1


async def test_a_member_being_erased_cannot_grant(runtime: Runtime) -> None:
    alice = await register(runtime)
    async with runtime.uow() as uow:
        await uow.members.set_status(alice, MemberStatus.ERASURE_PENDING)
        await uow.commit()
    with pytest.raises(MemberErased):
        await grant(runtime, alice, SCORING)


async def test_gpc_records_one_opt_out_of_sharing_and_an_explicit_grant_overrides_it(runtime: Runtime) -> None:
    # given a registered member whose browser sends GPC
    alice = await register(runtime)
    # when the signal is applied twice, then one opt-out event is recorded, by GPC
    assert await runtime.services.apply_gpc(subject="alice@example.org") is True
    assert await runtime.services.apply_gpc(subject="alice@example.org") is False
    async with runtime.engine.connect() as conn:
        query = sa.select(EVENTS.c.purpose, EVENTS.c.event, EVENTS.c.method, EVENTS.c.network)
        rows = (await conn.execute(query)).all()
    assert [tuple(r) for r in rows] == [("third_party_sharing", "withdrawn", "gpc", None)]
    # when the member then grants sharing explicitly, the signal no longer withdraws it
    await grant(runtime, alice, SHARING, None)
    assert await runtime.services.apply_gpc(subject="alice@example.org") is False
    states = {(c.network, c.purpose): c.state for c in await runtime.services.consents(alice)}
    assert states[(None, SHARING)] is ConsentState.GIVEN
    assert await runtime.services.apply_gpc(subject="bob@example.org") is None


async def test_receipts_are_stored_signed_with_renowns_key(runtime: Runtime) -> None:
    alice = await register(runtime)
    await grant(runtime, alice, SCORING)
    await runtime.services.withdraw_consent(member_id=alice, purpose=SCORING, network=MASTODON)
    receipts = [runtime.tokens.verify_json(r) for r in await runtime.services.consent_receipts(alice)]
    assert [(r["renown"]["eventType"], r["piiPrincipalId"], r["publicKey"]) for r in receipts] == [
        ("granted", str(alice), runtime.tokens.kid), ("withdrawn", str(alice), runtime.tokens.kid)]


async def test_lapsed_consents_get_their_events_and_purges(runtime: Runtime, tmp_path: Path) -> None:
    # given posts imported under a scoring consent given on 15 November 2026
    given_at = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)

    def uow_at(moment: datetime) -> Callable[[], SqlUnitOfWork]:
        return lambda: SqlUnitOfWork(runtime.engine, runtime.vault, clock=lambda: moment, policies=runtime.policies)

    alice = await register(runtime)
    async with uow_at(given_at)() as uow:
        await consent.grant_consent(uow, signer=runtime.tokens, member_id=alice, purpose=SCORING, network=MASTODON)
    # when the sweep runs after the consent's validity (730 days)
    later = given_at + timedelta(days=731)
    async with uow_at(later)() as uow:
        assert await consent.sweep_lapsed_consents(uow) == 1
    async with uow_at(later)() as uow:
        assert await consent.sweep_lapsed_consents(uow) == 0
        events = await uow.consents.events(alice)
    # then an `expired` event follows the grant, and the purge is queued
    assert [(e.event, e.method) for e in events] == [
        (ConsentEventType.GRANTED, ConsentMethod.API), (ConsentEventType.EXPIRED, ConsentMethod.SYSTEM)]
    assert [(kind, payload["network"]) for kind, _, payload in await jobs(runtime)] == [("consent_purge", "mastodon")]


async def test_the_consent_list_covers_every_purpose_on_every_linked_network(runtime: Runtime, tmp_path: Path) -> None:
    alice = await register(runtime)
    await grant(runtime, alice, SCORING)
    await import_posts(runtime, alice, tmp_path)
    listed = [(c.network, c.purpose, c.state) for c in await runtime.services.consents(alice)]
    assert listed == [
        (MASTODON, SCORING, ConsentState.GIVEN),
        (MASTODON, TOPICS, ConsentState.NOT_GIVEN),
        (MASTODON, ConsentPurpose.SPECIAL_TOPICS, ConsentState.NOT_GIVEN),
        (MASTODON, ConsentPurpose.PUBLIC_PROFILE, ConsentState.NOT_GIVEN),
        (None, ConsentPurpose.PERKS, ConsentState.NOT_GIVEN),
        (None, SHARING, ConsentState.NOT_GIVEN),
    ]
