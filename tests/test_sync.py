"""The blocking API (``omnitrack_realtime.sync``) against a real server on loopback."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdoor_support import USER, ThreadedServer, token_for
from omnitrack_realtime import (
    AuthenticationError,
    ConnectionFailed,
    ConnectionState,
    MessageTooLarge,
    ReconnectPolicy,
)
from omnitrack_realtime.protocol import Event
from omnitrack_realtime.sync import CopilotClient, EventClient

FAST = ReconnectPolicy(max_attempts=1, initial_delay=0.01, max_delay=0.01, jitter=0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadedServer]:
    with ThreadedServer(tmp_path / "twin.db") as running:
        yield running


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("omnitrack-sync-")}


def test_ask_returns_the_whole_reply(server: ThreadedServer) -> None:
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for()) as copilot:
        assert copilot.is_connected
        assert copilot.state is ConnectionState.OPEN
        reply = copilot.ask("Add a new supplier in Asia", timeout=30)
        assert reply.role == "assistant"
        assert reply.status == "complete"
        assert reply.content
        assert copilot.conversation_id is not None
        assert [m.role for m in copilot.messages] == ["user", "assistant"]
        assert copilot.stats().connects == 1
    assert not _threads()  # the loop and callback threads are gone


def test_stream_is_a_plain_iterator_of_tokens(server: ThreadedServer) -> None:
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for()) as copilot:
        tokens = list(copilot.stream("Show me the network summary", timeout=30))
        assert len(tokens) > 3  # streamed, not one block
        answer = copilot.messages[-1]
        assert "".join(tokens) == answer.content
        assert not answer.is_streaming
        assert not copilot.is_typing
        assert copilot.error is None


def test_suggestions_and_on_change_from_the_callback_thread(server: ThreadedServer) -> None:
    seen: queue.SimpleQueue[str] = queue.SimpleQueue()
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for()) as copilot:
        unsubscribe = copilot.on_change(lambda: seen.put(threading.current_thread().name))
        copilot.ask("Add a warehouse in Rotterdam", timeout=30)
        assert seen.get(timeout=10) == "omnitrack-sync-copilot-callbacks"
        unsubscribe()
        # Suggestions follow the answer: poll the property with a deadline, no fixed sleep.
        deadline = threading.Event()
        for _ in range(200):
            if copilot.suggestions:
                break
            deadline.wait(0.01)
        assert 1 <= len(copilot.suggestions) <= 4


def test_send_message_returns_the_user_message_at_once(server: ThreadedServer) -> None:
    copilot = CopilotClient(server.copilot_url, user_id=USER, token=token_for())
    try:
        message = copilot.send_message("Add a supplier in Shanghai")  # not connected: queued
        assert message.role == "user"
        assert message.status == "queued"
        assert copilot.state is ConnectionState.IDLE
        copilot.connect()
        assert copilot.is_connected
    finally:
        copilot.close()
    copilot.close()  # idempotent
    assert copilot.state is ConnectionState.CLOSED  # still readable
    with pytest.raises(ConnectionFailed, match="the client is closed"):
        copilot.send_message("too late")


def test_listen_and_subscribe_get_events(server: ThreadedServer) -> None:
    handled: queue.SimpleQueue[tuple[str, Event]] = queue.SimpleQueue()
    with EventClient(server.events_url, user_id=USER, token=token_for()) as events:
        events.subscribe(
            "alert_notification",
            lambda event: handled.put((threading.current_thread().name, event)),
        )
        stream = events.listen("alert_notification", timeout=0.05)
        alert = {"severity": "high", "message": "Port closed"}
        event = _publish_until_received(server, stream, "alert_notification", alert)
        assert event.type == "alert_notification"
        assert event.data == {"severity": "high", "message": "Port closed"}
        thread, handled_event = handled.get(timeout=10)
        assert thread == "omnitrack-sync-events-callbacks"
        assert handled_event.data == event.data
        stream.close()  # closing early closes the async iterator on the loop
        events.send({"action": "ping"})
    assert not _threads()


def test_bad_token_raises_authentication_error(server: ThreadedServer) -> None:
    with (
        pytest.raises(AuthenticationError),
        CopilotClient(server.copilot_url, user_id=USER, token="not-a-jwt", reconnect=FAST),
    ):
        pass
    assert not _threads()


def test_iterator_timeout_raises_and_the_iterator_stays_usable(server: ThreadedServer) -> None:
    with EventClient(server.events_url, user_id=USER, token=token_for()) as events:
        stream = events.listen("scenario_progress", timeout=0.05)
        with pytest.raises(TimeoutError):
            next(stream)
        assert events.is_connected
        with stream:
            event = _publish_until_received(server, stream, "scenario_progress", {"p": 0.5})
            assert event.data == {"p": 0.5}


def _publish_until_received(
    server: ThreadedServer, stream: Iterator[Event], event_type: str, data: object
) -> Event:
    """Publish until the event comes through: the server learns of a subscription
    asynchronously, so the first publish may precede it (bounded: 100 x 0.05 s)."""
    for _ in range(100):
        server.publish(event_type, data)
        try:
            return next(stream)
        except TimeoutError:
            continue
    raise AssertionError(f"{event_type} never arrived")


def test_event_client_mirrors_state_and_change_callbacks(server: ThreadedServer) -> None:
    changes: queue.SimpleQueue[str] = queue.SimpleQueue()
    events = EventClient(server.events_url, user_id=USER, token=token_for())
    try:
        events.on_change(lambda: changes.put(threading.current_thread().name))
        events.connect()
        assert changes.get(timeout=10) == "omnitrack-sync-events-callbacks"
        assert events.is_connected and not events.is_connecting and events.error is None
        stream = events.listen("agent_status", timeout=0.05)
        _publish_until_received(server, stream, "agent_status", {"agent": "a"})
        assert events.last_seq is not None
        assert events.stats().messages_received >= 1
    finally:
        events.close()
    assert events.state is ConnectionState.CLOSED


def test_message_too_large_is_raised_in_the_caller(server: ThreadedServer) -> None:
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for()) as copilot:
        with pytest.raises(MessageTooLarge):
            copilot.send_message("x" * 70_000)
        assert copilot.messages == []


def test_next_retry_shows_the_pending_retry(tmp_path: Path) -> None:
    with ThreadedServer(tmp_path / "gone.db") as gone:
        url = gone.copilot_url  # nothing listens there once the server stopped
    hour = ReconnectPolicy(max_attempts=3, initial_delay=3600, max_delay=3600, jitter=0)
    copilot = CopilotClient(url, user_id=USER, token=token_for(), reconnect=hour)
    try:
        assert copilot.next_retry is None
        copilot.connect(timeout=30)
        retry = copilot.next_retry
        assert copilot.state is ConnectionState.RECONNECTING
        assert retry is not None and (retry.attempt, retry.max_attempts) == (1, 3)
        assert retry.delay == 3600
        assert copilot.stats().rate_limited == 0
    finally:
        copilot.close()
    assert copilot.next_retry is None


def test_subscribing_from_several_threads_makes_one_callback_thread(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads subscribing at once used to make a callback thread each: handlers then ran
    on two threads (out of order) and close() stopped only one (the other leaked)."""
    from omnitrack_realtime import sync

    both_inside = threading.Barrier(2, timeout=0.5)
    original = sync._CallbackThread.__init__

    def meet_then_init(self: sync._CallbackThread, name: str) -> None:
        # Without a lock both subscribers get here; with one, the second waits and this
        # barrier breaks after its timeout instead.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_inside.wait()
        original(self, name)

    monkeypatch.setattr(sync._CallbackThread, "__init__", meet_then_init)
    with EventClient(server.events_url, user_id=USER, token=token_for(), reconnect=FAST) as events:
        subscribers = [
            threading.Thread(target=events.subscribe, args=("alert_notification", print))
            for _ in range(2)
        ]
        for thread in subscribers:
            thread.start()
        for thread in subscribers:
            thread.join()
        callback_threads = [
            t for t in threading.enumerate() if t.name == "omnitrack-sync-events-callbacks"
        ]
        assert len(callback_threads) == 1
    assert not _threads()


