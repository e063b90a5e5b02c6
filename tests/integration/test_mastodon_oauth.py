"""Live Mastodon linking against a fake instance served in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
import sqlalchemy as sa

from renown.app import Runtime
from renown.connectors.mastodon_oauth import MastodonOAuth
from renown.domain.activity import ActivityKind, ImportSummary, Network
from renown.domain.consent import ConsentScopeInvalid
from renown.domain.errors import ConsentRequired
from renown.domain.linking import LinkError, LinkStateInvalid, NotLinked, OAuthGrant, UnlinkResult
from renown.domain.member import AgeBracket
from renown.services.consent import LinkConsents
from renown.services.linking import AccountLinking
from renown.storage.uow import SqlUnitOfWork
from tests.fake_mastodon import HOST, REDIRECT, FakeClock, FakeMastodon, approve, status

START = datetime(2026, 11, 2, 12, 3, 30, tzinfo=UTC)  # 90 s before a 5-minute rate-limit window ends
POSTED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def mastodon(clock: FakeClock) -> FakeMastodon:
    return FakeMastodon(clock, statuses=[
        status(1, POSTED),
        status(2, POSTED + timedelta(hours=1), in_reply_to_id="99"),
        status(3, POSTED + timedelta(hours=2), reblog={"id": "555", "content": "<p>someone else's</p>"}),
        status(4, POSTED + timedelta(hours=3), visibility="direct"),
        status(5, POSTED + timedelta(hours=4)),
        status(6, POSTED + timedelta(hours=5)),
    ])


@pytest.fixture
def linking(runtime: Runtime, clock: FakeClock, mastodon: FakeMastodon) -> AccountLinking:
    client = MastodonOAuth(redirect_uri=REDIRECT, transport=mastodon.transport(), clock=clock.now,
                           sleep=clock.sleep, page_size=2)
    return AccountLinking(
        uow_factory=lambda: SqlUnitOfWork(runtime.engine, runtime.vault, clock=clock.now, policies=runtime.policies),
        clients={Network.MASTODON: client}, record_consents=LinkConsents(signer=runtime.tokens))


async def member(runtime: Runtime, subject: str) -> UUID:
    async with runtime.uow() as uow:
        added = await uow.members.add(subject=subject, display_name=None, age_bracket=AgeBracket.ADULT, at=START)
        await uow.commit()
    return added.id


async def linked(
    linking: AccountLinking, mastodon: FakeMastodon, member_id: UUID, purposes: tuple[str, ...] = ("scoring", "topics")
) -> None:
    url = await linking.start_link(member_id=member_id, network=Network.MASTODON, instance=HOST,
                                   purposes=list(purposes))
    code, state = await approve(mastodon, url)
    await linking.complete_link(member_id=member_id, code=code, state=state)


async def consents(runtime: Runtime, member_id: UUID) -> list[tuple[Network | None, str, str]]:
    async with runtime.uow() as uow:
        # Events recorded in one transaction share their time, so their order among themselves is not defined.
        return sorted((e.network, e.purpose.value, e.event.value) for e in await uow.consents.events(member_id))


async def stored_grant(runtime: Runtime, member_id: UUID) -> OAuthGrant | None:
    async with runtime.uow() as uow:
        found = await uow.oauth.grant(await runtime.vault.load(uow.connection, member_id), Network.MASTODON)
    return None if found is None else found[1]


async def test_link_flow_with_pkce_stores_the_account_and_records_the_consents(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon
) -> None:
    # given a member
    alice = await member(runtime, "alice@example.org")
    # when she starts linking her instance
    url = await linking.start_link(member_id=alice, network=Network.MASTODON, instance=" Social.Example.org ",
                                   purposes=["scoring", "topics", "scoring"])
    # then Renown registered itself once and sends her to authorize with an S256 challenge only
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"https://{HOST}/oauth/authorize?")
    assert {k: v[0] for k, v in query.items() if k not in ("state", "code_challenge")} == {
        "response_type": "code", "client_id": "client-1", "redirect_uri": REDIRECT,
        "scope": "read:accounts read:statuses", "code_challenge_method": "S256"}
    assert len(query["code_challenge"][0]) == 43
    # when she approves and comes back (the fake checks the verifier against the challenge)
    code, state = await approve(mastodon, url)
    account = await linking.complete_link(member_id=alice, code=code, state=state)
    # then her account and grant are stored, and the consents she chose are recorded
    assert (account.network, account.handle, account.display_name, account.followers, account.following) == (
        Network.MASTODON, "@alice@social.example.org", "Alice Liddell", 1200, 87)
    grant = await stored_grant(runtime, alice)
    assert grant is not None
    assert list(mastodon.tokens) == [grant.access_token]
    assert grant.expires_at == START + timedelta(hours=2)
    assert await consents(runtime, alice) == [
        (Network.MASTODON, "scoring", "granted"), (Network.MASTODON, "topics", "granted")]
    # and a second link request reuses the registration
    await linking.start_link(member_id=alice, network=Network.MASTODON, instance=HOST, purposes=[])
    assert list(mastodon.apps) == ["client-1"]


async def test_a_wrong_code_verifier_is_refused_by_the_instance(mastodon: FakeMastodon, clock: FakeClock) -> None:
    # given a registration and an authorization made with one verifier
    client = MastodonOAuth(redirect_uri=REDIRECT, transport=mastodon.transport(), clock=clock.now)
    app = await client.register_app(HOST)
    code, _ = await approve(mastodon, await client.authorization_url(app, state="s", code_verifier="v" * 43))
    # when the code is exchanged with another verifier, then the instance refuses it
    with pytest.raises(LinkError) as refused:
        await client.exchange_code(app, code=code, code_verifier="w" * 43)
    assert refused.value.code == "LINK_FAILED"
    assert mastodon.tokens == {}


async def test_a_state_not_issued_to_this_member_or_expired_is_refused(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock
) -> None:
    # given Alice's pending link request
    alice, bob = await member(runtime, "alice@example.org"), await member(runtime, "bob@example.org")
    url = await linking.start_link(member_id=alice, network=Network.MASTODON, instance=HOST, purposes=["scoring"])
    code, state = await approve(mastodon, url)
    tampered = state[:-3] + ("AAA" if state[-3:] != "AAA" else "BBB")
    # when Bob presents her state, or she presents an altered or stale one, then each is refused
    with pytest.raises(LinkStateInvalid):
        await linking.complete_link(member_id=bob, code=code, state=state)
    with pytest.raises(LinkStateInvalid):
        await linking.complete_link(member_id=alice, code=code, state=tampered)
    clock.current += timedelta(minutes=10)
    with pytest.raises(LinkStateInvalid) as stale:
        await linking.complete_link(member_id=alice, code=code, state=state)
    # and nothing was exchanged, stored or consented
    assert stale.value.code == "LINK_STATE_INVALID"
    assert mastodon.tokens == {}
    assert await consents(runtime, alice) == []
    assert await runtime.services.accounts(alice) == []
    assert await runtime.services.accounts(bob) == []


async def test_sync_follows_three_pages_waits_for_the_rate_limit_reset_and_maps_counts(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock
) -> None:
    # given a linked account (one API call spent in the window ending at 12:05:00)
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    mastodon.rate_limit = 2
    # when Renown syncs her statuses, two per page
    summary = await linking.sync(member_id=alice, network=Network.MASTODON)
    # then it waited exactly until each reset: 90 s to 12:05:00, then a full window to 12:10:00
    assert clock.slept == [90.0, 300.0]
    assert [c for c in mastodon.api_calls if "statuses" in c] == [
        "/api/v1/accounts/1/statuses?limit=2",
        "/api/v1/accounts/1/statuses?limit=2&max_id=105",
        "/api/v1/accounts/1/statuses?limit=2&max_id=103",
    ]
    # and every status but the direct message is imported, with the counts only live fetching has
    assert summary == ImportSummary(imported=5, skipped=0, coverage=(
        "followers", "following", "own_posts", "received_likes", "received_replies", "received_reshares"))
    async with runtime.uow() as uow:
        page = await uow.activities.page(alice, first=10)
    assert [(s.activity.external_id, s.activity.kind, s.activity.text, s.activity.likes, s.activity.reshares,
             s.activity.replies) for s in page.items] == [
        ("106", ActivityKind.POST, "post number 6 #fediverse", 18, 12, 6),
        ("105", ActivityKind.POST, "post number 5 #fediverse", 15, 10, 5),
        ("103", ActivityKind.RESHARE, "", None, None, None),
        ("102", ActivityKind.REPLY, "post number 2 #fediverse", 6, 4, 2),
        ("101", ActivityKind.POST, "post number 1 #fediverse", 3, 2, 1),
    ]


async def test_a_too_many_requests_answer_is_waited_out_and_retried(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock
) -> None:
    # given a linked account whose window's one allowed call is already spent
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    mastodon.rate_limit = 1
    # when Renown syncs: its first call is answered 429 until 12:05:00, each later one exhausts a window
    summary = await linking.sync(member_id=alice, network=Network.MASTODON)
    # then it waited out the 429 and every reset, and missed nothing
    assert clock.slept == [90.0, 300.0, 300.0, 300.0]
    assert summary.imported == 5


async def test_a_second_sync_stops_at_known_statuses_and_imports_only_new_ones(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon
) -> None:
    # given a synced account that then posts once more
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    await linking.sync(member_id=alice, network=Network.MASTODON)
    mastodon.statuses.append(status(7, POSTED + timedelta(hours=6)))
    mastodon.api_calls.clear()
    # when it syncs again
    summary = await linking.sync(member_id=alice, network=Network.MASTODON)
    # then only the new status is added, and paging stops at the first page with nothing new
    assert (summary.imported, summary.skipped) == (1, 2)
    assert [c for c in mastodon.api_calls if "statuses" in c] == [
        "/api/v1/accounts/1/statuses?limit=2", "/api/v1/accounts/1/statuses?limit=2&max_id=106"]


async def test_without_an_ingestion_consent_nothing_is_fetched_or_stored(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon
) -> None:
    # given an account linked for a public profile only
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice, purposes=("public_profile",))
    # when Renown is asked to sync it, then the consent gate refuses before any status is fetched
    with pytest.raises(ConsentRequired):
        await linking.sync(member_id=alice, network=Network.MASTODON)
    assert mastodon.api_calls == ["/api/v1/accounts/verify_credentials"]
    # and an unknown purpose is refused before the instance is even contacted
    with pytest.raises(ConsentScopeInvalid):
        await linking.start_link(member_id=alice, network=Network.MASTODON, instance="other.example.org",
                                 purposes=["scoring", "resale"])
    assert list(mastodon.apps) == ["client-1"]


@pytest.mark.parametrize("announce_expiry", [True, False], ids=["expires_in", "401"])
async def test_an_expired_token_is_refreshed_and_the_new_grant_kept(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock, announce_expiry: bool
) -> None:
    # given a linked account whose two-hour token has expired (announced or not)
    mastodon.announce_expiry = announce_expiry
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    before = await stored_grant(runtime, alice)
    clock.current += timedelta(hours=3)
    # when Renown syncs
    summary = await linking.sync(member_id=alice, network=Network.MASTODON)
    # then it refreshed once, imported, and stored the new grant
    after = await stored_grant(runtime, alice)
    assert mastodon.refreshes == 1
    assert summary.imported == 5
    assert before is not None
    assert after is not None
    assert after.access_token != before.access_token
    assert list(mastodon.tokens) == [after.access_token]
    assert after.expires_at == (clock.current + timedelta(hours=2) if announce_expiry else None)


async def test_tokens_and_secrets_are_never_stored_in_plaintext(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon
) -> None:
    # given a linked and synced account
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    await linking.sync(member_id=alice, network=Network.MASTODON)
    grant = await stored_grant(runtime, alice)
    assert grant is not None
    assert grant.refresh_token is not None
    # when every byte of the linking tables is read
    async with runtime.engine.connect() as conn:
        rows = [row for table in ("linked_account", "oauth_app")
                for row in (await conn.execute(sa.text(f"SELECT * FROM {table}"))).all()]  # noqa: S608
    stored = b"|".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row)
    # then no token, secret or handle is among them
    secret = next(iter(mastodon.apps.values()))[0]
    assert len(rows) == 2
    for plaintext in (grant.access_token, grant.refresh_token, secret, "alice", "Alice Liddell"):
        assert plaintext.encode() not in stored


async def test_unlink_retries_a_failing_revocation_then_reports_it_and_forgets_the_grant(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock
) -> None:
    # given a linked account and an instance whose revocation endpoint keeps failing
    alice = await member(runtime, "alice@example.org")
    await linked(linking, mastodon, alice)
    mastodon.revoke_failures = 5
    # when she unlinks
    result = await linking.unlink(member_id=alice, network=Network.MASTODON)
    # then three attempts were made with backoff, the failure is reported, and Renown's copy is gone
    assert result == UnlinkResult(network=Network.MASTODON, revoked=False, attempts=3)
    assert clock.slept == [2.0, 4.0]
    assert mastodon.revoked == []
    assert len(mastodon.tokens) == 1
    assert await stored_grant(runtime, alice) is None
    with pytest.raises(NotLinked):
        await linking.sync(member_id=alice, network=Network.MASTODON)


async def test_unlink_and_erasure_revoke_at_the_instance(
    runtime: Runtime, linking: AccountLinking, mastodon: FakeMastodon, clock: FakeClock
) -> None:
    # given two members linked, and one transient revocation failure
    alice, bob = await member(runtime, "alice@example.org"), await member(runtime, "bob@example.org")
    await linked(linking, mastodon, alice)
    await linked(linking, mastodon, bob)
    alice_token, bob_token = list(mastodon.tokens)
    mastodon.revoke_failures = 1
    # when Alice unlinks and Bob's erasure revokes all his links
    unlinked = await linking.unlink(member_id=alice, network=Network.MASTODON)
    erased = await linking.revoke_all(member_id=bob)
    # then both grants are revoked at the instance and forgotten by Renown
    assert unlinked == UnlinkResult(network=Network.MASTODON, revoked=True, attempts=2)
    assert erased == [UnlinkResult(network=Network.MASTODON, revoked=True, attempts=1)]
    assert clock.slept == [2.0]
    assert mastodon.revoked == [alice_token, bob_token]
    assert mastodon.tokens == {}
    assert await stored_grant(runtime, alice) is None
    assert await stored_grant(runtime, bob) is None
