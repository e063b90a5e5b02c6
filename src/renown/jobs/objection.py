"""The objection workflow (Art. 21): scoring stops and the score is withdrawn from every view.

Scoring rests on the member's consent, so the objection is recorded as its withdrawal, per network,
with a signed receipt; the consent ledger then queues the purge of what no consent covers any more.
"""

from __future__ import annotations

from renown.domain.consent import ConsentMethod
from renown.domain.policies import ConsentPurpose
from renown.domain.privacy import RequestKind
from renown.jobs.requests import request_workflow
from renown.jobs.workflow import JobContext, Workflow, step
from renown.services import consent
from renown.storage.erasure import ErasureRepository
from renown.storage.uow import SqlUnitOfWork

SCORE_TABLES = ("score", "score_point", "member_signal")


@step("withdraw_scoring_consents")
async def withdraw_scoring_consents(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Withdraw every active scoring consent (each withdrawal commits: a rerun finds it done)."""
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    withdrawn = 0
    for current in await consent.current_consents(uow, member_id=request.member_id):
        if current.purpose is ConsentPurpose.SCORING and current.is_active:
            await consent.withdraw_consent(uow, signer=ctx.env.tokens, member_id=request.member_id,
                                           purpose=ConsentPurpose.SCORING, network=current.network,
                                           method=ConsentMethod.SYSTEM)
            withdrawn += 1
    return withdrawn


@step("withdraw_score")
async def withdraw_score(ctx: JobContext, uow: SqlUnitOfWork) -> int:
    """Delete the member's scores, history and graph signals, so no view can show a score."""
    request = await uow.privacy.get(ctx.request_id)
    assert request is not None
    repository = ErasureRepository(uow.connection)
    return sum([await repository.delete_rows(table, request.member_id) for table in SCORE_TABLES])


OBJECTION_WORKFLOW: Workflow = request_workflow(RequestKind.OBJECTION, (withdraw_scoring_consents, withdraw_score))
