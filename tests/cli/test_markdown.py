"""One-shot ``chat`` renders the answer's Markdown on a terminal (plain when piped): the pure
block splitting, the printer, and the command on a real pseudo-terminal against a real server."""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from frontdoor_support import ThreadedServer, token_for
from omnitrack_realtime.cli.chat import run_turn
from omnitrack_realtime.cli.markdown import MarkdownPrinter, keep_line_breaks, split_blocks
from omnitrack_realtime.cli.options import ConnectionOptions

from .screen import final_screen

BOLD = "\x1b[1m"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_blocks_end_at_blank_lines_outside_code_fences() -> None:
    text = "**Build**\n- a\n- b\n\nSecond\n\n```\ncode\n\nmore\n```\n\nTail being wri"
    blocks, rest = split_blocks(text)
    assert blocks == ["**Build**\n- a\n- b", "Second", "```\ncode\n\nmore\n```"]
    assert rest == "Tail being wri"
    assert split_blocks("no newline yet") == ([], "no newline yet")
    assert split_blocks("one\n\n\n\ntwo\n") == (["one"], "two\n")


def test_line_breaks_are_kept_except_in_tables_and_code() -> None:
    assert keep_line_breaks("**1. Added**\nAdded **X**") == "**1. Added**  \nAdded **X**"
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    assert keep_line_breaks(table) == table
    code = "```\nx = 1\ny = 2\n```"
    assert keep_line_breaks(code) == code


def _printed(tokens: list[str]) -> str:
    out = io.StringIO()
    printer = MarkdownPrinter(out, force_terminal=True, color_system="standard", width=80)
    for token in tokens:
        printer.write(token)
    printer.close()
    return out.getvalue()


def test_the_printer_renders_bold_lists_and_keeps_lines() -> None:
    answer = "**1. Added a warehouse**\nAdded **Rotterdam Warehouse**.\n\n- one\n- two"
    shown = _printed([answer[i : i + 3] for i in range(0, len(answer), 3)])  # streamed
    assert f"{BOLD}1. Added a warehouse" in shown
    assert f"{BOLD}Rotterdam Warehouse" in shown
    lines = [line for line in final_screen(shown) if line]
    assert lines == ["1. Added a warehouse", "Added Rotterdam Warehouse.", " • one", " • two"]


def test_the_printer_shows_control_characters_never_runs_them() -> None:
    shown = _printed(["hi\x1b[2J there", "\n\x1b]0;pwned\x07"])
    assert "\x1b[2J" not in shown and "\x07" not in shown and "\x1b]" not in shown
    assert "\\x1b[2J" in ANSI.sub("", shown)


async def test_run_turn_on_a_terminal_renders_and_piped_stays_plain(tmp_path: Path) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def answer(ws: ServerConnection) -> None:
        async for _raw in ws:
            reply = {"type": "message", "content": "**Done** now.\n- a", "conversationId": "c"}
            await ws.send(json.dumps(reply))
            chips = {"type": "suggestions", "suggestions": ["Next"], "conversationId": "c"}
            await ws.send(json.dumps(chips))

    async with serve(answer, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/copilot"
        options = ConnectionOptions(copilot_url=url, events_url=url, user_id=None, token=None)
        piped, rendered = io.StringIO(), io.StringIO()
        assert await asyncio.wait_for(run_turn(options, "x", out=piped), 10) == 0
        assert await asyncio.wait_for(run_turn(options, "x", out=rendered, markdown=True), 10) == 0
    # Not a terminal: as the server sent it.
    assert piped.getvalue() == "**Done** now.\n- a\n\nSuggestions:\n  1. Next\n"
    assert "**" not in rendered.getvalue() and "Done" in rendered.getvalue()


def test_chat_on_a_real_terminal_prints_rendered_markdown(server: ThreadedServer) -> None:
    """``omnitrack chat MESSAGE`` with its output on a pseudo-terminal, as a user runs it."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    env |= {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "omnitrack_realtime.cli.main", "chat"]
    command += ["--url", server.copilot_url, "--token", token_for(), "what can you do"]
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed: the command is done
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        assert process.wait(timeout=30) == 0
    shown = b"".join(chunks).decode(errors="replace")
    assert f"{BOLD}Build" in shown  # "**Build**", rendered
    screen = final_screen(shown)
    assert not any("**" in line for line in screen)
    assert "Build" in screen
    assert " • Add a supplier in Shanghai with capacity 5,000" in screen
    assert "Suggestions:" in screen
