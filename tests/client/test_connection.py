"""The asyncio connection driver against a real scripted server on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, InvalidStatus, InvalidURI
from websockets.frames import Close
from websockets.http11 import Response

from omnitrack_realtime.client.backoff import ReconnectPolicy
from omnitrack_realtime.client.connection import (
    Connection,
    classify_closed,
    classify_failure,
)
from omnitrack_realtime.client.outbox import OutboxItem
from omnitrack_realtime.client.state import ConnectionState, Transition
from omnitrack_realtime.errors import (
    AuthenticationError,
    ConnectionFailed,
    MessageTooLarge,
    QueueFull,
)
from omnitrack_realtime.protocol import Disposition

from .fake_server import FakeServer, Plan

S = ConnectionState
FAST = ReconnectPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05, jitter=0.0)


class Recorder:
    """A ConnectionHandler that records what the driver tells it."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.transitions: list[Transition] = []
        self.frames: list[bytes] = []
        self.lost = 0
        self.written: list[bytes] = []
        self.open_frames: list[bytes] = []
        self.known = True

    def on_state(self, transition: Transition) -> None:
        self.transitions.append(transition)

    def process_open(self) -> list[bytes]:
        return list(self.open_frames)

    def on_frame(self, data: bytes) -> None:
        self.frames.append(data)
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_frames(self, count: int) -> None:
        async def loop() -> None:
            while len(self.frames) < count:
                await self.changed.wait()

        await asyncio.wait_for(loop(), 5)

    def on_written(self, item: OutboxItem) -> None:
        self.written.append(item.payload)

    def on_lost(self) -> None:
        self.lost += 1

    def conversation_known(self) -> bool:
        return self.known

    def states(self) -> list[S]:
        return [t.new for t in self.transitions]


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer() as fake:
        yield fake


def make(url: str | list[str], recorder: Recorder, **options: object) -> Connection:
    options.setdefault("reconnect", FAST)
    options.setdefault("token", "tok-secret")
    return Connection(url, handler=recorder, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pure classifiers


def _status(status: int, **headers: str) -> InvalidStatus:
    return InvalidStatus(Response(status, "x", Headers(**headers)))


def test_classify_handshake_statuses() -> None:
    assert classify_failure(_status(401)).disposition is Disposition.REFRESH_AUTH
    assert classify_failure(_status(403)).disposition is Disposition.TERMINAL
    assert classify_failure(_status(403)).error().__class__ is AuthenticationError
    assert classify_failure(_status(400)).error().__class__ is ConnectionFailed
    limited = classify_failure(_status(429, **{"Retry-After": "3"}))
    assert (limited.disposition, limited.retry_after) == (Disposition.RATE_LIMITED, 3.0)
    assert classify_failure(_status(429, **{"Retry-After": "Wed, 21 Oct"})).retry_after is None
    assert classify_failure(_status(503)).disposition is Disposition.RETRY
    assert classify_failure(ConnectionRefusedError()).disposition is Disposition.RETRY
    assert classify_failure(TimeoutError()).disposition is Disposition.RETRY
    assert classify_failure(InvalidURI("x", "bad")).disposition is Disposition.TERMINAL


def test_classify_close_codes() -> None:
    assert classify_closed(None).disposition is Disposition.RETRY
    assert classify_closed(Close(1000, "")).disposition is Disposition.DONE
    assert classify_closed(Close(1012, "")).disposition is Disposition.RETRY
    assert classify_closed(Close(1008, "")).error().__class__ is AuthenticationError
    assert classify_closed(Close(4401, "expired")).disposition is Disposition.REFRESH_AUTH
    limited = classify_closed(Close(4429, "slow down; retry-after=2"))
    assert (limited.disposition, limited.retry_after) == (Disposition.RATE_LIMITED, 2.0)
    assert "slow down" in classify_closed(Close(4429, "slow down")).reason
    assert ConnectionClosedError(None, None).rcvd is None


# --------------------------------------------------------------------------- life cycle


async def test_connect_sends_bearer_and_logs_transitions(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, user_id="u1")
    await conn.connect()
    assert conn.state is S.OPEN and conn.is_connected
    assert server.handshakes[0].authorization == "Bearer tok-secret"
    assert server.handshakes[0].query == {}
    await conn.disconnect()
    assert conn.state is S.CLOSED
    assert recorder.states() == [S.CONNECTING, S.OPEN, S.CLOSED]
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("omnitrack")]
    assert any("connecting -> open" in m for m in messages)
    assert any("open -> closed: disconnect() called" in m for m in messages)
    assert all("tok-secret" not in m for m in messages)


