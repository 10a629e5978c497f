"""Configuration of the reference server: one frozen value object, keyword-only, ``None`` = off.

The numbers default to the issue's (and the seed backend's): 64 KiB frames, 2,000-character
messages, 20 messages a minute with a burst of 5, 60 replays or history requests a minute with
a burst of 20, 10 connections per user, streams kept 5 minutes, a 10 s handshake timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigurationError
from .auth import AuthConfig
from .eventtypes import EventTypeRegistry

#: Characters a Redis secret needs at least (an HMAC key guessed offline is no key).
_MIN_SECRET = 16

__all__ = [
    "DEFAULT_CONTENT_TYPES",
    "AttachmentLimits",
    "Limits",
    "ServerConfig",
    "SpeechConfig",
    "speech_from_env",
]

#: What an attachment may be unless configured otherwise: data to import (CSV, JSON, text),
#: documents and pictures to keep with a message, and voice (wav, ogg/opus, webm, mp3).
DEFAULT_CONTENT_TYPES = frozenset(
    {
        "text/csv",
        "application/json",
        "text/plain",
        "application/pdf",
        "image/png",
        "image/jpeg",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/ogg",
        "audio/opus",
        "audio/webm",
        "audio/mpeg",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What one user may do: message rate, replay budget, flooding tolerance, connections."""

    messages_per_minute: float = 20
    burst: int = 5
    #: Resends of already processed messages (answered by replaying the stored answer) and
    #: ``history`` requests per minute, and the burst allowed: cheap to ask, costly to answer.
    replays_per_minute: float = 60
    replay_burst: int = 20
    #: Rate-limited messages within ``flood_window`` seconds before the socket is closed 4429.
    flood_strikes: int = 10
    flood_window: float = 60.0
    connections_per_user: int = 10
    #: Seconds a client over ``connections_per_user`` is told to wait (HTTP 429 Retry-After).
    connection_retry_after: int = 5
    #: With Redis: seconds a connection stays counted against the cap without its process
    #: renewing it (every third of this), so a crashed process's connections free the cap.
    connection_ttl: float = 30.0

    def __post_init__(self) -> None:
        if self.connection_ttl <= 0:
            raise ConfigurationError("connection_ttl must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentLimits:
    """What one user may upload: ``max_bytes`` bounds one attachment and, summed, the user's
    uploads not finished yet; ``content_types`` is the allow-list (exact media types, no
    parameters); ``chunk_size`` the largest chunk a client is told to send; ``store_every``
    how many bytes of an upload are gathered before they are stored and acknowledged (one
    write, handed to the upload's writer task); ``window`` how many bytes a client may keep
    unacknowledged (0: four times ``store_every``: the client keeps sending while batches
    are stored; what the server holds of an upload stays three batches at most, the rest
    waits in the socket)."""

    max_bytes: int = 10 * 1024 * 1024
    content_types: frozenset[str] = DEFAULT_CONTENT_TYPES
    chunk_size: int = 60 * 1024
    store_every: int = 1024 * 1024
    window: int = 0

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.chunk_size, self.store_every) <= 0 or self.window < 0:
            raise ConfigurationError("attachment sizes must be positive")
        if self.window == 0:
            object.__setattr__(self, "window", 4 * self.store_every)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechConfig:
    """The transcriber of voice messages: an OpenAI-compatible ``/audio/transcriptions``
    endpoint (``url`` is its API base or the endpoint itself)."""

    url: str
    model: str = "whisper-1"
    api_key: str | None = field(default=None, repr=False)


