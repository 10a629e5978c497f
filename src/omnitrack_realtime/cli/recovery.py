"""Back online as soon as the server is: a watch over a client that waits to reconnect.

The backoff schedule (1, 2, 4, 8, 16 s) protects a struggling server, but a user whose server
has just been restarted should not stare at a 16 s countdown. :class:`ServerWatch` runs beside
a client (``listen``, the chat UI): while the client waits for a retry or has given up, it
checks now and then whether the server accepts TCP connections at all, and when a server that
did not is back, it has the client retry at once (``retry_now()``). A server that is reachable
but refusing (a 503 behind a proxy) is probed once per failure, never in a loop, so the
backoff still paces the retries against it.

It can also keep a client that gave up (``FAILED``) trying, slowly: one attempt every
``slow_retry`` seconds, unless the failure is one that time does not fix (a refused token or
origin). :class:`ProbeVerdicts`, :func:`probe_address` and :func:`worth_retrying` are pure.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..client.state import ConnectionState
from ..errors import AuthenticationError, ConnectionFailed, OmniTrackError

__all__ = [
    "PROBE_INTERVAL",
    "SLOW_RETRY",
    "ProbeVerdicts",
    "ServerWatch",
    "probe_address",
    "worth_retrying",
]

#: Seconds between two checks of an unreachable server.
PROBE_INTERVAL = 1.0
#: Seconds between two attempts of a client that gave up (the chat UI's slow retry).
SLOW_RETRY = 30.0

_WAITING = (ConnectionState.RECONNECTING, ConnectionState.FAILED)


def probe_address(url: str) -> tuple[str, int] | None:
    """The host and port a WebSocket url connects to, or ``None`` if it does not say."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


def worth_retrying(error: OmniTrackError | None) -> bool:
    """Whether a client that gave up with ``error`` may succeed later without the user doing
    anything: a server that was away may be back; a refused token or origin stays refused."""
    return isinstance(error, ConnectionFailed) and not isinstance(error, AuthenticationError)


async def reachable(host: str, port: int, within: float) -> bool:
    """Whether ``host:port`` accepts a TCP connection within ``within`` seconds (the
    connection is closed at once: nothing is sent)."""
    try:
        async with asyncio.timeout(within):
            _reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class ProbeVerdicts:
    """What the checks made during one wait mean, pure: ``observe(reachable)`` says
    ``"retry"`` (the server was away and is back), ``"probe"`` (away: check again later) or
    ``"stop"`` (up all along, but the client's attempt failed: only the backoff should pace
    the retries, so no more checks until the next failure)."""

    def __init__(self) -> None:
        self.last: bool | None = None

    def observe(self, reachable: bool) -> str:
        previous, self.last = self.last, reachable
        if not reachable:
            return "probe"
        return "retry" if previous is False else "stop"


class ServerWatch:
    """Keeps ``client`` (a ``CopilotClient`` or ``EventClient``) trying; ``run()`` until
    cancelled.

    ``interval``: seconds between checks of an unreachable server (``None``: no checks).
    ``slow_retry``: after the client gave up for a reason time may fix, one attempt every
    that many seconds (``None``: none); :attr:`slow_retry_at` is when the next one is due, on
    ``clock`` (monotonic seconds), for a countdown.
    """

    def __init__(
        self,
        client: Any,
        *,
        interval: float | None = PROBE_INTERVAL,
        slow_retry: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._interval = interval
        self._slow_retry = slow_retry
        self._clock = clock
        self._address = probe_address(client.connection.url)
        self._changed = asyncio.Event()
        #: When the next slow retry is due, while the client has given up.
        self.slow_retry_at: float | None = None
        #: Retries this watch made happen (server back, slow retry).
        self.retries = 0
        #: What the last check found: whether the server accepted a TCP connection (``None``
        #: before the first check of the current wait).
        self.server_reachable: bool | None = None

    async def run(self) -> None:
        unsubscribe = self._client.on_change(lambda *_: self._changed.set())
        try:
            while True:
                await self._follow_one_wait()
        finally:
            unsubscribe()

    def _moment(self) -> tuple[Any, ...]:
        """What identifies one wait: a new failure or retry makes new objects."""
        connection = self._client.connection
        return (connection.state, connection.next_retry, connection.error)

    def _still(self, moment: tuple[Any, ...]) -> bool:
        return all(now is then for now, then in zip(self._moment(), moment, strict=True))

    def _still_after_clearing(self, moment: tuple[Any, ...]) -> bool:
        """Whether nothing changed since ``moment``; a change from now on wakes a pause."""
        self._changed.clear()
        return self._still(moment)

    async def _follow_one_wait(self) -> None:
        """From one failure to the next change of state: probe, slow-retry, or just wait."""
        moment = self._moment()
        state = moment[0]
        waiting = state in _WAITING
        if state is ConnectionState.FAILED and not worth_retrying(self._client.connection.error):
            waiting = False  # only the user (retry now, a send) moves it on
        if not waiting:
            self.slow_retry_at = None
            while self._still_after_clearing(moment):
                await self._pause(None)
            return
        if state is ConnectionState.FAILED and self._slow_retry is not None:
            self.slow_retry_at = self._clock() + self._slow_retry
        probing = self._interval is not None and self._address is not None
        verdicts = ProbeVerdicts()
        self.server_reachable = None
        while self._still_after_clearing(moment):
            if probing:
                assert self._interval is not None and self._address is not None
                self.server_reachable = await reachable(*self._address, within=self._interval)
                if not self._still(moment):
                    break
                verdict = verdicts.observe(self.server_reachable)
                if verdict == "retry":
                    self._retry()
                    break
                probing = verdict == "probe"
            if self.slow_retry_at is not None and self._clock() >= self.slow_retry_at:
                self._retry()
                break
            await self._pause(self._interval if probing else None)
        self.slow_retry_at = None

    async def _pause(self, interval: float | None) -> None:
        """Until ``interval`` has passed, the slow retry is due, or the client changed."""
        waits = [interval] if interval is not None else []
        if self.slow_retry_at is not None:
            waits.append(max(self.slow_retry_at - self._clock(), 0.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), min(waits) if waits else None)

    def _retry(self) -> None:
        if self._client.retry_now():
            self.retries += 1
