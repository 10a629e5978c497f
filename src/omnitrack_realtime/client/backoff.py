"""Reconnection timing, pure: the retry policy and the bookkeeping that applies it.

No asyncio and no clock of its own: the connection driver passes monotonic times in and sleeps
for the delays it gets out, so every schedule here is testable synchronously and exactly
(inject ``random`` to pin the jitter).

The default policy is the seed's: an immediate first attempt (not a retry), then retries after
1, 2, 4, 8, 16 seconds, capped at 30, each times a random factor in ``[0.9, 1.1]``.

:class:`Endpoints` says where the next attempt goes when a client has several urls (servers
behind no load balancer, or several balancers): each retry goes to the next one, in turn, on
the same schedule.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import ConfigurationError

__all__ = ["Backoff", "Endpoints", "ReconnectPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectPolicy:
    """How a client retries a lost or failed connection.

    ``max_attempts`` counts the retries after the initial attempt (``None``: retry forever).
    The delay before retry ``k`` (0-based) is ``initial_delay * multiplier**k`` capped at
    ``max_delay``, times a factor drawn uniformly from ``[1 - jitter, 1 + jitter]``.
    The retry counter resets only once a connection has stayed open ``stable_after`` seconds,
    so a server that accepts and immediately closes cannot cause a reconnect storm.
    """

    max_attempts: int | None = 5
    initial_delay: float = 1.0
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.1
    stable_after: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 0
        ):
            raise ConfigurationError(
                f"max_attempts must be None or an integer >= 0, not {self.max_attempts!r}"
            )
        for name in ("initial_delay", "max_delay", "stable_after"):
            _check_number(name, getattr(self, name), low=0.0)
        _check_number("multiplier", self.multiplier, low=1.0)
        _check_number("jitter", self.jitter, low=0.0, high=1.0)
        if self.max_delay < self.initial_delay:
            raise ConfigurationError(
                f"max_delay ({self.max_delay}) must not be below initial_delay "
                f"({self.initial_delay})"
            )

    def delay(self, retry: int, random: Callable[[], float] = _random.random) -> float:
        """Delay in seconds before retry number ``retry`` (0-based).

        ``random`` returns a float in ``[0, 1)`` (the default is :func:`random.random`); with
        ``jitter=0`` it is not called and the schedule is exact: 1, 2, 4, 8, 16 by default.
        """
        if retry < 0:
            raise ValueError(f"retry must be >= 0, not {retry}")
        try:
            base = min(self.initial_delay * self.multiplier**retry, self.max_delay)
        except OverflowError:  # a very long "retry forever" run: the cap applies
            base = self.max_delay
        if self.jitter == 0.0:
            return base
        factor = 1.0 + self.jitter * (2.0 * random() - 1.0)
        return base * factor


def _check_number(name: str, value: object, *, low: float, high: float | None = None) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigurationError(f"{name} must be a finite number {bounds}, not {value!r}")


class Backoff:
    """Pure retry bookkeeping: counts retries, hands out delays, knows when to give up.

    The driver's loop is: attempt; on failure ``next_delay()`` (``None``: give up, else sleep
    that long and attempt again); on success ``opened(now)``; when that connection ends
    ``closed(now)``, which resets the counter only if it stayed open ``stable_after`` seconds.
    """

    __slots__ = ("_opened_at", "_policy", "_random", "_retries")

    def __init__(
        self, policy: ReconnectPolicy, *, random: Callable[[], float] = _random.random
    ) -> None:
        self._policy = policy
        self._random = random
        self._retries = 0
        self._opened_at: float | None = None

    @property
    def policy(self) -> ReconnectPolicy:
        return self._policy

    @property
    def retries(self) -> int:
        """Retries handed out since the last reset."""
        return self._retries

    @property
    def exhausted(self) -> bool:
        """True when ``next_delay()`` would give up."""
        limit = self._policy.max_attempts
        return limit is not None and self._retries >= limit

    def next_delay(self) -> float | None:
        """The delay before the next retry, consuming one; ``None`` once they are used up."""
        if self.exhausted:
            return None
        delay = self._policy.delay(self._retries, self._random)
        self._retries += 1
        return delay

    def opened(self, now: float) -> None:
        """A connection opened at monotonic time ``now``."""
        self._opened_at = now

    def closed(self, now: float) -> None:
        """The open connection ended at ``now``; a stable one (open >= ``stable_after``) resets
        the retry counter, a short-lived one does not (no reconnect storm)."""
        if self._opened_at is not None and now - self._opened_at >= self._policy.stable_after:
            self._retries = 0
        self._opened_at = None

    def reset(self) -> None:
        """Forget every retry (e.g. on an explicit ``connect()``)."""
        self._retries = 0
        self._opened_at = None


class Endpoints:
    """The urls a client connects to, in order, and the one the next attempt uses.

    A failed attempt or a lost connection moves on to the next url (after the last, the
    first again) before the retry is scheduled; the retry's delay is the backoff's, whatever
    the url. A connection that works stays on its url.
    """

    __slots__ = ("_index", "_urls")

    def __init__(self, urls: Sequence[str]) -> None:
        if isinstance(urls, str):
            urls = (urls,)
        if not urls:
            raise ConfigurationError("at least one url is needed")
        self._urls = tuple(urls)
        self._index = 0

    @property
    def urls(self) -> tuple[str, ...]:
        return self._urls

    @property
    def current(self) -> str:
        """The url of the next (or current) attempt."""
        return self._urls[self._index]

    def failed(self) -> str:
        """The current url failed (or its connection was lost): the next one, now current."""
        self._index = (self._index + 1) % len(self._urls)
        return self.current

    def __len__(self) -> int:
        return len(self._urls)
