"""The ASGI driver on its own: mounted in Starlette, lifespan, denial fallback, 1009, slow
consumers. (The protocol tests run against it too, through the ``driver`` fixture.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from websockets.asyncio.client import connect

from omnitrack_realtime.server import ServerConfig, build_hub
from omnitrack_realtime.server.asgi import OmniTrackASGI, _QueueOutbound, create_asgi_app
from omnitrack_realtime.server.metrics import Metrics
from omnitrack_realtime.server.store import MemoryStore

from .helpers import AUTH, TIMEOUT, ScriptedEngine, recv_json, token_for


def _app(**overrides: Any) -> OmniTrackASGI:
    config = ServerConfig(port=0, token_delay=0.0, auth=AUTH, **overrides)
    return create_asgi_app(config, engine=ScriptedEngine(), store=MemoryStore())


class FakeASGI:
    """Drives an ASGI app by hand: scripted inbound messages, recorded outbound ones."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()

    async def receive(self) -> dict[str, Any]:
        return await self.inbound.get()

    async def send(self, message: Any) -> None:
        async with self._changed:
            self.sent.append(dict(message))
            self._changed.notify_all()

    async def wait_for(self, kind: str) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            async with self._changed:
                await self._changed.wait_for(lambda: any(m["type"] == kind for m in self.sent))
                return next(m for m in self.sent if m["type"] == kind)

        return await asyncio.wait_for(found(), TIMEOUT)


def _ws_scope(path: str, token: str | None, *, extensions: dict[str, Any] | None = None) -> Any:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return {
        "type": "websocket",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "subprotocols": [],
        "extensions": extensions if extensions is not None else {},
    }


async def test_denial_without_the_extension_closes_before_accepting() -> None:
    app = _app()
    fake = FakeASGI()
    await fake.inbound.put({"type": "websocket.connect"})
    await app(_ws_scope("/copilot", None), fake.receive, fake.send)
    assert fake.sent == [{"type": "websocket.close", "code": 1008, "reason": "missing token"}]
    assert app.hub.metrics.get("auth_failures", status="401", where="handshake") == 1
    await app.shutdown()


async def test_denial_with_the_extension_is_an_http_response() -> None:
    app = _app()
    fake = FakeASGI()
    await fake.inbound.put({"type": "websocket.connect"})
    scope = _ws_scope("/nowhere", token_for("alice"), extensions={"websocket.http.response": {}})
    await app(scope, fake.receive, fake.send)
    assert fake.sent[0]["type"] == "websocket.http.response.start"
    assert fake.sent[0]["status"] == 404
    assert fake.sent[1] == {"type": "websocket.http.response.body", "body": b"Not found\n"}
    await app.shutdown()


async def test_frame_over_the_limit_closes_1009() -> None:
    app = _app(max_frame=1024)
    fake = FakeASGI()
    await fake.inbound.put({"type": "websocket.connect"})
    await fake.inbound.put({"type": "websocket.receive", "text": "x" * 2000})
    handler = asyncio.create_task(
        app(_ws_scope("/ws", token_for("alice")), fake.receive, fake.send)
    )
    close = await fake.wait_for("websocket.close")
    assert close["code"] == 1009
    await fake.inbound.put({"type": "websocket.disconnect", "code": 1009})
    await asyncio.wait_for(handler, TIMEOUT)
    assert app.hub.connections.count("alice") == 0
    await app.shutdown()


