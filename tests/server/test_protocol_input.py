"""Bad input, limits, conversation isolation and effectively-once delivery over real sockets."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from omnitrack_realtime.server import Limits

from .conftest import StartServer
from .helpers import (
    RunningServer,
    open_client,
    recv_json,
    recv_until,
    send_json,
    stream_text,
    types,
)

DEEP = "[" * 10_000 + "]" * 10_000

BAD_COPILOT_FRAMES: list[tuple[str | bytes, str]] = [
    ("{not json", "Invalid JSON"),
    ('{"action": "dance"}', "Unknown action 'dance'"),
    ('{"action": "message"}', "Missing required field 'message'"),
    ('{"action": "message", "message": 42}', "Invalid message"),
    ('{"action": "resume", "conversationId": "c", "streamId": "s", "afterSeq": "x"}', "Invalid"),
    ("[1, 2]", "Invalid message"),
    (DEEP, "Invalid"),
    ('{"action": "message", "message": ' + DEEP + "}", "Invalid"),
    (b"\x00\x01binary", "Binary frames are attachment chunks; this one is not"),
    (b"\x01\x00", "Truncated attachment chunk header"),
    (
        '{"action": "message", "message": "' + "x" * 2001 + '"}',
        "Message is too long (max 2000 characters)",
    ),
]

BAD_EVENT_FRAMES: list[tuple[str | bytes, str]] = [
    ("{not json", "Invalid JSON"),
    ('{"action": "dance"}', "Unknown action 'dance'"),
    ('{"action": "subscribe"}', "Missing required field 'channels'"),
    ('{"action": "subscribe", "channels": "alerts"}', "Invalid message"),
    (DEEP, "Invalid"),
    (b"\x00\x01binary", "Binary frames are not supported"),
]


async def test_bad_copilot_input_gets_errors_and_events_keep_flowing(
    server: RunningServer,
) -> None:
    async with open_client(server) as chat, open_client(server, "/ws") as events:
        for number, (frame, expected) in enumerate(BAD_COPILOT_FRAMES, start=1):
            await chat.send(frame)
            error = await recv_json(chat)
            assert error["type"] == "error", frame
            assert error["error"].startswith(expected), (frame[:40], error)
            # Meanwhile the other connection keeps receiving its events.
            logged = await server.hub.publish_event("alice", "digital_twin_update", {"n": number})
            event = await recv_json(events)
            assert event["data"] == {"n": number} and event["seq"] == logged.seq
        await send_json(chat, {"action": "message", "message": "still here"})
        frames = await recv_until(chat, "suggestions")
        assert stream_text(frames) == "Echo: still here"


async def test_bad_event_input_gets_errors_and_the_connection_stays(
    server: RunningServer,
) -> None:
    async with open_client(server, "/ws") as events:
        for frame, expected in BAD_EVENT_FRAMES:
            await events.send(frame)
            error = await recv_json(events)
            assert error["type"] == "error", frame
            assert error["data"]["error"].startswith(expected), (frame[:40], error)
        await send_json(events, {"action": "ping"})
        assert (await recv_json(events))["type"] == "pong"


async def test_frames_over_64_kib_close_1009(server: RunningServer) -> None:
    async with open_client(server) as chat:
        await chat.send('{"action": "ping", "pad": "' + "x" * 70_000 + '"}')
        with pytest.raises(ConnectionClosed) as info:
            await recv_json(chat)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009


async def test_rate_limit_error_then_4429_when_flooding(start_server: StartServer) -> None:
    # One message a minute: no refill can happen during the test, however slow the machine.
    server = await start_server(limits=Limits(messages_per_minute=1, burst=2, flood_strikes=3))
    async with open_client(server) as chat:
        for _ in range(2):
            await send_json(chat, {"action": "message", "message": "hi", "streaming": False})
            await recv_until(chat, "complete")
        for _ in range(2):
            await send_json(chat, {"action": "message", "message": "hi", "streaming": False})
            error = await recv_json(chat)
            assert error["type"] == "error" and error["code"] == "rate_limited"
            assert 0 < error["retryAfter"] <= 60
        await send_json(chat, {"action": "message", "message": "hi", "streaming": False})
        assert (await recv_json(chat))["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed) as info:
            await recv_json(chat)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4429
    assert "retry-after=" in info.value.rcvd.reason
    assert server.hub.metrics.total("rate_limited") == 3


async def test_another_users_conversation_is_not_found_like_an_unknown_one(
    server: RunningServer,
) -> None:
    async with open_client(server, user="bob") as bob:
        await send_json(bob, {"action": "message", "message": "bob's secret plan"})
        frames = await recv_until(bob, "suggestions")
        bobs = frames[0]["conversationId"]
        stream_id = frames[2]["streamId"]
        message_id = frames[0]["messageId"]

    def actions(conversation_id: str) -> list[dict[str, Any]]:
        return [
            {"action": "message", "message": "hi", "conversationId": conversation_id},
            {"action": "history", "conversationId": conversation_id},
            {"action": "cancel", "conversationId": conversation_id},
            {
                "action": "resume",
                "conversationId": conversation_id,
                "streamId": stream_id,
                "afterSeq": 0,
            },
            {"action": "typing", "conversationId": conversation_id},
            {"action": "read", "conversationId": conversation_id, "messageId": message_id},
        ]

    async with open_client(server, user="alice") as alice:
        for theirs, unknown in zip(actions(bobs), actions("conv-does-not-exist"), strict=True):
            await send_json(alice, theirs)
            error_theirs = await recv_json(alice)
            await send_json(alice, unknown)
            error_unknown = await recv_json(alice)
            for error in (error_theirs, error_unknown):
                assert error["type"] == "error"
                assert error["error"] == "Conversation not found"
                del error["timestamp"], error["conversationId"]
            assert error_theirs == error_unknown
    assert len(server.engine.requests) == 1  # alice's message never reached the engine


async def test_a_resend_is_acknowledged_and_replayed_not_processed_again(
    server: RunningServer,
) -> None:
    client_id = str(uuid.uuid4())
    message = {"action": "message", "message": "once", "clientMessageId": client_id}
    async with open_client(server) as chat:
        await send_json(chat, message)  # conversationId null: creates a conversation
        first = await recv_until(chat, "suggestions")
    async with open_client(server) as chat:
        await send_json(chat, message)
        second = await recv_until(chat, "suggestions")
    assert len(server.engine.requests) == 1
    ack1, ack2 = first[0], second[0]
    assert ack2["conversationId"] == ack1["conversationId"]  # not a new conversation
    assert ack2["messageId"] == ack1["messageId"]
    assert ack2["clientMessageId"] == client_id
    assert types(second) == ["acknowledgment", *types(first)[2:]]  # replay has no typing
    start1 = next(f for f in first if f["type"] == "stream_start")
    start2 = next(f for f in second if f["type"] == "stream_start")
    assert start2["streamId"] == start1["streamId"]
    tokens1 = [(f["seq"], f["token"]) for f in first if f["type"] == "stream_token"]
    tokens2 = [(f["seq"], f["token"]) for f in second if f["type"] == "stream_token"]
    assert tokens2 == tokens1 and tokens1[0][0] == 1
    history = await server.hub.store.history(ack1["conversationId"])
    assert [m.role for m in history] == ["user", "assistant"]


async def test_resends_are_not_rate_limited(start_server: StartServer) -> None:
    server = await start_server(limits=Limits(messages_per_minute=1, burst=1))
    message = {"action": "message", "message": "x", "streaming": False, "clientMessageId": "c1"}
    async with open_client(server) as chat:
        await send_json(chat, message)
        await recv_until(chat, "complete")
        for _ in range(3):
            await send_json(chat, message)
            replay = await recv_until(chat, "complete")
            assert types(replay) == ["acknowledgment", "message", "suggestions", "complete"]
            assert replay[1]["content"] == "Echo: x"
        await send_json(chat, {**message, "clientMessageId": "c2"})
        assert (await recv_json(chat))["code"] == "rate_limited"


async def test_a_resend_during_the_answer_replays_then_follows_live(
    server: RunningServer,
) -> None:
    message = {"action": "message", "message": "hold live 2", "clientMessageId": "live-1"}
    async with open_client(server) as first:
        await send_json(first, message)
        await asyncio.wait_for(server.engine.waiting("live").wait(), 5)
        head = await recv_until(first, "stream_start")
    async with open_client(server) as second:
        await send_json(second, message)
        replay = await recv_until(second, "stream_token")
        replay.append(await recv_json(second))
        assert types(replay) == ["acknowledgment", "stream_start", "stream_token", "stream_token"]
        assert replay[1]["streamId"] == head[-1]["streamId"]
        assert [f["seq"] for f in replay[2:]] == [1, 2]
        server.engine.gate("live").set()
        rest = await recv_until(second, "suggestions")
        assert [(f["seq"], f["token"]) for f in rest if f["type"] == "stream_token"] == [
            (3, " after")
        ]
    assert len(server.engine.requests) == 1


async def test_a_resend_after_the_stream_was_forgotten_replays_from_the_store(
    server: RunningServer,
) -> None:
    message = {"action": "message", "message": "old news", "clientMessageId": "old-1"}
    async with open_client(server) as chat:
        await send_json(chat, message)
        first = await recv_until(chat, "suggestions")
        server.hub.streams.retention = -1.0  # every ended stream is now past its retention
        assert server.hub.streams.get(first[2]["streamId"]) is None
        await send_json(chat, message)
        second = await recv_until(chat, "suggestions")
    assert types(second)[:2] == ["acknowledgment", "stream_start"]
    assert second[1]["streamId"] == first[2]["streamId"]
    assert stream_text(second) == stream_text(first) == "Echo: old news"
    assert second[-1]["suggestions"] == first[-1]["suggestions"]
    assert len(server.engine.requests) == 1


async def test_the_same_message_on_two_connections_at_once_is_processed_once(
    server: RunningServer,
) -> None:
    message = {"action": "message", "message": "race", "clientMessageId": "race-1"}
    async with open_client(server) as first, open_client(server) as second:
        await asyncio.gather(send_json(first, message), send_json(second, message))
        answers = await asyncio.gather(
            recv_until(first, "suggestions"), recv_until(second, "suggestions")
        )
    assert len(server.engine.requests) == 1
    acks = [frames[0] for frames in answers]
    assert acks[0]["conversationId"] == acks[1]["conversationId"]
    assert acks[0]["messageId"] == acks[1]["messageId"]
    assert stream_text(answers[0]) == stream_text(answers[1]) == "Echo: race"


async def test_a_resend_of_a_cancelled_answer_replays_the_interruption(
    server: RunningServer,
) -> None:
    message = {"action": "message", "message": "hold k 2", "clientMessageId": "cancelled-1"}
    async with open_client(server) as chat:
        await send_json(chat, message)
        await asyncio.wait_for(server.engine.waiting("k").wait(), 5)
        head = await recv_until(chat, "stream_start")
        await send_json(chat, {"action": "cancel", "conversationId": head[0]["conversationId"]})
        await recv_until(chat, "stream_interrupted")
        for retention in (300.0, -1.0):  # from the registry, then rebuilt from the store
            server.hub.streams.retention = retention
            await send_json(chat, message)
            replay = await recv_until(chat, "stream_interrupted")
            assert types(replay)[:2] == ["acknowledgment", "stream_start"]
            assert replay[-1]["partialResponse"] == " t1 t2"
            assert replay[-1]["streamId"] == head[-1]["streamId"]
    assert len(server.engine.requests) == 1


async def test_a_client_message_id_longer_than_an_id_is_refused(server: RunningServer) -> None:
    # The id is stored with the message and in the processed window (1,000 per user): 60 KiB
    # ids would sidestep the 2,000-character message limit 30 times over.
    async with open_client(server) as chat:
        long_id = "m" * 10_000
        await send_json(chat, {"action": "message", "message": "hi", "clientMessageId": long_id})
        error = await recv_json(chat)
        assert error["type"] == "error" and error["code"] == "invalid_message"
        assert "clientMessageId" in error["error"] and "clientMessageId" not in error
        assert server.engine.requests == []
        await send_json(chat, {"action": "message", "message": "hi", "clientMessageId": "m" * 128})
        assert stream_text(await recv_until(chat, "suggestions")) == "Echo: hi"


async def test_a_forgotten_answer_followed_by_a_long_conversation_is_replayed(
    server: RunningServer,
) -> None:
    # The store was searched for the answer among the conversation's newest 200 messages
    # only: with more after it, a resend got 'no longer available' for a stored answer.
    message = {"action": "message", "message": "old news", "clientMessageId": "old-1"}
    async with open_client(server) as chat:
        await send_json(chat, message)
        first = await recv_until(chat, "suggestions")
        conversation_id = first[0]["conversationId"]
        for number in range(210):  # the conversation went on (written straight to the store)
            role = "user" if number % 2 == 0 else "assistant"
            await server.hub.store.add_message(conversation_id, role, f"more {number}")
        server.hub.streams.retention = -1.0  # every ended stream is now past its retention
        await send_json(chat, message)
        second = await recv_until(chat, "suggestions")
    assert "stream_interrupted" not in types(second)
    assert stream_text(second) == stream_text(first) == "Echo: old news"
