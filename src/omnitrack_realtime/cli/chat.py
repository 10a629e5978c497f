"""``omnitrack chat [MESSAGE]``: talk to the copilot.

Without a message: the full-screen chat UI (needs the ``tui`` extra). With a message: one turn,
the answer printed as it streams, then the suggestions; ``--json`` prints every server frame of
the turn as one JSON line instead.

Both keep the conversation in the user's history store (:func:`default_store_path`) and resume
the last one (``--new``: a fresh one; ``--no-store``: nothing kept, every run a new
conversation). ``--json`` shows the wire as it is and keeps nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msgspec

from ..client.uploads import UploadProgress
from ..errors import OmniTrackError, StoreError
from ..protocol import (
    Acknowledgment,
    AssistantMessage,
    Complete,
    ErrorMessage,
    MessageAction,
    StreamComplete,
    StreamInterrupted,
    Suggestions,
    decode_server_message,
    encode,
)
from .markdown import MarkdownPrinter, rich_available
from .options import (
    ConnectionOptions,
    add_connection_options,
    announce_token,
    connect_or_explain,
    connection_options,
    explain_failure,
    quiet_logs,
)
from .render import terminal_safe

__all__ = [
    "SUGGESTION_GRACE",
    "HistoryChoice",
    "default_store_path",
    "dropped_sentence",
    "register",
    "run_json_turn",
    "run_turn",
]

#: Seconds to wait after an answer for its suggestions (they follow ``stream_complete``).
SUGGESTION_GRACE = 1.0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "chat",
        help="chat with the copilot (full-screen, or one turn with MESSAGE)",
        description="Without MESSAGE, open the full-screen chat UI. With MESSAGE, send it, "
        "print the answer as it streams, then the suggestions.",
    )
    parser.add_argument("message", nargs="?", metavar="MESSAGE", help="send one message")
    parser.add_argument(
        "--json", action="store_true", help="print every server frame as one JSON line"
    )
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach FILE to the message (repeatable): data to import (CSV, JSON), or audio"
        " (wav, ogg, webm, mp3) for a voice message, whose transcript becomes the message",
    )
    parser.add_argument(
        "--save-to",
        metavar="DIR",
        help="save the files the answer hands back (an export) in DIR",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="give up on an answer after S seconds (default 120)",
    )
    history = parser.add_argument_group("history")
    history.add_argument(
        "--new", action="store_true", help="start a new conversation (default: resume the last)"
    )
    history.add_argument(
        "--conversation",
        metavar="ID",
        help="open that conversation (one of yours, e.g. started on another device)",
    )
    history.add_argument(
        "--store",
        metavar="FILE",
        type=Path,
        help="keep the history in FILE (default: $XDG_DATA_HOME/omnitrack/history.db, "
        "else ~/.local/share/omnitrack/history.db)",
    )
    history.add_argument(
        "--no-store", action="store_true", help="keep no history (every run a new conversation)"
    )
    add_connection_options(parser)
    parser.set_defaults(handler=_handle)


def default_store_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``omnitrack chat`` keeps its history: the XDG data directory's ``omnitrack``."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "omnitrack" / "history.db"


@dataclass(frozen=True, slots=True)
class HistoryChoice:
    """Where the chat keeps its history (``store=None``: nowhere) and which conversation it
    opens: ``conversation_id``, else a new one (``new``), else the last."""

    store: Path | None = None
    new: bool = False
    conversation_id: str | None = None

    def client_options(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "new_conversation": self.new,
            "conversation_id": self.conversation_id,
        }


def _history_choice(args: argparse.Namespace) -> HistoryChoice:
    store = None if args.no_store else (args.store or default_store_path())
    return HistoryChoice(store=store, new=args.new, conversation_id=args.conversation)


def _handle(args: argparse.Namespace) -> int:
    if args.attach and args.message is None:
        args.message = ""  # a voice message, or a file with nothing to say
    if args.message is not None and not args.message.strip() and not args.attach:
        print(
            "omnitrack: the message is empty; say what to ask, e.g. "
            'omnitrack chat "Show the network summary" (or omnitrack chat alone for the '
            "chat UI)",
            file=sys.stderr,
        )
        return 2
    if args.new and args.conversation:
        print("omnitrack: --new and --conversation ID are two different choices", file=sys.stderr)
        return 2
    options = connection_options(args)
    history = _history_choice(args)
    quiet_logs(args, silent=args.message is None)
    if args.message is None:
        if args.json:
            print("omnitrack: --json needs a MESSAGE (one turn)", file=sys.stderr)
            return 2
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print(
                "omnitrack: the chat UI needs a terminal; pass a MESSAGE for one turn",
                file=sys.stderr,
            )
            return 2
        announce_token(options)
        return run_tui(options, history)
    announce_token(options)
    if args.json and (args.attach or args.save_to):
        print("omnitrack: --attach and --save-to print the answer, not --json", file=sys.stderr)
        return 2
    missing = [name for name in args.attach if not Path(name).is_file()]
    if missing:
        print(f"omnitrack: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        if args.json:
            return asyncio.run(run_json_turn(options, args.message, answer_timeout=args.timeout))
        return asyncio.run(
            run_turn(
                options,
                args.message,
                answer_timeout=args.timeout,
                attachments=[Path(name) for name in args.attach],
                save_to=Path(args.save_to) if args.save_to else None,
                history=history,
            )
        )
    except KeyboardInterrupt:
        return 130


def run_tui(options: ConnectionOptions, history: HistoryChoice | None = None) -> int:
    """Open the chat UI against ``options``' server; returns the exit code."""
    try:
        from ..tui.app import ChatApp
    except ModuleNotFoundError as exc:
        print(
            f"omnitrack: the chat UI needs {exc.name}; install 'omnitrack-realtime[tui]'",
            file=sys.stderr,
        )
        return 2
    from .. import CopilotClient, EventClient

    history = history or HistoryChoice()
    copilot = CopilotClient(
        url=options.copilot_urls, **options.client_options(), **history.client_options()
    )
    events = EventClient(url=options.events_urls, **options.client_options())
    app = ChatApp(copilot, events, explain=lambda error, url: explain_failure(error, url, options))
    app.run()
    if app.dropped:
        print(f"omnitrack: {dropped_sentence(app.dropped)}", file=sys.stderr)
    return app.return_code or 0