async def test_token_in_query_is_never_logged(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = make(server.copilot_url + "?x=1", Recorder(), user_id="u1", token_in_query=True)
    await conn.connect()
    assert server.handshakes[0].query == {"x": "1", "userId": "u1", "token": "tok-secret"}
    await conn.disconnect()
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("omnitrack")]
    assert any(m.startswith("> GET /copilot?<redacted>") for m in ours)  # websockets' own line
    assert any(m == "> Authorization: <redacted>" for m in ours)
    assert all("tok-secret" not in m for m in ours)
    assert conn.url == server.copilot_url


async def test_token_env_and_async_provider(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNITRACK_TOKEN", "from-env")
    conn = Connection(server.copilot_url, handler=Recorder(), reconnect=FAST)
    await conn.connect()
    await conn.disconnect()

    async def provider() -> str:
        return "from-async"

    conn = Connection(server.copilot_url, handler=Recorder(), reconnect=FAST, token=provider)
    await conn.connect()
    await conn.disconnect()
    assert [h.authorization for h in server.handshakes] == [
        "Bearer from-env",
        "Bearer from-async",
    ]


async def test_reconnect_schedule_and_give_up(server: FakeServer) -> None:
    """503 on every handshake: initial attempt + 3 retries with the exact (jitter 0) delays, then
    FAILED with a clear error and no further attempt."""
    server.reject_next(*[503] * 10)
    recorder = Recorder()
    conn = make(server.copilot_url, recorder)
    await conn.connect()  # the first attempt failed, retryable: returns, retries go on
    assert conn.state in (S.RECONNECTING, S.CONNECTING)
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert len(server.handshakes) == 4
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert [r.rsplit(" in ", 1)[1] for r in reasons] == ["0.01s", "0.02s", "0.04s"]
    assert isinstance(conn.error, ConnectionFailed)
    assert "after 3 retries" in str(conn.error) and "HTTP 503" in str(conn.error)
    assert conn.error.status == 503
    assert len(server.reject_statuses) == 6  # nothing more was attempted


async def test_max_attempts_zero_fails_first_connect() -> None:
    async with FakeServer() as server:
        server.reject_next(503)
        conn = make(server.copilot_url, Recorder(), reconnect=None)
        with pytest.raises(ConnectionFailed, match="after 0 retries"):
            await conn.connect()
        assert conn.state is S.FAILED


async def test_connection_refused_is_retried_then_fails() -> None:
    async with FakeServer() as server:
        url = server.copilot_url
    conn = make(url, Recorder(), reconnect=ReconnectPolicy(max_attempts=1, initial_delay=0.01))
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert "network error" in str(conn.error)


async def test_auth_refresh_once_then_stop(server: FakeServer) -> None:
    server.reject_next(401, 401, 401)
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return f"token-{len(calls)}"

    conn = make(server.copilot_url, Recorder(), token=token)
    with pytest.raises(AuthenticationError) as info:
        await conn.connect()
    assert info.value.status == 401
    assert len(calls) == 2
    assert [h.authorization for h in server.handshakes] == ["Bearer token-1", "Bearer token-2"]
    assert conn.state is S.FAILED


async def test_auth_refresh_succeeds(server: FakeServer) -> None:
    server.reject_next(401)
    tokens = iter(["old", "new"])
    conn = make(server.copilot_url, Recorder(), token=lambda: next(tokens))
    await conn.connect()
    assert conn.state is S.OPEN
    assert server.handshakes[-1].authorization == "Bearer new"
    await conn.disconnect()


async def test_close_4401_refreshes_once_then_fails(server: FakeServer) -> None:
    server.always = Plan(close_code=4401, close_reason="token expired")
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return "t"

    conn = make(server.copilot_url, Recorder(), token=token)
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert isinstance(conn.error, AuthenticationError)
    assert conn.error.code == 4401
    assert len(calls) == 2 and server.opened == 2


async def test_forbidden_is_terminal(server: FakeServer) -> None:
    server.reject_next(403)
    conn = make(server.copilot_url, Recorder())
    with pytest.raises(AuthenticationError):
        await conn.connect()
    assert len(server.handshakes) == 1


async def test_close_1008_after_open_is_terminal(server: FakeServer) -> None:
    server.plans.append(Plan(close_code=1008, close_reason="policy"))
    conn = make(server.copilot_url, Recorder())
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert isinstance(conn.error, AuthenticationError)
    assert conn.error.code == 1008
    assert server.opened == 1


async def test_normal_close_from_server_does_not_reconnect(server: FakeServer) -> None:
    server.plans.append(Plan(close_code=1000))
    conn = make(server.copilot_url, Recorder())
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.CLOSED), 5)
    assert server.opened == 1


