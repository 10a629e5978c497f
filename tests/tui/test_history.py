"""The chat UI with a history store, driven with Textual's Pilot against a real server: the last
conversation shows again after a restart, conversations are listed and switched, and the
user's other devices show as "typing on another device" and a read mark."""

from __future__ import annotations

from pathlib import Path

from frontdoor_support import USER, LocalServer, token_for, wait_until
from omnitrack_realtime import CopilotClient, ReconnectPolicy
from omnitrack_realtime.tui.app import ChatApp
from omnitrack_realtime.tui.conversations import ConversationPicker
from omnitrack_realtime.tui.view import READ_MARK
from omnitrack_realtime.tui.widgets import MessageBubble, MessageList, StatusBar, TypingIndicator

FAST = ReconnectPolicy(max_attempts=5, initial_delay=0.05, max_delay=0.2, jitter=0, stable_after=0)


def client(server: LocalServer, store: Path, **options: object) -> CopilotClient:
    return CopilotClient(
        server.copilot_url,
        user_id=USER,
        token=token_for(),
        reconnect=FAST,
        store=store,
        **options,  # type: ignore[arg-type]
    )


def shown(app: ChatApp) -> list[tuple[str, str]]:
    return [(b.role, b.shown) for b in app.query_one(MessageList).bubbles()]


def answered(app: ChatApp, count: int) -> bool:
    done = [
        b
        for b in app.query_one(MessageList).query(MessageBubble)
        if b.role == "assistant" and not b.streaming
    ]
    return len(done) >= count


async def test_the_last_conversation_shows_again_and_conversations_switch(
    local_server: LocalServer, tmp_path: Path
) -> None:
    store = tmp_path / "history.db"
    app = ChatApp(client(local_server, store), None, reconnect=FAST)
    async with app.run_test() as pilot:
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: status.text == "● connected", "the connected status")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the answer")
        first = shown(app)
        await pilot.press(*"/new", "enter")
        await wait_until(pilot, lambda: shown(app) == [], "a new, empty conversation")
        await wait_until(pilot, lambda: app.copilot.is_connected, "connected again")
        await pilot.press(*"Show the network summary", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the second conversation's answer")
        second = shown(app)
        await pilot.press("ctrl+o")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConversationPicker), "the conversation list"
        )
        picker = app.screen
        assert isinstance(picker, ConversationPicker)
        assert [s.title for s in picker.summaries] == ["Show the network summary", "help"]
        await pilot.press("down", "down", "enter")  # past "New conversation" and the current
        await wait_until(pilot, lambda: shown(app) == first, "the first conversation again")
        await pilot.press(*"/conversations", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationPicker), "the list")
        await pilot.press("escape")  # nothing changes
        await wait_until(pilot, lambda: not isinstance(app.screen, ConversationPicker), "back")
        assert shown(app) == first
    assert second != first

    # A new process on the same store opens the conversation last opened, server or not.
    await local_server.stop()
    offline = ChatApp(
        CopilotClient(local_server.copilot_url, user_id=USER, store=store, reconnect=None),
        None,
        reconnect=FAST,
    )
    async with offline.run_test() as pilot:
        await wait_until(pilot, lambda: shown(offline) == first, "the stored conversation")


async def test_typing_and_reading_on_another_device_show(
    local_server: LocalServer, tmp_path: Path
) -> None:
    app = ChatApp(client(local_server, tmp_path / "laptop.db"), None, reconnect=FAST)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.copilot.is_connected, "connected")
        await pilot.press(*"help", "enter")
        await wait_until(pilot, lambda: answered(app, 1), "the answer")
        phone = client(
            local_server, tmp_path / "phone.db", conversation_id=app.copilot.conversation_id
        )
        try:
            await phone.connect()
            await wait_until(pilot, lambda: len(phone.messages) == 2, "the phone's copy")
            await phone.send_typing()
            indicator = app.query_one(TypingIndicator)
            await wait_until(pilot, lambda: indicator.elsewhere, "typing on another device")
            assert indicator.display
            await phone.ask("Show the network summary", timeout=10)
            assert await phone.mark_read()
            # The laptop lacked that turn: it fetches it, with the phone's read mark.
            await wait_until(pilot, lambda: answered(app, 2), "the phone's turn on the laptop")
            await wait_until(
                pilot,
                lambda: app.query_one(MessageList).bubbles()[-1].shown.endswith(READ_MARK),
                "the read mark",
            )
            assert sum(READ_MARK in text for _, text in shown(app)) == 1  # the newest only
            # The laptop reported what it showed: the phone marks it read too.
            await wait_until(pilot, lambda: phone.messages[-1].read, "the laptop's receipt")
        finally:
            await phone.close()
