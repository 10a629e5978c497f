"""The one exception tree of omnitrack_realtime.

::

    OmniTrackError
    ├── ProtocolError            a frame that is not valid protocol (bad JSON, wrong shape)
    ├── ConnectionFailed         a connection could not be made or kept (retries used up, closed)
    │   └── AuthenticationError  the server refused the credentials (terminal: no retry loop)
    ├── QueueFull                the offline queue is at ``max_queue``; the message was not queued
    ├── MessageTooLarge          an outgoing message is over ``max_message_size``; never queued
    ├── AttachmentError          the server refused an attachment (too large, type, checksum...)
    ├── StoreError               the client's history store cannot be used (a bad file, a full disk)
    └── ConfigurationError       a setting is missing or invalid (e.g. no JWT secret, bad URL)

Third-party errors (websockets, msgspec, PyJWT, redis, sqlite3) are translated at the edge of
the layer that meets them, with ``raise ... from exc``; they never leak through the public API.
Leaf errors carry their data as attributes and build their message in ``__str__``.
"""

from __future__ import annotations

__all__ = [
    "AttachmentError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectionFailed",
    "MessageTooLarge",
    "OmniTrackError",
    "ProtocolError",
    "QueueFull",
    "StoreError",
]


class OmniTrackError(Exception):
    """Base class of every error raised by omnitrack_realtime."""


class ProtocolError(OmniTrackError):
    """A frame is not valid protocol: malformed JSON, an unknown action, a missing field.

    ``reason`` is a short human-readable description safe to send back to a peer.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class ConnectionFailed(OmniTrackError):
    """A connection could not be established or kept.

    ``reason`` says why in one sentence; ``status`` is the HTTP status of a rejected handshake
    and ``code`` the WebSocket close code of a closed connection, when there was one;
    ``detail`` the server's own short words for it (a refusal's body, a close reason, such as
    ``token has expired``), when it gave any.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        code: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return self.reason


class AuthenticationError(ConnectionFailed):
    """The server refused the credentials (HTTP 401/403, close 4401/4403/1008) and retrying will
    not help without a new token."""


class QueueFull(OmniTrackError):
    """The offline queue already holds ``limit`` messages; the new one was not queued."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def __str__(self) -> str:
        return f"offline queue is full ({self.limit} messages); the message was not queued"


class MessageTooLarge(OmniTrackError):
    """An outgoing message encodes to ``size`` bytes, over the ``limit``; it was not sent."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit)
        self.size = size
        self.limit = limit

    def __str__(self) -> str:
        return f"message is {self.size} bytes, over the {self.limit}-byte limit; it was not sent"


class AttachmentError(OmniTrackError):
    """The server refused an attachment upload or download: ``code`` is the protocol's
    (``attachment_too_large``, ``attachment_type_not_allowed``, ``checksum_mismatch``,
    ``not_found``...), ``reason`` the server's words."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason} ({self.code})"


class ConfigurationError(OmniTrackError):
    """A setting is missing or invalid."""


class StoreError(OmniTrackError):
    """The client's history store at ``path`` cannot be read or written; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"the history store {self.path} cannot be used: {self.reason}"
