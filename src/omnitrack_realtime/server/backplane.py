"""Fan-out of ``/ws`` events across server processes.

Every process calls :meth:`Backplane.start` with its ``deliver`` callback, and publishes events
with :meth:`Backplane.publish`; each published event reaches the ``deliver`` of every started
process (this one included) exactly once, so a process never delivers locally "on the side".

- :class:`MemoryBackplane`: one process (or several backplanes sharing one :class:`MemoryHub`,
  which is how tests stand for several processes). Delivery is synchronous inside ``publish``.
- :class:`RedisBackplane`: Redis pub/sub on one channel; events are JSON (msgspec). Redis errors
  become :class:`BackplaneError`; a dropped subscription is re-established with backoff (events
  published while it is down are lost: pub/sub keeps nothing). What it reads is not trusted:
  :class:`BackplaneCodec` validates every message and, with a shared secret, authenticates it
  (HMAC); what fails is dropped and counted (``backplane_dropped`` in ``/metrics``).

Per-user event ``seq`` numbers are NOT the backplane's job: the session core numbers the events
it delivers to its own connections. The trade-off: with several processes, each process numbers
its own connections' events, so one user connected to two processes sees two independent
sequences, and ``afterSeq`` replay only works against the process that buffered the events
(which is where a client usually reconnects with sticky load balancing). Global numbering would
need a shared counter (e.g. Redis ``INCR`` per user) on every publish: one more round trip and a
single point of ordering, for a guarantee the protocol does not make.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import inspect
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from ..errors import OmniTrackError, ProtocolError
from ..protocol.codec import decode_event
from .eventtypes import RESERVED_EVENT_TYPES
from .metrics import Metrics

__all__ = [
    "Backplane",
    "BackplaneCodec",
    "BackplaneError",
    "BackplaneEvent",
    "Deliver",
    "MemoryBackplane",
    "MemoryHub",
    "RedisBackplane",
    "new_origin",
    "redact_redis_url",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackplaneEvent:
    """One event for ``/ws``: for ``user_id``'s connections, or every connection when ``None``.

    ``origin`` names the publishing process (see :func:`new_origin`); ``data`` must be
    JSON-serialisable for the Redis backplane.
    """

    user_id: str | None
    event_type: str
    data: Any
    origin: str


Deliver = Callable[[BackplaneEvent], Awaitable[None] | None]
"""A process's receiver of events: a plain or ``async`` function."""


class BackplaneError(OmniTrackError):
    """The backplane could not publish or subscribe (e.g. Redis unreachable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def new_origin() -> str:
    """A process identity for ``BackplaneEvent.origin``: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Backplane(Protocol):
    """How events reach every server process."""

    async def start(self, deliver: Deliver) -> None:
        """Begin delivering published events to ``deliver``; returns once subscribed."""
        ...

    async def publish(self, event: BackplaneEvent) -> None:
        """Send ``event`` to the ``deliver`` of every started process, this one included."""
        ...

    async def close(self) -> None:
        """Stop delivering and release resources; idempotent."""
        ...


async def _call(deliver: Deliver, event: BackplaneEvent) -> None:
    """Run ``deliver``; its failure is logged, never propagated into the backplane."""
    try:
        result = deliver(event)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("event delivery failed (%s)", event.event_type)


class MemoryHub:
    """What several :class:`MemoryBackplane` instances share, like a Redis server."""

    def __init__(self) -> None:
        self.subscribers: list[Deliver] = []


class MemoryBackplane:
    """The in-process backplane; pass one ``hub`` to several to stand for several processes."""

    def __init__(self, hub: MemoryHub | None = None) -> None:
        self.hub = hub if hub is not None else MemoryHub()
        self.origin = new_origin()
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        if self._deliver is not None:
            raise BackplaneError("the backplane is already started")
        self._deliver = deliver
        self.hub.subscribers.append(deliver)

    async def publish(self, event: BackplaneEvent) -> None:
        for deliver in list(self.hub.subscribers):
            await _call(deliver, event)

    async def close(self) -> None:
        if self._deliver is not None:
            with contextlib.suppress(ValueError):
                self.hub.subscribers.remove(self._deliver)
            self._deliver = None