async def test_accept_then_close_storm_stops(server: FakeServer) -> None:
    """A server that accepts and closes at once: the counter never resets (stable_after), so the
    client gives up after max_attempts instead of looping."""
    server.always = Plan(close_code=1011)
    policy = ReconnectPolicy(max_attempts=3, initial_delay=0.01, jitter=0, stable_after=60)
    conn = make(server.copilot_url, Recorder(), reconnect=policy)
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert server.opened == 4
    assert conn.stats().connects == 4 and conn.stats().reconnects == 3


async def test_stable_connection_resets_the_counter(server: FakeServer) -> None:
    """With stable_after=0 every open counts as stable: drops never use up the retries."""
    server.plans.extend(Plan(close_code=1012) for _ in range(5))
    policy = ReconnectPolicy(max_attempts=1, initial_delay=0.01, jitter=0, stable_after=0)
    conn = make(server.copilot_url, Recorder(), reconnect=policy)
    await conn.connect()
    await server.wait_for(lambda: server.opened == 6)
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    await conn.disconnect()


async def test_rate_limited_handshake_waits_retry_after(server: FakeServer) -> None:
    server.reject_next(429, retry_after="0.2")
    recorder = Recorder()
    conn = make(server.copilot_url, recorder)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    assert loop.time() - started >= 0.19  # never sooner than asked (a lower bound: not flaky)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert reasons == [
        "the server rejected the connection with HTTP 429 (rejected with 429); retry 1 in 0.20s"
    ]
    await conn.disconnect()


async def test_close_4429_reason_retry_after(server: FakeServer) -> None:
    server.plans.append(Plan(close_code=4429, close_reason="too many; retry-after=0.15"))
    recorder = Recorder()
    conn = make(server.copilot_url, recorder)
    await conn.connect()
    await server.wait_for(lambda: server.opened == 2)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert reasons[0].endswith("retry 1 in 0.15s")
    await conn.disconnect()


async def test_disconnect_cancels_pending_retry_at_once(server: FakeServer) -> None:
    server.reject_next(503)
    policy = ReconnectPolicy(max_attempts=5, initial_delay=3600, max_delay=3600)
    conn = make(server.copilot_url, Recorder(), reconnect=policy)
    await conn.connect()
    assert conn.state is S.RECONNECTING
    await asyncio.wait_for(conn.disconnect(), 1)  # an hour-long retry does not hold it up
    assert conn.state is S.CLOSED
    assert len(server.handshakes) == 1


async def test_connect_again_after_failure(server: FakeServer) -> None:
    server.reject_next(403)
    conn = make(server.copilot_url, Recorder())
    with pytest.raises(AuthenticationError):
        await conn.connect()
    await conn.connect()
    assert conn.state is S.OPEN and conn.error is None
    await conn.disconnect()


