"""Per-user event numbering and the buffer of recent events that ``afterSeq`` replays from.

Pure: no asyncio, no I/O. Each user's events are numbered 1, 2, 3, ... in the order this
process delivers them; the last ``capacity`` encoded envelopes are kept so a reconnecting
``/ws`` client that says ``subscribe`` with ``afterSeq: N`` gets what it missed.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Collection
from dataclasses import dataclass, field

__all__ = ["EventLog", "EventLogs"]


@dataclass(slots=True)
class EventLog:
    """One user's event counter and recent envelopes (``(seq, type, frame bytes)``)."""

    capacity: int
    seq: int = 0
    recent: deque[tuple[int, str, bytes]] = field(default_factory=deque)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def record(self, seq: int, event_type: str, frame: bytes) -> None:
        self.recent.append((seq, event_type, frame))
        while len(self.recent) > self.capacity:
            self.recent.popleft()

    def since(self, after_seq: int, channels: Collection[str]) -> list[bytes]:
        """Buffered frames with ``seq > after_seq`` whose type is in ``channels``, in order."""
        return [
            frame
            for seq, event_type, frame in self.recent
            if seq > after_seq and event_type in channels
        ]


class EventLogs:
    """Event logs by user, the least recently used forgotten beyond ``max_users``."""

    def __init__(self, *, capacity: int = 1000, max_users: int = 10_000) -> None:
        self.capacity = capacity
        self.max_users = max_users
        self._logs: OrderedDict[str, EventLog] = OrderedDict()

    def __len__(self) -> int:
        return len(self._logs)

    def get(self, user_id: str) -> EventLog:
        log = self._logs.get(user_id)
        if log is None:
            log = self._logs[user_id] = EventLog(self.capacity)
            while len(self._logs) > self.max_users:
                self._logs.popitem(last=False)
        else:
            self._logs.move_to_end(user_id)
        return log
