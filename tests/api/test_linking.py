"""The live-linking journey over GraphQL: link, complete, sync, unlink, against a fake Mastodon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from renown.app import Runtime
from renown.connectors.mastodon_oauth import MastodonOAuth
from renown.domain.activity import Network
from renown.services.consent import LinkConsents
from renown.services.linking import AccountLinking
from renown.storage.uow import SqlUnitOfWork
from tests.api.conftest import bearer, gql
from tests.fake_mastodon import HOST, REDIRECT, FakeClock, FakeMastodon, approve, status

REGISTER = 'mutation { register(ageBracket: ADULT) { __typename } }'
LINK = """mutation($instance: String!, $purposes: [String!]!) {
  linkAccount(network: MASTODON, instance: $instance, purposes: $purposes) {
    __typename
    ... on LinkStarted { authorizationUrl }
    ... on RequestRefused { code message }
  }
}"""
COMPLETE = """mutation($code: String!, $state: String!) {
  completeLink(code: $code, state: $state) {
    __typename
    ... on AccountLinked { account { network handle followers following } }
    ... on RequestRefused { code }
  }
}"""
SYNC = """mutation { syncAccount(network: MASTODON) {
  __typename ... on ArchiveImported { imported skipped } ... on RequestRefused { code } } }"""
UNLINK = """mutation { unlinkAccount(network: MASTODON) {
  __typename ... on AccountUnlinked { network revoked attempts } ... on RequestRefused { code } } }"""

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def mastodon() -> FakeMastodon:
    clock = FakeClock(NOW)
    return FakeMastodon(clock, statuses=[status(n, NOW - timedelta(days=n)) for n in (1, 2, 3)])


@pytest.fixture
def linking(runtime: Runtime, mastodon: FakeMastodon) -> AccountLinking:
    """Wired as the composition root would, with the fake instance's transport and clock."""
    clock = mastodon.clock
    client = MastodonOAuth(redirect_uri=REDIRECT, transport=mastodon.transport(), clock=clock.now, sleep=clock.sleep)
    runtime.services.linking = AccountLinking(
        uow_factory=lambda: SqlUnitOfWork(runtime.engine, runtime.vault, clock=clock.now, policies=runtime.policies),
        clients={Network.MASTODON: client}, record_consents=LinkConsents(signer=runtime.tokens))
    return runtime.services.linking


async def test_member_links_syncs_and_unlinks_a_mastodon_account(
    client: httpx.AsyncClient, runtime: Runtime, mastodon: FakeMastodon, linking: AccountLinking
) -> None:
    # given a registered member
    alice = bearer(runtime)
    assert (await gql(client, REGISTER, alice))["data"]["register"]["__typename"] == "Registered"
    # when she starts a link, approves it at her instance and completes it
    started = (await gql(client, LINK, alice, {"instance": HOST, "purposes": ["scoring"]}))["data"]["linkAccount"]
    assert started["__typename"] == "LinkStarted"
    code, state = await approve(mastodon, started["authorizationUrl"])
    completed = (await gql(client, COMPLETE, alice, {"code": code, "state": state}))["data"]["completeLink"]
    # then her account is linked with its live counts and her consent is recorded
    assert completed == {"__typename": "AccountLinked", "account": {
        "network": "MASTODON", "handle": "@alice@social.example.org", "followers": 1200, "following": 87}}
    async with runtime.uow() as uow:
        member = await uow.members.by_subject("alice@example.org")
        assert member is not None
        events = await uow.consents.events(member.id)
    assert [(e.network, e.purpose.value, e.event.value) for e in events] == [(Network.MASTODON, "scoring", "granted")]
    # when she syncs twice, then unlinks
    first = (await gql(client, SYNC, alice))["data"]["syncAccount"]
    second = (await gql(client, SYNC, alice))["data"]["syncAccount"]
    unlinked = (await gql(client, UNLINK, alice))["data"]["unlinkAccount"]
    again = (await gql(client, UNLINK, alice))["data"]["unlinkAccount"]
    # then the statuses came in once, the grant was revoked, and a second unlink has nothing to do
    assert first == {"__typename": "ArchiveImported", "imported": 3, "skipped": 0}
    assert second == {"__typename": "ArchiveImported", "imported": 0, "skipped": 3}
    assert unlinked == {"__typename": "AccountUnlinked", "network": "MASTODON", "revoked": True, "attempts": 1}
    assert again == {"__typename": "RequestRefused", "code": "LINK_NOT_LINKED"}
    assert mastodon.tokens == {}


async def test_link_requests_for_private_addresses_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, mastodon: FakeMastodon, linking: AccountLinking
) -> None:
    # given a registered member
    alice = bearer(runtime)
    await gql(client, REGISTER, alice)
    # when she names a loopback address as her instance
    refused = (await gql(client, LINK, alice, {"instance": "127.0.0.1", "purposes": []}))["data"]["linkAccount"]
    # then nothing is contacted and the refusal says why
    assert refused["__typename"] == "RequestRefused"
    assert refused["code"] == "LINK_INSTANCE_REFUSED"
    assert mastodon.apps == {}
