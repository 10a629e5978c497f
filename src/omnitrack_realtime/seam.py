"""The seam between the server and a copilot engine.

The server hands an engine one turn (:class:`EngineRequest`) and an :class:`EventPublisher`;
the engine answers with an async iterator of :data:`AnswerPart`: exactly one
:class:`AnswerStart` first, any number of :class:`AnswerText` (each becomes one
``stream_token``), and exactly one :class:`AnswerEnd` last. The server owns pacing, storage,
streaming, replay and cancellation; the engine owns understanding and acting.

This module is the only thing the server and the engine share: no server or engine code here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "AnswerEnd",
    "AnswerPart",
    "AnswerStart",
    "AnswerText",
    "CopilotEngine",
    "EngineRequest",
    "EventPublisher",
    "HistoryTurn",
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
class EngineRequest:
    """One turn: who asks, in which conversation, with what context.

    ``history`` holds the conversation's last 5 messages before this one, oldest first (the
    seed's rule); the new user message is ``message``.
    """

    user_id: str
    conversation_id: str
    message: str
    history: Sequence[HistoryTurn] = ()


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
    start metadata; ``suggestions`` are 2-4 follow-ups that fit the result (may be empty)."""

    metadata: Mapping[str, Any]
    suggestions: Sequence[str] = ()


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
