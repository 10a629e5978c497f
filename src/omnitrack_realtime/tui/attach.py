"""Attachments in the chat UI: the ``/attach PATH [message]`` and ``/voice PATH`` commands
(pure parsing) and the upload progress bar widget."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from textual.widgets import Static

from ..client.uploads import UploadProgress

__all__ = ["USAGE", "AttachCommand", "UploadBar", "parse_attach_command"]

USAGE = "/attach PATH [message]  attaches a file (CSV/JSON to import) · /voice PATH sends audio"


@dataclass(frozen=True, slots=True)
class AttachCommand:
    """A file to send: ``voice`` for ``/voice`` (the transcript is the message)."""

    path: Path
    text: str
    voice: bool


def parse_attach_command(text: str) -> AttachCommand | str | None:
    """``/attach PATH [message]`` or ``/voice PATH``: the command; a usage sentence when the
    command is malformed; None when ``text`` is not one of them (an ordinary message)."""
    word, _, rest = text.strip().partition(" ")
    if word not in ("/attach", "/voice"):
        return None
    try:
        parts = shlex.split(rest)
    except ValueError:
        return f"could not read the path (unbalanced quotes?); {USAGE}"
    if not parts:
        return USAGE
    path = Path(parts[0]).expanduser()
    if not path.is_file():
        return f"no such file: {parts[0]}"
    if word == "/voice" and len(parts) > 1:
        return "/voice takes only the audio file: what it says becomes the message"
    return AttachCommand(path, " ".join(parts[1:]), word == "/voice")


class UploadBar(Static):
    """One line: the upload in progress (hidden when none)."""

    WIDTH = 30

    def show_progress(self, progress: UploadProgress) -> None:
        filled = round(progress.fraction * self.WIDTH)
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        self.update(f"uploading {progress.name} {bar} {progress.fraction:.0%}")
        self.display = True

    def done(self) -> None:
        self.display = False
        self.update("")
