"""EventClient against the scripted server on loopback (no sleeps)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from omnitrack_realtime import (
    ConnectionFailed,
    ConnectionState,
    Event,
    EventClient,
    ReconnectPolicy,
)

from .fake_server import FakeServer

S = ConnectionState
FAST = ReconnectPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05, jitter=0.0)


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer() as fake:
        yield fake


def client_for(server: FakeServer, **options: Any) -> EventClient:
    options.setdefault("reconnect", FAST)
    options.setdefault("token", "tok")
    return EventClient(server.events_url, user_id="u1", **options)


class Inbox:
    """A handler that records events and lets a test wait for a count."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait(self, count: int) -> list[Event]:
        async with asyncio.timeout(5):
            while len(self.events) < count:
                await self._changed.wait()
                self._changed.clear()
        return self.events


async def subscribed(server: FakeServer, *channels: str) -> None:
    def asked() -> set[str]:
        return {channel for f in server.frames("subscribe") for channel in f["channels"]}

    await server.wait_for(lambda: set(channels) <= asked())


async def test_subscribe_dispatches_by_type(server: FakeServer) -> None:
    alerts, everything = Inbox(), Inbox()
    async with client_for(server) as events:
        events.subscribe("alert_notification", alerts)
        events.subscribe("*", everything)
        await subscribed(server, "scenario_progress", "alert_notification")
        await server.publish("alert_notification", {"id": 1})
        await server.publish("digital_twin_update", {"n": 2})
        await everything.wait(2)
        assert [e.data for e in await alerts.wait(1)] == [{"id": 1}]
        assert [e.type for e in everything.events] == ["alert_notification", "digital_twin_update"]
        assert everything.events[0].seq == 1


async def test_async_handler_and_unsubscribe(server: FakeServer) -> None:
    got: list[Any] = []
    arrived = asyncio.Event()

    async def handler(event: Event) -> None:
        got.append(event.data)
        arrived.set()

    async with client_for(server) as events:
        unsubscribe = events.subscribe("scenario_progress", handler)
        await subscribed(server, "scenario_progress")
        await server.publish("scenario_progress", 1)
        await asyncio.wait_for(arrived.wait(), 5)
        unsubscribe()
        await server.wait_for(lambda: bool(server.frames("unsubscribe")))
        assert server.frames("unsubscribe")[0]["channels"] == ["scenario_progress"]
    assert got == [1]


async def test_resubscribe_after_reconnect_replays_missed_events(server: FakeServer) -> None:
    inbox = Inbox()
    async with client_for(server) as events:
        events.subscribe("agent_status", inbox)
        await subscribed(server, "agent_status")
        await server.publish("agent_status", "a")
        await inbox.wait(1)
        server.handshake_gate.clear()  # hold the reconnect while events are published
        await server.close_all(1012)
        await server.wait_for(lambda: server.attempts == 2)
        await server.publish("agent_status", "b")  # missed while offline
        await server.publish("agent_status", "c")
        server.handshake_gate.set()
        await asyncio.wait_for(events.connection.wait_for_state(S.OPEN), 5)
        await inbox.wait(3)
        assert [e.data for e in inbox.events] == ["a", "b", "c"]
        resubscribe = server.frames("subscribe")[-1]
        assert resubscribe == {"action": "subscribe", "channels": ["agent_status"], "afterSeq": 1}
        assert events.last_seq == 3


async def test_replayed_events_are_deduped_by_seq(server: FakeServer) -> None:
    inbox = Inbox()
    async with client_for(server) as events:
        events.subscribe("alert_notification", inbox)
        await subscribed(server, "alert_notification")
        first = await server.publish("alert_notification", 1)
        await server.send_all(first)  # the same event again (a replay)
        await server.publish("alert_notification", 2)
        await inbox.wait(2)
        await server.send_all({"type": "alert_notification", "data": 3})  # no seq: delivered
        await inbox.wait(3)
        assert [e.data for e in inbox.events] == [1, 2, 3]


async def test_listen_iterates_and_ends_on_disconnect(server: FakeServer) -> None:
    async with client_for(server) as events:
        stream = events.listen("digital_twin_update")
        await server.publish("digital_twin_update", 1)
        await server.publish("alert_notification", 0)  # another type: not for this listener
        await server.publish("digital_twin_update", 2)
        received = [await anext(stream), await anext(stream)]
        assert [e.data for e in received] == [1, 2]
        await events.disconnect()
        assert [e async for e in stream] == []


