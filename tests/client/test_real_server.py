"""The copilot client against the REAL reference server (not the fake): rate-limited messages
are kept and resent, a dropped stream resumes exactly, a server-side interruption is marked.

The server runs on loopback with the scripted test engine (``hold NAME N`` streams N tokens and
waits on a gate), so every drop happens at a known token; nothing sleeps, every wait is a
condition with a timeout.
"""

from __future__ import annotations

import asyncio
import random
import time
from asyncio import Future
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from omnitrack_realtime import ChatMessage, CopilotClient, ReconnectPolicy
from omnitrack_realtime.client.state import ConnectionState
from omnitrack_realtime.server import Limits, ServerConfig, WebSocketServer, build_hub
from omnitrack_realtime.server.limits import TokenBucket
from omnitrack_realtime.server.store import SQLiteStore
from omnitrack_realtime.tui.view import connection_view, status_line
from server.helpers import AUTH, SUGGESTIONS, ScriptedEngine, token_for

TIMEOUT = 10.0
FAST = ReconnectPolicy(max_attempts=20, initial_delay=0.01, max_delay=0.05, jitter=0.0)


class PausableClock:
    """A monotonic clock that stands still until :meth:`release`, then runs in real time:
    time-based behaviour (a rate limit's refill, a client's hold) waits for the test."""

    def __init__(self) -> None:
        self._frozen_at: float | None = time.monotonic()

    def __call__(self) -> float:
        return self._frozen_at if self._frozen_at is not None else time.monotonic()

    def release(self) -> None:
        self._frozen_at = None


class Server:
    """The reference server (websockets driver) on 127.0.0.1 with the scripted engine."""

    def __init__(self, tmp_path: Path, limits: Limits | None = None, port: int = 0) -> None:
        self.engine = ScriptedEngine()
        config = ServerConfig(port=port, token_delay=0.0, auth=AUTH, limits=limits or Limits())
        self.hub = build_hub(config, engine=self.engine, store=SQLiteStore(tmp_path / "s.db"))
        self.driver = WebSocketServer(self.hub)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.driver.port}/copilot"

    def drop_connections(self) -> int:
        """Abort every open socket, as a network failure would (no close frame)."""
        listening = self.driver._server  # the websockets server; tests only
        assert listening is not None
        sockets = list(listening.connections)
        for connection in sockets:
            connection.transport.abort()
        return len(sockets)

    def requests(self) -> list[str]:
        return [request.message for request in self.engine.requests]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    started: list[Server] = []

    async def _start(limits: Limits | None = None, port: int = 0) -> Server:
        server = Server(tmp_path, limits, port)
        await server.driver.start()
        started.append(server)
        return server

    yield _start
    for server in started:
        await server.driver.shutdown()


def client_for(server: Server, **options: object) -> CopilotClient:
    options.setdefault("reconnect", FAST)
    options.setdefault("token", token_for("alice"))
    return CopilotClient(server.url, user_id="alice", **options)  # type: ignore[arg-type]


async def until(client: CopilotClient, condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) until ``condition()`` holds after one of the client's state changes."""
    changed = asyncio.Event()
    unsubscribe = client.on_change(lambda _client: changed.set())
    try:
        async with asyncio.timeout(TIMEOUT):
            while not condition():
                await changed.wait()
                changed.clear()
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
    finally:
        unsubscribe()


def user_message(client: CopilotClient, text: str) -> ChatMessage:
    return next(m for m in client.messages if m.role == "user" and m.content == text)


# --------------------------------------------------------------------------- rate limit


