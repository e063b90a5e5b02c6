"""Renown's OAuth registrations per instance, and members' grants in `linked_account.oauth_token_enc`.

Client secrets are Renown's own, not a member's, so they are encrypted under an *application key*:
a data key minted by the vault under the fixed id `APPLICATION_KEY_ID`, wrapped by the KEK like
every member's key (rotation re-wraps it too) and never shredded. Members' grants are encrypted
under the member's own key, so erasure shreds them with everything else.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4, uuid5

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from renown.domain.activity import Network
from renown.domain.linking import OAuthApp, OAuthGrant
from renown.storage.tables import metadata
from renown.storage.vault import MemberCipher, Vault

APPS = metadata.tables["oauth_app"]
ACCOUNTS = metadata.tables["linked_account"]
# A version-5 UUID cannot collide with a member id (version 4).
APPLICATION_KEY_ID = uuid5(UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "urn:renown:application-key")


class OAuthRepository:
    def __init__(self, conn: AsyncConnection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def _application_cipher(self, at: datetime) -> MemberCipher:
        # Minted on first use. Two first-ever registrations racing can make one transaction fail on
        # the key's primary key; it then succeeds when retried, as the key exists.
        return await self._vault.mint(self._conn, APPLICATION_KEY_ID, at=at)

    async def app(self, network: Network, instance: str, *, at: datetime) -> OAuthApp | None:
        """Renown's registration at an instance, if it has one."""
        row = (await self._conn.execute(sa.select(APPS).where(
            APPS.c.network == network.value, APPS.c.instance == instance))).first()
        if row is None:
            return None
        cipher = await self._application_cipher(at)
        return OAuthApp(
            network=network, instance=row.instance, client_id=row.client_id,
            client_secret=cipher.decrypt_text("oauth_app", "client_secret_enc", row.id, row.client_secret_enc),
            redirect_uri=row.redirect_uri, scopes=row.scopes,
        )

    async def add_app(self, app: OAuthApp, *, at: datetime) -> OAuthApp:
        """Store a registration; when another request stored one first, keep and return that one."""
        cipher = await self._application_cipher(at)
        row_id = uuid4()
        insert = (postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert)(APPS)
        result = await self._conn.execute(insert.values(
            id=row_id, network=app.network.value, instance=app.instance, client_id=app.client_id,
            client_secret_enc=cipher.encrypt("oauth_app", "client_secret_enc", row_id, app.client_secret),
            redirect_uri=app.redirect_uri, scopes=app.scopes, registered_at=at,
        ).on_conflict_do_nothing(index_elements=["network", "instance"]))
        if result.rowcount:
            return app
        stored = await self.app(app.network, app.instance, at=at)
        if stored is None:  # pragma: no cover - the conflicting row cannot vanish inside our transaction
            raise RuntimeError("a conflicting OAuth registration disappeared")
        return stored

    async def store_grant(self, cipher: MemberCipher, account_id: UUID, grant: OAuthGrant) -> None:
        """Keep (or replace) the grant of a linked account, encrypted under the member's key."""
        await self._conn.execute(sa.update(ACCOUNTS).where(
            ACCOUNTS.c.id == account_id, ACCOUNTS.c.member_id == cipher.member_id,
        ).values(oauth_token_enc=cipher.encrypt("linked_account", "oauth_token_enc", account_id, grant.to_json())))

    async def grant(self, cipher: MemberCipher, network: Network) -> tuple[UUID, OAuthGrant] | None:
        """The linked account's id and grant, if the member has a live link to that network."""
        row = (await self._conn.execute(sa.select(ACCOUNTS.c.id, ACCOUNTS.c.oauth_token_enc).where(
            ACCOUNTS.c.member_id == cipher.member_id, ACCOUNTS.c.network == network.value,
            ACCOUNTS.c.oauth_token_enc.is_not(None)))).first()
        if row is None:
            return None
        data = cipher.decrypt("linked_account", "oauth_token_enc", row.id, row.oauth_token_enc)
        return row.id, OAuthGrant.from_json(data)

    async def forget_grant(self, member_id: UUID, network: Network) -> bool:
        """Delete Renown's copy of the grant; the linked account and what was imported stay."""
        result = await self._conn.execute(sa.update(ACCOUNTS).where(
            ACCOUNTS.c.member_id == member_id, ACCOUNTS.c.network == network.value,
            ACCOUNTS.c.oauth_token_enc.is_not(None),
        ).values(oauth_token_enc=None))
        return bool(result.rowcount)

    async def linked_networks(self, member_id: UUID) -> list[Network]:
        """The networks where the member has a live grant."""
        rows = await self._conn.execute(sa.select(ACCOUNTS.c.network).where(
            ACCOUNTS.c.member_id == member_id, ACCOUNTS.c.oauth_token_enc.is_not(None),
        ).order_by(ACCOUNTS.c.network))
        return [Network(r.network) for r in rows]
