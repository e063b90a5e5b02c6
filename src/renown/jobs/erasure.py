"""The erasure workflow (Art. 17 and 19), run once the grace period is over.

The steps are a registry: a feature that stores more about members adds its table to
`DERIVED_TABLES` or its own step with `register_erasure_step`, and the catch-all `delete_remaining`
removes rows of any table with a `member_id` column that no step named. Data a later step needs is
read before an earlier one deletes it (recipients before disclosures, handles before accounts).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from uuid import UUID, uuid5

from renown.domain.errors import KeyUnavailable
from renown.domain.privacy import RequestKind
from renown.jobs.export import export_store
from renown.jobs.requests import notify_recipients, request_workflow
from renown.jobs.schedule import RESCORE
from renown.jobs.workflow import JobContext, Step, Workflow, step
from renown.services import exports
from renown.services.erasure import certificate
from renown.storage.erasure import ErasureRepository
from renown.storage.interactions import MentionEdgeRepository
from renown.storage.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)

# Tables of data derived from a member: topics, scores with their explanations, history, graph signals.
DERIVED_TABLES: list[str] = ["activity_topic", "member_topic", "score", "score_point", "member_signal"]
TokenRevoker = Callable[[UUID], Awaitable[int]]


async def _member_of(uow: SqlUnitOfWork, ctx: JobContext) -> UUID:
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    return request.member_id


def revoke_step(revoke: TokenRevoker | None) -> Step:
    """Revoke the member's network tokens at the providers (RFC 7009) before anything is deleted."""
    @step("revoke_network_tokens")
    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        member_id = await _member_of(uow, ctx)
        return 0 if revoke is None else await revoke(member_id)
    return run


def _delete(name: str, *tables: str) -> Step:
    @step(name)
    async def run(ctx: JobContext, uow: SqlUnitOfWork) -> int:
        member_id = await _member_of(uow, ctx)
        repository = ErasureRepository(uow.connection)
        return sum([await repository.delete_rows(table, member_id) for table in tables])
    return run


@step("delete_derived")
async def delete_derived(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    member_id = await _member_of(uow, ctx)
    repository = ErasureRepository(uow.connection)
    return sum([await repository.delete_rows(table, member_id) for table in DERIVED_TABLES])


@step("delete_exports")
async def delete_exports(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    return await exports.delete_exports(uow, export_store(ctx.env.settings), member_id=await _member_of(uow, ctx))


@step("delete_interaction_hashes")
async def delete_interaction_hashes(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """The keyed hashes of accounts the member's posts interacted with, and other members' hashes of the member's
    own accounts (read from the linked accounts, so before those go)."""
    return await MentionEdgeRepository(uow.connection).delete_for(await _member_of(uow, ctx))


@step("suppress_handles")
async def suppress_handles(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Keep the keyed hashes of the member's handles, so no import or re-sync brings them back."""
    repository = ErasureRepository(uow.connection)
    entries = await repository.handle_indexes(await _member_of(uow, ctx))
    await repository.suppress(entries, at=uow.now())
    return len(entries)


@step("delete_remaining")
async def delete_remaining(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Whatever a feature stored with a `member_id` that no step above named."""
    return sum((await ErasureRepository(uow.connection).delete_remaining(await _member_of(uow, ctx))).values())


@step("recompute_others")
async def recompute_others(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Drop the member's interactions both ways, and rescore the members whose scores counted them."""
    affected = await ErasureRepository(uow.connection).delete_interactions(await _member_of(uow, ctx))
    if affected:
        await uow.jobs.enqueue_once(uuid5(ctx.request_id, RESCORE), RESCORE,
                                    {"reason": "erasure", "members": [str(m) for m in affected]}, at=uow.now())
    return len(affected)


@step("pseudonymize_records")
async def pseudonymize_records(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Reduce the member row to a tombstone and the request records to what accountability needs."""
    member_id = await _member_of(uow, ctx)
    repository = ErasureRepository(uow.connection)
    return await repository.tombstone(member_id, at=uow.now()) + await repository.scrub_requests(member_id)


@step("shred_key")
async def shred_key(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    await uow.vault.shred(uow.connection, await _member_of(uow, ctx), at=uow.now())
    return 1


@step("seal_key_epoch")
async def seal_key_epoch(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Rotate to a new key-encryption key and destroy the old: copies taken before no longer decrypt."""
    try:
        rewrapped = await uow.vault.seal_epoch(uow.connection)
        logger.info("key epoch sealed; %d other data keys re-wrapped", rewrapped)
        return 1
    except KeyUnavailable:
        # A master key from settings cannot rotate; the certificate says backups were not sealed.
        logger.warning("key epoch not sealed: the keyring cannot add a version")
        return 0


@step("certify")
async def certify(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Sign the erasure certificate from the execution log; it names no one."""
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    counts = {record.step: record.rows_affected for record in await uow.jobs.steps(ctx.job.id)}
    notices = await ErasureRepository(uow.connection).notices_of(ctx.request_id)
    body = certificate(request, counts=counts, notices=notices, policies=ctx.env.policies, at=uow.now())
    await uow.privacy.save(replace(request, result={"certificate": ctx.env.tokens.sign_json(body), "summary": body}))
    return 1


@step("scrub_storage")
async def scrub_storage(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """On SQLite, fold the write-ahead log into the (secure-deleted) file, so no old page survives in it."""
    if ctx.env.engine.dialect.name != "sqlite":
        return 0
    async with ctx.env.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return 1


ERASURE_STEPS: list[Step] = [
    delete_derived,  # first: topics of activities would otherwise go by cascade, uncounted
    _delete("delete_activities", "activity"),
    recompute_others,
    notify_recipients("erasure"),
    _delete("delete_perk_claims", "perk_claim", "disclosure"),
    delete_exports,
    _delete("delete_consents", "consent_event"),
    delete_interaction_hashes,
    suppress_handles,
    _delete("delete_linked_accounts", "linked_account"),
    delete_remaining,
    pseudonymize_records,
    shred_key,
    seal_key_epoch,
    certify,
    scrub_storage,
]


def register_erasure_step(extra: Step, *, before: str = "delete_remaining") -> None:
    """Add a step (e.g. a feature's own cleanup) ahead of the named one."""
    names = [s.name for s in ERASURE_STEPS]
    ERASURE_STEPS.insert(names.index(before), extra)


def erasure_workflow(revoke: TokenRevoker | None = None) -> Workflow:
    """The erasure workflow; `revoke` unlinks the member's networks at their providers."""
    return request_workflow(RequestKind.ERASURE, (revoke_step(revoke), *ERASURE_STEPS))
