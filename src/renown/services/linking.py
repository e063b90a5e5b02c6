"""Live linking of network accounts: authorize with PKCE, sync through the archive import path, unlink.

No transaction stays open while a network is called (a rate-limit wait can last minutes): each
step reads in one unit of work, talks to the network, then writes in another.

The pending authorization travels in `state` itself, sealed (AES-GCM) under the member's own
data key: the PKCE verifier, the instance and the purposes chosen are never stored, a state
issued to one member does not decrypt for another, and it expires after `state_ttl`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol
from uuid import UUID

from renown.domain.activity import (
    AccountProfile,
    Activity,
    Coverage,
    ImportSummary,
    LinkedAccount,
    Network,
    ParsedArchive,
)
from renown.domain.consent import ConsentScopeInvalid
from renown.domain.errors import DecryptionFailed, RenownError
from renown.domain.linking import (
    LinkError,
    LinkingUnsupported,
    LinkStateInvalid,
    NotLinked,
    OAuthApp,
    OAuthGrant,
    RevocationFailed,
    UnlinkResult,
)
from renown.domain.policies import ConsentPurpose
from renown.services.consent_gate import ConsentGate
from renown.services.imports import import_archive
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import MemberCipher

log = logging.getLogger(__name__)

STATE_TABLE, STATE_COLUMN, STATE_ROW = "oauth_state", "state", "pending-link"


class OAuthSession(Protocol):
    grant: OAuthGrant

    async def __aenter__(self) -> OAuthSession: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def account(self) -> tuple[str, AccountProfile]: ...

    async def activities(self, account_id: str, *, known: Callable[[str], bool]) -> list[Activity]: ...


class OAuthClient(Protocol):
    """What a network's OAuth connector offers (`connectors.mastodon_oauth.MastodonOAuth`)."""

    network: Network

    def normalize_instance(self, value: str) -> str: ...

    def new_code_verifier(self) -> str: ...

    def coverage(self) -> Coverage: ...

    async def register_app(self, instance: str) -> OAuthApp: ...

    async def authorization_url(self, app: OAuthApp, *, state: str, code_verifier: str) -> str: ...

    async def exchange_code(self, app: OAuthApp, *, code: str, code_verifier: str) -> OAuthGrant: ...

    def session(
        self, app: OAuthApp, grant: OAuthGrant, *, on_refresh: Callable[[OAuthGrant], Awaitable[None]] | None = None
    ) -> OAuthSession: ...

    async def revoke(self, app: OAuthApp, grant: OAuthGrant) -> int: ...


