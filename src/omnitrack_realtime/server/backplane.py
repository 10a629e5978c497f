"""The ``/ws`` event log shared by the server processes, and how its events reach them.

Every process calls :meth:`Backplane.start` with two callbacks and publishes with
:meth:`Backplane.publish`, which answers once the event is in the log, numbered
(:class:`~.eventlog.LoggedEvent`): that is what ``published`` means. Each process's
``deliver`` then gets every event of the log exactly once, in ``seq`` order, this process's
own included (a process never delivers "on the side", so all see one order); a reconnecting
client's missed events come from :meth:`Backplane.replay`, on whichever process it reaches.
When a process could not follow the log for a while (Redis away, too far behind), ``resync``
is awaited before any later event is delivered, so the hub can catch its connections up
from the log (see :class:`~.eventlog.SubscriberFeed`).

- :class:`MemoryBackplane`: one process, or several sharing one :class:`MemoryHub` (which is
  how tests stand for several processes); the log is a :class:`~.eventlog.MemoryEventLog`.
- :class:`~.redis_backplane.RedisBackplane`: Redis Streams (see that module).
"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from ..errors import OmniTrackError
from ..protocol import now_iso
from .eventlog import LoggedEvent, MemoryEventLog, Replay

__all__ = [
    "Backplane",
    "BackplaneError",
    "BackplaneEvent",
    "Deliver",
    "MemoryBackplane",
    "MemoryHub",
    "Resync",
    "new_origin",
    "redact_redis_url",
]

logger = logging.getLogger(__name__)

#: Seconds a refused publish asks its publisher to wait when nothing better is known.
RETRY_AFTER = 1.0


@dataclass(frozen=True, slots=True)
class BackplaneEvent:
    """One event to publish: for ``user_id``'s connections, or every connection when ``None``.

    ``origin`` names the publishing process (see :func:`new_origin`); ``data`` must be
    JSON-serialisable.
    """

    user_id: str | None
    event_type: str
    data: Any
    origin: str


Deliver = Callable[[LoggedEvent], Awaitable[None] | None]
"""A process's receiver of the log's events: a plain or ``async`` function."""

Resync = Callable[[int, str, bool], Awaitable[None]]
"""Called as ``resync(upto, epoch, epoch_changed)`` when a process (re)attaches to the log or
finds events it could not read: its connections catch up from the log up to ``upto``; with
``epoch_changed`` the history they were following is gone."""


class BackplaneError(OmniTrackError):
    """The event log could not be written or read (e.g. Redis unreachable); ``retry_after``
    says when to try again."""

    def __init__(self, reason: str, *, retry_after: float = RETRY_AFTER) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


def new_origin() -> str:
    """A process identity for ``BackplaneEvent.origin``: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Backplane(Protocol):
    """The shared event log and its delivery to every server process."""

    #: This process on the log (see :func:`new_origin`).
    origin: str

    @property
    def available(self) -> bool:
        """Whether the log can be written now (False: publishes are refused)."""
        ...

    @property
    def epoch(self) -> str | None:
        """The log's current epoch (``None`` until it was first reached)."""
        ...

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        """Begin delivering the log's events; returns once attached, or at once (degraded)
        when the log cannot be reached yet: it attaches when it can."""
        ...

    async def publish(self, event: BackplaneEvent) -> LoggedEvent:
        """Append ``event`` to the log (raises :class:`BackplaneError` when it cannot)."""
        ...

    async def replay(self, user_id: str, after_seq: int, epoch: str | None) -> Replay:
        """What ``user_id`` missed after ``after_seq`` of ``epoch`` (raises
        :class:`BackplaneError`)."""
        ...

    async def replay_upto(
        self, user_id: str, after_seq: int, epoch: str | None, upto: int
    ) -> Replay:
        """:meth:`replay`, without the events after ``upto``."""
        ...

    async def close(self) -> None:
        """Stop delivering and release resources; idempotent."""
        ...


async def call_deliver(deliver: Deliver, event: LoggedEvent) -> None:
    """Run ``deliver``; its failure is logged, never propagated into the backplane."""
    try:
        result = deliver(event)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("event delivery failed (%s)", event.event_type)


def encoded_size(data: Any) -> int:
    """The JSON size of ``data`` (raises :class:`BackplaneError` when it is not JSON)."""
    try:
        return len(msgspec.json.encode(data))
    except (TypeError, msgspec.EncodeError) as exc:
        raise BackplaneError("the event data is not JSON") from exc


class MemoryHub:
    """What several :class:`MemoryBackplane` instances share, like a Redis server: the log
    and the processes following it."""

    def __init__(self, log: MemoryEventLog | None = None) -> None:
        self.log = log if log is not None else MemoryEventLog()
        self.subscribers: list[Deliver] = []


class MemoryBackplane:
    """The in-process backplane; pass one ``hub`` to several to stand for several processes.
    Delivery is synchronous inside ``publish``, so ``publish`` returns once every process
    has the event."""

    def __init__(self, hub: MemoryHub | None = None) -> None:
        self.hub = hub if hub is not None else MemoryHub()
        self.origin = new_origin()
        self._deliver: Deliver | None = None

    @property
    def available(self) -> bool:
        return True

    @property
    def epoch(self) -> str:
        return self.hub.log.epoch

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        if self._deliver is not None:
            raise BackplaneError("the backplane is already started")
        self._deliver = deliver
        self.hub.subscribers.append(deliver)
        await resync(self.hub.log.seq, self.hub.log.epoch, False)

    async def publish(self, event: BackplaneEvent) -> LoggedEvent:
        size = encoded_size(event.data)
        logged = self.hub.log.append(
            event.user_id,
            event.event_type,
            event.data,
            timestamp=now_iso(),
            origin=event.origin,
            size=size,
        )
        for deliver in list(self.hub.subscribers):
            await call_deliver(deliver, logged)
        return logged

    async def replay(self, user_id: str, after_seq: int, epoch: str | None) -> Replay:
        return self.hub.log.replay(user_id, after_seq, epoch)

    async def replay_upto(
        self, user_id: str, after_seq: int, epoch: str | None, upto: int
    ) -> Replay:
        replay = self.hub.log.replay(user_id, after_seq, epoch)
        events = tuple(event for event in replay.events if event.seq <= upto)
        return Replay(replay.epoch, events, replay.lost)

    async def close(self) -> None:
        if self._deliver is not None:
            if self._deliver in self.hub.subscribers:
                self.hub.subscribers.remove(self._deliver)
            self._deliver = None


def redact_redis_url(url: str) -> str:
    """``url`` fit for a message or a log: no password (``redis://user@host``), no query."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return url.rpartition("@")[2].partition("?")[0]
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def _cause(exc: BaseException) -> str:
    """Why Redis could not be reached, in a few words (redis-py's own message when it has
    one: ``Error 111 connecting to 127.0.0.1:6390. Connection refused.``)."""
    text = str(exc).strip().rstrip(".")
    return text if text else type(exc).__name__
