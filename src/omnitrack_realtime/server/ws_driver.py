"""The ``websockets`` asyncio driver: sockets in, sessions of the transport-agnostic core out.

Thin on purpose: ``process_request`` answers ``/healthz``, ``/metrics`` and the web console
(:mod:`.console`: ``/``, its files, ``/api/twin``), authenticates the
handshake and enforces the per-user connection limit (HTTP 401/403/404/429 before any upgrade);
the handler feeds frames to a :class:`~.session.CopilotSession` or
:class:`~.session.EventSession` and gives it an :class:`_SocketOutbound`. Everything the
protocol means lives in the core, so the ASGI driver mirrors this file.

``websockets`` does the rest: frames over ``max_frame`` close 1009, the opening handshake times
out after ``handshake_timeout``, keepalive pings, and no permessage-deflate (``compression=None``:
small frames gain nothing and it costs about 3x the memory per connection).

Memory per connection is bounded whatever the peer does. The transport's write buffer is the
connection's outbound buffer and everything written goes through it: our frames, but also the
pongs ``websockets`` answers to the peer's pings, keepalive pings and close frames
(:class:`_BoundedConnection`). A write that would take it past ``outbound_buffer`` bytes is not
made: the driver stops reading from the peer (nothing it sends is answered any more), fails the
connection with 1013 and aborts it ``close_timeout`` seconds later if the peer has not read its
way to the close frame by then. Without this, a client that sends pings and never reads grew
the server by tens of MB per second (``bench/ping_flood.py``).
"""

from __future__ import annotations

import asyncio
import http
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from ..errors import ConfigurationError
from ..protocol.chunks import is_chunk_frame
from ..protocol.closecodes import GOING_AWAY, TRY_AGAIN_LATER
from .access import log_close, log_open, log_refused
from .auth import (
    SUBPROTOCOL,
    AuthRejected,
    Principal,
    authenticate_handshake,
    redact_secrets,
)
from .console import Console, HttpReply
from .hub import Admission, Hub
from .redis_limits import retry_after_header
from .session import CopilotSession, EventSession

__all__ = ["RedactingFilter", "WebSocketServer", "install_redaction"]

logger = logging.getLogger("omnitrack_realtime.server")

_PATHS = ("/copilot", "/ws")


