"""The list of stored conversations (``/conversations`` or Ctrl-O): pick one to switch to it,
or start a new one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..cli.render import terminal_safe
from ..client.history import ConversationSummary

__all__ = ["NEW_CONVERSATION", "ConversationPicker", "conversation_label"]

#: What the picker returns for "a new conversation" (``None``: keep the current one).
NEW_CONVERSATION = ""


def conversation_label(summary: ConversationSummary, *, current: bool, now: datetime) -> str:
    """One line of the list: ``▸ Add a supplier in Asia · 4 messages · 5 min ago``."""
    count = summary.message_count
    noun = "message" if count == 1 else "messages"
    title = terminal_safe(summary.title or "(untitled)", one_line=True)
    mark = "▸ " if current else "  "
    return f"{mark}{title} · {count} {noun} · {_ago(now - summary.updated_at)}"


def _ago(delta: Any) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = seconds // size
            plural = "s" if unit == "day" and amount > 1 else ""
            return f"{amount} {unit}{plural} ago"
    return "just now"


class ConversationPicker(ModalScreen[str | None]):
    """The stored conversations, most recent first, under "New conversation". Enter opens
    the one highlighted (its key; :data:`NEW_CONVERSATION` for a new one); Escape keeps the
    current one (``None``)."""

    DEFAULT_CSS = """
    ConversationPicker { align: center middle; }
    ConversationPicker > Vertical { width: 90%; max-width: 100; height: auto; max-height: 80%;
                                    padding: 0 1; border: thick $accent; background: $surface; }
    ConversationPicker OptionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Back", show=False),
    ]

    def __init__(
        self,
        summaries: Sequence[ConversationSummary],
        *,
        current: str | None,
        now: datetime,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.summaries = list(summaries)
        self.current = current
        self.now = now

    def compose(self) -> ComposeResult:
        options = [Option(Text("+ New conversation", style="bold"), id="new")]
        options.extend(
            Option(
                Text(
                    conversation_label(
                        s, current=self.current in (s.key, s.conversation_id), now=self.now
                    )
                ),
                id=f"c{index}",
            )
            for index, s in enumerate(self.summaries)
        )
        with Vertical():
            yield Static("Conversations  (Enter opens · Escape goes back)")
            yield OptionList(*options, id="conversations")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or "new"
        if option_id == "new":
            self.dismiss(NEW_CONVERSATION)
        else:
            self.dismiss(self.summaries[int(option_id[1:])].key)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