# --------------------------------------------------------------------------- sending


async def test_offline_queue_flushes_in_order_after_open_frames(server: FakeServer) -> None:
    recorder = Recorder()
    recorder.open_frames = [b'{"action":"first"}']
    conn = make(server.copilot_url, recorder)
    for n in range(5):
        conn.send(json.dumps({"action": "ping", "n": n}).encode())
    assert conn.stats().queued == 5
    await conn.connect()
    await server.wait_for(lambda: len(server.received) == 6)
    assert [f.get("n") for f in server.received] == [None, 0, 1, 2, 3, 4]
    assert server.received[0]["action"] == "first"
    assert conn.stats().queued == 0 and conn.stats().messages_sent == 6
    assert len(recorder.written) == 5  # the open frames are not outbox items
    await conn.disconnect()


async def test_message_too_large_is_never_queued() -> None:
    conn = Connection("ws://127.0.0.1:9/x", handler=Recorder(), max_message_size=10)
    with pytest.raises(MessageTooLarge) as info:
        conn.send(b"x" * 11)
    assert (info.value.size, info.value.limit) == (11, 10)
    assert len(conn.outbox) == 0
    conn.send(b"x" * 10)
    assert len(conn.outbox) == 1


async def test_queue_full() -> None:
    conn = Connection("ws://127.0.0.1:9/x", handler=Recorder(), max_queue=2)
    conn.send(b"1")
    conn.send(b"2")
    with pytest.raises(QueueFull):
        conn.send(b"3")


async def test_unacked_messages_resent_after_drop(server: FakeServer) -> None:
    """Frames with a client_message_id stay until acknowledged; a drop resends them."""

    async def swallow(ws: object, frame: dict[str, object]) -> bool:
        return True  # never acknowledge

    server.on_frame = swallow  # type: ignore[assignment]
    conn = make(server.copilot_url, Recorder())
    await conn.connect()
    conn.send(b'{"action":"message","clientMessageId":"a"}', client_message_id="a")
    await server.wait_for(lambda: len(server.received) == 1)
    await server.close_all(1012)
    await server.wait_for(lambda: len(server.received) == 2)
    assert server.received[1]["clientMessageId"] == "a"
    assert conn.stats().resent == 1 and conn.stats().queued == 1
    await conn.disconnect()


async def test_received_frames_reach_the_handler_and_ping_measures_rtt(
    server: FakeServer,
) -> None:
    recorder = Recorder()
    conn = make(server.copilot_url, recorder)
    await conn.connect()
    conn.send(b'{"action":"ping"}')
    await server.wait_for(lambda: len(server.received) == 1)
    rtt = await asyncio.wait_for(conn.ping(), 5)
    assert rtt >= 0
    await recorder.wait_frames(1)
    assert json.loads(recorder.frames[0]) == {"type": "pong", "timestamp": 1}
    stats = conn.stats()
    assert stats.messages_received == 1 and stats.last_rtt == rtt
    await conn.disconnect()
    assert recorder.lost == 1


async def test_dead_peer_detected_by_ping_timeout(server: FakeServer) -> None:
    server.plans.append(Plan(go_silent=True))
    recorder = Recorder()
    conn = make(
        server.copilot_url, recorder, ping_interval=0.05, ping_timeout=0.05, close_timeout=0.05
    )
    await conn.connect()
    await server.wait_for(lambda: server.opened == 2)  # it gave up on the dead one, reconnected
    lost = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert lost[0].startswith("the connection dropped without a close frame")
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    await conn.disconnect()


async def test_jitter_uses_the_injected_random(server: FakeServer) -> None:
    server.reject_next(503, 503, 503)
    recorder = Recorder()
    policy = ReconnectPolicy(max_attempts=3, initial_delay=0.01, multiplier=2, jitter=0.5)
    draws = iter([0.0, 1.0, 0.5])  # factors 0.5, 1.5, 1.0
    conn = make(server.copilot_url, recorder, reconnect=policy, random=lambda: next(draws))
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert [r.rsplit(" in ", 1)[1] for r in reasons] == ["0.01s", "0.03s", "0.04s"]
    await conn.disconnect()


