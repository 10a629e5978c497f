"""The ``/ws`` side of a server process: its event connections, fed from the shared log.

:class:`EventChannel` publishes into the backplane's log, receives every logged event from it
(in ``seq`` order, its own included) and sends each connection what it subscribed to, through
that connection's :class:`~.eventlog.SubscriberFeed`, so a connection gets each event once and
in order however a resume, a catch-up and the live events cross. When history a client asks
for is gone it is told so (``events_lost``), never left to guess.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import msgspec

from ..protocol import Event, encode, now_iso
from .backplane import Backplane, BackplaneError, BackplaneEvent
from .eventlog import LOST_EPOCH, LOST_TOO_LARGE, LoggedEvent, Replay, SubscriberFeed
from .metrics import Metrics

__all__ = ["EVENTS_LOST", "EventChannel", "EventSubscriber"]

logger = logging.getLogger("omnitrack_realtime.server")

#: The frame that tells a client part of the history it asked for is gone.
EVENTS_LOST = "events_lost"
#: Replays run at once during a catch-up (each is one Redis round trip).
_CONCURRENT_CATCH_UPS = 32


class EventSubscriber(Protocol):
    """A ``/ws`` connection as the event channel sees it."""

    @property
    def user_id(self) -> str: ...

    @property
    def channels(self) -> set[str]: ...

    @property
    def feed(self) -> SubscriberFeed: ...

    def send(self, data: bytes) -> None: ...


def event_frame(event: LoggedEvent) -> bytes:
    return encode(
        Event(
            type=event.event_type,
            data=event.data,
            timestamp=event.timestamp,
            id=event.id,
            seq=event.seq,
        )
    )


def lost_frame(reason: str, after_seq: int | None, epoch: str | None) -> bytes:
    data: dict[str, Any] = {"reason": reason}
    if after_seq is not None:
        data["afterSeq"] = after_seq
    if epoch is not None:
        data["epoch"] = epoch
    return encode(Event(type=EVENTS_LOST, data=data, timestamp=now_iso()))


class EventChannel:
    """A process's ``/ws`` connections by user and their feeds from the shared log."""

    def __init__(self, backplane: Backplane, *, metrics: Metrics, replay_budget: int) -> None:
        self.backplane = backplane
        self.metrics = metrics
        #: Bytes one replay may send at most (half a connection's outbound buffer: more
        #: would close the client as a slow consumer, and it would ask for the same again).
        self.replay_budget = replay_budget
        self.subscribers: dict[str, set[EventSubscriber]] = {}
        #: The last ``seq`` this process has delivered or caught up to (None: not attached yet).
        self.position: int | None = None
        self._started = False

    @property
    def epoch(self) -> str | None:
        return self.backplane.epoch

    @property
    def degraded(self) -> str | None:
        """Why publishing is refused now (the log is out of reach), or None."""
        if self.backplane.available:
            return None
        return "the event log (Redis) is unavailable"

    async def start(self) -> None:
        if not self._started:
            self._started = True
            await self.backplane.start(self._deliver, self._resync)

    # ------------------------------------------------------------------ connections

    def new_feed(self) -> SubscriberFeed:
        """The feed of a connection opening now: it gets the events logged from now on."""
        return SubscriberFeed(self.position, self.epoch)

    def add(self, subscriber: EventSubscriber) -> None:
        self.subscribers.setdefault(subscriber.user_id, set()).add(subscriber)
        self.metrics.inc("connections", channel="events")

    def remove(self, subscriber: EventSubscriber) -> None:
        subscribers = self.subscribers.get(subscriber.user_id)
        if subscribers is not None and subscriber in subscribers:
            subscribers.discard(subscriber)
            if not subscribers:
                del self.subscribers[subscriber.user_id]
            self.metrics.dec("connections", channel="events")

    def _connected(self, subscriber: EventSubscriber) -> bool:
        return subscriber in self.subscribers.get(subscriber.user_id, ())

    # ------------------------------------------------------------------ publish and deliver

    async def publish(self, user_id: str | None, event_type: str, data: Any) -> LoggedEvent:
        """Append an event to the log (raises :class:`BackplaneError`, with ``retry_after``,
        when it cannot be: then nobody gets it). Every process, this one included, delivers
        it from the log."""
        if not self.backplane.available:
            self.metrics.inc("events_refused")
            raise BackplaneError(
                "the event log (Redis) is unavailable",
                retry_after=getattr(self.backplane, "retry_after", 1.0),
            )
        try:
            logged = await self.backplane.publish(
                BackplaneEvent(
                    user_id=user_id,
                    event_type=event_type,
                    data=data,
                    origin=self.backplane.origin,
                )
            )
        except BackplaneError:
            self.metrics.inc("events_refused")
            raise
        self.metrics.inc("events_published")
        return logged

    def _deliver(self, event: LoggedEvent) -> None:
        targets: Iterable[EventSubscriber]
        if event.user_id is not None:
            targets = list(self.subscribers.get(event.user_id, ()))
        else:
            targets = [s for subscribers in self.subscribers.values() for s in subscribers]
        frame: bytes | None = None
        sent = 0
        for subscriber in targets:
            if subscriber.feed.offer(event) and event.event_type in subscriber.channels:
                if frame is None:
                    frame = self._frame(event)
                    if frame is None:
                        break
                subscriber.send(frame)
                sent += 1
        self.position = max(self.position or 0, event.seq)
        if sent:
            self.metrics.inc("messages_out", sent, channel="events")

    @staticmethod
    def _frame(event: LoggedEvent) -> bytes | None:
        try:
            return event_frame(event)
        except (TypeError, msgspec.EncodeError):
            logger.warning("dropped an event of type %r: data is not JSON", event.event_type)
            return None

    def _send_events(
        self, subscriber: EventSubscriber, events: Sequence[LoggedEvent], *, budget: bool
    ) -> None:
        """Send ``events`` of the subscribed types; with ``budget``, only the newest that fit
        in :attr:`replay_budget` (and ``events_lost`` first when that leaves some out)."""
        frames = [
            frame
            for frame in (
                self._frame(event) for event in events if event.event_type in subscriber.channels
            )
            if frame is not None
        ]
        if budget:
            total, first = 0, len(frames)
            while first > 0 and total + len(frames[first - 1]) <= self.replay_budget:
                first -= 1
                total += len(frames[first])
            if first > 0:
                self._send_lost(subscriber, LOST_TOO_LARGE, None)
                frames = frames[first:]
        for frame in frames:
            subscriber.send(frame)
        if frames:
            self.metrics.inc("messages_out", len(frames), channel="events")

    def _send_lost(self, subscriber: EventSubscriber, reason: str, after_seq: int | None) -> None:
        subscriber.send(lost_frame(reason, after_seq, self.epoch))
        self.metrics.inc("events_lost_notices", reason=reason)
        self.metrics.inc("messages_out", channel="events")

    # ------------------------------------------------------------------ resume and catch-up

    def release(self, subscriber: EventSubscriber) -> None:
        """Send the live events held for a new connection that asked for no replay."""
        if subscriber.feed.holding:
            self._send_events(subscriber, subscriber.feed.release(), budget=False)

    async def resume(self, subscriber: EventSubscriber, after_seq: int, epoch: str | None) -> None:
        """Send ``subscriber`` what it missed after ``after_seq`` (of ``epoch``), then the
        live events, each once and in order; ``events_lost`` first when history is gone.
        While the log is out of reach the live events wait, and the replay is tried again."""
        feed = subscriber.feed
        feed.hold()
        while True:
            try:
                replay = await self.backplane.replay(subscriber.user_id, after_seq, epoch)
                break
            except BackplaneError as exc:
                if not self._connected(subscriber):
                    return
                logger.info("a /ws resume waits for the event log: %s", exc.reason)
                await asyncio.sleep(exc.retry_after)
        if not self._connected(subscriber):
            return
        if replay.lost is not None:
            self._send_lost(subscriber, replay.lost, after_seq)
        feed.epoch = replay.epoch
        feed.cursor = max(feed.cursor or 0, after_seq) if replay.lost != LOST_EPOCH else 0
        events = feed.resume(replay.events)
        count = len(replay.events)
        self._send_events(subscriber, events[:count], budget=True)
        self._send_events(subscriber, events[count:], budget=False)

    async def _resync(self, upto: int, epoch: str, changed: bool) -> None:
        """Catch every connection up from the log to ``upto`` (the backplane reattached, or
        found events it could not read); with ``changed`` their history is gone."""
        if changed:
            self.position = upto
        else:
            self.position = max(self.position or 0, upto)
        semaphore = asyncio.Semaphore(_CONCURRENT_CATCH_UPS)

        async def catch_up(subscriber: EventSubscriber) -> None:
            feed = subscriber.feed
            if changed:
                self._send_lost(subscriber, LOST_EPOCH, feed.cursor)
                feed.cursor, feed.epoch = 0, epoch
            elif feed.cursor is None:
                feed.cursor = upto  # opened before the log was reached: from now on
                return
            after = feed.cursor or 0
            async with semaphore:
                replay: Replay = await self.backplane.replay_upto(
                    subscriber.user_id, after, None if changed else feed.epoch, upto
                )
            if not self._connected(subscriber):
                return
            if replay.lost is not None and not changed:
                self._send_lost(subscriber, replay.lost, after)
            feed.epoch = replay.epoch
            self._send_events(subscriber, feed.catch_up(replay.events, upto), budget=True)

        targets = [s for subscribers in self.subscribers.values() for s in subscribers]
        if targets:
            await asyncio.gather(*(catch_up(subscriber) for subscriber in targets))

    def stats(self) -> dict[str, int]:
        return {"event_users": len(self.subscribers)}
