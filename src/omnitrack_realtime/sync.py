"""Blocking twins of the async clients, for scripts and notebooks without an event loop.

::

    from omnitrack_realtime.sync import CopilotClient

    with CopilotClient(user_id="user-123") as copilot:
        print(copilot.ask("Show me the network summary"))
        for token in copilot.stream("Scan for anomalies"):
            print(token, end="", flush=True)

Each sync client owns one daemon thread running its own asyncio event loop, and the async
client of the same name (:class:`omnitrack_realtime.CopilotClient`,
:class:`omnitrack_realtime.EventClient`) lives on that loop: same engine, same behaviour
(reconnection, offline queue, keepalive). Calls from the caller's thread are handed to that loop
and wait for the result; ``close()`` (or leaving the ``with`` block) stops the loop and joins
the thread. Callbacks (``subscribe`` handlers, ``on_change``) run in order on a second thread of
the client, never on the loop, so a slow callback cannot stall pings. Iterators
(``stream()``, ``listen()``) pull one item at a time from the async iterator, so its bounded
buffer and overflow rule apply unchanged.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import inspect
import logging
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, Self, TypeVar

from .client.connection import ConnectionStats, RetryInfo
from .client.conversation import ChatMessage
from .client.copilot import CopilotClient as AsyncCopilotClient
from .client.events import EventClient as AsyncEventClient
from .client.history import ConversationSummary
from .client.state import ConnectionState
from .errors import ConnectionFailed
from .protocol import Event

__all__ = ["CopilotClient", "EventClient"]

_log = logging.getLogger("omnitrack_realtime.sync")

T = TypeVar("T")
ClientT = TypeVar("ClientT", AsyncCopilotClient, AsyncEventClient)


class _LoopThread:
    """An asyncio event loop running forever on a daemon thread, until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        # What other threads wait on: a coroutine handed over just as the loop stops would
        # never run, so its waiter is released (cancelled) when the loop ends.
        self._handed_over: set[concurrent.futures.Future[Any]] = set()
        self._ended = False
        self._stopping = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            with self._lock:
                self._ended = True
                stranded = list(self._handed_over)
            for future in stranded:
                future.cancel()  # the loop is stopped, not closed: the task is cancelled too
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._ended and not self.loop.is_closed()

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future[T]:
        async def _wrapped() -> T:
            return await coro

        with self._lock:
            if not self.running:
                if inspect.iscoroutine(coro):
                    coro.close()  # never started: no "never awaited" warning
                raise ConnectionFailed("the client is closed")
            future = asyncio.run_coroutine_threadsafe(_wrapped(), self.loop)
            self._handed_over.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._handed_over.discard(future)

    def run(self, coro: Awaitable[T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (re-raising its exception).

        On timeout or Ctrl-C the coroutine is cancelled before the exception propagates; if
        the loop stops before the coroutine finished, :class:`ConnectionFailed` is raised.
        """
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.CancelledError:
            if self._ended:
                raise ConnectionFailed("the client is closed") from None
            raise
        except BaseException:
            future.cancel()
            raise

    def call(self, function: Callable[[], T]) -> T:
        """Evaluate ``function`` on the loop thread (a consistent read of client state); once
        the loop has stopped nothing else touches the client, so read it directly."""
        if threading.current_thread() is self._thread or not self.running:
            return function()

        async def _call() -> T:
            return function()

        try:
            return self.run(_call())
        except ConnectionFailed:
            if self._ended:  # the loop stopped while the read waited for it
                return function()
            raise

    def stop(self) -> None:
        with self._lock:  # one stop only: a second one queued would end shutdown_asyncgens
            if not self._stopping and not self._ended:
                self._stopping = True
                self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join()


class _CallbackThread:
    """Runs callbacks in order on one thread of their own; an exception is logged, not raised."""

    _STOP = object()

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            function, args = item
            try:
                function(*args)
            except Exception:
                _log.exception("callback %r failed", function)

    def put(self, function: Callable[..., Any], *args: Any) -> None:
        self._queue.put((function, args))

    def stop(self) -> None:
        self._queue.put(self._STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()


class _PlainIterator(Generic[T]):
    """A blocking iterator pulling one item at a time from an async iterator on a loop."""

    def __init__(self, loop: _LoopThread, source: AsyncIterator[T], timeout: float | None):
        self._loop = loop
        self._source = source
        self._timeout = timeout
        self._pending: concurrent.futures.Future[T] | None = None
        self._done = False

    def __iter__(self) -> _PlainIterator[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        if self._pending is None:
            self._pending = self._loop.submit(anext(self._source))
        try:
            item = self._pending.result(self._timeout)
        except concurrent.futures.TimeoutError:
            raise TimeoutError(f"no item within {self._timeout} s") from None
        except StopAsyncIteration:
            self._done = True
            raise StopIteration from None
        except BaseException:
            if self._pending.done():
                self._pending = None
                self._done = True
            raise  # Ctrl-C while waiting: the pending item stays for a later next()
        self._pending = None
        return item

    def close(self) -> None:
        """Stop iterating and close the async iterator (idempotent)."""
        if self._done and self._pending is None:
            return
        self._done = True
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
        closer = getattr(self._source, "aclose", None)
        if closer is not None and not self._loop.loop.is_closed():
            try:
                self._loop.run(closer(), timeout=5)
            except Exception:
                _log.debug("closing an iterator failed", exc_info=True)

    def __enter__(self) -> _PlainIterator[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _SyncClient(Generic[ClientT]):
    """What both sync clients share: the loop thread, the callback thread, the life cycle."""

    _client: ClientT

    def __init__(self, factory: Callable[[], ClientT], name: str) -> None:
        self._name = name
        self._loop = _LoopThread(f"omnitrack-sync-{name}-loop")
        self._callbacks: _CallbackThread | None = None
        self._closed = False
        # Callers may use one client from several threads: one callback thread, one close.
        self._lock = threading.Lock()

        async def _create() -> ClientT:
            return factory()  # on the loop: the async client may bind to the running loop

        try:
            self._client = self._loop.run(_create())
        except BaseException:
            self._loop.stop()
            raise

    def _callback_thread(self) -> _CallbackThread:
        with self._lock:
            if self._callbacks is None:
                self._callbacks = _CallbackThread(f"omnitrack-sync-{self._name}-callbacks")
            return self._callbacks

    @property
    def state(self) -> ConnectionState:
        state: ConnectionState = self._loop.call(lambda: self._client.state)
        return state

    @property
    def is_connected(self) -> bool:
        return self.state is ConnectionState.OPEN

    @property
    def is_connecting(self) -> bool:
        return self.state in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING)

    def on_change(self, callback: Callable[[], Any]) -> Callable[[], None]:
        """Call ``callback()`` after state changes (coalesced, as in the async client), on
        this client's callback thread. Returns a function that unsubscribes it."""
        callbacks = self._callback_thread()
        # At most one call waits on the callback thread: changes while it waits are seen by
        # that call (it reads the latest state), so a slow callback never falls behind.
        waiting = threading.Lock()

        def _call() -> None:
            waiting.release()  # changes from now on need a call of their own
            callback()

        def _relay(*_args: Any) -> None:
            if waiting.acquire(blocking=False):
                callbacks.put(_call)

        unsubscribe: Callable[[], None] = self._loop.call(lambda: self._client.on_change(_relay))
        return lambda: self._loop.call(unsubscribe)

    @property
    def error(self) -> str | None:
        """The last error to show (see the async client's ``error``); ``None`` if all is well."""
        error: str | None = self._loop.call(lambda: self._client.error)
        return error

    @property
    def next_retry(self) -> RetryInfo | None:
        """The pending retry while reconnecting (see the async client's ``next_retry``)."""
        retry: RetryInfo | None = self._loop.call(lambda: self._client.next_retry)
        return retry

    def stats(self) -> ConnectionStats:
        """The async client's counters (connects, reconnects, messages sent/received, ...)."""
        stats: ConnectionStats = self._loop.call(lambda: self._client.stats())
        return stats

    def connect(self, timeout: float | None = None) -> None:
        """Connect; returns once the first attempt succeeded or failed (see the async client)."""
        self._loop.run(self._client.connect(), timeout)

    def retry_now(self) -> bool:
        """Retry at once (see the async client's ``retry_now``); False if nothing to retry."""
        retried: bool = self._loop.call(lambda: self._client.retry_now())
        return retried

    def disconnect(self, timeout: float | None = None) -> None:
        """Close the connection and cancel any pending retry (the client can connect again)."""
        self._loop.run(self._client.disconnect(), timeout)

    async def _shutdown(self) -> None:
        # Leaving the async client's context: disconnects and stops its callback tasks.
        await self._client.__aexit__(None, None, None)

    def __enter__(self) -> Self:
        try:
            self.connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect and stop this client's threads. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._loop.run(self._shutdown(), timeout=10)
        except Exception:
            _log.debug("disconnect during close failed", exc_info=True)
        finally:
            self._loop.stop()
            if self._callbacks is not None:
                self._callbacks.stop()

    def _iterate(
        self, source: Callable[[], AsyncIterator[T]], timeout: float | None
    ) -> Iterator[T]:
        """A plain iterator over an async iterator, created now on the loop and consumed there.

        ``timeout`` bounds the wait for each item (``TimeoutError``; the iterator stays usable
        and the item still arrives on a later ``next()``); ``close()`` closes the async one.
        """

        async def _open() -> AsyncIterator[T]:
            return source()

        return _PlainIterator(self._loop, self._loop.run(_open()), timeout)

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self._loop.stop()


class CopilotClient(_SyncClient[AsyncCopilotClient]):
    """Blocking copilot client: ``ask()`` returns the reply, ``stream()`` yields its tokens.

    Takes the same keyword arguments as :class:`omnitrack_realtime.CopilotClient` (``url``,
    ``user_id``, ``token``, ``reconnect``, ``max_queue``, ``store``, ...). ``connect()``
    happens on ``with`` entry, or call it yourself (the seed's ``autoConnect: false`` flow);
    with a ``store`` it restores the conversation first, and ``close()`` closes the store.
    """

    def __init__(self, url: str | Sequence[str] | None = None, **options: Any) -> None:
        super().__init__(lambda: AsyncCopilotClient(url=url, **options), "copilot")

    def send_message(self, text: str, timeout: float | None = None) -> ChatMessage:
        """Send a message (queued while offline); returns the user's message at once."""
        message: ChatMessage = self._loop.run(self._client.send_message(text), timeout)
        return message

    def ask(self, text: str, timeout: float | None = None) -> ChatMessage:
        """Send ``text`` and wait for the whole answer, an assistant :class:`ChatMessage`
        (``.content`` is the text; ``.status`` says how it ended). Raises ``TimeoutError``
        after ``timeout`` seconds and :class:`ConnectionFailed` if the connection gives up."""
        reply: ChatMessage = self._loop.run(self._client.ask(text, timeout))
        return reply

    def stream(self, text: str, timeout: float | None = None) -> Iterator[str]:
        """Send ``text`` and yield the answer's tokens as they arrive.

        ``timeout`` bounds the wait for each token, not the whole answer.
        """
        return self._iterate(lambda: self._client.stream(text), timeout)

    def cancel(self, timeout: float | None = None) -> None:
        """Ask the server to stop the answer being generated."""
        self._loop.run(self._client.cancel(), timeout)

    def conversations(self, timeout: float | None = None) -> list[ConversationSummary]:
        """The stored conversations, most recent first (empty without a ``store``)."""
        found: list[ConversationSummary] = self._loop.run(self._client.conversations(), timeout)
        return found

    def switch_conversation(
        self, conversation: str | None = None, timeout: float | None = None
    ) -> None:
        """Open another conversation (a stored one's key or id, another device's id, or
        ``None`` for a new one); see the async client's ``switch_conversation``."""
        self._loop.run(self._client.switch_conversation(conversation), timeout)

    def mark_read(self, timeout: float | None = None) -> bool:
        """Tell the user's other devices the conversation is read up to its newest message."""
        reported: bool = self._loop.run(self._client.mark_read(), timeout)
        return reported

    def send_typing(self, timeout: float | None = None) -> None:
        """Tell the user's other devices they are typing here (throttled)."""
        self._loop.run(self._client.send_typing(), timeout)

    @property
    def typing_elsewhere(self) -> bool:
        return bool(self._loop.call(lambda: self._client.typing_elsewhere))

    @property
    def messages(self) -> list[ChatMessage]:
        return self._loop.call(lambda: list(self._client.messages))

    @property
    def is_typing(self) -> bool:
        return bool(self._loop.call(lambda: self._client.is_typing))

    @property
    def conversation_id(self) -> str | None:
        conversation: str | None = self._loop.call(lambda: self._client.conversation_id)
        return conversation

    @property
    def suggestions(self) -> list[str]:
        return self._loop.call(lambda: list(self._client.suggestions))


class EventClient(_SyncClient[AsyncEventClient]):
    """Blocking ``/ws`` event client: ``listen()`` is a plain iterator; ``subscribe()``
    handlers run on the client's callback thread.

    Takes the same keyword arguments as :class:`omnitrack_realtime.EventClient`.
    """

    def __init__(self, url: str | Sequence[str] | None = None, **options: Any) -> None:
        super().__init__(lambda: AsyncEventClient(url=url, **options), "events")

    def subscribe(self, event_type: str, handler: Callable[[Event], Any]) -> Callable[[], None]:
        """Call ``handler(event)`` for each event of ``event_type``; returns the unsubscriber.

        Events wait for a slow handler in a buffer of the client's ``buffer_size``; when it is
        full the oldest is dropped and counted in ``stats().dropped`` (as in the async client).
        """
        callbacks = self._callback_thread()
        client = self._client
        limit: int = self._loop.call(lambda: client._buffer_size)
        pending: collections.deque[Event] = collections.deque()
        lock = threading.Lock()
        draining = False  # a drain is queued on the callback thread

        def _drain() -> None:  # on the callback thread
            nonlocal draining
            while True:
                with lock:
                    if not pending:
                        draining = False
                        return
                    event = pending.popleft()
                try:
                    handler(event)
                except Exception:
                    _log.exception("handler %r failed", handler)

        def _relay(event: Event) -> None:  # on the loop
            nonlocal draining
            with lock:
                if len(pending) >= limit:
                    pending.popleft()
                    client.connection.count_dropped()
                pending.append(event)
                if draining:
                    return
                draining = True
            callbacks.put(_drain)

        unsubscribe: Callable[[], None] = self._loop.call(
            lambda: self._client.subscribe(event_type, _relay)
        )
        return lambda: self._loop.call(unsubscribe)

    def listen(self, *event_types: str, timeout: float | None = None) -> Iterator[Event]:
        """Yield events of the given types (all types when none) as they arrive.

        ``timeout`` bounds the wait for each event (``TimeoutError``).
        """
        return self._iterate(lambda: self._client.listen(*event_types), timeout)

    @property
    def last_seq(self) -> int | None:
        """The highest event ``seq`` seen (resubscriptions continue after it)."""
        seq: int | None = self._loop.call(lambda: self._client.last_seq)
        return seq

    def send(self, message: dict[str, Any], timeout: float | None = None) -> None:
        """Send one action to the server (``{"action": "ping"}``, ``subscribe``, ...)."""
        self._loop.run(self._client.send(message), timeout)