def test_a_listen_iterator_closed_before_iterating_stops_listening(
    server: ThreadedServer,
) -> None:
    with EventClient(server.events_url, user_id=USER, token=token_for(), reconnect=FAST) as events:
        iterator = events.listen("alert_notification", timeout=5)
        iterator.close()  # type: ignore[attr-defined]
        assert events._loop.call(lambda: events._client._listeners) == []
        with pytest.raises(StopIteration):
            next(iterator)


def _drain_callbacks(client: CopilotClient | EventClient) -> None:
    """Wait until every callback queued so far has run (they run in order on one thread)."""
    done = threading.Event()
    client._callback_thread().put(done.set)
    assert done.wait(10)


def test_a_slow_on_change_callback_is_coalesced_not_queued_per_change() -> None:
    """The docstring promises coalesced calls, as in the async client; the relay queued one
    call per change instead, so a slow callback fell ever further behind (one per token)."""
    release = threading.Event()
    calls: list[int] = []

    def slow() -> None:
        calls.append(1)
        release.wait(10)

    copilot = CopilotClient("ws://127.0.0.1:9/copilot", reconnect=None)  # never connected
    try:
        copilot.on_change(slow)
        for n in range(20):  # 20 changes, each handed over on its own (one loop turn each)
            copilot.send_message(f"queued {n}")
        release.set()
        _drain_callbacks(copilot)
        assert 1 <= len(calls) <= 2, len(calls)
    finally:
        copilot.close()


