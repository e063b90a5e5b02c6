"""The unit of work: one transaction, the repositories that share it, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from renown.domain.policies import Policies
from renown.storage.activities import ActivityRepository
from renown.storage.audit import AuditRepository
from renown.storage.consents import ConsentRepository
from renown.storage.jobs import JobRepository
from renown.storage.members import AccountRepository, MemberRepository
from renown.storage.oauth import OAuthRepository
from renown.storage.perks import PerkRepository
from renown.storage.privacy import PrivacyRequestRepository
from renown.storage.public import PublicRepository
from renown.storage.scores import ScoreRepository
from renown.storage.topics import TopicRepository
from renown.storage.vault import Vault


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlUnitOfWork:
    """`async with uow:` opens a transaction; leaving without `commit()` rolls it back."""

    members: MemberRepository
    accounts: AccountRepository
    activities: ActivityRepository
    oauth: OAuthRepository
    jobs: JobRepository
    audit: AuditRepository
    privacy: PrivacyRequestRepository
    consents: ConsentRepository
    perks: PerkRepository
    public: PublicRepository
    scores: ScoreRepository
    topics: TopicRepository

    def __init__(
        self, engine: AsyncEngine, vault: Vault, *, clock: Callable[[], datetime] = utc_now,
        policies: Policies | None = None,
    ) -> None:
        self.engine = engine
        self.vault = vault
        self.clock = clock
        # The consent gate decides under these; a unit of work without them cannot grant or gate.
        self.policies = policies
        self._conn: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self.engine.connect()
        await self._conn.begin()
        self.members = MemberRepository(self._conn, self.vault)
        self.accounts = AccountRepository(self._conn, self.vault)
        self.activities = ActivityRepository(self._conn, self.vault)
        self.oauth = OAuthRepository(self._conn, self.vault)
        self.jobs = JobRepository(self._conn)
        self.audit = AuditRepository(self._conn)
        self.privacy = PrivacyRequestRepository(self._conn, self.vault)
        self.consents = ConsentRepository(self._conn)
        self.perks = PerkRepository(self._conn, self.vault)
        self.public = PublicRepository(self._conn, self.vault)
        self.scores = ScoreRepository(self._conn)
        self.topics = TopicRepository(self._conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self.connection, None
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        await self.connection.commit()
        await self.connection.begin()

    async def rollback(self) -> None:
        await self.connection.rollback()
        await self.connection.begin()

    def now(self) -> datetime:
        return self.clock()
