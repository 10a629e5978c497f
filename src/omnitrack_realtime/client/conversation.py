"""The state of a copilot conversation, as a pure reducer (no asyncio, no I/O).

``reduce(state, server_message) -> state`` is :meth:`Conversation.apply`: it folds one decoded
``/copilot`` frame into the state *in place* (so appending a streamed token is O(1) amortised
rather than a copy of the whole answer) and returns the :data:`ConversationEvent` values that
happened, which the asyncio layer hands to ``ask()`` / ``stream()`` waiters.

The rules (issue 2, "Copilot conversation state", and protocol.md):

- ``typing`` sets :attr:`Conversation.is_typing`; ``message``, ``stream_start``,
  ``stream_complete``, ``stream_interrupted``, ``error``, ``complete`` and a lost connection
  clear it.
- ``message`` appends an assistant message with its metadata. ``stream_start`` appends an empty
  streaming assistant message with the start metadata. ``stream_token`` appends to its stream
  (by ``streamId`` when present, else the open stream); a token with no open stream opens one.
  Tokens carrying a ``seq`` are applied in ``seq`` order exactly once: duplicates are dropped,
  early ones are held until the gap before them fills. ``stream_complete`` closes the stream
  and merges its metadata. Frames for a stream already finished never create a second message.
- ``stream_interrupted`` keeps the longer of the local text and ``partialResponse``, adds the
  seed's `` [interrupted]`` marker, ends the stream and sets :attr:`Conversation.error`.
- ``error`` interrupts the answer it is about if that is streaming (its ``clientMessageId``;
  else, from a seed server, whose acknowledgments name nothing, the open stream), sets
  :attr:`Conversation.error` and appends the seed's apology, except for errors about control
  actions (:data:`CONTROL_ERROR_CODES`: a refused ``resume``, ``cancel`` or ``auth``), which
  answer no chat message. A refused ``resume`` ends the streams that were waiting for it with
  the interrupted marker.
- ``suggestions`` replaces :attr:`Conversation.suggestions`; ``conversation_id`` is taken from
  ``acknowledgment``, ``message``, ``stream_start`` and ``suggestions``.
- Frames of unknown types are ignored and counted in :attr:`Conversation.ignored`.

Reply matching: each assistant answer records ``reply_to``, the ``clientMessageId`` of the user
message it answers. Our server names it on every frame that opens or closes an answer
(``stream_start``, ``message``, ``stream_complete``, ``stream_interrupted``, ``error``): such an
answer goes to that message, whatever order answers arrive in, and from the first one on the
server is known to name them, so an answer without an id is never given to a question by
arrival order. A seed server names none: user messages awaiting an answer are then matched
first in, first out (the seed answers one connection's turns in order). An error about a
control action matches no message; a replayed answer (same ``streamId`` or ``messageId``)
belongs to the original. An ``acknowledgment`` with ``queued`` (the number of earlier turns
the server runs first) is noted in the user message's ``metadata["queued"]`` until its answer
starts.

Reconciliation by cursor (protocol.md, "reconciliation"): our server numbers each
conversation's stored messages (``messageSeq`` on acknowledgments and on the frames that close
an answer, ``seq`` in ``sync`` and ``history`` entries). :attr:`Conversation.cursor` is the
highest number held with none missing below it. After a reconnect :meth:`sync_action` asks for
everything after it; the ``sync`` reply's stored answers are folded in like the frames they
replace (an answer held already is never doubled; one that ended ``interrupted`` here and was
stored whole is made whole), and once the last page is in, every message acknowledged before
the request that still has no answer and is not among the server's ``pending`` turns is listed
in a :class:`Reconciled` event for the asyncio layer to send again, with its id.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import uuid4

from ..protocol import (
    Acknowledgment,
    AssistantMessage,
    Complete,
    ErrorMessage,
    ReadReceipt,
    ResumeAction,
    ServerMessage,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    Suggestions,
    Sync,
    SyncAction,
    Timestamp,
    Typing,
    UnknownMessage,
    UserTyping,
    parse_timestamp,
)
from ..protocol.copilot import HistoryEntry

__all__ = [
    "CONTROL_ERROR_CODES",
    "ERROR_REPLY",
    "INTERRUPTED_MARKER",
    "OTHER_DEVICE",
    "TYPING_ELSEWHERE_FOR",
    "ChatMessage",
    "Conversation",
    "ConversationEvent",
    "MarkedRead",
    "Reconciled",
    "ReplyFinished",
    "TokenAppended",
]

#: The seed's marker on an answer that stopped before its end.
INTERRUPTED_MARKER = " [interrupted]"
#: The seed's assistant message for a server ``error``.
ERROR_REPLY = "Sorry, I encountered an error processing your request."

#: Metadata key of a user message that came from another device (by ``sync``), whose answer
#: this client never waits for.
OTHER_DEVICE = "otherDevice"

#: How long a ``user_typing`` from another device shows (it is repeated while they type).
TYPING_ELSEWHERE_FOR = timedelta(seconds=5)

#: ``error`` codes (protocol extension) about a control action, not a chat message.
RESUME_REFUSED = "stream_not_found"
CONTROL_ERROR_CODES = frozenset({RESUME_REFUSED, "no_active_stream", "auth_failed"})

Role = Literal["user", "assistant"]

# The one place a message's parts are joined (a seam tests use to count joins).
_join: Callable[[Iterable[str]], str] = "".join


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True, eq=False, init=False, repr=False)
class ChatMessage:
    """One message of the conversation, as the UI shows it.

    ``status`` of a user message: ``"queued"`` (offline), ``"sent"`` (written),
    ``"delivered"`` (acknowledged) or ``"failed"``; of an assistant message: ``"streaming"``,
    ``"complete"``, ``"interrupted"`` or ``"error"``. ``client_message_id`` is set on user
    messages, ``reply_to`` (the ``client_message_id`` it answers, when known) and ``stream_id``
    on assistant ones. ``read``: the user read it on another device (a ``read_receipt``).
    Messages compare by identity.
    """

    id: str
    role: Role
    timestamp: datetime
    is_streaming: bool
    metadata: dict[str, Any]
    status: str
    client_message_id: str | None
    reply_to: str | None
    stream_id: str | None
    conversation_id: str | None
    #: Read on another of the user's devices (a ``read_receipt`` for it or a later message).
    read: bool = False
    # The text, as parts appended in O(1) and joined lazily; `_text` caches the join.
    _parts: list[str] = field(default_factory=list)
    _text: str | None = None
    # Streams with seq: the next seq to apply, and tokens that arrived before their turn.
    _next_seq: int = 1
    _early: dict[int, str] = field(default_factory=dict)
    _uses_seq: bool | None = None  # None until the first token says

    def __init__(
        self,
        id: str,
        role: Role,
        timestamp: datetime,
        content: str = "",
        *,
        is_streaming: bool = False,
        metadata: dict[str, Any] | None = None,
        status: str = "sent",
        client_message_id: str | None = None,
        reply_to: str | None = None,
        stream_id: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        self.id = id
        self.role = role
        self.timestamp = timestamp
        self.is_streaming = is_streaming
        self.metadata = {} if metadata is None else metadata
        self.status = status
        self.client_message_id = client_message_id
        self.reply_to = reply_to
        self.stream_id = stream_id
        self.conversation_id = conversation_id
        self.read = False
        self._parts = [content] if content else []
        self._text = content
        self._next_seq = 1
        self._early = {}
        self._uses_seq = None

    @property
    def content(self) -> str:
        """The text so far (joined once per read after appends, not once per append)."""
        if self._text is None:
            self._text = _join(self._parts)
            self._parts = [self._text] if self._text else []
        return self._text

    @content.setter
    def content(self, text: str) -> None:
        self._parts = [text] if text else []
        self._text = text

    def _append(self, token: str) -> None:
        if token:
            self._parts.append(token)
            self._text = None

    def to_dict(self) -> dict[str, Any]:
        """The message as the seed's ``ChatMessage`` (camelCase keys, ISO timestamp), e.g. for
        JSON output; ``dataclasses.asdict`` would show internals instead of ``content``."""
        return {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "timestamp": self.timestamp.isoformat(),
            "isStreaming": self.is_streaming,
            "metadata": dict(self.metadata),
            "status": self.status,
        }

    @property
    def applied_seq(self) -> int:
        """The highest ``seq`` applied with none missing before it (a resume's ``afterSeq``)."""
        return self._next_seq - 1

    def __repr__(self) -> str:
        return (
            f"ChatMessage(id={self.id!r}, role={self.role!r}, status={self.status!r}, "
            f"is_streaming={self.is_streaming!r}, content={self.content!r})"
        )


@dataclass(frozen=True, slots=True)
class TokenAppended:
    """A token was added to a streaming assistant message."""

    message_id: str
    token: str
    reply_to: str | None


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """An answer ended: a whole ``message``, ``stream_complete``, ``stream_interrupted`` (or a
    lost connection that cannot be resumed), or an ``error``. ``message.status`` says which."""

    message: ChatMessage
    reply_to: str | None


@dataclass(frozen=True, slots=True)
class Reconciled:
    """A ``sync`` reply was folded in. ``resend``: clientMessageIds acknowledged earlier that
    the server has no answer for and is not generating (send them again, same id);
    ``again_after``: seconds after which to ask again (more to come, or the server's replay
    budget said wait), ``None`` when reconciliation is done."""

    resend: tuple[str, ...]
    again_after: float | None


@dataclass(frozen=True, slots=True)
class MarkedRead:
    """A ``read_receipt`` from another device marked these messages read (oldest first)."""

    messages: tuple[ChatMessage, ...]


ConversationEvent = TokenAppended | ReplyFinished | Reconciled | MarkedRead

#: Metadata keys of a stored answer that are the server's bookkeeping, not the answer's.
_STORED_ONLY = frozenset({"streamId", "streaming", "replyTo", "interrupted", "error"})


class Conversation:
    """The state of one copilot conversation, updated by :meth:`apply` (the reducer).

    Public state (read it; the asyncio layer may also reset ``error``): ``messages``,
    ``is_typing``, ``error``, ``conversation_id``, ``suggestions``, ``ignored``.
    ``new_id`` makes message ids and ``clock`` timestamps for messages whose frame has none;
    inject both for deterministic tests.
    """

    def __init__(
        self,
        *,
        new_id: Callable[[], str] = lambda: uuid4().hex,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._new_id = new_id
        self._clock = clock
        self.messages: list[ChatMessage] = []
        self.is_typing = False
        self.error: str | None = None
        self.conversation_id: str | None = None
        self.suggestions: list[str] = []
        self.ignored = 0
        # User messages by clientMessageId, and those still awaiting an answer, oldest first.
        self._users: dict[str, ChatMessage] = {}
        self._awaiting: deque[str] = deque()
        # Whether the server names the message each answer is for (then never first in, first
        # out): set by the first answer frame that carries a clientMessageId. A server whose
        # acknowledgments name messages names the errors about them too.
        self._answers_named = False
        self._acks_named = False
        # Open streams: by streamId, and the most recently opened one (for frames without id).
        self._open: dict[str, ChatMessage] = {}
        self._streaming: dict[int, ChatMessage] = {}  # id(message) -> message, every open one
        self._current: ChatMessage | None = None
        # Streams kept open across a lost connection, until a frame of theirs arrives again.
        self._resuming: dict[int, ChatMessage] = {}
        # Finished streams and stored answers, so replays never create a second message.
        self._finished_streams: set[str] = set()
        self._answers: dict[str, ChatMessage] = {}  # server messageId -> assistant message
        self._by_stream: dict[str, ChatMessage] = {}  # streamId -> assistant message
        # Reconciliation: stored seqs held above the cursor; server user messageId ->
        # clientMessageId; the order in which acknowledgments arrived, per message, and the
        # count of acknowledgments at each sync still unanswered (oldest first).
        self.cursor = 0
        self._held: set[int] = set()
        self._numbered = False
        self._server_ids: dict[str, str] = {}
        self._server_id_of: dict[str, str] = {}  # clientMessageId -> server messageId
        self._answer_ids: dict[int, str] = {}  # id(answer) -> its server messageId
        self._acks = 0
        self._acked_at: dict[str, int] = {}
        self._sync_marks: deque[int] = deque()
        #: Until when another of the user's devices is typing in this conversation.
        self.typing_elsewhere_until: datetime | None = None
        # A read receipt naming a message not held yet (the newest such).
        self._read_later: str | None = None

    # ------------------------------------------------------------------ user side

    def add_user_message(self, text: str, *, client_message_id: str, queued: bool) -> ChatMessage:
        """Append the user's message at once (status ``"queued"`` or ``"sent"``), clear the
        suggestions, and expect an answer to it."""
        message = ChatMessage(
            self._new_id(),
            "user",
            self._clock(),
            text,
            status="queued" if queued else "sent",
            client_message_id=client_message_id,
            conversation_id=self.conversation_id,
        )
        self.messages.append(message)
        self._users[client_message_id] = message
        self._awaiting.append(client_message_id)
        self.suggestions = []
        return message

    def mark_sent(self, client_message_id: str) -> None:
        """The message was written to the connection (a queued one no longer waits)."""
        message = self._users.get(client_message_id)
        if message is not None and message.status == "queued":
            message.status = "sent"

    def mark_queued(self, client_message_id: str) -> None:
        """The message waits to be written again (the server's rate limit refused it); its
        answer is still expected."""
        message = self._users.get(client_message_id)
        if message is not None and message.status == "sent":
            message.status = "queued"

    def mark_delivered(self, client_message_id: str) -> None:
        """The server acknowledged the message."""
        message = self._users.get(client_message_id)
        if message is not None and message.status in ("queued", "sent"):
            message.status = "delivered"

    def mark_failed(self, client_message_id: str, error: str) -> None:
        """The message cannot be delivered (refused by the server, or dropped on close); no
        answer is expected for it any more."""
        message = self._users.get(client_message_id)
        if message is not None:
            message.status = "failed"
            message.metadata["error"] = error
        self._stop_awaiting(client_message_id)

    # ------------------------------------------------------------------ the reducer

    def apply(self, message: ServerMessage | UnknownMessage) -> list[ConversationEvent]:
        """Fold one server frame into the state and return what happened.

        This is the reducer ``reduce(state, message) -> state``; it mutates the state in place
        (see the module docstring for why) and never raises for any decoded frame.
        """
        if isinstance(message, StreamToken):  # by far the most frequent: test it first
            return self._on_token(message)
        if isinstance(message, Typing):
            self.is_typing = True
            return []
        if isinstance(message, StreamStart):
            return self._on_stream_start(message)
        if isinstance(message, StreamComplete):
            return self._on_stream_complete(message)
        if isinstance(message, StreamInterrupted):
            return self._on_stream_interrupted(message)
        if isinstance(message, AssistantMessage):
            return self._on_message(message)
        if isinstance(message, Acknowledgment):
            self._take_conversation(message.conversation_id)
            self._on_acknowledgment(message)
            return []
        if isinstance(message, ErrorMessage):
            return self._on_error(message)
        if isinstance(message, Suggestions):
            self._take_conversation(message.conversation_id)
            self.suggestions = list(message.suggestions)
            return []
        if isinstance(message, Complete):
            self.is_typing = False
            return []
        if isinstance(message, Sync):
            return self._on_sync(message)
        if isinstance(message, UserTyping):
            if self._is_this_conversation(message.conversation_id):
                self.typing_elsewhere_until = self._clock() + TYPING_ELSEWHERE_FOR
            return []
        if isinstance(message, ReadReceipt):
            return self._on_read_receipt(message)
        if isinstance(message, UnknownMessage):
            self.ignored += 1
            return []
        # Known frames that do not change the conversation (pong, auth_ok, request_queued,
        # history): the asyncio layer handles what it needs.
        return []

    # ------------------------------------------------------------------ connection events

    def connection_lost(self, *, resumable: bool) -> list[ConversationEvent]:
        """The connection dropped: typing stops. Open streams the server can resume (it
        supports resume, and the stream has a ``streamId`` and uses ``seq``) stay open for
        :meth:`resume_actions`; the others are interrupted. Returns their ``ReplyFinished``."""
        self.is_typing = False
        self._sync_marks.clear()  # their replies will never come
        events: list[ConversationEvent] = []
        for stream in self._open_streams():
            if resumable and self._is_resumable(stream):
                self._resuming[id(stream)] = stream
            else:
                events.append(self._interrupt(stream, "Connection lost", None))
        return events

    def resume_actions(self) -> list[ResumeAction]:
        """A ``resume`` action for every open stream that can continue after a reconnect,
        asking for the tokens after the last one applied without a gap."""
        actions = []
        for stream in self._open_streams():
            conversation_id = stream.conversation_id or self.conversation_id
            if stream.stream_id is None or conversation_id is None or stream._uses_seq is False:
                continue
            actions.append(
                ResumeAction(
                    conversation_id=conversation_id,
                    stream_id=stream.stream_id,
                    after_seq=stream.applied_seq,
                )
            )
        return actions

    @property
    def reconciles(self) -> bool:
        """Whether the server numbers stored messages (then :meth:`sync_action` is useful)."""
        return self._numbered

    def sync_action(self) -> SyncAction | None:
        """The ``sync`` to send after a reconnect (or when a reply asked for more): everything
        after :attr:`cursor`. ``None`` before a conversation, or with a server that does not
        number messages (a seed server, which would not understand it)."""
        if self.conversation_id is None or not self._numbered:
            return None
        self._sync_marks.append(self._acks)
        return SyncAction(conversation_id=self.conversation_id, after_seq=self.cursor)

    def interrupt_open_streams(self, reason: str) -> list[ConversationEvent]:
        """End every open stream with the interrupted marker (resume impossible or refused)."""
        self.is_typing = False
        return [self._interrupt(stream, reason, None) for stream in self._open_streams()]

    def user_message(self, client_message_id: str) -> ChatMessage | None:
        """The user's message with that clientMessageId, if it is one of this conversation."""
        return self._users.get(client_message_id)

    @property
    def open_streams(self) -> list[ChatMessage]:
        """Assistant messages still streaming, oldest first."""
        return self._open_streams()

    @property
    def awaiting_reply(self) -> list[str]:
        """clientMessageIds of user messages still waiting for an answer, oldest first."""
        return list(self._awaiting)

    # ------------------------------------------------------------------ handlers

    def _on_token(self, frame: StreamToken) -> list[ConversationEvent]:
        stream = self._stream_for(frame.stream_id)
        if stream is None:
            if frame.stream_id is not None and frame.stream_id in self._finished_streams:
                return []  # a replay of an answer we already have
            # A token with no open stream opens one rather than being lost.
            stream = self._open_stream(
                stream_id=frame.stream_id,
                conversation_id=frame.conversation_id,
                timestamp=frame.timestamp,
                metadata={},
                message_id=None,
                reply_to=self._reply_to(None),
            )
        if self._resuming:
            self._resuming.pop(id(stream), None)
        if frame.conversation_id is not None and stream.conversation_id is None:
            stream.conversation_id = frame.conversation_id
        seq = frame.seq
        if seq is None:
            if stream._uses_seq is None:
                stream._uses_seq = False
            stream._append(frame.token)
            return [TokenAppended(stream.id, frame.token, stream.reply_to)]
        stream._uses_seq = True
        expected = stream._next_seq
        if seq < expected:
            return []  # already applied: a replay
        if seq > expected:
            stream._early.setdefault(seq, frame.token)  # hold it until the gap fills
            return []
        stream._append(frame.token)
        events: list[ConversationEvent] = [TokenAppended(stream.id, frame.token, stream.reply_to)]
        expected += 1
        early = stream._early
        while early and expected in early:
            token = early.pop(expected)
            stream._append(token)
            events.append(TokenAppended(stream.id, token, stream.reply_to))
            expected += 1
        stream._next_seq = expected
        return events

    def _on_stream_start(self, frame: StreamStart) -> list[ConversationEvent]:
        self.is_typing = False
        self._take_conversation(frame.conversation_id)
        if frame.stream_id is not None:
            if frame.stream_id in self._finished_streams:
                return []  # a replayed answer we already have
            existing = self._open.get(frame.stream_id)
            if existing is not None:  # a replay of a stream still open: same message
                self._resuming.pop(id(existing), None)
                self._merge_metadata(existing, frame.metadata)
                return []
        if frame.message_id is not None and frame.message_id in self._answers:
            return []
        self._open_stream(
            stream_id=frame.stream_id,
            conversation_id=frame.conversation_id,
            timestamp=frame.timestamp,
            metadata=dict(frame.metadata),
            message_id=frame.message_id,
            reply_to=self._reply_to(frame.client_message_id),
        )
        return []

    def _on_stream_complete(self, frame: StreamComplete) -> list[ConversationEvent]:
        self.is_typing = False
        stream = self._stream_for(frame.stream_id, frame.client_message_id)
        if stream is None:
            if frame.stream_id is not None:
                self._finished_streams.add(frame.stream_id)
            self.ignored += 1  # nothing open to complete (a replay, or a stray frame)
            return []
        self._hold(frame.message_seq)
        if frame.message_id is not None:
            self._name_answer(frame.message_id, stream)
        # Tokens still held for a gap that never filled: better shown late than lost.
        for seq in sorted(stream._early):
            stream._append(stream._early[seq])
        stream._early.clear()
        self._merge_metadata(stream, frame.metadata)
        self._take_suggestions(frame.metadata)
        return [self._finish(stream, "complete")]

    def _take_suggestions(self, metadata: dict[str, Any]) -> None:
        """Suggestions our server also puts in the closing metadata (an extension): taken at
        once, so they are there when ``ask()`` returns; the ``suggestions`` frame that follows
        carries the same list."""
        suggestions = metadata.get("suggestions")
        if isinstance(suggestions, list) and all(isinstance(s, str) for s in suggestions):
            self.suggestions = list(suggestions)

    def _on_stream_interrupted(self, frame: StreamInterrupted) -> list[ConversationEvent]:
        self.is_typing = False
        self._hold(frame.message_seq)
        stream = self._stream_for(frame.stream_id, frame.client_message_id)
        if stream is None:
            if frame.stream_id is not None and frame.stream_id in self._finished_streams:
                return []
            # An answer that never opened still ends the wait of the message it names.
            if not frame.partial_response and frame.client_message_id not in self._awaiting:
                if frame.error:
                    self.error = frame.error
                self.ignored += 1
                return []
            stream = self._open_stream(
                stream_id=frame.stream_id,
                conversation_id=frame.conversation_id,
                timestamp=frame.timestamp,
                metadata={},
                message_id=None,
                reply_to=self._reply_to(frame.client_message_id),
            )
        return [self._interrupt(stream, frame.error or "Response interrupted", frame)]

    def _on_message(self, frame: AssistantMessage) -> list[ConversationEvent]:
        self.is_typing = False
        self._take_conversation(frame.conversation_id)
        self._hold(frame.message_seq)
        if frame.message_id is not None and frame.message_id in self._answers:
            return []  # a replayed answer we already have
        message = ChatMessage(
            frame.message_id or self._new_id(),
            "assistant",
            self._timestamp(frame.timestamp),
            frame.content,
            metadata=dict(frame.metadata),
            status="complete",
            reply_to=self._reply_to(frame.client_message_id),
            conversation_id=frame.conversation_id or self.conversation_id,
        )
        self._store_answer(message, frame.message_id)
        self._take_suggestions(frame.metadata)
        return [ReplyFinished(message, message.reply_to)]

    def _on_acknowledgment(self, frame: Acknowledgment) -> None:
        client_message_id = frame.client_message_id
        self._hold(frame.message_seq)
        if client_message_id is not None:
            self._acks_named = True
            self._acks += 1
            self._acked_at[client_message_id] = self._acks
            if frame.message_id is not None:
                self._name_user_message(frame.message_id, client_message_id)
            self.mark_delivered(client_message_id)
            message = self._users.get(client_message_id)
            if (
                message is not None
                and isinstance(frame.queued, int)
                and frame.queued > 0
                and client_message_id in self._awaiting
            ):
                message.metadata["queued"] = frame.queued
            return
        # A seed server acknowledges every message in order, without ids.
        for message in self.messages:
            if message.role == "user" and message.status == "sent":
                message.status = "delivered"
                return

    def _on_error(self, frame: ErrorMessage) -> list[ConversationEvent]:
        self.is_typing = False
        self.error = frame.error or "The server reported an error"
        if frame.code in CONTROL_ERROR_CODES and frame.client_message_id is None:
            if frame.code != RESUME_REFUSED:
                return []
            return [
                self._interrupt(stream, self.error, None)
                for stream in self._refused_resumes(frame.stream_id, frame.conversation_id)
            ]
        # An error ends the answer it is about while it streams (the seed: "interrupted
        # (connection lost, error, etc.)"): by clientMessageId, else (a seed server) the open
        # stream. A server that names messages in acknowledgments or answers names the errors
        # about them: an unnamed error is about no answer.
        cut: list[ChatMessage]
        if frame.client_message_id is not None:
            reply_to: str | None = frame.client_message_id
            cut = [s for s in self._open_streams() if s.reply_to == reply_to]
            self.mark_failed(frame.client_message_id, self.error)
        elif self._answers_named or self._acks_named:
            cut, reply_to = [], None
        elif self._current is not None:
            cut = [self._current]
            reply_to = self._current.reply_to
        else:
            cut = []
            reply_to = self._reply_to(None)
        events: list[ConversationEvent] = [self._interrupt(s, self.error, None) for s in cut]
        metadata: dict[str, Any] = {"error": self.error}
        if frame.code is not None:
            metadata["code"] = frame.code
        if frame.retry_after is not None:
            metadata["retryAfter"] = frame.retry_after
        message = ChatMessage(
            self._new_id(),
            "assistant",
            self._timestamp(frame.timestamp),
            ERROR_REPLY,
            metadata=metadata,
            status="error",
            reply_to=reply_to,
            conversation_id=frame.conversation_id or self.conversation_id,
        )
        self.messages.append(message)
        events.append(ReplyFinished(message, reply_to))
        return events

    def _on_sync(self, frame: Sync) -> list[ConversationEvent]:
        self._take_conversation(frame.conversation_id)
        self._numbered = True
        mark = self._sync_marks.popleft() if self._sync_marks else None
        events: list[ConversationEvent] = []
        for entry in frame.messages:
            events.extend(self._fold_entry(entry))
            self._hold(entry.seq)
        if self._read_later is not None and self.knows(self._read_later):
            events.extend(self._mark_read(self._read_later))
        if frame.retry_after is not None or frame.more:
            events.append(Reconciled((), frame.retry_after or 0.0))
            return events
        resend: list[str] = []
        if mark is not None:
            pending = set(frame.pending)
            for cmid in self._awaiting:
                question = self._users.get(cmid)
                if (
                    question is not None
                    and question.status == "delivered"
                    and self._acked_at.get(cmid, mark + 1) <= mark
                    and cmid not in pending
                ):
                    resend.append(cmid)
        events.append(Reconciled(tuple(resend), None))
        return events

    def _fold_entry(self, entry: HistoryEntry) -> list[ConversationEvent]:
        """One stored message of a ``sync`` reply, folded in unless it is held already."""
        metadata = entry.metadata
        if entry.role == "user":
            cmid = metadata.get("clientMessageId")
            if isinstance(cmid, str):
                self._name_user_message(entry.message_id, cmid)
                if cmid in self._users:
                    self.mark_delivered(cmid)  # stored: as good as acknowledged
                    return []
            # Sent from another device (or before this client's store began).
            foreign = ChatMessage(
                entry.message_id,
                "user",
                self._timestamp(entry.timestamp),
                entry.content,
                metadata={OTHER_DEVICE: True},
                status="delivered",
                client_message_id=cmid if isinstance(cmid, str) else None,
                conversation_id=self.conversation_id,
            )
            self.messages.append(foreign)
            if isinstance(cmid, str):
                self._users[cmid] = foreign
            return []
        stream_id = metadata.get("streamId")
        stream_id = stream_id if isinstance(stream_id, str) else None
        interrupted = bool(metadata.get("interrupted"))
        content = entry.content + INTERRUPTED_MARKER if interrupted else entry.content
        answer_metadata = {k: v for k, v in metadata.items() if k not in _STORED_ONLY}
        status = "interrupted" if interrupted else "complete"
        held = self._answers.get(entry.message_id) or (
            self._by_stream.get(stream_id) if stream_id is not None else None
        )
        if held is not None:
            self._name_answer(entry.message_id, held)
            if held.is_streaming:  # it ended while we were away: the stored text is all of it
                held._early.clear()
                held.content = content
                self._merge_metadata(held, answer_metadata)
                if interrupted:
                    self.error = str(metadata.get("error") or "Response interrupted")
                return [self._finish(held, status)]
            if held.status == "interrupted" and not interrupted:
                # Cut off here (a lost connection, a refused resume), stored whole there.
                held.content = content
                held.status = "complete"
                self._merge_metadata(held, answer_metadata)
            return []
        reply_to_id = metadata.get("replyTo")
        cmid = self._server_ids.get(reply_to_id) if isinstance(reply_to_id, str) else None
        message = ChatMessage(
            entry.message_id,
            "assistant",
            self._timestamp(entry.timestamp),
            content,
            metadata=answer_metadata,
            status=status,
            reply_to=self._reply_to(cmid) if cmid is not None else None,
            stream_id=stream_id,
            conversation_id=self.conversation_id,
        )
        self._store_answer(message, entry.message_id)
        if stream_id is not None:
            self._finished_streams.add(stream_id)
            self._by_stream[stream_id] = message
        if interrupted:
            self.error = str(metadata.get("error") or "Response interrupted")
        self._take_suggestions(metadata)
        return [ReplyFinished(message, message.reply_to)]

    # ------------------------------------------------------------------ other devices

    def typing_elsewhere(self) -> bool:
        """Whether another of the user's devices typed in this conversation lately."""
        until = self.typing_elsewhere_until
        return until is not None and self._clock() < until

    def knows(self, server_message_id: str) -> bool:
        """Whether a message with that server id is held (a user message or an answer)."""
        return server_message_id in self._server_ids or server_message_id in self._answers

    def server_message_id(self, client_message_id: str) -> str | None:
        """The server's id for the user message with that clientMessageId, once known."""
        return self._server_id_of.get(client_message_id)

    def server_id(self, message: ChatMessage) -> str | None:
        """The server's id for a message of this conversation (its ``messageId``), once known
        (an answer's id here may be a local one: our server names it when it ends)."""
        if message.role == "assistant":
            return self._answer_ids.get(id(message))
        cmid = message.client_message_id
        return self._server_id_of.get(cmid) if cmid is not None else None

    def last_readable(self) -> str | None:
        """The server id of the newest message a read receipt can name (an ended answer or
        an acknowledged user message), or ``None``."""
        for message in reversed(self.messages):
            server_id = None if message.is_streaming else self.server_id(message)
            if server_id is not None:
                return server_id
        return None

    def _on_read_receipt(self, frame: ReadReceipt) -> list[ConversationEvent]:
        """Another device read up to that message: it and every message before it are read."""
        if frame.message_id is None or not self._is_this_conversation(frame.conversation_id):
            return []
        return self._mark_read(frame.message_id)

    def _mark_read(self, message_id: str) -> list[ConversationEvent]:
        target = self._answers.get(message_id)
        if target is None:
            cmid = self._server_ids.get(message_id)
            target = self._users.get(cmid) if cmid is not None else None
        if target is None:
            # Not held yet (the asyncio layer syncs): marked when a sync brings it.
            self._read_later = message_id
            return []
        if self._read_later == message_id:
            self._read_later = None
        marked: list[ChatMessage] = []
        found = False
        for message in reversed(self.messages):
            found = found or message is target
            if not found or message.is_streaming:
                continue
            if message.read:
                break  # everything before it was marked by an earlier receipt
            message.read = True
            marked.append(message)
        marked.reverse()
        return [MarkedRead(tuple(marked))] if marked else []

    def _is_this_conversation(self, conversation_id: str | None) -> bool:
        return conversation_id is not None and conversation_id == self.conversation_id

    # ------------------------------------------------------------------ restoring

    def restore(
        self,
        messages: list[ChatMessage],
        *,
        conversation_id: str | None,
        cursor: int,
        numbered: bool,
        server_ids: dict[str, str],
        answer_ids: dict[str, str] | None = None,
    ) -> list[ChatMessage]:
        """Start from a stored conversation (a fresh :class:`Conversation` only).

        ``messages`` are the stored ones, oldest first, none streaming; ``server_ids`` maps
        a user message's clientMessageId to its server id, ``answer_ids`` an answer's id here
        to its server id. A user message with no answer
        awaits one again; those never acknowledged become ``queued``, and are returned, oldest
        first, for the caller to send again with their ids. Acknowledged ones count as
        acknowledged before the next :meth:`sync_action`, so a reconciliation that finds
        neither their answer nor their turn has them sent again (the server replays them).
        """
        if self.messages:
            raise ValueError("restore() needs an empty conversation")
        answer_ids = answer_ids or {}
        self.conversation_id = conversation_id
        self.cursor = cursor
        self._numbered = numbered
        answered: set[str] = set()
        for message in messages:
            self.messages.append(message)
            if message.role == "assistant":
                if message.reply_to is not None:
                    answered.add(message.reply_to)
                self._answers[message.id] = message
                answer_id = answer_ids.get(message.id)
                if answer_id is not None:
                    self._name_answer(answer_id, message)
                if message.stream_id is not None:
                    self._finished_streams.add(message.stream_id)
                    self._by_stream[message.stream_id] = message
        unsent: list[ChatMessage] = []
        for message in messages:
            cmid = message.client_message_id
            if message.role != "user" or cmid is None:
                continue
            self._users[cmid] = message
            server_id = server_ids.get(cmid)
            if server_id is not None:
                self._name_user_message(server_id, cmid)
            if (
                cmid in answered
                or message.status not in ("queued", "sent", "delivered")
                or message.metadata.get(OTHER_DEVICE)
            ):
                continue
            self._awaiting.append(cmid)
            if message.status == "delivered":
                self._acks += 1
                self._acked_at[cmid] = self._acks
            else:
                message.status = "queued"
                unsent.append(message)
        last_answer = next((m for m in reversed(messages) if m.role == "assistant"), None)
        if last_answer is not None and last_answer.status == "complete":
            self._take_suggestions(last_answer.metadata)
        return unsent

    def join(self, conversation_id: str) -> None:
        """Follow a conversation known by its id only (started on another device): the first
        :meth:`sync_action` asks the server for all of it."""
        self.conversation_id = conversation_id
        self._numbered = True

    # ------------------------------------------------------------------ helpers

    def _name_answer(self, server_id: str, message: ChatMessage) -> None:
        if self._answers.setdefault(server_id, message) is message:
            self._answer_ids.setdefault(id(message), server_id)

    def _name_user_message(self, server_id: str, client_message_id: str) -> None:
        self._server_ids[server_id] = client_message_id
        self._server_id_of[client_message_id] = server_id

    def _hold(self, seq: int | None) -> None:
        """A stored message numbered ``seq`` is held; the cursor moves past every number held
        with none missing below it."""
        if seq is None or seq <= self.cursor:
            return
        self._numbered = True
        self._held.add(seq)
        while self.cursor + 1 in self._held:
            self.cursor += 1
            self._held.discard(self.cursor)

    def _take_conversation(self, conversation_id: str | None) -> None:
        if conversation_id is not None:
            self.conversation_id = conversation_id

    def _timestamp(self, value: Timestamp) -> datetime:
        return parse_timestamp(value) or self._clock()

    def _reply_to(self, client_message_id: str | None) -> str | None:
        """The user message a new answer is for, no longer awaiting one: the one the frame
        names; without a name, the oldest awaiting, unless the server names answers (then
        none: arrival order says nothing)."""
        if client_message_id is not None:
            self._answers_named = True
            self._stop_awaiting(client_message_id)
        elif self._answers_named or not self._awaiting:
            return None
        else:
            client_message_id = self._awaiting.popleft()
        question = self._users.get(client_message_id)
        if question is not None:
            question.metadata.pop("queued", None)  # its answer has begun: it waits no more
        return client_message_id

    def _stop_awaiting(self, client_message_id: str) -> None:
        with contextlib.suppress(ValueError):  # it may have been answered already
            self._awaiting.remove(client_message_id)

    def _stream_for(
        self, stream_id: str | None, client_message_id: str | None = None
    ) -> ChatMessage | None:
        """The open stream a frame is about: by ``streamId``; else the one answering the
        message it names; else (a seed server) the most recently opened."""
        if stream_id is not None:
            return self._open.get(stream_id)
        if client_message_id is not None:
            for stream in reversed(self._streaming.values()):
                if stream.reply_to == client_message_id:
                    return stream
            return None
        return self._current

    def _open_stream(
        self,
        *,
        stream_id: str | None,
        conversation_id: str | None,
        timestamp: Timestamp,
        metadata: dict[str, Any],
        message_id: str | None,
        reply_to: str | None,
    ) -> ChatMessage:
        stream = ChatMessage(
            message_id or self._new_id(),
            "assistant",
            self._timestamp(timestamp),
            is_streaming=True,
            metadata=metadata,
            status="streaming",
            reply_to=reply_to,
            stream_id=stream_id,
            conversation_id=conversation_id or self.conversation_id,
        )
        self._store_answer(stream, message_id)
        if stream_id is not None:
            self._open[stream_id] = stream
            self._by_stream[stream_id] = stream
        self._streaming[id(stream)] = stream
        self._current = stream
        return stream

    def _store_answer(self, message: ChatMessage, message_id: str | None) -> None:
        self.messages.append(message)
        if message_id is not None:
            self._name_answer(message_id, message)

    def _open_streams(self) -> list[ChatMessage]:
        return list(self._streaming.values())

    def _refused_resumes(
        self, stream_id: str | None, conversation_id: str | None
    ) -> list[ChatMessage]:
        if stream_id is not None:
            stream = self._open.get(stream_id)
            return [stream] if stream is not None else []
        return [
            stream
            for stream in self._resuming.values()
            if conversation_id is None
            or (stream.conversation_id or self.conversation_id) == conversation_id
        ]

    def _is_resumable(self, stream: ChatMessage) -> bool:
        return stream.stream_id is not None and stream._uses_seq is not False

    @staticmethod
    def _merge_metadata(message: ChatMessage, metadata: dict[str, Any]) -> None:
        if metadata:
            message.metadata.update(metadata)

    def _finish(self, stream: ChatMessage, status: str) -> ReplyFinished:
        stream.is_streaming = False
        stream.status = status
        if stream.stream_id is not None:
            self._open.pop(stream.stream_id, None)
            self._finished_streams.add(stream.stream_id)
        self._streaming.pop(id(stream), None)
        self._resuming.pop(id(stream), None)
        if self._current is stream:
            # Frames without a streamId go to the most recently opened stream still open.
            self._current = next(reversed(self._streaming.values()), None)
        return ReplyFinished(stream, stream.reply_to)

    def _interrupt(
        self, stream: ChatMessage, error: str, frame: StreamInterrupted | None
    ) -> ReplyFinished:
        # Tokens held for a gap are part of what the user already could have seen.
        for seq in sorted(stream._early):
            stream._append(stream._early[seq])
        stream._early.clear()
        local = stream.content
        partial = frame.partial_response if frame is not None else ""
        text = partial if len(partial) > len(local) else local
        stream.content = text + INTERRUPTED_MARKER
        self.error = error
        return self._finish(stream, "interrupted")