async def test_rate_limited_messages_are_resent_in_order_and_nothing_is_lost(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start(Limits(messages_per_minute=6000, burst=1, flood_strikes=1000))
    server_clock = PausableClock()  # the bucket does not refill until the test says so
    server.hub.rate = TokenBucket(per_minute=6000, burst=1, clock=server_clock)
    client_clock = PausableClock()  # and the client's hold does not end before that either
    async with client_for(server, clock=client_clock) as client:
        first = await client.ask("first", timeout=TIMEOUT)
        assert first.content == "Echo: first"
        # Both written at once (the conversation is known); the bucket is empty: both refused.
        asking = asyncio.ensure_future(client.ask("second", timeout=TIMEOUT))
        streaming = asyncio.ensure_future(_collect(client.stream("third")))
        await until(client, lambda: client.stats().rate_limited == 2, "two refusals")
        assert [user_message(client, t).status for t in ("second", "third")] == ["queued"] * 2
        assert client.connection.outbox.held_until == client_clock() + 0.1  # retryAfter 0.1
        assert status_line(connection_view(client), now=client_clock()) == (
            "● connected · 2 queued messages · rate limited, resending in 1 s"
        )
        assert client.error is None  # nothing went wrong as far as the user is concerned
        assert not asking.done() and not streaming.done()  # the callers keep waiting
        assert server.requests() == ["first"]

        server_clock.release()
        client_clock.release()
        client.connection.flush()  # the hold may have ended already: look again now
        second = await asyncio.wait_for(asking, TIMEOUT)
        third = await asyncio.wait_for(streaming, TIMEOUT)
    assert second.content == "Echo: second" and second.status == "complete"
    assert third == "Echo: third"
    assert server.requests() == ["first", "second", "third"]  # in order, each exactly once
    assert [m.status for m in client.messages if m.role == "user"] == ["delivered"] * 3
    assert [m.content for m in client.messages if m.role == "assistant"] == [
        "Echo: first",
        "Echo: second",
        "Echo: third",
    ]
    stats = client.stats()
    assert stats.rate_limited >= 2 and stats.queued == 0


async def test_suggestions_are_there_when_ask_returns(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    async with client_for(server) as client:
        reply = await client.ask("hello", timeout=TIMEOUT)
        # No wait for the suggestions frame: they came with stream_complete's metadata.
        assert client.suggestions == list(SUGGESTIONS)
        assert reply.metadata["suggestions"] == list(SUGGESTIONS)


async def _collect(tokens: AsyncIterator[str]) -> str:
    return "".join([token async for token in tokens])


# --------------------------------------------------------------------------- resume


async def stream_held_answer(client: CopilotClient, server: Server, tokens: int) -> Future[str]:
    """Ask for an answer that stops after ``tokens`` tokens (until gate ``g`` opens); return
    its ``stream()`` text as a future, once the client holds those tokens: the drop that
    follows happens at a known token."""
    streaming = asyncio.ensure_future(_collect(client.stream(f"hold g {tokens}")))
    await asyncio.wait_for(server.engine.waiting("g").wait(), TIMEOUT)
    so_far = "".join(f" t{index + 1}" for index in range(tokens))
    await until(client, lambda: client.messages[-1].content == so_far, f"{tokens} tokens")
    return streaming


class TokenGate:
    """A token provider whose calls after the first wait for :meth:`open` (holds a reconnect)."""

    def __init__(self) -> None:
        self.calls = 0
        self.opened = asyncio.Event()
        self.waiting = asyncio.Event()

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls > 1:
            self.waiting.set()
            await self.opened.wait()
        return token_for("alice")


async def test_stream_dropped_mid_answer_resumes_with_exactly_the_full_text(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    token = TokenGate()
    client = client_for(server, token=token)
    await client.connect()
    try:
        streaming = await stream_held_answer(client, server, 3)
        reply = lambda: client.messages[-1]  # noqa: E731
        assert server.drop_connections() == 1  # the drop happens at token 3, known
        await asyncio.wait_for(token.waiting.wait(), TIMEOUT)  # reconnecting, held
        assert reply().is_streaming  # not interrupted: it will resume
        server.engine.gate("g").set()  # the rest is produced while the client is away
        token.opened.set()
        text = await asyncio.wait_for(streaming, TIMEOUT)
    finally:
        await client.disconnect()
    assert text == " t1 t2 t3 after"  # no gap, no duplicate
    assert reply().content == " t1 t2 t3 after" and reply().status == "complete"
    assert [m.role for m in client.messages] == ["user", "assistant"]  # one reply, not two
    assert client.stats().reconnects == 1
    assert server.requests() == ["hold g 3"]  # resumed, not asked again


async def test_stream_resumes_when_the_rest_arrives_after_the_reconnect(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    client = client_for(server)
    await client.connect()
    try:
        streaming = await stream_held_answer(client, server, 2)
        server.drop_connections()
        await asyncio.wait_for(
            client.connection.wait_for_state(ConnectionState.RECONNECTING), TIMEOUT
        )
        await until(client, lambda: client.stats().reconnects == 1, "the reconnect")
        server.engine.gate("g").set()
        text = await asyncio.wait_for(streaming, TIMEOUT)
    finally:
        await client.disconnect()
    assert text == " t1 t2 after"
    assert client.messages[-1].content == " t1 t2 after"
    assert len(client.messages) == 2


async def test_server_interruption_without_resume_is_marked_interrupted(
    start: Callable[..., Awaitable[Server]],
) -> None:
    server = await start()
    client = client_for(server, reconnect=None)
    await client.connect()
    try:
        streaming = await stream_held_answer(client, server, 2)
        await server.driver.shutdown()  # graceful: stream_interrupted with the partial text
        text = await asyncio.wait_for(streaming, TIMEOUT)
    finally:
        await client.disconnect()
    reply = client.messages[-1]
    assert text == " t1 t2 [interrupted]"
    assert reply.content == " t1 t2 [interrupted]"
    assert reply.status == "interrupted" and not reply.is_streaming
    assert client.error is not None


async def test_dropped_stream_the_restarted_server_cannot_resume_is_marked_interrupted(
    start: Callable[..., Awaitable[Server]],
) -> None:
    first = await start()
    token = TokenGate()
    client = client_for(first, token=token)
    await client.connect()
    try:
        streaming = await stream_held_answer(client, first, 2)
        first.drop_connections()  # the client loses the socket without a word...
        await asyncio.wait_for(token.waiting.wait(), TIMEOUT)
        port = first.driver.port
        await first.driver.shutdown()  # ...and the server goes away with its streams
        second = await start(port=port)  # same store and port, no memory of the stream
        token.opened.set()
        text = await asyncio.wait_for(streaming, TIMEOUT)  # its resume is refused
    finally:
        await client.disconnect()
    reply = client.messages[-1]
    assert text == " t1 t2 [interrupted]"
    assert reply.content == " t1 t2 [interrupted]" and reply.status == "interrupted"
    assert client.error is not None
    assert second.requests() == []  # nothing asked again


# --------------------------------------------------------------------------- restart


async def test_a_message_sent_during_shutdown_reaches_the_restarted_server(
    start: Callable[..., Awaitable[Server]],
) -> None:
    """A rolling restart loses nothing: the stopping server refuses new messages for now
    (``unavailable`` + ``retryAfter``) instead of starting turns it would only interrupt, and
    the client resends them to the server it reconnects to."""
    first = await start()
    client_clock = PausableClock()  # the client's hold ends when the test says so
    async with client_for(first, clock=client_clock) as client:
        assert (await client.ask("before", timeout=TIMEOUT)).content == "Echo: before"
        first.hub.closing = True  # what interrupt_all() sets first when a shutdown begins
        asking = asyncio.ensure_future(client.ask("during", timeout=TIMEOUT))
        await until(client, lambda: client.stats().rate_limited == 1, "the refusal")
        assert user_message(client, "during").status == "queued"
        assert client.error is None and not asking.done()
        assert status_line(connection_view(client), now=client_clock()) == (
            "● connected · 1 queued message · server restarting, resending in 1 s"
        )
        port = first.driver.port
        await first.driver.shutdown()
        second = await start(port=port)  # same store and port
        client_clock.release()
        client.connection.flush()
        reply = await asyncio.wait_for(asking, TIMEOUT)
    assert reply.content == "Echo: during" and reply.status == "complete"
    assert first.requests() == ["before"] and second.requests() == ["during"]
    assert [m.status for m in client.messages if m.role == "user"] == ["delivered"] * 2


# --------------------------------------------------------------------------- turn order


async def test_the_readme_sequence_streams_its_own_answer(
    start: Callable[..., Awaitable[Server]],
) -> None:
    """The README's example: ``send_message(A)`` then ``stream(B)``. The server runs B only
    after A (the client sees B queued meanwhile), and ``stream(B)`` yields B's answer."""
    server = await start()
    async with client_for(server) as client:
        await client.send_message("late a")  # its answer waits at gate a before it starts
        streaming = asyncio.ensure_future(_collect(client.stream("summary")))
        await asyncio.wait_for(server.engine.waiting("a").wait(), TIMEOUT)
        await until(
            client, lambda: user_message(client, "summary").status == "delivered", "B's ack"
        )
        # B is acknowledged while A is in the engine: it waits, and the client is told so.
        assert server.requests() == ["late a"]
        assert user_message(client, "summary").metadata["queued"] == 1
        assert not streaming.done()
        server.engine.gate("a").set()
        text = await asyncio.wait_for(streaming, TIMEOUT)
        await until(client, lambda: not client.messages[-2].is_streaming, "A's end")
    assert text == "Echo: summary"
    assert server.requests() == ["late a", "summary"]
    assert server.engine.max_overlap == 1
    question_a, question_b, answer_a, answer_b = client.messages
    assert (answer_a.content, answer_a.reply_to) == ("Echo: late a", question_a.client_message_id)
    assert (answer_b.content, answer_b.reply_to) == ("Echo: summary", question_b.client_message_id)
    assert [m.status for m in (answer_a, answer_b)] == ["complete", "complete"]
    assert "queued" not in question_b.metadata  # its answer has started: it waits no more


def _expected(text: str) -> str:
    words = text.split()
    if words[0] == "hold":
        return "".join(f" t{index + 1}" for index in range(int(words[2]))) + " after"
    return f"Echo: {text}"


def _round_texts(rng: random.Random, seed: int) -> list[str]:
    """2 to 5 turns; the first is held in the engine (before or after its first tokens)."""
    texts: list[str] = []
    for index in range(rng.randint(2, 5)):
        gate = f"s{seed}g{index}"
        kind = rng.choice(["late", "hold"] if index == 0 else ["late", "hold", "echo"])
        if kind == "late":
            texts.append(f"late {gate}")
        elif kind == "hold":
            texts.append(f"hold {gate} {rng.randint(0, 3)}")
        else:
            texts.append(f"echo {seed} {index}")
    return texts


async def test_every_answer_reaches_its_own_question_whatever_the_engine_timing(
    start: Callable[..., Awaitable[Server]],
) -> None:
    """Seeded rounds of several turns sent at once into one conversation (by ``send_message``,
    ``ask`` or ``stream``), all acknowledged while the first is held in the engine; then the
    test releases whichever held answer the engine is waiting on, chosen at random. The engine
    never runs two turns of a conversation at once, every ``ask()``/``stream()`` gets its own
    answer, and ``messages`` pairs each reply with its question, in order."""
    server = await start(Limits(messages_per_minute=100_000, burst=1_000))
    sent: list[str] = []
    for seed in range(25):
        rng = random.Random(seed)
        texts = _round_texts(rng, seed)
        async with client_for(server) as client:
            questions, replies = await _play_round(client, server.engine, rng, texts)
        context = f"seed {seed}: {texts}"
        assert [m.content for m in questions] == texts, context
        assert [m.reply_to for m in replies] == [m.client_message_id for m in questions], context
        assert [m.content for m in replies] == [_expected(t) for t in texts], context
        assert {m.status for m in replies} == {"complete"}, context
        assert server.engine.max_overlap == 1, context
        sent += texts
    assert server.requests() == sent  # each turn once, in the order it was sent


async def _play_round(
    client: CopilotClient, engine: ScriptedEngine, rng: random.Random, texts: list[str]
) -> tuple[list[ChatMessage], list[ChatMessage]]:
    changed = asyncio.Event()
    client.on_change(lambda _client: changed.set())
    waiters: list[tuple[str, asyncio.Future[str]]] = []
    for count, text in enumerate(texts, start=1):
        how = rng.choice(["send", "ask", "stream"])
        if how == "send":
            await client.send_message(text)
        elif how == "ask":
            waiters.append((text, asyncio.ensure_future(_content(client.ask(text, TIMEOUT)))))
        else:
            waiters.append((text, asyncio.ensure_future(_collect(client.stream(text)))))
        # ask() and stream() send when their task first runs: keep the sending order.
        await until(client, lambda n=count: len(_questions(client)) == n, "the send")
    # Every turn acknowledged while the first is held in the engine: all were in flight
    # together before any answer is released.
    await until(client, lambda: {m.status for m in _questions(client)} == {"delivered"}, "acks")
    await asyncio.wait_for(engine.waiting(texts[0].split()[1]).wait(), TIMEOUT)
    gates = [text.split()[1] for text in texts if text.split()[0] in ("late", "hold")]
    released: set[str] = set()

    def answered() -> bool:
        replies = [m for m in client.messages if m.role == "assistant"]
        return len(replies) == len(texts) and not any(m.is_streaming for m in replies)

    async with asyncio.timeout(TIMEOUT):
        while True:
            changed.clear()
            engine.parked.clear()
            held = [g for g in gates if engine.waiting(g).is_set() and g not in released]
            if held:
                gate = rng.choice(held)
                released.add(gate)
                engine.gate(gate).set()
            elif answered():
                break
            else:
                await _wait_any(changed, engine.parked)
    for text, waiter in waiters:
        assert await waiter == _expected(text), text
    return _questions(client), [m for m in client.messages if m.role == "assistant"]


def _questions(client: CopilotClient) -> list[ChatMessage]:
    return [m for m in client.messages if m.role == "user"]


async def _content(reply: Awaitable[ChatMessage]) -> str:
    return (await reply).content


async def _wait_any(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
