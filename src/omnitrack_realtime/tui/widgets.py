"""The chat UI's widgets. Each one shows a piece of state handed to it; none does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Markdown, RichLog, Static

from ..cli.render import SEVERITY_STYLES, event_severity, event_summary, terminal_safe
from .view import InputHistory, message_markdown

__all__ = [
    "ChatInput",
    "ErrorBanner",
    "EventsPanel",
    "MessageBubble",
    "MessageList",
    "StatusBar",
    "SuggestionChosen",
    "SuggestionItem",
    "SuggestionList",
    "TypingIndicator",
]


class SuggestionChosen(Message):
    """The user picked a suggestion (key 1-4 or a click): send ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class StatusBar(Static):
    """One line: the connection state and the queued messages."""

    text: reactive[str] = reactive("", layout=False)

    def watch_text(self, text: str) -> None:
        self.update(Text(text))  # a Text, not markup: the text may carry the server's words


class ErrorBanner(Static):
    """The last error (``copilot.error``), hidden when there is none."""

    error: reactive[str | None] = reactive(None)

    def watch_error(self, error: str | None) -> None:
        self.display = error is not None
        self.update(Text(f"⚠ {error}" if error else ""))  # server text: never read as markup


class TypingIndicator(Static):
    """Shown while the server says the copilot is typing, or while the user types on another
    device (``elsewhere``)."""

    typing: reactive[bool] = reactive(False)
    elsewhere: reactive[bool] = reactive(False)

    def on_mount(self) -> None:
        self._show()

    def watch_typing(self) -> None:
        self._show()

    def watch_elsewhere(self) -> None:
        self._show()

    def _show(self) -> None:
        said = []
        if self.typing:
            said.append("copilot is typing…")
        if self.elsewhere:
            said.append("typing on another device…")
        self.update(" · ".join(said))
        self.display = bool(said)


class MessageBubble(Markdown):
    """One chat message, Markdown rendered; ``shown`` is the exact Markdown it displays.

    Rendering is coalesced: while one render is in progress, newer text only replaces the
    target, so a fast stream never queues up renders (each is a full Markdown parse); the
    bubble always ends on the latest text.

    A render is asked for through the bubble's own message queue, never straight from
    ``show``: Textual runs a subclass's ``on_mount`` before ``Markdown``'s, which renders the
    initial text and is not "mounted" until that render ends, so text shown in that window
    was stored and never drawn (a busy machine left a streamed answer cut short on screen).
    The queue is drained only after the mount, so the render always comes after it.
    """

    def __init__(
        self, message_id: str, role: str, content: str, *, is_streaming: bool, read: bool = False
    ) -> None:
        self.shown = message_markdown(content, is_streaming=is_streaming, read=read)
        super().__init__(self.shown, classes=role)
        self.message_id = message_id
        self.role = role
        self.streaming = is_streaming
        self._rendered = self.shown  # Markdown renders its initial text itself, on mount
        self._rendering = False
        self.set_class(is_streaming, "streaming")

    def show(self, content: str, *, is_streaming: bool, read: bool = False) -> None:
        markdown = message_markdown(content, is_streaming=is_streaming, read=read)
        if markdown == self.shown and is_streaming == self.streaming:
            return
        self.shown = markdown
        self.streaming = is_streaming
        self.set_class(is_streaming, "streaming")
        self.call_later(self._render_latest)

    @property
    def rendered(self) -> str:
        """The Markdown last rendered (``shown`` once rendering has caught up)."""
        return self._rendered

    def _render_latest(self) -> None:
        if self._rendering or self.shown == self._rendered:
            return
        self._rendering = True
        self.run_worker(self._render_until_current(), group="render", exit_on_error=False)

    async def _render_until_current(self) -> None:
        try:
            while self.shown != self._rendered:
                target = self.shown
                await self.update(target)
                self._rendered = target
        finally:
            self._rendering = False


class MessageList(VerticalScroll):
    """The conversation, oldest first, kept scrolled to the newest message."""

    def on_mount(self) -> None:
        self.anchor()

    def bubbles(self) -> list[MessageBubble]:
        return list(self.query(MessageBubble))

    def sync(self, messages: Sequence[Any]) -> None:
        """Make the bubbles match ``messages`` (objects with id, role, content, is_streaming,
        read): bubbles of messages no longer there (another conversation) go; the newest
        message read on another device carries the read mark."""
        existing = {bubble.message_id: bubble for bubble in self.query(MessageBubble)}
        wanted = {message.id for message in messages}
        stale = [bubble for key, bubble in existing.items() if key not in wanted]
        if stale:
            self.remove_children(stale)
            existing = {key: bubble for key, bubble in existing.items() if key in wanted}
        last_read = next((m.id for m in reversed(messages) if getattr(m, "read", False)), None)
        for message in messages:
            read = message.id == last_read
            bubble = existing.get(message.id)
            if bubble is None:
                bubble = MessageBubble(
                    message.id,
                    message.role,
                    message.content,
                    is_streaming=message.is_streaming,
                    read=read,
                )
                self.mount(bubble)
                existing[message.id] = bubble
            else:
                bubble.show(message.content, is_streaming=message.is_streaming, read=read)


