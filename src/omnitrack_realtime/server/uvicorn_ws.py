"""uvicorn's WebSocket protocol with every write counted against the outbound limit.

What uvicorn itself does (0.55, ``--ws websockets-sansio``; the ``websockets`` and ``wsproto``
implementations behave the same way): the pong for each ping a peer sends is written to the
transport at once, whatever is already buffered, and reading from the peer is paused only
while the application has not taken its last text or binary message. A peer that sends pings
and never reads therefore grows the server without bound (tens of MB per second), out of the
application's sight: ASGI carries no control frames, and nothing in the protocol tells the
application how much its connection has buffered. When the application's own sends back up,
uvicorn's ``send`` waits (the transport is over its 64 KiB high-water mark), so the ASGI
driver's queue sees that; but the keepalive timeout and the close after a
``websocket.close`` call ``transport.close()``, which waits for the buffer to drain and so,
for a peer that never reads, never ends.

:class:`BoundedWebSocketProtocol` is that protocol with three changes, selected with
:func:`~.asgi.uvicorn_options` (or ``uvicorn --ws
omnitrack_realtime.server.uvicorn_ws:BoundedWebSocketProtocol`` for the default 1 MiB):

- every write goes through :class:`_LimitedTransport`, which refuses one that would take the
  transport's buffer past the limit: pongs, keepalive pings, the application's frames, close
  frames alike;
- past the limit the connection stops being read (uvicorn cannot resume it), is failed with
  1013 (the application gets ``websocket.disconnect`` with that code) and is aborted
  ``close_timeout`` seconds later unless the peer read its way to the close frame by then;
- a close the application started is aborted, not merely closed, when the peer has not
  answered within the close timeout.

It relies on the sans-I/O protocol's internals (``conn``, ``transport``, ``close_timer``,
``queue``), so :mod:`tests.server` runs every protocol test through it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ..protocol.closecodes import TRY_AGAIN_LATER
from .metrics import Metrics

__all__ = ["BoundedWebSocketProtocol", "bounded_protocol"]

logger = logging.getLogger("omnitrack_realtime.server")

#: Room kept under the limit for the close frame of an overflowing connection (see ws_driver).
_CLOSE_FRAME_ROOM = 127
_DEFAULT_LIMIT = 1024 * 1024
_DEFAULT_CLOSE_TIMEOUT = 5.0


class _LimitedTransport(asyncio.Transport):
    """The transport as :class:`BoundedWebSocketProtocol` writes to it."""

    def __init__(self, transport: asyncio.Transport, owner: BoundedWebSocketProtocol) -> None:
        super().__init__()
        self._transport = transport
        self._owner = owner

    # The bounded part.

    def write(self, data: bytes | bytearray | memoryview[Any]) -> None:
        owner = self._owner
        if owner.overflowed or not data:
            return  # a failing connection writes its close frame itself (see overflow)
        transport = self._transport
        most = transport.get_write_buffer_size() + len(data)  # what it can hold after this write
        if most > owner.outbound_limit - _CLOSE_FRAME_ROOM:
            owner.overflow()
            return
        transport.write(data)
        if most > owner.peak_buffered:  # (usually not: the write goes to the socket at once)
            owner.note_buffered(transport.get_write_buffer_size())

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def write_past_limit(self, data: bytes) -> None:
        """Write the close frame of an overflowing connection (room was kept for it)."""
        transport = self._transport
        if transport.is_closing():
            return
        if data:
            transport.write(data)
        elif transport.can_write_eof():  # the end of stream the sans-I/O protocol asks for
            transport.write_eof()

    def resume_reading(self) -> None:
        if not self._owner.overflowed:  # uvicorn resumes when the app has read its queue
            self._transport.resume_reading()

    def resume_when_drained(self) -> None:
        """Resume reading once the write buffer is empty (at once if it is)."""
        transport = self._transport
        if transport.get_write_buffer_size():
            transport.set_write_buffer_limits(high=0, low=0)  # resume_writing() once empty
        else:
            transport.resume_reading()

    def drained(self) -> None:
        """The write buffer of an overflowed connection is empty: read (and discard) again."""
        self._transport.resume_reading()

    # The rest, as it is.

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def write_eof(self) -> None:
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def abort(self) -> None:
        self._transport.abort()

    def close(self) -> None:
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, bounded (see the module docstring).

    The class attributes are the configuration; :func:`bounded_protocol` makes a subclass with
    a server's values.
    """

    #: Bytes a connection may have waiting to be written.
    outbound_limit: int = _DEFAULT_LIMIT
    #: Seconds a failing or closing connection gets to read its way to the close frame.
    abort_after: float = _DEFAULT_CLOSE_TIMEOUT
    #: Where ``slow_consumers_closed`` and ``outbound_buffer_peak_bytes`` are counted.
    metrics: Metrics | None = None
    #: The most bytes one connection of this class has had waiting to be written.
    peak_buffered: int = 0

    overflowed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        super().connection_made(_LimitedTransport(transport, self))

    def note_buffered(self, size: int) -> None:
        """Record the write buffer's size after a write (its peak is a gauge)."""
        cls = type(self)
        if size > cls.peak_buffered:
            cls.peak_buffered = size  # per server: bounded_protocol() makes a class for each
            if self.metrics is not None:
                self.metrics.set("outbound_buffer_peak_bytes", size)

    def overflow(self) -> None:
        """The peer does not read what it is sent: stop reading it, fail the connection with
        1013, tell the application, read it again (to discard) once it has taken everything up
        to the close frame, abort it after ``abort_after`` if it has not gone by then."""
        if self.overflowed:
            return
        self.overflowed = True
        if self.metrics is not None:
            self.metrics.inc("slow_consumers_closed")
        logger.warning("closing a slow consumer (%s)", self._peer())
        self.transport.pause_reading()
        self.stop_keepalive()
        self.conn.data_to_send()  # what did not fit: dropped with the connection
        self.conn.fail(TRY_AGAIN_LATER, "slow consumer")
        transport = self.transport
        assert isinstance(transport, _LimitedTransport)  # see connection_made
        for data in self.conn.data_to_send():
            transport.write_past_limit(data)
        # Read it again (to discard) once it has taken everything up to the close frame, to
        # see it go; closing the socket now would reset it and lose the close frame.
        transport.resume_when_drained()
        if not self.close_sent:
            self.close_sent = True
            self.queue.put_nowait(
                {"type": "websocket.disconnect", "code": TRY_AGAIN_LATER, "reason": "slow consumer"}
            )
        self._abort_later()

    def resume_writing(self) -> None:
        super().resume_writing()
        transport = self.transport
        if self.overflowed and isinstance(transport, _LimitedTransport):
            transport.drained()

    def _abort_later(self) -> None:
        if self.close_timer is not None:
            self.close_timer.cancel()
        # connection_lost cancels it; uvicorn's run_asgi leaves the transport to it.
        self.close_timer = self.loop.call_later(self.abort_after, self.transport.abort)

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "unknown peer"

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message.get("type") == "websocket.close" and self.close_timer is not None:
            # uvicorn's timer calls transport.close(), which waits for the buffer to drain:
            # for a peer that never reads, forever.
            self._abort_later()

    def keepalive_timeout(self) -> None:
        # uvicorn writes the 1011 close, then transport.close(): that waits for the buffer to
        # drain, which for a peer that stopped reading never happens.
        super().keepalive_timeout()
        if self.transport.get_write_buffer_size():
            self._abort_later()


def bounded_protocol(
    limit: int, *, close_timeout: float = _DEFAULT_CLOSE_TIMEOUT, metrics: Metrics | None = None
) -> type[BoundedWebSocketProtocol]:
    """A :class:`BoundedWebSocketProtocol` for one server: uvicorn's ``ws=`` setting."""
    return type(
        "OmniTrackWebSocketProtocol",
        (BoundedWebSocketProtocol,),
        {
            "outbound_limit": limit,
            "abort_after": close_timeout,
            "metrics": metrics,
            "peak_buffered": 0,
        },
    )
