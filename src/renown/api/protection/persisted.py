"""Automatic persisted queries (Apollo's APQ protocol, `extensions.persistedQuery`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Protocol

from strawberry.extensions import SchemaExtension

from renown.api.protection.errors import BadUserInput, PersistedQueryHashMismatch, PersistedQueryNotFound
from renown.lru import Lru

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryStore(Protocol):
    """Where query texts are kept by their sha256."""

    async def get(self, sha256_hash: str) -> str | None: ...

    async def put(self, sha256_hash: str, query: str) -> None: ...


class InMemoryPersistedQueries:
    """A bounded LRU of query texts; each replica fills its own (clients retry with the text)."""

    def __init__(self, maxsize: int = 1024) -> None:
        self._queries: Lru[str, str] = Lru(maxsize)

    def __len__(self) -> int:
        return len(self._queries)

    async def get(self, sha256_hash: str) -> str | None:
        """The query text stored under this hash, if any."""
        return self._queries.get(sha256_hash)

    async def put(self, sha256_hash: str, query: str) -> None:
        """Keep a query text, dropping the least recently used beyond `maxsize`."""
        self._queries.put(sha256_hash, query)


class AutomaticPersistedQueries(SchemaExtension):
    """Fill a missing `query` from the store, verify hashes, and store queries that validated."""

    def __init__(self, store: PersistedQueryStore) -> None:
        self.store = store
        self._to_store: tuple[str, str] | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context
        persisted = (context.operation_extensions or {}).get("persistedQuery")
        if persisted is not None:
            sha256_hash = _requested_hash(persisted)
            if context.query is None:
                stored = await self.store.get(sha256_hash)
                if stored is None:
                    raise PersistedQueryNotFound
                context.query = stored
            elif hashlib.sha256(context.query.encode()).hexdigest() != sha256_hash:
                raise PersistedQueryHashMismatch
            else:
                self._to_store = (sha256_hash, context.query)
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        yield
        # Only documents that validated are kept: invalid ones would only churn the LRU.
        if self._to_store is not None and not self.execution_context.pre_execution_errors:
            await self.store.put(*self._to_store)


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise BadUserInput("`extensions.persistedQuery` must be {version: 1, sha256Hash}.")
    sha256_hash = persisted.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not SHA256_HEX.fullmatch(sha256_hash):
        raise BadUserInput("`persistedQuery.sha256Hash` must be 64 lowercase hex digits.")
    return sha256_hash