async def test_token_provider_failure_is_retried_without_leaking(server: FakeServer) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("vault unreachable: secret=hunter2")
        return "tok"

    recorder = Recorder()
    conn = make(server.copilot_url, recorder, token=flaky)
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert reasons == ["the token provider raised RuntimeError; retry 1 in 0.01s"]
    await conn.disconnect()


def test_invalid_urls_are_configuration_errors() -> None:
    from omnitrack_realtime import CopilotClient, EventClient
    from omnitrack_realtime.errors import ConfigurationError

    for url in ("http://localhost/copilot", "localhost:3001", "ws://"):
        with pytest.raises(ConfigurationError):
            CopilotClient(url)
        with pytest.raises(ConfigurationError):
            EventClient(url)
    with pytest.raises(ConfigurationError, match="not a WebSocket url") as info:
        CopilotClient("http://user:pw@host/x?token=secret")
    assert "secret" not in str(info.value) and "pw" not in str(info.value)


async def test_hanging_token_provider_does_not_hang_connect(server: FakeServer) -> None:
    """README: 'connect() never hangs'. A provider that never answers counts as a failed
    attempt after open_timeout, and the retry asks it again."""
    never = asyncio.Event()
    calls: list[int] = []

    async def stuck_then_fine() -> str:
        calls.append(1)
        if len(calls) == 1:
            await never.wait()
        return "tok"

    recorder = Recorder()
    conn = make(server.copilot_url, recorder, token=stuck_then_fine, open_timeout=0.05)
    await asyncio.wait_for(conn.connect(), 5)
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert reasons == ["the token provider did not answer within 0.05s; retry 1 in 0.01s"]
    assert len(calls) == 2
    await conn.disconnect()


async def test_token_provider_returning_a_non_string_fails_at_once_saying_so(
    server: FakeServer,
) -> None:
    """A provider that returns the wrong type is a programming error: retrying cannot help, and
    'the token provider raised ConfigurationError' after every retry hides what is wrong."""
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, token=lambda: 12345)
    with pytest.raises(ConnectionFailed, match="the token provider returned int, not str"):
        await asyncio.wait_for(conn.connect(), 5)
    assert conn.state is S.FAILED
    assert server.attempts == 0


@pytest.mark.parametrize("retry_after", ["inf", "Infinity", "1e999"])
async def test_an_infinite_retry_after_falls_back_to_backoff(
    server: FakeServer, retry_after: str
) -> None:
    """float() reads 'inf': a 429 with 'Retry-After: inf' made the client wait forever (never
    retrying, nothing failing) and the status bar's countdown raised OverflowError. A
    Retry-After that is not a finite number is ignored like an HTTP date: backoff decides."""
    server.reject_next(429, retry_after=retry_after)
    recorder = Recorder()
    conn = make(server.copilot_url, recorder)
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    reasons = [t.reason for t in recorder.transitions if t.new is S.RECONNECTING]
    assert reasons == [
        "the server rejected the connection with HTTP 429 (rejected with 429); retry 1 in 0.01s"
    ]
    await conn.disconnect()


async def test_a_token_read_with_its_trailing_newline_still_works(server: FakeServer) -> None:
    """A token read from a file keeps its newline; websockets refuses that header value, and the
    client retried it as 'the handshake failed (InvalidHeaderValue)' until it gave up."""
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, token=lambda: "tok-secret\n")
    await asyncio.wait_for(conn.connect(), 5)
    assert conn.state is S.OPEN
    assert server.handshakes[-1].authorization == "Bearer tok-secret"
    await conn.disconnect()


