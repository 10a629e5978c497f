"""The ASGI driver: the same session core as :mod:`.ws_driver`, as an ASGI 3 application.

Mount it in Starlette or FastAPI, or serve it with any ASGI server that speaks WebSocket::

    omnitrack = create_asgi_app(ServerConfig(...))
    app = Starlette(routes=[Mount("/realtime", app=omnitrack)], lifespan=omnitrack.lifespan)
    # uvicorn module:app --ws omnitrack_realtime.server.uvicorn_ws:BoundedWebSocketProtocol ...
    # (see uvicorn_options() for the settings)

Scopes: ``websocket`` on ``/copilot`` and ``/ws``, ``http`` on ``/healthz``, ``/metrics`` and
the web console (``/``, its files and ``/api/twin``, see :mod:`.console`; paths relative to the
mount point), ``lifespan`` when it is the top-level application.
Mounted apps get no lifespan events, so the hub also starts on the first request; pass
``lifespan=omnitrack.lifespan`` (or call :meth:`OmniTrackASGI.shutdown`) for a graceful stop.

What the driver does, mirroring :mod:`.ws_driver`: authenticate the handshake and enforce the
per-user connection limit BEFORE accepting, answering 401/403/404/429 with the ASGI
"WebSocket Denial Response" extension (``websocket.http.response``; servers without it can
only refuse with 403); feed frames to a :class:`~.session.CopilotSession` or
:class:`~.session.EventSession`; give it an outbound that never blocks. ASGI's ``send`` is a
coroutine: the outbound runs it on the spot and it usually completes without suspending (a
fan-out is then synchronous writes, as in the websockets driver); only a send that suspends
(the peer is not reading) gets a writer task, with a bounded queue behind it: a connection
with more than ``outbound_buffer`` bytes waiting is closed 1013 and counted.

What the ASGI server does (configure it with :func:`uvicorn_options` or its equivalent): the
frame size limit (1009; the app also closes 1009 for a larger frame the server let through),
keepalive pings, handshake timeout, and no permessage-deflate.

What the ASGI server must also do, because ASGI cannot: bound what it writes on its own. The
pongs it answers to a peer's pings never reach the application, and nothing in ASGI says how
much a connection has buffered; uvicorn's own protocols write every pong at once, so a peer
that pings and never reads grows the server without bound. :func:`uvicorn_options` therefore
selects :class:`~.uvicorn_ws.BoundedWebSocketProtocol` (uvicorn's sans-I/O protocol with every
write counted against ``outbound_buffer``; past it: reading stopped, close 1013, abort after
``close_timeout``). Under another ASGI server, the bound on application frames holds (this
module's queue) but the one on control frames is that server's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
    MutableMapping,
)
from typing import Any

from ..protocol.chunks import is_chunk_frame
from ..protocol.closecodes import GOING_AWAY, MESSAGE_TOO_BIG, TRY_AGAIN_LATER
from ..seam import CopilotEngine
from .access import log_close, log_open, log_refused
from .auth import AuthRejected, authenticate_handshake
from .backplane import Backplane
from .config import ServerConfig
from .console import Console, HttpReply
from .hub import Hub
from .metrics import Metrics
from .redis_limits import retry_after_header
from .session import CopilotSession, EventSession
from .store import ConversationStore
from .ws_driver import install_redaction

__all__ = ["OmniTrackASGI", "create_asgi_app", "uvicorn_options"]

logger = logging.getLogger("omnitrack_realtime.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PATHS = ("/copilot", "/ws")
_DENIAL_EXTENSION = "websocket.http.response"
#: Loggers of ASGI servers that print request paths (query strings included).
_SERVER_LOGGERS = ("uvicorn.error", "uvicorn.access", "hypercorn.access", "hypercorn.error")


class _Headers(Mapping[str, str]):
    """ASGI's raw header list as the case-insensitive multi-mapping auth expects."""

    __slots__ = ("_items",)

    def __init__(self, raw: list[tuple[bytes, bytes]] | list[list[bytes]]) -> None:
        self._items = [
            (name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw
        ]

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self._items if key == lowered]

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return values[0]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self._items))

    def __len__(self) -> int:
        return len({key for key, _ in self._items})


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and sets root_path)."""
    path: str = scope.get("path", "") or "/"
    root: str = scope.get("root_path", "") or ""
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
        path = path[len(root) :] or "/"
    return path


async def _finish_suspended(steps: Generator[Any, None, Any], waiting: Any) -> None:
    """Run the rest of an awaitable that was started outside a task (``steps.send(None)``) and
    suspended on the future ``waiting``, in the calling task, as a task would have run it.

    The awaitable reads its future's outcome itself when resumed (``Future.__await__``); a
    cancellation of the calling task is thrown into it.
    """
    while True:
        cancelled: asyncio.CancelledError | None = None
        try:
            if waiting is None:  # a bare ``yield``: give the loop one turn
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
        except asyncio.CancelledError as exc:
            cancelled = exc
        try:
            waiting = steps.send(None) if cancelled is None else steps.throw(cancelled)
        except StopIteration:
            return


def _send_message(data: bytes) -> Message:
    """The ASGI send message of one frame: an attachment chunk binary, the rest text."""
    if is_chunk_frame(data):
        return {"type": "websocket.send", "bytes": data}
    return {"type": "websocket.send", "text": data.decode()}


class _QueueOutbound:
    """:class:`~.session.Outbound` over ASGI ``send``: eager writes, then a queue and a writer.

    ``send`` and ``close`` never block. ASGI's ``send`` is a coroutine, but a server's send
    usually completes without suspending (uvicorn writes to the transport unless it is over its
    high-water mark): when nothing is waiting, ``send`` runs the server's coroutine on the spot,
    and only if it suspends is a writer task started to finish it and drain the frames queued
    meanwhile. So an event fanned out to 2,000 sockets is 2,000 synchronous writes, as
    ``websockets.broadcast`` does, not 2,000 tasks (whose lifetime across a loop turn is what
    made the garbage collector's full collections land in fan-outs).

    Frames go out in order; ``close`` goes out after the frames queued before it (so an
    ``error`` frame arrives before its 4429/4401 close), except for a slow consumer: more than
    ``limit`` bytes queued behind a suspended send drops the backlog and closes it 1013.
    """

    __slots__ = (
        "_closing",
        "_frames",
        "_limit",
        "_metrics",
        "_queued",
        "_send",
        "_shut",
        "_suspended",
        "_writer",
        "user_id",
    )

    def __init__(self, send: Send, *, limit: int, metrics: Metrics, user_id: str) -> None:
        self._send = send
        self._limit = limit
        self._metrics = metrics
        self.user_id = user_id
        self._frames: deque[bytes] | None = None  # made on first use: idle sockets are many
        self._queued = 0
        self._closing: tuple[int, str] | None = None
        self._shut = False  # a write failed or the close went out: nothing more can be sent
        self._writer: asyncio.Task[None] | None = None
        self._suspended: Generator[Any, None, Any] | None = None  # a started send, unfinished

    def send(self, data: bytes) -> None:
        if self._closing is not None or self._shut:
            return
        if self._writer is None:  # nothing queued (a writer exists while anything is)
            self._start(_send_message(data))
            return
        if self._queued + len(data) > self._limit:
            self._metrics.inc("slow_consumers_closed")
            logger.warning("closing a slow consumer (user %s)", self.user_id)
            self._frames = None
            self._queued = 0
            self.close(TRY_AGAIN_LATER, "slow consumer")
            return
        if self._frames is None:
            self._frames = deque()
        self._frames.append(data)
        self._queued += len(data)

    def close(self, code: int, reason: str) -> None:
        if self._closing is not None or self._shut:
            return
        self._closing = (code, reason)
        if self._writer is None:
            self._shut = True
            self._start({"type": "websocket.close", "code": code, "reason": reason})

    def _start(self, message: Message) -> None:
        """Run the server's ``send(message)`` until it first suspends; a writer finishes it."""
        steps = self._send(message).__await__()
        try:
            waiting = steps.send(None)
        except StopIteration:
            return
        except Exception:  # the peer is gone (the server raises on send): the reader sees it
            logger.debug("write failed", exc_info=True)
            self._shut = True
            return
        self._suspended = steps
        self._writer = asyncio.get_running_loop().create_task(self._write(steps, waiting))

    async def _write(self, steps: Generator[Any, None, Any], waiting: Any) -> None:
        try:
            await _finish_suspended(steps, waiting)
            self._suspended = None
            while self._frames and not self._shut:
                data = self._frames.popleft()
                self._queued -= len(data)
                await self._send(_send_message(data))
            if self._closing is not None and not self._shut:
                code, reason = self._closing
                self._shut = True
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except asyncio.CancelledError:
            self._shut = True
            raise
        except Exception:  # the peer is gone (the server raises on send): the reader sees it
            logger.debug("write failed", exc_info=True)
            self._shut = True
        finally:
            self._writer = None
            self._frames = None
            self._queued = 0

    async def stop(self, grace: float) -> None:
        """The connection ended: let a pending close go out (``grace`` seconds at most), then
        stop writing."""
        writer = self._writer
        if writer is not None and self._closing is not None:
            await asyncio.wait([writer], timeout=grace)
        self._shut = True
        self._frames = None
        writer = self._writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        self._writer = None
        if self._suspended is not None:  # the writer was cancelled before it began
            self._suspended.close()
            self._suspended = None


class OmniTrackASGI:
    """The ASGI application (see the module docstring); build it with :func:`create_asgi_app`."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.config: ServerConfig = hub.config
        self._outbounds: set[_QueueOutbound] = set()
        self._handlers: set[asyncio.Future[None]] = set()
        self._starting: asyncio.Future[None] | None = None
        self._closing = False
        self.console = Console(hub) if self.config.console else None

    # ------------------------------------------------------------------ lifecycle

    async def startup(self) -> None:
        """Start the hub (backplane subscription); idempotent, also done on first request.
        Requests arriving while it starts wait for it to finish."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self.hub.start())
        await asyncio.shield(self._starting)

    async def shutdown(self) -> None:
        """Graceful: refuse new sockets, interrupt open streams (``stream_interrupted`` with the
        partial text), close every socket with 1001, then flush the store. Idempotent."""
        if self._closing:
            return
        self._closing = True
        await self.hub.interrupt_all()
        for outbound in list(self._outbounds):
            outbound.close(GOING_AWAY, "server shutting down")
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=self.config.close_timeout)
        await self.hub.close()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        """A Starlette/FastAPI ``lifespan``: start with the host app, stop gracefully with it."""
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self._websocket(scope, receive, send)
        elif kind == "http":
            await self._http(scope, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    logger.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, send: Send) -> None:
        path = _route_path(scope)
        if self.console is not None and self.console.serves(path):
            await self.startup()
            headers = _Headers(scope.get("headers") or [])
            reply = await self.console.reply(path, headers, scope.get("client"))
            if reply is not None:
                await _send_reply(send, reply)
                return
        content_type = "text/plain; charset=utf-8"
        if path == "/healthz":
            status, body = (503, "shutting down\n") if self._closing else (200, self.hub.health())
        elif path == "/metrics":
            status, body = 200, self.hub.metrics.render()
            content_type = "text/plain; version=0.0.4; charset=utf-8"
        else:
            status, body = 404, "Not found\n"
        await _send_reply(send, HttpReply(status, body.encode(), (("Content-Type", content_type),)))

    async def _deny(
        self,
        scope: Scope,
        send: Send,
        status: int,
        reason: str,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Refuse the handshake with an HTTP response (403 without the denial extension)."""
        if _DENIAL_EXTENSION in (scope.get("extensions") or {}):
            body = f"{reason}\n".encode()
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        *(headers or []),
                    ],
                }
            )
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        await self.startup()
        path = _route_path(scope)
        query = scope.get("query_string", b"").decode("latin-1")
        full_path = f"{path}?{query}" if query else path
        if self._closing:
            await self._deny(
                scope, send, http.HTTPStatus.SERVICE_UNAVAILABLE, "server shutting down"
            )
            return
        client = scope.get("client")
        if path not in _PATHS:
            log_refused(path, client, 404, "not found")
            await self._deny(scope, send, http.HTTPStatus.NOT_FOUND, "Not found")
            return
        try:
            principal, subprotocol = authenticate_handshake(
                full_path,
                _Headers(scope.get("headers") or []),
                self.config.auth,
                same_origin=self.config.console,
            )
        except AuthRejected as exc:
            self.hub.metrics.inc("auth_failures", status=str(exc.status), where="handshake")
            log_refused(path, client, exc.status, exc.reason)
            await self._deny(scope, send, exc.status, exc.reason)
            return
        admission = await self.hub.admit_connection(principal.user_id)
        if not admission.admitted:
            retry_after = str(
                retry_after_header(admission.retry_after, self.config.limits.connection_retry_after)
            ).encode()
            per_user = self.config.limits.connections_per_user
            reason = f"Too many connections for this user (max {per_user})"
            log_refused(path, client, 429, reason)
            await self._deny(
                scope,
                send,
                http.HTTPStatus.TOO_MANY_REQUESTS,
                reason,
                [(b"retry-after", retry_after)],
            )
            return
        # One coroutine from here to the end of the connection (no helper coroutine): each
        # coroutine frame is ~0.3 KiB that every idle connection keeps.
        handler = asyncio.get_running_loop().create_future()
        self._handlers.add(handler)
        outbound = _QueueOutbound(
            send,
            limit=self.config.outbound_buffer,
            metrics=self.hub.metrics,
            user_id=principal.user_id,
        )
        session: CopilotSession | EventSession
        if path == "/copilot":
            session = CopilotSession(self.hub, principal, outbound)
        else:
            session = EventSession(self.hub, principal, outbound)
        max_frame = self.config.max_frame
        accepted = False
        opened = time.monotonic()
        close_code: int | None = None
        try:
            await send({"type": "websocket.accept", "subprotocol": subprotocol})
            accepted = True
            log_open(path, principal.user_id, client)
            self._outbounds.add(outbound)
            await session.open()
            if self._closing:  # shutdown began while this one was being accepted
                outbound.close(GOING_AWAY, "server shutting down")
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":
                    close_code = message.get("code")  # websocket.disconnect
                    break
                text = message.get("text")
                frame: str | bytes = text if text is not None else message.get("bytes") or b""
                if len(frame) > max_frame:
                    outbound.close(MESSAGE_TOO_BIG, "frame too large")
                    continue
                await session.receive(frame)
        finally:
            try:
                if accepted:
                    self._outbounds.discard(outbound)
                    await session.close()
                    await outbound.stop(self.config.close_timeout)
                    seconds = time.monotonic() - opened
                    log_close(path, principal.user_id, client, close_code, seconds)
            finally:
                self.hub.release_connection(admission)
                handler.set_result(None)
                self._handlers.discard(handler)


async def _send_reply(send: Send, reply: HttpReply) -> None:
    headers = [(name.lower().encode(), value.encode()) for name, value in reply.headers]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


def create_asgi_app(
    config: ServerConfig | None = None,
    *,
    hub: Hub | None = None,
    engine: CopilotEngine | None = None,
    store: ConversationStore | None = None,
    backplane: Backplane | None = None,
    metrics: Metrics | None = None,
) -> OmniTrackASGI:
    """The reference server as an ASGI app: from a ``config`` (the hub is built as for
    ``omnitrack serve``: SQLite at ``db_path``, Redis when ``redis_url``, the default engine) or
    from a ready ``hub``. Installs the token-redacting log filter on ASGI servers' loggers."""
    if hub is None:
        from .app import build_hub

        hub = build_hub(
            config or ServerConfig(),
            engine=engine,
            store=store,
            backplane=backplane,
            metrics=metrics,
        )
    _install_redaction()
    return OmniTrackASGI(hub)


def _install_redaction() -> None:
    install_redaction(*_SERVER_LOGGERS)


def uvicorn_options(config: ServerConfig, *, metrics: Metrics | None = None) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` / ``uvicorn.run`` that match ``config``: the
    sans-I/O ``websockets`` implementation bounded by ``outbound_buffer`` (pongs included, see
    :mod:`.uvicorn_ws`; its 1013 closes are counted in ``metrics``, the app's hub's), the frame
    limit, keepalive, no compression. Needs uvicorn."""
    from .uvicorn_ws import bounded_protocol

    return {
        "ws": bounded_protocol(
            config.outbound_buffer, close_timeout=config.close_timeout, metrics=metrics
        ),
        "ws_max_size": config.max_frame,
        "ws_ping_interval": config.ping_interval,
        "ws_ping_timeout": config.ping_timeout,
        "ws_per_message_deflate": False,
        "timeout_graceful_shutdown": config.shutdown_timeout,
    }