async def test_lifespan_starts_and_stops_the_hub() -> None:
    app = _app()
    fake = FakeASGI()
    await fake.inbound.put({"type": "lifespan.startup"})
    await fake.inbound.put({"type": "lifespan.shutdown"})
    await app({"type": "lifespan"}, fake.receive, fake.send)
    assert [m["type"] for m in fake.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    fake = FakeASGI()
    await app({"type": "http", "path": "/healthz"}, fake.receive, fake.send)
    assert fake.sent[0]["status"] == 503


class TestQueueOutbound:
    async def test_frames_then_close_in_order(self) -> None:
        fake = FakeASGI()
        outbound = _QueueOutbound(fake.send, limit=1000, metrics=Metrics(), user_id="alice")
        outbound.send(b'{"n":1}')
        outbound.send(b'{"n":2}')
        outbound.close(4429, "rate limited")
        outbound.send(b'{"n":3}')  # after close: dropped
        await fake.wait_for("websocket.close")
        await outbound.stop(TIMEOUT)
        assert fake.sent == [
            {"type": "websocket.send", "text": '{"n":1}'},
            {"type": "websocket.send", "text": '{"n":2}'},
            {"type": "websocket.close", "code": 4429, "reason": "rate limited"},
        ]

    async def test_slow_consumer_is_closed_1013_and_counted(self) -> None:
        gate = asyncio.Event()
        sent: list[dict[str, Any]] = []
        closed = asyncio.Event()

        async def blocked_send(message: Any) -> None:
            await gate.wait()  # the peer does not read: the first write never completes
            sent.append(dict(message))
            if message["type"] == "websocket.close":
                closed.set()

        metrics = Metrics()
        outbound = _QueueOutbound(blocked_send, limit=100, metrics=metrics, user_id="slow")
        for n in range(20):
            outbound.send(b'{"event":%d}' % n)
        assert metrics.get("slow_consumers_closed") == 1
        gate.set()
        await asyncio.wait_for(closed.wait(), TIMEOUT)
        await outbound.stop(TIMEOUT)
        assert sent[-1] == {"type": "websocket.close", "code": 1013, "reason": "slow consumer"}
        # The backlog was dropped: at most the frame already being written went out.
        assert len(sent) <= 2

    async def test_a_send_that_does_not_suspend_is_written_on_the_spot(self) -> None:
        sent: list[dict[str, Any]] = []

        async def immediate_send(message: Any) -> None:
            sent.append(dict(message))

        tasks_before = len(asyncio.all_tasks())
        outbound = _QueueOutbound(immediate_send, limit=100, metrics=Metrics(), user_id="alice")
        outbound.send(b'{"n":1}')
        outbound.send(b'{"n":2}')
        outbound.close(1000, "bye")
        # Written before this coroutine yields once, without a writer task.
        assert sent == [
            {"type": "websocket.send", "text": '{"n":1}'},
            {"type": "websocket.send", "text": '{"n":2}'},
            {"type": "websocket.close", "code": 1000, "reason": "bye"},
        ]
        assert len(asyncio.all_tasks()) == tasks_before
        await outbound.stop(TIMEOUT)

    async def test_frames_sent_while_a_write_is_suspended_follow_it_in_order(self) -> None:
        writable = asyncio.Event()
        sent: list[dict[str, Any]] = []
        closed = asyncio.Event()

        async def paused_send(message: Any) -> None:
            await writable.wait()  # the transport is over its high-water mark for a while
            await asyncio.sleep(0)  # and the server yields once more (a bare yield)
            sent.append(dict(message))
            if message["type"] == "websocket.close":
                closed.set()

        outbound = _QueueOutbound(paused_send, limit=1000, metrics=Metrics(), user_id="alice")
        for n in range(3):
            outbound.send(b'{"n":%d}' % n)
        outbound.close(4429, "rate limited")
        assert sent == []
        writable.set()
        await asyncio.wait_for(closed.wait(), TIMEOUT)
        await outbound.stop(TIMEOUT)
        assert [m.get("text", m.get("code")) for m in sent] == [
            '{"n":0}',
            '{"n":1}',
            '{"n":2}',
            4429,
        ]

    async def test_stop_cancels_a_suspended_write(self) -> None:
        cleaned_up = asyncio.Event()

        async def never_writable(message: Any) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                cleaned_up.set()

        outbound = _QueueOutbound(never_writable, limit=1000, metrics=Metrics(), user_id="stuck")
        outbound.send(b"{}")
        outbound.send(b"{}")
        await outbound.stop(0)
        assert cleaned_up.is_set()
        outbound.send(b"{}")  # no error, no effect

    async def test_a_send_failing_after_it_suspended_stops_the_writer_quietly(self) -> None:
        writable = asyncio.Event()
        attempts: list[dict[str, Any]] = []

        async def vanishing_peer(message: Any) -> None:
            attempts.append(dict(message))
            await writable.wait()
            raise OSError("peer gone")

        outbound = _QueueOutbound(vanishing_peer, limit=1000, metrics=Metrics(), user_id="gone")
        outbound.send(b'{"n":0}')
        outbound.send(b'{"n":1}')  # queued behind the suspended write, then dropped
        outbound.close(1000, "bye")  # so that stop() waits for the writer to finish
        writable.set()
        await outbound.stop(TIMEOUT)
        outbound.send(b'{"n":2}')  # no error, no effect
        # Neither the queued frame nor the close was attempted on the dead connection.
        assert attempts == [{"type": "websocket.send", "text": '{"n":0}'}]

    async def test_a_failing_send_stops_the_writer_quietly(self) -> None:
        async def failing(message: Any) -> None:
            raise OSError("peer gone")

        outbound = _QueueOutbound(failing, limit=100, metrics=Metrics(), user_id="gone")
        outbound.send(b"{}")
        await outbound.stop(0)
        outbound.send(b"{}")  # no error, no effect


@contextlib.asynccontextmanager
async def _uvicorn(app: Any, *, log_level: str = "warning") -> AsyncIterator[str]:
    """Serve ``app`` (with lifespan) with uvicorn on loopback; yields "127.0.0.1:PORT"."""
    server_config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_level=log_level, ws="websockets-sansio"
    )
    server_config.load()
    server = uvicorn.Server(server_config)
    server.lifespan = server_config.lifespan_class(server_config)
    await server.startup()
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        await server.lifespan.shutdown()