async def test_a_token_with_a_line_break_inside_fails_at_once_saying_so(
    server: FakeServer,
) -> None:
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, token="tok\r\nX-Injected: 1")
    with pytest.raises(ConnectionFailed, match="the token contains a control character"):
        await asyncio.wait_for(conn.connect(), 5)
    assert conn.state is S.FAILED
    assert server.attempts == 0


async def test_credentials_in_the_url_do_not_replace_the_bearer_token(server: FakeServer) -> None:
    """websockets turns 'user:password@' into an 'Authorization: Basic' header, sent before our
    Bearer one: the server read the Basic one and refused a valid token with 401."""
    recorder = Recorder()
    url = server.copilot_url.replace("ws://", "ws://alice:pw@")
    conn = make(url, recorder, token="tok-secret")
    await asyncio.wait_for(conn.connect(), 5)
    assert server.handshakes[-1].authorization == "Bearer tok-secret"
    assert conn.state is S.OPEN
    await conn.disconnect()


async def test_a_failing_writer_reconnects_instead_of_leaving_messages_unsent(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error in the writer (here a handler hook that raises) used to end the
    writer task silently while the read loop went on: the connection looked open and nothing
    queued was ever written again. Now it is logged and the connection is made anew."""

    class Flaky(Recorder):
        failed = False

        def on_written(self, item: OutboxItem) -> None:
            if not Flaky.failed:
                Flaky.failed = True
                raise RuntimeError("bug in a hook")
            super().on_written(item)

    recorder = Flaky()
    conn = make(server.copilot_url, recorder)
    await conn.connect()
    conn.send(b'{"action":"noop","n":1}')
    await server.wait_for(lambda: server.opened == 2)  # closed and made anew
    conn.send(b'{"action":"noop","n":2}')
    await server.wait_for(lambda: [f.get("n") for f in server.frames("noop")] == [1, 2])
    assert "the writer of" in caplog.text
    await conn.disconnect()


async def test_a_blocking_token_provider_does_not_block_the_event_loop(server: FakeServer) -> None:
    """A sync provider may do blocking I/O; it runs off the loop, so the loop (pings, other
    connections) goes on. Were it called on the loop, the release below could never run and
    the provider would time out unreleased."""
    called, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def blocking_provider() -> str:
        called.set()
        released.append(release.wait(timeout=5))
        return "tok"

    conn = make(server.copilot_url, Recorder(), token=blocking_provider)
    connecting = asyncio.create_task(conn.connect())
    assert await asyncio.wait_for(asyncio.to_thread(called.wait, 5), 6)
    release.set()  # only possible if the loop runs while the provider blocks
    await asyncio.wait_for(connecting, 5)
    assert released == [True]
    assert conn.is_connected
    await conn.disconnect()


# --------------------------------------------------------------------------- several urls


async def test_a_url_list_moves_to_the_next_server_on_failure(server: FakeServer) -> None:
    recorder = Recorder()
    dead = "ws://127.0.0.1:1/copilot"
    conn = make([dead, server.copilot_url], recorder)
    assert conn.urls == (dead, server.copilot_url)
    await conn.connect()  # the first fails at once: its retry goes to the second
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    assert conn.url == server.copilot_url
    retrying = next(t for t in recorder.transitions if t.new is S.RECONNECTING)
    assert f"{dead}: " in retrying.reason and f"next: {server.copilot_url}" in retrying.reason
    # Lost there: the next retry goes back to the first, then on to the second again.
    await server.close_all(1012)
    await asyncio.wait_for(conn.wait_for_state(S.RECONNECTING), 5)
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    assert conn.url == server.copilot_url
    assert conn.stats().connects == 2
    await conn.disconnect()


async def test_a_url_list_gives_up_naming_every_url() -> None:
    recorder = Recorder()
    urls = ["ws://127.0.0.1:1/copilot", "ws://127.0.0.1:2/copilot"]
    conn = make(urls, recorder, reconnect=ReconnectPolicy(max_attempts=2, initial_delay=0.01))
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert "ws://127.0.0.1:1/copilot, ws://127.0.0.1:2/copilot" in str(conn.error)
