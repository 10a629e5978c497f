"""A WebSocket client that misbehaves on purpose: it writes frames itself and reads only when
told to (a ping flood from a peer that never reads), plus metrics a test can wait on.

The handshake and the frame parsing are the ``websockets`` sans-I/O client's; what is sent and
when it is read is the test's.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from omnitrack_realtime.server.metrics import Metrics

#: Receive buffer asked for on the client's socket: small, so that the kernel holds little of
#: what the server writes and its own buffer fills soon.
_SMALL_RECEIVE_BUFFER = 4096


class WatchedMetrics(Metrics):
    """:class:`Metrics` that a test can wait on (``await metrics.wait_for(...)``)."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = asyncio.Event()

    def inc(self, name: str, value: float = 1, **labels: str) -> None:
        super().inc(name, value, **labels)
        self._changed.set()

    def set(self, name: str, value: float, **labels: str) -> None:
        super().set(name, value, **labels)
        self._changed.set()

    async def wait_for(self, condition: Callable[[Metrics], bool]) -> None:
        """Return once ``condition(self)`` holds (checked after every change)."""
        while not condition(self):
            self._changed.clear()
            await self._changed.wait()


class RawClient:
    """One connection: handshake with a token, then frames written and read on demand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol: ClientProtocol | None = None

    @classmethod
    async def open(cls, url: str, token: str) -> RawClient:
        """Connect to ``url`` (ws://host:port/path) with ``Authorization: Bearer token``."""
        uri = parse_uri(url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _SMALL_RECEIVE_BUFFER)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (uri.host, uri.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        client = cls(reader, writer)
        protocol = ClientProtocol(uri)
        client.protocol = protocol
        request = protocol.connect()
        request.headers["Authorization"] = f"Bearer {token}"
        protocol.send_request(request)
        writer.write(b"".join(protocol.data_to_send()))
        while True:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("the server closed the connection during the handshake")
            protocol.receive_data(data)
            for event in protocol.events_received():
                if isinstance(event, Response):
                    if event.status_code != 101:
                        raise ConnectionError(f"handshake refused: HTTP {event.status_code}")
                    return client

    async def flood_pings(self, payload: bytes = b"p" * 125) -> None:
        """Send pings as fast as the server takes them, forever (cancel it); never read."""
        chunk = Frame(Opcode.PING, payload).serialize(mask=True, extensions=[]) * 256
        while True:
            self.writer.write(chunk)
            await self.writer.drain()

    async def read_until_close(self) -> tuple[int | None, int]:
        """Read what the server sent until its close frame or the end of the connection:
        the close code (``None`` without a close frame) and the number of pongs before it."""
        assert self.protocol is not None
        pongs = 0
        while True:
            data = await self.reader.read(1 << 20)
            if not data:
                return None, pongs
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.PONG:
                    pongs += 1
                elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    close = self.protocol.close_rcvd
                    return (close.code if close is not None else None), pongs
            self.protocol.data_to_send()  # what it would answer: never sent

    def abort(self) -> None:
        self.writer.transport.abort()