def speech_from_env(env: Mapping[str, str] | None = None) -> SpeechConfig | None:
    """``OMNITRACK_STT_URL``, ``OMNITRACK_STT_MODEL``, ``OMNITRACK_STT_API_KEY``; None when
    no URL is set (voice messages are then refused with a message saying what to set)."""
    env = os.environ if env is None else env
    url = env.get("OMNITRACK_STT_URL", "").strip()
    if not url:
        return None
    return SpeechConfig(
        url=url,
        model=env.get("OMNITRACK_STT_MODEL", "").strip() or "whisper-1",
        api_key=env.get("OMNITRACK_STT_API_KEY") or None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """Everything ``omnitrack serve`` can be told; tests build one with port 0 and delay 0."""

    host: str = "127.0.0.1"
    port: int = 3001
    #: SQLite file or ``postgresql://`` URL shared with the engine; ``None`` keeps
    #: conversations in memory. Not in the repr: a URL may hold a password.
    db_path: Path | str | None = field(default=None, repr=False)
    #: Pause after each streamed token, like a model's output; 0 streams as fast as possible.
    token_delay: float = 0.02
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: Limits = field(default_factory=Limits)
    attachments: AttachmentLimits = field(default_factory=AttachmentLimits)
    #: Speech to text for voice messages; ``None`` = voice messages are refused.
    speech: SpeechConfig | None = None
    #: Redis URL of the event backplane (several server processes); ``None`` = this process only.
    redis_url: str | None = None
    #: Shared secret of the processes on the backplane: each event is signed (HMAC-SHA256) and
    #: unsigned or badly signed ones are dropped; ``None`` = events are only validated.
    redis_secret: str | None = field(default=None, repr=False)
    #: Event types publishable on ``/ws`` besides the protocol's known ones (see eventtypes).
    event_types: tuple[str, ...] = ()
    #: Largest inbound frame in bytes; a bigger one closes the connection with 1009.
    max_frame: int = 64 * 1024
    max_message_chars: int = 2000
    handshake_timeout: float = 10.0
    #: Bytes a connection may have waiting to be written; over it, the socket is closed 1013.
    outbound_buffer: int = 1024 * 1024
    #: Seconds a finished stream's tokens stay available for ``resume`` and replays.
    stream_retention: float = 300.0
    #: Finished streams kept at most (the oldest go first, retention or not); a replay of a
    #: forgotten one is rebuilt from the store.
    stream_retention_count: int = 10_000
    #: Recent events kept per user for ``subscribe`` with ``afterSeq``.
    event_buffer: int = 1000
    #: Users whose event logs are kept (least recently active forgotten; never a connected one).
    event_buffer_users: int = 10_000
    #: Bytes of buffered events across every user; over it the least recently active users'
    #: oldest events go first.
    event_buffer_bytes: int = 64 * 1024 * 1024
    #: Seconds a user's recent events are kept after their last event (in memory, and the
    #: expiry of their stream in Redis).
    event_retention: float = 24 * 3600.0
    #: Seconds a new ``/ws`` connection's live events wait for its first frame (a client
    #: resuming says ``subscribe`` with ``afterSeq`` first: its replay comes before them);
    #: 0 sends them at once.
    resume_grace: float = 0.25
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    close_timeout: float = 5.0
    #: Seconds a graceful shutdown waits for interrupted streams to be stored.
    shutdown_timeout: float = 5.0
    #: Serve the web console at ``/`` (and the twin snapshot at ``/api/twin``); its own
    #: origin may then open sockets whatever ``auth.allowed_origins`` lists.
    console: bool = True

    def __post_init__(self) -> None:
        if self.token_delay < 0:
            raise ConfigurationError("token_delay must be >= 0")
        if self.max_frame <= 0 or self.outbound_buffer <= 0:
            raise ConfigurationError("max_frame and outbound_buffer must be positive")
        if self.stream_retention < 0 or self.stream_retention_count < 0:
            raise ConfigurationError("stream_retention and stream_retention_count must be >= 0")
        if self.event_retention <= 0:
            raise ConfigurationError("event_retention must be positive")
        if self.redis_secret is not None and len(self.redis_secret) < _MIN_SECRET:
            raise ConfigurationError(
                f"the Redis secret must be at least {_MIN_SECRET} characters long"
            )
        EventTypeRegistry.with_types(self.event_types)  # raises for a reserved or bad name

    @property
    def upload_chunk_size(self) -> int:
        """The chunk size clients are told: the configured one, within the frame limit."""
        return max(1, min(self.attachments.chunk_size, self.max_frame - 256))

    @property
    def event_registry(self) -> EventTypeRegistry:
        """The event types publishable on ``/ws`` (the known ones and ``event_types``)."""
        return EventTypeRegistry.with_types(self.event_types)
