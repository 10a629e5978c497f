"""Rate and connection limits: pure bookkeeping with an injected clock (no asyncio, no I/O).

- :class:`TokenBucket`: copilot messages per user (20 per minute, burst 5: the seed backend's
  numbers). ``take`` answers ``None`` (allowed) or the seconds until a message is allowed again,
  which the server sends as ``retryAfter``.
- :class:`FloodGuard`: a client that keeps hitting the limit is closed with 4429.
- :class:`ConnectionLimiter`: at most N simultaneous connections per user (HTTP 429 for the next).
- :class:`Breaker`: when the shared limits (Redis) last failed and when to try them again; in
  between, the limits above apply in this process alone (fail open, see :mod:`.redis_limits`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConfigurationError

__all__ = ["Breaker", "Clock", "ConnectionLimiter", "FloodGuard", "TokenBucket"]

Clock = Callable[[], float]
"""Seconds on a monotonic scale (``time.monotonic`` in production, a fake in tests)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class TokenBucket:
    """A token bucket per key: ``burst`` tokens at most, refilled at ``per_minute`` per minute.

    Buckets that have refilled completely are forgotten (a full bucket and no bucket behave the
    same), so the memory used follows the number of recently active keys.
    """

    _PRUNE_EVERY = 1024

    def __init__(
        self, *, per_minute: float = 20, burst: int = 5, clock: Clock = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ConfigurationError("a rate limit needs per_minute > 0 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._takes = 0

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.updated_at)
        return min(float(self.burst), bucket.tokens + elapsed * self._rate)

    def take(self, key: str) -> float | None:
        """Spend one token of ``key``: ``None`` if allowed, else seconds until one is available
        (nothing is spent when refused)."""
        now = self._clock()
        self._takes += 1
        if self._takes % self._PRUNE_EVERY == 0:
            self.prune()
        bucket = self._buckets.get(key)
        tokens = float(self.burst) if bucket is None else self._refilled(bucket, now)
        # The epsilon makes "retry after exactly retryAfter seconds" succeed despite rounding.
        if tokens >= 1.0 - 1e-9:
            self._buckets[key] = _Bucket(max(0.0, tokens - 1.0), now)
            return None
        if bucket is not None:
            bucket.tokens, bucket.updated_at = tokens, now
        return (1.0 - tokens) / self._rate

    def available(self, key: str) -> float:
        """Tokens ``key`` has right now (fractional)."""
        bucket = self._buckets.get(key)
        return float(self.burst) if bucket is None else self._refilled(bucket, self._clock())

    def prune(self) -> None:
        """Forget buckets that are full again."""
        now = self._clock()
        full = [key for key, b in self._buckets.items() if self._refilled(b, now) >= self.burst]
        for key in full:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class FloodGuard:
    """Counts refusals (strikes) per key; ``strikes`` within ``window`` seconds means: close it.

    The server strikes a connection each time it is rate limited; an honest client backs off
    after ``retryAfter`` and never gets near the threshold. Keys without a strike inside the
    window are forgotten as strikes come in, so the memory used follows the recently
    rate-limited users, not every user ever limited.
    """

    _PRUNE_EVERY = 1024

    def __init__(
        self, *, strikes: int = 10, window: float = 60.0, clock: Clock = time.monotonic
    ) -> None:
        if strikes < 1 or window <= 0:
            raise ConfigurationError("a flood guard needs strikes >= 1 and window > 0")
        self.strikes = strikes
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._strikes = 0

    def strike(self, key: str) -> bool:
        """Record one strike for ``key``; ``True`` when it has reached the threshold."""
        now = self._clock()
        self._strikes += 1
        if self._strikes % self._PRUNE_EVERY == 0:
            self.prune()
        hits = self._hits.setdefault(key, deque())
        hits.append(now)
        horizon = now - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return len(hits) >= self.strikes

    def count(self, key: str) -> int:
        """Strikes of ``key`` inside the window."""
        hits = self._hits.get(key)
        if not hits:
            return 0
        horizon = self._clock() - self.window
        return sum(1 for hit in hits if hit > horizon)

    def forget(self, key: str) -> None:
        """Drop ``key`` (its connection is gone)."""
        self._hits.pop(key, None)

    def prune(self) -> None:
        """Forget keys whose strikes have all left the window."""
        horizon = self._clock() - self.window
        stale = [key for key, hits in self._hits.items() if not hits or hits[-1] <= horizon]
        for key in stale:
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)


class ConnectionLimiter:
    """At most ``per_user`` simultaneous connections per user.

    ``retry_after`` is the ``Retry-After`` (seconds) the driver sends with the HTTP 429.
    """

    def __init__(self, *, per_user: int = 10, retry_after: float = 5.0) -> None:
        if per_user < 1:
            raise ConfigurationError("per_user must be at least 1")
        self.per_user = per_user
        self.retry_after = retry_after
        self._counts: dict[str, int] = {}

    def acquire(self, user_id: str) -> bool:
        """Count one more connection of ``user_id``; ``False`` (nothing counted) when full."""
        current = self._counts.get(user_id, 0)
        if current >= self.per_user:
            return False
        self._counts[user_id] = current + 1
        return True

    def release(self, user_id: str) -> None:
        """One connection of ``user_id`` ended (extra releases are ignored)."""
        current = self._counts.get(user_id, 0)
        if current <= 1:
            self._counts.pop(user_id, None)
        else:
            self._counts[user_id] = current - 1

    def count(self, user_id: str) -> int:
        """Open connections of ``user_id``."""
        return self._counts.get(user_id, 0)

    def total(self) -> int:
        """Open connections of every user."""
        return sum(self._counts.values())


class Breaker:
    """Whether to try a shared store now: after a failure it is skipped for ``delay`` seconds,
    doubling with each failure up to ``max_delay``; a success closes it again.

    A Redis that does not answer would otherwise cost every message its timeout; skipped, the
    caller uses its local limits at once.
    """

    def __init__(
        self, *, delay: float = 0.5, max_delay: float = 5.0, clock: Clock = time.monotonic
    ) -> None:
        if delay <= 0 or max_delay < delay:
            raise ConfigurationError("a breaker needs 0 < delay <= max_delay")
        self._delay = delay
        self._max_delay = max_delay
        self._clock = clock
        self._next_delay = delay
        self._open_until: float | None = None

    @property
    def closed(self) -> bool:
        """True while the store is believed to work (no failure since the last success)."""
        return self._open_until is None

    def allows(self) -> bool:
        """Whether to try the store now (closed, or its wait after a failure is over)."""
        return self._open_until is None or self._clock() >= self._open_until

    def failed(self) -> None:
        self._open_until = self._clock() + self._next_delay
        self._next_delay = min(self._next_delay * 2, self._max_delay)

    def succeeded(self) -> None:
        self._open_until = None
        self._next_delay = self._delay
