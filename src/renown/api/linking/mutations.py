"""`linkAccount`, `completeLink`, `syncAccount`, `unlinkAccount`: live links through OAuth."""

from __future__ import annotations

from typing import Annotated

import strawberry

from renown.api.context import Info
from renown.api.errors import NotRegistered, RequestRefused
from renown.api.imports.mutations import ArchiveImported
from renown.api.members.queries import subject_of
from renown.api.members.types import Account
from renown.api.permissions import IsMember
from renown.domain.activity import Network
from renown.domain.errors import RenownError
from renown.domain.linking import LinkError, LinkingUnsupported
from renown.services.linking import AccountLinking

MAX_PURPOSES = 16
MAX_INPUT = 2048  # longer than any instance name, code or sealed state Renown issues


@strawberry.type(description="Send the member to `authorizationUrl` to approve the link at their instance.")
class LinkStarted:
    authorization_url: str


@strawberry.type(description="The account is linked and the consents given with it are recorded.")
class AccountLinked:
    account: Account


@strawberry.type(description="Renown no longer holds a grant for this network.")
class AccountUnlinked:
    network: Network
    revoked: bool = strawberry.field(
        description="Whether the network confirmed the revocation; when false, remove Renown's access "
                    "in the network's own settings.")
    attempts: int = strawberry.field(description="Revocation requests made.")


LinkAccountResult = Annotated[LinkStarted | RequestRefused | NotRegistered, strawberry.union("LinkAccountResult")]
CompleteLinkResult = Annotated[AccountLinked | RequestRefused | NotRegistered, strawberry.union("CompleteLinkResult")]
SyncAccountResult = Annotated[ArchiveImported | RequestRefused | NotRegistered, strawberry.union("SyncAccountResult")]
UnlinkAccountResult = Annotated[
    AccountUnlinked | RequestRefused | NotRegistered, strawberry.union("UnlinkAccountResult")]


def _linking(info: Info) -> AccountLinking:
    linking = info.context.services.linking
    if linking is None:
        raise LinkingUnsupported("live linking is not configured on this server")
    return linking


def _check(*values: str) -> None:
    if any(len(v) > MAX_INPUT for v in values):
        raise LinkError("an argument is longer than any valid value")


@strawberry.type
class LinkingMutations:
    @strawberry.mutation(permission_classes=IsMember, description=(
        "Start linking an account at a network instance (e.g. a Mastodon server's host name), granting "
        "`purposes` for that network; returns where to approve the link."))
    async def link_account(
        self, info: Info, network: Network, instance: str, purposes: list[str]
    ) -> LinkAccountResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            _check(instance, *purposes)
            if len(purposes) > MAX_PURPOSES:
                raise LinkError("too many purposes")
            url = await _linking(info).start_link(
                member_id=member.id, network=network, instance=instance, purposes=purposes)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return LinkStarted(authorization_url=url)

    @strawberry.mutation(permission_classes=IsMember, description=(
        "Finish a link with the `code` and `state` the instance sent back to the redirect URI."))
    async def complete_link(self, info: Info, code: str, state: str) -> CompleteLinkResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            _check(code, state)
            linked = await _linking(info).complete_link(member_id=member.id, code=code, state=state)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return AccountLinked(account=Account(
            network=linked.network, handle=linked.handle, display_name=linked.display_name,
            followers=linked.followers, following=linked.following, linked_at=linked.linked_at))

    @strawberry.mutation(permission_classes=IsMember, description=(
        "Fetch what the member published since the last sync and import it; adds nothing twice."))
    async def sync_account(self, info: Info, network: Network) -> SyncAccountResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            summary = await _linking(info).sync(member_id=member.id, network=network)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return ArchiveImported(imported=summary.imported, skipped=summary.skipped, coverage=list(summary.coverage))

    @strawberry.mutation(permission_classes=IsMember, description=(
        "Revoke Renown's access at the network and delete its grant; imported activities stay."))
    async def unlink_account(self, info: Info, network: Network) -> UnlinkAccountResult:
        member = await info.context.services.find_member(subject=subject_of(info))
        if member is None:
            return NotRegistered.make()
        try:
            result = await _linking(info).unlink(member_id=member.id, network=network)
        except RenownError as error:
            return RequestRefused.from_error(error)
        return AccountUnlinked(network=result.network, revoked=result.revoked, attempts=result.attempts)
