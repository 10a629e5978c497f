"""The session core without sockets: a fake Outbound, a memory store, the scripted engine."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from typing import Any

import pytest

from omnitrack_realtime.server import Hub, ServerConfig
from omnitrack_realtime.server.auth import Principal
from omnitrack_realtime.server.session import CopilotSession, EventSession
from omnitrack_realtime.server.store import MemoryStore
from omnitrack_realtime.server.streams import Stream, StreamState
from omnitrack_realtime.server.ws_driver import RedactingFilter

from .helpers import AUTH, ScriptedEngine


class FakeOutbound:
    """Records frames and closes; ``wait_for`` waits on a condition, not on time."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self._changed = asyncio.Condition()

    def send(self, data: bytes) -> None:
        self.frames.append(json.loads(data))
        self._notify()

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)
        self._notify()

    def _notify(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(notify())

    async def wait_for_type(self, frame_type: str) -> dict[str, Any]:
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: any(f["type"] == frame_type for f in self.frames))
        return next(f for f in self.frames if f["type"] == frame_type)

    async def wait_count(self, frame_type: str, count: int) -> None:
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(
                lambda: sum(f["type"] == frame_type for f in self.frames) >= count
            )

    async def wait_closed(self) -> tuple[int, str]:
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: self.closed is not None)
        assert self.closed is not None
        return self.closed


class BrokenStore(MemoryStore):
    async def owns(self, user_id: str, conversation_id: str) -> bool:
        raise RuntimeError("disk I/O error at /var/lib/secret")


def _hub(store: MemoryStore | None = None) -> Hub:
    config = ServerConfig(port=0, token_delay=0.0, auth=AUTH)
    return Hub(config, engine=ScriptedEngine(), store=store or MemoryStore())


def _alice(ttl: float = 3600) -> Principal:
    return Principal(user_id="alice", scopes=frozenset(), expires_at=time.time() + ttl)


async def test_a_turn_through_the_core_without_sockets() -> None:
    hub, outbound = _hub(), FakeOutbound()
    session = CopilotSession(hub, _alice(), outbound)
    await session.open()
    await session.receive('{"action": "message", "message": "hi", "clientMessageId": "m1"}')
    await outbound.wait_for_type("suggestions")
    assert [f["type"] for f in outbound.frames] == [
        "acknowledgment",
        "typing",
        "stream_start",
        "stream_token",
        "stream_token",
        "stream_complete",
        "suggestions",
    ]
    await session.close()
    assert hub.metrics.get("connections", channel="copilot") == 0
    await hub.close()


async def test_a_dropped_session_leaves_its_stream_running() -> None:
    hub, outbound = _hub(), FakeOutbound()
    engine = hub.engine
    assert isinstance(engine, ScriptedEngine)
    session = CopilotSession(hub, _alice(), outbound)
    await session.open()
    await session.receive('{"action": "message", "message": "hold x 1"}')
    await asyncio.wait_for(engine.waiting("x").wait(), 5)
    start = await outbound.wait_for_type("stream_start")
    await session.close()
    stream = hub.streams.get(start["streamId"])
    assert stream is not None and stream.running and not stream.followers
    engine.gate("x").set()
    await asyncio.wait_for(hub.wait_turns(), 5)
    await hub.close()
    assert stream.state is StreamState.COMPLETE
    assert stream.text == " t1 after"
    assert "stream_complete" not in [f["type"] for f in outbound.frames]


async def test_an_unexpected_failure_becomes_a_generic_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub, outbound = _hub(BrokenStore()), FakeOutbound()
    session = CopilotSession(hub, _alice(), outbound)
    await session.open()
    with caplog.at_level(logging.ERROR, logger="omnitrack_realtime.server"):
        await session.receive('{"action": "history", "conversationId": "conv-1"}')
    error = await outbound.wait_for_type("error")
    assert error["code"] == "internal_error"
    assert "secret" not in json.dumps(outbound.frames)
    assert "disk I/O error" in caplog.text  # logged for the operator, not sent
    await session.receive('{"action": "ping"}')
    await outbound.wait_for_type("pong")
    await session.close()
    await hub.close()


async def test_expiry_closes_4401_for_both_channels() -> None:
    hub = _hub()
    for session_type in (CopilotSession, EventSession):
        outbound = FakeOutbound()
        # Expires in 0.01 s as the server counts: exp plus its clock-skew leeway.
        session = session_type(hub, _alice(ttl=0.01 - hub.config.auth.leeway), outbound)
        await session.open()
        assert await outbound.wait_closed() == (4401, "token expired")
        await session.close()
    await hub.close()


def test_the_redacting_filter_removes_tokens_headers_and_jwts() -> None:
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"
    records = [
        ("< GET %s HTTP/1.1", (f"/copilot?userId=alice&token={jwt_like}",)),
        ("< Authorization: %s", (f"Bearer {jwt_like}",)),
        ("< Sec-WebSocket-Protocol: omnitrack.v1, bearer.%s", (jwt_like,)),
        ('< TEXT \'{"action":"auth","token":"%s"}\'', ("opaque-token-value",)),
    ]
    log_filter = RedactingFilter()
    for message, args in records:
        record = logging.LogRecord("ws", logging.DEBUG, __file__, 1, message, args, None)
        assert log_filter.filter(record)
        text = record.getMessage()
        assert jwt_like not in text and "opaque-token-value" not in text, text
        assert "redacted" in text
    kept = logging.LogRecord("ws", logging.DEBUG, __file__, 1, "< GET /ws?userId=%s", ("a",), None)
    log_filter.filter(kept)
    assert kept.getMessage() == "< GET /ws?userId=a"


async def test_a_long_lived_connection_does_not_keep_its_finished_streams() -> None:
    # Every turn's stream (with all its tokens) stayed referenced by the session until the
    # socket closed: a chat open for days held every answer it ever streamed.
    config = ServerConfig(port=0, token_delay=0.0, auth=AUTH, stream_retention=0.0)
    hub = Hub(config, engine=ScriptedEngine(), store=MemoryStore())
    outbound = FakeOutbound()
    session = CopilotSession(hub, _alice(), outbound)
    await session.open()
    gc.collect()
    baseline = sum(isinstance(o, Stream) for o in gc.get_objects())
    for number in range(3):
        await session.receive(f'{{"action": "message", "message": "turn {number}"}}')
        await outbound.wait_count("suggestions", number + 1)
    await hub.wait_turns()
    hub.streams.purge()  # retention 0: the registry lets them go
    gc.collect()
    assert sum(isinstance(o, Stream) for o in gc.get_objects()) <= baseline
    await session.close()
    await hub.close()
