"""The ``/ws`` event log on Redis Streams, shared by every server process.

Keys (``prefix`` = ``omnitrack:events`` by default; every key shares it, so a Redis Cluster
needs a hash tag in the prefix, e.g. ``{omnitrack}:events``, to keep them on one slot):

- ``<prefix>:epoch`` and ``<prefix>:seq``: the current epoch's name and its counter
  (:mod:`.eventlog`: numbers only grow, also across a flush);
- ``<prefix>:user:<user id>``: one stream per user, their targeted events, bounded by
  ``MAXLEN ~ user_history`` and expiring ``history_ttl`` seconds after its last event;
- ``<prefix>:broadcast``: the broadcasts, bounded by ``MAXLEN ~ broadcast_history``;
- ``<prefix>:top:<user id>`` and ``<prefix>:top``: each channel's last ``seq``, kept longer
  than its events (``top_ttl``), so a replay after trimming or expiry says what is lost;
- ``<prefix>:feed``: every event, bounded by ``MAXLEN ~ feed_length``: what the processes
  follow live.

Entry ids are ``<seq>-0``. One Lua script numbers an event and appends it to its channel and
to the feed (one round trip, atomic: every reader sees a prefix of one order). Each process
follows the feed with one ``XREAD BLOCK`` on one key, whatever its number of users, and
delivers in ``seq`` order; the feed is contiguous (``seq`` N follows N-1), so a reader that
finds a hole (the feed was trimmed while it lagged or was away) knows it, and catches its
connections up from the channels (``resync``). Pub/sub is not used: it keeps nothing, and a
process resubscribing after an outage would lose what was published meanwhile; a stream is
read from where the process stopped.

Failure: while Redis cannot be reached the backplane is unavailable (publishes refused at once
with ``retry_after``, ``/healthz`` says degraded); the follower retries every
``reconnect_delay`` doubling up to ``max_reconnect_delay`` (1 s), then reattaches and carries on
from its position. A server starts while Redis is down and attaches when it can. What it
reads is not trusted: entries are validated and, with a ``secret``, authenticated (HMAC-SHA256
of their content); what fails is dropped and counted (``backplane_dropped``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from typing import Any

import msgspec

from ..protocol import now_iso
from .backplane import (
    RETRY_AFTER,
    BackplaneError,
    BackplaneEvent,
    Deliver,
    Resync,
    call_deliver,
    new_origin,
    redact_redis_url,
)
from .eventlog import LoggedEvent, Replay, merge_replay, new_epoch, start_seq
from .eventtypes import RESERVED_EVENT_TYPES
from .metrics import Metrics

__all__ = ["EntryCodec", "RedisBackplane"]

logger = logging.getLogger(__name__)

#: Characters an event type may have (as on ``/ws``).
_MAX_TYPE = 100

# KEYS: epoch, seq, feed, channel, top.
# ARGV: new epoch, its start, type, data, timestamp, origin, user ('' = broadcast), signature,
#       feed MAXLEN, channel MAXLEN, channel TTL ms (0: none), top TTL ms (0: none).
_APPEND = """
local epoch = redis.call('GET', KEYS[1])
if not epoch or redis.call('EXISTS', KEYS[2]) == 0 then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', KEYS[2], ARGV[2])
end
local seq = redis.call('INCR', KEYS[2])
local prev = redis.call('GET', KEYS[5]) or '0'
local id = string.format('%d-0', seq)
local fields = {'t', ARGV[3], 'd', ARGV[4], 'ts', ARGV[5], 'o', ARGV[6], 'u', ARGV[7],
                'p', prev, 's', ARGV[8]}
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], id, unpack(fields))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[9], id, unpack(fields))
if tonumber(ARGV[12]) > 0 then
  redis.call('SET', KEYS[5], seq, 'PX', ARGV[12])
else
  redis.call('SET', KEYS[5], seq)
