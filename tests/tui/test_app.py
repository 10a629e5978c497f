"""The chat UI driven with Textual's Pilot against a real server on loopback (80x24)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from textual.widgets.markdown import MarkdownBlock

from frontdoor_support import USER, LocalServer, token_for, wait_until
from omnitrack_realtime import CopilotClient, EventClient, ReconnectPolicy
from omnitrack_realtime.seam import AnswerPart, EngineRequest, EventPublisher, answer_from_text
from omnitrack_realtime.tui.app import STARTER_SUGGESTIONS, ChatApp
from omnitrack_realtime.tui.view import STREAMING_MARKER
from omnitrack_realtime.tui.widgets import (
    ChatInput,
    ErrorBanner,
    EventsPanel,
    MessageBubble,
    MessageList,
    StatusBar,
    SuggestionList,
    TypingIndicator,
)

FAST = ReconnectPolicy(max_attempts=5, initial_delay=0.05, max_delay=0.2, jitter=0, stable_after=0)


def make_app(
    server: LocalServer, *, events: bool = True, policy: ReconnectPolicy = FAST
) -> ChatApp:
    token = token_for()
    copilot = CopilotClient(server.copilot_url, user_id=USER, token=token, reconnect=policy)
    event_client = (
        EventClient(server.events_url, user_id=USER, token=token, reconnect=policy)
        if events
        else None
    )
    return ChatApp(copilot, event_client, reconnect=policy)


def bubbles(app: ChatApp) -> list[MessageBubble]:
    return app.query_one(MessageList).bubbles()


def answered(app: ChatApp, count: int) -> bool:
    """``count`` complete assistant answers are on screen."""
    done = [b for b in bubbles(app) if b.role == "assistant" and not b.streaming]
    return len(done) >= count


async def test_type_a_message_and_see_the_streamed_answer(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "the connected status")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the answer")
        user, answer = bubbles(app)
        assert (user.role, user.shown) == ("user", "help")
        assert answer.shown == app.copilot.messages[-1].content
        assert "Scan for anomalies" in answer.shown  # rendered from the engine's Markdown
        assert STREAMING_MARKER not in answer.shown
        assert not app.query_one(TypingIndicator).typing
        assert app.query_one(ChatInput).value == ""
        # Rendered, not just stored: Markdown blocks on screen, the answer's end visible.
        await wait_until(pilot, lambda: answer.region.height > 2, "the answer on screen")
        assert answer.query(MarkdownBlock)
        # The screen is drawn after the widgets change: wait for it rather than assume it.
        await wait_until(
            pilot,
            lambda: "Show&#160;recent&#160;alerts" in app.export_screenshot(),
            "the answer's end drawn",
        )


async def test_the_streaming_message_grows_with_a_marker(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "twin.db", token_delay=0.01)
    await server.start()
    try:
        app = make_app(server, events=False)
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            await pilot.press(*"help", "enter")
            seen: list[str] = []

            def streaming_seen() -> bool:
                for bubble in bubbles(app):
                    if bubble.streaming and bubble.shown not in seen:
                        seen.append(bubble.shown)
                return len(seen) >= 2

            await wait_until(pilot, streaming_seen, "two states of the streaming message")
            assert all(text.endswith(STREAMING_MARKER) for text in seen)
            assert len(seen[1]) > len(seen[0])  # it grew
            await wait_until(pilot, lambda: answered(app, 1), "the end of the answer")
            assert not bubbles(app)[-1].shown.endswith(STREAMING_MARKER)
    finally:
        await server.stop()


async def test_an_answer_cut_off_shows_interrupted(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "twin.db", token_delay=0.05)
    await server.start()
    app = make_app(server, events=False)
    try:
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            await pilot.press(*"help", "enter")
            await wait_until(
                pilot, lambda: any(b.streaming for b in bubbles(app)), "the answer to start"
            )
            await server.stop()  # mid-answer: the server interrupts the stream and goes away
            await wait_until(
                pilot, lambda: bubbles(app)[-1].shown.endswith("[interrupted]"), "[interrupted]"
            )
            answer = bubbles(app)[-1]
            assert not answer.streaming
            assert STREAMING_MARKER not in answer.shown
    finally:
        await server.stop()


async def test_select_a_suggestion_with_a_key(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        await pilot.press(*"help", "enter")
        suggestions = app.query_one(SuggestionList)
        await wait_until(pilot, lambda: bool(suggestions.items), "the suggestions")
        assert 1 <= len(suggestions.items) <= 4
        second = suggestions.items[min(1, len(suggestions.items) - 1)]
        await pilot.press("2" if len(suggestions.items) > 1 else "1")
        await wait_until(pilot, lambda: answered(app, 2), "the answer to the suggestion")
        users = [b.shown for b in bubbles(app) if b.role == "user"]
        assert users == ["help", second]
        assert app.query_one(ChatInput).value == ""  # the digit was not typed


async def test_an_empty_conversation_offers_starters(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        suggestions = app.query_one(SuggestionList)
        await wait_until(pilot, lambda: bool(suggestions.items), "the starters")
        assert suggestions.items == list(STARTER_SUGGESTIONS)
        await pilot.press("1")
        await wait_until(pilot, lambda: answered(app, 1), "the answer to the first starter")
        assert [b.shown for b in bubbles(app) if b.role == "user"] == [STARTER_SUGGESTIONS[0]]
        await wait_until(
            pilot, lambda: suggestions.items != list(STARTER_SUGGESTIONS), "the answer's own"
        )


async def test_click_a_suggestion(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        await pilot.press(*"help", "enter")
        suggestions = app.query_one(SuggestionList)
        await wait_until(pilot, lambda: bool(suggestions.items), "the suggestions")
        first = suggestions.items[0]
        await pilot.click("SuggestionItem")
        await wait_until(pilot, lambda: answered(app, 2), "the answer to the clicked one")
        assert [b.shown for b in bubbles(app) if b.role == "user"] == ["help", first]


async def test_digits_are_typed_once_the_box_holds_text(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: bool(app.query_one(SuggestionList).items), "suggestions")
        await pilot.press(*"add 2")
        assert app.query_one(ChatInput).value == "add 2"


async def test_input_history_with_up_and_down(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        chat_input = app.query_one(ChatInput)
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the first answer")
        await pilot.press(*"show the network summary", "enter")
        await wait_until(pilot, lambda: answered(app, 2), "the second answer")
        await pilot.press(*"draft")
        await pilot.press("up")
        assert chat_input.value == "show the network summary"
        await pilot.press("up")
        assert chat_input.value == "help"
        await pilot.press("down", "down")
        assert chat_input.value == "draft"


async def test_an_event_arrives_in_the_events_panel(local_server: LocalServer) -> None:
    app = make_app(local_server)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.events is not None and app.events.is_connected, "/ws")
        panel = app.query_one(EventsPanel)
        alert = {"severity": "critical", "message": "Port of Rotterdam closed"}
        loop_deadline = 100
        # The server learns of the subscription asynchronously: publish until it shows.
        while not any("Port of Rotterdam closed" in line for line in panel.entries):
            loop_deadline -= 1
            assert loop_deadline > 0, "the alert never arrived"
            await local_server.publish("alert_notification", alert)
            await pilot.pause(0.02)
        line = next(line for line in panel.entries if "Rotterdam" in line)
        assert "alert critical" in line
        # Coloured by severity: critical is white on red.
        await wait_until(pilot, lambda: bool(panel.lines), "the panel to render")
        styles = [seg.style for strip in panel.lines for seg in strip if seg.style]
        assert any(style.bgcolor is not None and style.bgcolor.name == "red" for style in styles)


async def test_twin_updates_from_a_turn_reach_the_panel(local_server: LocalServer) -> None:
    app = make_app(local_server)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.events is not None and app.events.is_connected, "/ws")
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        await pilot.press(*"Add a warehouse in Rotterdam", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the answer")
        panel = app.query_one(EventsPanel)
        await wait_until(pilot, lambda: bool(panel.entries), "an event from the turn")


async def test_status_follows_the_server_going_away_and_back(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: "reconnecting" in status.text, "reconnecting")
        assert "of 5)" in status.text
        await pilot.press(*"help", "enter")  # sent while offline: queued
        await wait_until(pilot, lambda: "1 queued message" in status.text, "the queued count")
        await local_server.start()  # same port
        await wait_until(pilot, lambda: status.text == "● connected", "connected again")
        await wait_until(pilot, lambda: answered(app, 1), "the queued message's answer")


async def test_failed_status_and_error_banner_when_retries_run_out(
    local_server: LocalServer,
) -> None:
    policy = ReconnectPolicy(max_attempts=1, initial_delay=0.01, max_delay=0.01, jitter=0)
    app = make_app(local_server, events=False, policy=policy)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "connected")
        await local_server.stop()
        await wait_until(pilot, lambda: status.text.startswith("✖ failed"), "failed")
        banner = app.query_one(ErrorBanner)
        assert banner.display and banner.error
        assert "after 1 retries" in banner.error
        assert banner.error.endswith("(start one with: omnitrack serve)")


async def test_bad_token_shows_why_in_the_banner(local_server: LocalServer) -> None:
    copilot = CopilotClient(local_server.copilot_url, user_id=USER, token="bad", reconnect=FAST)
    app = ChatApp(copilot, reconnect=FAST)
    async with app.run_test() as pilot:
        banner = app.query_one(ErrorBanner)
        await wait_until(pilot, lambda: bool(banner.error), "the error banner")
        assert "401" in (banner.error or "")
        assert app.query_one(StatusBar).text.startswith("✖ failed")


async def test_usable_at_80x24_and_ctrl_q_quits(local_server: LocalServer) -> None:
    app = make_app(local_server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        screen = app.screen.region
        for widget in (
            app.query_one(StatusBar),
            app.query_one(ChatInput),
            app.query_one(MessageList),
        ):
            assert screen.contains_region(widget.region), widget
            assert widget.region.width > 0 and widget.region.height > 0
        assert app.query_one(MessageList).region.width >= 40  # room to read answers
        assert app.query_one(MessageList).region.height >= 15  # the footer takes what it needs
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, "the app to quit")
    assert app.copilot.state.value == "closed"


async def test_a_refused_send_shows_in_the_error_banner(local_server: LocalServer) -> None:
    app = make_app(local_server, events=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
        app.send("x" * 70_000)  # what Enter does, with a message over the 64 KiB limit
        banner = app.query_one(ErrorBanner)
        await wait_until(pilot, lambda: bool(banner.error), "the error banner")
        assert banner.error is not None and "over the 65536-byte limit" in banner.error
        assert banner.display
        await pilot.press(*"help", "enter")  # the next send clears it
        await wait_until(pilot, lambda: answered(app, 1), "the answer")
        await wait_until(pilot, lambda: not banner.display, "the banner to go")


class GatedEngine:
    """Answers only when the test opens the gate: the copilot is "typing" until then."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        await self.gate.wait()
        async for part in answer_from_text("Done **now**.", {"intent": "test", "confidence": 1}):
            yield part