def dropped_sentence(count: int) -> str:
    """What quitting the chat UI with ``count`` unsent messages cost, in words."""
    noun = "message was" if count == 1 else "messages were"
    return f"{count} {noun} not sent: quit while the server was not reachable"


async def run_turn(
    options: ConnectionOptions,
    text: str,
    *,
    answer_timeout: float = 120.0,
    out: TextIO | None = None,
    err: TextIO | None = None,
    markdown: bool | None = None,
    attachments: Sequence[Path] = (),
    save_to: Path | None = None,
    history: HistoryChoice | None = None,
    **client_options: Any,
) -> int:
    """One turn: the answer as it streams, then the numbered suggestions. ``markdown``: render
    the answer's Markdown (default: when ``out`` is a terminal and ``rich`` is installed;
    plain text otherwise, e.g. when piped). ``attachments`` are uploaded first, with a
    progress bar on ``err``; files the answer hands back are listed, and saved in ``save_to``
    when given. ``history``: where the conversation is kept and which one the turn continues
    (default: none kept, a new one)."""
    from .. import CopilotClient

    out = out or sys.stdout
    err = err or sys.stderr
    if markdown is None:
        markdown = _is_terminal(out) and rich_available()
    url = options.copilot_url
    history = history or HistoryChoice()
    client = CopilotClient(
        url=options.copilot_urls,
        **(options.client_options() | history.client_options() | client_options),
    )
    printer = MarkdownPrinter(out) if markdown else None
    try:
        try:
            await client.restore()
        except StoreError as exc:
            print(f"omnitrack: {exc} (or pass --no-store)", file=err)
            return 1
        if not await connect_or_explain(client.connection, url, err, options):
            return 1
        progress = ProgressBar(err)
        try:
            async with asyncio.timeout(answer_timeout):
                async for token in client.stream(
                    text, attachments=attachments, on_progress=progress.update
                ):
                    if printer is not None:
                        printer.write(token)
                    else:
                        out.write(terminal_safe(token))  # server text: shown, never executed
                        out.flush()
        except TimeoutError:
            _end(printer)
            print(f"\nomnitrack: no complete answer within {answer_timeout:g} s", file=err)
            return 1
        except OmniTrackError as exc:
            _end(printer)
            print(f"\nomnitrack: {terminal_safe(str(exc))}", file=err)
            return 1
        if printer is not None:
            printer.close()
        else:
            out.write("\n")
        answer = client.messages[-1] if client.messages else None
        if answer is not None and answer.role == "assistant" and not answer.content:
            out.write("(empty answer)\n")
        if answer is not None and answer.role == "assistant":
            await _hand_over(client, answer.metadata.get("attachments") or [], out, save_to)
        if client.error:
            print(f"omnitrack: {terminal_safe(client.error, one_line=True)}", file=err)
            return 1
        suggestions = await _wait_suggestions(client, SUGGESTION_GRACE)
        if suggestions:
            out.write("\nSuggestions:\n")
            for index, suggestion in enumerate(suggestions, start=1):
                out.write(f"  {index}. {terminal_safe(suggestion, one_line=True)}\n")
        out.flush()
        return 0
    finally:
        _end(printer)
        await client.close()


