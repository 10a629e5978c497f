"""What both clients share: the connection options, the life cycle and the connection-facing
state (``state``, ``is_connected``, ``stats()``, ``on_change``...), and the adapter that plugs a
client's private hooks into its :class:`~.connection.Connection`.

:class:`~.copilot.CopilotClient` and :class:`~.events.EventClient` differ only in what they do
with frames and state changes; they override the ``_on_*`` hooks below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypedDict, cast

from ..errors import OmniTrackError
from ._dispatch import HandlerWorker
from ._env import TokenProvider
from .backoff import ReconnectPolicy
from .connection import Connection, ConnectionStats, RetryInfo
from .outbox import OutboxItem
from .state import ConnectionState, Transition

__all__ = ["ClientSurface", "ConnectionOptions"]


class ConnectionOptions(TypedDict, total=False):
    """The keyword arguments both clients pass to their :class:`~.connection.Connection`
    (defaults there): who connects, how they authenticate, how they reconnect and keep alive."""

    user_id: str | None
    token: TokenProvider
    token_in_query: bool
    reconnect: ReconnectPolicy | None
    ping_interval: float | None
    ping_timeout: float | None
    open_timeout: float | None
    close_timeout: float | None
    max_queue: int
    max_message_size: int
    random: Callable[[], float]
    clock: Callable[[], float]  # monotonic seconds: retry deadlines, rate-limit holds (tests)


class ClientSurface:
    """The life cycle and connection state of a client; subclasses add their protocol."""

    def __init__(self, url: str | Sequence[str], options: ConnectionOptions) -> None:
        self._change_workers: list[HandlerWorker[Self]] = []
        self._conn = Connection(url, handler=_Handler(self), **options)

    # ------------------------------------------------------------------ life cycle

    async def connect(self) -> None:
        """Connect; returns once the first attempt succeeded or failed (retries continue in
        the background). Raises only terminal errors, e.g. :class:`AuthenticationError`."""
        await self._conn.connect()

    async def disconnect(self) -> None:
        """Close (code 1000) and cancel pending retries."""
        await self._conn.disconnect()

    def retry_now(self) -> bool:
        """Retry at once: end the wait for a pending retry, or, after the client gave up
        (state ``FAILED``), make one more attempt. False when there is nothing to retry
        (connected, connecting, disconnected on purpose). See :meth:`Connection.retry_now`."""
        return self._conn.retry_now()

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()
        self._cancel_pending_callbacks()  # subscriptions stay for a later connect()

    def _cancel_pending_callbacks(self) -> None:
        for worker in self._change_workers:
            worker.cancel_pending()

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> ConnectionState:
        return self._conn.state

    @property
    def is_connected(self) -> bool:
        return self._conn.is_connected

    @property
    def is_connecting(self) -> bool:
        return self._conn.is_connecting

    @property
    def error(self) -> str | None:
        """Why the connection is failing; ``None`` when all is well."""
        failure = self._conn.error
        return str(failure) if failure is not None else None

    @property
    def next_retry(self) -> RetryInfo | None:
        """The retry waiting to happen (attempt number, limit, monotonic due time) while the
        client is between attempts, else ``None`` (see :attr:`Connection.next_retry`)."""
        return self._conn.next_retry

    @property
    def connection(self) -> Connection:
        """The underlying connection (state waits, ping, outbox)."""
        return self._conn

    def stats(self) -> ConnectionStats:
        return self._conn.stats()

    def on_change(self, callback: Callable[[Self], Any]) -> Callable[[], None]:
        """Call ``callback(client)`` (sync or async) after state changes; returns the function
        that unsubscribes it. Calls are coalesced: a slow callback sees the latest state once
        rather than every intermediate one, and never delays the connection."""
        worker: HandlerWorker[Self] = HandlerWorker(callback, limit=1)
        self._change_workers.append(worker)

        def unsubscribe() -> None:
            if worker in self._change_workers:
                self._change_workers.remove(worker)
            worker.stop()

        return unsubscribe

    def _changed(self) -> None:
        client = cast(Self, self)  # mypy types a plain `self` as the base class
        for worker in self._change_workers:
            worker.submit(client)

    # ------------------------------------------------------------------ driver hooks
    # Called by the connection's tasks, synchronously: update state, hand work to other tasks.

    def _on_frame(self, data: bytes) -> None:
        raise NotImplementedError

    def _on_state(self, transition: Transition) -> None:
        self._changed()

    def _process_open(self) -> list[bytes]:
        return []

    def _on_written(self, item: OutboxItem) -> None:
        pass

    def _on_refused(self, item: OutboxItem, error: OmniTrackError) -> None:
        pass

    def _on_lost(self) -> None:
        pass

    def _conversation_known(self) -> bool:
        return True


class _Handler:
    """Adapts the driver's hooks to the client's private methods (keeps them off its API)."""

    __slots__ = ("_client", "on_frame")

    def __init__(self, client: ClientSurface) -> None:
        self._client = client
        # The per-frame hook is the client's own bound method: no extra call per frame.
        self.on_frame: Callable[[bytes], None] = client._on_frame

    def on_state(self, transition: Transition) -> None:
        self._client._on_state(transition)

    def process_open(self) -> list[bytes]:
        return self._client._process_open()

    def on_written(self, item: OutboxItem) -> None:
        self._client._on_written(item)

    def on_refused(self, item: OutboxItem, error: OmniTrackError) -> None:
        self._client._on_refused(item, error)

    def on_lost(self) -> None:
        self._client._on_lost()

    def conversation_known(self) -> bool:
        return self._client._conversation_known()