@pytest.fixture
async def mounted() -> AsyncIterator[tuple[str, OmniTrackASGI]]:
    """The ASGI app mounted at /realtime in a Starlette app served by uvicorn (with lifespan)."""
    config = ServerConfig(port=0, token_delay=0.0, auth=AUTH)
    omnitrack = create_asgi_app(hub=build_hub(config, engine=ScriptedEngine(), store=MemoryStore()))
    host = Starlette(routes=[Mount("/realtime", app=omnitrack)], lifespan=omnitrack.lifespan)
    async with _uvicorn(host) as address:
        yield address, omnitrack


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_mounted_in_starlette(mounted: tuple[str, OmniTrackASGI]) -> None:
    address, omnitrack = mounted
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    async with connect(f"ws://{address}/realtime/copilot", additional_headers=headers) as ws:
        await ws.send(json.dumps({"action": "ping"}))
        assert (await recv_json(ws))["type"] == "pong"
        async with connect(f"ws://{address}/realtime/ws", additional_headers=headers) as events:
            await events.send(json.dumps({"action": "ping"}))
            assert (await recv_json(events))["type"] == "pong"
    assert await asyncio.to_thread(_get, f"http://{address}/realtime/healthz") == (200, "ok\n")
    status, metrics = await asyncio.to_thread(_get, f"http://{address}/realtime/metrics")
    assert status == 200
    assert 'omnitrack_messages_in_total{channel="copilot"} 1' in metrics
    assert (await asyncio.to_thread(_get, f"http://{address}/realtime/other"))[0] == 404
    status, page = await asyncio.to_thread(_get, f"http://{address}/realtime/")
    assert status == 200 and '<script type="module" src="app.js">' in page  # the console
    assert omnitrack.hub.metrics.get("messages_in", channel="events") == 1


async def test_no_token_reaches_the_asgi_servers_logs() -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    collector = Collect()
    omnitrack = _app()
    token = token_for("alice")
    # "uvicorn" sees what uvicorn.error logs; uvicorn.access does not propagate.
    loggers = [logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access")]
    async with _uvicorn(omnitrack, log_level="info") as address:
        for each in loggers:  # after uvicorn has configured its logging
            each.addHandler(collector)
        try:
            url = f"ws://{address}/copilot?userId=alice&token={token}"
            async with connect(url) as ws:
                await ws.send(json.dumps({"action": "ping"}))
                assert (await recv_json(ws))["type"] == "pong"
            status, _ = await asyncio.to_thread(_get, f"http://{address}/healthz?token={token}")
            assert status == 200
        finally:
            for each in loggers:
                each.removeHandler(collector)
    logged = "\n".join(records)
    assert "/copilot?userId=alice&token=[redacted]" in logged  # the access lines are there...
    assert "/healthz?token=[redacted]" in logged
    assert token not in logged  # ...without the token
    assert token.split(".")[1] not in logged
