"""CopilotClient end to end against the scripted server on loopback (no sleeps)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from omnitrack_realtime import (
    ChatMessage,
    ConnectionFailed,
    ConnectionState,
    CopilotClient,
    MessageTooLarge,
    QueueFull,
    ReconnectPolicy,
)
from omnitrack_realtime.client.conversation import ERROR_REPLY, INTERRUPTED_MARKER

from .fake_server import FakeServer

S = ConnectionState
FAST = ReconnectPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05, jitter=0.0)
TOKENS = [f"t{n} " for n in range(1, 11)]


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer() as fake:
        yield fake


def client_for(server: FakeServer, **options: Any) -> CopilotClient:
    options.setdefault("reconnect", FAST)
    options.setdefault("token", "tok")
    return CopilotClient(server.copilot_url, user_id="u1", **options)


async def wait_until(client: CopilotClient, predicate: Any, within: float = 5.0) -> None:
    """Wait for ``predicate()`` re-checking after every change the client reports."""
    changed = asyncio.Event()
    unsubscribe = client.on_change(lambda _client: changed.set())
    try:
        async with asyncio.timeout(within):
            while not predicate():
                await changed.wait()
                changed.clear()
    finally:
        unsubscribe()


async def test_ask_streams_and_folds_state(server: FakeServer) -> None:
    async with client_for(server) as copilot:
        assert copilot.is_connected and copilot.state is S.OPEN
        reply = await copilot.ask("hello", timeout=5)
        assert reply.content == "Echo: hello"
        assert (reply.role, reply.status, reply.is_streaming) == ("assistant", "complete", False)
        assert reply.metadata == {"intent": "echo", "tokenCount": 3, "actionSuccess": True}
        user = copilot.messages[0]
        assert (user.role, user.content, user.status) == ("user", "hello", "delivered")
        assert copilot.messages == [user, reply]
        assert copilot.conversation_id == "conv-1"
        assert not copilot.is_typing
        await wait_until(copilot, lambda: copilot.suggestions == ["More"])
        frame = server.frames("message")[0]
        assert frame["streaming"] is True and frame["conversationId"] is None
        assert frame["clientMessageId"] == user.client_message_id
        second = await copilot.ask("again", timeout=5)
        assert second.content == "Echo: again"
        assert server.frames("message")[1]["conversationId"] == "conv-1"
        assert copilot.suggestions in ([], ["More"])  # cleared by the send, then refilled
    assert copilot.state is S.CLOSED


async def test_stream_yields_tokens(server: FakeServer) -> None:
    server.answer = lambda text: list(TOKENS)
    async with client_for(server) as copilot:
        tokens = [token async for token in copilot.stream("go")]
    assert tokens == TOKENS
    assert copilot.messages[-1].content == "".join(TOKENS)


async def test_non_streamed_answer(server: FakeServer) -> None:
    server.streaming_answers = False
    async with client_for(server, streaming=False) as copilot:
        reply = await copilot.ask("hi", timeout=5)
        assert reply.content == "Echo: hi" and reply.metadata["intent"] == "echo"
        assert [piece async for piece in copilot.stream("yo")] == ["Echo: yo"]
        assert server.frames("message")[0]["streaming"] is False


async def test_offline_queue_order_one_conversation(server: FakeServer) -> None:
    copilot = client_for(server)
    sent = [await copilot.send_message(f"m{n}") for n in range(4)]
    assert [m.status for m in sent] == ["queued"] * 4
    assert copilot.stats().queued == 4
    await copilot.connect()
    await wait_until(
        copilot, lambda: len(server.processed_messages) == 4 and not copilot.stats().queued
    )
    assert server.message_texts == ["m0", "m1", "m2", "m3"]
    assert server.conversations == ["conv-1"]  # one in flight until the id was known
    # Only the first went without a conversation id; the rest were filled in before sending.
    assert [f["conversationId"] for f in server.frames("message")] == [None] + ["conv-1"] * 3
    await wait_until(copilot, lambda: all(m.status == "delivered" for m in sent))
    await copilot.disconnect()


@pytest.mark.parametrize("drops", [1, 2, 4])
async def test_effectively_once_across_forced_drops(server: FakeServer, drops: int) -> None:
    """The server processes a message, then drops before acknowledging (``drops`` times): the
    client resends with the same clientMessageId, the server dedupes; each is processed once,
    in order, and each gets exactly one answer."""
    server.drop_before_ack = drops
    copilot = client_for(server)
    sent = [await copilot.send_message(f"m{n}") for n in range(3)]
    await copilot.connect()
    await wait_until(
        copilot,
        lambda: (
            sum(1 for m in copilot.messages if m.role == "assistant" and not m.is_streaming) == 3
        ),
    )
    ids = [m.client_message_id for m in sent]
    assert server.processed_messages == ids  # each processed once, in order
    assert server.message_texts == ["m0", "m1", "m2"]
    resent = [f["clientMessageId"] for f in server.frames("message")]
    assert resent.count(ids[0]) >= 2  # it really was resent
    answers = [m for m in copilot.messages if m.role == "assistant"]
    assert [a.content for a in answers] == ["Echo: m0", "Echo: m1", "Echo: m2"]
    assert [a.reply_to for a in answers] == ids
    assert copilot.stats().resent >= drops
    await copilot.disconnect()


@pytest.mark.parametrize("drop_after", [1, 4, 9])
async def test_resume_mid_stream_no_gap_no_duplicate(server: FakeServer, drop_after: int) -> None:
    server.answer = lambda text: list(TOKENS)
    server.drop_after_tokens = drop_after
    async with client_for(server) as copilot:
        tokens = [token async for token in copilot.stream("long")]
        assert tokens == TOKENS
        reply = copilot.messages[-1]
        assert reply.content == "".join(TOKENS) and reply.status == "complete"
        assert [m.role for m in copilot.messages] == ["user", "assistant"]
        resume = server.frames("resume")
        assert [(f["streamId"], f["afterSeq"]) for f in resume] == [(reply.stream_id, drop_after)]
        assert copilot.stats().reconnects == 1


async def test_refused_resume_interrupts_without_an_apology(server: FakeServer) -> None:
    server.answer = lambda text: list(TOKENS)
    server.drop_after_tokens = 3
    server.forget_streams = True  # as after a server restart
    async with client_for(server) as copilot:
        reply = await copilot.ask("x", timeout=5)
        assert reply.content == "".join(TOKENS[:3]) + INTERRUPTED_MARKER
        assert reply.status == "interrupted" and copilot.error == "Stream not found"
        assert [m.role for m in copilot.messages] == ["user", "assistant"]
        assert len(server.frames("resume")) == 1


async def test_interruption_marker_without_resume_support() -> None:
    async with FakeServer(seed=True, answer=lambda text: ["par", "tial", " answer"]) as server:
        server.drop_after_tokens = 2
        async with client_for(server) as copilot:
            reply = await copilot.ask("x", timeout=5)
            assert reply.content == "partial" + INTERRUPTED_MARKER
            assert (reply.status, reply.is_streaming) == ("interrupted", False)
            assert copilot.error is not None
            await asyncio.wait_for(copilot.connection.wait_for_state(S.OPEN), 5)
            assert server.frames("resume") == []


async def test_seed_only_server_compatibility() -> None:
    """No ids in acknowledgments, no streamId, no seq: the client still works, and written
    counts as delivered once the first id-less acknowledgment arrived."""
    async with FakeServer(seed=True) as server, client_for(server) as copilot:
        first = await copilot.ask("one", timeout=5)
        assert first.content == "Echo: one"
        second = await copilot.ask("two", timeout=5)
        assert second.content == "Echo: two"
        assert copilot.conversation_id == "conv-1"
        assert [m.status for m in copilot.messages if m.role == "user"] == ["delivered"] * 2
        assert copilot.stats().queued == 0
        assert copilot.connection.outbox.mode.value == "seed"


async def test_token_in_query_for_seed_servers() -> None:
    async with FakeServer(seed=True) as server:
        copilot = client_for(server, token_in_query=True)
        async with copilot:
            await copilot.ask("q", timeout=5)
        assert server.handshakes[0].query == {"userId": "u1", "token": "tok"}


async def test_server_error_reply(server: FakeServer) -> None:
    async def fail(ws: ServerConnection, frame: dict[str, Any]) -> bool:
        if frame.get("action") != "message":
            return False
        reply = {"type": "error", "error": "boom", "clientMessageId": frame["clientMessageId"]}
        await ws.send(json.dumps(reply))
        return True

    server.on_frame = fail
    async with client_for(server) as copilot:
        reply = await copilot.ask("x", timeout=5)
        assert (reply.content, reply.status) == (ERROR_REPLY, "error")
        assert copilot.error == "boom"
        assert copilot.messages[0].status == "failed"
        assert copilot.stats().queued == 0  # the refused message left the outbox


async def test_ask_timeout(server: FakeServer) -> None:
    server.auto_answer = False
    async with client_for(server) as copilot:
        with pytest.raises(TimeoutError):
            await copilot.ask("x", timeout=0.05)


async def test_ask_fails_when_the_connection_gives_up(server: FakeServer) -> None:
    server.auto_answer = False
    async with client_for(server, reconnect=None) as copilot:
        waiting = asyncio.ensure_future(copilot.ask("x", timeout=5))
        await server.wait_for(lambda: len(server.frames("message")) == 1)
        server.reject_next(503)
        await server.close_all(1012)
        with pytest.raises(ConnectionFailed):
            await waiting
        assert copilot.state is S.FAILED


async def test_disconnect_fails_a_pending_ask(server: FakeServer) -> None:
    server.hold_answers.clear()
    async with client_for(server) as copilot:
        waiting = asyncio.ensure_future(copilot.ask("x", timeout=5))
        await server.wait_for(lambda: len(server.frames("message")) == 1)
        await copilot.disconnect()
        reply: ChatMessage | None = None
        with pytest.raises(ConnectionFailed):
            reply = await waiting
        assert reply is None


async def test_queue_full_and_too_large_append_nothing(server: FakeServer) -> None:
    copilot = client_for(server, max_queue=2, max_message_size=200)
    await copilot.send_message("a")
    await copilot.send_message("b")
    with pytest.raises(QueueFull):
        await copilot.send_message("c")
    with pytest.raises(MessageTooLarge):
        await copilot.send_message("x" * 500)
    assert [m.content for m in copilot.messages] == ["a", "b"]


async def test_on_change_isolation(server: FakeServer) -> None:
    """A raising callback and a stuck async callback do not stop another callback, the
    answer, or pings."""
    release = asyncio.Event()
    calls: list[str] = []

    def raising(client: CopilotClient) -> None:
        raise RuntimeError("bad callback")

    async def stuck(client: CopilotClient) -> None:
        await release.wait()

    server.answer = lambda text: list(TOKENS)
    async with client_for(server) as copilot:
        copilot.on_change(raising)
        copilot.on_change(stuck)
        copilot.on_change(lambda client: calls.append(client.state.value))
        reply = await copilot.ask("x", timeout=5)
        assert reply.content == "".join(TOKENS)
        await asyncio.wait_for(copilot.connection.ping(), 5)
        await wait_until(copilot, lambda: bool(calls))
        release.set()


async def test_cancel_sends_cancel_for_the_open_stream(server: FakeServer) -> None:
    server.answer = lambda text: list(TOKENS)
    server.drop_after_tokens = None
    async with client_for(server) as copilot:
        await copilot.cancel()  # no conversation yet: nothing to cancel
        await copilot.ask("x", timeout=5)
        await copilot.cancel()
        await server.wait_for(lambda: len(server.frames("cancel")) == 1)
        assert server.frames("cancel")[0]["conversationId"] == "conv-1"


async def test_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMNITRACK_COPILOT_WS_URL", raising=False)
    monkeypatch.delenv("NEXT_PUBLIC_COPILOT_WS_URL", raising=False)
    assert CopilotClient().connection.url == "ws://localhost:3001/copilot"
    monkeypatch.setenv("NEXT_PUBLIC_COPILOT_WS_URL", "wss://seed.example/copilot")
    assert CopilotClient().connection.url == "wss://seed.example/copilot"
    monkeypatch.setenv("OMNITRACK_COPILOT_WS_URL", "ws://ours.example:9/copilot?x=secret")
    assert CopilotClient().connection.url == "ws://ours.example:9/copilot"
    assert CopilotClient("ws://explicit:1/c").connection.url == "ws://explicit:1/c"


async def test_close_1009_fails_that_message_and_reconnects(server: FakeServer) -> None:
    async def too_big(ws: ServerConnection, frame: dict[str, Any]) -> bool:
        if frame.get("message") == "huge":
            await ws.close(1009, "message too big")
            return True
        return False

    server.on_frame = too_big
    async with client_for(server) as copilot:
        with pytest.raises(ConnectionFailed, match="too large for the server") as info:
            await copilot.ask("huge", timeout=5)
        assert info.value.code == 1009
        assert copilot.messages[0].status == "failed"
        reply = await copilot.ask("small", timeout=5)  # reconnected; the big one is not resent
        assert reply.content == "Echo: small"
        assert [f["message"] for f in server.frames("message")] == ["huge", "small"]


async def test_an_oversized_frame_from_the_server_does_not_blame_our_message(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client closes with 1009 itself when the *server* sends a frame over its limit; the
    server's echo of that close must not make the client drop its own (small) message as 'too
    large for the server'. The message is resent after the reconnect and answered."""
    from omnitrack_realtime.client import connection

    monkeypatch.setattr(connection, "_MAX_INCOMING", 4096)
    sent_huge = False

    async def huge_answer_once(ws: ServerConnection, frame: dict[str, Any]) -> bool:
        nonlocal sent_huge
        if frame.get("action") == "message" and not sent_huge:
            sent_huge = True
            await ws.send(json.dumps({"type": "message", "content": "x" * 10_000}))
            return True
        return False

    server.on_frame = huge_answer_once
    async with client_for(server) as copilot:
        reasons: list[str] = []
        original = copilot._on_state

        def record(transition: Any) -> None:
            reasons.append(transition.reason)
            original(transition)

        copilot._on_state = record  # type: ignore[method-assign]
        reply = await copilot.ask("hello", timeout=5)
        # Said as it is, not as "the connection dropped without a close frame".
        expected = "the server sent a frame over the client's limit"
        assert any(reason.startswith(expected) for reason in reasons), reasons
        assert reply.content == "Echo: hello"
        assert copilot.messages[0].status == "delivered"
        assert copilot.stats().reconnects == 1
        assert [f["message"] for f in server.frames("message")] == ["hello", "hello"]