end
if tonumber(ARGV[11]) > 0 then
  redis.call('PEXPIRE', KEYS[4], ARGV[11])
end
return {seq, prev, epoch}
"""

# KEYS: epoch, seq. ARGV: new epoch, its start, the last seq this process saw (0: none).
# A counter behind what a process saw means Redis lost history (restarted from an older
# snapshot): a new epoch, numbered from now, so no number is given twice.
_ATTACH = """
local epoch = redis.call('GET', KEYS[1])
local seq = tonumber(redis.call('GET', KEYS[2]) or '-1')
if not epoch or seq < 0 or seq < tonumber(ARGV[3]) then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', KEYS[2], ARGV[2])
  seq = tonumber(ARGV[2])
end
return {epoch, string.format('%d', seq)}
"""


class _Envelope(msgspec.Struct, frozen=True):
    """What a signature covers, in a fixed order."""

    type: str
    user: str
    data: bytes
    timestamp: str
    origin: str


class EntryCodec:
    """The fields of a stream entry, both ways: validated, and authenticated with ``secret``.

    :meth:`decode` answers the event or why it is dropped (a ``backplane_dropped`` label):
    ``malformed``, ``reserved``, ``unsigned``, ``bad_signature``.
    """

    def __init__(self, secret: str | None = None) -> None:
        self._key = secret.encode() if secret else None

    @property
    def signed(self) -> bool:
        return self._key is not None

    def signature(
        self, event_type: str, user: str, data: bytes, timestamp: str, origin: str
    ) -> str:
        if self._key is None:
            return ""
        body = msgspec.json.encode(_Envelope(event_type, user, data, timestamp, origin))
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def decode(self, seq: int, fields: dict[bytes, bytes]) -> LoggedEvent | str:
        try:
            event_type = fields[b"t"].decode()
            user = fields[b"u"].decode()
            data_json = fields[b"d"]
            timestamp = fields[b"ts"].decode()
            origin = fields[b"o"].decode()
            prev = int(fields[b"p"])
            signature = fields.get(b"s", b"").decode()
        except (KeyError, ValueError):
            return "malformed"
        if self._key is not None:
            if not signature:
                return "unsigned"
            expected = self.signature(event_type, user, data_json, timestamp, origin)
            if not hmac.compare_digest(signature, expected):
                return "bad_signature"
        if not 0 < len(event_type) <= _MAX_TYPE or not origin:
            return "malformed"
        if event_type in RESERVED_EVENT_TYPES:
            return "reserved"
        try:
            data = msgspec.json.decode(data_json)
        except msgspec.DecodeError:
            return "malformed"
        return LoggedEvent(
            seq=seq,
            prev=prev,
            user_id=user or None,
            event_type=event_type,
            data=data,
            timestamp=timestamp,
            origin=origin,
        )


def _seq_of(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.partition("-")[0])


def _cause(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return text if text else type(exc).__name__


class RedisBackplane:
    """The event log on Redis Streams (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "omnitrack:events",
        user_history: int = 1000,
        broadcast_history: int = 1000,
        feed_length: int = 10_000,
        history_ttl: float = 24 * 3600.0,
        top_ttl: float = 30 * 24 * 3600.0,
        reconnect_delay: float = 0.05,
        max_reconnect_delay: float = 1.0,
        publish_timeout: float = 2.0,
        block: float = 5.0,
        batch: int = 500,
        secret: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.url = url
        self.prefix = prefix
        self.origin = new_origin()
        self.client_name = f"omnitrack:{self.origin}"
        self.codec = EntryCodec(secret)
        self._user_history = user_history
        self._broadcast_history = broadcast_history
        self._feed_length = feed_length
        self._history_ttl_ms = int(history_ttl * 1000)
        self._top_ttl_ms = int(top_ttl * 1000)
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay
        self._publish_timeout = publish_timeout
        self._block = block
        self._batch = batch
        self._metrics = metrics
        #: Entries read and dropped, by reason (also ``backplane_dropped`` in the metrics).
        self.dropped: dict[str, int] = {}
        #: Successful attachments so far (1 after a start with Redis up, +1 per recovery).
        self.attachments = 0
        #: Redis commands (round trips) made for publishing, replaying and following.
        self.round_trips = 0
        options: dict[str, Any] = {
            "client_name": self.client_name,
            "retry": Retry(NoBackoff(), 0),
            "socket_connect_timeout": publish_timeout,
        }
        self._redis = aioredis.Redis.from_url(url, **options)
        # The follower blocks up to `block` seconds per read: its socket timeout is longer, so
        # a read that outlives it means Redis stopped answering (a partition).
        self._reader = aioredis.Redis.from_url(
            url, socket_timeout=block + max(publish_timeout, 1.0), **options
        )
        self._append = self._redis.register_script(_APPEND)
        self._attach_script = self._redis.register_script(_ATTACH)
        self._epoch: str | None = None
        self._position: int | None = None
        self._attached = False
        self._delay = reconnect_delay
        self._deliver: Deliver | None = None
        self._resync: Resync | None = None
        self._follower: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._closed = False
        self._set_gauge()

    # ------------------------------------------------------------------ keys

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _channel(self, user_id: str | None) -> tuple[str, str]:
        """The stream and top keys of a user's channel (``None``: the broadcasts)."""
        if user_id is None:
            return self._key("broadcast"), self._key("top")
        return self._key("user", user_id), self._key("top", user_id)

    # ------------------------------------------------------------------ state

    @property
    def available(self) -> bool:
        return self._attached and not self._closed

    @property
    def epoch(self) -> str | None:
        return self._epoch

    @property
    def retry_after(self) -> float:
        return max(self._delay, RETRY_AFTER)

    def _set_gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.set("event_log_available", 1 if self.available else 0)

    async def wait_attached(self, count: int = 1) -> None:
        """Wait until the backplane has attached ``count`` times (recoveries count)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.attachments >= count)

    # ------------------------------------------------------------------ life cycle

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        if self._follower is not None:
            raise BackplaneError("the backplane is already started")
        if self._closed:
            raise BackplaneError("the backplane is closed")
        self._deliver, self._resync = deliver, resync
        try:
            await self._attach()
        except Exception as exc:  # redis errors, OSError, timeouts: degraded, not fatal
            logger.warning(
                "cannot reach Redis at %s (%s); check --redis-url and that Redis is running "
                "there. Serving without the shared event log (degraded: publishing is refused) "
                "until it can be reached",
                redact_redis_url(self.url),
                _cause(exc),
            )
            await self._reset_connections()
        self._follower = asyncio.create_task(self._follow(), name="redis-event-log")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._set_gauge()
        if self._follower is not None:
            # A cancelled XREAD BLOCK may wait out its block (redis-py protects the
            # connection's state): closing the connection under it ends the read at once.
            with contextlib.suppress(Exception):
                await self._reader.connection_pool.disconnect()
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None
        for client in (self._reader, self._redis):
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _reset_connections(self) -> None:
        """Drop pooled connections: after an outage they are dead, and a command on one
        would fail (and must not be retried blindly: an append is not idempotent)."""
        for client in (self._redis, self._reader):
            with contextlib.suppress(Exception):
                await client.connection_pool.disconnect()

    async def _attach(self) -> None:
        assert self._resync is not None
        async with asyncio.timeout(self._publish_timeout):
            reply = await self._attach_script(
                keys=[self._key("epoch"), self._key("seq")],
                args=[new_epoch(), start_seq(time.time()), self._position or 0],
                client=self._redis,
            )
        self.round_trips += 1
        epoch, counter = reply[0].decode(), int(reply[1])
        changed = self._epoch is not None and epoch != self._epoch
        self._epoch = epoch
        if self._position is None or changed:
            if changed:
                logger.warning("the event log's history is gone (new epoch %s)", epoch)
            await self._resync(counter, epoch, changed)
            self._position = counter
        # Otherwise the feed is read on from where this process stopped; a hole is found there.
        self._attached = True
        self._delay = self._reconnect_delay
        self._set_gauge()
        async with self._changed:
            self.attachments += 1
            self._changed.notify_all()

    async def _follow(self) -> None:
        import redis

        while not self._closed:
            try:
                if not self._attached:
                    await self._attach()
                    logger.info("Redis event log attached again (epoch %s)", self._epoch)
                assert self._position is not None
                reply: Any = await self._reader.xread(
                    {self._key("feed"): f"{self._position}-0"},
                    count=self._batch,
                    block=int(self._block * 1000),
                )
                self.round_trips += 1
                for _stream, entries in reply or ():
                    await self._deliver_entries(entries)
            except (redis.RedisError, OSError, TimeoutError, BackplaneError) as exc:
                if self._attached:
                    logger.warning("Redis event log unreachable (%s)", _cause(exc))
                self._attached = False
                self._set_gauge()
                await self._reset_connections()
                await asyncio.sleep(self._delay)
                self._delay = min(self._delay * 2, self._max_reconnect_delay)

    async def _deliver_entries(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        assert self._deliver is not None and self._resync is not None
        assert self._position is not None and self._epoch is not None
        for entry_id, fields in entries:
            seq = _seq_of(entry_id)
            if seq <= self._position:
                continue
            if seq != self._position + 1:
                # The feed lost what came between (trimmed while this process lagged or was
                # away, or Redis was flushed): its connections catch up from their channels
                # first, or hear that their history is gone.
                await self._catch_up(seq - 1)
            self._position = seq
            event = self.codec.decode(seq, fields)
            if isinstance(event, str):
                self._drop(event)
                continue
            await call_deliver(self._deliver, event)

    async def _catch_up(self, upto: int) -> None:
        assert self._resync is not None and self._epoch is not None
        async with asyncio.timeout(self._publish_timeout):
            reply = await self._attach_script(
                keys=[self._key("epoch"), self._key("seq")],
                args=[new_epoch(), start_seq(time.time()), 0],
                client=self._redis,
            )
        self.round_trips += 1
        epoch = reply[0].decode()
        changed = epoch != self._epoch
        if changed:
            logger.warning("the event log's history is gone (new epoch %s)", epoch)
            self._epoch = epoch
        await self._resync(upto, epoch, changed)

    def _drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        if self._metrics is not None:
            self._metrics.inc("backplane_dropped", reason=reason)
        # Once per reason and then every 1,000th: an injection attempt must not flood the log.
        if self.dropped[reason] % 1000 == 1:
            logger.warning(
                "dropped an event read from the Redis event log %s (%s; %d so far)",
                self.prefix,
                reason,
                self.dropped[reason],
            )

    # ------------------------------------------------------------------ publish

    async def publish(self, event: BackplaneEvent) -> LoggedEvent:
        import redis

        if self._closed:
            raise BackplaneError("the backplane is closed")
        if not self._attached:
            raise BackplaneError(
                "the event log (Redis) is unavailable", retry_after=self.retry_after
            )
        try:
            data = msgspec.json.encode(event.data)
        except (TypeError, msgspec.EncodeError) as exc:
            raise BackplaneError(f"event {event.event_type!r} data is not JSON") from exc
        timestamp = now_iso()
        user = event.user_id or ""
        stream, top = self._channel(event.user_id)
        history = self._broadcast_history if event.user_id is None else self._user_history
        ttl = 0 if event.user_id is None else self._history_ttl_ms
        signature = self.codec.signature(event.event_type, user, data, timestamp, event.origin)
        try:
            # Bounded: a Redis that stops answering (a partition, no reset) would hold the
            # publisher, and an engine turn that publishes before answering, forever.
            async with asyncio.timeout(self._publish_timeout):
                reply = await self._append(
                    keys=[self._key("epoch"), self._key("seq"), self._key("feed"), stream, top],
                    args=[
                        new_epoch(),
                        start_seq(time.time()),
                        event.event_type,
                        data,
                        timestamp,
                        event.origin,
                        user,
                        signature,
                        self._feed_length,
                        history,
                        ttl,
                        self._top_ttl_ms,
                    ],
                    client=self._redis,
                )
        except TimeoutError as exc:
            await self._reset_connections()
            reason = f"Redis did not answer a publish within {self._publish_timeout:g}s"
            raise BackplaneError(reason, retry_after=self.retry_after) from exc
        except (redis.RedisError, OSError) as exc:
            await self._reset_connections()
            raise BackplaneError(
                f"cannot append to the Redis event log ({_cause(exc)})",
                retry_after=self.retry_after,
            ) from exc
        self.round_trips += 1
        return LoggedEvent(
            seq=int(reply[0]),
            prev=int(reply[1]),
            user_id=event.user_id,
            event_type=event.event_type,
            data=event.data,
            timestamp=timestamp,
            origin=event.origin,
        )

    # ------------------------------------------------------------------ replay

    async def replay(self, user_id: str, after_seq: int, epoch: str | None) -> Replay:
        return await self._replay(user_id, after_seq, epoch, None)

    async def replay_upto(
        self, user_id: str, after_seq: int, epoch: str | None, upto: int
    ) -> Replay:
        return await self._replay(user_id, after_seq, epoch, upto)

    async def _replay(
        self, user_id: str, after_seq: int, epoch: str | None, upto: int | None
    ) -> Replay:
        import redis

        start = 0 if epoch is not None and epoch != self._epoch else after_seq
        try:
            async with asyncio.timeout(self._publish_timeout):
                replay = await self._read(user_id, start, epoch, upto)
                if epoch is not None and replay.epoch != epoch and start != 0:
                    # The epoch changed since this process last looked: from its start.
                    replay = await self._read(user_id, 0, epoch, upto)
        except TimeoutError as exc:
            raise BackplaneError(
                f"Redis did not answer within {self._publish_timeout:g}s",
                retry_after=self.retry_after,
            ) from exc
        except (redis.RedisError, OSError) as exc:
            raise BackplaneError(
                f"cannot read the Redis event log ({_cause(exc)})", retry_after=self.retry_after
            ) from exc
        return replay

    async def _read(
        self, user_id: str, after_seq: int, epoch: str | None, upto: int | None
    ) -> Replay:
        user_stream, user_top = self._channel(user_id)
        broadcast_stream, broadcast_top = self._channel(None)
        low = f"{after_seq + 1}-0"
        # One transaction: both channels as of one instant, so nothing published between two
        # reads is missed (later events reach the connection live).
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(self._key("epoch"))
        pipe.xrange(user_stream, low, "+")
        pipe.get(user_top)
        pipe.xrange(broadcast_stream, low, "+")
        pipe.get(broadcast_top)
        current, user_entries, top, broadcast_entries, btop = await pipe.execute()
        self.round_trips += 1
        current_epoch = current.decode() if current is not None else (self._epoch or "")
        channels = []
        for entries, last in ((user_entries, top), (broadcast_entries, btop)):
            events = []
            for entry_id, fields in entries:
                event = self.codec.decode(_seq_of(entry_id), fields)
                if isinstance(event, str):
                    self._drop(event)
                else:
                    events.append(event)
            channels.append((events, int(last) if last is not None else 0))
        replay = merge_replay(
            epoch=current_epoch, client_epoch=epoch, after_seq=after_seq, channels=channels
        )
        if upto is None:
            return replay
        # Cut only now: whether history is lost is told by the first event after the cursor,
        # which may lie beyond `upto`.
        return Replay(replay.epoch, tuple(e for e in replay.events if e.seq <= upto), replay.lost)
