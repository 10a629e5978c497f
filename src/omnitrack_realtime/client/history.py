"""What the durable client history stores, and which of it changed: pure (no I/O, no asyncio).

The copilot client keeps its conversation in :class:`~.conversation.Conversation` (the pure
reducer); a store (:mod:`.store`, SQLite) keeps a copy that survives the process. Between the
two sits a :class:`Journal`: the client tells it which messages it touched (an
acknowledgment, an answer that ended, a read receipt...), and :meth:`Journal.collect` turns
that, plus every message appended since the last call, into :class:`MessageRecord` rows and a
:class:`ConversationRecord` to write. Only settled messages are written: an answer still
streaming is written when it ends (a restarted client gets it back from the server instead,
by ``sync``), so a token never costs a write.

Each message gets a *position* the first time the journal sees it, one more than the last:
positions order the stored conversation and never change, even when an answer that was
streaming at a crash is never written (its position stays a gap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .conversation import ChatMessage, Conversation

__all__ = [
    "ConversationRecord",
    "ConversationSummary",
    "Journal",
    "MessageRecord",
    "title_of",
]

#: The longest title a conversation gets from its first message.
TITLE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One stored message of a conversation (a row)."""

    position: int
    id: str
    role: Literal["user", "assistant"]
    content: str
    timestamp: datetime
    status: str
    metadata: dict[str, Any]
    client_message_id: str | None = None
    reply_to: str | None = None
    stream_id: str | None = None
    server_id: str | None = None  # its id on the server, when known and not ``id``
    read: bool = False

    @classmethod
    def of(cls, message: ChatMessage, position: int, server_id: str | None) -> MessageRecord:
        return cls(
            position=position,
            id=message.id,
            role=message.role,
            content=message.content,
            timestamp=message.timestamp,
            status=message.status,
            metadata=dict(message.metadata),
            client_message_id=message.client_message_id,
            reply_to=message.reply_to,
            stream_id=message.stream_id,
            server_id=server_id,
            read=message.read,
        )

    def to_message(self, conversation_id: str | None) -> ChatMessage:
        message = ChatMessage(
            self.id,
            self.role,
            self.timestamp,
            self.content,
            metadata=dict(self.metadata),
            status=self.status,
            client_message_id=self.client_message_id,
            reply_to=self.reply_to,
            stream_id=self.stream_id,
            conversation_id=conversation_id,
        )
        message.read = self.read
        return message


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """The conversation's own row: its local key (it has one before the server names it), the
    server's id once known, the reconciliation cursor, and a title (its first message)."""

    key: str
    conversation_id: str | None
    cursor: int
    numbered: bool
    title: str


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A stored conversation, as a list of conversations shows it."""

    key: str
    conversation_id: str | None
    title: str
    message_count: int
    updated_at: datetime


def title_of(text: str) -> str:
    """A conversation's title: its first message on one line, shortened to a word boundary."""
    line = " ".join(text.split())
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[: TITLE_LENGTH - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > TITLE_LENGTH // 2 else cut) + "…"


@dataclass(slots=True)
class Batch:
    """What :meth:`Journal.collect` found to write (empty: nothing)."""

    conversation: ConversationRecord | None = None
    messages: list[MessageRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.conversation is not None or bool(self.messages)


class Journal:
    """Tracks which messages of one conversation the store lacks.

    ``key`` names the conversation in the store; ``next_position`` is where new messages go
    (after a restore: one past the highest stored position). ``server_id(message)`` gives a
    message's server id (the conversation knows it from acknowledgments and answers' ends).
    """

    def __init__(
        self,
        conversation: Conversation,
        key: str,
        *,
        positions: list[int] | None = None,
        title: str = "",
        server_id: Callable[[ChatMessage], str | None] | None = None,
    ) -> None:
        self._conversation = conversation
        self.key = key
        messages = conversation.messages
        stored = positions if positions is not None else list(range(len(messages)))
        self._positions: dict[int, int] = {
            id(message): position for message, position in zip(messages, stored, strict=True)
        }
        self._next_position = max(stored, default=-1) + 1
        self._seen = len(messages)
        self._dirty: dict[int, ChatMessage] = {}
        self._title = title
        self._written: tuple[str | None, int, bool, str] | None = (
            (conversation.conversation_id, conversation.cursor, conversation.reconciles, title)
            if messages
            else None
        )
        self._server_id = server_id or conversation.server_id

    def touch(self, message: ChatMessage | None) -> None:
        """``message`` changed (its status, text, read mark...): write it again."""
        if message is not None:
            self._dirty[id(message)] = message

    def collect(self) -> Batch:
        """The rows to write now: messages appended since the last call (those settled) and
        those touched (once settled), and the conversation's row if it changed."""
        messages = self._conversation.messages
        for message in messages[self._seen :]:
            self._positions[id(message)] = self._next_position
            self._next_position += 1
            self._dirty[id(message)] = message
        self._seen = len(messages)
        batch = Batch()
        for key, message in list(self._dirty.items()):
            if message.is_streaming:
                continue  # written when it ends (touched then)
            del self._dirty[key]
            server_id = self._server_id(message)
            batch.messages.append(MessageRecord.of(message, self._positions[key], server_id))
            if not self._title and message.role == "user":
                self._title = title_of(message.content)
        if not self._positions:
            return batch  # an empty conversation is not stored (nor listed)
        conversation = self._conversation
        state = (conversation.conversation_id, conversation.cursor, conversation.reconciles)
        if batch.messages or self._written != (*state, self._title):
            self._written = (*state, self._title)
            batch.conversation = ConversationRecord(
                key=self.key,
                conversation_id=state[0],
                cursor=state[1],
                numbered=state[2],
                title=self._title,
            )
        return batch