class ProgressBar:
    """An upload's progress on one terminal line (``on_progress``); a new line when done."""

    WIDTH = 24

    def __init__(self, err: TextIO) -> None:
        self._err = err

    def update(self, progress: UploadProgress) -> None:
        filled = round(progress.fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        name = terminal_safe(progress.name, one_line=True)
        end = "\n" if progress.sent >= progress.total else ""
        self._err.write(
            f"\rupload {name} [{bar}] {progress.fraction:4.0%} ({progress.sent:,} bytes){end}"
        )
        self._err.flush()


async def _hand_over(
    client: Any, attachments: Sequence[Any], out: TextIO, save_to: Path | None
) -> None:
    """List the files an answer hands back; download them into ``save_to`` when given."""
    for attachment in attachments:
        if not isinstance(attachment, dict) or "attachmentId" not in attachment:
            continue
        # The server names the file: only its last part is used, so it lands in save_to.
        name = Path(str(attachment.get("name") or "attachment")).name or "attachment"
        size = attachment.get("size", 0)
        line = f"\nAttachment: {terminal_safe(name, one_line=True)} ({size:,} bytes)"
        if save_to is not None:
            data = await client.download_attachment(attachment)
            target = save_to / name
            await asyncio.to_thread(_save, target, data)
            line += f", saved to {terminal_safe(str(target), one_line=True)}"
        out.write(line + "\n")


def _save(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty()) if callable(isatty) else False


def _end(printer: MarkdownPrinter | None) -> None:
    """Show what arrived of an answer that did not end well, then stop the live display."""
    if printer is not None:
        printer.close()


async def _wait_suggestions(client: Any, grace: float) -> list[str]:
    """The suggestions of the last answer, waiting up to ``grace`` seconds for them."""
    arrived = asyncio.Event()
    unsubscribe = client.on_change(lambda *_: arrived.set() if client.suggestions else None)
    try:
        if not client.suggestions:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), grace)
        return list(client.suggestions)
    finally:
        unsubscribe()


class _JsonTurn:
    """Prints every frame of one turn as a JSON line and knows when the turn is over."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.connection: Any = None
        self.answered = asyncio.Event()  # an answer (or error) arrived; suggestions may follow
        self.finished = asyncio.Event()  # nothing more belongs to this turn
        self.failed = False

    # ConnectionHandler hooks -------------------------------------------------------------
    def on_state(self, transition: Any) -> None:
        if transition.new.value in ("failed", "closed") and not self.finished.is_set():
            self.failed = transition.new.value == "failed"
            self.answered.set()
            self.finished.set()

    def process_open(self) -> list[bytes]:
        return []

    def on_frame(self, data: bytes) -> None:
        try:
            line = msgspec.json.encode(msgspec.json.decode(data)).decode()
        except msgspec.DecodeError:
            line = msgspec.json.encode({"invalidFrame": data.decode(errors="replace")}).decode()
        self.out.write(line + "\n")
        self.out.flush()
        try:
            message = decode_server_message(data)
        except OmniTrackError:
            return
        if isinstance(message, Acknowledgment) and self.connection is not None:
            self.connection.outbox.acknowledged(message.client_message_id)
            self.connection.flush()
        elif isinstance(message, StreamComplete | AssistantMessage):
            self.answered.set()
        elif isinstance(message, Suggestions | Complete | StreamInterrupted):
            self.answered.set()
            self.finished.set()
        elif isinstance(message, ErrorMessage):
            self.failed = True
            self.answered.set()
            self.finished.set()

    def on_lost(self) -> None:
        return None

    def conversation_known(self) -> bool:
        return True


async def run_json_turn(
    options: ConnectionOptions,
    text: str,
    *,
    answer_timeout: float = 120.0,
    out: TextIO | None = None,
    err: TextIO | None = None,
    **client_options: Any,
) -> int:
    """One turn, every server frame printed as one JSON line (for scripts and debugging)."""
    from ..client.connection import Connection

    out = out or sys.stdout
    err = err or sys.stderr
    url = options.copilot_url
    turn = _JsonTurn(out)
    connection = Connection(
        options.copilot_urls, handler=turn, **(options.client_options() | client_options)
    )
    turn.connection = connection
    try:
        if not await connect_or_explain(connection, url, err, options):
            return 1
        client_message_id = str(uuid.uuid4())
        action = MessageAction(message=text, client_message_id=client_message_id)
        connection.send(encode(action), client_message_id=client_message_id)
        try:
            async with asyncio.timeout(answer_timeout):
                await turn.answered.wait()
        except TimeoutError:
            print(f"omnitrack: no complete answer within {answer_timeout:g} s", file=err)
            return 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(turn.finished.wait(), SUGGESTION_GRACE)
        if turn.failed and connection.error is not None:
            print(f"omnitrack: {explain_failure(connection.error, url, options)}", file=err)
        return 1 if turn.failed else 0
    finally:
        await connection.disconnect()
