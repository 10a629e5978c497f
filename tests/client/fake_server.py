"""A scripted WebSocket server for client tests: a real ``websockets`` server on 127.0.0.1:0.

It speaks just enough of both channels (``/copilot`` and ``/ws``) to exercise the clients, and
it records everything (handshakes with their query and Authorization header, frames received,
connections) so tests can assert on it. Hooks script the failures: reject the next handshakes
with a status, close a connection with a code after K frames, drop mid-stream after token k,
behave as a seed server (no ids, no seq, no resume), or send arbitrary frames.

Nothing here sleeps: tests wait on :meth:`FakeServer.wait_for` (a predicate re-checked on every
recorded change, with a timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

Frame = dict[str, Any]


@dataclass
class Handshake:
    """One opening handshake the server saw."""

    path: str
    query: dict[str, str]
    authorization: str | None
    status: int  # 101 when accepted


@dataclass
class Plan:
    """What to do with one upcoming accepted connection."""

    close_code: int | None = None  # close with this code ...
    close_reason: str = ""
    close_after_frames: int = 0  # ... after receiving this many frames (0: right away)
    send_on_open: list[Frame] = field(default_factory=list)
    go_silent: bool = False  # stop reading (no pongs) until ``FakeServer.unsilence`` is set


@dataclass
class Answer:
    """A copilot answer the server is producing or has produced (kept for replays/resume)."""

    stream_id: str
    conversation_id: str
    message_id: str
    tokens: list[str]
    sent: int = 0  # tokens sent so far (seq of the last one)
    complete: bool = False


class FakeServer:
    """Scripted server; use as ``async with FakeServer() as server:``."""

    def __init__(
        self,
        *,
        seed: bool = False,
        answer: Callable[[str], list[str]] | None = None,
        streaming_answers: bool = True,
        auto_answer: bool = True,
    ) -> None:
        self.seed = seed  # seed-only: no clientMessageId echo, no streamId/seq, no resume
        self.answer = answer or (lambda text: ["Echo", ": ", text])
        self.streaming_answers = streaming_answers
        self.auto_answer = auto_answer
        # Records
        self.handshakes: list[Handshake] = []
        self.received: list[Frame] = []
        self.opened = 0
        self.processed_messages: list[str] = []  # clientMessageIds processed (not replays)
        self.message_texts: list[str] = []  # texts processed, in order
        self.conversations: list[str] = []
        # Scripts
        self.reject_statuses: deque[tuple[int, dict[str, str]]] = deque()
        self.plans: deque[Plan] = deque()
        self.always: Plan | None = None  # applied to every connection when plans are empty
        self.drop_after_tokens: int | None = None  # one-shot: close 1012 after token k
        self.forget_streams = False  # answer every resume with stream_not_found
        self.drop_before_ack = 0  # this many times: process a message, then close 1012 unacked
        self.on_frame: Callable[[ServerConnection, Frame], Awaitable[bool]] | None = None
        self.handshake_gate = asyncio.Event()  # cleared: handshakes wait (counted in attempts)
        self.handshake_gate.set()
        self.attempts = 0
        self.hold_answers = asyncio.Event()  # cleared: answers wait before streaming
        self.unsilence = asyncio.Event()  # ends the silence of go_silent connections
        self.hold_answers.set()
        self.hold_acks = asyncio.Event()  # cleared: messages wait before their acknowledgment
        self.hold_acks.set()
        # State
        self.connections: list[ServerConnection] = []
        self._answers: dict[str, Answer] = {}  # clientMessageId -> answer
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._server: Server | None = None
        # /ws
        self.events: list[Frame] = []  # the event log (with seq)
        self._channels: dict[ServerConnection, set[str]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeServer:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self.hold_answers.set()  # let held handlers finish
        self.hold_acks.set()
        self.unsilence.set()
        self.handshake_gate.set()
        self._server.close()
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    @property
    def copilot_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/copilot"

    @property
    def events_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    # ------------------------------------------------------------------ waiting

    def _touch(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds; re-checked on every recorded change."""

        async def loop() -> None:
            while not predicate():
                await self._changed.wait()

        await asyncio.wait_for(loop(), within)

    def frames(self, action: str) -> list[Frame]:
        return [frame for frame in self.received if frame.get("action") == action]

    # ------------------------------------------------------------------ scripting

    def reject_next(self, *statuses: int, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        for status in statuses:
            self.reject_statuses.append((status, headers))

    async def send_all(self, frame: Frame) -> None:
        for ws in list(self.connections):
            await ws.send(json.dumps(frame))

    async def close_all(self, code: int = 1012, reason: str = "") -> None:
        for ws in list(self.connections):
            await ws.close(code, reason)

    async def publish(self, type_: str, data: Any = None) -> Frame:
        """Append an event to the log (with the next seq) and send it to subscribed sockets."""
        event = {
            "type": type_,
            "data": data,
            "timestamp": "2026-01-01T00:00:00.000Z",
            "seq": len(self.events) + 1,
        }
        self.events.append(event)
        for ws, channels in list(self._channels.items()):
            if type_ in channels:
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(json.dumps(event))
        return event

    # ------------------------------------------------------------------ handshake

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        self.attempts += 1
        self._touch()
        await self.handshake_gate.wait()
        parts = urlsplit(request.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        authorization = request.headers.get("Authorization")
        if self.reject_statuses:
            status, headers = self.reject_statuses.popleft()
            self.handshakes.append(Handshake(parts.path, query, authorization, status))
            self._touch()
            response = connection.respond(status, f"rejected with {status}\n")
            for key, value in headers.items():
                response.headers[key] = value
            return response
        self.handshakes.append(Handshake(parts.path, query, authorization, 101))
        return None

    # ------------------------------------------------------------------ connections

    async def _handle(self, ws: ServerConnection) -> None:
        self.opened += 1
        self.connections.append(ws)
        path = urlsplit(ws.request.path if ws.request else "/").path
        if path == "/ws":
            self._channels[ws] = {"digital_twin_update", "alert_notification"}
        plan = self.plans.popleft() if self.plans else self.always
        self._touch()
        try:
            if plan is not None:
                if plan.go_silent:  # a dead peer: the socket stays up, nothing is answered
                    ws.transport.pause_reading()
                    await self.unsilence.wait()
                    ws.transport.resume_reading()
                for frame in plan.send_on_open:
                    await ws.send(json.dumps(frame))
                if plan.close_code is not None and plan.close_after_frames == 0:
                    await ws.close(plan.close_code, plan.close_reason)
                    return
            count = 0
            async for raw in ws:
                frame = json.loads(raw)
                self.received.append(frame)
                count += 1
                self._touch()
                if self.on_frame is not None and await self.on_frame(ws, frame):
                    pass
                elif path == "/ws":
                    await self._handle_event_action(ws, frame)
                else:
                    await self._handle_copilot_action(ws, frame)
                if (
                    plan is not None
                    and plan.close_code is not None
                    and count >= plan.close_after_frames
                ):
                    await ws.close(plan.close_code, plan.close_reason)
                    return
        except ConnectionClosed:
            pass
        finally:
            self.connections.remove(ws)
            self._channels.pop(ws, None)
            self._touch()

    # ------------------------------------------------------------------ /copilot

    async def _handle_copilot_action(self, ws: ServerConnection, frame: Frame) -> None:
        action = frame.get("action")
        if action == "message":
            await self._on_message(ws, frame)
        elif action == "resume" and not self.seed:
            await self._on_resume(ws, frame)
        elif action == "ping":
            await ws.send(json.dumps({"type": "pong", "timestamp": 1}))

    async def _on_message(self, ws: ServerConnection, frame: Frame) -> None:
        cmid = frame.get("clientMessageId")
        replay = cmid is not None and cmid in self._answers and not self.seed
        if replay:
            answer = self._answers[cmid]
        else:
            conversation_id = frame.get("conversationId") or f"conv-{next(self._ids)}"
            if conversation_id not in self.conversations:
                self.conversations.append(conversation_id)
            text = str(frame.get("message", ""))
            answer = Answer(
                stream_id=f"stream-{next(self._ids)}",
                conversation_id=conversation_id,
                message_id=f"msg-{next(self._ids)}",
                tokens=self.answer(text),
            )
            if cmid is not None:
                self._answers[cmid] = answer
                self.processed_messages.append(cmid)
            self.message_texts.append(text)
            self._touch()
        if self.drop_before_ack > 0:
            self.drop_before_ack -= 1
            await ws.close(1012, "restarting")
            return
        await self.hold_acks.wait()
        ack: Frame = {"type": "acknowledgment", "message": "Message received. Processing..."}
        ack["timestamp"] = 1_700_000_000_000
        if not self.seed:
            ack.update(
                conversationId=answer.conversation_id,
                clientMessageId=cmid,
                messageId=answer.message_id,
            )
        await ws.send(json.dumps(ack))
        if not self.auto_answer:
            return
        await self.hold_answers.wait()
        await ws.send(json.dumps({"type": "typing", "timestamp": 1}))
        if self.streaming_answers:
            await self._stream(ws, answer, after_seq=0)
        else:
            await ws.send(
                json.dumps(
                    {
                        "type": "message",
                        "content": "".join(answer.tokens),
                        "conversationId": answer.conversation_id,
                        "timestamp": 1,
                        "metadata": {"intent": "echo", "confidence": 1.0, "actionSuccess": True},
                    }
                )
            )
            await ws.send(
                json.dumps(
                    {"type": "complete", "conversationId": answer.conversation_id, "timestamp": 1}
                )
            )

    def _stream_fields(self, answer: Answer) -> Frame:
        fields: Frame = {"conversationId": answer.conversation_id, "timestamp": 1}
        if not self.seed:
            fields["streamId"] = answer.stream_id
        return fields

    async def _stream(self, ws: ServerConnection, answer: Answer, *, after_seq: int) -> None:
        base = self._stream_fields(answer)
        if after_seq == 0:
            start = {"type": "stream_start", **base, "metadata": {"intent": "echo"}}
            await ws.send(json.dumps(start))
        for seq in range(after_seq + 1, len(answer.tokens) + 1):
            token: Frame = {"type": "stream_token", "token": answer.tokens[seq - 1], **base}
            if not self.seed:
                token["seq"] = seq
            await ws.send(json.dumps(token))
            answer.sent = max(answer.sent, seq)
            if self.drop_after_tokens is not None and seq == self.drop_after_tokens:
                self.drop_after_tokens = None
                await ws.close(1012, "restarting")
                return
        answer.complete = True
        complete = {
            "type": "stream_complete",
            **base,
            "metadata": {"tokenCount": len(answer.tokens), "actionSuccess": True},
        }
        await ws.send(json.dumps(complete))
        suggestions = {"type": "suggestions", "suggestions": ["More"], **base}
        suggestions.pop("streamId", None)
        await ws.send(json.dumps(suggestions))

    async def _on_resume(self, ws: ServerConnection, frame: Frame) -> None:
        stream_id = frame.get("streamId")
        answer = next((a for a in self._answers.values() if a.stream_id == stream_id), None)
        if answer is None or self.forget_streams:
            error = {
                "type": "error",
                "error": "Stream not found",
                "code": "stream_not_found",
                "conversationId": frame.get("conversationId"),
                "streamId": stream_id,
                "timestamp": 1,
            }
            await ws.send(json.dumps(error))
            return
        await self._stream(ws, answer, after_seq=int(frame.get("afterSeq", 0)))

    # ------------------------------------------------------------------ /ws

    async def _handle_event_action(self, ws: ServerConnection, frame: Frame) -> None:
        action = frame.get("action")
        channels = set(frame.get("channels") or [])
        if action == "subscribe":
            self._channels.setdefault(ws, set()).update(channels)
            reply = {"type": "subscribed", "data": {"channels": sorted(channels)}}
            await ws.send(json.dumps(reply))
            after = frame.get("afterSeq")
            if after is not None:
                for event in self.events:
                    if event["seq"] > after and event["type"] in channels:
                        await ws.send(json.dumps(event))
        elif action == "unsubscribe":
            self._channels.setdefault(ws, set()).difference_update(channels)
            reply = {"type": "unsubscribed", "data": {"channels": sorted(channels)}}
            await ws.send(json.dumps(reply))
        elif action == "ping":
            await ws.send(json.dumps({"type": "pong", "data": None}))
