"""/copilot over real sockets: turns, conversations, history, receipts, cancel, resume."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from .helpers import (
    SUGGESTIONS,
    RunningServer,
    open_client,
    recv_json,
    recv_until,
    send_json,
    stream_text,
    types,
)

#: The copilot turns on both stores (see conftest: SQLite on every driver, PostgreSQL).
pytestmark = pytest.mark.usefixtures("store_backend")


async def test_streamed_turn_has_the_protocol_shape(server: RunningServer) -> None:
    async with open_client(server) as ws:
        client_id = str(uuid.uuid4())
        await send_json(
            ws, {"action": "message", "message": "hello there", "clientMessageId": client_id}
        )
        frames = await recv_until(ws, "suggestions")

    kinds = types(frames)
    assert kinds[:3] == ["acknowledgment", "typing", "stream_start"]
    assert kinds[-2:] == ["stream_complete", "suggestions"]
    ack, _typing, start = frames[:3]
    conversation_id = ack["conversationId"]
    assert conversation_id.startswith("conv-")
    assert ack["clientMessageId"] == client_id and ack["messageId"]
    assert start["metadata"] == {"intent": "echo", "confidence": 1.0}
    tokens = [f for f in frames if f["type"] == "stream_token"]
    assert [t["seq"] for t in tokens] == list(range(1, len(tokens) + 1))
    assert {t["streamId"] for t in tokens} == {start["streamId"]}
    assert stream_text(frames) == "Echo: hello there"
    complete = frames[-2]
    assert complete["metadata"]["tokenCount"] == len(tokens)
    assert complete["metadata"]["actionSuccess"] is True
    assert frames[-1]["suggestions"] == SUGGESTIONS
    assert all(f["conversationId"] == conversation_id for f in frames)
    assert all(isinstance(f["timestamp"], int) for f in frames)


async def test_non_streamed_turn_is_message_suggestions_complete(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "hi", "streaming": False})
        frames = await recv_until(ws, "complete")
    assert types(frames) == ["acknowledgment", "typing", "message", "suggestions", "complete"]
    message = frames[2]
    assert message["content"] == "Echo: hi"
    assert message["metadata"]["intent"] == "echo"
    assert message["metadata"]["actionSuccess"] is True
    assert message["messageId"]


async def test_engine_gets_the_last_five_messages(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "one"})
        frames = await recv_until(ws, "suggestions")
        conversation_id = frames[0]["conversationId"]
        for text in ("two", "three", "four"):
            await send_json(
                ws, {"action": "message", "message": text, "conversationId": conversation_id}
            )
            await recv_until(ws, "suggestions")
    last = server.engine.requests[-1]
    assert last.conversation_id == conversation_id
    assert last.message == "four"
    assert [turn.content for turn in last.history] == [
        "Echo: one",
        "two",
        "Echo: two",
        "three",
        "Echo: three",
    ]
    assert [turn.role for turn in last.history] == [
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]


async def test_ping_history_typing_and_read_receipts(server: RunningServer) -> None:
    async with open_client(server) as ws, open_client(server) as other:
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"
        await send_json(ws, {"action": "message", "message": "remember me"})
        frames = await recv_until(ws, "suggestions")
        conversation_id = frames[0]["conversationId"]

        await send_json(ws, {"action": "history", "conversationId": conversation_id})
        history = await recv_json(ws)
        assert history["type"] == "history"
        assert [(m["role"], m["content"]) for m in history["messages"]] == [
            ("user", "remember me"),
            ("assistant", "Echo: remember me"),
        ]

        await send_json(ws, {"action": "typing", "conversationId": conversation_id})
        typing = await recv_json(other)
        assert typing["type"] == "user_typing"
        assert typing["userId"] == "alice"
        message_id = history["messages"][1]["messageId"]
        await send_json(
            ws, {"action": "read", "conversationId": conversation_id, "messageId": message_id}
        )
        receipt = await recv_json(other)
        assert receipt["type"] == "read_receipt" and receipt["messageId"] == message_id


async def test_engine_failure_interrupts_with_a_generic_error(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "boom"})
        frames = await recv_until(ws, "stream_interrupted")
        interrupted = frames[-1]
        assert "secret" not in interrupted["error"]
        assert interrupted["partialResponse"] == ""
        # The connection keeps working.
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"


async def test_cancel_interrupts_with_the_partial_text(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "hold c 3"})
        await asyncio.wait_for(server.engine.waiting("c").wait(), 5)
        frames = await recv_until(ws, "stream_start")
        conversation_id, stream_id = frames[0]["conversationId"], frames[-1]["streamId"]
        await send_json(
            ws, {"action": "cancel", "conversationId": conversation_id, "streamId": stream_id}
        )
        frames = await recv_until(ws, "stream_interrupted")
        interrupted = frames[-1]
        assert stream_text(frames) == " t1 t2 t3"
        assert interrupted["partialResponse"] == " t1 t2 t3"
        assert interrupted["streamId"] == stream_id and interrupted["seq"] == 3
        assert server.hub.metrics.total("streams_interrupted") == 1

        # Nothing is running any more.
        await send_json(ws, {"action": "cancel", "conversationId": conversation_id})
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "no_active_stream"

        # The partial answer is in the history, marked interrupted.
        await send_json(ws, {"action": "history", "conversationId": conversation_id})
        history = await recv_json(ws)
        assert history["messages"][-1]["content"] == " t1 t2 t3"
        assert history["messages"][-1]["metadata"]["interrupted"] is True
        # Stored before it was said: the frame names the stored answer's seq.
        assert interrupted["messageSeq"] == history["messages"][-1]["seq"] == 2


async def test_resume_after_a_drop_replays_then_continues_live(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "hold r 4"})
        await asyncio.wait_for(server.engine.waiting("r").wait(), 5)
        frames = await recv_until(ws, "stream_token")  # got seq 1, then "drop"
        conversation_id = frames[0]["conversationId"]
        stream_id = frames[-1]["streamId"]
        assert frames[-1]["seq"] == 1

    async with open_client(server) as ws:
        await send_json(
            ws,
            {
                "action": "resume",
                "conversationId": conversation_id,
                "streamId": stream_id,
                "afterSeq": 1,
            },
        )
        replayed = [await recv_json(ws) for _ in range(3)]
        assert [f["seq"] for f in replayed] == [2, 3, 4]
        server.engine.gate("r").set()
        rest = await recv_until(ws, "suggestions")
        assert types(rest) == ["stream_token", "stream_complete", "suggestions"]
        assert rest[0]["seq"] == 5 and rest[0]["token"] == " after"

        # Resuming a finished stream replays and ends with stream_complete.
        await send_json(
            ws,
            {
                "action": "resume",
                "conversationId": conversation_id,
                "streamId": stream_id,
                "afterSeq": 3,
            },
        )
        again = await recv_until(ws, "suggestions")
        assert [f.get("seq") for f in again if f["type"] == "stream_token"] == [4, 5]
        assert types(again)[-2:] == ["stream_complete", "suggestions"]

        await send_json(
            ws,
            {
                "action": "resume",
                "conversationId": conversation_id,
                "streamId": "stream-unknown",
                "afterSeq": 0,
            },
        )
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "stream_not_found"


async def test_a_message_during_shutdown_is_refused_for_now_not_processed(
    server: RunningServer,
) -> None:
    async with open_client(server) as ws:
        server.hub.closing = True  # what interrupt_all() sets when a shutdown begins
        await send_json(ws, {"action": "message", "message": "late", "clientMessageId": "m-1"})
        refused = await recv_json(ws)
    assert refused["type"] == "error" and refused["code"] == "unavailable"
    assert refused["clientMessageId"] == "m-1" and refused["retryAfter"] > 0
    assert "again" in refused["error"]
    assert server.engine.requests == []
