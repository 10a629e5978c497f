"""A scripted OpenAI-compatible ``/audio/transcriptions`` server for the voice tests.

Each request gets the next scripted transcript (HTTP 500 when the script is used up) and is
recorded: its path, headers and the multipart form's fields and file (so a test checks that the
audio arrived byte for byte). Runs in a thread on 127.0.0.1; a context manager.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeSTT", "Transcription", "wav_bytes"]


@dataclass
class Transcription:
    """One request: path, headers (lower-case names), form fields, the file's name, type and
    bytes."""

    path: str
    headers: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    content_type: str = ""
    audio: bytes = b""


class FakeSTT:
    def __init__(self) -> None:
        self.script: deque[tuple[int, str]] = deque()
        self.received: list[Transcription] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def add(self, text: str, status: int = 200) -> None:
        self.script.append((status, text))

    def __enter__(self) -> FakeSTT:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler(fake: FakeSTT) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            record = Transcription(self.path, {k.lower(): v for k, v in self.headers.items()})
            head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if part.get_filename():
                    record.filename = part.get_filename() or ""
                    record.content_type = part.get_content_type()
                    record.audio = payload
                else:
                    record.fields[str(name)] = payload.decode()
            fake.received.append(record)
            status, text = fake.script.popleft() if fake.script else (500, "")
            reply = json.dumps({"text": text} if status == 200 else {"error": "no"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def wav_bytes(seconds: float = 0.25, rate: int = 8000) -> bytes:
    """A real WAV file: a 440 Hz tone, 16-bit mono, made with the standard library."""
    import io
    import math
    import struct
    import wave

    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()
