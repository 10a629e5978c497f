"""The full-screen chat with the copilot: :class:`ChatApp`.

The app drives an async ``CopilotClient`` (and optionally an ``EventClient``) on Textual's own
event loop. The clients' ``on_change`` callbacks only mark the screen dirty; a short timer then
copies the client state into the widgets, so a fast token stream costs a bounded number of
redraws. Network work (connect, send, listen) runs in workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches

from ..client.backoff import ReconnectPolicy
from ..client.copilot import CopilotClient
from ..client.events import EventClient
from ..errors import OmniTrackError
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

__all__ = ["STARTER_SUGGESTIONS", "ChatApp", "connection_view"]

#: Seconds between a state change and the redraw it causes (coalesces token bursts).
REDRAW_DELAY = 0.03

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
    EventsPanel { width: 32; border: round $primary-darken-1; padding: 0 1; }
    TypingIndicator { height: 1; color: $text-muted; padding: 0 1; text-style: italic; }
    SuggestionList { height: auto; max-height: 4; padding: 0 1; display: none; }
    SuggestionItem { height: 1; color: $accent; }
    SuggestionItem:hover { background: $boost; }
    ChatInput { dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        copilot: CopilotClient,
        events: EventClient | None = None,
        *,
        event_types: Sequence[str] = (),
        reconnect: ReconnectPolicy | None = None,
    ) -> None:
        """``reconnect`` is the policy the copilot client was made with (for the countdown and
        the "attempt k of N" in the status bar; default: the default policy)."""
        super().__init__()
        policy = reconnect or ReconnectPolicy()
        self._max_attempts = policy.max_attempts
        self.copilot = copilot
        self.events = events
        self.event_types = tuple(event_types)
        self._unsubscribe: Callable[[], None] | None = None
        self._redraw_pending = False
        self._local_error: str | None = None
        self._pulse = False
        self._thread_id = threading.get_ident()

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

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self.copilot.disconnect()
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
        self.query_one(MessageList).sync(list(copilot.messages))
        self.query_one(TypingIndicator).typing = copilot.is_typing
        suggestions = list(copilot.suggestions)
        if not suggestions and not copilot.messages:
            suggestions = list(STARTER_SUGGESTIONS)
        self.query_one(SuggestionList).show(suggestions)
        self.query_one(ChatInput).suggestions = suggestions[:4]
        self.query_one(ErrorBanner).error = copilot.error or self._local_error
        now = self._clock()
        view = connection_view(copilot, self._max_attempts)
        self.query_one(StatusBar).text = status_line(view, now)

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
        try:
            await self.copilot.connect()
        except OmniTrackError as exc:
            self.refresh_from_client()
            self.show_error(str(exc))
            return
        self.refresh_from_client()

    @work(group="events")
    async def _pump_events(self) -> None:
        assert self.events is not None
        panel = self.query_one(EventsPanel)
        try:
            await self.events.connect()
            async for event in self.events.listen(*self.event_types):
                panel.add_event(str(event.type), event.data, event.timestamp)
        except OmniTrackError as exc:
            panel.add_event("error", {"message": f"events unavailable: {exc}"})

    async def _send(self, text: str) -> None:
        self._local_error = None
        try:
            await self.copilot.send_message(text)
        except OmniTrackError as exc:
            self.show_error(str(exc))
        self.refresh_from_client()

    @work(group="send")
    async def send(self, text: str) -> None:
        """Send ``text`` as the user's message (what Enter and a suggestion do)."""
        await self._send(text)

    # ----------------------------------------------------------------------- input

    def on_input_submitted(self, event: ChatInput.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        chat_input = self.query_one(ChatInput)
        chat_input.history.push(text)
        chat_input.value = ""
        self.send(text)

    def on_suggestion_chosen(self, event: SuggestionChosen) -> None:
        self.query_one(ChatInput).history.push(event.text)
        self.send(event.text)