def test_a_slow_subscribe_handler_keeps_a_bounded_buffer(server: ThreadedServer) -> None:
    """buffer_size bounds each handler's buffer (oldest dropped, counted) in the async client;
    the sync relay queued every event on the callback thread without bound instead."""
    release = threading.Event()
    blocked = threading.Event()
    seen: list[object] = []

    def slow(event: Event) -> None:
        seen.append(event.data)
        blocked.set()
        release.wait(10)

    with EventClient(
        server.events_url, user_id=USER, token=token_for(), buffer_size=3, reconnect=FAST
    ) as events:
        events.subscribe("alert_notification", slow)
        stream = events.listen("alert_notification", timeout=0.05)
        _publish_until_received(server, stream, "alert_notification", {"n": 0})
        assert blocked.wait(10)
        for n in range(1, 11):  # each one read here too: all reached the client
            server.publish("alert_notification", {"n": n})
            assert next(stream).data == {"n": n}
        release.set()
        _drain_callbacks(events)
        assert seen[0] == {"n": 0}
        assert seen[1:] == [{"n": 8}, {"n": 9}, {"n": 10}]
        assert events.stats().dropped >= 7
        stream.close()  # type: ignore[attr-defined]


def test_retry_now_reconnects_at_once_when_the_server_is_back(tmp_path: Path) -> None:
    with ThreadedServer(tmp_path / "twin.db") as running:
        running.stop()
        hour = ReconnectPolicy(max_attempts=3, initial_delay=3600, max_delay=3600, jitter=0)
        copilot = CopilotClient(
            running.copilot_url, user_id=USER, token=token_for(), reconnect=hour
        )
        try:
            copilot.connect(timeout=30)
            assert copilot.state is ConnectionState.RECONNECTING
            running.start()  # same port; the retry is an hour away
            connected = threading.Event()
            copilot.on_change(lambda: connected.set() if copilot.is_connected else None)
            assert copilot.retry_now()
            assert connected.wait(10)
            assert not copilot.retry_now()  # nothing left to retry
        finally:
            copilot.close()


def test_a_call_handed_over_as_the_loop_stops_is_released_not_stranded() -> None:
    """close() once hung in CI: a callback thread read ``is_connected`` just as close()
    stopped the loop, the read was queued behind the stop, never finished, and its thread
    (which close() joins) waited for it forever. A call is held here exactly behind the stop."""
    from omnitrack_realtime import sync

    loop_thread = sync._LoopThread("omnitrack-test-loop")
    inside, release = threading.Event(), threading.Event()

    def hold_the_loop() -> None:
        inside.set()
        release.wait(10)

    async def answer() -> int:
        return 42

    async def answer_later() -> int:
        await asyncio.get_running_loop().create_future()  # the loop stops before it is set
        return 42

    try:
        loop_thread.loop.call_soon_threadsafe(hold_the_loop)
        assert inside.wait(10)
        loop_thread.loop.call_soon_threadsafe(loop_thread.loop.stop)
        stranded = loop_thread.submit(answer_later())  # queued behind the stop
        release.set()
        with pytest.raises(concurrent.futures.CancelledError):
            stranded.result(10)
        assert not loop_thread.running
        with pytest.raises(ConnectionFailed, match="closed"):
            loop_thread.run(answer(), timeout=10)
        assert loop_thread.call(lambda: "read directly") == "read directly"
    finally:
        release.set()
        loop_thread.stop()
    assert loop_thread.loop.is_closed()


def test_the_history_store_survives_the_blocking_client(
    server: ThreadedServer, tmp_path: Path
) -> None:
    store = tmp_path / "history.db"
    before = _threads()
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for(), store=store) as one:
        reply = one.ask("help", timeout=10)
        conversation_id = one.conversation_id
        one.switch_conversation(None)
        assert one.messages == [] and one.is_connected
        one.ask("Show the network summary", timeout=10)
        assert [c.title for c in one.conversations()] == ["Show the network summary", "help"]
        one.switch_conversation(conversation_id)
    with CopilotClient(server.copilot_url, user_id=USER, token=token_for(), store=store) as two:
        assert two.conversation_id == conversation_id
        assert [m.content for m in two.messages] == ["help", reply.content]
        assert not two.typing_elsewhere
    assert _threads() <= before
    assert not [t for t in threading.enumerate() if t.name.startswith("omnitrack-history")]
