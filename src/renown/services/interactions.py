"""The interaction graph among members, from the archives they import.

During an import, `InteractionCollector.add_all` reads whom each new activity answered, mentioned or
reshared (`Activity.interacted_with`, plaintext in memory only) and keeps, per other account, the keyed
blind index its owner's linked account would have, a count and the first time; `flush` adds the archive's
likes and follows (`ParsedArchive.reactions`), stores it all in the import's own transaction (a failed import
stores none) and turns what names members into `interaction` rows. Edges naming someone who joins later
become interactions when they link that account.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from renown.domain.activity import Activity, ParsedArchive
from renown.storage.interactions import Edge, MentionEdgeRepository
from renown.storage.uow import SqlUnitOfWork
from renown.storage.vault import Vault


class InteractionCollector:
    """Per import: the member's interactions with other accounts on the archive's network, as keyed hashes."""

    def __init__(self, vault: Vault, *, member_id: UUID, archive: ParsedArchive) -> None:
        self._vault = vault
        self._member_id = member_id
        self._archive = archive
        self._purpose = f"handle/{archive.account.network.value}"
        self._indexes: dict[str, bytes | None] = {archive.account.handle: None}  # handle -> index; never oneself
        self._counts: dict[bytes, tuple[int, datetime]] = {}
        self._reactions: dict[bytes, tuple[int, datetime | None]] = {}

    @classmethod
    def of(cls, uow: SqlUnitOfWork, *, member_id: UUID, archive: ParsedArchive) -> InteractionCollector:
        return cls(uow.vault, member_id=member_id, archive=archive)

    def _index(self, handle: str) -> bytes | None:
        if handle in self._indexes:
            return self._indexes[handle]
        index = self._indexes[handle] = self._vault.blind_index(self._purpose, handle)
        return index

    def add(self, activity: Activity) -> None:
        """Count a newly imported activity's interactions (an activity counts once per account)."""
        for handle in activity.interacted_with:
            if (index := self._index(handle)) is None:
                continue
            known = self._counts.get(index)
            at = activity.published_at
            self._counts[index] = (1, at) if known is None else (known[0] + 1, min(known[1], at))

    def add_all(self, activities: Iterable[Activity]) -> None:
        for activity in activities:
            self.add(activity)

    def _read_reactions(self) -> None:
        for handle, at in self._archive.reactions:
            if (index := self._index(handle)) is None:
                continue
            count, first = self._reactions.get(index, (0, None))
            self._reactions[index] = (count + 1, at if first is None or (at is not None and at < first) else first)

    async def flush(self, uow: SqlUnitOfWork) -> int:
        """Store the edges (adding to earlier imports') and set the member's interactions with the members they
        name (those from members who named this member's account are set when it is linked). Returns how many
        accounts were stored."""
        self._read_reactions()
        now = uow.now()
        edges: dict[bytes, Edge] = {}
        for index in self._counts.keys() | self._reactions.keys():
            count, counted_at = self._counts.get(index, (0, None))
            reactions, reacted_at = self._reactions.get(index, (0, None))
            times = [t for t in (counted_at, reacted_at) if t is not None]
            edges[index] = Edge(count, reactions, min(times) if times else now)
        repository = MentionEdgeRepository(uow.connection)
        stored = await repository.add(self._member_id, self._archive.account.network.value, edges)
        if stored:
            await repository.resolve(source=self._member_id)
        self._counts.clear()
        self._reactions.clear()
        return stored
