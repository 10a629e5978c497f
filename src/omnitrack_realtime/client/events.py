"""The event client: the Python counterpart of the seed's ``useWebSocket`` (the ``/ws`` channel).

:class:`EventClient` = one :class:`~.connection.Connection` + subscriptions. Handlers get
:class:`~omnitrack_realtime.protocol.Event` values in their own tasks (a slow or failing handler
never stalls the socket or the other handlers); ``listen()`` iterators read from bounded
buffers that drop their oldest event when full (counted in ``stats().dropped``).

Subscriptions survive reconnects: on every new connection the client sends one ``subscribe``
with every type it wants, ``afterSeq`` = the last ``seq`` it saw and the ``epoch`` that number
belongs to, so the server replays what was missed (on whichever server process it reaches);
replayed events already seen are dropped by ``seq``. When the server says that history is gone
(an ``events_lost`` frame: trimmed, or a history that no longer exists) the client counts it in
``stats().events_lost`` and hands the frame to handlers of ``"events_lost"`` (see
:meth:`EventClient.on_events_lost`): the application knows it may have missed events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Unpack

from ..errors import ConfigurationError, ConnectionFailed, OmniTrackError, ProtocolError
from ..protocol import (
    KNOWN_EVENT_TYPES,
    Event,
    SubscribeAction,
    UnsubscribeAction,
    decode_event,
    encode,
)
from ._dispatch import HandlerWorker, Mailbox
from ._env import EVENTS_URL_DEFAULT, EVENTS_URL_ENV, resolve_urls
from ._surface import ClientSurface, ConnectionOptions
from .state import ConnectionState, Transition

# Event is re-exported for convenience (it is defined in the protocol package).
__all__ = [
    "ALL_EVENTS",
    "EVENTS_LOST",
    "REPLY_TYPES",
    "Event",
    "EventClient",
    "EventHandler",
    "SharedEventClient",
]

logger = logging.getLogger("omnitrack_realtime")

#: Subscribe with this type to receive every event (but not the replies below).
ALL_EVENTS = "*"
#: The frame saying history the client asked for is gone (``data``: ``reason`` -- ``trimmed``,
#: ``epoch``, ``too_large`` -- and ``afterSeq``, ``epoch``).
EVENTS_LOST = "events_lost"
#: The server's replies to actions: delivered only to handlers of that exact type.
REPLY_TYPES = frozenset({"subscribed", "unsubscribed", "pong", "error", EVENTS_LOST})
#: A handler gets one :class:`Event`; it may be sync or async.
EventHandler = Callable[[Event], Any]


class _SeenSeqs:
    """The ``seq`` values seen recently, to drop replayed duplicates in O(1) and bounded memory."""

    __slots__ = ("_order", "_seen", "_window", "high")

    def __init__(self, window: int = 10_000) -> None:
        self._seen: set[int] = set()
        self._order: deque[int] = deque()
        self._window = window
        self.high: int | None = None  # the highest seq seen (the next afterSeq)

    def add(self, seq: int) -> bool:
        """Record ``seq``; False if it was seen already (or is too old to tell: a replay)."""
        if seq in self._seen:
            return False
        if len(self._order) >= self._window:
            if self._order and seq < self._order[0]:
                return False
            self._seen.discard(self._order.popleft())
        self._seen.add(seq)
        self._order.append(seq)
        if self.high is None or seq > self.high:
            self.high = seq
        return True


@dataclass(eq=False)
class _Listener:
    types: frozenset[str]
    mailbox: Mailbox[Event] = field(repr=False)

    def wants(self, event_type: str) -> bool:
        if event_type in self.types:
            return True
        return ALL_EVENTS in self.types and event_type not in REPLY_TYPES


class EventClient(ClientSurface):
    """A resilient subscription to the ``/ws`` event channel.

    ``url=None`` reads ``OMNITRACK_WS_URL``, then ``NEXT_PUBLIC_WS_URL``, then uses
    ``ws://localhost:3001/ws``. ``url`` may be a list (in the environment: commas): each
    retry goes to the next server, and resumes there from the client's cursor.
    Authentication and reconnection options are those of
    :class:`~omnitrack_realtime.CopilotClient`. ``buffer_size`` bounds each handler's and each
    ``listen()`` iterator's buffer.

    ::

        async with EventClient(user_id="user-123", token=get_token) as events:
            unsubscribe = events.subscribe("alert_notification", on_alert)
            async for event in events.listen("digital_twin_update"):
                print(event.seq, event.data)
    """

    _shared: ClassVar[dict[tuple[Any, ...], _SharedEntry]] = {}

    def __init__(
        self,
        url: str | Sequence[str] | None = None,
        *,
        buffer_size: int = 1000,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        self._buffer_size = _check_buffer_size(buffer_size)
        self._handlers: dict[str, list[HandlerWorker[Event]]] = {}
        self._listeners: list[_Listener] = []
        self._seen = _SeenSeqs()
        #: The epoch of the server's event history ``last_seq`` belongs to (``None``: unknown).
        self.epoch: str | None = None
        self.ignored = 0  # frames that were not valid events
        super().__init__(resolve_urls(url, EVENTS_URL_ENV, EVENTS_URL_DEFAULT), options)

    # ------------------------------------------------------------------ life cycle

    async def disconnect(self) -> None:
        """Close (code 1000) and cancel pending retries; ``listen()`` iterators end."""
        await self._conn.disconnect()

    async def close(self) -> None:
        """Disconnect and cancel handlers still running; subscriptions stay for a later
        ``connect()``."""
        await self.disconnect()
        self._cancel_pending_callbacks()

    def _cancel_pending_callbacks(self) -> None:
        for workers in self._handlers.values():
            for worker in workers:
                worker.cancel_pending()
        super()._cancel_pending_callbacks()

    # ------------------------------------------------------------------ state

    @property
    def last_seq(self) -> int | None:
        """The highest event ``seq`` seen (what a resubscription asks to continue after)."""
        return self._seen.high

    # ------------------------------------------------------------------ subscriptions

    def subscribe(self, event_type: str, handler: EventHandler) -> Callable[[], None]:
        """Call ``handler(event)`` (sync or async) for every event of ``event_type`` (``"*"``:
        every event); returns the function that unsubscribes it."""
        before = self._wanted_types()
        worker: HandlerWorker[Event] = HandlerWorker(
            handler, limit=self._buffer_size, on_drop=self._conn.count_dropped
        )
        self._handlers.setdefault(event_type, []).append(worker)
        self._update_subscription(before)

        def unsubscribe() -> None:
            before = self._wanted_types()
            workers = self._handlers.get(event_type, [])
            if worker in workers:
                workers.remove(worker)
                if not workers:
                    del self._handlers[event_type]
            worker.stop()
            self._update_subscription(before)

        return unsubscribe

    def on_events_lost(self, handler: EventHandler) -> Callable[[], None]:
        """Call ``handler(frame)`` whenever the server says events were lost (the history
        asked for on a reconnect is gone): the application may reload its state. The same as
        ``subscribe("events_lost", handler)``; every such frame also counts in
        ``stats().events_lost``."""
        return self.subscribe(EVENTS_LOST, handler)

    def listen(self, *event_types: str, buffer_size: int | None = None) -> AsyncGenerator[Event]:
        """Iterate over events of ``event_types`` (none: every event) as they arrive.

        Registered at once (events arriving before the first ``__anext__`` are kept). The
        buffer holds ``buffer_size`` events (default: the client's); when full the oldest is
        dropped and counted. Ends when the client is disconnected; raises
        :class:`ConnectionFailed` if it fails (or already has). Closing the iterator
        (``aclose()``, leaving its ``async for``) or dropping it, even never iterated,
        unregisters it.
        """
        size = self._buffer_size if buffer_size is None else _check_buffer_size(buffer_size)
        before = self._wanted_types()
        listener = _Listener(
            frozenset(event_types or (ALL_EVENTS,)),
            Mailbox(size, self._conn.count_dropped),
        )
        self._listeners.append(listener)
        self._update_subscription(before)
        if self._conn.state is ConnectionState.FAILED:  # nothing will end it otherwise
            listener.mailbox.close(self._conn.error or ConnectionFailed("the connection failed"))
        iterator = _Listening(self, listener)
        # A generator never iterated runs no `finally` when dropped: release its listener when
        # it is garbage collected, on the client's loop (it may be dropped in another thread).
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        release = weakref.finalize(iterator, _release_listener, self, listener, loop)
        release.atexit = False
        return iterator

    async def _iterate(self, listener: _Listener) -> AsyncGenerator[Event]:
        try:
            async for event in listener.mailbox:
                yield event
        finally:
            self._remove_listener(listener)

    def _remove_listener(self, listener: _Listener) -> None:
        if listener not in self._listeners:
            return
        before = self._wanted_types()
        self._listeners.remove(listener)
        listener.mailbox.close()
        self._update_subscription(before)

    async def send(self, message: dict[str, Any]) -> None:
        """Send one action (e.g. ``{"action": "ping"}``); queued while offline.

        Raises :class:`MessageTooLarge` or :class:`QueueFull`.
        """
        self._conn.send(encode(message))

    # ------------------------------------------------------------------ shared instances

    @classmethod
    def shared(
        cls,
        url: str | Sequence[str] | None = None,
        *,
        user_id: str | None = None,
        **options: Any,
    ) -> SharedEventClient:
        """A reference-counted client shared by every user of the same url and user in this
        event loop: ``async with EventClient.shared(user_id="u") as events: ...``. The first
        user connects it (with its ``options``); the last one to exit closes it."""
        return SharedEventClient(
            cls, resolve_urls(url, EVENTS_URL_ENV, EVENTS_URL_DEFAULT), user_id, options
        )

    # ------------------------------------------------------------------ internals

    def _wanted_types(self) -> frozenset[str]:
        types = set(self._handlers)
        for listener in self._listeners:
            types |= listener.types
        if ALL_EVENTS in types:
            types.discard(ALL_EVENTS)
            types.update(KNOWN_EVENT_TYPES)
        return frozenset(types - REPLY_TYPES)  # replies come without subscribing

    def _update_subscription(self, before: frozenset[str]) -> None:
        """Tell the server about types that became (un)wanted, if connected; a new connection
        subscribes to everything wanted anyway (see ``_process_open``)."""
        if not self._conn.is_connected:
            return
        after = self._wanted_types()
        added, removed = sorted(after - before), sorted(before - after)
        if added:
            self._conn.send(encode(SubscribeAction(channels=added)))
        if removed:
            self._conn.send(encode(UnsubscribeAction(channels=removed)))

    def _on_frame(self, data: bytes) -> None:
        try:
            event = decode_event(data)
        except ProtocolError as exc:
            self.ignored += 1
            logger.debug("ignored a malformed event frame: %s", exc)
            return
        if event.seq is not None and not self._seen.add(event.seq):
            return  # a replay of an event already delivered
        if event.type == "error":
            logger.debug("the event server reported an error: %r", event.data)
        elif event.type == "subscribed" and isinstance(event.data, dict):
            epoch, joined = event.data.get("epoch"), event.data.get("seq")
            if isinstance(epoch, str):
                self.epoch = epoch
            if isinstance(joined, int) and not isinstance(joined, bool) and self._seen.high is None:
                # Where this connection joined the server's log: seen up to there.
                self._seen.high = joined
        elif event.type == EVENTS_LOST:
            self._conn.count_events_lost()
            logger.warning("the event server says events were lost: %r", event.data)
        keys = (event.type,) if event.type in REPLY_TYPES else (event.type, ALL_EVENTS)
        for key in keys:
            workers = self._handlers.get(key)
            if workers:
                for worker in workers:
                    worker.submit(event)
        for listener in self._listeners:
            if listener.wants(event.type):
                listener.mailbox.put(event)

    def _process_open(self) -> list[bytes]:
        wanted = self._wanted_types()
        if not wanted:
            return []
        high = self._seen.high
        action = SubscribeAction(
            channels=sorted(wanted),
            after_seq=high,
            epoch=self.epoch if high is not None else None,
        )
        return [encode(action)]

    def _on_state(self, transition: Transition) -> None:
        self._changed()
        if not transition.new.is_terminal:
            return
        error: OmniTrackError | None = None
        if transition.new is ConnectionState.FAILED:
            error = self._conn.error or ConnectionFailed(transition.reason)
        for listener in self._listeners:
            listener.mailbox.close(error)


class _Listening(AsyncGenerator[Event, None]):
    """What ``listen()`` returns: its generator, plus an ``aclose()`` that unregisters the
    listener even before the first ``__anext__`` (a generator closed unstarted runs no
    ``finally``)."""

    __slots__ = ("__weakref__", "_client", "_inner", "_listener")

    def __init__(self, client: EventClient, listener: _Listener) -> None:
        self._client = client
        self._listener = listener
        self._inner = client._iterate(listener)

    def __aiter__(self) -> _Listening:
        return self

    async def __anext__(self) -> Event:
        return await self._inner.__anext__()

    async def asend(self, value: None) -> Event:
        return await self._inner.asend(value)

    async def athrow(self, typ: Any, *rest: Any) -> Event:
        return await self._inner.athrow(typ, *rest)  # as given: the 3-argument form is deprecated

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._client._remove_listener(self._listener)


def _check_buffer_size(size: int) -> int:
    # A buffer of 0 cannot hold the event being delivered (it would fail on every event).
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigurationError(f"buffer_size must be an integer >= 1, not {size!r}")
    return size


def _release_listener(
    client: EventClient, listener: _Listener, loop: asyncio.AbstractEventLoop | None
) -> None:
    """The finalizer of a dropped ``listen()`` iterator (see :meth:`EventClient.listen`)."""
    if loop is None:
        client._remove_listener(listener)
        return
    with contextlib.suppress(RuntimeError):  # the loop is closed: nothing left to release
        loop.call_soon_threadsafe(client._remove_listener, listener)


@dataclass(eq=False)
class _SharedEntry:
    client: EventClient
    users: int = 0
    ready: asyncio.Future[None] | None = None


class SharedEventClient:
    """The async context manager :meth:`EventClient.shared` returns."""

    def __init__(
        self,
        cls: type[EventClient],
        url: tuple[str, ...],
        user_id: str | None,
        options: dict[str, Any],
    ) -> None:
        self._cls = cls
        self._url = url
        self._user_id = user_id
        self._options = options
        self._key: tuple[Any, ...] | None = None

    async def __aenter__(self) -> EventClient:
        loop = asyncio.get_running_loop()
        key = (self._url, self._user_id, loop)
        self._key = key
        entry = EventClient._shared.get(key)
        if entry is None:
            client = self._cls(self._url, user_id=self._user_id, **self._options)
            entry = _SharedEntry(client, ready=loop.create_future())
            EventClient._shared[key] = entry
            entry.users += 1
            try:
                await client.connect()
            except BaseException as exc:
                entry.users -= 1
                EventClient._shared.pop(key, None)
                assert entry.ready is not None
                entry.ready.set_exception(
                    exc if isinstance(exc, Exception) else ConnectionFailed("cancelled")
                )
                entry.ready.exception()
                # Cancelled (or failed) mid-connect: nobody else can reach this client now, so
                # stop it rather than leave it connecting and retrying in the background.
                await asyncio.shield(client.close())
                raise
            assert entry.ready is not None
            entry.ready.set_result(None)
            return client
        entry.users += 1
        assert entry.ready is not None
        try:
            await asyncio.shield(entry.ready)
        except BaseException:
            entry.users -= 1
            raise
        return entry.client

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        key = self._key
        entry = EventClient._shared.get(key) if key is not None else None
        if key is None or entry is None:
            return
        entry.users -= 1
        if entry.users <= 0:
            EventClient._shared.pop(key, None)
            await entry.client.close()
