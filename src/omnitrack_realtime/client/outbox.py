"""The offline queue and its delivery guarantees, pure (protocol.md, "delivery guarantees").

Every outgoing frame goes through the :class:`Outbox`: it is queued (bounded, never dropped
silently), written in order when the connection is open, and leaves only once it counts as
delivered:

- a frame without ``client_message_id`` (a ``/ws`` action, a ping) once it has been written;
- a copilot message once an ``acknowledgment`` carrying its ``clientMessageId`` arrives
  (:attr:`AckMode.ACKING`); if the connection drops first it is resent, with the same id,
  after the reconnect, and the server dedupes: effectively-once;
- with a seed server (its first acknowledgment carries no id, :attr:`AckMode.SEED`) the oldest
  written message leaves on each acknowledgment and, from then on, written counts as delivered.

While the conversation id is unknown, at most one message that would start a conversation is
in flight, so one session's messages land in one conversation rather than each creating its own.

A message the server refused for its rate limit (``error`` ``rate_limited`` with ``retryAfter``
and its ``clientMessageId``) is not lost: :meth:`Outbox.rate_limited` puts it back to pending in
its place (ahead of everything queued after it) and holds the whole outbox until the time the
server named, so nothing overtakes it; then it is written again with the same id.

The driver's loop: ``put`` -> (when open) ``sendable`` -> write each -> ``written_without_ack``;
frames in: ``acknowledged`` / ``failed``; on a drop: ``connection_lost``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import ConfigurationError, QueueFull

__all__ = ["AckMode", "Outbox", "OutboxItem"]


@dataclass(slots=True)
class OutboxItem:
    """One encoded frame waiting to be delivered."""

    payload: bytes  # the encoded frame, ready for a text frame
    client_message_id: str | None  # None for frames that need no ack (/ws actions, pings)
    needs_conversation: bool = False  # a copilot `message` with conversationId None
    written: bool = False  # written to the current connection


class AckMode(enum.Enum):
    """What the server's acknowledgments have shown about it so far."""

    UNKNOWN = "unknown"  # no acknowledgment yet: keep written messages until acknowledged
    ACKING = "acking"  # acknowledgments echo clientMessageId: wait for each one
    SEED = "seed"  # acknowledgments carry no id: written counts as delivered


