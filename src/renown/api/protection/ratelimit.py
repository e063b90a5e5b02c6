"""Per-client token buckets of query-cost points, in process or shared through Redis."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from renown.lru import Lru

ANONYMOUS = "anonymous"


@runtime_checkable
class ClientIdentified(Protocol):
    """What the request context must offer: a stable id of the caller to charge.

    Use the authenticated subject (e.g. `user:<id>` or an OAuth client id) and, for anonymous
    callers, something like `ip:<address>`. Backends store only a keyed hash of it.
    """

    @property
    def client_id(self) -> str: ...


def client_id_of(context: object) -> str:
    """The caller to charge for a request context (`ClientIdentified`, or a mapping with `client_id`)."""
    client_id: object = None
    # The attribute itself, not `isinstance(context, ClientIdentified)`: a runtime-checkable
    # protocol check walks the protocol's members on every call, and this runs on every request.
    if isinstance(context, Mapping):
        client_id = context.get("client_id")
    else:
        client_id = getattr(context, "client_id", None)
    if not isinstance(client_id, str) or not client_id:
        return ANONYMOUS
    return client_id


def bucket_key(client_id: str, secret: bytes) -> str:
    """A keyed hash of the client id, so bucket keys cannot be reversed into users or addresses."""
    return hmac.new(secret, client_id.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class BucketState:
    allowed: bool
    available: float


class RateLimiterUnavailable(RuntimeError):
    """The shared bucket store could not be reached."""


class TokenBuckets(Protocol):
    """A store of token buckets, one per client: `take` is atomic, `cost=0` only reads."""

    @property
    def capacity(self) -> int: ...

    @property
    def restore_rate(self) -> float: ...

    async def take(self, client_id: str, cost: int) -> BucketState: ...


class InProcessTokenBuckets:
    """Buckets in this process's memory: right for one replica, or for tests."""

    def __init__(
        self,
        *,
        capacity: int = 20_000,
        restore_rate: float = 100.0,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._restore_rate = restore_rate
        self._clock = clock
        self._secret = os.urandom(32)
        # LRU: forgetting a bucket only refills it, so bounding memory costs little.
        self._buckets: Lru[str, tuple[float, float]] = Lru(max_clients)

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def restore_rate(self) -> float:
        return self._restore_rate

    async def take(self, client_id: str, cost: int) -> BucketState:
        """Take `cost` points from the client's bucket if it holds enough."""
        key = bucket_key(client_id, self._secret)
        now = self._clock()
        tokens, updated = self._buckets.get(key) or (float(self._capacity), now)
        tokens = min(float(self._capacity), tokens + max(0.0, now - updated) * self._restore_rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets.put(key, (tokens, now))
        return BucketState(allowed=allowed, available=tokens)


# Uses the Redis server's clock, so every replica refills a bucket at the same pace.
TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisTokenBuckets:
    """Buckets in Redis, shared by every replica; one atomic Lua script per request."""

    def __init__(
        self,
        url: str,
        *,
        capacity: int = 20_000,
        restore_rate: float = 100.0,
        prefix: str = "renown:cost:",
        key_secret: bytes = b"",
        timeout_seconds: float = 0.5,
    ) -> None:
        # Every replica must share `key_secret`; set one so Redis holds no guessable hashes.
        self._secret = key_secret
        self._capacity = capacity
        self._restore_rate = restore_rate
        self._prefix = prefix
        # No retries and short timeouts: a slow Redis must not stall every request.
        self._client = redis.asyncio.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self._take = self._client.register_script(TAKE_SCRIPT)

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def restore_rate(self) -> float:
        return self._restore_rate

    async def take(self, client_id: str, cost: int) -> BucketState:
        """Take `cost` points from the client's bucket if it holds enough."""
        key = self._prefix + bucket_key(client_id, self._secret)
        try:
            allowed, tokens = await self._take(keys=[key], args=[self._capacity, self._restore_rate, cost])
        except (RedisError, OSError) as exc:
            raise RateLimiterUnavailable("the rate-limit store is unreachable") from exc
        return BucketState(allowed=bool(allowed), available=float(tokens))

    async def aclose(self) -> None:
        """Close the connection pool (call at shutdown)."""
        await self._client.aclose()


def select_token_buckets(
    redis_url: str | None,
    *,
    capacity: int = 20_000,
    restore_rate: float = 100.0,
    prefix: str = "renown:cost:",
    key_secret: bytes = b"",
) -> InProcessTokenBuckets | RedisTokenBuckets:
    """Redis buckets when a URL is given (several replicas), in-process buckets otherwise."""
    if redis_url:
        return RedisTokenBuckets(
            redis_url, capacity=capacity, restore_rate=restore_rate, prefix=prefix, key_secret=key_secret
        )
    return InProcessTokenBuckets(capacity=capacity, restore_rate=restore_rate)
