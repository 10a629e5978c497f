"""Per-user limits shared by every server process, in Redis: the message rates and the
connection cap hold for a user whichever processes their connections reach.

Keys (``prefix`` = ``omnitrack:limits`` by default):

- ``<prefix>:rate:<name>:<user id>``: a GCRA bucket (the "theoretical arrival time" of the
  next request, in microseconds of Redis's clock), expiring when the bucket is full again.
  GCRA is a token bucket kept as one number: ``burst`` requests at once, then one every
  ``60 / per_minute`` seconds, exactly like :class:`~.limits.TokenBucket`;
- ``<prefix>:conns:<user id>``: a sorted set of the user's connections (``<process>:<n>``),
  each scored by when it expires. Every process renews its own every ``ttl / 3`` seconds; the
  connections of a process that crashed are not renewed, expire after ``ttl`` and are cleaned
  out by the next registration (in the same script).

Each check is one script run (one round trip, atomic, on Redis's clock so the processes'
clocks do not matter): ``register_script`` sends ``EVALSHA`` and, only when Redis does not
know the script (restarted, flushed), loads it and runs it again.

Failure (fail open): while Redis cannot be reached, each process applies the limits alone,
as it does without Redis (so a user may get up to N times the rate over N processes, for the
outage), and chat keeps working. A :class:`~.limits.Breaker` skips Redis for a moment after a
failure, so an unanswering Redis does not cost every message its timeout. Connections admitted
meanwhile are registered by the next renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigurationError
from .backplane import redact_redis_url
from .limits import Breaker, TokenBucket
from .metrics import Metrics

__all__ = ["RedisLimits", "retry_after_header"]

logger = logging.getLogger(__name__)

# KEYS: the bucket. ARGV: emission interval (µs), burst.
# Returns -1 when allowed, else the microseconds until a request would be.
_TAKE = """
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - tonumber(ARGV[2]) * interval
if allowed_at > now then
  return math.ceil(allowed_at - now)
end
local ttl_ms = math.max(math.ceil((next_tat - now) / 1000), 1)
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', string.format('%d', ttl_ms))
return -1
"""

# KEYS: the user's connections. ARGV: connection id, cap, ttl (µs).
# Returns -1 when registered, else the microseconds until the oldest registration expires
# (if its process does not renew it).
_REGISTER = """
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return math.max(math.ceil(tonumber(oldest[2]) - now), 1)
  end