class ConsentHook(Protocol):
    """Records the purposes a member grants for a network, inside the linking transaction
    (`renown.services.consent.LinkConsents`)."""

    async def __call__(
        self, uow: SqlUnitOfWork, *, member_id: UUID, network: Network, purposes: tuple[str, ...], at: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class PendingLink:
    network: Network
    instance: str
    code_verifier: str
    purposes: tuple[str, ...]
    issued_at: datetime


@dataclass
class AccountLinking:
    """Live links for members; `record_consents` is the consent ledger's grant, wired by the composition root."""

    uow_factory: Callable[[], SqlUnitOfWork]
    clients: Mapping[Network, OAuthClient]
    record_consents: ConsentHook
    state_ttl: timedelta = timedelta(minutes=10)

    def _client(self, network: Network) -> OAuthClient:
        client = self.clients.get(network)
        if client is None:
            raise LinkingUnsupported(f"live linking to {network.value} is not supported")
        return client

    async def start_link(
        self, *, member_id: UUID, network: Network, instance: str, purposes: Sequence[str]
    ) -> str:
        """Register Renown at the instance if needed; return the URL where the member approves the link."""
        client = self._client(network)
        host = client.normalize_instance(instance)
        try:
            chosen = tuple(dict.fromkeys(ConsentPurpose(p).value for p in purposes))
        except ValueError:
            raise ConsentScopeInvalid("unknown consent purpose") from None
        async with self.uow_factory() as uow:
            cipher = await uow.vault.load(uow.connection, member_id)
            app = await uow.oauth.app(network, host, at=uow.now())
            now = uow.now()
        if app is None:
            registered = await client.register_app(host)
            async with self.uow_factory() as uow:
                app = await uow.oauth.add_app(registered, at=uow.now())
                await uow.commit()
        pending = PendingLink(network, host, client.new_code_verifier(), chosen, now)
        state = seal_state(cipher, pending)
        return await client.authorization_url(app, state=state, code_verifier=pending.code_verifier)

    async def complete_link(self, *, member_id: UUID, code: str, state: str) -> LinkedAccount:
        """Check `state`, exchange the code, store the account and its grant, record the consents."""
        async with self.uow_factory() as uow:
            cipher = await uow.vault.load(uow.connection, member_id)
            pending = open_state(cipher, state, now=uow.now(), ttl=self.state_ttl)
            app = await uow.oauth.app(pending.network, pending.instance, at=uow.now())
        if app is None:
            raise LinkStateInvalid("no registration matches this link request")
        client = self._client(pending.network)
        grant = await client.exchange_code(app, code=code, code_verifier=pending.code_verifier)
        try:
            async with client.session(app, grant) as session:
                _, profile = await session.account()
                grant = session.grant
        except LinkError:
            await self._revoke_quietly(client, app, grant)
            raise
        try:
            async with self.uow_factory() as uow:
                now = uow.now()
                previous = await uow.oauth.grant(cipher, pending.network)
                account_id = await uow.accounts.link(cipher, profile, at=now)
                await uow.oauth.store_grant(cipher, account_id, grant)
                await self.record_consents(uow, member_id=member_id, network=pending.network,
                                           purposes=pending.purposes, at=now)
                linked = next(a for a in await uow.accounts.for_member(member_id) if a.id == account_id)
                superseded = None if previous is None or previous[1].access_token == grant.access_token else \
                    (await uow.oauth.app(pending.network, previous[1].instance, at=now), previous[1])
                await uow.commit()
        except RenownError:
            await self._revoke_quietly(client, app, grant)  # nothing was stored: leave no live grant behind
            raise
        if superseded is not None and superseded[0] is not None:
            await self._revoke_quietly(client, superseded[0], superseded[1])
        return linked

    async def sync(self, *, member_id: UUID, network: Network) -> ImportSummary:
        """Fetch the statuses published since the last sync and import them like an archive."""
        client = self._client(network)
        async with self.uow_factory() as uow:
            cipher = await uow.vault.load(uow.connection, member_id)
            account_row, grant, app = await self._linked(uow, cipher, network)
            # Fetch nothing that could not be stored (the import checks again in its own transaction).
            await ConsentGate.of(uow).require_ingestion(uow, member_id=member_id, network=network)
            known = await uow.activities.known_indexes(member_id, network)
            index_of = uow.activities.index_function(network)  # needs only the vault: outlives the unit of work

        async def keep(refreshed: OAuthGrant) -> None:
            # Committed at once: a rotated refresh token must not be lost if the sync fails later.
            async with self.uow_factory() as uow:
                await uow.oauth.store_grant(cipher, account_row, refreshed)
                await uow.commit()

        async with client.session(app, grant, on_refresh=keep) as session:
            account_id, profile = await session.account()
            activities = await session.activities(
                account_id, known=lambda external_id: index_of(external_id) in known)
        archive = ParsedArchive(account=profile, activities=iter(activities), coverage=client.coverage())
        async with self.uow_factory() as uow:
            return await import_archive(uow, member_id=member_id, network=network, archive=archive)

    async def unlink(self, *, member_id: UUID, network: Network) -> UnlinkResult:
        """Revoke the grant at the network (retried), then delete Renown's copy whatever the outcome."""
        async with self.uow_factory() as uow:
            cipher = await uow.vault.load(uow.connection, member_id)
            _, grant, app = await self._linked(uow, cipher, network)
        client = self.clients.get(network)
        revoked, attempts = False, 0
        if client is not None:
            try:
                attempts = await client.revoke(app, grant)
                revoked = True
            except RevocationFailed as failure:
                attempts = failure.attempts
                log.warning("revocation at %s failed after %d attempts; the grant is deleted anyway",
                            network.value, attempts)
        async with self.uow_factory() as uow:
            await uow.oauth.forget_grant(member_id, network)
            await uow.commit()
        return UnlinkResult(network=network, revoked=revoked, attempts=attempts)

    async def revoke_all(self, *, member_id: UUID) -> list[UnlinkResult]:
        """Unlink every live link of a member (the erasure step, run before the member's key is shredded)."""
        async with self.uow_factory() as uow:
            networks = await uow.oauth.linked_networks(member_id)
        return [await self.unlink(member_id=member_id, network=network) for network in networks]

    async def _linked(
        self, uow: SqlUnitOfWork, cipher: MemberCipher, network: Network
    ) -> tuple[UUID, OAuthGrant, OAuthApp]:
        found = await uow.oauth.grant(cipher, network)
        if found is None:
            raise NotLinked(f"there is no live link to {network.value}")
        account_row, grant = found
        app = await uow.oauth.app(network, grant.instance, at=uow.now())
        if app is None:
            raise NotLinked(f"Renown's registration for this {network.value} link is gone")
        return account_row, grant, app

    @staticmethod
    async def _revoke_quietly(client: OAuthClient, app: OAuthApp, grant: OAuthGrant) -> None:
        try:
            await client.revoke(app, grant)
        except RevocationFailed as failure:
            log.warning("revocation of an unused %s grant failed after %d attempts",
                        client.network.value, failure.attempts)


def seal_state(cipher: MemberCipher, pending: PendingLink) -> str:
    """The OAuth `state`: the pending link encrypted under the member's key, URL-safe."""
    payload = json.dumps({
        "n": pending.network.value, "i": pending.instance, "v": pending.code_verifier,
        "p": list(pending.purposes), "t": pending.issued_at.isoformat(),
    }, separators=(",", ":"))
    blob = cipher.encrypt(STATE_TABLE, STATE_COLUMN, STATE_ROW, payload)
    return base64.urlsafe_b64encode(blob).rstrip(b"=").decode()


def open_state(cipher: MemberCipher, state: str, *, now: datetime, ttl: timedelta) -> PendingLink:
    """The pending link sealed in `state`; `LinkStateInvalid` when altered, another member's, or expired."""
    try:
        blob = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
        raw = json.loads(cipher.decrypt(STATE_TABLE, STATE_COLUMN, STATE_ROW, blob))
        pending = PendingLink(Network(raw["n"]), raw["i"], raw["v"], tuple(raw["p"]),
                              datetime.fromisoformat(raw["t"]))
    except (binascii.Error, ValueError, KeyError, TypeError, DecryptionFailed) as exc:
        raise LinkStateInvalid("this link request was not issued to you") from exc
    if not pending.issued_at <= now < pending.issued_at + ttl:
        raise LinkStateInvalid("this link request has expired: start linking again")
    return pending
