"""A scripted OpenAI-compatible chat-completions server for the model planner's tests.

Each request gets the next :class:`Reply` of the script (HTTP 500 when the script is used up)
and is recorded (:attr:`FakeLLM.received`). A reply streams Server-Sent Events in HTTP/1.1
chunks, or sends a plain body with a status; it can hang before its headers or after some
events until :attr:`FakeLLM.release` is set (the tests' timeouts fire meanwhile; no sleeps).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeLLM", "Received", "Reply", "chunk", "completion", "text", "tool_calls"]


@dataclass
class Reply:
    """One scripted answer: SSE ``events`` (each a ``data:`` payload), or ``body`` as is."""

    events: list[str] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None
    content_type: str = "text/event-stream"
    hang_before_headers: bool = False
    hang_after: int | None = None  # events sent before hanging
    split: bool = False  # cut every event in two HTTP chunks, mid-line


@dataclass
class Received:
    """One request the server got: its path, headers (lower-case names) and JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body["messages"]
        return messages


class FakeLLM:
    """The server, on 127.0.0.1 and a free port, in a thread; use it as a context manager."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.received: list[Received] = []
        self.release = threading.Event()  # lets hanging replies go on
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            headers = {name.lower(): value for name, value in self.headers.items()}
            fake.received.append(Received(self.path, headers, body))
            reply = fake.script.popleft() if fake.script else Reply(status=500, body=b"{}")
            with contextlib.suppress(OSError):  # the client gave up (timeout): nothing to say
                self._answer(reply)

        def _answer(self, reply: Reply) -> None:
            if reply.hang_before_headers:
                fake.release.wait(10)
            if reply.body is not None:
                self.send_response(reply.status)
                ctype = "application/json" if reply.status != 200 else reply.content_type
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for number, event in enumerate(reply.events):
                if number == reply.hang_after:
                    self.wfile.flush()
                    fake.release.wait(10)
                data = f"data: {event}\n\n".encode()
                pieces = [data[:7], data[7:]] if reply.split else [data]
                for piece in pieces:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


# ---------------------------------------------------------------------------- script helpers


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    """One streamed chunk's JSON."""
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def text(*deltas: str, **options: Any) -> Reply:
    """A streamed text answer, one chunk per delta, then ``[DONE]``."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": delta}) for delta in deltas]
    events += [chunk({}, "stop"), "[DONE]"]
    return Reply(events, **options)


def tool_calls(*calls: tuple[str, str, str], pieces: int = 3, preamble: str = "") -> Reply:
    """Streamed tool calls ``(id, name, arguments)``: the first chunk of each has its id and
    name, its arguments follow in ``pieces`` fragments; calls are interleaved by index."""
    events = [chunk({"role": "assistant", "content": preamble or None})]
    for index, (call_id, name, _) in enumerate(calls):
        events.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
    size = max(len(arguments) for _, _, arguments in calls) // pieces + 1
    for start in range(0, size * pieces, size):
        for index, (_, _, arguments) in enumerate(calls):
            fragment = arguments[start : start + size]
            if fragment:
                events.append(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
                )
    events += [chunk({}, "tool_calls"), "[DONE]"]
    return Reply(events)


def completion(message: dict[str, Any]) -> Reply:
    """A whole non-streamed completion (servers that ignore ``stream``)."""
    body = {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
    return Reply(body=json.dumps(body).encode(), content_type="application/json")
