"""Batch loading of the claims on a brand's perks: one query for every perk on the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from strawberry.dataloader import DataLoader

from renown.api.context import Info, RenownContext
from renown.api.loaders import loader
from renown.domain.perks import PerkClaim

ClaimsPage = tuple[list[PerkClaim], bool]


def _claims(
    brand: str, first: int, after: tuple[datetime, UUID] | None,
) -> Callable[[RenownContext], DataLoader[UUID, ClaimsPage]]:
    def build(context: RenownContext) -> DataLoader[UUID, ClaimsPage]:
        async def load(perk_ids: Sequence[UUID]) -> list[ClaimsPage]:
            found = await context.services.perks.claims(brand=brand, perk_ids=perk_ids, first=first, after=after)
            return [found.get(p, ([], False)) for p in perk_ids]

        return DataLoader(load_fn=load)

    return build


def claims_loader(
    info: Info, *, brand: str, first: int, after: tuple[datetime, UUID] | None,
) -> DataLoader[UUID, ClaimsPage]:
    """Claims by perk id for one page size and cursor, batched per request."""
    key = f"perk.claims|{brand}|{first}|{after}"
    built: DataLoader[UUID, ClaimsPage] = loader(info, key, _claims(brand, first, after))
    return built
