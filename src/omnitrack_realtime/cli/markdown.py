"""A streamed Markdown answer, rendered for a terminal (``omnitrack chat MESSAGE`` on a tty).

The copilot answers in Markdown (``**bold**``, lists, tables); printed raw, a terminal shows
the asterisks. :class:`MarkdownPrinter` renders it with ``rich`` as it streams: each finished
block (the text up to a blank line, outside a code fence) is printed for good, and the block
still streaming is shown live below, re-rendered as tokens arrive, so the live part never
grows past one paragraph, list or table.

Line breaks inside a block are kept (the copilot puts one fact per line, which Markdown would
join into one paragraph). :func:`split_blocks` and :func:`keep_line_breaks` are pure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .render import terminal_safe

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

__all__ = ["MarkdownPrinter", "keep_line_breaks", "rich_available", "split_blocks"]

#: Seconds between two re-renders of the block being streamed (a fast stream is thousands of
#: tokens a second; a terminal needs a few frames a second).
REFRESH_INTERVAL = 0.05


def rich_available() -> bool:
    """Whether ``rich`` (the ``tui`` extra) is installed."""
    try:
        import rich  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith(("```", "~~~"))


def split_blocks(text: str) -> tuple[list[str], str]:
    """``text`` cut into the blocks that are finished (each ended by a blank line outside a
    code fence) and the rest, still streaming."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    lines = text.split("\n")
    for line in lines[:-1]:  # the last piece has no newline yet: it is still being written
        if _is_fence(line):
            fenced = not fenced
        if not fenced and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    rest = "\n".join([*current, lines[-1]])
    return blocks, rest


def keep_line_breaks(block: str) -> str:
    """The block with each line break kept as a Markdown hard break, except in code fences
    and tables (where a line is already a line)."""
    lines = block.split("\n")
    fenced = False
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_fence(line):
            fenced = not fenced
        elif (
            not fenced
            and index < len(lines) - 1
            and not line.lstrip().startswith("|")
            and not _is_fence(lines[index + 1])
        ):
            line = line.rstrip() + "  "
        kept.append(line)
    return "\n".join(kept)


class _Streaming:
    """The live display's content: the block being streamed, rendered from the text as it is
    when the display refreshes (not when a token arrived: refreshes are throttled)."""

    def __init__(self, printer: MarkdownPrinter) -> None:
        self._printer = printer

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._printer._markdown(self._printer._rest)


class MarkdownPrinter:
    """Prints a streamed Markdown answer to the terminal ``out``, rendered (needs ``rich``).

    ``write(token)`` as tokens arrive, ``close()`` at the end. Text from the server is made
    terminal-safe first (control characters shown, not executed) and links are shown with
    their address rather than as terminal hyperlinks.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        **console_options: Any,
    ) -> None:
        """``console_options`` go to ``rich.console.Console`` (``width``, ``color_system``,
        ``force_terminal``: tests pin them; by default rich reads the terminal)."""
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=out, highlight=False, **console_options)
        self._live = Live(
            console=self._console,
            auto_refresh=False,
            transient=True,  # the live block is printed for good once finished
            vertical_overflow="visible",
        )
        self._clock = clock
        self._text = ""
        self._rest = ""  # the block being streamed
        self._blocks_printed = 0
        self._refreshed_at = float("-inf")
        self._started = False
        self._closed = False

    def _markdown(self, block: str) -> RenderableType:
        from rich.markdown import Markdown

        return Markdown(keep_line_breaks(block), hyperlinks=False)

    def write(self, token: str) -> None:
        if not self._started:
            self._live.update(_Streaming(self))
            self._live.start()
            self._started = True
        self._text += terminal_safe(token)
        blocks, self._rest = split_blocks(self._text)
        for block in blocks[self._blocks_printed :]:
            self._print_block(block)
        now = self._clock()
        if now - self._refreshed_at >= REFRESH_INTERVAL:
            self._refreshed_at = now
            self._live.refresh()

    def _print_block(self, block: str) -> None:
        if self._blocks_printed:
            self._console.print()
        self._console.print(self._markdown(block))
        self._blocks_printed += 1

    def close(self) -> None:
        """Print what is left and stop the live display (idempotent)."""
        if self._closed:
            return
        self._closed = True
        blocks, rest = split_blocks(self._text + "\n")
        if self._started:
            self._rest = ""
            self._live.stop()
        for block in blocks[self._blocks_printed :]:
            self._print_block(block)
        if rest.strip():
            self._print_block(rest)
