"""Steps shared by API tests: a member with an imported account and consents, scores, brands' perks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.scopes import Scope
from renown.storage.tables import metadata
from tests.api.conftest import bearer, gql, upload
from tests.archives import build_mastodon_archive

SCORES = metadata.tables["score"]

REGISTER = 'mutation Register($name: String) { register(ageBracket: ADULT, displayName: $name) { __typename } }'
GRANT = """mutation Grant($purpose: ConsentPurpose!, $network: Network) {
  grantConsent(purpose: $purpose, network: $network) { __typename }
}"""
CREATE_PERK = """mutation CreatePerk($title: String!, $topic: String, $min: Int!, $quantity: Int!,
                                   $from: DateTime!, $until: DateTime!) {
  createPerk(title: $title, topic: $topic, minimumScore: $min, quantity: $quantity, validFrom: $from,
             validUntil: $until) {
    __typename
    ... on PerkCreated { perk { id title topic minimumScore quantity claimed } }
    ... on RequestRefused { code message }
  }
}"""


async def join(
    client: httpx.AsyncClient, runtime: Runtime, folder: Path, *, subject: str, handle: str,
    texts: list[str] | None = None, display_name: str = "Alice Example", consents: tuple[str, ...] = (),
) -> dict[str, str]:
    """Register a member, consent to scoring on Mastodon (plus `consents`), import an archive; their headers."""
    headers = bearer(runtime, subject)
    assert (await gql(client, REGISTER, headers, {"name": display_name}))["data"]["register"]["__typename"] == (
        "Registered")
    await grant(client, headers, "SCORING", "MASTODON")
    for purpose in consents:
        await grant(client, headers, purpose)
    folder.mkdir(parents=True, exist_ok=True)
    archive = build_mastodon_archive(folder, posts=len(texts or ["Hello"]), texts=texts, handle=handle,
                                     display_name=display_name)
    result = await upload(client, headers, archive)
    assert result["data"]["importArchive"]["__typename"] == "ArchiveImported", result
    return headers


async def grant(client: httpx.AsyncClient, headers: dict[str, str], purpose: str, network: str | None = None) -> None:
    result = await gql(client, GRANT, headers, {"purpose": purpose, "network": network})
    assert result["data"]["grantConsent"]["__typename"] == "ConsentGranted", result


async def member_id(runtime: Runtime, subject: str) -> UUID:
    member = await runtime.services.find_member(subject=subject)
    assert member is not None
    return member.id


async def set_score(runtime: Runtime, subject: str, value: float, *, at: datetime | None = None) -> None:
    """Store a score row as the scoring engine would."""
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.insert(SCORES).values(
            id=uuid4(), member_id=await member_id(runtime, subject), computed_at=at or datetime.now(UTC),
            value=value, confidence=0.8, model_version="test", calibration_version="test", explanation={}))


def brand(runtime: Runtime, subject: str = "perks@brand-one.example") -> dict[str, str]:
    return bearer(runtime, subject, (Scope.BRAND,))


async def create_perk(
    client: httpx.AsyncClient, headers: dict[str, str], *, title: str = "Free seed box", minimum: int = 60,
    quantity: int = 10, topic: str | None = None, days: int = 30,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    result = await gql(client, CREATE_PERK, headers, {
        "title": title, "topic": topic, "min": minimum, "quantity": quantity,
        "from": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(days=days)).isoformat()})
    created: dict[str, Any] = result["data"]["createPerk"]
    assert created["__typename"] == "PerkCreated", result
    perk: dict[str, Any] = created["perk"]
    return perk
