"""The full-screen chat with the copilot: :class:`ChatApp`.

The app drives an async ``CopilotClient`` (and optionally an ``EventClient``) on Textual's own
event loop. The clients' ``on_change`` callbacks only mark the screen dirty; a short timer then
copies the client state into the widgets, so a fast token stream costs a bounded number of
redraws. Network work (connect, send, listen) runs in workers.

It never gives up for good: a :class:`~..cli.recovery.ServerWatch` per client retries at once
when the server is back, and after the retry budget is spent keeps one slow retry going
(``slow_retry``); Ctrl-R retries now, and so does sending a message after giving up. Messages
typed while offline wait in the client's queue (counted in the status bar) and go out when the
connection is back; quitting with some still unsent asks first.

With a history store the client opens the last conversation (shown at once, before the
connection is up); ``/conversations`` (or Ctrl-O) lists the stored ones to switch to, ``/new``
starts one. From the user's other devices: "typing on another device", and a "read" mark on
the newest message read there; this one reports what it showed, and typing, the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches

from ..cli.options import explain_failure
from ..cli.recovery import PROBE_INTERVAL, SLOW_RETRY, ServerWatch
from ..client.backoff import ReconnectPolicy
from ..client.copilot import CopilotClient
from ..client.events import EventClient
from ..client.state import ConnectionState
from ..errors import OmniTrackError, StoreError
from .attach import AttachCommand, UploadBar, parse_attach_command
from .conversations import NEW_CONVERSATION, ConversationPicker
from .quit import ConfirmQuit, unsent_messages
from .view import connection_view, status_line
from .widgets import (
    ChatInput,
    ErrorBanner,
    EventsPanel,
    MessageList,
    StatusBar,
    SuggestionChosen,
    SuggestionList,
    TypingIndicator,
)

__all__ = ["RETRY_HINT", "STARTER_SUGGESTIONS", "ChatApp", "connection_view"]

#: Seconds between a state change and the redraw it causes (coalesces token bursts).
REDRAW_DELAY = 0.03

#: What the status bar suggests while the client waits to reconnect or has given up.
RETRY_HINT = "Ctrl-R retries now"

#: Explains a connection failure in one sentence, given the error and the url.
Explain = Callable[[OmniTrackError | str | None, str], str]

#: What an empty conversation offers (keys 1-4), so a new user has something to try at once.
STARTER_SUGGESTIONS = (
    "Add a new supplier in Asia",
    "Show the network summary",
    "Scan for anomalies",
    "help",
)


class ChatApp(App[int]):
    """Chat with the copilot: messages, streaming answer, suggestions, status, events."""

    TITLE = "OmniTrack copilot"
    CSS = """
    Screen { layout: vertical; }
    StatusBar { height: 1; background: $primary-background; color: $text; padding: 0 1; }
    ErrorBanner { height: auto; max-height: 3; background: $error; color: $text;
                  padding: 0 1; display: none; }
    #body { height: 1fr; }
    #footer { height: auto; }
    MessageList { width: 1fr; padding: 0 1; }
    MessageBubble { margin: 0 0 1 0; padding: 0 1; }
    MessageBubble.user { background: $boost; border-left: thick $accent; }
    MessageBubble.assistant { border-left: thick $success; }
    MessageBubble.streaming { border-left: thick $warning; }
    MessageBubble.streaming.pulse { border-left: thick $warning-darken-3; }
    EventsPanel { width: 36%; min-width: 32; max-width: 90; border: round $primary-darken-1;
                  padding: 0 1; }
    TypingIndicator { height: 1; color: $text-muted; padding: 0 1; text-style: italic; }
    UploadBar { height: 1; color: $accent; padding: 0 1; display: none; }
    SuggestionList { height: auto; max-height: 4; padding: 0 1; display: none; }
    SuggestionItem { height: 1; color: $accent; }
    SuggestionItem:hover { background: $boost; }
    ChatInput { dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+r", "retry_now", "Retry now", priority=True),
        Binding("ctrl+o", "conversations", "Conversations", priority=True),
    ]

    #: Commands typed in the message box (not sent): what each does.
    CHAT_COMMANDS: ClassVar[dict[str, str]] = {
        "/conversations": "list the stored conversations and switch to one",
        "/new": "start a new conversation",
    }

    def __init__(
        self,
        copilot: CopilotClient,
        events: EventClient | None = None,
        *,
        event_types: Sequence[str] = (),
        reconnect: ReconnectPolicy | None = None,
        explain: Explain | None = None,
        probe_interval: float | None = PROBE_INTERVAL,
        slow_retry: float | None = SLOW_RETRY,
    ) -> None:
        """``reconnect`` is the policy the copilot client was made with (for the countdown and
        the "attempt k of N" in the status bar; default: the default policy). ``explain``
        turns a connection failure into the banner's sentence (default: the commands' own,
        which says how to start a server). ``probe_interval``: how often to check whether an
        unreachable server is back (``None``: never); ``slow_retry``: seconds between
        attempts after the retries are used up (``None``: stay failed until Ctrl-R or a
        send)."""
        super().__init__()
        policy = reconnect or ReconnectPolicy()
        self._max_attempts = policy.max_attempts
        self.copilot = copilot
        self.events = events
        self.event_types = tuple(event_types)
        self._explain: Explain = explain or explain_failure
        self.watches = [
            ServerWatch(client, interval=probe_interval, slow_retry=slow_retry)
            for client in (copilot, events)
            if client is not None
        ]
        #: Messages that were still unsent when the user chose to quit anyway.
        self.dropped = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._redraw_pending = False
        self._local_error: str | None = None
        self._pulse = False
        self._thread_id = threading.get_ident()
        self._read_reported: str | None = None

    # ----------------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield ErrorBanner(id="error")
        with Horizontal(id="body"):
            yield MessageList(id="messages")
            if self.events is not None:
                yield EventsPanel(id="events")
        with Vertical(id="footer", classes="footer"):
            yield TypingIndicator(id="typing")
            yield UploadBar(id="upload")
            yield SuggestionList(id="suggestions")
        yield ChatInput(
            placeholder="Ask the copilot…  (Enter sends · ↑↓ history · Ctrl-Q quits)",
            id="input",
        )

    def on_ready(self) -> None:
        """The screen is composed and shown: start following the clients."""
        self._thread_id = threading.get_ident()
        self._unsubscribe = self.copilot.on_change(self._on_client_change)
        self.set_interval(0.5, self._tick)
        self.refresh_from_client()
        self.query_one(ChatInput).focus()
        self._connect_copilot()
        if self.events is not None:
            self._pump_events()
        for watch in self.watches:
            self.run_worker(watch.run(), group="watch", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self.copilot.close()
        if self.events is not None:
            await self.events.close()

    # ----------------------------------------------------------------------- state -> widgets

    def _on_client_change(self, *_args: Any) -> None:
        if threading.get_ident() != self._thread_id:
            self.call_from_thread(self._schedule_redraw)
        else:
            self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        if not self._redraw_pending:
            self._redraw_pending = True
            self.set_timer(REDRAW_DELAY, self.refresh_from_client)

    def refresh_from_client(self) -> None:
        """Copy the copilot client's state into the widgets."""
        self._redraw_pending = False
        try:
            self._copy_state()
        except NoMatches:  # shutting down: widgets are being removed
            return

    def _copy_state(self) -> None:
        copilot = self.copilot
        messages = list(copilot.messages)
        self.query_one(MessageList).sync(messages)
        typing = self.query_one(TypingIndicator)
        typing.typing = copilot.is_typing
        typing.elsewhere = copilot.typing_elsewhere
        self._report_read(messages)
        suggestions = list(copilot.suggestions)
        if not suggestions and not copilot.messages:
            suggestions = list(STARTER_SUGGESTIONS)
        self.query_one(SuggestionList).show(suggestions)
        self.query_one(ChatInput).suggestions = suggestions[:4]
        self.query_one(ErrorBanner).error = self._banner_text()
        status = self.query_one(StatusBar)
        status.text = status_line(self._view(), self._clock(), self._status_width(status))

    def _report_read(self, messages: list[Any]) -> None:
        """The newest message is shown: tell the user's other devices (once per message)."""
        last = messages[-1] if messages else None
        if last is None or last.is_streaming or last.id == self._read_reported:
            return
        if not self.copilot.is_connected or self.copilot.conversation_id is None:
            return
        self._read_reported = last.id
        self.run_worker(self.copilot.mark_read(), group="read", exit_on_error=False)

    def _view(self) -> Any:
        """The status bar's facts: the client's, the slow retry's countdown and the hint."""
        view = connection_view(self.copilot, self._max_attempts)
        waiting = self.copilot.state in (ConnectionState.RECONNECTING, ConnectionState.FAILED)
        if self.copilot.state is ConnectionState.FAILED:
            view = dataclasses.replace(view, retry_at=self.watches[0].slow_retry_at)
        return dataclasses.replace(view, hint=RETRY_HINT if waiting else None)

    def _status_width(self, status: StatusBar) -> int | None:
        width = status.content_region.width or self.size.width - 2
        return width if width > 0 else None

    def _banner_text(self) -> str | None:
        """The conversation's error as it is; a connection's failure explained (what is
        wrong and what to do: start a server, get a new token)."""
        copilot = self.copilot
        failure = copilot.connection.error
        error = copilot.error
        if failure is not None and error == str(failure):
            return self._explain(failure, copilot.connection.url)
        return error or self._local_error

    def on_resize(self) -> None:
        self.refresh_from_client()

    def _tick(self) -> None:
        """Twice a second: the retry countdown, the events panel's state, the pulse of the
        message being streamed (the seed's pulsing bubble)."""
        self.refresh_from_client()
        self._pulse = not self._pulse
        try:
            for bubble in self.query_one(MessageList).bubbles():
                bubble.set_class(self._pulse and bubble.streaming, "pulse")
            if self.events is not None:
                state = self.events.state.value
                mark = "●" if state == "open" else "○"
                self.query_one(EventsPanel).border_title = f"events {mark} {state}"
        except NoMatches:  # shutting down
            return

    def _clock(self) -> float:
        return time.monotonic()

    def show_error(self, text: str | None) -> None:
        """Show an error of this app's own (a send refused, a connect that failed)."""
        self._local_error = text
        self.refresh_from_client()

    # ----------------------------------------------------------------------- I/O in workers

    @work(exclusive=True, group="connect")
    async def _connect_copilot(self) -> None:
        # The stored conversation shows before the connection is up (or when it is not).
        try:
            await self.copilot.restore()
        except StoreError as exc:
            self.show_error(f"{exc}; run with --no-store to keep no history")
            return
        self.refresh_from_client()
        # A failure shows in the banner (explained); Ctrl-R, a send or the watch retries.
        with contextlib.suppress(OmniTrackError):
            await self.copilot.connect()
        self.refresh_from_client()

    @work(group="events")
    async def _pump_events(self) -> None:
        """Show the events as they come, through any number of failures: after one, wait
        for the events client to be retried (by its watch or Ctrl-R) and listen again."""
        events = self.events
        assert events is not None
        panel = self.query_one(EventsPanel)
        with contextlib.suppress(OmniTrackError):  # failed for now: the loop waits for a retry
            await events.connect()
        said = None
        while True:
            try:
                async for event in events.listen(*self.event_types):
                    said = None
                    panel.add_event(str(event.type), event.data, event.timestamp)
                return  # the client was closed: the app is ending
            except OmniTrackError as exc:
                if str(exc) != said:  # a slow retry failing again says nothing new
                    said = str(exc)
                    panel.add_event("error", {"message": f"events unavailable: {exc}"})
            await events.connection.wait_for_state(
                ConnectionState.CONNECTING, ConnectionState.OPEN, ConnectionState.CLOSED
            )
            if events.state is ConnectionState.CLOSED:
                return

    async def _send(self, text: str) -> None:
        self._local_error = None
        try:
            await self.copilot.send_message(text)
        except OmniTrackError as exc:
            self.show_error(str(exc))
        else:
            # After giving up, a message is the user saying "try again": it goes out as soon
            # as the server answers, or waits in the queue (counted in the status bar).
            if self.copilot.state is ConnectionState.FAILED:
                self.copilot.retry_now()
        self.refresh_from_client()

    @work(group="send")
    async def send(self, text: str) -> None:
        """Send ``text`` as the user's message (what Enter and a suggestion do)."""
        await self._send(text)

    @work(group="send")
    async def send_file(self, command: AttachCommand) -> None:
        """``/attach`` and ``/voice``: upload the file with a progress bar, then send the
        message that refers to it (a message typed meanwhile may go out first)."""
        self._local_error = None
        bar = self.query_one(UploadBar)
        try:
            await self.copilot.send_message(
                command.text, [command.path], on_progress=bar.show_progress
            )
        except OmniTrackError as exc:
            self.show_error(f"{command.path.name}: {exc}")
        finally:
            bar.done()
        self.refresh_from_client()

    # ----------------------------------------------------------------------- keys

    def action_retry_now(self) -> None:
        """Ctrl-R: every client that waits to reconnect, or gave up, tries now."""
        retried = [client.retry_now() for client in (self.copilot, self.events) if client]
        if not any(retried):
            self.notify("Nothing to retry: connected, or connecting now.", timeout=3)
        self.refresh_from_client()

    async def action_quit(self) -> None:
        """Ctrl-Q / Ctrl-C: quit, asking first while messages are still unsent."""
        unsent = unsent_messages(self.copilot)
        if not unsent or isinstance(self.screen, ConfirmQuit):  # asked already: quit it is
            self.dropped = unsent
            self.exit()
            return

        def decided(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.dropped = unsent_messages(self.copilot)
                self.exit()

        self.push_screen(ConfirmQuit(unsent), decided)

    # ----------------------------------------------------------------------- input

    def on_input_submitted(self, event: ChatInput.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        chat_input = self.query_one(ChatInput)
        chat_input.history.push(text)
        chat_input.value = ""
        if text.lower() in self.CHAT_COMMANDS:
            self.run_command(text.lower())
            return
        command = parse_attach_command(text)
        if isinstance(command, str):
            self.show_error(command)
        elif command is not None:
            self.send_file(command)
        else:
            self.send(text)

    async def on_input_changed(self, event: ChatInput.Changed) -> None:
        if event.value and not event.value.startswith("/"):
            await self.copilot.send_typing()  # throttled by the client

    # ----------------------------------------------------------------------- conversations

    def run_command(self, command: str) -> None:
        """``/conversations`` opens the list; ``/new`` starts a new conversation."""
        if command == "/new":
            self.switch_to(None)
        else:
            self.action_conversations()

    @work(exclusive=True, group="conversations")
    async def action_conversations(self) -> None:
        """Ctrl-O: the stored conversations; the one picked is opened."""
        if self.copilot.store_path is None:
            self.notify("No history is kept (--no-store): /new starts a new conversation.")
            return
        try:
            summaries = await self.copilot.conversations()
        except StoreError as exc:
            self.show_error(str(exc))
            return
        picker = ConversationPicker(
            summaries, current=self.copilot.conversation_key, now=datetime.now(UTC)
        )
        chosen = await self.push_screen_wait(picker)
        if chosen is None or chosen == self.copilot.conversation_key:
            return
        self.switch_to(chosen if chosen != NEW_CONVERSATION else None)

    @work(exclusive=True, group="switch")
    async def switch_to(self, conversation: str | None) -> None:
        """Open that stored conversation (``None``: a new one)."""
        self._local_error = None
        try:
            await self.copilot.switch_conversation(conversation)
        except OmniTrackError as exc:
            self.show_error(str(exc))
        self._read_reported = None
        self.refresh_from_client()

    def on_suggestion_chosen(self, event: SuggestionChosen) -> None:
        self.query_one(ChatInput).history.push(event.text)
        self.send(event.text)
