"""The use cases the API and CLI call, bound to one engine, vault and set of parsers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from renown.domain.activity import ActivityPage, ImportSummary, LinkedAccount, Network, ParsedArchive
from renown.domain.consent import Consent, ConsentMethod
from renown.domain.errors import ArchiveError, NotFound
from renown.domain.import_jobs import ImportJobState
from renown.domain.member import AgeBracket, Member
from renown.domain.policies import ConsentPurpose, Policies
from renown.services import consent, import_jobs, imports, members
from renown.services.consent_gate import ConsentGate
from renown.services.linking import AccountLinking
from renown.services.perks import MemberTopics, Perks, no_member_topics
from renown.services.privacy_requests import PrivacyRequests
from renown.services.scoring_views import ScoringViews
from renown.storage.uow import SqlUnitOfWork

Parser = Callable[[Path, Any], ParsedArchive]


@dataclass
class Services:
    """Entry points for one request or command; each opens its own unit of work."""

    uow_factory: Callable[[], SqlUnitOfWork]
    parsers: Mapping[Network, Parser]
    archive_limits: Any
    spool_dir: Path
    policies: Policies
    signer: consent.Signer  # signs consent receipts (the token authority's key, published in the JWKS)
    linking: AccountLinking | None = None  # live OAuth links; None where no redirect URI is configured
    member_topics: MemberTopics = no_member_topics  # the topics engine's hook: a member's topics, for perks
    import_job_threshold: int | None = None  # uploads larger than this (bytes) import as a job; None: never
    privacy: PrivacyRequests | None = None  # privacy requests (export, erasure, ...); the runtime wires them

    @property
    def perks(self) -> Perks:
        return Perks(self.uow_factory, topics=self.member_topics)

    @property
    def scoring(self) -> ScoringViews:
        return ScoringViews(self.uow_factory)

    async def register(self, *, subject: str, display_name: str | None, age_bracket: AgeBracket) -> Member:
        async with self.uow_factory() as uow:
            return await members.register_member(
                uow, subject=subject, display_name=display_name, age_bracket=age_bracket)

    async def find_member(self, *, subject: str) -> Member | None:
        async with self.uow_factory() as uow:
            member = await uow.members.by_subject(subject)
            return None if member is None or member.is_erased else member

    async def accounts(self, member_id: UUID) -> list[LinkedAccount]:
        async with self.uow_factory() as uow:
            return await uow.accounts.for_member(member_id)

    async def accounts_of(self, member_ids: list[UUID]) -> dict[UUID, list[LinkedAccount]]:
        """Several members' linked accounts in one query (the API's DataLoader batches through this)."""
        async with self.uow_factory() as uow:
            return await uow.accounts.for_members(member_ids)

    async def activities(
        self, member_id: UUID, *, first: int, after: tuple[Any, UUID] | None, network: Network | None
    ) -> ActivityPage:
        async with self.uow_factory() as uow:
            return await uow.activities.page(member_id, first=first, after=after, network=network)

    def parse(self, network: Network, path: Path) -> ParsedArchive:
        parser = self.parsers.get(network)
        if parser is None:
            raise ArchiveError(f"archives of {network.value} are not supported yet")
        return parser(path, self.archive_limits)

    async def import_upload(
        self, *, subject: str, network: Network, read: Callable[[int], Awaitable[bytes]]
    ) -> ImportSummary | import_jobs.QueuedImport:
        """Spool an uploaded archive to a private file, import it (or queue it past the threshold), remove the file."""
        member = await self.find_member(subject=subject)
        if member is None:
            raise NotFound("register before importing")
        path = await imports.spool_upload(read, folder=self.spool_dir, max_bytes=self.archive_limits.max_archive_bytes)
        try:
            if self.import_job_threshold is not None and path.stat().st_size > self.import_job_threshold:
                return await import_jobs.queue_import(self.uow_factory, member_id=member.id, network=network,
                                                      archive=path, folder=self.spool_dir)
            return await self.import_file(member_id=member.id, network=network, path=path)
        finally:
            path.unlink(missing_ok=True)

    async def import_job(self, *, subject: str, job_id: UUID) -> ImportJobState:
        """The progress or outcome of one of the caller's queued imports."""
        member = await self.find_member(subject=subject)
        if member is None:
            raise NotFound("no such import job")
        board = import_jobs.ProgressBoard(self.uow_factory, self.spool_dir)
        async with self.uow_factory() as uow:
            return await import_jobs.import_job_state(uow, member_id=member.id, job_id=job_id, board=board)

    async def import_file(
        self, *, member_id: UUID, network: Network, path: Path, progress: Callable[[int], None] | None = None
    ) -> ImportSummary:
        """Parse and import one archive file in a single transaction."""
        async with self.uow_factory() as uow:  # refuse before reading the archive at all
            await ConsentGate.of(uow).require_ingestion(uow, member_id=member_id, network=network)
        archive = self.parse(network, path)
        async with self.uow_factory() as uow:
            return await imports.import_archive(
                uow, member_id=member_id, network=network, archive=archive, progress=progress)

    async def grant_consent(
        self, *, member_id: UUID, purpose: ConsentPurpose, network: Network | None, language: str | None = None,
        method: ConsentMethod = ConsentMethod.API,
    ) -> consent.ConsentRecorded:
        """Record a consent and return it with its signed receipt."""
        async with self.uow_factory() as uow:
            return await consent.grant_consent(uow, signer=self.signer, member_id=member_id, purpose=purpose,
                                               network=network, language=language, method=method)

    async def withdraw_consent(
        self, *, member_id: UUID, purpose: ConsentPurpose, network: Network | None, language: str | None = None,
        method: ConsentMethod = ConsentMethod.API,
    ) -> consent.ConsentRecorded:
        """Withdraw a consent (the same input as granting) and return it with its signed receipt."""
        async with self.uow_factory() as uow:
            return await consent.withdraw_consent(uow, signer=self.signer, member_id=member_id, purpose=purpose,
                                                  network=network, language=language, method=method)

    async def consents(self, member_id: UUID) -> list[Consent]:
        async with self.uow_factory() as uow:
            return await consent.current_consents(uow, member_id=member_id)

    async def consent_receipts(self, member_id: UUID) -> list[str]:
        async with self.uow_factory() as uow:
            return await uow.consents.receipts(member_id)

    async def apply_gpc(self, *, subject: str) -> bool | None:
        """Honour `Sec-GPC: 1`: True if an opt-out was recorded, False if none was due, None if not a member."""
        member = await self.find_member(subject=subject)
        if member is None:
            return None
        async with self.uow_factory() as uow:
            return await consent.apply_gpc(uow, signer=self.signer, member_id=member.id)
