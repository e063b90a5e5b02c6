"""The audit trail: who did what to which (pseudonymous) member, provably unaltered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from renown.storage.audit import GENESIS, AuditEntry, entry_hash
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault

PSEUDONYM_HEX_CHARS = 32


def member_pseudonym(vault: Vault, member_id: UUID) -> str:
    """Return the keyed pseudonym the audit log uses for a member (128 bits of an HMAC, in hex)."""
    return vault.blind_index("audit-member", str(member_id)).hex()[:PSEUDONYM_HEX_CHARS]


async def record(
    uow: SqlUnitOfWork, *, actor: str, action: str, member_id: UUID | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit event in the caller's transaction; `detail` must hold no personal data."""
    subject = None if member_id is None else member_pseudonym(uow.vault, member_id)
    return await uow.audit.append(at=uow.now(), actor=actor, action=action, subject=subject, detail=detail or {})


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest entry of the chain: recorded outside the database, it lets a later check see a cut tail."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """Read `ID:HASH` as `renown audit head` prints it; ValueError when it is not that."""
        entry_id, _, digest = text.strip().partition(":")
        if not entry_id.isdigit() or len(digest) != len(GENESIS) or digest.strip("0123456789abcdef"):
            raise ValueError("a chain head is written ID:HASH (64 lowercase hex digits)")
        return cls(int(entry_id), digest)


GENESIS_HEAD = ChainHead(0, GENESIS)


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """The outcome of re-hashing the audit chain; `first_broken_id` is None when it holds."""

    checked: int
    first_broken_id: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


async def chain_head(uow: SqlUnitOfWork) -> ChainHead:
    """The newest entry's id and hash (id 0 and the genesis hash for an empty log)."""
    newest = await uow.audit.page(first=1)
    return ChainHead(newest[0].id, newest[0].hash) if newest else GENESIS_HEAD


async def verify_chain(uow: SqlUnitOfWork, *, recorded_head: ChainHead | None = None) -> ChainVerification:
    """Recompute every hash in order; report the first entry that was altered, removed or reordered.

    A chain check alone cannot see its newest entries deleted; given a head recorded earlier (`renown
    audit head`), the chain must still hold that entry, unchanged, or it was cut or rewritten after it.
    """
    result = await _verify_links(uow)
    if not result.intact or recorded_head is None or recorded_head.id == 0:
        return result
    held = await uow.audit.hash_of(recorded_head.id)
    if held is None:
        if recorded_head.id > (await chain_head(uow)).id:
            return ChainVerification(result.checked, recorded_head.id, "entries missing at the end")
        pruned = await uow.audit.anchors()
        if not pruned or max(pruned) < recorded_head.id or pruned.get(recorded_head.id, recorded_head.hash) \
                != recorded_head.hash:
            return ChainVerification(result.checked, recorded_head.id, "recorded head missing")
        return result  # retention pruned it, and the anchor that did so does not contradict it
    if held != recorded_head.hash:
        return ChainVerification(result.checked, recorded_head.id, "recorded head rewritten")
    return result


async def _verify_links(uow: SqlUnitOfWork) -> ChainVerification:
    prev, expected_id, checked = GENESIS, 1, 0
    async for entry in uow.audit.entries():
        if checked == 0 and entry.id != 1:
            # Retention pruned the start: an anchor entry must vouch for where the chain now begins.
            if (await uow.audit.anchors()).get(entry.id - 1) != entry.prev_hash:
                return ChainVerification(checked, 1, "entries missing at the start")
            prev, expected_id = entry.prev_hash, entry.id
        if entry.id != expected_id:
            return ChainVerification(checked, expected_id, "entry missing")
        if entry.prev_hash != prev:
            return ChainVerification(checked, entry.id, "link to the previous entry broken")
        recomputed = entry_hash(prev, id=entry.id, occurred_at=entry.occurred_at, actor=entry.actor,
                                action=entry.action, subject=entry.subject, detail=entry.detail)
        if recomputed != entry.hash:
            return ChainVerification(checked, entry.id, "content does not match its hash")
        prev, expected_id, checked = entry.hash, entry.id + 1, checked + 1
    return ChainVerification(checked, None, None)


async def audit_log(
    uow: SqlUnitOfWork, *, member_id: UUID | None = None, action: str | None = None,
    before_id: int | None = None, first: int = 50,
) -> list[AuditEntry]:
    """Newest entries first (admin scope), optionally for one member or one action."""
    subject = None if member_id is None else member_pseudonym(uow.vault, member_id)
    return await uow.audit.page(subject=subject, action=action, before_id=before_id, first=min(first, 500))
