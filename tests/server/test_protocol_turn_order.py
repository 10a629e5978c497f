"""/copilot turn order: one turn at a time per conversation, in the order received, and every
answer frame naming the message it answers (protocol.md, "Turn order")."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import ClientConnection

from omnitrack_realtime.server.limits import TokenBucket

from .helpers import (
    TIMEOUT,
    RunningServer,
    open_client,
    recv_json,
    recv_until,
    send_json,
    stream_text,
    types,
)

ANSWER_FRAMES = ("stream_start", "stream_complete", "stream_interrupted", "message")


async def send(
    ws: ClientConnection, text: str, cmid: str, conversation_id: str | None = None, **extra: Any
) -> None:
    await send_json(
        ws,
        {
            "action": "message",
            "message": text,
            "clientMessageId": cmid,
            "conversationId": conversation_id,
            **extra,
        },
    )


async def first_turn(ws: ClientConnection, text: str, cmid: str) -> dict[str, Any]:
    """Send ``text`` into a new conversation; returns its acknowledgment."""
    await send(ws, text, cmid)
    ack = await recv_json(ws)
    assert ack["type"] == "acknowledgment" and ack["clientMessageId"] == cmid
    return ack


async def test_a_later_turn_waits_for_the_earlier_one_and_says_so(server: RunningServer) -> None:
    engine = server.engine
    async with open_client(server) as ws:
        ack_a = await first_turn(ws, "hold a 2", "A")
        conversation_id = ack_a["conversationId"]
        assert "queued" not in ack_a  # it starts at once
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await send(ws, "second", "B", conversation_id)
        frames_a = await recv_until(ws, "acknowledgment")
        ack_b = frames_a.pop()
        assert ack_b["clientMessageId"] == "B" and ack_b["queued"] == 1
        assert types(frames_a) == ["typing", "stream_start", "stream_token", "stream_token"]
        assert [r.message for r in engine.requests] == ["hold a 2"]  # B waits outside

        engine.gate("a").set()
        frames = frames_a + await recv_until(ws, "suggestions")  # A's end
        frames += await recv_until(ws, "suggestions")  # then B, whole
    assert types(frames) == [
        "typing",
        "stream_start",
        "stream_token",
        "stream_token",
        "stream_token",
        "stream_complete",
        "suggestions",
        "typing",  # B's, when it leaves the queue
        "stream_start",
        *["stream_token"] * (len(frames) - 11),
        "stream_complete",
        "suggestions",
    ]
    answers = [(f["type"], f.get("clientMessageId")) for f in frames if f["type"] in ANSWER_FRAMES]
    assert answers == [
        ("stream_start", "A"),
        ("stream_complete", "A"),
        ("stream_start", "B"),
        ("stream_complete", "B"),
    ]
    b_start = frames.index(next(f for f in frames if f.get("clientMessageId") == "B"))
    assert stream_text(frames[b_start:]) == "Echo: second"
    assert engine.max_overlap == 1


async def test_a_waiting_turn_sees_the_answers_before_it(server: RunningServer) -> None:
    """Its context is read when it starts: the earlier answer is in it, its own message and
    the messages queued behind it are not."""
    engine = server.engine
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "late a", "A"))["conversationId"]
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await send(ws, "second", "B", conversation_id)
        await send(ws, "third", "C", conversation_id)
        frames = await recv_until(ws, "acknowledgment")
        frames += await recv_until(ws, "acknowledgment")
        assert [f.get("queued") for f in frames if f["type"] == "acknowledgment"] == [1, 2]
        engine.gate("a").set()
        for _ in range(3):
            await recv_until(ws, "suggestions")
    second, third = engine.requests[1:]
    assert [(t.role, t.content) for t in second.history] == [
        ("user", "late a"),
        ("assistant", "Echo: late a"),
    ]
    assert [(t.role, t.content) for t in third.history] == [
        ("user", "late a"),
        ("assistant", "Echo: late a"),
        ("user", "second"),
        ("assistant", "Echo: second"),
    ]


async def test_turns_of_different_conversations_still_run_together(
    server: RunningServer,
) -> None:
    engine = server.engine
    async with open_client(server) as ws:
        await first_turn(ws, "hold a 1", "A")
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await recv_until(ws, "stream_token")  # A's start and token: it is held now
        ack = await first_turn(ws, "elsewhere", "B")  # a new conversation
        assert "queued" not in ack
        frames = await recv_until(ws, "suggestions")
        assert [f.get("clientMessageId") for f in frames if f["type"] == "stream_complete"] == ["B"]
        engine.gate("a").set()
        await recv_until(ws, "suggestions")


async def test_non_streamed_answers_and_errors_name_their_message(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send(ws, "hi", "A", streaming=False)
        frames = await recv_until(ws, "complete")
        message = next(f for f in frames if f["type"] == "message")
        assert message["clientMessageId"] == "A" and message["content"] == "Echo: hi"
        await send(ws, "boom", "B", frames[0]["conversationId"])
        frames = await recv_until(ws, "stream_interrupted")
        assert frames[-1]["clientMessageId"] == "B"
        await send(ws, "x" * 5000, "C")
        error = await recv_json(ws)
        assert error["type"] == "error" and error["clientMessageId"] == "C"


async def test_a_seed_client_without_ids_gets_no_ids(server: RunningServer) -> None:
    async with open_client(server) as ws:
        await send_json(ws, {"action": "message", "message": "hi"})
        frames = await recv_until(ws, "suggestions")
    assert not any("clientMessageId" in frame for frame in frames)


async def test_cancel_stops_the_running_and_the_queued_turns(server: RunningServer) -> None:
    """A queued turn stopped before it began still opens its answer, then interrupts it."""
    engine = server.engine
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "hold a 1", "A"))["conversationId"]
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await send(ws, "second", "B", conversation_id)
        await recv_until(ws, "acknowledgment")
        await send_json(ws, {"action": "cancel", "conversationId": conversation_id})
        frames = await recv_until(ws, "stream_interrupted")
        frames += await recv_until(ws, "stream_interrupted")
    ends = [(f["type"], f["clientMessageId"]) for f in frames if f["type"] in ANSWER_FRAMES]
    assert ends[-3:] == [
        ("stream_interrupted", "A"),
        ("stream_start", "B"),
        ("stream_interrupted", "B"),
    ]
    assert frames[-1]["partialResponse"] == "" and frames[-1]["error"] == "Cancelled"
    assert [r.message for r in engine.requests] == ["hold a 1"]  # B never reached the engine


async def test_cancelling_the_running_turn_lets_the_queued_one_run(
    server: RunningServer,
) -> None:
    engine = server.engine
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "hold a 1", "A"))["conversationId"]
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        start = (await recv_until(ws, "stream_start"))[-1]
        await send(ws, "second", "B", conversation_id)
        await recv_until(ws, "acknowledgment")
        await send_json(
            ws,
            {"action": "cancel", "conversationId": conversation_id, "streamId": start["streamId"]},
        )
        frames = await recv_until(ws, "stream_interrupted")
        assert frames[-1]["clientMessageId"] == "A"
        frames = await recv_until(ws, "suggestions")
    assert stream_text(frames) == "Echo: second"
    assert frames[-2]["clientMessageId"] == "B"


async def test_a_resend_of_a_queued_message_is_told_it_waits_then_gets_the_answer(
    server: RunningServer,
) -> None:
    engine = server.engine
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "late a", "A"))["conversationId"]
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await send(ws, "second", "B", conversation_id)
        await recv_until(ws, "acknowledgment")
    async with open_client(server) as ws:  # the first connection dropped: B is resent
        await send(ws, "second", "B", conversation_id)
        ack = await recv_json(ws)
        assert ack["type"] == "acknowledgment" and ack["message"] == "Message already received."
        assert ack["queued"] == 1
        engine.gate("a").set()
        frames = await recv_until(ws, "suggestions")
    assert types(frames)[:2] == ["typing", "stream_start"]  # only B's: A's asker left
    assert stream_text(frames) == "Echo: second"
    assert {f.get("clientMessageId") for f in frames if f["type"] in ANSWER_FRAMES} == {"B"}
    assert [r.message for r in engine.requests] == ["late a", "second"]


async def test_shutdown_interrupts_the_queued_turns_too(server: RunningServer) -> None:
    engine = server.engine
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "hold a 1", "A"))["conversationId"]
        await asyncio.wait_for(engine.waiting("a").wait(), TIMEOUT)
        await send(ws, "second", "B", conversation_id)
        await recv_until(ws, "acknowledgment")
        assert server.hub.stats()["turns_queued"] == 1
        await server.hub.interrupt_all()
        frames = await recv_until(ws, "stream_interrupted")
        frames += await recv_until(ws, "stream_interrupted")
    interrupted = [f["clientMessageId"] for f in frames if f["type"] == "stream_interrupted"]
    assert interrupted == ["A", "B"]
    assert server.hub.stats()["turns_running"] == 0
    assert server.hub.stats()["turns_queued"] == 0


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_message_refused_for_the_rate_limit_is_not_overtaken(
    server: RunningServer,
) -> None:
    """B is refused (the bucket is empty); C, sent right behind it, arrives once the bucket
    has refilled: C is refused too, so that it cannot run before B, and both run in order
    once resent."""
    clock = ManualClock()
    server.hub.rate = TokenBucket(per_minute=60, burst=1, clock=clock)
    server.hub.clock = clock
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "first", "A"))["conversationId"]
        await recv_until(ws, "suggestions")
        await send(ws, "second", "B", conversation_id)
        refused = await recv_json(ws)
        assert (refused["code"], refused["clientMessageId"]) == ("rate_limited", "B")
        clock.now += refused["retryAfter"]  # the bucket has a token again
        await send(ws, "third", "C", conversation_id)
        held = await recv_json(ws)
        assert (held["code"], held["clientMessageId"]) == ("rate_limited", "C")
        assert held["retryAfter"] > 0
        for cmid, text in (("B", "second"), ("C", "third")):  # resent in order, in time
            clock.now += 1.0
            await send(ws, text, cmid, conversation_id)
            frames = await recv_until(ws, "suggestions")
            assert frames[0]["type"] == "acknowledgment" and frames[0]["clientMessageId"] == cmid
    assert [r.message for r in server.engine.requests] == ["first", "second", "third"]


async def test_a_refused_message_given_up_by_its_client_holds_nothing_for_ever(
    server: RunningServer,
) -> None:
    clock = ManualClock()
    server.hub.rate = TokenBucket(per_minute=60, burst=1, clock=clock)
    server.hub.clock = clock
    async with open_client(server) as ws:
        conversation_id = (await first_turn(ws, "first", "A"))["conversationId"]
        await recv_until(ws, "suggestions")
        await send(ws, "second", "B", conversation_id)
        assert (await recv_json(ws))["code"] == "rate_limited"
        clock.now += 60  # B never comes back
        await send(ws, "third", "C", conversation_id)
        frames = await recv_until(ws, "suggestions")
    assert frames[0]["type"] == "acknowledgment"
    assert [r.message for r in server.engine.requests] == ["first", "third"]