class RedactingFilter(logging.Filter):
    """Rewrites log records so that nothing token-shaped reaches a log: request lines and URLs
    (any query parameter holding a JWT, percent-encoded or not), Authorization and cookie
    headers, bearer subprotocols, JSON token fields, JWTs anywhere (``websockets`` and ASGI
    servers log request lines, headers and frames at debug level); see
    :func:`~.auth.redact_secrets`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_redaction(*names: str) -> None:
    """Put a :class:`RedactingFilter` on each named logger (once); the server's own logger
    always gets one too (a filter applies to the records of its own logger only)."""
    for name in (*names, "omnitrack_realtime.server"):
        named = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in named.filters):
            named.addFilter(RedactingFilter())


def _socket_logger() -> logging.Logger:
    install_redaction("omnitrack_realtime.server.websockets")
    return logging.getLogger("omnitrack_realtime.server.websockets")


#: Room kept under the outbound limit for the close frame that ends an overflowing connection
#: (2 header bytes, a 2-byte code and a reason of at most 123 bytes), so that the buffer never
#: holds more than the limit, that frame included.
_CLOSE_FRAME_ROOM = 127


class _BoundedConnection(ServerConnection):
    """A :class:`ServerConnection` whose every write counts against the outbound limit.

    ``websockets`` writes on its own: the pong for each ping the peer sends, keepalive pings,
    close frames. They all go through :meth:`send_data`, which joins what is pending into one
    ``transport.write`` and refuses a write that would take the transport's buffer past
    ``outbound_limit``: the connection then overflows (:meth:`overflow`). The driver writes its
    own frames through :meth:`send_data` too (:class:`_SocketOutbound`).

    ``driver`` and ``outbound_limit`` are set on the subclass each server makes
    (:meth:`WebSocketServer._connection_class`).
    """

    driver: WebSocketServer
    outbound_limit: int

    overflowed = False
    _abort_handle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # The incoming-message queue resumes reading when the handler catches up; after an
        # overflow nothing may resume it (see overflow()).
        self.recv_messages.resume = self._resume_reading

    def _resume_reading(self) -> None:
        if not self.overflowed:
            self.transport.resume_reading()

    def send_data(self) -> None:
        """Write everything pending in one call, unless it would pass the outbound limit."""
        writes = self.protocol.data_to_send()
        if not writes:
            return
        transport = self.transport
        most = 0  # what the buffer can hold after these writes
        if not self.overflowed:
            most = transport.get_write_buffer_size() + sum(len(data) for data in writes)
            if most > self.outbound_limit - _CLOSE_FRAME_ROOM:
                self.overflow()
                return
        pending: list[bytes] = []
        for data in writes:
            if data:
                pending.append(data)
                continue
            # End of stream (a close completed meanwhile): what came before goes first.
            if pending:
                transport.write(b"".join(pending))
                pending.clear()
            if transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
        if pending:
            transport.write(b"".join(pending))
        if most > self.driver.peak_buffered:  # (usually not: writes go to the socket at once)
            self.driver.note_buffered(transport.get_write_buffer_size())

    def overflow(self) -> None:
        """The peer does not read what it is sent: stop reading it, fail the connection with
        1013 (the writes that did not fit are dropped), read it again (to discard) once it has
        taken everything up to the close frame, abort it after ``close_timeout`` if it has
        not gone by then. Idempotent."""
        if self.overflowed:
            return
        self.overflowed = True
        self.driver.hub.metrics.inc("slow_consumers_closed")
        logger.warning("closing a slow consumer (user %s)", self.driver.user_of(self))
        self.transport.pause_reading()
        self.protocol.data_to_send()  # what did not fit: dropped with the connection
        self.protocol.fail(TRY_AGAIN_LATER, "slow consumer")
        try:
            self.send_data()  # the close frame (room was kept for it) and the end of stream
        except Exception:  # the peer vanished under us: connection_lost follows
            logger.debug("write failed", exc_info=True)
        # Read it again once it has taken everything written (whatever it sends is discarded
        # now): that is how its going away is seen. Not closing the socket meanwhile: a close
        # with unread input resets the connection, and the peer would lose the close frame.
        transport = self.transport
        if transport.get_write_buffer_size():
            transport.set_write_buffer_limits(high=0, low=0)  # resume_writing() once empty
        else:
            transport.resume_reading()
        if self.close_timeout is not None and not self.connection_lost_waiter.done():
            self._abort_handle = self.loop.call_later(self.close_timeout, self.transport.abort)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.overflowed:  # the close frame is out: see it go (see overflow())
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._abort_handle is not None:
            self._abort_handle.cancel()
            self._abort_handle = None
        super().connection_lost(exc)


class _SocketOutbound:
    """:class:`~.session.Outbound` over a ``websockets`` connection.

    ``send`` writes the frame to the transport synchronously, as ``websockets.broadcast`` does,
    so one slow reader never holds up a fan-out; the transport's write buffer is the outbound
    buffer, and a connection over its limit is closed 1013 ("slow consumer") and counted
    (:meth:`_BoundedConnection.overflow`).
    """

    __slots__ = ("_batching", "_closing", "_connection", "_driver")

    def __init__(self, connection: _BoundedConnection, driver: WebSocketServer) -> None:
        self._connection = connection
        self._driver = driver
        self._closing = False
        self._batching = False

    def send(self, data: bytes) -> None:
        connection = self._connection
        if self._closing or connection.protocol.state is not State.OPEN:
            return
        buffered = connection.transport.get_write_buffer_size()
        if buffered + len(data) > connection.outbound_limit - _CLOSE_FRAME_ROOM:
            connection.overflow()
            return
        try:
            if is_chunk_frame(data):  # an attachment's bytes (protocol/chunks.py)
                connection.protocol.send_binary(data)
            else:
                connection.protocol.send_text(data)
        except Exception:  # the peer vanished under us: the handler's loop will see it
            logger.debug("write failed", exc_info=True)
            return
        if self._batching:
            return  # leaves with the rest of this loop iteration's frames
        # The first frame of a loop iteration leaves at once (an event fanned out to many
        # connections is written like websockets.broadcast does); frames that follow in the
        # same iteration (a burst of tokens) are joined into one write at its end, so one
        # system call carries many frames.
        self.flush()
        self._batching = True
        self._driver.flush_soon(self)

    def end_batch(self) -> None:
        self._batching = False
        self.flush()

    def flush(self) -> None:
        """Write every frame queued since the last flush in one ``transport.write`` (checked
        against the outbound limit with everything else the connection writes).

        ``ServerConnection.send`` writes frame by frame, and each write of an idle transport
        is a system call; joining them is what makes a burst one call.
        """
        try:
            self._connection.send_data()
        except Exception:  # the peer vanished under us: the handler's loop will see it
            logger.debug("write failed", exc_info=True)

    def close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        self._driver.spawn(self._connection.close(code, reason))


class WebSocketServer:
    """The server on one host and port: ``/copilot``, ``/ws``, ``/healthz``, ``/metrics``, and
    the web console at ``/`` unless ``config.console`` is false."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.config = hub.config
        self._unflushed: list[_SocketOutbound] = []
        self._server: Server | None = None
        self._principals: dict[ServerConnection, Principal] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._shutting_down = False
        #: The most bytes one connection has had waiting to be written (at most the limit).
        self.peak_buffered = 0
        self.console = Console(hub) if self.config.console else None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self.hub.start()
        config = self.config
        try:
            self._server = await self._listen()
        except OSError as exc:
            await self.hub.close()
            reason = exc.strerror or str(exc)
            raise ConfigurationError(
                f"cannot listen on {config.host}:{config.port} ({reason})"
            ) from exc

    def _connection_class(self) -> type[_BoundedConnection]:
        """The connection class of this server: bounded by its configuration's limit."""
        return type(
            "OmniTrackConnection",
            (_BoundedConnection,),
            {"driver": self, "outbound_limit": self.config.outbound_buffer},
        )

    async def _listen(self) -> Server:
        config = self.config
        return await serve(
            self._handle,
            config.host,
            config.port,
            process_request=self._process_request,
            select_subprotocol=_select_subprotocol,
            compression=None,
            max_size=config.max_frame,
            open_timeout=config.handshake_timeout,
            ping_interval=config.ping_interval,
            ping_timeout=config.ping_timeout,
            close_timeout=config.close_timeout,
            server_header=None,
            logger=_socket_logger(),
            create_connection=self._connection_class(),
            # websockets' own flow control (send() waiting for the buffer to drain) never
            # engages below the limit; the limit itself is enforced by _BoundedConnection.
            write_limit=config.outbound_buffer,
        )

    @property
    def port(self) -> int:
        """The bound port (useful with ``port=0``)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"ws://{self.config.host}:{self.port}"

    async def shutdown(self) -> None:
        """Graceful: stop accepting, interrupt open streams (``stream_interrupted`` with the
        partial text), close every socket with 1001, then flush the store. Idempotent."""
        if self._shutting_down:
            await self._stopped.wait()
            return
        self._shutting_down = True
        try:
            if self._server is not None:
                self._server.server.close()  # stop accepting; open sockets stay for now
            await self.hub.interrupt_all()
            if self._server is not None:
                self._server.close(code=GOING_AWAY, reason="server shutting down")
                await self._server.wait_closed()
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=self.config.close_timeout)
            await self.hub.close()
        finally:
            self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    def flush_soon(self, outbound: _SocketOutbound) -> None:
        """Flush ``outbound`` at the end of this loop iteration, with every other connection
        written to meanwhile: one callback for a fan-out to thousands, not one each."""
        self._unflushed.append(outbound)
        if len(self._unflushed) == 1:
            asyncio.get_running_loop().call_soon(self._flush_all)

    def _flush_all(self) -> None:
        unflushed, self._unflushed = self._unflushed, []
        for outbound in unflushed:
            outbound.end_batch()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def note_buffered(self, size: int) -> None:
        """Record a connection's write-buffer size after a write (the peak is a gauge)."""
        if size > self.peak_buffered:
            self.peak_buffered = size
            self.hub.metrics.set("outbound_buffer_peak_bytes", size)

    def user_of(self, connection: ServerConnection) -> str:
        principal = self._principals.get(connection)
        return principal.user_id if principal else "?"

    # ------------------------------------------------------------------ HTTP, before the upgrade

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = urlsplit(request.path).path
        if self.console is not None and self.console.serves(path):
            reply = await self.console.reply(path, request.headers, connection.remote_address)
            if reply is not None:
                return _response(reply)
        if path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, self.hub.health())
        if path == "/metrics":
            response = connection.respond(http.HTTPStatus.OK, self.hub.metrics.render())
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        if path not in _PATHS:
            log_refused(path, connection.remote_address, 404, "not found")
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not found\n")
        try:
            principal, _subprotocol = authenticate_handshake(
                request.path, request.headers, self.config.auth, same_origin=self.config.console
            )
        except AuthRejected as exc:
            self.hub.metrics.inc("auth_failures", status=str(exc.status), where="handshake")
            log_refused(path, connection.remote_address, exc.status, exc.reason)
            return connection.respond(exc.status, f"{exc.reason}\n")
        admission = await self.hub.admit_connection(principal.user_id)
        if not admission.admitted:
            retry_after = retry_after_header(
                admission.retry_after, self.config.limits.connection_retry_after
            )
            per_user = self.config.limits.connections_per_user
            reason = f"Too many connections for this user (max {per_user})"
            log_refused(path, connection.remote_address, 429, reason)
            response = connection.respond(http.HTTPStatus.TOO_MANY_REQUESTS, f"{reason}\n")
            response.headers["Retry-After"] = str(retry_after)
            return response
        self._principals[connection] = principal
        # Released when the TCP connection ends, whether or not the handshake completed.
        connection.connection_lost_waiter.add_done_callback(
            lambda _: self._forget(connection, admission)
        )
        return None

    def _forget(self, connection: ServerConnection, admission: Admission) -> None:
        self._principals.pop(connection, None)
        self.hub.release_connection(admission)

    # ------------------------------------------------------------------ the connection

    async def _handle(self, connection: ServerConnection) -> None:
        principal = self._principals.get(connection)
        if principal is None or connection.request is None:  # defensive: not authenticated
            await connection.close(1011, "internal error")
            return
        assert isinstance(connection, _BoundedConnection)  # made by _connection_class()
        outbound = _SocketOutbound(connection, self)
        path = urlsplit(connection.request.path).path
        session: CopilotSession | EventSession
        if path == "/copilot":
            session = CopilotSession(self.hub, principal, outbound)
        else:
            session = EventSession(self.hub, principal, outbound)
        opened = time.monotonic()
        log_open(path, principal.user_id, connection.remote_address)
        await session.open()
        try:
            async for frame in connection:
                await session.receive(frame)
        except ConnectionClosed:
            pass
        finally:
            await session.close()
            log_close(
                path,
                principal.user_id,
                connection.remote_address,
                connection.close_code,
                time.monotonic() - opened,
            )


def _response(reply: HttpReply) -> Response:
    headers = Headers(reply.headers)
    headers["Content-Length"] = str(len(reply.body))
    status = http.HTTPStatus(reply.status)
    return Response(status.value, status.phrase, headers, reply.body)


def _select_subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    # Never echo the ``bearer.<jwt>`` entry: answer the protocol name only.
    return Subprotocol(SUBPROTOCOL) if SUBPROTOCOL in offered else None
