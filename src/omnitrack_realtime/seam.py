"""The seam between the server and a copilot engine.

The server hands an engine one turn (:class:`EngineRequest`) and an :class:`EventPublisher`;
the engine answers with an async iterator of :data:`AnswerPart`: exactly one
:class:`AnswerStart` first, any number of :class:`AnswerText` (each becomes one
``stream_token``), and exactly one :class:`AnswerEnd` last. The server owns pacing, storage,
streaming, replay and cancellation; the engine owns understanding and acting.

Durability. The server records a turn before it acknowledges the message, and runs it again
after a crash (on restart, or when the client resends it) until its answer is stored. Each run
of one turn carries the same :attr:`EngineRequest.turn_id`. An engine that records its outcome
(answer, metadata, suggestions) under that id in the same transaction as the turn's changes,
and on a later run with the same id answers from that record without acting again, makes every
turn's changes happen exactly once (:class:`~omnitrack_realtime.engine.copilot.SupplyChainEngine`
does). An engine that ignores ``turn_id`` still works, at least once: a crash after its changes
but before the server stored the answer makes the turn run, and act, again.

This module is the only thing the server and the engine share: no server or engine code here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "AnswerEnd",
    "AnswerPart",
    "AnswerStart",
    "AnswerText",
    "Attachment",
    "CopilotEngine",
    "EngineRequest",
    "EventPublisher",
    "HistoryTurn",
    "NewAttachment",
    "TwinView",
    "answer_from_text",
    "split_tokens",
]


@dataclass(frozen=True, slots=True)
class HistoryTurn:
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user's message refers to, with its bytes (verified against its SHA-256 on
    upload). A voice message's audio is one; its transcript is the request's ``message``."""

    attachment_id: str
    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:  # never the bytes in a log line
        return f"Attachment({self.attachment_id!r}, {self.name!r}, {len(self.data)} bytes)"


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A file an answer hands the user (an export): the server stores it as the user's and
    lists it in the answer's ``metadata.attachments``."""

    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"NewAttachment({self.name!r}, {len(self.data)} bytes)"


@dataclass(frozen=True, slots=True)
class EngineRequest:
    """One turn: who asks, in which conversation, with what context.

    ``history`` holds the conversation's last 5 messages before this one, oldest first (the
    seed's rule); the new user message is ``message``. ``turn_id`` is the same on every run of
    this turn (see the module docstring); None when the caller has no durable turn.
    ``attachments`` are the files the message refers to, in the order it names them.
    """

    user_id: str
    conversation_id: str
    message: str
    history: Sequence[HistoryTurn] = ()
    turn_id: str | None = None
    attachments: Sequence[Attachment] = ()


@dataclass(frozen=True, slots=True)
class AnswerStart:
    """Opens the answer. ``metadata`` holds at least ``intent`` and ``confidence``."""

    metadata: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AnswerText:
    """A piece of the answer's Markdown text, sent to the client as one token."""

    text: str


@dataclass(frozen=True, slots=True)
class AnswerEnd:
    """Closes the answer. ``metadata`` holds at least ``actionSuccess`` and is merged over the
    start metadata; ``suggestions`` are 2-4 follow-ups that fit the result (may be empty);
    ``attachments`` are files the answer hands over (stored by the server as the user's)."""

    metadata: Mapping[str, Any]
    suggestions: Sequence[str] = ()
    attachments: Sequence[NewAttachment] = ()


AnswerPart = AnswerStart | AnswerText | AnswerEnd


class EventPublisher(Protocol):
    """How an engine tells ``/ws`` subscribers what changed (provided by the server)."""

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        """Publish one event (``digital_twin_update``, ``alert_notification``,
        ``scenario_progress``, ...) to the connections of ``user_id``."""
        ...


class CopilotEngine(Protocol):
    """A copilot: understands one turn, acts, and streams the answer."""

    def respond(
        self, request: EngineRequest, publisher: EventPublisher
    ) -> AsyncIterator[AnswerPart]:
        """Answer one turn (usually an ``async def`` generator).

        Must yield ``AnswerStart``, then ``AnswerText`` parts, then ``AnswerEnd``. Errors a user
        can cause are answers (with ``actionSuccess: False``), not exceptions. The server may
        stop iterating early (``cancel``, shutdown): the engine must leave its state consistent.
        """
        ...


@runtime_checkable
class TwinView(Protocol):
    """An engine that can show a user's whole twin at once (optional: the server's web console
    draws its map from it, then follows ``digital_twin_update`` events)."""

    def twin_snapshot(self, user_id: str) -> Mapping[str, Any]:
        """The user's twin as JSON-ready data: ``nodes``, ``connections``, ``alerts`` (each as
        its event carries it) and the seed's twin status fields. Blocking (the server calls it
        in a worker thread)."""
        ...


_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> Iterator[str]:
    """Split text into model-like tokens: each word with the white space before it.

    ``"".join(split_tokens(text)) == text`` always holds.
    """
    for match in _TOKEN.finditer(text):
        yield match.group()


async def answer_from_text(
    text: str,
    metadata: Mapping[str, Any],
    *,
    end_metadata: Mapping[str, Any] | None = None,
    suggestions: Sequence[str] = (),
) -> AsyncIterator[AnswerPart]:
    """Stream a whole answer computed up front: start, one part per token, end."""
    yield AnswerStart(metadata)
    for token in split_tokens(text):
        yield AnswerText(token)
    yield AnswerEnd(end_metadata or {}, suggestions)
