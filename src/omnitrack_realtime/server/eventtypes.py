"""Which event types may be published on ``/ws``: a registry (pure, no I/O).

A ``publish`` reaches other users' connections, whose clients act on the envelope's ``type``.
So the types a publisher may use are listed, not guessed: the protocol's known event types
(:data:`~omnitrack_realtime.protocol.events.KNOWN_EVENT_TYPES`) plus those a deployment
registers (``ServerConfig.event_types``, ``omnitrack serve --event-type``). The protocol's own
frame types are reserved and can never be registered or published: an ``error`` event would
read as an error from the server, a ``subscribed`` or ``pong`` as its reply to the client, a
``stream_token`` as part of an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

from ..errors import ConfigurationError
from ..protocol.copilot import ServerMessage
from ..protocol.events import KNOWN_EVENT_TYPES

__all__ = ["RESERVED_EVENT_TYPES", "EventTypeRegistry", "PublishRefused"]

#: The server's replies on ``/ws`` (they share the event envelope).
_EVENT_REPLIES = (
    "error",
    "subscribed",
    "unsubscribed",
    "published",
    "pong",
    "auth_ok",
    "events_lost",
)

#: Types no publisher may use: the ``/ws`` replies and every ``/copilot`` frame type.
RESERVED_EVENT_TYPES: frozenset[str] = frozenset(
    _EVENT_REPLIES + tuple(str(kind.__struct_config__.tag) for kind in get_args(ServerMessage))
)

#: A registered name: a letter first, then letters, digits, ``_ . : -``; at most 100.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,99}")


@dataclass(frozen=True, slots=True)
class PublishRefused:
    """Why an event type may not be published: ``code`` for the ``error`` frame, and words."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class EventTypeRegistry:
    """The publishable event types of one server (see the module docstring)."""

    publishable: frozenset[str]

    @classmethod
    def with_types(cls, extra: Iterable[str] = ()) -> EventTypeRegistry:
        """The known types plus ``extra``; a reserved or malformed name is a
        :class:`~omnitrack_realtime.errors.ConfigurationError`."""
        names = tuple(extra)
        for name in names:
            if name in RESERVED_EVENT_TYPES:
                raise ConfigurationError(
                    f"the event type {name!r} is reserved for the protocol's own frames"
                )
            if not _NAME.fullmatch(name):
                raise ConfigurationError(
                    f"the event type {name!r} is not a name (a letter, then letters, digits, "
                    "'_', '.', ':' or '-'; at most 100 characters)"
                )
        return cls(frozenset(KNOWN_EVENT_TYPES) | frozenset(names))

    def refusal(self, event_type: str) -> PublishRefused | None:
        """``None`` when ``event_type`` may be published, else why not."""
        if event_type in self.publishable:
            return None
        shown = event_type if len(event_type) <= 40 else event_type[:39] + "…"
        if event_type in RESERVED_EVENT_TYPES:
            return PublishRefused(
                "reserved_event_type",
                f"The event type {shown!r} is reserved for the protocol's own frames "
                "and cannot be published",
            )
        listed = ", ".join(sorted(self.publishable))
        return PublishRefused(
            "unknown_event_type",
            f"The event type {shown!r} is not publishable on this server; publishable "
            f"types: {listed} (a server registers more with --event-type)",
        )
