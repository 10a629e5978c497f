"""What a terminal shows after some output: a tiny emulator of the few control sequences the
commands use (rich's live display erases and redraws its lines), for tests that assert on what
the user sees rather than on every frame written."""

from __future__ import annotations

import re

_SEQUENCE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+|\x1b")


def final_screen(output: str) -> list[str]:
    """The lines left on screen (styles dropped, trailing spaces trimmed)."""
    lines: list[str] = [""]
    row = col = 0
    for match in _SEQUENCE.finditer(output):
        token = match[0]
        if token == "\n":
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            col = 0
        elif match[2] is not None:
            arg, command = match[1], match[2]
            count = int(arg) if arg.isdigit() else 1
            if command == "A":  # cursor up
                row = max(row - count, 0)
            elif command == "K":  # erase the line (2K: all of it; 0K/K: to its end)
                lines[row] = "" if arg == "2" else lines[row][:col]
            # m (style), h/l (cursor shown or hidden): nothing to draw
        elif not token.startswith("\x1b"):
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [line.rstrip() for line in lines]