async def test_listen_overflow_drops_oldest_and_counts(server: FakeServer) -> None:
    async with client_for(server) as events:
        stream = events.listen(buffer_size=3)
        everything = events.listen(buffer_size=100)
        for n in range(10):
            await server.publish("digital_twin_update", n)
        for _ in range(10):  # every frame was read by the client
            await asyncio.wait_for(anext(everything), 5)
        assert events.stats().dropped == 7
        assert [(await anext(stream)).data for _ in range(3)] == [7, 8, 9]
        await stream.aclose()


async def test_listen_raises_when_the_connection_fails(server: FakeServer) -> None:
    async with client_for(server, reconnect=None) as events:
        stream = events.listen()
        server.reject_next(503)
        await server.close_all(1012)
        with pytest.raises(ConnectionFailed):
            await asyncio.wait_for(anext(stream), 5)


async def test_handler_isolation(server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    """A raising handler and a stuck handler do not block another handler or pings."""
    caplog.set_level(logging.ERROR, logger="omnitrack_realtime")
    release = asyncio.Event()
    good = Inbox()

    def raising(event: Event) -> None:
        raise RuntimeError("handler bug")

    async def stuck(event: Event) -> None:
        await release.wait()

    async with client_for(server) as events:
        events.subscribe("alert_notification", raising)
        events.subscribe("alert_notification", stuck)
        events.subscribe("alert_notification", good)
        await subscribed(server, "alert_notification")
        for n in range(5):
            await server.publish("alert_notification", n)
        assert [e.data for e in await good.wait(5)] == [0, 1, 2, 3, 4]
        assert await asyncio.wait_for(events.connection.ping(), 5) >= 0
        release.set()
    assert sum("handler bug" in str(r.exc_info) for r in caplog.records) == 5


async def test_send_and_offline_queue(server: FakeServer) -> None:
    events = client_for(server)
    await events.send({"action": "ping"})
    assert events.stats().queued == 1
    pong = Inbox()
    events.subscribe("pong", pong)
    await events.connect()
    await pong.wait(1)
    assert server.frames("ping") == [{"action": "ping"}]
    stats = events.stats()
    assert (stats.connects, stats.queued) == (1, 0)
    assert stats.messages_sent == 1  # the queued ping (no subscribe: replies need none)
    assert server.frames("subscribe") == []
    await events.close()


async def test_on_change_reports_states(server: FakeServer) -> None:
    seen: list[S] = []
    opened = asyncio.Event()

    def record(client: EventClient) -> None:
        seen.append(client.state)
        if client.state is S.OPEN:
            opened.set()

    events = client_for(server)
    events.on_change(record)
    await events.connect()
    await asyncio.wait_for(opened.wait(), 5)
    await events.close()
    assert S.OPEN in seen


async def test_shared_is_reference_counted(server: FakeServer) -> None:
    async with EventClient.shared(server.events_url, user_id="u1", token="t") as first:
        async with EventClient.shared(server.events_url, user_id="u1") as second:
            assert first is second
            assert server.opened == 1
        assert first.is_connected  # one user left
        async with EventClient.shared(server.events_url, user_id="u2") as other:
            assert other is not first
    assert first.state is S.CLOSED and other.state is S.CLOSED
    async with EventClient.shared(server.events_url, user_id="u1") as again:
        assert again is not first


async def test_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMNITRACK_WS_URL", raising=False)
    monkeypatch.delenv("NEXT_PUBLIC_WS_URL", raising=False)
    assert EventClient().connection.url == "ws://localhost:3001/ws"
    monkeypatch.setenv("NEXT_PUBLIC_WS_URL", "wss://seed.example/ws")
    assert EventClient().connection.url == "wss://seed.example/ws"
    monkeypatch.setenv("OMNITRACK_WS_URL", "ws://ours.example/ws")
    assert EventClient().connection.url == "ws://ours.example/ws"


async def test_shared_connect_failure_leaves_no_entry(server: FakeServer) -> None:
    from omnitrack_realtime import AuthenticationError

    server.reject_next(403)
    with pytest.raises(AuthenticationError):
        async with EventClient.shared(server.events_url, user_id="u9", token="t"):
            pass
    async with EventClient.shared(server.events_url, user_id="u9", token="t") as events:
        assert events.is_connected


async def test_shared_first_user_cancelled_while_connecting_closes_the_client(
    server: FakeServer,
) -> None:
    """The first user of a shared client is cancelled while it connects: nobody else holds the
    client (its entry is gone), so it must be closed, not left connecting and retrying forever
    in the background."""
    made: list[EventClient] = []

    class Tracked(EventClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    server.handshake_gate.clear()  # the handshake waits: the first user is still connecting

    async def use() -> None:
        async with Tracked.shared(server.events_url, user_id="u1", token="t", reconnect=FAST):
            pass

    task = asyncio.create_task(use())
    await server.wait_for(lambda: server.attempts == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [client] = made
    await asyncio.wait_for(client.connection.wait_for_state(S.CLOSED, S.FAILED), 5)
    server.handshake_gate.set()
    assert client.state is S.CLOSED


async def test_listen_iterator_dropped_without_iterating_is_released(server: FakeServer) -> None:
    """A listen() iterator that is never iterated and then dropped stops buffering events and
    its types are unsubscribed (it used to stay registered for the client's whole life)."""
    async with client_for(server) as events:
        forgotten = events.listen("alert_notification")
        await subscribed(server, "alert_notification")
        del forgotten
        await server.wait_for(lambda: bool(server.frames("unsubscribe")))
        assert server.frames("unsubscribe")[0]["channels"] == ["alert_notification"]
        for n in range(3):
            await server.publish("alert_notification", n)
        kept = events.listen("digital_twin_update")  # still works, nothing held for the old one
        await server.publish("digital_twin_update", "x")
        assert (await asyncio.wait_for(anext(kept), 5)).data == "x"
        assert events.stats().dropped == 0
        await kept.aclose()


async def test_a_buffer_size_below_one_is_a_configuration_error() -> None:
    """buffer_size=0 used to be accepted, then every event raised IndexError in the read loop
    (a full buffer of size 0 'dropped its oldest' from an empty deque) and none was delivered."""
    from omnitrack_realtime.errors import ConfigurationError

    for size in (0, -1):
        with pytest.raises(ConfigurationError, match="buffer_size"):
            EventClient("ws://127.0.0.1:9/ws", buffer_size=size)
    events = EventClient("ws://127.0.0.1:9/ws")
    with pytest.raises(ConfigurationError, match="buffer_size"):
        events.listen(buffer_size=-5)


async def test_listen_iterator_closed_before_iterating_is_released(server: FakeServer) -> None:
    """aclose() on a generator never started runs no `finally`: the listener stayed registered
    (buffering, subscribed) for as long as the closed iterator object lived."""
    async with client_for(server) as events:
        stream = events.listen("alert_notification")
        await subscribed(server, "alert_notification")
        await stream.aclose()
        await server.wait_for(lambda: bool(server.frames("unsubscribe")))
        assert server.frames("unsubscribe")[0]["channels"] == ["alert_notification"]
        assert [event async for event in stream] == []  # closed: nothing more


async def test_listen_on_a_client_that_gave_up_raises_at_once(server: FakeServer) -> None:
    """listen() after the connection failed for good waited forever (its iterator is ended
    only by a later state change); it raises the connection's error instead."""
    from omnitrack_realtime import AuthenticationError

    server.reject_next(403)
    events = client_for(server)
    with pytest.raises(AuthenticationError):
        await events.connect()
    with pytest.raises(AuthenticationError):
        await asyncio.wait_for(anext(events.listen()), 5)


def test_a_url_list_is_validated_and_kept_in_order() -> None:
    from omnitrack_realtime import CopilotClient, EventClient
    from omnitrack_realtime.client._env import resolve_urls
    from omnitrack_realtime.errors import ConfigurationError

    events = EventClient(["ws://a/ws", "ws://b/ws"])
    assert events.connection.urls == ("ws://a/ws", "ws://b/ws")
    copilot = CopilotClient(("ws://a/copilot", "ws://b/copilot?token=secret"))
    assert copilot.connection.urls == ("ws://a/copilot", "ws://b/copilot")  # no query shown
    with pytest.raises(ConfigurationError):
        EventClient([])
    with pytest.raises(ConfigurationError):
        EventClient(["ws://a/ws", "http://b/ws"])
    environ = {"OMNITRACK_WS_URL": "ws://a/ws, ws://b/ws"}
    env_names = ("OMNITRACK_WS_URL",)
    assert resolve_urls(None, env_names, "ws://x/ws", environ) == ("ws://a/ws", "ws://b/ws")
