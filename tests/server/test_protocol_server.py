"""Server-wide behaviour over real sockets: slow consumers, graceful shutdown, the backplane."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server import ServerConfig, create_server
from omnitrack_realtime.server.auth import AuthConfig
from omnitrack_realtime.server.backplane import MemoryBackplane, MemoryHub
from omnitrack_realtime.server.redis_backplane import RedisBackplane
from omnitrack_realtime.server.store import SQLiteStore, StoredMessage

from .conftest import StartServer
from .helpers import (
    AUTH,
    ScriptedEngine,
    open_client,
    recv_json,
    recv_until,
    send_json,
    stream_text,
)

PAYLOAD = {"blob": "x" * 8192}


async def test_a_slow_reader_is_closed_1013_and_does_not_slow_the_others(
    start_server: StartServer,
) -> None:
    server = await start_server(outbound_buffer=64 * 1024)
    metrics = server.hub.metrics
    # The slow client reads nothing and lets only one frame queue up on its side, so the
    # socket buffers fill and the server's outbound buffer grows past its bound.
    async with (
        open_client(server, "/ws", user="slow", max_queue=1, max_size=None) as slow,
        open_client(server, "/ws", user="fast", max_size=None) as fast,
    ):
        published = 0
        while metrics.total("slow_consumers_closed") == 0:
            assert published < 20_000, "the slow consumer was never closed"
            logged = await server.hub.publish_event(None, "digital_twin_update", PAYLOAD)
            published += 1
            # The fast reader keeps up with every event, before and after the slow one goes.
            assert (await recv_json(fast))["seq"] == logged.seq
        for _ in range(3):
            logged = await server.hub.publish_event(None, "digital_twin_update", PAYLOAD)
            assert (await recv_json(fast))["seq"] == logged.seq
        # The slow client drains what reached it, then finds the 1013 close.
        with pytest.raises(ConnectionClosed) as info:
            while True:
                await recv_json(slow)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1013
    assert metrics.total("slow_consumers_closed") == 1


async def test_graceful_shutdown_interrupts_streams_closes_1001_and_stores(
    start_server: StartServer, tmp_path: Path
) -> None:
    path = tmp_path / "shutdown.db"
    server = await start_server(store=SQLiteStore(path))
    async with open_client(server) as chat, open_client(server, "/ws") as events:
        await send_json(chat, {"action": "message", "message": "hold s 2"})
        await asyncio.wait_for(server.engine.waiting("s").wait(), 5)
        head = await recv_until(chat, "stream_token")
        head.append(await recv_json(chat))
        conversation_id = head[0]["conversationId"]

        await server.stop()

        interrupted = await recv_json(chat)
        assert interrupted["type"] == "stream_interrupted"
        assert interrupted["partialResponse"] == " t1 t2"
        for ws in (chat, events):
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1001

    reopened = SQLiteStore(path)
    try:
        history = await reopened.history(conversation_id)
    finally:
        await reopened.close()
    assert [(m.role, m.content) for m in history] == [("user", "hold s 2"), ("assistant", " t1 t2")]
    assert history[-1].metadata["interrupted"] is True


async def test_events_cross_server_processes_through_a_shared_backplane(
    start_server: StartServer,
) -> None:
    shared = MemoryHub()
    first = await start_server(backplane=MemoryBackplane(shared))
    second = await start_server(backplane=MemoryBackplane(shared))
    async with open_client(second, "/ws") as events:
        await first.hub.publish_event("alice", "alert_notification", {"via": "backplane"})
        event = await recv_json(events)
    assert event["data"] == {"via": "backplane"} and event["seq"] == shared.log.seq


async def test_events_cross_servers_through_redis(
    start_server: StartServer, redis_url: str
) -> None:
    prefix = f"omnitrack:test:{uuid.uuid4().hex}"
    first = await start_server(backplane=RedisBackplane(redis_url, prefix=prefix))
    second = await start_server(backplane=RedisBackplane(redis_url, prefix=prefix))
    async with open_client(first, "/ws") as here, open_client(second, "/ws") as there:
        await first.hub.publish_event("alice", "digital_twin_update", {"via": "redis"})
        assert (await recv_json(here))["data"] == {"via": "redis"}
        assert (await recv_json(there))["data"] == {"via": "redis"}


async def test_a_busy_port_is_a_clear_configuration_error(start_server: StartServer) -> None:
    running = await start_server()
    port = int(running.url.rsplit(":", 1)[1])
    config = ServerConfig(port=port, token_delay=0.0, auth=AUTH)
    with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
        await create_server(config, engine=ScriptedEngine())


async def test_a_silent_handshake_times_out(tmp_path: Path) -> None:
    """websockets driver: a TCP connection that never sends its HTTP request is dropped."""
    config = ServerConfig(port=0, token_delay=0.0, auth=AUTH, handshake_timeout=0.2)
    server = await create_server(
        config, engine=ScriptedEngine(), store=SQLiteStore(tmp_path / "t.db")
    )
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
        finally:
            writer.close()
    finally:
        await server.shutdown()


class _GatedStore(SQLiteStore):
    """Holds the storing of each answer until the test opens ``gate``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.storing = asyncio.Event()
        self.gate = asyncio.Event()

    async def finish_turn(
        self, turn_id: str, conversation_id: str, content: str, metadata: Any
    ) -> StoredMessage:
        self.storing.set()
        await self.gate.wait()
        return await super().finish_turn(turn_id, conversation_id, content, metadata)


