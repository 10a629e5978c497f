"""``retry_now()``: a pending retry starts at once; a connection that gave up tries once more.

And what a refused handshake says: the server's own short reason, and no claim of a "fresh
token" when the token is a fixed string.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from omnitrack_realtime import CopilotClient
from omnitrack_realtime.client.backoff import ReconnectPolicy
from omnitrack_realtime.client.state import ConnectionState
from omnitrack_realtime.errors import AuthenticationError

from .fake_server import FakeServer
from .test_connection import Recorder, make

S = ConnectionState
#: Retries an hour apart: only retry_now() can make one happen during a test.
HOURLY = ReconnectPolicy(max_attempts=2, initial_delay=3600, max_delay=3600, jitter=0)


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer() as fake:
        yield fake


async def test_retry_now_ends_the_wait_for_a_pending_retry(server: FakeServer) -> None:
    server.reject_next(503)
    conn = make(server.copilot_url, Recorder(), reconnect=HOURLY)
    await conn.connect()
    assert conn.state is S.RECONNECTING and conn.next_retry is not None
    assert conn.retry_now()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    assert conn.stats().connects == 1
    await conn.disconnect()


async def test_retry_now_after_giving_up_makes_one_more_attempt(server: FakeServer) -> None:
    server.reject_next(503, 503)
    policy = ReconnectPolicy(max_attempts=1, initial_delay=0.01, max_delay=0.01, jitter=0)
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, reconnect=policy)
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert conn.error is not None and "after 1 retries" in str(conn.error)
    server.reject_next(503)  # the server is still away: one attempt, then FAILED again
    assert conn.retry_now()
    assert conn.state is S.CONNECTING
    await asyncio.wait_for(conn.wait_for_state(S.FAILED), 5)
    assert recorder.states()[-2:] == [S.CONNECTING, S.FAILED]  # no new round of retries
    assert conn.retry_now()  # the server is back now
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    assert conn.error is None
    await conn.disconnect()


async def test_retry_now_has_nothing_to_do_when_open_closed_or_never_started(
    server: FakeServer,
) -> None:
    conn = make(server.copilot_url, Recorder())
    assert not conn.retry_now()  # never connected
    await conn.connect()
    assert not conn.retry_now()  # open
    await conn.disconnect()
    assert not conn.retry_now()  # closed on purpose
    assert conn.state is S.CLOSED


async def test_a_message_queued_after_giving_up_goes_out_with_retry_now(
    server: FakeServer,
) -> None:
    server.reject_next(503, 503)
    policy = ReconnectPolicy(max_attempts=1, initial_delay=0.01, max_delay=0.01, jitter=0)
    client = CopilotClient(server.copilot_url, token="t", reconnect=policy)
    await client.connect()
    await asyncio.wait_for(client.connection.wait_for_state(S.FAILED), 5)
    message = await client.send_message("hello")
    assert message.status == "queued" and client.stats().queued == 1
    assert client.retry_now()
    await server.wait_for(lambda: len(server.frames("message")) == 1)
    await client.disconnect()


async def test_a_refused_handshake_carries_the_servers_reason(server: FakeServer) -> None:
    server.reject_next(403)
    conn = make(server.copilot_url, Recorder())
    with pytest.raises(AuthenticationError) as refused:
        await conn.connect()
    reason = "the server rejected the connection with HTTP 403 (rejected with 403)"
    assert str(refused.value) == reason


async def test_a_fixed_token_refused_twice_is_not_called_fresh(server: FakeServer) -> None:
    server.reject_next(401, 401)
    conn = make(server.copilot_url, Recorder(), token="fixed")
    with pytest.raises(AuthenticationError) as refused:
        await conn.connect()
    text = str(refused.value)
    assert text == "the server rejected the connection with HTTP 401 (rejected with 401)"
    assert "fresh" not in text and "giving up" not in text


async def test_a_provided_token_refused_twice_says_so(server: FakeServer) -> None:
    server.reject_next(401, 401)
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return f"token-{len(calls)}"

    conn = make(server.copilot_url, Recorder(), token=provider)
    with pytest.raises(AuthenticationError, match=r"a freshly fetched token too"):
        await conn.connect()
    assert len(calls) == 2