class SuggestionItem(Static):
    """One suggestion; a click sends it."""

    def __init__(self, index: int, text: str) -> None:
        # The suggestion is the server's text: '[/b]' in it must show, not be parsed as markup.
        super().__init__(Text.assemble((str(index), "bold"), " ", text))
        self.index = index
        self.text = text

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(SuggestionChosen(self.text))


class SuggestionList(Vertical):
    """Up to four follow-ups after an answer, numbered for keys 1-4."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: list[str] = []

    def show(self, suggestions: Sequence[str]) -> None:
        items = list(suggestions[:4])
        if items == self.items:
            return
        self.items = items
        self.remove_children()
        self.mount_all(SuggestionItem(i, text) for i, text in enumerate(items, start=1))
        self.display = bool(items)


class EventsPanel(RichLog):
    """Events from ``/ws`` as they arrive: alerts coloured by severity, twin updates.

    A scenario's progress events share one line, updated in place (a simulation reports its
    stages in the same second); every line is wrapped again when the panel is resized.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_lines=500, wrap=True, markup=False, min_width=10, **kwargs)
        self.entries: list[str] = []  # the plain text of every line shown, for tests and copy
        self._lines: list[Text] = []
        self._keys: list[str | None] = []  # the scenario each line follows, if any
        self._width = 0

    def add_event(self, event_type: str, data: Any, timestamp: Any = None) -> None:
        severity = event_severity(event_type, data)
        # Server text: shown, never acted on (controls, invisible and bidi characters escaped).
        summary = terminal_safe(event_summary(event_type, data, limit=200), one_line=True)
        label = terminal_safe(event_type, one_line=True)
        label = label.replace("_notification", "").replace("digital_twin_", "twin ")
        clock = timestamp[11:19] if isinstance(timestamp, str) and len(timestamp) >= 19 else ""
        line = Text()
        if clock:
            line.append(f"{clock} ", style="dim")
        if severity is not None:
            line.append(f"{label} {severity}", style=SEVERITY_STYLES.get(severity, "cyan"))
        else:
            line.append(label, style="bold blue")
        if summary:
            line.append(f" {summary}")
        key = _progress_key(event_type, data)
        if key is not None and key in self._keys:
            index = len(self._keys) - 1 - self._keys[::-1].index(key)
            self._lines[index] = line
            self.entries[index] = line.plain
            self._rewrite()
            return
        self._lines.append(line)
        self._keys.append(key)
        self.entries.append(line.plain)
        del self._lines[:-500], self._keys[:-500], self.entries[:-500]
        self.write(line)

    def _rewrite(self) -> None:
        """Write every line again (a line changed, or the width did)."""
        self.clear()
        for line in self._lines:
            self.write(line)

    def on_resize(self, event: events.Resize) -> None:
        # RichLog's own handler writes what came before the size was known; after that, a
        # new width wraps every line again.
        width, self._width = self._width, event.size.width
        if self._size_known and width and width != event.size.width:
            self._rewrite()


def _progress_key(event_type: str, data: Any) -> str | None:
    """The scenario a ``scenario_progress`` event reports on (its line to update)."""
    if event_type != "scenario_progress" or not isinstance(data, dict):
        return None
    key = data.get("scenarioId") or data.get("scenario")
    return str(key) if key else None


class ChatInput(Input):
    """The message box: Enter sends, Up/Down walk the history, 1-4 on an empty box pick a
    suggestion (digits are typed normally once the box holds text)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history_previous", "Previous message", show=False),
        Binding("down", "history_next", "Next message", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history = InputHistory()
        self.suggestions: list[str] = []

    def action_history_previous(self) -> None:
        self.value = self.history.previous(self.value)
        self.cursor_position = len(self.value)

    def action_history_next(self) -> None:
        self.value = self.history.following()
        self.cursor_position = len(self.value)

    async def _on_key(self, event: events.Key) -> None:
        key = event.character or ""
        if not self.value and key in ("1", "2", "3", "4"):
            index = int(key) - 1
            if index < len(self.suggestions):
                event.stop()
                event.prevent_default()
                self.post_message(SuggestionChosen(self.suggestions[index]))
                return
        await super()._on_key(event)
