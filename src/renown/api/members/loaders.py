"""Batch loading of members' relations: one query for the accounts of every member in a response."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from strawberry.dataloader import DataLoader

from renown.api.context import Info, RenownContext
from renown.api.loaders import loader
from renown.domain.activity import LinkedAccount


def _accounts(context: RenownContext) -> DataLoader[UUID, list[LinkedAccount]]:
    async def load(member_ids: Sequence[UUID]) -> list[list[LinkedAccount]]:
        found = await context.services.accounts_of(list(member_ids))
        return [found.get(m, []) for m in member_ids]

    return DataLoader(load_fn=load)


def accounts_loader(info: Info) -> DataLoader[UUID, list[LinkedAccount]]:
    """Linked accounts by member id, batched per request."""
    return loader(info, "member.accounts", _accounts)
