"""The ``/ws`` event log: how events are numbered, what a reconnecting client replays, and how
each connection is sent every event once, in order.

Pure: no asyncio, no I/O. :class:`MemoryEventLog` is the log of a server without Redis (and of
the tests' several "processes" sharing one :class:`~.backplane.MemoryHub`); the Redis log
(:mod:`.redis_backplane`) keeps the same facts in Redis Streams and answers through the same
:func:`merge_replay`.

Numbering: one counter for every event of an *epoch* (targeted and broadcast alike), so an
event has the same ``seq`` (and ``id``) on every process and one integer cursor (``afterSeq``)
orders a user's targeted events and the broadcasts together. An epoch is one unbroken history:
a new one starts when the history is gone (a server without Redis restarts, Redis is flushed).
Its counter starts at the epoch's creation time in milliseconds times 1,000, so numbers only
grow, across epochs too: a client holding a cursor of an older epoch (the seed's, or one that
does not know about epochs) is never sent a new event with a number it already has. Numbers
are sparse per user (their client must not expect ``seq + 1``): a gap is said explicitly.

Channels: each user's targeted events are one channel, the broadcasts another. Every event
records ``prev``, the ``seq`` of the event before it in its channel, and each channel its
``top`` (the last ``seq``, remembered longer than the events). A replay after cursor ``A``
has lost history exactly when the first event kept after ``A`` has ``prev > A``, or nothing is
kept after ``A`` but ``top > A``: older events were trimmed for size or expired.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LOST_EPOCH",
    "LOST_TOO_LARGE",
    "LOST_TRIMMED",
    "LoggedEvent",
    "MemoryEventLog",
    "Replay",
    "SubscriberFeed",
    "lost_in",
    "merge_replay",
    "new_epoch",
    "start_seq",
]

#: Why history is gone (the ``reason`` of an ``events_lost`` frame): older than what is kept,
LOST_TRIMMED = "trimmed"
#: from a history that no longer exists (server restarted without Redis, Redis flushed),
LOST_EPOCH = "epoch"
#: too much to replay at once (more than half the connection's outbound buffer).
LOST_TOO_LARGE = "too_large"


def new_epoch() -> str:
    """A fresh epoch name: random, short, safe in a URL and a Redis value."""
    return uuid.uuid4().hex[:16]


def start_seq(now: float) -> int:
    """The counter of an epoch created at ``now`` (seconds since the epoch): its first event
    is this plus one. Below 2**53 (a JavaScript client's exact integers) until the year 2255."""
    return int(now * 1000) * 1000


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log holds it: numbered, timestamped once, the same on every process."""

    seq: int
    #: The ``seq`` of the event before it in its channel (0: none known).
    prev: int
    #: The user it is for; ``None``: a broadcast (every subscribed connection).
    user_id: str | None
    event_type: str
    data: Any
    #: ISO-8601, set by the publishing process.
    timestamp: str
    origin: str

    @property
    def id(self) -> str:
        return f"evt-{self.seq}"


@dataclass(frozen=True, slots=True)
class Replay:
    """What a client that saw up to some cursor missed: ``events`` in order, and ``lost`` (one
    of the ``LOST_*`` reasons) when part of it is gone."""

    epoch: str
    events: tuple[LoggedEvent, ...]
    lost: str | None = None


def lost_in(events: Sequence[LoggedEvent], after_seq: int, top: int) -> bool:
    """Whether a channel's history after ``after_seq`` is incomplete: ``events`` is what it
    keeps after that cursor (in order), ``top`` its last ``seq`` (0: unknown)."""
    if events:
        return events[0].prev > after_seq
    return top > after_seq


def merge_replay(
    *,
    epoch: str,
    client_epoch: str | None,
    after_seq: int,
    channels: Iterable[tuple[Sequence[LoggedEvent], int]],
) -> Replay:
    """The replay of several channels, each given as (events after ``after_seq``, top).

    A client naming another epoch has lost what it had not seen of that history: its replay
    is the whole of the current epoch's (the caller reads the channels from the start), with
    ``lost`` = :data:`LOST_EPOCH`. A client naming no epoch is taken at its word.
    """
    parts = list(channels)
    events = sorted((event for kept, _ in parts for event in kept), key=lambda e: e.seq)
    if client_epoch is not None and client_epoch != epoch:
        return Replay(epoch, tuple(events), LOST_EPOCH)
    lost = any(lost_in(kept, after_seq, top) for kept, top in parts)
    return Replay(epoch, tuple(events), LOST_TRIMMED if lost else None)


@dataclass(slots=True)
class _Channel:
    events: deque[LoggedEvent]
    sizes: deque[int]
    size: int = 0
    #: Clock reading of its last event.
    last: float = 0.0


class MemoryEventLog:
    """The event log of one server process (or of the processes sharing a ``MemoryHub``).

    Each user's channel keeps its last ``capacity`` events, the broadcasts their last
    ``broadcast_capacity``; a user's channel is forgotten ``ttl`` seconds after its last event
    (as Redis expires it), beyond ``max_users`` the least recently active users' channels are
    forgotten, and beyond ``max_bytes`` in all the oldest events of the least recently active
    go first. Their ``top`` is remembered for ten times as many users, so a later replay still
    says what was lost.
    """

    def __init__(
        self,
        *,
        capacity: int = 1000,
        broadcast_capacity: int = 1000,
        max_users: int = 10_000,
        max_bytes: int = 64 * 1024 * 1024,
        ttl: float = 24 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.capacity = capacity
        self.broadcast_capacity = broadcast_capacity
        self.max_users = max_users
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self.epoch = new_epoch()
        #: The last ``seq`` given.
        self.seq = start_seq(clock())
        #: Bytes held across every channel.
        self.bytes = 0
        self._users: OrderedDict[str, _Channel] = OrderedDict()
        self._broadcast = _Channel(deque(), deque())
        self._tops: OrderedDict[str | None, int] = OrderedDict()

    def __len__(self) -> int:
        """Users whose channel is kept."""
        return len(self._users)

    def append(
        self,
        user_id: str | None,
        event_type: str,
        data: Any,
        *,
        timestamp: str,
        origin: str,
        size: int,
    ) -> LoggedEvent:
        """Number and keep one event (``size``: its bytes, for the budget)."""
        now = self._clock()
        self._expire(now)
        self.seq += 1
        event = LoggedEvent(
            seq=self.seq,
            prev=self._tops.get(user_id, 0),
            user_id=user_id,
            event_type=event_type,
            data=data,
            timestamp=timestamp,
            origin=origin,
        )
        self._set_top(user_id, event.seq)
        if user_id is None:
            channel, capacity = self._broadcast, self.broadcast_capacity
        else:
            channel, capacity = self._user(user_id), self.capacity
        channel.last = now
        channel.events.append(event)
        channel.sizes.append(size)
        channel.size += size
        self.bytes += size
        while len(channel.events) > capacity:
            self._drop_oldest(channel)
        if self.bytes > self.max_bytes:
            self._shrink()
        return event

    def replay(self, user_id: str, after_seq: int, client_epoch: str | None) -> Replay:
        """What ``user_id`` missed after ``after_seq`` (see :func:`merge_replay`)."""
        if client_epoch is not None and client_epoch != self.epoch:
            after_seq = 0
        self._expire(self._clock())
        channel = self._users.get(user_id)
        kept = [e for e in channel.events if e.seq > after_seq] if channel else []
        broadcast = [e for e in self._broadcast.events if e.seq > after_seq]
        return merge_replay(
            epoch=self.epoch,
            client_epoch=client_epoch,
            after_seq=after_seq,
            channels=(
                (kept, self._tops.get(user_id, 0)),
                (broadcast, self._tops.get(None, 0)),
            ),
        )

    def _user(self, user_id: str) -> _Channel:
        channel = self._users.get(user_id)
        if channel is None:
            channel = self._users[user_id] = _Channel(deque(), deque())
            while len(self._users) > self.max_users:
                _, forgotten = self._users.popitem(last=False)
                self.bytes -= forgotten.size
        else:
            self._users.move_to_end(user_id)
        return channel

    def _expire(self, now: float) -> None:
        """Forget the channels whose last event is older than ``ttl``: the least recently
        active come first in ``_users``, so this stops at the first one still fresh."""
        horizon = now - self.ttl
        while self._users:
            channel = next(iter(self._users.values()))
            if channel.last > horizon:
                return
            _, forgotten = self._users.popitem(last=False)
            self.bytes -= forgotten.size

    def _set_top(self, key: str | None, seq: int) -> None:
        self._tops[key] = seq
        self._tops.move_to_end(key)
        while len(self._tops) > 10 * self.max_users + 1:
            oldest = next(iter(self._tops))
            if oldest is None:  # the broadcasts' top is never forgotten
                self._tops.move_to_end(None)
                continue
            del self._tops[oldest]

    def _drop_oldest(self, channel: _Channel) -> None:
        channel.events.popleft()
        size = channel.sizes.popleft()
        channel.size -= size
        self.bytes -= size

    def _shrink(self) -> None:
        # Down to 90 %: the walk over the users happens once per tenth of the budget.
        target = self.max_bytes * 9 // 10
        for channel in [self._broadcast, *self._users.values()]:
            while channel.events and self.bytes > target:
                self._drop_oldest(channel)
            if self.bytes <= target:
                return


class SubscriberFeed:
    """What one ``/ws`` connection is sent: each event at most once, in ``seq`` order, also
    when a replay and live events cross.

    ``cursor`` is the last ``seq`` handed to the connection (``None``: nothing yet, and the
    process does not know where the log stands). Live events go through :meth:`offer`. A
    resume :meth:`hold`\\ s the live events, fetches the replay, then :meth:`resume` gives
    what to send: the replay (less what was sent live before it) and the held events after it.
    """

    #: Live events remembered before the first resume (a client resumes as it connects).
    EARLY = 1000

    __slots__ = ("_early", "_held", "cursor", "epoch")

    def __init__(self, cursor: int | None, epoch: str | None = None) -> None:
        self.cursor = cursor
        self.epoch = epoch
        self._held: list[LoggedEvent] | None = None
        self._early: set[int] | None = set()

    @property
    def holding(self) -> bool:
        return self._held is not None

    def offer(self, event: LoggedEvent) -> bool:
        """Whether to send ``event`` now (it is recorded as sent); held events wait."""
        if self._held is not None:
            self._held.append(event)
            return False
        if self.cursor is not None and event.seq <= self.cursor:
            return False
        self.cursor = event.seq
        if self._early is not None:
            self._early.add(event.seq)
            if len(self._early) > self.EARLY:
                self._early = None
        return True

    def hold(self) -> None:
        if self._held is None:
            self._held = []

    def release(self) -> list[LoggedEvent]:
        """End a hold without a replay: the held events to send, in order."""
        held, self._held = self._held or [], None
        return [event for event in sorted(held, key=lambda e: e.seq) if self.offer(event)]

    def resume(self, replay: Sequence[LoggedEvent]) -> list[LoggedEvent]:
        """End a hold: the replayed events to send (those not sent already), then the held
        ones newer than the replay, in order; the cursor moves past all of them."""
        early = self._early if self._early is not None else set()
        self._early = None
        out = [event for event in replay if event.seq not in early]
        if replay:
            self.cursor = max(self.cursor or 0, replay[-1].seq)
        held, self._held = self._held or [], None
        for event in sorted(held, key=lambda e: e.seq):
            if self.offer(event):
                out.append(event)
        return out

    def catch_up(self, replay: Sequence[LoggedEvent], upto: int) -> list[LoggedEvent]:
        """After the log was out of reach: of ``replay`` (the events after the cursor, up to
        ``upto``) those to send now; the cursor moves to ``upto`` (nothing else came before)."""
        if self._held is not None:
            self._held.extend(replay)
            return []
        out = [event for event in replay if self.offer(event)]
        self.cursor = max(self.cursor or 0, upto)
        return out
