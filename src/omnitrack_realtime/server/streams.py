"""Answers being (or recently) generated, kept so they can be replayed, resumed and cancelled.

Pure: no asyncio, no I/O; the clock is injected. A :class:`Stream` records one turn's answer
(start metadata, every token with its ``seq``, the end) and the sinks that follow it live. The
hub's turn runner drives it (``begin`` / ``add_token`` / ``complete`` / ``interrupt``) and sends
the frames it returns; :meth:`Stream.attach` gives a late follower (a resend of the same
``clientMessageId``, a ``resume`` after a reconnect) what it missed and, while the answer is
still running, adds it to the live followers, in one synchronous step so that no token can fall
between the replay and the live feed.

Non-streamed turns (``streaming: false``) are streams too, so their replay works the same way;
their followers get no tokens, only ``message`` / ``suggestions`` / ``complete`` at the end.

Every frame that opens or closes an answer (``stream_start``, ``stream_complete``,
``stream_interrupted``, ``message``) names the ``clientMessageId`` it answers, when the message
had one, so a client ties answers to questions by id and never by arrival order.
"""

from __future__ import annotations

import enum
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..protocol import (
    AssistantMessage,
    Complete,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    Suggestions,
)
from ..protocol.copilot import ServerMessage

__all__ = [
    "FrameSink",
    "Stream",
    "StreamRegistry",
    "StreamState",
]


class FrameSink(Protocol):
    """Where a stream's encoded frames go (a connection's outbound buffer)."""

    def send(self, data: bytes) -> None: ...


class StreamState(enum.Enum):
    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"


