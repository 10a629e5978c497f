"""The exact pending retry (``next_retry`` / ``retry_in()``) and the status bar built on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from omnitrack_realtime import CopilotClient, EventClient
from omnitrack_realtime.client.backoff import ReconnectPolicy
from omnitrack_realtime.client.connection import RetryInfo
from omnitrack_realtime.client.state import ConnectionState
from omnitrack_realtime.tui.view import connection_view, status_line

from .fake_server import FakeServer
from .test_connection import Recorder, make

S = ConnectionState
# Long enough never to fire during a test; the jitter is pinned by the injected random.
HOUR_POLICY = ReconnectPolicy(max_attempts=5, initial_delay=3600, max_delay=7200, jitter=0.1)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer() as fake:
        yield fake


async def test_next_retry_is_the_delay_really_chosen_jitter_included(server: FakeServer) -> None:
    server.reject_next(503)
    clock = FakeClock()
    conn = make(
        server.copilot_url, Recorder(), reconnect=HOUR_POLICY, random=lambda: 0.75, clock=clock
    )
    assert conn.next_retry is None and conn.retry_in() is None
    await conn.connect()
    assert conn.state is S.RECONNECTING
    delay = 3600 * 1.05  # factor 1 + 0.1 * (2 * 0.75 - 1): what the policy's estimate misses
    assert conn.next_retry == RetryInfo(attempt=1, max_attempts=5, due=1000.0 + delay, delay=delay)
    assert conn.retry_in() == pytest.approx(delay)
    clock.now += 100.0
    assert conn.retry_in() == pytest.approx(delay - 100.0)
    assert conn.next_retry.remaining(clock.now + 10 * delay) == 0.0
    await asyncio.wait_for(conn.disconnect(), 1)
    assert conn.next_retry is None and conn.retry_in() is None


async def test_next_retry_honours_the_servers_retry_after(server: FakeServer) -> None:
    server.reject_next(429, retry_after="7200")
    policy = ReconnectPolicy(max_attempts=None, initial_delay=1, jitter=0)
    conn = make(server.copilot_url, Recorder(), reconnect=policy, clock=FakeClock(0.0))
    await conn.connect()
    assert conn.next_retry == RetryInfo(attempt=1, max_attempts=None, due=7200.0, delay=7200.0)
    await asyncio.wait_for(conn.disconnect(), 1)


async def test_next_retry_clears_when_the_retry_starts(server: FakeServer) -> None:
    server.reject_next(503, 503)
    policy = ReconnectPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05, jitter=0)
    recorder = Recorder()
    conn = make(server.copilot_url, recorder, reconnect=policy)
    seen: list[tuple[S, RetryInfo | None]] = []
    record = recorder.on_state

    def on_state(transition: object) -> None:
        record(transition)  # type: ignore[arg-type]
        seen.append((conn.state, conn.next_retry))

    recorder.on_state = on_state  # type: ignore[method-assign]
    await conn.connect()
    await asyncio.wait_for(conn.wait_for_state(S.OPEN), 5)
    retries = [(state, retry) for state, retry in seen if state is S.RECONNECTING]
    assert [(r.attempt, r.delay) for _, r in retries if r is not None] == [(1, 0.01), (2, 0.02)]
    assert len(retries) == 2  # known before the state changed, for on_change observers
    assert all(retry is None for state, retry in seen if state is not S.RECONNECTING)
    assert conn.next_retry is None
    await conn.disconnect()


async def test_both_clients_and_the_status_bar_show_the_exact_countdown(
    server: FakeServer,
) -> None:
    server.reject_next(503, 503)
    copilot = CopilotClient(
        server.copilot_url, user_id="u", token="t", reconnect=HOUR_POLICY, random=lambda: 1.0
    )
    events = EventClient(server.events_url, user_id="u", token="t", reconnect=HOUR_POLICY)
    await copilot.connect()
    await events.connect()
    try:
        retry = copilot.next_retry
        assert retry is not None and retry.delay == pytest.approx(3600 * 1.1)
        assert events.next_retry is not None and events.next_retry.attempt == 1
        await copilot.send_message("queued while offline")
        view = connection_view(copilot)
        assert (view.attempt, view.max_attempts, view.retry_at) == (1, 5, retry.due)
        # 3960 s of backoff, not the 3600 s the policy alone would suggest.
        assert status_line(view, now=retry.due - 3959.5) == (
            "◌ reconnecting in 3960 s (attempt 1 of 5) · 1 queued message"
        )
    finally:
        await copilot.disconnect()
        await events.disconnect()
    assert copilot.next_retry is None
    assert connection_view(copilot).retry_at is None
