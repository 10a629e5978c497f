"""An answer's shared record: what the process running a turn writes so that any process can
replay it, resume it, cancel it and, when that process dies, finish it.

Pure: no asyncio, no I/O (:mod:`.redis_answers` moves the entries). The record of one answer
is a short list of entries, each a kind and a JSON payload, appended in order:

- ``start``: the turn (user, conversation, ``clientMessageId``, the user message's id,
  streaming or not) and the answer's start metadata and timestamp;
- ``tokens``: a batch of tokens (every token produced since the previous batch: the writer
  batches per flush, so a round trip carries many tokens), the first one's ``seq``;
- ``end``: how the answer ended (``complete`` or ``interrupted``), its closing metadata,
  suggestions, error, the stored message's id and ``seq``, and the whole final text;
- ``free``: the process running the turn stopped gracefully and left the turn (and what it had
  streamed) to whichever process takes it next.

:func:`pending_entries` gives what a stream has that its record lacks yet; :func:`apply_entry`
plays one entry onto a :class:`~.streams.Stream` that mirrors the answer (and returns the frames
its live followers get), and :func:`mirror_of` builds that mirror from a whole record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from ..protocol.copilot import ServerMessage
from ..seam import split_tokens
from .streams import Stream, StreamState

__all__ = [
    "END",
    "FREE",
    "START",
    "TOKENS",
    "Entry",
    "Progress",
    "apply_entry",
    "decode_entry",
    "free_entry",
    "is_free",
    "mirror_of",
    "pending_entries",
]

START = "start"
TOKENS = "tokens"
END = "end"
FREE = "free"


class _Start(msgspec.Struct, frozen=True):
    user: str
    conversation: str
    streaming: bool
    client_message_id: str | None = None
    user_message_id: str | None = None
    metadata: dict[str, Any] = {}
    timestamp: int | None = None


class _Tokens(msgspec.Struct, frozen=True):
    first: int
    texts: list[str]
    timestamps: list[int]


class _End(msgspec.Struct, frozen=True):
    state: str
    text: str
    metadata: dict[str, Any] = {}
    suggestions: list[str] = []
    timestamp: int | None = None
    message_id: str | None = None
    message_seq: int | None = None
    error: str = ""


class _Free(msgspec.Struct, frozen=True):
    tokens: int


Entry = tuple[str, Any]
"""One decoded entry: its kind and its payload (a ``_Start``, ``_Tokens``, ``_End``, ``_Free``)."""

_TYPES: dict[str, type[Any]] = {START: _Start, TOKENS: _Tokens, END: _End, FREE: _Free}
_encoder = msgspec.json.Encoder()


def decode_entry(kind: str, payload: bytes) -> Entry | None:
    """An entry read back; ``None`` when it is not one (unknown kind, malformed payload)."""
    struct = _TYPES.get(kind)
    if struct is None:
        return None
    try:
        return kind, msgspec.json.decode(payload, type=struct)
    except msgspec.DecodeError:
        return None


@dataclass(slots=True)
class Progress:
    """What of a stream its record holds already."""

    start: bool = False
    tokens: int = 0
    end: bool = False

    @classmethod
    def of(cls, stream: Stream) -> Progress:
        """Everything ``stream`` holds now (a process taking over a turn, whose record has it)."""
        return cls(start=stream.started, tokens=stream.token_count, end=not stream.running)


def pending_entries(stream: Stream, written: Progress) -> tuple[list[tuple[str, bytes]], Progress]:
    """The entries ``stream`` needs appended to its record, and the progress once they are."""
    entries: list[tuple[str, bytes]] = []
    after = Progress(written.start, written.tokens, written.end)
    if written.end:
        return entries, after
    if stream.started and not written.start:
        start = _Start(
            user=stream.user_id,
            conversation=stream.conversation_id,
            streaming=stream.streaming,
            client_message_id=stream.client_message_id,
            user_message_id=stream.user_message_id,
            metadata=stream.start_metadata,
            timestamp=stream.start_timestamp,
        )
        entries.append((START, _encoder.encode(start)))
        after.start = True
    if after.start and stream.token_count > written.tokens:
        batch = stream.tokens_from(written.tokens + 1)
        tokens = _Tokens(
            first=written.tokens + 1,
            texts=[text for text, _ in batch],
            timestamps=[timestamp for _, timestamp in batch],
        )
        entries.append((TOKENS, _encoder.encode(tokens)))
        after.tokens = stream.token_count
    if after.start and not stream.running:
        end = _End(
            state=stream.state.value,
            text=stream.text,
            metadata=stream.end_metadata,
            suggestions=stream.suggestions,
            timestamp=stream.end_timestamp,
            message_id=stream.message_id,
            message_seq=stream.message_seq,
            error=stream.error,
        )
        entries.append((END, _encoder.encode(end)))
        after.end = True
    return entries, after


def free_entry(stream: Stream) -> tuple[str, bytes]:
    """The ``free`` entry of a turn handed over (see the module docstring)."""
    return FREE, _encoder.encode(_Free(tokens=stream.token_count))


def apply_entry(stream: Stream, entry: Entry, *, now: float) -> list[ServerMessage]:
    """Play ``entry`` onto the mirror ``stream``: the frames its live followers get."""
    payload = entry[1]
    frames: list[ServerMessage] = []
    if not stream.running:
        return frames
    if isinstance(payload, _Start):
        if not stream.started:
            frames += stream.begin(payload.metadata, payload.timestamp or 0)
    elif isinstance(payload, _Tokens):
        if not stream.started:
            frames += stream.begin({}, payload.timestamps[0] if payload.timestamps else 0)
        for offset, (text, timestamp) in enumerate(
            zip(payload.texts, payload.timestamps, strict=False)
        ):
            # A batch read twice (a reload and the live read overlap) adds nothing twice.
            if payload.first + offset == stream.token_count + 1:
                frames += stream.add_token(text, timestamp)
    elif isinstance(payload, _End):
        if not stream.started:
            frames += stream.begin({}, payload.timestamp or 0)
        if stream.text != payload.text:
            # Tokens this mirror never saw (a batch lost): the record's text is the answer.
            stream.clear_tokens()
            for text in split_tokens(payload.text):
                stream.add_token(text, payload.timestamp or 0)
        stream.message_id, stream.message_seq = payload.message_id, payload.message_seq
        if payload.state == StreamState.COMPLETE.value:
            stream.complete({}, payload.suggestions, payload.timestamp or 0, now=now)
            stream.end_metadata = dict(payload.metadata)  # exactly the writer's
            frames += stream.end_frames()
        else:
            frames += stream.interrupt(payload.error, payload.timestamp or 0, now=now)
    return frames


def mirror_of(stream_id: str, entries: list[Entry], *, now: float) -> Stream | None:
    """The answer as its record tells it (``None`` before its ``start``)."""
    stream: Stream | None = None
    for kind, payload in entries:
        if stream is None:
            if not isinstance(payload, _Start):
                continue
            stream = Stream(
                stream_id=stream_id,
                user_id=payload.user,
                conversation_id=payload.conversation,
                streaming=payload.streaming,
                client_message_id=payload.client_message_id,
                user_message_id=payload.user_message_id,
            )
        apply_entry(stream, (kind, payload), now=now)
    return stream


def is_free(entry: Entry) -> bool:
    return entry[0] == FREE
