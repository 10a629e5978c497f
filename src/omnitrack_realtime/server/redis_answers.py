"""Copilot answers shared by the server processes through Redis (one short-lived stream each).

Keys (``prefix`` = ``omnitrack:answers`` by default):

- ``<prefix>:<stream id>``: the answer's record (:mod:`.answerlog`), appended with ``XADD`` as
  it is produced, in batches: a stream's writer has at most one append in flight and waits
  ``flush_interval`` before it, so one round trip carries every token produced meanwhile (the
  end is written at once). It expires ``live_ttl`` after its last append while it runs and
  ``retention`` after its end;
- ``<prefix>:<stream id>:writer``: the process that may append (a fence): a process taking a
  turn over writes its name with its first append, and an append from any other is refused,
  so a process that was only slow (its lease ran out) cannot interleave its tokens;
- ``<prefix>:ctl:<owner>``: each process's control stream: ``cancel`` requests for the turns
  it runs, and the wake-ups of its own reader when it starts following another answer.

Each process reads with one ``XREAD BLOCK`` over its control stream and every answer it
follows for its connections (a ``resume`` or a resend of an answer another process runs), so
following costs no connection per answer. With a ``secret``, every entry carries an
HMAC-SHA256 of its stream, kind and payload; entries that fail it are dropped and counted
(``backplane_dropped``), as on the event log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .answerlog import Entry, Progress, decode_entry, free_entry, pending_entries
from .metrics import Metrics
from .streams import Stream

__all__ = ["RedisAnswers"]

logger = logging.getLogger(__name__)

# KEYS: record, writer fence. ARGV: writer, TTL ms, take ('1': become the writer), then
# (kind, payload, signature) for each entry.
_APPEND = """
if ARGV[3] == '1' then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
elseif redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
for i = 4, #ARGV, 3 do
  redis.call('XADD', KEYS[1], '*', 'k', ARGV[i], 'j', ARGV[i + 1], 's', ARGV[i + 2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""

OnEntry = Callable[[str, Entry], None]
OnCancel = Callable[[str], None]
OnIdle = Callable[[], Awaitable[None]]


@dataclass(slots=True, eq=False)
class _Writer:
    stream: Stream
    written: Progress = field(default_factory=Progress)
    claimed: bool = False
    fenced: bool = False
    timer: asyncio.TimerHandle | None = None
    flushing: asyncio.Task[None] | None = None
    failed_until: float = 0.0


class RedisAnswers:
    """The answers' records on Redis (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "omnitrack:answers",
        flush_interval: float = 0.02,
        live_ttl: float = 120.0,
        retention: float = 300.0,
        watch: float = 1.0,
        timeout: float = 2.0,
        secret: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.prefix = prefix
        self.flush_interval = flush_interval
        #: Seconds without news from a followed answer before its owner is checked on.
        self.watch = watch
        self._live_ttl_ms = int(live_ttl * 1000)
        self._retention_ms = int(retention * 1000)
        self._timeout = timeout
        self._key_bytes = secret.encode() if secret else None
        self._metrics = metrics
        #: Redis commands (round trips) made for answers: appends, reads, cancels.
        self.round_trips = 0
        options: dict[str, Any] = {
            "retry": Retry(NoBackoff(), 0),
            "socket_connect_timeout": timeout,
        }
        self._redis = aioredis.Redis.from_url(url, **options)
        self._reader = aioredis.Redis.from_url(url, socket_timeout=watch + timeout, **options)
        self._append = self._redis.register_script(_APPEND)
        self._owner = ""
        self._writers: dict[str, _Writer] = {}
        #: Followed answers: the id of the last entry read of each.
        self._following: dict[str, str] = {}
        self._ctl_last = "0-0"
        self._on_entry: OnEntry | None = None
        self._on_cancel: OnCancel | None = None
        self._on_idle: OnIdle | None = None
        self._reading: asyncio.Task[None] | None = None
        self._closed = False

    # ------------------------------------------------------------------ keys, signatures

    def _record(self, stream_id: str) -> str:
        return f"{self.prefix}:{stream_id}"

    def _ctl(self, owner: str) -> str:
        return f"{self.prefix}:ctl:{owner}"

    def _sign(self, stream_id: str, kind: str, payload: bytes) -> str:
        if self._key_bytes is None:
            return ""
        body = b"\n".join((stream_id.encode(), kind.encode(), payload))
        return hmac.new(self._key_bytes, body, hashlib.sha256).hexdigest()

    def _decode(self, stream_id: str, fields: Any) -> Entry | None:
        try:
            kind = fields[b"k"].decode()
            payload = fields[b"j"]
            signature = fields.get(b"s", b"").decode()
        except (KeyError, UnicodeDecodeError):
            self._drop("malformed")
            return None
        if self._key_bytes is not None and not hmac.compare_digest(
            signature, self._sign(stream_id, kind, payload)
        ):
            self._drop("bad_signature" if signature else "unsigned")
            return None
        entry = decode_entry(kind, payload)
        if entry is None:
            self._drop("malformed")
        return entry

    def _drop(self, reason: str) -> None:
        if self._metrics is not None:
            self._metrics.inc("backplane_dropped", reason=reason)
        logger.debug("dropped an answer entry read from Redis (%s)", reason)

    # ------------------------------------------------------------------ life cycle

    async def start(
        self, owner: str, on_entry: OnEntry, on_cancel: OnCancel, on_idle: OnIdle
    ) -> None:
        """Read this process's control stream and the answers it follows (``owner``: the hub's
        name on the turn journal)."""
        self._owner = owner
        self._on_entry, self._on_cancel, self._on_idle = on_entry, on_cancel, on_idle
        self._reading = asyncio.get_running_loop().create_task(self._read(), name="redis-answers")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        flushing = [w.flushing for w in self._writers.values() if w.flushing is not None]
        if flushing:
            await asyncio.wait(flushing, timeout=self._timeout)
        if self._reading is not None:
            with contextlib.suppress(Exception):
                await self._reader.connection_pool.disconnect()
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        for client in (self._reader, self._redis):
            with contextlib.suppress(Exception):
                await client.aclose()

    # ------------------------------------------------------------------ writing

    def update(self, stream: Stream) -> None:
        """``stream`` (a turn this process runs) has news: append it to its record soon, at
        once if the answer has ended."""
        writer = self._writers.get(stream.stream_id)
        if writer is None:
            writer = self._writers[stream.stream_id] = _Writer(stream)
        self._schedule(writer)

    def take_over(self, stream: Stream) -> None:
        """This process now runs ``stream``'s turn; its record holds what ``stream`` holds."""
        self._writers[stream.stream_id] = _Writer(stream, Progress.of(stream))

    async def release(self, stream: Stream) -> None:
        """Hand the turn over (graceful stop): write what is left, then ``free``."""
        writer = self._writers.pop(stream.stream_id, None)
        if writer is None:
            writer = _Writer(stream)
        if writer.timer is not None:
            writer.timer.cancel()
        if writer.flushing is not None:
            await asyncio.wait([writer.flushing])
        entries, _ = pending_entries(stream, writer.written)
        entries.append(free_entry(stream))
        await self._write(writer, entries)

    def _schedule(self, writer: _Writer) -> None:
        if writer.flushing is not None or writer.fenced:
            return  # the running flush looks again when it is done
        loop = asyncio.get_running_loop()
        if not writer.stream.running and writer.failed_until <= loop.time():
            if writer.timer is not None:
                writer.timer.cancel()
            writer.timer = None
            writer.flushing = loop.create_task(self._flush(writer))
        elif writer.timer is None:
            delay = max(self.flush_interval, writer.failed_until - loop.time())
            writer.timer = loop.call_later(delay, self._flush_due, writer)

    def _flush_due(self, writer: _Writer) -> None:
        writer.timer = None
        if writer.flushing is None and not self._closed:
            writer.flushing = asyncio.get_running_loop().create_task(self._flush(writer))

    async def _flush(self, writer: _Writer) -> None:
        try:
            entries, after = pending_entries(writer.stream, writer.written)
            if entries and await self._write(writer, entries):
                writer.written = after
        finally:
            writer.flushing = None
        if writer.written.end or writer.fenced:
            if self._writers.get(writer.stream.stream_id) is writer:
                del self._writers[writer.stream.stream_id]
        elif pending_entries(writer.stream, writer.written)[0] and not self._closed:
            # More came meanwhile, or the append failed (Redis away): again, a second later
            # after a failure, until the record has the end.
            self._schedule(writer)

    async def _write(self, writer: _Writer, entries: list[tuple[str, bytes]]) -> bool:
        import redis

        stream_id = writer.stream.stream_id
        args: list[Any] = [
            self._owner,
            self._retention_ms if not writer.stream.running else self._live_ttl_ms,
            "0" if writer.claimed else "1",
        ]
        for kind, payload in entries:
            args += [kind, payload, self._sign(stream_id, kind, payload)]
        try:
            async with asyncio.timeout(self._timeout):
                accepted = await self._append(
                    keys=[self._record(stream_id), f"{self._record(stream_id)}:writer"],
                    args=args,
                    client=self._redis,
                )
        except (redis.RedisError, OSError, TimeoutError) as exc:
            # Redis away: the answer goes on here; the record catches up when it is back.
            logger.debug("could not append to the answer record of %s: %s", stream_id, exc)
            writer.failed_until = asyncio.get_running_loop().time() + 1.0
            with contextlib.suppress(Exception):
                await self._redis.connection_pool.disconnect()
            return False
        self.round_trips += 1
        writer.claimed = True
        if not accepted:
            logger.warning("answer %s is written by another process now; stopped here", stream_id)
            writer.fenced = True
            return False
        return True

    # ------------------------------------------------------------------ reading

    async def load(self, stream_id: str) -> tuple[list[Entry], str] | None:
        """The answer's whole record and the id of its last entry (``None``: no record, or
        Redis cannot be read)."""
        import redis

        try:
            async with asyncio.timeout(self._timeout):
                raw = await self._redis.xrange(self._record(stream_id), "-", "+")
        except (redis.RedisError, OSError, TimeoutError) as exc:
            logger.debug("could not read the answer record of %s: %s", stream_id, exc)
            return None
        self.round_trips += 1
        if not raw:
            return None
        entries = [e for e in (self._decode(stream_id, fields) for _, fields in raw) if e]
        last = raw[-1][0]
        return entries, last.decode() if isinstance(last, bytes) else str(last)

    def follow(self, stream_id: str, after: str = "0-0") -> None:
        """Deliver ``stream_id``'s entries after ``after`` to ``on_entry`` from now on."""
        if stream_id in self._following:
            return
        self._following[stream_id] = after
        asyncio.get_running_loop().create_task(self._wake())

    def unfollow(self, stream_id: str) -> None:
        self._following.pop(stream_id, None)

    async def _wake(self) -> None:
        # The reader is blocked on the keys it had: a control entry makes it read them again.
        await self._control(self._owner, {"wake": "1"})

    async def cancel(self, owner: str, stream_id: str) -> bool:
        """Ask the process ``owner`` to cancel the turn ``stream_id`` (``False``: Redis could
        not be reached). No reason travels: a cancel is the user's, whoever relays it."""
        return await self._control(owner, {"cancel": stream_id})

    async def _control(self, owner: str, fields: dict[str, str]) -> bool:
        import redis

        key = self._ctl(owner)
        try:
            async with asyncio.timeout(self._timeout):
                pipe = self._redis.pipeline(transaction=False)
                pipe.xadd(key, fields, maxlen=100, approximate=True)  # type: ignore[arg-type]
                pipe.expire(key, 3600)
                await pipe.execute()
        except (redis.RedisError, OSError, TimeoutError) as exc:
            logger.debug("could not write to %s: %s", key, exc)
            return False
        self.round_trips += 1
        return True

    async def _read(self) -> None:
        import redis

        assert self._on_entry is not None and self._on_cancel is not None
        assert self._on_idle is not None
        loop = asyncio.get_running_loop()
        delay, watched = 0.05, loop.time()
        ctl = self._ctl(self._owner)
        while not self._closed:
            keys: dict[Any, Any] = {ctl: self._ctl_last}
            keys.update({self._record(sid): last for sid, last in self._following.items()})
            try:
                reply: Any = await self._reader.xread(keys, count=500, block=int(self.watch * 1000))
                self.round_trips += 1
                delay = 0.05
            except (redis.RedisError, OSError, TimeoutError) as exc:
                logger.debug("cannot read answers from Redis: %s", exc)
                with contextlib.suppress(Exception):
                    await self._reader.connection_pool.disconnect()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                reply = None
            for key, entries in reply or ():
                name = key.decode() if isinstance(key, bytes) else str(key)
                if name == ctl:
                    self._control_entries(entries)
                    continue
                stream_id = name[len(self.prefix) + 1 :]
                for entry_id, fields in entries:
                    if stream_id not in self._following:
                        break
                    self._following[stream_id] = entry_id.decode()
                    entry = self._decode(stream_id, fields)
                    if entry is not None:
                        self._on_entry(stream_id, entry)
            if loop.time() - watched >= self.watch:
                watched = loop.time()
                try:
                    await self._on_idle()
                except Exception:
                    logger.exception("checking on followed answers failed")

    def _control_entries(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        assert self._on_cancel is not None
        for entry_id, fields in entries:
            self._ctl_last = entry_id.decode()
            stream_id = fields.get(b"cancel")
            if stream_id is not None:
                self._on_cancel(stream_id.decode(errors="replace"))