async def test_typing_indicator_while_the_copilot_works(tmp_path: Path) -> None:
    engine = GatedEngine()
    server = LocalServer(tmp_path / "twin.db", engine=engine)
    await server.start()
    try:
        app = make_app(server, events=False)
        async with app.run_test() as pilot:
            indicator = app.query_one(TypingIndicator)
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            assert not indicator.display
            await pilot.press(*"hello", "enter")
            await wait_until(pilot, lambda: indicator.display, "the typing indicator")
            assert "typing" in str(indicator.render())
            engine.gate.set()
            await wait_until(pilot, lambda: answered(app, 1), "the answer")
            await wait_until(pilot, lambda: not indicator.display, "the indicator to go")
            assert bubbles(app)[-1].shown == "Done **now**."
    finally:
        await server.stop()


class LongEngine:
    """A long answer: 50 paragraphs, 3,000 tokens, streamed as fast as the server can."""

    text = "\n\n".join(f"Paragraph {i}:" + " word" * 58 + "." for i in range(50))

    async def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        async for part in answer_from_text(self.text, {"intent": "test", "confidence": 1}):
            yield part


async def test_a_long_fast_stream_ends_rendered_in_full(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "twin.db", engine=LongEngine())
    await server.start()
    try:
        app = make_app(server, events=False)
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            await pilot.press(*"long", "enter")
            await wait_until(pilot, lambda: answered(app, 1), "the answer", limit=30)
            answer = bubbles(app)[-1]
            await wait_until(pilot, lambda: answer.rendered == answer.shown, "the last render")
            assert answer.shown == LongEngine.text
            await wait_until(  # the end is in view, once the screen is drawn
                pilot, lambda: "Paragraph&#160;49:" in app.export_screenshot(), "the end drawn"
            )
    finally:
        await server.stop()


