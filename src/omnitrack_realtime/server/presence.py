"""Typing indicators and read receipts across server processes, on Redis pub/sub.

A user's ``/copilot`` connections may be on different processes; what one of them says about
itself (``typing``, ``read``) reaches the others. These signals are ephemeral: a connection
that was not there when one was sent has no use for it later, so pub/sub (fire and forget, no
history) is the right carrier, unlike the ``/ws`` events (a log, :mod:`.redis_backplane`).

One channel, ``<prefix>`` (``omnitrack:presence``), that every process subscribes to at start;
each keeps what is for its users' connections and drops its own messages (the sender's process
delivers locally, at once). One channel rather than one per user: a process needs no
subscription change as users come and go, and the signals are few (a client sends ``typing``
at most every few seconds). A message is JSON: ``o`` (origin process), ``u`` (user), ``k``
(``typing`` or ``read``), ``c`` (conversation), ``m`` (message id, receipts), ``t`` (ms), and
with a secret ``s``, the HMAC-SHA256 of the rest, so that whoever can write to Redis cannot
make a user's screen say something: what fails to decode or verify is dropped.

Failure: while Redis is away signals stay on their process (the local delivery never waits
for Redis); the subscriber retries every ``reconnect_delay`` doubling up to 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from ..protocol import ReadReceipt, UserTyping
from .backplane import redact_redis_url
from .metrics import Metrics

__all__ = ["PresenceCodec", "PresenceSignal", "RedisPresence"]

logger = logging.getLogger(__name__)

PresenceSignal = UserTyping | ReadReceipt
"""What crosses processes: the frames the user's other connections get."""

#: Longest id accepted from the channel (ours are UUIDs; a user id is a JWT subject).
_MAX_ID = 256


class _Wire(msgspec.Struct, frozen=True, omit_defaults=True):
    o: str
    u: str
    k: str
    c: str
    t: int
    m: str | None = None
    s: str = ""


class PresenceCodec:
    """Signals to pub/sub payloads and back, validated and, with ``secret``, authenticated."""

    def __init__(self, secret: str | None = None) -> None:
        self._key = secret.encode() if secret else None

    def _signature(self, wire: _Wire) -> str:
        if self._key is None:
            return ""
        body = msgspec.json.encode(msgspec.structs.replace(wire, s=""))
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def encode(self, origin: str, signal: PresenceSignal) -> bytes:
        assert signal.user_id is not None and signal.conversation_id is not None
        wire = _Wire(
            o=origin,
            u=signal.user_id,
            k="typing" if isinstance(signal, UserTyping) else "read",
            c=signal.conversation_id,
            t=int(signal.timestamp or 0),
            m=signal.message_id if isinstance(signal, ReadReceipt) else None,
        )
        return msgspec.json.encode(msgspec.structs.replace(wire, s=self._signature(wire)))

    def decode(self, payload: bytes) -> tuple[str, PresenceSignal] | str:
        """``(origin, signal)``, or why it is dropped: ``malformed``, ``unsigned``,
        ``bad_signature``."""
        try:
            wire = msgspec.json.decode(payload, type=_Wire)
        except msgspec.DecodeError:
            return "malformed"
        if self._key is not None:
            if not wire.s:
                return "unsigned"
            if not hmac.compare_digest(wire.s, self._signature(wire)):
                return "bad_signature"
        ids = (wire.o, wire.u, wire.c, wire.m or "x")
        if not all(0 < len(value) <= _MAX_ID for value in ids):
            return "malformed"
        signal: PresenceSignal
        if wire.k == "typing":
            signal = UserTyping(conversation_id=wire.c, user_id=wire.u, timestamp=wire.t)
        elif wire.k == "read" and wire.m is not None:
            signal = ReadReceipt(
                conversation_id=wire.c, message_id=wire.m, user_id=wire.u, timestamp=wire.t
            )
        else:
            return "malformed"
        return wire.o, signal


Receive = Callable[[PresenceSignal], None]
"""The hub's receiver of another process's signal (it knows the user's local connections)."""


class RedisPresence:
    """Publishes this process's signals on the presence channel and hands the others' to
    ``receive`` (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        origin: str,
        prefix: str = "omnitrack:presence",
        secret: str | None = None,
        timeout: float = 1.0,
        reconnect_delay: float = 0.1,
        max_reconnect_delay: float = 1.0,
        metrics: Metrics | None = None,
    ) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.url = url
        self.origin = origin
        self.channel = prefix
        self.codec = PresenceCodec(secret)
        self._timeout = timeout
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay
        self._metrics = metrics
        options: dict[str, Any] = {
            "retry": Retry(NoBackoff(), 0),
            "socket_connect_timeout": timeout,
        }
        self._redis = aioredis.Redis.from_url(url, client_name="omnitrack-presence", **options)
        self._listener = aioredis.Redis.from_url(
            url, client_name="omnitrack-presence-sub", **options
        )
        self._receive: Receive | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._closed = False
        #: Signals read from the channel and dropped, by reason.
        self.dropped: dict[str, int] = {}

    @property
    def available(self) -> bool:
        """Whether this process hears the others' signals now."""
        return self._subscribed.is_set() and not self._closed

    async def start(self, receive: Receive) -> None:
        """Subscribe; returns once subscribed, or after ``timeout`` (Redis away: it keeps
        trying in the background)."""
        if self._task is not None:
            return
        self._receive = receive
        self._task = asyncio.get_running_loop().create_task(self._listen(), name="presence")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout):
                await self._subscribed.wait()

    async def publish(self, signal: PresenceSignal) -> None:
        """Send ``signal`` to the other processes; skipped while Redis is away (it is
        ephemeral: delivered now or never)."""
        import redis

        if not self.available:
            return
        payload = self.codec.encode(self.origin, signal)
        try:
            async with asyncio.timeout(self._timeout):
                await self._redis.publish(self.channel, payload)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            logger.debug("presence signal not shared: %r", exc)
            with contextlib.suppress(Exception):
                await self._redis.connection_pool.disconnect()

    async def _listen(self) -> None:
        import redis

        delay = self._reconnect_delay
        while not self._closed:
            pubsub = self._listener.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # Its confirmation: from then on, every signal published reaches this process.
                async with asyncio.timeout(self._timeout):
                    while True:
                        message = await pubsub.get_message(timeout=self._timeout)
                        if message is not None and message.get("type") == "subscribe":
                            break
                if not self._subscribed.is_set():
                    logger.info("presence shared through Redis at %s", redact_redis_url(self.url))
                self._subscribed.set()
                self._set_gauge()
                delay = self._reconnect_delay
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._handle(message["data"])
            except (redis.RedisError, OSError, TimeoutError) as exc:
                if self._subscribed.is_set():
                    logger.warning("presence across processes interrupted (%r)", exc)
                self._subscribed.clear()
                self._set_gauge()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_reconnect_delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _handle(self, payload: bytes) -> None:
        decoded = self.codec.decode(payload)
        if isinstance(decoded, str):
            self.dropped[decoded] = self.dropped.get(decoded, 0) + 1
            if self._metrics is not None:
                self._metrics.inc("presence_dropped", reason=decoded)
            return
        origin, signal = decoded
        if origin != self.origin and self._receive is not None:
            self._receive(signal)

    def _set_gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.set("presence_shared", 1 if self.available else 0)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._subscribed.clear()
        self._set_gauge()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._listener.connection_pool.disconnect()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for client in (self._redis, self._listener):
            with contextlib.suppress(Exception):
                await client.aclose()
