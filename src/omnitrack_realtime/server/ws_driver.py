"""The ``websockets`` asyncio driver: sockets in, sessions of the transport-agnostic core out.

Thin on purpose: ``process_request`` answers ``/healthz`` and ``/metrics``, authenticates the
handshake and enforces the per-user connection limit (HTTP 401/403/404/429 before any upgrade);
the handler feeds frames to a :class:`~.session.CopilotSession` or
:class:`~.session.EventSession` and gives it an :class:`_SocketOutbound`. Everything the
protocol means lives in the core, so the ASGI driver mirrors this file.

``websockets`` does the rest: frames over ``max_frame`` close 1009, the opening handshake times
out after ``handshake_timeout``, keepalive pings, and no permessage-deflate (``compression=None``:
small frames gain nothing and it costs about 3x the memory per connection).
"""

from __future__ import annotations

import asyncio
import http
import logging
import re
import time
from collections.abc import Coroutine, Sequence
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from ..errors import ConfigurationError
from ..protocol.closecodes import GOING_AWAY, TRY_AGAIN_LATER
from .access import log_close, log_open, log_refused
from .auth import SUBPROTOCOL, AuthRejected, Principal, authenticate_handshake
from .hub import Hub
from .session import CopilotSession, EventSession

__all__ = ["RedactingFilter", "WebSocketServer"]

logger = logging.getLogger("omnitrack_realtime.server")

_PATHS = ("/copilot", "/ws")

_SECRETS = (
    (re.compile(r"(?i)(authorization\s*[:=]\s*)\S.*"), r"\1[redacted]"),
    (re.compile(r"(?i)\bbearer([ .])[\w.~+/=-]+"), r"bearer\1[redacted]"),
    (re.compile(r"(?i)([?&](?:token|access_token|id_token|jwt)=)[^&\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)(\"token\"\s*:\s*\")[^\"]*"), r"\1[redacted]"),
    (re.compile(r"eyJ[\w-]*\.[\w.-]*"), "[redacted-jwt]"),
)


class RedactingFilter(logging.Filter):
    """Rewrites log records so that no token, Authorization header or JWT reaches a log
    (``websockets`` logs request lines, headers and frames at debug level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern, replacement in _SECRETS:
            redacted = pattern.sub(replacement, redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _socket_logger() -> logging.Logger:
    socket_logger = logging.getLogger("omnitrack_realtime.server.websockets")
    if not any(isinstance(f, RedactingFilter) for f in socket_logger.filters):
        socket_logger.addFilter(RedactingFilter())
    return socket_logger


class _SocketOutbound:
    """:class:`~.session.Outbound` over a ``websockets`` connection.

    ``send`` writes the frame to the transport synchronously, as ``websockets.broadcast`` does,
    so one slow reader never holds up a fan-out; the transport's write buffer is the outbound
    buffer, and a connection over ``limit`` bytes is closed 1013 ("slow consumer") and counted.
    """

    __slots__ = ("_batching", "_closing", "_connection", "_driver", "_limit")

    def __init__(self, connection: ServerConnection, driver: WebSocketServer, limit: int) -> None:
        self._connection = connection
        self._driver = driver
        self._limit = limit
        self._closing = False
        self._batching = False

    def send(self, data: bytes) -> None:
        connection = self._connection
        if self._closing or connection.protocol.state is not State.OPEN:
            return
        if connection.transport.get_write_buffer_size() + len(data) > self._limit:
            self._driver.hub.metrics.inc("slow_consumers_closed")
            logger.warning("closing a slow consumer (user %s)", self._driver.user_of(connection))
            self.close(TRY_AGAIN_LATER, "slow consumer")
            return
        try:
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
        """Write every frame queued since the last flush in one ``transport.write``.

        ``ServerConnection.send_data`` writes frame by frame, and each write of an idle
        transport is a system call; joining them is what makes a burst one call.
        """
        transport = self._connection.transport
        pending: list[bytes] = []
        try:
            for data in self._connection.protocol.data_to_send():
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
        except Exception:  # the peer vanished under us: the handler's loop will see it
            logger.debug("write failed", exc_info=True)

    def close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        self._driver.spawn(self._connection.close(code, reason))


class WebSocketServer:
    """The server on one host and port: ``/copilot``, ``/ws``, ``/healthz``, ``/metrics``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.config = hub.config
        self._unflushed: list[_SocketOutbound] = []
        self._server: Server | None = None
        self._principals: dict[ServerConnection, Principal] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._shutting_down = False

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

    def user_of(self, connection: ServerConnection) -> str:
        principal = self._principals.get(connection)
        return principal.user_id if principal else "?"

    # ------------------------------------------------------------------ HTTP, before the upgrade

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, "ok\n")
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
                request.path, request.headers, self.config.auth
            )
        except AuthRejected as exc:
            self.hub.metrics.inc("auth_failures", status=str(exc.status), where="handshake")
            log_refused(path, connection.remote_address, exc.status, exc.reason)
            return connection.respond(exc.status, f"{exc.reason}\n")
        limiter = self.hub.connections
        if not limiter.acquire(principal.user_id):
            retry_after = self.config.limits.connection_retry_after
            reason = f"Too many connections for this user (max {limiter.per_user})"
            log_refused(path, connection.remote_address, 429, reason)
            response = connection.respond(http.HTTPStatus.TOO_MANY_REQUESTS, f"{reason}\n")
            response.headers["Retry-After"] = str(retry_after)
            return response
        self._principals[connection] = principal
        # Released when the TCP connection ends, whether or not the handshake completed.
        connection.connection_lost_waiter.add_done_callback(
            lambda _: self._forget(connection, principal.user_id)
        )
        return None

    def _forget(self, connection: ServerConnection, user_id: str) -> None:
        self._principals.pop(connection, None)
        self.hub.connections.release(user_id)

    # ------------------------------------------------------------------ the connection

    async def _handle(self, connection: ServerConnection) -> None:
        principal = self._principals.get(connection)
        if principal is None or connection.request is None:  # defensive: not authenticated
            await connection.close(1011, "internal error")
            return
        outbound = _SocketOutbound(connection, self, self.config.outbound_buffer)
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


def _select_subprotocol(
    connection: ServerConnection, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    # Never echo the ``bearer.<jwt>`` entry: answer the protocol name only.
    return Subprotocol(SUBPROTOCOL) if SUBPROTOCOL in offered else None