async def test_a_server_error_shows_the_banner_and_the_seed_reply(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "twin.db", max_message_chars=5)
    await server.start()
    try:
        app = make_app(server, events=False)
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            await pilot.press(*"far too long", "enter")
            banner = app.query_one(ErrorBanner)
            await wait_until(pilot, lambda: banner.display, "the error banner")
            assert banner.error == "Message is too long (max 5 characters)"
            await wait_until(pilot, lambda: len(bubbles(app)) == 2, "the error reply")
            reply = bubbles(app)[-1]
            assert reply.role == "assistant"
            assert reply.shown == "Sorry, I encountered an error processing your request."
    finally:
        await server.stop()


async def test_server_text_with_square_brackets_is_shown_not_parsed_as_markup() -> None:
    """Suggestions and errors come from the server; '[/b]' or '[red]' in them used to be read
    as Textual markup: a stray closing tag crashed the whole chat UI (MarkupError)."""
    import json

    from websockets.asyncio.server import ServerConnection, serve

    from omnitrack_realtime.tui.widgets import SuggestionItem

    suggestions = ["Show [/b] alerts", "[red]Scan[/red] now"]

    async def answer(ws: ServerConnection) -> None:
        async for raw in ws:
            if json.loads(raw).get("action") != "message":
                continue
            for frame in (
                {"type": "message", "content": "ok", "conversationId": "c"},
                {"type": "suggestions", "suggestions": suggestions, "conversationId": "c"},
                {"type": "error", "error": "field [/] is [link=x]bad[/link]"},
            ):
                await ws.send(json.dumps(frame))

    async with serve(answer, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        copilot = CopilotClient(f"ws://127.0.0.1:{port}/copilot", reconnect=FAST)
        app = ChatApp(copilot, reconnect=FAST)
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.copilot.is_connected, "the connection")
            await pilot.press(*"hi", "enter")
            banner = app.query_one(ErrorBanner)
            await wait_until(pilot, lambda: banner.display, "the error banner")
            await wait_until(
                pilot,
                lambda: [item.text for item in app.query(SuggestionItem)] == suggestions,
                "the suggestions",
            )
            await pilot.pause()
            screen = app.export_screenshot().replace("&#160;", " ")
            assert "field [/] is [link=x]bad[/link]" in screen
            assert "Show [/b] alerts" in screen
            assert "[red]Scan[/red] now" in screen
        assert app.return_code in (None, 0)