async def test_a_shutdown_while_a_whole_answer_is_being_stored_lets_it_complete(
    start_server: StartServer, tmp_path: Path
) -> None:
    # The answer is whole and being stored when the shutdown starts: interrupting it then
    # told the client 'interrupted' about a complete answer and stored it as interrupted
    # (with SQLite, after the complete copy had been written too).
    path = tmp_path / "gated.db"
    store = _GatedStore(path)
    server = await start_server(store=store)
    interrupting = asyncio.Event()
    interrupt_all = server.hub.interrupt_all

    async def spy(*args: Any) -> None:
        interrupting.set()
        await interrupt_all(*args)

    server.hub.interrupt_all = spy  # type: ignore[method-assign]
    async with open_client(server) as chat:
        await send_json(chat, {"action": "message", "message": "hello there"})
        conversation_id = (await recv_json(chat))["conversationId"]
        await asyncio.wait_for(store.storing.wait(), 5)
        stopping = asyncio.create_task(server.stop())
        await asyncio.wait_for(interrupting.wait(), 5)  # the shutdown has cancelled what runs
        store.gate.set()
        frames = await recv_until(chat, "stream_complete")
        assert "stream_interrupted" not in [f["type"] for f in frames]
        assert stream_text(frames) == "Echo: hello there"
        await asyncio.wait_for(stopping, 10)
    reopened = SQLiteStore(path)
    try:
        history = await reopened.history(conversation_id)
    finally:
        await reopened.close()
    assert [(m.role, m.content) for m in history] == [
        ("user", "hello there"),
        ("assistant", "Echo: hello there"),
    ]
    assert "interrupted" not in history[-1].metadata


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(AuthConfig(), id="no-secret"),
        pytest.param(
            AuthConfig(secret="s" * 32, algorithms=("HS256", "RS256")), id="no-public-key"
        ),
    ],
)
async def test_a_server_that_cannot_verify_an_accepted_algorithm_does_not_start(
    auth: AuthConfig,
) -> None:
    # It started, and answered every handshake naming that algorithm with HTTP 500 and a
    # traceback in the log (any unauthenticated client could fill the log with them).
    config = ServerConfig(port=0, token_delay=0.0, auth=auth)
    with pytest.raises(ConfigurationError, match="needs a"):
        await create_server(config, engine=ScriptedEngine())