class Outbox:
    """Ordered, bounded queue of outgoing frames that tracks what is written and acknowledged.

    ``len(outbox)`` counts every item not yet delivered, pending or in flight; ``limit`` bounds
    it and :meth:`put` raises :class:`~omnitrack_realtime.errors.QueueFull` beyond it.
    """

    __slots__ = (
        "_by_id",
        "_by_object",
        "_gate",
        "_held_until",
        "_items",
        "_limit",
        "_mode",
        "_next_key",
    )

    def __init__(self, limit: int = 1000) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigurationError(f"the queue limit must be an integer >= 1, not {limit!r}")
        self._limit = limit
        # Insertion-ordered: key -> item. Keys are private sequence numbers, so an item leaves
        # in O(1) wherever it sits, and order is the order of put().
        self._items: dict[int, OutboxItem] = {}
        self._by_id: dict[str, int] = {}
        self._by_object: dict[int, int] = {}  # id(item) -> key, while the item is queued
        self._next_key = 0
        self._mode = AckMode.UNKNOWN
        # The key of the conversation-starting message in flight while the conversation is
        # unknown: nothing after it is written until it is acknowledged or the id is known.
        self._gate: int | None = None
        # Nothing is written before this time (the caller's monotonic clock): a rate limit.
        self._held_until: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[OutboxItem]:
        """The items not yet delivered, in order (a snapshot)."""
        return iter(list(self._items.values()))

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def mode(self) -> AckMode:
        return self._mode

    @property
    def in_flight(self) -> int:
        """Items written to the current connection and not yet delivered."""
        return sum(1 for item in self._items.values() if item.written)

    @property
    def pending(self) -> int:
        """Items not written to the current connection yet."""
        return len(self._items) - self.in_flight

    @property
    def held_until(self) -> float | None:
        """While a rate limit holds the outbox: when writing may resume, else ``None``."""
        return self._held_until

    def holds(self, client_message_id: str) -> bool:
        """Whether the message with that id is still queued (pending or in flight)."""
        return client_message_id in self._by_id

    def put(self, item: OutboxItem) -> None:
        """Queue ``item`` behind everything already queued; raises ``QueueFull`` when full.

        Raises :class:`ValueError` if the item, or another with its client_message_id, is
        already queued (a resend keeps its place instead: see :meth:`connection_lost`).
        """
        if len(self._items) >= self._limit:
            raise QueueFull(self._limit)
        if id(item) in self._by_object or (
            item.client_message_id is not None and item.client_message_id in self._by_id
        ):
            raise ValueError(f"already queued: {item.client_message_id or item!r}")
        key = self._next_key
        self._next_key += 1
        item.written = False
        self._index(key, item)

    def sendable(self, *, conversation_known: bool, now: float | None = None) -> list[OutboxItem]:
        """Items to write now, in order, and marks them written.

        While the conversation is unknown, at most one ``needs_conversation`` message may be in
        flight (written, not acknowledged): nothing after it is returned until it is
        acknowledged or the conversation becomes known. (With a seed server written counts
        as delivered, so the next one follows at once: the seed's own behaviour.) While a rate
        limit holds the outbox (see :meth:`rate_limited`) nothing is returned before ``now``
        reaches :attr:`held_until` (``now=None``: the hold is still on).
        """
        if self._held_until is not None:
            if now is None or now < self._held_until:
                return []
            self._held_until = None
        if conversation_known:
            self._gate = None
        elif self._gate is not None:
            return []
        batch: list[OutboxItem] = []
        for key, item in self._items.items():
            if item.written:
                continue
            item.written = True
            batch.append(item)
            if item.needs_conversation and not conversation_known:
                self._gate = key
                break
        return batch

    def written_without_ack(self, item: OutboxItem) -> None:
        """Called after ``item`` was written: frames without a client_message_id, and every
        frame once the server is known to be a seed server, count as delivered and leave."""
        if item.client_message_id is None or self._mode is AckMode.SEED:
            self._remove_item(item)

    def acknowledged(self, client_message_id: str | None) -> OutboxItem | None:
        """An acknowledgment arrived; returns the item that left, if any.

        With an id, that item leaves and the mode becomes ACKING. Without one (a seed server)
        the mode becomes SEED, unless ids were already seen (then an id-less acknowledgment
        says nothing about our messages), and the oldest written message leaves.
        """
        if client_message_id is not None:
            self._mode = AckMode.ACKING
            key = self._by_id.get(client_message_id)
            return self._remove(key) if key is not None else None
        if self._mode is AckMode.ACKING:
            return None
        self._mode = AckMode.SEED
        for key, item in self._items.items():
            if item.written and item.client_message_id is not None:
                return self._remove(key)
        return None

    def failed(self, client_message_id: str) -> OutboxItem | None:
        """The server refused that message (an ``error`` carrying its id): it leaves, unsent
        again. Returns it, if it was still queued."""
        key = self._by_id.get(client_message_id)
        return self._remove(key) if key is not None else None

    def rate_limited(self, client_message_id: str, until: float) -> OutboxItem | None:
        """The server refused that message for its rate limit: it goes back to pending in its
        place (ahead of everything queued after it) and nothing is written before ``until``.
        Returns it, or ``None`` if it is no longer queued (then nothing is held)."""
        key = self._by_id.get(client_message_id)
        if key is None:
            return None
        item = self._items[key]
        item.written = False
        if self._gate == key:
            self._gate = None  # it is in flight no more: it may start the conversation again
        if self._held_until is None or until > self._held_until:
            self._held_until = until
        return item

    def connection_lost(self) -> int:
        """Written-but-unacknowledged items go back to pending, keeping their place (they are
        resent, with the same clientMessageId, after the reconnect). Returns how many."""
        self._gate = None
        resent = 0
        for item in self._items.values():
            if item.written:
                item.written = False
                resent += 1
        return resent

    def rewrite(self, update: Callable[[OutboxItem], OutboxItem | None]) -> None:
        """Replace every item by ``update(item)``, keeping its place; ``None`` removes it.

        For example: fill in the conversation id of queued messages once it is known.
        """
        for key, item in list(self._items.items()):
            new = update(item)
            if new is None:
                self._remove(key)
                continue
            if new is item:
                continue
            self._unindex(key, item)
            self._index(key, new)

    def clear(self) -> list[OutboxItem]:
        """Empty the outbox (a final disconnect); returns what was never delivered, in order."""
        items = list(self._items.values())
        self._items.clear()
        self._by_id.clear()
        self._by_object.clear()
        self._gate = None
        self._held_until = None
        return items

    # ------------------------------------------------------------------ internals

    def _index(self, key: int, item: OutboxItem) -> None:
        self._items[key] = item
        self._by_object[id(item)] = key
        if item.client_message_id is not None:
            self._by_id[item.client_message_id] = key

    def _unindex(self, key: int, item: OutboxItem) -> None:
        if self._by_object.get(id(item)) == key:
            del self._by_object[id(item)]
        if item.client_message_id is not None and self._by_id.get(item.client_message_id) == key:
            del self._by_id[item.client_message_id]

    def _remove(self, key: int) -> OutboxItem | None:
        item = self._items.pop(key, None)
        if item is None:
            return None
        self._unindex(key, item)
        if self._gate == key:
            self._gate = None
        return item

    def _remove_item(self, item: OutboxItem) -> None:
        key = self._by_object.get(id(item))
        if key is not None:
            self._remove(key)
