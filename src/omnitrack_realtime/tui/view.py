"""What the chat UI shows, computed without Textual: status text, message Markdown, input
history. Pure, so the rules are tested without a terminal or a socket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cli.render import terminal_safe

if TYPE_CHECKING:
    from ..client.copilot import CopilotClient

__all__ = [
    "INTERRUPTED_MARKER",
    "READ_MARK",
    "STREAMING_MARKER",
    "ConnectionView",
    "InputHistory",
    "connection_view",
    "message_markdown",
    "shorten",
    "status_line",
]

#: Appended to the message being streamed: the terminal's version of the seed's pulsing bubble.
STREAMING_MARKER = "▍"
#: Under the newest message the user read on another device.
READ_MARK = "*✓ read on another device*"
#: The seed's marker for an answer cut off mid-stream (the client SDK appends it to the text).
INTERRUPTED_MARKER = "[interrupted]"


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """A snapshot of what the status bar needs from a client.

    ``retry_at`` is when the next attempt is due on the same clock as ``now`` passed to
    :func:`status_line`; ``attempt`` counts retries (1 for the first retry).
    """

    state: str
    error: str | None = None
    attempt: int = 0
    max_attempts: int | None = None
    retry_at: float | None = None
    queued: int = 0
    #: While the server holds the queue (rate limit, restart): when sending resumes (same
    #: clock), and why.
    held_until: float | None = None
    hold_reason: str = "rate limited"
    #: What the user can do about it, shown last (e.g. ``Ctrl-R retries now``).
    hint: str | None = None


def connection_view(client: CopilotClient, max_attempts: int | None = None) -> ConnectionView:
    """Read the status bar's facts off a copilot client.

    The countdown is the client's own pending retry (``next_retry``): its due time is exact,
    jitter and a server's retry-after included, on the ``time.monotonic`` clock.
    ``max_attempts`` is shown while no retry is pending (e.g. the immediate retry with a
    fresh token).
    """
    connection = client.connection
    failure = connection.error
    retry = client.next_retry
    return ConnectionView(
        state=client.state.value,
        error=str(failure) if failure is not None else client.error,
        attempt=retry.attempt if retry is not None else connection.retries,
        max_attempts=retry.max_attempts if retry is not None else max_attempts,
        retry_at=retry.due if retry is not None else None,
        queued=client.stats().queued,
        held_until=connection.outbox.held_until,
        hold_reason=connection.hold_reason,
    )


def status_line(view: ConnectionView, now: float, width: int | None = None) -> str:
    """The status bar's text, e.g. ``reconnecting in 4 s (attempt 3 of 5) · 2 queued``, or
    ``connected · 1 queued message · rate limited, resending in 2 s``.

    With ``width``, it fits in that many columns: the failure's reason is shortened first
    (at a word, with ``…``), then the hint goes, then the rest is shortened; the state, the
    countdown and the queued count are the last to go."""
    state = view.state
    reason = ""
    if state == "open":
        head = "● connected"
    elif state == "connecting":
        head = "◌ connecting…"
    elif state == "reconnecting":
        of = f" of {view.max_attempts}" if view.max_attempts is not None else ""
        attempt = f"attempt {max(view.attempt, 1)}{of}"
        if view.retry_at is not None and view.retry_at > now:
            seconds = math.ceil(view.retry_at - now)
            head = f"◌ reconnecting in {seconds} s ({attempt})"
        else:
            head = f"◌ reconnecting… ({attempt})"
    elif state == "failed":
        head = "✖ failed"
        reason = f": {view.error}" if view.error else ""
    elif state == "closed":
        head = "○ disconnected"
    else:
        head = "○ not connected"
    extras: list[str] = []
    if state == "failed" and view.retry_at is not None:
        # After giving up, a slow retry may still be coming (the chat UI's).
        seconds = math.ceil(view.retry_at - now)
        extras.append(f"retrying in {seconds} s" if seconds > 0 else "retrying…")
    # Seconds the server still holds the queue of an open connection, if any.
    held = (
        math.ceil(view.held_until - now)
        if state == "open" and view.held_until is not None and view.held_until > now
        else None
    )
    if view.queued and (state != "open" or held is not None):
        noun = "message" if view.queued == 1 else "messages"
        extras.append(f"{view.queued} queued {noun}")
    if held is not None:
        extras.append(f"{view.hold_reason}, resending in {held} s")
    return _fit(head, reason, extras, view.hint, width)


def _fit(head: str, reason: str, extras: list[str], hint: str | None, width: int | None) -> str:
    tail = "".join(f" · {extra}" for extra in extras)
    hinted = f"{tail} · {hint}" if hint else tail
    whole = f"{head}{reason}{hinted}"
    if width is None or len(whole) <= width:
        return whole
    for tail_now in (hinted, tail):
        room = width - len(head) - len(tail_now)
        if reason and room >= 12:  # enough for a few words of the reason
            return f"{head}{shorten(reason, room)}{tail_now}"
        if len(head) + len(tail_now) <= width:
            return f"{head}{tail_now}"
    return shorten(f"{head}{tail}", width)


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns: cut after the last whole word that fits, with
    ``…``; a single word longer than the room is cut (nothing else would fit)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > 0 and text[len(cut)] != " ":  # the last word would be cut: leave it out
        cut = cut[:space]
    return cut.rstrip(" ·:;,") + "…"


def message_markdown(content: str, *, is_streaming: bool, read: bool = False) -> str:
    """The Markdown a message bubble shows: the text (control, invisible and bidi characters
    escaped: see :func:`~omnitrack_realtime.cli.render.terminal_safe`), plus the marker while
    it streams, or the read mark (:data:`READ_MARK`) when it was read on another device."""
    content = terminal_safe(content)
    if is_streaming:
        return f"{content}{STREAMING_MARKER}"
    if read:
        return f"{content}\n\n{READ_MARK}"
    return content


class InputHistory:
    """Shell-like input history: ``previous``/``following`` walk the sent lines; the line being
    typed is kept as a draft and comes back after walking past the newest entry."""

    def __init__(self, limit: int = 500) -> None:
        self._entries: list[str] = []
        self._limit = limit
        self._position: int | None = None  # index into _entries while walking, else None
        self._draft = ""

    @property
    def entries(self) -> list[str]:
        return list(self._entries)

    def push(self, line: str) -> None:
        """Record a sent line (consecutive duplicates and blank lines are not recorded)."""
        self._position = None
        self._draft = ""
        if not line.strip() or (self._entries and self._entries[-1] == line):
            return
        self._entries.append(line)
        if len(self._entries) > self._limit:
            del self._entries[0]

    def previous(self, current: str) -> str:
        """The line before the one shown (Up); ``current`` is kept as the draft."""
        if not self._entries:
            return current
        if self._position is None:
            self._draft = current
            self._position = len(self._entries) - 1
        elif self._position > 0:
            self._position -= 1
        return self._entries[self._position]

    def following(self) -> str:
        """The line after the one shown (Down); past the newest, the draft."""
        if self._position is None:
            return self._draft
        if self._position < len(self._entries) - 1:
            self._position += 1
            return self._entries[self._position]
        self._position = None
        return self._draft
