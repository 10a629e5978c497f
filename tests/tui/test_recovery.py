"""The chat UI never gives up for good (Pilot, a real server on loopback stopped and started
again on the same port): Ctrl-R retries now, the server's return is noticed, a slow retry
follows the retry budget, messages typed offline are queued, counted and sent, quitting with
unsent messages asks, the status line fits the terminal, the events panel uses the width."""

from __future__ import annotations

import socket
from pathlib import Path

from frontdoor_support import USER, LocalServer, token_for, wait_until
from omnitrack_realtime import CopilotClient, EventClient, ReconnectPolicy
from omnitrack_realtime.tui.app import RETRY_HINT, ChatApp
from omnitrack_realtime.tui.quit import ConfirmQuit
from omnitrack_realtime.tui.widgets import ErrorBanner, EventsPanel, MessageList, StatusBar

#: Retries an hour apart: only Ctrl-R, a send or the server watch can make one happen.
HOURLY = ReconnectPolicy(max_attempts=5, initial_delay=3600, max_delay=3600, jitter=0)
#: One quick retry, then FAILED.
ONE_RETRY = ReconnectPolicy(max_attempts=1, initial_delay=0.01, max_delay=0.01, jitter=0)


def make_app(
    server: LocalServer,
    policy: ReconnectPolicy,
    *,
    events: bool = False,
    probe_interval: float | None = None,
    slow_retry: float | None = None,
) -> ChatApp:
    token = token_for()
    copilot = CopilotClient(server.copilot_url, user_id=USER, token=token, reconnect=policy)
    event_client = (
        EventClient(server.events_url, user_id=USER, token=token, reconnect=policy)
        if events
        else None
    )
    return ChatApp(
        copilot,
        event_client,
        reconnect=policy,
        probe_interval=probe_interval,
        slow_retry=slow_retry,
    )


def answers(app: ChatApp) -> int:
    bubbles = app.query_one(MessageList).bubbles()
    return len([b for b in bubbles if b.role == "assistant" and not b.streaming])


async def test_ctrl_r_retries_now_while_counting_down(local_server: LocalServer) -> None:
    app = make_app(local_server, HOURLY)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: "reconnecting in" in status.text, "the countdown")
        assert status.text.endswith(f"· {RETRY_HINT}")
        assert "in 3600 s" in status.text
        await local_server.start()  # same port; the retry is an hour away
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: status.text == "● connected", "connected again")


async def test_the_server_coming_back_is_noticed_without_a_key(local_server: LocalServer) -> None:
    app = make_app(local_server, HOURLY, events=True, probe_interval=0.02)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        events = app.events
        assert events is not None
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await wait_until(pilot, lambda: events.is_connected, "the events connection")
        await local_server.stop()
        await wait_until(pilot, lambda: "reconnecting in 3600 s" in status.text, "the countdown")
        await wait_until(
            pilot,
            lambda: all(watch.server_reachable is False for watch in app.watches),
            "both watches to find the server away",
        )
        await local_server.start()
        await wait_until(pilot, lambda: status.text == "● connected", "connected again")
        await wait_until(pilot, lambda: events.is_connected, "the events connection again")
        assert [watch.retries for watch in app.watches] == [1, 1]


async def test_after_the_retry_budget_a_slow_retry_keeps_going(local_server: LocalServer) -> None:
    app = make_app(local_server, ONE_RETRY, slow_retry=0.2)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: "retrying in 1 s" in status.text, "the slow retry")
        assert status.text.startswith("✖ failed")
        await local_server.start()
        await wait_until(pilot, lambda: status.text == "● connected", "connected again")
        assert app.watches[0].retries >= 1


async def test_a_refused_token_is_not_retried_on_its_own(local_server: LocalServer) -> None:
    copilot = CopilotClient(local_server.copilot_url, token="bad", reconnect=ONE_RETRY)
    app = ChatApp(copilot, reconnect=ONE_RETRY, slow_retry=0.01, probe_interval=0.01)
    async with app.run_test() as pilot:
        banner = app.query_one(ErrorBanner)
        await wait_until(pilot, lambda: bool(banner.error), "the error banner")
        assert "refused the token (HTTP 401: token is malformed)" in (banner.error or "")
        status = app.query_one(StatusBar)
        assert "retrying in" not in status.text  # only the user can fix it
        assert app.watches[0].slow_retry_at is None