class _WireEvent(msgspec.Struct, frozen=True):
    type: str
    data: Any
    origin: str
    user: str | None = None
    #: Signed messages only: when it was published (ms since the epoch) and a one-time value.
    ts: int | None = None
    nonce: str | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_WireEvent)

#: How a signed message starts: ``hmac-sha256=<64 hex digits>;`` then the JSON it signs.
_SIGNED = b"hmac-sha256="
_DIGEST_HEX = 64
#: Characters an event type may have on the backplane (as on ``/ws``).
_MAX_TYPE = 100


class BackplaneCodec:
    """What goes on the Redis channel and what comes off it: JSON events, validated, and
    (with a ``secret``) authenticated. Pure: the clock is injected.

    Every message read is decoded through the protocol codec (the ``/ws`` envelope's fields
    must be well typed), then checked like a ``/ws`` publish would be (a type of 1 to 100
    characters, not one of the protocol's reserved frame types, a string user id and origin).
    With a ``secret``, every message published carries an HMAC-SHA256 of its exact bytes,
    the time it was published and a one-time ``nonce``; a message read is dropped when it is
    unsigned, badly signed, published more than ``max_age`` seconds away from now, or its
    nonce was already seen (a replay of a captured message). So a process with access to
    Redis but not to the secret cannot inject an event.

    :meth:`decode` answers the event, or the reason it was dropped (a ``backplane_dropped``
    label): ``malformed``, ``reserved``, ``unsigned``, ``bad_signature``, ``stale``,
    ``replayed``.
    """

    #: Nonces remembered at most (a signed flood could otherwise grow the set): the oldest go.
    MAX_NONCES = 100_000

    def __init__(
        self,
        secret: str | None = None,
        *,
        max_age: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = secret.encode() if secret else None
        self._max_age = max_age
        self._clock = clock
        self._nonces: dict[str, float] = {}  # nonce -> when it stops mattering (insertion order)

    @property
    def signed(self) -> bool:
        return self._key is not None

    def encode(self, event: BackplaneEvent) -> bytes:
        """The message for ``event`` (raises ``TypeError``/``msgspec.EncodeError`` for data
        that is not JSON)."""
        if self._key is None:
            return _encoder.encode(
                _WireEvent(
                    type=event.event_type, data=event.data, origin=event.origin, user=event.user_id
                )
            )
        body = _encoder.encode(
            _WireEvent(
                type=event.event_type,
                data=event.data,
                origin=event.origin,
                user=event.user_id,
                ts=int(self._clock() * 1000),
                nonce=uuid.uuid4().hex,
            )
        )
        return b"%s%s;%s" % (_SIGNED, self._digest(body).encode(), body)

    def _digest(self, body: bytes) -> str:
        assert self._key is not None
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def decode(self, message: bytes) -> BackplaneEvent | str:
        """The event ``message`` carries, or why it is dropped (see the class docstring)."""
        body = message
        if message.startswith(_SIGNED):
            end = len(_SIGNED) + _DIGEST_HEX
            digest, separator, body = (
                message[len(_SIGNED) : end],
                message[end : end + 1],
                message[end + 1 :],
            )
            if separator != b";":
                return "malformed"
            if self._key is not None and not hmac.compare_digest(
                digest, self._digest(body).encode()
            ):
                return "bad_signature"
        elif self._key is not None:
            return "unsigned"
        try:
            decode_event(body)  # the /ws envelope's fields, typed as the protocol says
            wire = _decoder.decode(body)
        except (ProtocolError, msgspec.DecodeError):
            return "malformed"
        if not 0 < len(wire.type) <= _MAX_TYPE or not wire.origin:
            return "malformed"
        if wire.type in RESERVED_EVENT_TYPES:
            return "reserved"
        if self._key is not None:
            refused = self._check_fresh(wire)
            if refused is not None:
                return refused
        return BackplaneEvent(
            user_id=wire.user, event_type=wire.type, data=wire.data, origin=wire.origin
        )

    def _check_fresh(self, wire: _WireEvent) -> str | None:
        now = self._clock()
        if wire.ts is None or not wire.nonce or len(wire.nonce) > 64:
            return "malformed"
        if abs(now - wire.ts / 1000) > self._max_age:
            return "stale"
        nonces = self._nonces
        while nonces:  # forget what is too old to be accepted anyway (oldest first)
            oldest, until = next(iter(nonces.items()))
            if until > now and len(nonces) < self.MAX_NONCES:
                break
            del nonces[oldest]
        if wire.nonce in nonces:
            return "replayed"
        nonces[wire.nonce] = now + 2 * self._max_age
        return None


def redact_redis_url(url: str) -> str:
    """``url`` fit for a message or a log: no password (``redis://user@host``), no query."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return url.rpartition("@")[2].partition("?")[0]
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def _cause(exc: BaseException) -> str:
    """Why Redis could not be reached, in a few words (redis-py's own message when it has
    one: ``Error 111 connecting to 127.0.0.1:6390. Connection refused.``)."""
    text = str(exc).strip().rstrip(".")
    return text if text else type(exc).__name__


class RedisBackplane:
    """Redis pub/sub backplane on ``channel`` (one channel for every event; each process
    filters by user locally, which keeps subscriptions constant as users come and go).

    The subscription is ours to keep: redis-py's own retries are off, and when the
    subscribing connection drops the reader subscribes again on a fresh connection, retrying
    with backoff from ``reconnect_delay`` up to ``max_reconnect_delay``. A publish that Redis
    does not answer within ``publish_timeout`` seconds fails (BackplaneError); a subscription
    quiet for ``liveness_interval`` seconds is PINGed and, without an answer by the next
    interval, replaced (a partition leaves a connection open and silent). Connections
    carry the client name ``omnitrack:<origin>`` (visible in ``CLIENT LIST``).
    """

    def __init__(
        self,
        url: str,
        *,
        channel: str = "omnitrack:events",
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 10.0,
        publish_timeout: float = 2.0,
        liveness_interval: float = 15.0,
        secret: str | None = None,
        metrics: Metrics | None = None,
        max_age: float = 60.0,
    ) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.url = url
        self.channel = channel
        self.origin = new_origin()
        self.client_name = f"omnitrack:{self.origin}"
        #: Successful subscriptions so far (1 after start, +1 per re-subscription).
        self.subscriptions = 0
        self._reconnect_delay = reconnect_delay
        self._publish_timeout = publish_timeout
        self._liveness_interval = liveness_interval
        self._max_reconnect_delay = max_reconnect_delay
        self.codec = BackplaneCodec(secret, max_age=max_age)
        self._metrics = metrics
        #: Messages read and dropped, by reason (also ``backplane_dropped`` in the metrics).
        self.dropped: dict[str, int] = {}
        self._redis = aioredis.Redis.from_url(
            url, client_name=self.client_name, retry=Retry(NoBackoff(), 0)
        )
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._closed = False

    async def _subscribe(self) -> Any:
        """A new pub/sub connection subscribed to the channel (confirmed by Redis)."""
        pubsub: Any = self._redis.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            # Wait for the confirmation: events published after this returns must arrive.
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message is None:
                    reason = f"Redis did not confirm the subscription to {self.channel}"
                    raise BackplaneError(reason)
                if message.get("type") == "subscribe":
                    break
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            raise
        async with self._changed:
            self.subscriptions += 1
            self._changed.notify_all()
        return pubsub

    async def wait_subscribed(self, count: int = 1) -> None:
        """Wait until the backplane has subscribed ``count`` times (re-subscriptions count)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.subscriptions >= count)

    async def start(self, deliver: Deliver) -> None:
        import redis

        if self._reader is not None:
            raise BackplaneError("the backplane is already started")
        if self._closed:
            raise BackplaneError("the backplane is closed")
        try:
            self._pubsub = await self._subscribe()
        except (redis.RedisError, OSError) as exc:
            raise BackplaneError(
                f"cannot reach Redis at {redact_redis_url(self.url)} ({_cause(exc)}); check "
                "--redis-url and that Redis is running there"
            ) from exc
        self._reader = asyncio.create_task(self._read(deliver), name="redis-backplane")

    async def _read(self, deliver: Deliver) -> None:
        import redis

        delay = self._reconnect_delay
        awaiting_pong = False
        while not self._closed:
            if self._pubsub is None:
                try:
                    self._pubsub = await self._subscribe()
                except (redis.RedisError, OSError, BackplaneError) as exc:
                    logger.warning(
                        "Redis backplane cannot subscribe (%s); retrying in %.2fs",
                        type(exc).__name__,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._max_reconnect_delay)
                    continue
                logger.info("Redis backplane subscribed again to %s", self.channel)
                delay = self._reconnect_delay
                awaiting_pong = False
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=self._liveness_interval
                )
                if message is None:
                    # Quiet for a while: a PING proves the connection still carries anything
                    # (a partition leaves it open and silent); no answer by the next quiet
                    # spell means it is gone.
                    if awaiting_pong:
                        raise redis.ConnectionError("the subscription stopped answering")
                    await self._pubsub.ping()
                    awaiting_pong = True
                    continue
                awaiting_pong = False
            except (redis.RedisError, OSError) as exc:
                # Events published until the new subscription is confirmed are lost:
                # pub/sub keeps nothing (clients recover with `afterSeq` where it matters).
                logger.warning("Redis backplane connection lost (%s)", type(exc).__name__)
                pubsub, self._pubsub = self._pubsub, None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                continue
            if message is None or message.get("type") != "message":
                continue
            data = message["data"]
            event = self.codec.decode(data) if isinstance(data, bytes) else "malformed"
            if isinstance(event, str):
                self._drop(event)
                continue
            await _call(deliver, event)

    def _drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        if self._metrics is not None:
            self._metrics.inc("backplane_dropped", reason=reason)
        # Once per reason and then every 1,000th: an injection attempt must not flood the log.
        if self.dropped[reason] % 1000 == 1:
            logger.warning(
                "dropped an event read from Redis channel %s (%s; %d so far)",
                self.channel,
                reason,
                self.dropped[reason],
            )

    async def publish(self, event: BackplaneEvent) -> None:
        import redis

        if self._closed:
            raise BackplaneError("the backplane is closed")
        try:
            payload = self.codec.encode(event)
        except (TypeError, msgspec.EncodeError) as exc:
            raise BackplaneError(f"event {event.event_type!r} data is not JSON") from exc
        for attempt in (1, 2):
            try:
                # Bounded: a Redis that stops answering (a partition, no reset) would hold the
                # publisher, and an engine turn that publishes before answering, forever.
                async with asyncio.timeout(self._publish_timeout):
                    await self._redis.publish(self.channel, payload)
                return
            except TimeoutError as exc:
                reason = f"Redis did not answer a publish within {self._publish_timeout:g}s"
                raise BackplaneError(reason) from exc
            except redis.ConnectionError as exc:
                # A pooled connection that Redis dropped while idle: one fresh try.
                if attempt == 2:
                    reason = f"cannot publish to Redis channel {self.channel}"
                    raise BackplaneError(reason) from exc
            except (redis.RedisError, OSError) as exc:
                raise BackplaneError(f"cannot publish to Redis channel {self.channel}") from exc

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
        with contextlib.suppress(Exception):
            await self._redis.aclose()
