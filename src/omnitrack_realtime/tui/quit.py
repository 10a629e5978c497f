"""Quitting with messages still unsent: count them, and ask before dropping them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from ..client.copilot import CopilotClient

__all__ = ["ConfirmQuit", "unsent_messages"]


def unsent_messages(copilot: CopilotClient) -> int:
    """The user's messages the server has not got: still queued, or written to a connection
    that was lost before they were acknowledged (they would be sent again on reconnecting)."""
    connected = copilot.is_connected
    return sum(
        1
        for message in copilot.messages
        if message.role == "user"
        and (message.status == "queued" or (message.status == "sent" and not connected))
    )


class ConfirmQuit(ModalScreen[bool]):
    """ "2 messages are not sent yet. Quit anyway?": y (or Ctrl-Q again) quits, n or Escape
    goes back to the chat, where they are sent once the connection is back."""

    DEFAULT_CSS = """
    ConfirmQuit { align: center middle; }
    ConfirmQuit > Vertical { width: auto; max-width: 70; height: auto; padding: 1 2;
                             border: thick $warning; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit", show=False),
        Binding("n", "answer(False)", "Stay", show=False),
        Binding("escape", "answer(False)", "Stay", show=False),
    ]

    def __init__(self, unsent: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unsent = unsent
        noun = "message is" if unsent == 1 else "messages are"
        #: What the dialog asks, in words.
        self.question = f"{unsent} {noun} not sent yet (the server is not reachable)."

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            yield Static("Quit and drop them?  y quit · n stay (they go out once reconnected)")

    def action_answer(self, quit_anyway: bool) -> None:
        self.dismiss(quit_anyway)
