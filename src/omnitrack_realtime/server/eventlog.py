"""Per-user event numbering and the buffer of recent events that ``afterSeq`` replays from.

Pure: no asyncio, no I/O. Each user's events are numbered 1, 2, 3, ... in the order this
process delivers them; the last ``capacity`` encoded envelopes are kept so a reconnecting
``/ws`` client that says ``subscribe`` with ``afterSeq: N`` gets what it missed.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

__all__ = ["EventLog", "EventLogs"]


@dataclass(slots=True)
class EventLog:
    """One user's event counter and recent envelopes (``(seq, type, frame bytes)``)."""

    capacity: int
    seq: int = 0
    recent: deque[tuple[int, str, bytes]] = field(default_factory=deque)
    #: Bytes of the buffered frames.
    size: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def record(self, seq: int, event_type: str, frame: bytes) -> int:
        """Buffer one frame (the oldest leave beyond ``capacity``); the change in ``size``."""
        before = self.size
        self.recent.append((seq, event_type, frame))
        self.size += len(frame)
        while len(self.recent) > self.capacity:
            self.drop_oldest()
        return self.size - before

    def drop_oldest(self) -> int:
        """Forget the oldest buffered frame (the numbering stays); the bytes freed."""
        _, _, frame = self.recent.popleft()
        self.size -= len(frame)
        return len(frame)

    def since(self, after_seq: int, channels: Collection[str]) -> list[bytes]:
        """Buffered frames with ``seq > after_seq`` whose type is in ``channels``, in order."""
        return [
            frame
            for seq, event_type, frame in self.recent
            if seq > after_seq and event_type in channels
        ]


class EventLogs:
    """Event logs by user, the least recently used forgotten beyond ``max_users``, their
    frames kept within ``max_bytes`` in all (see :meth:`record`).

    A user for whom ``is_live`` answers True (connected to ``/ws`` right now) is never
    forgotten: their numbering would restart at 1 and their client drop the next events as
    duplicates of ones it already has. A user who comes back later says ``afterSeq`` and the
    numbering continues from there (see ``Hub.replay_events``).
    """

    def __init__(
        self,
        *,
        capacity: int = 1000,
        max_users: int = 10_000,
        max_bytes: int = 64 * 1024 * 1024,
        is_live: Callable[[str], bool] | None = None,
    ) -> None:
        self.capacity = capacity
        self.max_users = max_users
        self.max_bytes = max_bytes
        #: Bytes buffered across every user's log.
        self.bytes = 0
        self._is_live = is_live
        self._logs: OrderedDict[str, EventLog] = OrderedDict()

    def __len__(self) -> int:
        return len(self._logs)

    def get(self, user_id: str) -> EventLog:
        log = self._logs.get(user_id)
        if log is None:
            log = self._logs[user_id] = EventLog(self.capacity)
            self._evict(keep=user_id)
        else:
            self._logs.move_to_end(user_id)
        return log

    def _evict(self, *, keep: str) -> None:
        """Forget the least recently used logs of users who are not live (nor ``keep``, the
        one just asked for), down to ``max_users`` (more are kept while that many are live)."""
        checked = 0
        while len(self._logs) > self.max_users and checked < len(self._logs):
            user_id = next(iter(self._logs))
            if user_id == keep or (self._is_live is not None and self._is_live(user_id)):
                self._logs.move_to_end(user_id)  # checked once per pass, not again and again
                checked += 1
            else:
                self.bytes -= self._logs.pop(user_id).size

    def record(self, log: EventLog, seq: int, event_type: str, frame: bytes) -> None:
        """Buffer one frame in ``log`` (one of these logs) within the byte budget: over it,
        the oldest frames of the least recently active users go first (their numbering
        stays; a replay then starts later)."""
        self.bytes += log.record(seq, event_type, frame)
        if self.bytes <= self.max_bytes:
            return
        # Down to 90 %: the walk over the users happens once per tenth of the budget, not
        # once per event.
        target = self.max_bytes * 9 // 10
        for other in list(self._logs.values()):
            while other.recent and self.bytes > target:
                self.bytes -= other.drop_oldest()
            if self.bytes <= target:
                return
