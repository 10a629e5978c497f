"""Test parts for the server's protocol tests: a scripted engine, servers per driver, clients.

The engine is deterministic and controllable: ``hold NAME N`` streams N tokens, then waits
until the test opens gate NAME (so a test can drop, resume or cancel a stream at a known
point without sleeping); ``late NAME`` waits on gate NAME before it even starts its answer,
then echoes; ``event TYPE`` publishes a twin event; ``boom`` fails inside the engine; anything
else is echoed as ``Echo: <message>``. It records every request and how many turns of one
conversation it was ever running at once (``max_overlap``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

from omnitrack_realtime.seam import (
    AnswerEnd,
    AnswerPart,
    AnswerStart,
    AnswerText,
    EngineRequest,
    EventPublisher,
    split_tokens,
)
from omnitrack_realtime.server import Hub, WebSocketServer
from omnitrack_realtime.server.auth import AuthConfig, mint_token

SECRET = "test-secret-for-the-protocol-tests-0123456789"
AUTH = AuthConfig(secret=SECRET)
TIMEOUT = 5.0
SUGGESTIONS = ["Tell me more", "Help"]


class ScriptedEngine:
    """A deterministic copilot for tests (see the module docstring)."""

    def __init__(self) -> None:
        self.requests: list[EngineRequest] = []
        self._gates: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, asyncio.Event] = {}
        #: Turns inside respond() now, by conversation, and the most ever seen at once.
        self.active: dict[str, int] = {}
        self.max_overlap = 0
        #: Set whenever an answer starts waiting on a gate (a test clears it, then waits on it).
        self.parked = asyncio.Event()

    def gate(self, name: str) -> asyncio.Event:
        return self._gates.setdefault(name, asyncio.Event())

    def waiting(self, name: str) -> asyncio.Event:
        """Set when a ``hold NAME`` answer has streamed its tokens, or a ``late NAME`` one has
        reached the engine, and it waits on the gate."""
        return self._waiting.setdefault(name, asyncio.Event())

    def _park(self, name: str) -> None:
        self.waiting(name).set()
        self.parked.set()

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        self.requests.append(request)
        conversation = request.conversation_id
        self.active[conversation] = self.active.get(conversation, 0) + 1
        self.max_overlap = max(self.max_overlap, self.active[conversation])
        try:
            async with contextlib.aclosing(self._answer(request, publisher)) as parts:
                async for part in parts:
                    yield part
        finally:
            self.active[conversation] -= 1

    async def _answer(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        words = request.message.split()
        if words[0] == "late":
            self._park(words[1])
            await self.gate(words[1]).wait()
        yield AnswerStart({"intent": "echo", "confidence": 1.0})
        if words[0] == "hold":
            name, count = words[1], int(words[2])
            for index in range(count):
                yield AnswerText(f" t{index + 1}")
            self._park(name)
            await self.gate(name).wait()
            yield AnswerText(" after")
        elif words[0] == "event":
            await publisher.publish(request.user_id, words[1], {"from": "engine"})
            yield AnswerText("published")
        elif words[0] == "boom":
            raise RuntimeError("internal detail: /etc/secret-path")
        else:
            for token in split_tokens(f"Echo: {request.message}"):
                yield AnswerText(token)
        yield AnswerEnd({"actionSuccess": True}, SUGGESTIONS)


@dataclass
class RunningServer:
    """A server under test, whatever its driver."""

    url: str  # ws://127.0.0.1:PORT
    hub: Hub
    engine: ScriptedEngine
    stop: Callable[[], Awaitable[None]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def http_url(self) -> str:
        return "http" + self.url[2:]


async def _start_websockets(hub: Hub) -> tuple[str, Callable[[], Awaitable[None]]]:
    server = WebSocketServer(hub)
    await server.start()
    return f"ws://127.0.0.1:{server.port}", server.shutdown


#: Driver name -> coroutine that serves ``hub`` on 127.0.0.1 and returns (ws url, shutdown).
#: The ASGI driver adds itself here.
DRIVERS: dict[str, Callable[[Hub], Awaitable[tuple[str, Callable[[], Awaitable[None]]]]]] = {
    "websockets": _start_websockets,
}


def token_for(
    user: str = "alice", *, ttl: float = 3600, scopes: tuple[str, ...] = (), auth: AuthConfig = AUTH
) -> str:
    return mint_token(user, auth, ttl=ttl, scopes=scopes)


def open_client(
    server: RunningServer,
    path: str = "/copilot",
    *,
    user: str = "alice",
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """``websockets`` client context manager, authenticated with a Bearer header by default."""
    all_headers = {"Authorization": f"Bearer {token or token_for(user)}"}
    all_headers.update(headers or {})
    return connect(server.url + path, additional_headers=all_headers, **kwargs)


async def recv_json(ws: ClientConnection, within: float = TIMEOUT) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), within)
    assert isinstance(raw, str), "the server sends text frames only"
    value = json.loads(raw)
    assert isinstance(value, dict)
    return value


async def recv_until(
    ws: ClientConnection, frame_type: str, within: float = TIMEOUT
) -> list[dict[str, Any]]:
    """Frames up to and including the first of ``frame_type``."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            frame = await recv_json(ws, within)
            frames.append(frame)
            if frame.get("type") == frame_type:
                return frames


async def send_json(ws: ClientConnection, value: dict[str, Any]) -> None:
    await ws.send(json.dumps(value))


def types(frames: list[dict[str, Any]]) -> list[str]:
    return [frame["type"] for frame in frames]


def stream_text(frames: list[dict[str, Any]]) -> str:
    return "".join(f["token"] for f in frames if f["type"] == "stream_token")


class RedisProxy:
    """A TCP relay to the real Redis that a test can take away: ``stop`` (Redis is gone:
    connections reset, new ones refused) or ``stall`` (a partition: the connections open now
    stay open but carry nothing more; new connections work)."""

    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._path = parts.path
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stalled: set[asyncio.StreamWriter] = set()
        #: Connections accepted so far.
        self.accepted = 0

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{self._port}{self._path}"

    async def restart(self) -> None:
        """Redis is back (after ``stop``), on the same address."""
        self._stalled.clear()
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self._port)

    def stall(self) -> None:
        self._stalled |= self._writers

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, upstream_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    if sink not in self._stalled:
                        sink.write(data)
                        await sink.drain()
            sink.close()

        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()