@dataclass(slots=True, kw_only=True, eq=False, weakref_slot=True)
class Stream:
    """One turn's answer: what was produced so far and who is following it live."""

    stream_id: str
    user_id: str
    conversation_id: str
    streaming: bool
    client_message_id: str | None = None
    user_message_id: str | None = None
    state: StreamState = StreamState.RUNNING
    started: bool = False
    start_metadata: dict[str, Any] = field(default_factory=dict)
    start_timestamp: int | None = None
    # The tokens, compactly (an ended stream is kept minutes for replays): token ``seq`` (from
    # 1) ends at character ``_ends[seq - 1]`` of the text and was produced at ``_stamps[seq -
    # 1]`` (ms). The text is a list of parts while the stream runs, one string once it ended.
    _parts: list[str] | None = field(default_factory=list)
    _joined: str = ""
    _ends: array[int] = field(default_factory=lambda: array("Q"))
    _stamps: array[int] = field(default_factory=lambda: array("q"))
    end_metadata: dict[str, Any] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)
    end_timestamp: int | None = None
    #: The stored assistant message and its seq in the conversation, once stored.
    message_id: str | None = None
    message_seq: int | None = None
    error: str = ""
    #: Clock reading when the stream ended (for retention); ``None`` while running.
    ended_at: float | None = None
    followers: list[FrameSink] = field(default_factory=list)
    #: Followers that have seen tokens this copy has not yet (a ``resume`` on a process that
    #: mirrors an answer another one runs, its copy a batch behind the client): the last
    #: ``seq`` each has; they get no token again.
    ahead: dict[FrameSink, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self._joined if self._parts is None else "".join(self._parts)

    @property
    def token_count(self) -> int:
        return len(self._stamps)

    @property
    def running(self) -> bool:
        return self.state is StreamState.RUNNING

    # ------------------------------------------------------------------ driving (the runner)

    def begin(self, metadata: Mapping[str, Any], timestamp: int) -> list[ServerMessage]:
        """The engine opened its answer: the frames every live follower gets now."""
        self.started = True
        self.start_metadata = dict(metadata)
        self.start_timestamp = timestamp
        return [self.start_frame()] if self.streaming else []

    def add_token(self, text: str, timestamp: int) -> list[ServerMessage]:
        if self._parts is None:
            raise ValueError(f"stream {self.stream_id} has ended")
        self._parts.append(text)
        self._ends.append((self._ends[-1] if self._ends else 0) + len(text))
        self._stamps.append(timestamp)
        return [self.token_frame(len(self._stamps))] if self.streaming else []

    def complete(
        self,
        metadata: Mapping[str, Any],
        suggestions: Sequence[str],
        timestamp: int,
        *,
        now: float,
    ) -> list[ServerMessage]:
        """The answer is whole and stored: its closing frames; followers are released."""
        self.state = StreamState.COMPLETE
        self.end_metadata = {
            **self.start_metadata,
            **metadata,
            "tokenCount": self.token_count,
        }
        self.suggestions = list(suggestions)
        self.end_timestamp = timestamp
        self.ended_at = now
        self._compact()
        return self.end_frames()

    def interrupt(self, error: str, timestamp: int, *, now: float) -> list[ServerMessage]:
        """The answer stopped early (cancel, engine failure, shutdown): its closing frame."""
        self.state = StreamState.INTERRUPTED
        self.error = error
        self.end_timestamp = timestamp
        self.ended_at = now
        self._compact()
        return self.end_frames()

    def token_text(self, seq: int) -> str:
        """The text of token ``seq`` (1-based)."""
        if self._parts is not None:
            return self._parts[seq - 1]
        return self._joined[(self._ends[seq - 2] if seq > 1 else 0) : self._ends[seq - 1]]

    def tokens_from(self, first: int) -> list[tuple[str, int]]:
        """Text and timestamp of every token from ``first`` (1-based) on."""
        return [
            (self.token_text(seq), self._stamps[seq - 1])
            for seq in range(max(first, 1), self.token_count + 1)
        ]

    def clear_tokens(self) -> None:
        """Forget the tokens of a running stream (its text is about to be given again)."""
        self._parts, self._joined = [], ""
        del self._ends[:], self._stamps[:]

    def _compact(self) -> None:
        """One string for the text (a token's text is then a slice of it): an ended stream
        costs about its text and 16 bytes a token, not a few objects a token."""
        if self._parts is not None:
            self._joined, self._parts = "".join(self._parts), None

    # ------------------------------------------------------------------ following

    def attach(
        self, sink: FrameSink, *, after_seq: int = 0, with_start: bool = True
    ) -> list[ServerMessage]:
        """Frames that bring ``sink`` up to date; while running, ``sink`` then follows live."""
        frames: list[ServerMessage] = []
        if self.streaming:
            if self.started and with_start:
                frames.append(self.start_frame())
            first = max(after_seq, 0) + 1
            frames.extend(self.token_frame(seq) for seq in range(first, self.token_count + 1))
        if self.running:
            if sink not in self.followers:
                self.followers.append(sink)
            if after_seq > self.token_count and self.streaming:
                self.ahead[sink] = after_seq
        else:
            frames.extend(self.end_frames())
        return frames

    def detach(self, sink: FrameSink) -> None:
        if sink in self.followers:
            self.followers.remove(sink)
        self.ahead.pop(sink, None)

    def receivers(self, frame: ServerMessage) -> list[FrameSink]:
        """The followers ``frame`` goes to (a token, or the start, skips those that have it
        already)."""
        if self.ahead and isinstance(frame, StreamStart):
            return [sink for sink in self.followers if sink not in self.ahead]
        if not self.ahead or not isinstance(frame, StreamToken) or frame.seq is None:
            return self.followers
        seq = frame.seq
        for sink in [sink for sink, last in self.ahead.items() if last <= seq]:
            if self.ahead[sink] < seq:
                del self.ahead[sink]
        return [sink for sink in self.followers if self.ahead.get(sink, 0) < seq]

    # ------------------------------------------------------------------ frames

    def start_frame(self) -> StreamStart:
        return StreamStart(
            conversation_id=self.conversation_id,
            timestamp=self.start_timestamp,
            metadata=self.start_metadata,
            stream_id=self.stream_id,
            client_message_id=self.client_message_id,
        )

    def token_frame(self, seq: int) -> StreamToken:
        """The frame of token ``seq`` (1-based)."""
        return StreamToken(
            token=self.token_text(seq),
            conversation_id=self.conversation_id,
            timestamp=self._stamps[seq - 1],
            stream_id=self.stream_id,
            seq=seq,
        )

    def end_frames(self) -> list[ServerMessage]:
        """The closing frames of an ended stream (empty while it runs)."""
        if self.state is StreamState.RUNNING:
            return []
        conversation_id, timestamp = self.conversation_id, self.end_timestamp
        if self.state is StreamState.INTERRUPTED:
            return [
                StreamInterrupted(
                    conversation_id=conversation_id,
                    timestamp=timestamp,
                    error=self.error,
                    partial_response=self.text,
                    stream_id=self.stream_id,
                    seq=self.token_count,
                    client_message_id=self.client_message_id,
                    message_seq=self.message_seq,
                )
            ]
        frames: list[ServerMessage] = []
        # The suggestions ride along in the closing metadata too (an extension seed clients
        # ignore), so a client has them the moment the answer is complete, not one frame later.
        metadata = (
            {**self.end_metadata, "suggestions": self.suggestions}
            if self.suggestions
            else self.end_metadata
        )
        if self.streaming:
            frames.append(
                StreamComplete(
                    conversation_id=conversation_id,
                    timestamp=timestamp,
                    metadata=metadata,
                    stream_id=self.stream_id,
                    client_message_id=self.client_message_id,
                    message_id=self.message_id,
                    message_seq=self.message_seq,
                )
            )
        else:
            frames.append(
                AssistantMessage(
                    content=self.text,
                    conversation_id=conversation_id,
                    timestamp=timestamp,
                    metadata=metadata,
                    message_id=self.message_id,
                    client_message_id=self.client_message_id,
                    message_seq=self.message_seq,
                )
            )
        if self.suggestions:
            frames.append(
                Suggestions(
                    suggestions=self.suggestions,
                    conversation_id=conversation_id,
                    timestamp=timestamp,
                )
            )
        if not self.streaming:
            frames.append(Complete(conversation_id=conversation_id, timestamp=timestamp))
        return frames


class StreamRegistry:
    """Streams by id; an ended stream is kept ``retention`` seconds, and at most ``max_ended``
    ended streams are kept (beyond that the oldest go first, whatever their age). A running
    stream is never forgotten. Forgetting only costs a rebuild from the store on a replay.
    """

    def __init__(
        self,
        *,
        retention: float = 300.0,
        max_ended: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.retention = retention
        self.max_ended = max_ended
        self.clock = clock
        self._streams: dict[str, Stream] = {}  # in the order added: the oldest first
        self._last_purge = clock()
        self._purge_at_size = max_ended

    def __len__(self) -> int:
        return len(self._streams)

    def add(self, stream: Stream) -> Stream:
        # Amortized: a purge walks every stream, so it runs once a second, or once the
        # registry has grown by a tenth of the count bound since the last one.
        if self.clock() - self._last_purge >= 1.0 or len(self._streams) >= self._purge_at_size:
            self.purge()
        self._streams[stream.stream_id] = stream
        return stream

    def get(self, stream_id: str) -> Stream | None:
        stream = self._streams.get(stream_id)
        if stream is not None and self._expired(stream):
            del self._streams[stream_id]
            return None
        return stream

    def running(self) -> list[Stream]:
        return [stream for stream in self._streams.values() if stream.running]

    def running_in(self, user_id: str, conversation_id: str) -> list[Stream]:
        return [
            stream
            for stream in self._streams.values()
            if stream.running
            and stream.user_id == user_id
            and stream.conversation_id == conversation_id
        ]

    def purge(self) -> int:
        """Forget the streams that ended more than ``retention`` seconds ago, and the oldest
        ended ones beyond ``max_ended``; how many."""
        self._last_purge = self.clock()
        ended = [key for key, stream in self._streams.items() if stream.ended_at is not None]
        expired = [key for key in ended if self._expired(self._streams[key])]
        for key in expired:
            del self._streams[key]
        kept = len(ended) - len(expired)
        excess = [key for key in ended if key in self._streams][: max(kept - self.max_ended, 0)]
        for key in excess:
            del self._streams[key]
        self._purge_at_size = len(self._streams) + max(self.max_ended // 10, 1)
        return len(expired) + len(excess)

    def _expired(self, stream: Stream) -> bool:
        return stream.ended_at is not None and self.clock() - stream.ended_at > self.retention