end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], string.format('%d', now + ttl), ARGV[1])
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(ttl / 1000)))
return -1
"""

# KEYS: the user's connections. ARGV: ttl (µs), then this process's connection ids of the user.
# A live connection is counted even when the set is over the cap (it was admitted while Redis
# was away, or the set was flushed): the cap refuses new connections, never closes one.
_RENEW = """
local t = redis.call('TIME')
local ttl = tonumber(ARGV[1])
local expiry = string.format('%d', t[1] * 1000000 + t[2] + ttl)
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], expiry, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(ttl / 1000)))
return #ARGV - 1
"""

_MICRO = 1_000_000


class RedisLimits:
    """The rate limits and the connection cap of every process, in Redis (see the module
    docstring); each method falls back to the local limit when Redis fails (fail open).

    ``round_trips`` counts the commands sent (a script run is one), for the bench.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "omnitrack:limits",
        connection_ttl: float = 30.0,
        timeout: float = 1.0,
        metrics: Metrics | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        if connection_ttl <= 0:
            raise ConfigurationError("connection_ttl must be positive")
        self.url = url
        self.prefix = prefix
        self.connection_ttl = connection_ttl
        self._timeout = timeout
        self._metrics = metrics
        self._breaker = breaker if breaker is not None else Breaker()
        self._redis = aioredis.Redis.from_url(
            url,
            client_name="omnitrack-limits",
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=timeout,
        )
        self._take = self._redis.register_script(_TAKE)
        self._register = self._redis.register_script(_REGISTER)
        self._renew = self._redis.register_script(_RENEW)
        self._renewer: asyncio.Task[None] | None = None
        self._releases: set[asyncio.Task[None]] = set()
        self._closed = False
        self.round_trips = 0
        self._set_gauge()

    # ------------------------------------------------------------------ state

    @property
    def shared(self) -> bool:
        """Whether the limits are shared now (False: each process applies its own)."""
        return self._breaker.closed and not self._closed

    def _set_gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.set("limits_shared", 1 if self.shared else 0)

    async def _run(self, call: Callable[[], Any]) -> Any:
        """One bounded Redis call; ``None`` when it failed (the caller falls back)."""
        import redis

        if self._closed or not self._breaker.allows():
            return None
        was_shared = self._breaker.closed
        try:
            async with asyncio.timeout(self._timeout):
                self.round_trips += 1
                reply = await call()
        except (redis.RedisError, OSError, TimeoutError) as exc:
            if was_shared:
                logger.warning(
                    "shared limits unavailable: Redis at %s failed (%s); each process applies "
                    "its own limits until it is back",
                    redact_redis_url(self.url),
                    _cause(exc),
                )
            self._breaker.failed()
            self._set_gauge()
            # Pooled connections are dead after an outage; the next call opens new ones.
            with contextlib.suppress(Exception):
                await self._redis.connection_pool.disconnect()
            return None
        if not was_shared:
            logger.info("shared limits back (Redis at %s)", redact_redis_url(self.url))
        self._breaker.succeeded()
        self._set_gauge()
        return reply

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # ------------------------------------------------------------------ rates

    async def take(self, name: str, user_id: str, local: TokenBucket) -> float | None:
        """Spend one request of ``user_id``'s ``name`` budget (``local``'s rate and burst):
        ``None`` if allowed, else the seconds until one is. ``local`` decides while Redis
        cannot (and counts nothing while Redis decides)."""
        # At least 1 µs: the clock's resolution (a faster rate is no limit at all).
        interval = max(60.0 * _MICRO / local.per_minute, 1.0)
        key = self._key("rate", name, user_id)
        reply = await self._run(lambda: self._take(keys=[key], args=[interval, local.burst]))
        if reply is None:
            return local.take(user_id)
        wait = int(reply)
        return None if wait < 0 else wait / _MICRO

    # ------------------------------------------------------------------ connections

    async def register(self, user_id: str, connection_id: str, cap: int) -> float | None:
        """Count ``connection_id`` among ``user_id``'s connections: ``None`` when admitted
        (or Redis cannot tell: the local cap was checked), else the seconds until the oldest
        registration expires unless it is renewed."""
        key = self._key("conns", user_id)
        ttl = self.connection_ttl * _MICRO
        reply = await self._run(lambda: self._register(keys=[key], args=[connection_id, cap, ttl]))
        if reply is None or int(reply) < 0:
            return None
        return int(reply) / _MICRO

    def release(self, user_id: str, connection_id: str) -> None:
        """Forget ``connection_id`` (in the background; if Redis is away it expires)."""
        if self._closed:
            return
        key = self._key("conns", user_id)
        task = asyncio.get_running_loop().create_task(
            self._run(lambda: self._redis.zrem(key, connection_id)), name="limits-release"
        )
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def wait_released(self) -> None:
        """Until the releases under way are done (tests, shutdown)."""
        if self._releases:
            await asyncio.wait(list(self._releases))

    async def renew(self, connections: Mapping[str, str]) -> bool:
        """Renew (or register again) this process's ``connections`` (id -> user): one script
        run per user, pipelined; True when Redis took them."""
        by_user: dict[str, list[str]] = {}
        for connection_id, user_id in connections.items():
            by_user.setdefault(user_id, []).append(connection_id)
        if not by_user:
            return True
        ttl = self.connection_ttl * _MICRO

        async def send() -> Any:
            pipe = self._redis.pipeline(transaction=False)
            for user_id, ids in by_user.items():
                await self._renew(keys=[self._key("conns", user_id)], args=[ttl, *ids], client=pipe)
            return await pipe.execute()

        return await self._run(send) is not None

    def start(self, connections: Callable[[], Mapping[str, str]]) -> None:
        """Renew ``connections()`` every third of the ttl until :meth:`close`."""
        if self._renewer is None:
            self._renewer = asyncio.get_running_loop().create_task(
                self._keep(connections), name="limits-renewal"
            )

    async def _keep(self, connections: Callable[[], Mapping[str, str]]) -> None:
        while True:
            await asyncio.sleep(self.connection_ttl / 3)
            try:
                await self.renew(connections())
            except Exception:  # a bug must not end the renewals (they would stop counting)
                logger.exception("could not renew this process's connections")

    async def close(self, *, forget: Mapping[str, str] | None = None) -> None:
        """Stop renewing, finish the releases under way, unregister ``forget`` (connection id
        -> user: those still open as this process ends); idempotent."""
        if self._closed:
            return
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        if self._releases:
            await asyncio.wait(list(self._releases), timeout=self._timeout)
        if forget:

            async def unregister() -> Any:
                pipe = self._redis.pipeline(transaction=False)
                for connection_id, user_id in forget.items():
                    pipe.zrem(self._key("conns", user_id), connection_id)
                return await pipe.execute()

            await self._run(unregister)
        self._closed = True
        self._set_gauge()
        with contextlib.suppress(Exception):
            await self._redis.aclose()


def _cause(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer"
    return str(exc).strip().rstrip(".") or type(exc).__name__


def retry_after_header(wait: float | None, configured: float) -> int:
    """The ``Retry-After`` of a refused connection: when the oldest registration would expire
    (a crashed process's connection), never later than ``configured``, at least 1 s."""
    seconds = configured if wait is None else min(wait, configured)
    return max(1, math.ceil(seconds))