def test_one_client_used_from_two_event_loops(tmp_path: Any) -> None:
    """A client used in one asyncio.run() and then in another (a script's two phases, a
    notebook's restarted loop): its writer waited on an Event bound to the first loop, died
    with RuntimeError, and every later message stayed unsent (ask() timed out)."""
    from frontdoor_support import USER, ThreadedServer, token_for

    with ThreadedServer(tmp_path / "twin.db") as server:
        client = CopilotClient(server.copilot_url, user_id=USER, token=token_for(), reconnect=FAST)

        async def turn() -> str:
            async with client:
                return (await client.ask("help", timeout=10)).status

        assert asyncio.run(turn()) == "complete"
        assert asyncio.run(turn()) == "complete"


async def test_ask_and_stream_on_a_client_that_gave_up_fail_at_once(server: FakeServer) -> None:
    """After the connection failed for good, ask() (without a timeout) waited forever: nothing
    would ever answer. It now raises the connection's error at once and appends nothing;
    connect() again makes the client usable."""
    from omnitrack_realtime import AuthenticationError

    server.reject_next(403)
    copilot = client_for(server)
    with pytest.raises(AuthenticationError):
        await copilot.connect()
    assert copilot.state is S.FAILED
    with pytest.raises(AuthenticationError):
        await asyncio.wait_for(copilot.ask("x"), 5)
    with pytest.raises(AuthenticationError):
        await asyncio.wait_for(anext(copilot.stream("y")), 5)
    assert copilot.messages == [] and copilot.stats().queued == 0
    await copilot.connect()  # the server accepts now
    assert (await copilot.ask("z", timeout=5)).content == "Echo: z"
    await copilot.disconnect()


async def test_status_is_queued_until_written_then_sent_then_delivered(
    server: FakeServer,
) -> None:
    """A message held back (here: behind the first one, while the conversation id is unknown)
    says "queued", not "sent", until it is really written."""
    server.hold_acks.clear()
    client = client_for(server)
    await client.connect()
    first = await client.send_message("one")
    second = await client.send_message("two")
    await server.wait_for(lambda: server.message_texts == ["one"])
    assert (first.status, second.status) == ("sent", "queued")
    server.hold_acks.set()
    await server.wait_for(lambda: server.message_texts == ["one", "two"])
    await asyncio.wait_for(client.ask("three"), 5)
    assert (first.status, second.status) == ("delivered", "delivered")
    await client.disconnect()