async def test_messages_typed_after_giving_up_are_queued_counted_then_sent(
    local_server: LocalServer,
) -> None:
    app = make_app(local_server, ONE_RETRY)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: status.text.startswith("✖ failed"), "failed")
        await pilot.press(*"help", "enter")  # tries once at once: the server is still away
        await wait_until(pilot, lambda: "· 1 queued message" in status.text, "the queued count")
        await wait_until(pilot, lambda: app.copilot.state.value == "failed", "failed again")
        await local_server.start()
        await pilot.press(*"Show the network summary", "enter")  # a send retries at once
        await wait_until(pilot, lambda: answers(app) == 2, "both answers")
        users = [b.shown for b in app.query_one(MessageList).bubbles() if b.role == "user"]
        assert users == ["help", "Show the network summary"]
        assert status.text == "● connected"


async def test_quitting_with_unsent_messages_asks_first(local_server: LocalServer) -> None:
    app = make_app(local_server, HOURLY)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: "reconnecting in" in status.text, "offline")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: "1 queued message" in status.text, "the queued count")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmQuit), "the question")
        question = app.screen
        assert isinstance(question, ConfirmQuit)
        assert question.question.startswith("1 message is not sent yet")
        await pilot.press("n")  # stay: the message waits for the connection
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmQuit), "the chat")
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmQuit), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, "the app to quit")
    assert app.dropped == 1


async def test_quitting_with_nothing_unsent_does_not_ask(local_server: LocalServer) -> None:
    app = make_app(local_server, HOURLY)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "connected")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: answers(app) == 1, "the answer")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, "the app to quit")
    assert app.dropped == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_with_no_server_the_banner_says_how_to_start_one() -> None:
    url = f"ws://127.0.0.1:{_free_port()}/copilot"
    copilot = CopilotClient(url, token="t", reconnect=HOURLY)
    app = ChatApp(copilot, reconnect=HOURLY, probe_interval=None)
    async with app.run_test() as pilot:
        banner = app.query_one(ErrorBanner)
        await wait_until(pilot, lambda: bool(banner.error), "the error banner")
        assert banner.error is not None
        assert banner.error.startswith(f"cannot connect to {url} (network error")
        assert banner.error.endswith("is the server running? (start one with: omnitrack serve)")


async def test_the_status_line_fits_a_narrow_terminal_without_cutting_words(
    local_server: LocalServer,
) -> None:
    app = make_app(local_server, ONE_RETRY, slow_retry=3600)
    async with app.run_test(size=(60, 24)) as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: "1 queued message" in status.text, "the queued count")
        await wait_until(pilot, lambda: app.copilot.state.value == "failed", "failed")
        await wait_until(pilot, lambda: "retrying in" in status.text, "the slow retry")
        text = status.text
        assert len(text) <= status.content_region.width
        assert text.startswith("✖ failed: could not…") or text.startswith("✖ failed ·"), text
        assert "· retrying in 3600 s · 1 queued message" in text
        words = set(f"could not connect to {local_server.copilot_url} after".split())
        reason = text.partition(":")[2].partition("·")[0].strip(" …")
        assert all(word in words for word in reason.split()), text  # whole words only


async def test_the_events_panel_uses_a_wide_terminal_and_rewraps(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "twin.db")
    await server.start()
    try:
        app = make_app(server, HOURLY, events=True)
        async with app.run_test(size=(160, 40)) as pilot:
            panel = app.query_one(EventsPanel)
            assert panel.region.width >= 50
            long = {"severity": "low", "message": " ".join(["word"] * 40)}
            panel.add_event("alert_notification", long, "2025-01-01T10:00:00Z")
            await wait_until(pilot, lambda: len(panel.lines) >= 1, "the line")
            wide_rows = len(panel.lines)
            await pilot.resize_terminal(80, 24)
            await wait_until(pilot, lambda: panel.region.width == 32, "the narrow panel")
            await wait_until(pilot, lambda: len(panel.lines) > wide_rows, "the line rewrapped")
            assert app.query_one(MessageList).region.width >= 40
            room = panel.scrollable_content_region.width
            assert all(strip.cell_length <= room for strip in panel.lines)
    finally:
        await server.stop()


async def test_a_scenarios_progress_is_one_updating_line(local_server: LocalServer) -> None:
    app = make_app(local_server, HOURLY, events=True)
    async with app.run_test() as pilot:
        panel = app.query_one(EventsPanel)
        panel.add_event("alert_notification", {"message": "before"})
        for progress, status in ((0, "started"), (40, "running"), (100, "completed")):
            data = {
                "scenarioId": "sim-1",
                "scenario": "port-closure",
                "progress": progress,
                "status": status,
            }
            panel.add_event("scenario_progress", data)
        panel.add_event("scenario_progress", {"scenarioId": "sim-2", "progress": 0})
        assert len(panel.entries) == 3
        assert panel.entries[1].endswith("port-closure 100% completed")

        def shown() -> str:
            return " ".join(seg.text for strip in panel.lines for seg in strip)

        await wait_until(pilot, lambda: "sim-2" in shown(), "the lines on screen")
        assert "completed" in shown() and "started" not in shown()
