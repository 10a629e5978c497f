"""Acknowledgment means durable (protocol.md, "Durability"): a turn journaled before its
acknowledgment is run again by the next server, or on a resend, when its process is gone."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.server import owners
from omnitrack_realtime.server.hub import MAX_TURN_ATTEMPTS, TURN_ABANDONED
from omnitrack_realtime.server.store import StoredMessage

from .conftest import StartServer, StoreAt
from .helpers import ScriptedEngine, open_client, recv_json, recv_until, send_json, stream_text

#: The owner name of a hub that ran in this process and is gone (never registered).
GONE = owners.owner_id("a-hub-that-stopped")

pytestmark = pytest.mark.usefixtures("store_backend")


async def _pending(
    store_at: StoreAt, path: Path, message: str, turn_id: str, *, owner: str = GONE
) -> str:
    """A turn left pending in the journal by a process that died; returns its conversation."""
    store = store_at(path)
    try:
        conversation = await store.create_conversation("alice")
        await store.begin_turn(
            "alice",
            conversation,
            message,
            turn_id=turn_id,
            client_message_id=f"c-{turn_id}",
            streaming=True,
            owner=owner,
            lease_until=4_000_000_000.0,  # a lease far from over: only 'gone' frees it
            processed_at=0.0,
        )
    finally:
        await store.close()
    return conversation


async def _history(store_at: StoreAt, path: Path, conversation: str) -> list[StoredMessage]:
    store = store_at(path)
    try:
        return await store.history(conversation)
    finally:
        await store.close()


async def test_a_server_runs_the_turns_a_gone_process_left_pending(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    path = tmp_path / "shared.db"
    conversation = await _pending(store_at, path, "add a warehouse", "stream-1")
    server = await start_server(store=store_at(path))
    await server.hub.wait_turns()
    [request] = server.engine.requests
    assert (request.message, request.turn_id) == ("add a warehouse", "stream-1")
    history = await server.hub.store.history(conversation)
    assert [(m.role, m.content) for m in history] == [
        ("user", "add a warehouse"),
        ("assistant", "Echo: add a warehouse"),
    ]
    assert history[1].metadata["replyTo"] == history[0].message_id


async def test_a_turn_of_a_live_process_is_left_to_it(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    path = tmp_path / "shared.db"
    alive = owners.owner_id("a-live-hub")
    owners.register("a-live-hub")
    try:
        await _pending(store_at, path, "add a warehouse", "stream-1", owner=alive)
        server = await start_server(store=store_at(path))
        await server.hub.wait_turns()
        assert server.engine.requests == []
    finally:
        owners.unregister("a-live-hub")


async def test_a_resend_runs_a_turn_its_process_left_pending(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    path = tmp_path / "shared.db"
    server = await start_server(store=store_at(path))
    conversation = await _pending(store_at, path, "add a warehouse", "stream-1")  # after the start
    async with open_client(server) as chat:
        await send_json(
            chat,
            {
                "action": "message",
                "message": "add a warehouse",
                "clientMessageId": "c-stream-1",
                "conversationId": conversation,
            },
        )
        frames = await recv_until(chat, "stream_complete")
    assert frames[0]["type"] == "acknowledgment"
    assert frames[0]["message"] == "Message already received."
    assert "stream_interrupted" not in [f["type"] for f in frames]
    assert stream_text(frames) == "Echo: add a warehouse"
    assert [r.turn_id for r in server.engine.requests] == ["stream-1"]


async def test_a_shutdown_leaves_a_turn_not_begun_to_the_next_server(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    path = tmp_path / "shared.db"
    first = await start_server(store=store_at(path))
    message = {"action": "message", "message": "late a", "clientMessageId": "m1"}
    async with open_client(first) as chat:
        await send_json(chat, message)
        conversation = (await recv_json(chat))["conversationId"]
        await first.engine.waiting("a").wait()
        await first.stop()  # the engine had not begun its answer
    assert [m.role for m in await _history(store_at, path, conversation)] == ["user"]
    engine = ScriptedEngine()
    engine.gate("a").set()
    second = await start_server(store=store_at(path), engine=engine)
    await second.hub.wait_turns()
    async with open_client(second) as chat:
        await send_json(chat, {**message, "conversationId": conversation})
        frames = await recv_until(chat, "stream_complete")
    assert stream_text(frames) == "Echo: late a"
    history = await second.hub.store.history(conversation)
    assert [(m.role, m.content) for m in history] == [
        ("user", "late a"),
        ("assistant", "Echo: late a"),
    ]


async def test_a_turn_that_never_completes_is_given_up(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    path = tmp_path / "shared.db"
    conversation = await _pending(store_at, path, "add a warehouse", "stream-1")
    store = store_at(path)
    for _ in range(MAX_TURN_ATTEMPTS - 1):  # runs that each ended with their process
        await store.claim_turns(GONE, now=0.0, lease_until=0.0, gone=lambda owner: True)
    await store.close()
    server = await start_server(store=store_at(path))
    await server.hub.wait_turns()
    assert server.engine.requests == []
    history = await server.hub.store.history(conversation)
    assert history[-1].metadata["error"] == TURN_ABANDONED
    async with open_client(server) as chat:
        await send_json(
            chat,
            {
                "action": "message",
                "message": "add a warehouse",
                "clientMessageId": "c-stream-1",
                "conversationId": conversation,
            },
        )
        frames = await recv_until(chat, "stream_interrupted")
    assert frames[-1]["error"] == TURN_ABANDONED


async def test_one_message_sent_to_two_servers_at_once_is_one_turn(
    start_server: StartServer, tmp_path: Path, store_at: StoreAt
) -> None:
    """Two processes on one database receive the same clientMessageId at the same moment
    (a client that resent through another balancer node): the store's key admits one turn,
    and the other server acknowledges it as a resend (whose answer, streamed by the first
    process, it can only replay once stored: answer streams are per process)."""
    path = tmp_path / "shared.db"
    servers = [await start_server(store=store_at(path)) for _ in range(2)]
    conversation = await servers[0].hub.store.create_conversation("alice")
    message = {
        "action": "message",
        "message": "add a warehouse",
        "clientMessageId": "c-twice",
        "conversationId": conversation,
    }

    async def send(server: Any) -> list[dict[str, Any]]:
        async with open_client(server) as chat:
            await send_json(chat, message)
            frames = [await recv_json(chat)]
            while frames[-1]["type"] not in ("stream_complete", "stream_interrupted"):
                frames.append(await recv_json(chat))
            return frames

    answers = await asyncio.gather(*(send(server) for server in servers))
    acks = [frames[0] for frames in answers]
    assert [ack["type"] for ack in acks] == ["acknowledgment"] * 2
    assert len({ack["messageId"] for ack in acks}) == 1
    assert sorted(ack["message"] for ack in acks) == [
        "Message already received.",
        "Message received. Processing...",
    ]
    assert sum(len(server.engine.requests) for server in servers) == 1
    for server in servers:
        await server.hub.wait_turns()
    history = await _history(store_at, path, conversation)
    assert [(m.role, m.content) for m in history] == [
        ("user", "add a warehouse"),
        ("assistant", "Echo: add a warehouse"),
    ]
