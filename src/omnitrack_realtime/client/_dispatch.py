"""Private: how frames reach user code without user code running inside the read loop.

The read loop only ever *puts* (never blocks, never awaits user code): into a
:class:`Mailbox` that an iterator (``listen()``, ``stream()``) drains in the caller's task, or
into a :class:`HandlerWorker` that runs one handler in a task of its own, so a slow handler
delays only itself and a raising one is logged while the others go on. Buffers are bounded:
on overflow the oldest item is dropped and counted, the connection is never stalled.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["HandlerWorker", "Mailbox"]

_T = TypeVar("_T")

logger = logging.getLogger("omnitrack_realtime")


class Mailbox(Generic[_T]):
    """A bounded buffer between one producer that must never block and one async consumer.

    ``put`` on a full mailbox drops the oldest item and calls ``on_drop``. ``close(error)`` ends
    the consumer's iteration once the buffer is drained (raising ``error`` if given).
    """

    __slots__ = ("_closed", "_error", "_items", "_limit", "_on_drop", "_waiter")

    def __init__(self, limit: int, on_drop: Callable[[], None] | None = None) -> None:
        self._items: collections.deque[_T] = collections.deque()
        self._limit = limit
        self._on_drop = on_drop
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, item: _T) -> None:
        if self._closed:
            return
        if len(self._items) >= self._limit:
            self._items.popleft()
            if self._on_drop is not None:
                self._on_drop()
        self._items.append(item)
        self._wake()

    def close(self, error: BaseException | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take_all(self) -> collections.deque[_T]:
        """Everything buffered now, oldest first (the mailbox is left empty)."""
        items, self._items = self._items, collections.deque()
        return items

    async def wait(self) -> bool:
        """Wait until an item is buffered (True) or the mailbox is closed and drained (False,
        or the close error raised)."""
        while not self._items:
            if self._closed:
                if self._error is not None:
                    raise self._error
                return False
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return True

    def __aiter__(self) -> Mailbox[_T]:
        return self

    async def __anext__(self) -> _T:
        if not self._items and not await self.wait():
            raise StopAsyncIteration
        return self._items.popleft()


class HandlerWorker(Generic[_T]):
    """Runs one user handler (sync or async) on every submitted item, in its own task.

    The task exists only while there is work: it starts on a submit and ends when the buffer
    is empty, so an idle subscription holds no task (nothing to clean up at loop shutdown).
    An exception in the handler is logged with the handler's name and the worker goes on with
    the next item. The buffer keeps ``limit`` items; on overflow the oldest is dropped and
    ``on_drop`` called.
    """

    __slots__ = ("_handler", "_items", "_limit", "_name", "_on_drop", "_stopped", "_task")

    def __init__(
        self,
        handler: Callable[[_T], Any],
        *,
        limit: int,
        on_drop: Callable[[], None] | None = None,
    ) -> None:
        self._handler = handler
        self._items: collections.deque[_T] = collections.deque()
        self._limit = limit
        self._on_drop = on_drop
        self._name = getattr(handler, "__qualname__", None) or repr(handler)
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def handler(self) -> Callable[[_T], Any]:
        return self._handler

    def submit(self, item: _T) -> None:
        if self._stopped:
            return
        if len(self._items) >= self._limit:
            self._items.popleft()
            if self._on_drop is not None:
                self._on_drop()
        self._items.append(item)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"omnitrack handler {self._name}"
            )

    async def _run(self) -> None:
        items = self._items
        try:
            while items:
                item = items.popleft()
                try:
                    result = self._handler(item)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("handler %s raised; the other handlers go on", self._name)
        finally:
            # Only if it is still ours: after cancel_pending() a new task may have started,
            # and forgetting it would let the next submit start a second, concurrent one.
            if self._task is asyncio.current_task():
                self._task = None

    def cancel_pending(self) -> None:
        """Discard buffered items and cancel a handler still running (e.g. the client is
        closing); the worker stays usable."""
        self._items.clear()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    def stop(self) -> None:
        """Stop for good (unsubscribed): like :meth:`cancel_pending`, and ignore later items."""
        self._stopped = True
        self.cancel_pending()
