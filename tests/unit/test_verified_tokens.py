"""Bearer tokens verified recently are not verified again, but never outlive their expiry or the cache's TTL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from renown.app import VerifiedTokens
from renown.domain.errors import InvalidToken
from renown.domain.scopes import Principal, Scope
from renown.services.auth import TokenAuthority
from renown.services.signing import load_or_create_signing_key

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


class CountingAuthority(TokenAuthority):
    verified = 0

    async def verify(self, token: str) -> Principal:
        self.verified += 1
        return await super().verify(token)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def authority(tmp_path: Path, clock: Clock) -> CountingAuthority:
    key = load_or_create_signing_key(tmp_path / "jwt.pem", create=True)
    return CountingAuthority(key, issuer="https://renown.example.org", audience="renown-api", ttl_seconds=3600,
                             leeway_seconds=0, clock=clock.utc)


async def test_a_token_is_verified_once_until_the_cache_ttl(authority: CountingAuthority, clock: Clock) -> None:
    cache = VerifiedTokens(authority, ttl_seconds=60, clock=clock)
    token = authority.mint("ada@example.org", [Scope.MEMBER])
    first = await cache.verify(token)
    clock.now += 59
    assert await cache.verify(token) is first
    assert authority.verified == 1
    clock.now += 1
    again = await cache.verify(token)
    assert (again.subject, again.scopes) == ("ada@example.org", frozenset({Scope.MEMBER}))
    assert authority.verified == 2


async def test_a_cached_token_is_refused_once_it_expires(authority: CountingAuthority, clock: Clock) -> None:
    cache = VerifiedTokens(authority, ttl_seconds=60, clock=clock)
    token = authority.mint("ada@example.org", [Scope.MEMBER], ttl=30)
    await cache.verify(token)
    clock.now += 29
    await cache.verify(token)
    assert authority.verified == 1
    clock.now += 1
    with pytest.raises(InvalidToken):
        await cache.verify(token)
    assert authority.verified == 2
    assert len(cache) == 0


async def test_refused_tokens_are_not_remembered_and_the_cache_is_bounded(
    authority: CountingAuthority, clock: Clock
) -> None:
    cache = VerifiedTokens(authority, size=2, clock=clock)
    token = authority.mint("ada@example.org", [Scope.MEMBER])
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for _ in range(2):
        with pytest.raises(InvalidToken):
            await cache.verify(tampered)
    assert len(cache) == 0
    tokens = [authority.mint(f"member{i}@example.org", [Scope.MEMBER]) for i in range(3)]
    for t in tokens:
        await cache.verify(t)
    assert len(cache) == 2
    before = authority.verified
    await cache.verify(tokens[2])
    assert authority.verified == before
    await cache.verify(tokens[0])  # the oldest went first
    assert authority.verified == before + 1
