"""A member with something in every table a member can have rows in, and canaries planted in every
personal column that can hold one: the subject of the export-coverage and erasure-residue tests."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from renown.app import Runtime
from renown.domain.activity import Network
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind
from renown.services import privacy
from renown.storage.member_data import WITHHELD_COLUMNS, member_tables, owner_column
from renown.storage.tables import metadata
from tests.archives.mastodon import build_mastodon_archive

SUBJECT = "alice-canary@example.org"
HANDLE = "alice_canary"
# Plaintext columns whose values the domain reads back as codes (enums, keys of policies/, slugs):
# a canary there would not be a value Renown can hold, so they carry none. Numbers, times and ids
# cannot hold a text canary either; `*_index` columns are keyed hashes of other columns.
CODED = frozenset({"status", "kind", "network", "purpose", "event", "method", "notice_language", "age_bracket",
                   "recipient", "context", "topic", "lawful_basis", "model_version", "calibration_version"})
T = metadata.tables


@dataclass
class Population:
    alice: UUID
    bob: UUID
    archive: Path


async def full_member(runtime: Runtime, tmp_path: Path) -> Population:
    """Alice, with an import, consents, scores, topics, graph signals, a perk claim and two requests; and Bob."""
    services = runtime.services
    alice = (await services.register(subject=SUBJECT, display_name="Alice Canary", age_bracket=AgeBracket.ADULT)).id
    bob = (await services.register(subject="bob@example.org", display_name="Bob", age_bracket=AgeBracket.ADULT)).id
    for purpose in (ConsentPurpose.SCORING, ConsentPurpose.TOPICS):
        await services.grant_consent(member_id=alice, purpose=purpose, network=Network.MASTODON)
    archive = build_mastodon_archive(tmp_path, posts=4, handle=HANDLE, display_name="Alice Canary",
                                     texts=["Compost tips for #gardening", "python packaging notes", "more #compost",
                                            "a walk"])
    await services.import_file(member_id=alice, network=Network.MASTODON, path=archive)
    async with runtime.uow() as uow:
        conn, now = uow.connection, uow.now()
        cipher = await uow.vault.load(conn, alice)
        await conn.execute(sa.insert(T["score"]).values(
            id=uuid4(), member_id=alice, computed_at=now, value=61.0, confidence=0.7, model_version="m1",
            calibration_version="c1",
            explanation={"baseline": 50.0, "factors": [{"name": "reach", "contribution": 11.0}]}))
        await conn.execute(sa.insert(T["score_point"]).values(
            id=uuid4(), member_id=alice, day=now.date(), value=61.0, model_version="m1", calibration_version="c1",
            computed_at=now))
        await conn.execute(sa.insert(T["member_topic"]).values(
            id=uuid4(), member_id=alice, topic="gardening", level=0.8, share=0.5, activities=2, computed_at=now))
        await conn.execute(sa.insert(T["member_signal"]).values(
            id=uuid4(), member_id=alice, centrality=0.1, reactors=0.2, member_reactions=1.0, bot_reactions=0.0,
            calibration_version="c1", computed_at=now))
        for source, target in ((alice, bob), (bob, alice)):
            await conn.execute(sa.insert(T["interaction"]).values(
                id=uuid4(), member_id=source, target_id=target, count=2.0, first_at=now))
        perk_id, claim_id, disclosure_id = uuid4(), uuid4(), uuid4()
        await conn.execute(sa.insert(T["perk"]).values(
            id=perk_id, brand="brand@shop.example.org", title="Seed packet", topic="gardening", minimum_score=10,
            quantity=5, claimed=1, valid_from=now, valid_until=now + timedelta(days=30), created_at=now))
        await conn.execute(sa.insert(T["disclosure"]).values(
            id=disclosure_id, member_id=alice, recipient="brands", recipient_ref="brand@shop.example.org",
            purpose="perks", data_categories=["network.handle", "score.value"], context="perk_claim",
            context_id=claim_id, disclosed_at=now, content_enc=cipher.encrypt(
                "disclosure", "content_enc", disclosure_id, json.dumps({"handle": HANDLE, "score_band": "60-69"}))))
        await conn.execute(sa.insert(T["perk_claim"]).values(
            id=claim_id, perk_id=perk_id, member_id=alice, disclosure_id=disclosure_id, claimed_at=now))
        await uow.commit()
        rectification = await privacy.submit_request(uow, member_id=alice, kind=RequestKind.RECTIFICATION,
                                                     details={"display_name": "Alice C."})
        await privacy.extend_deadline(uow, request_id=rectification.id, months=1, reason="waiting for the network")
    return Population(alice, bob, archive)


def _python_type(column: sa.Column[Any]) -> object:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):  # sqlmodel's AutoString wraps a String
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _canary_value(column: sa.Column[Any], canary: str) -> Any:
    if isinstance(column.type, sa.JSON):
        return [canary] if column.name == "data_categories" else {"canary": canary}
    return canary


async def plant_canaries(runtime: Runtime, member_id: UUID) -> dict[tuple[str, str], str]:
    """Overwrite every canary-capable personal column of the member's rows with a unique value; return them."""
    personal = {(c.table, c.column) for c in runtime.policies.columns() if c.personal}
    planted: dict[tuple[str, str], str] = {}
    async with runtime.uow() as uow:
        conn = uow.connection
        cipher = await uow.vault.load(conn, member_id)
        for table in member_tables():
            rows = (await conn.execute(sa.select(table.c.id).where(owner_column(table) == member_id))).scalars().all()
            for column in table.columns:
                name = column.name
                text_like = name.endswith("_enc") or isinstance(column.type, sa.JSON) or _python_type(column) is str
                if (table.name, name) not in personal or name in CODED or name.endswith("_index") or not text_like:
                    continue
                if not rows or (table.name, name) in WITHHELD_COLUMNS:
                    continue
                canary = planted[(table.name, name)] = f"cnry{secrets.token_hex(10)}"
                for row_id in rows:
                    # Encrypted values are JSON where the code reads JSON (request details, disclosures).
                    value = (cipher.encrypt(table.name, name, row_id, json.dumps({"statement": canary}))
                             if name.endswith("_enc")
                             else _canary_value(column, canary))
                    await conn.execute(sa.update(table).where(table.c.id == row_id).values({name: value}))
        await uow.commit()
    return planted
