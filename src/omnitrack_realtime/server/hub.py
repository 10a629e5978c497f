"""Per-process state of the server, shared by every session, whatever the transport.

The :class:`Hub` owns what outlives a single connection:

- the copilot turns being generated (a task per turn, recorded in the :class:`StreamRegistry`;
  a turn goes on when its connection drops, so a reconnecting client can ``resume`` it). A
  conversation's turns run one at a time, in the order they were received: a later turn waits
  in its conversation's line until every earlier one has ended (its answer stored), and only
  then reads its context and reaches the engine, so an answer never misses the changes of the
  turns before it;
- the turn journal's side of durability: a turn is in the store's journal from before its
  acknowledgment until its answer is stored (:meth:`~.store.ConversationStore.finish_turn`).
  The hub holds a lease on the turns it runs and renews it; at start, every
  :data:`TURN_LEASE` / 3 seconds, and when a client resends a message whose answer is not
  stored, it takes over the pending turns no live process runs and runs them again, with the
  same turn id (the engine's :attr:`~omnitrack_realtime.seam.EngineRequest.turn_id`), so a turn
  the engine had finished answers from its record instead of acting twice;
- the ``/ws`` connections and their feeds from the shared event log (:mod:`.eventchannel`,
  on the backplane that every server process shares);
- the limits (message rate, flooding, connections per user), the store and the metrics. With
  Redis the message rates and the connection cap are shared by every process
  (:mod:`.redis_limits`), and so are typing indicators and read receipts (:mod:`.presence`).

Sessions (:mod:`.session`) translate one connection's frames into calls on the hub; drivers
(:mod:`.ws_driver`, the ASGI driver) only move bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from ..protocol import (
    AssistantMessage,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    Typing,
    encode,
    now_ms,
)
from ..protocol.copilot import ReadReceipt, ServerMessage, UserTyping
from ..seam import (
    AnswerEnd,
    AnswerStart,
    AnswerText,
    Attachment,
    CopilotEngine,
    EngineRequest,
    HistoryTurn,
    split_tokens,
)
from . import owners
from .answerlog import FREE, Entry, apply_entry, mirror_of
from .attachments import AttachmentStore, attachments_for
from .backplane import Backplane, BackplaneError, MemoryBackplane
from .config import ServerConfig
from .crashpoint import ARMED as CRASH_ARMED
from .crashpoint import crash_point
from .eventchannel import EventChannel, EventSubscriber
from .eventlog import LoggedEvent, MemoryEventLog
from .limits import ConnectionLimiter, FloodGuard, TokenBucket
from .metrics import Metrics
from .presence import RedisPresence
from .redis_limits import RedisLimits
from .store import ConversationStore, PendingTurn, ProcessedMessage, StoredMessage
from .streams import FrameSink, Stream, StreamRegistry
from .transcriber import HttpTranscriber, Transcriber

if TYPE_CHECKING:
    from .redis_answers import RedisAnswers

__all__ = ["Admission", "EventSubscriber", "Hub", "KeyedLock", "encode_frame"]

logger = logging.getLogger("omnitrack_realtime.server")

#: Tokens an unpaced turn (token delay 0) streams before it lets the event loop run others.
_YIELD_EVERY = 16

#: Messages of context a turn hands the engine (the seed's rule: the last 5).
_CONTEXT = 5


#: Messages read per page when looking for a forgotten stream's stored answer.
_RECOVER_PAGE = 200


def _now_ms() -> int:
    # The hot path's clock (per token): same value as protocol.now_ms, without a datetime.
    return time.time_ns() // 1_000_000


#: Said to the followers of a stream stopped by a graceful shutdown.
SHUTDOWN_REASON = "The server is shutting down"
ENGINE_FAILED = "The copilot could not finish this answer; please try again"
ANSWER_LOST = "The answer was interrupted and is no longer available"
TURN_ABANDONED = "The copilot could not complete this message; please send it again"
#: Said when a turn taken over from a process that died answers differently from what that
#: process had streamed (an engine that does not decide before it streams): the answer ends
#: with what was streamed and recorded.
ANSWER_CUT = "The copilot stopped while answering; this is the part it had written"
#: Why a running turn stops when its process stops gracefully and others share its answers:
#: not an interruption, a handover (the next process finishes the answer).
HANDOVER = "handover"

#: Seconds a process holds the turns it runs without renewing its lease (it renews every third
#: of it): a process that vanished on another host has its turns taken over after this.
TURN_LEASE = 30.0
#: Runs of one turn before it is given up (a turn that kills its process each time).
MAX_TURN_ATTEMPTS = 3


#: Fields the seed's clients read unconditionally; the structs omit them when empty.
_ALWAYS: dict[type[Any], dict[str, Any]] = {
    StreamStart: {"metadata": {}},
    StreamComplete: {"metadata": {}},
    AssistantMessage: {"content": "", "metadata": {}},
    StreamInterrupted: {"error": "", "partialResponse": ""},
}


def encode_frame(frame: ServerMessage) -> bytes:
    """Encode a ``/copilot`` frame, keeping the fields a seed client always reads."""
    always = _ALWAYS.get(type(frame))
    if always is None:
        return encode(frame)
    data: dict[str, Any] = msgspec.to_builtins(frame)
    for key, value in always.items():
        data.setdefault(key, value)
    return encode(data)


def _turn_order(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    """``messages`` (stored order) with each answer right after the message it answers
    (``replyTo``), when that message is among them."""
    present = {m.message_id for m in messages if m.role == "user"}
    answers: dict[str, list[StoredMessage]] = {}
    placed: set[int] = set()
    for message in messages:
        reply_to = message.metadata.get("replyTo") if message.role == "assistant" else None
        if isinstance(reply_to, str) and reply_to in present:
            answers.setdefault(reply_to, []).append(message)
            placed.add(id(message))
    ordered: list[StoredMessage] = []
    for message in messages:
        if id(message) in placed:
            continue  # it goes right after its question
        ordered.append(message)
        ordered.extend(answers.get(message.message_id, ()))
    return ordered


class _Diverged(Exception):
    """A turn run again said something else than what its earlier run had streamed."""


def _stream_of(turn: PendingTurn) -> Stream:
    return Stream(
        stream_id=turn.turn_id,
        user_id=turn.user_id,
        conversation_id=turn.conversation_id,
        streaming=turn.streaming,
        client_message_id=turn.client_message_id,
        user_message_id=turn.message_id,
    )


class KeyedLock:
    """One :class:`asyncio.Lock` per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Admission:
    """The answer to a new connection: admitted (``connection_id``, to release it with) or
    refused for the per-user cap (``retry_after``: seconds the client is told to wait)."""

    __slots__ = ("connection_id", "retry_after", "user_id")

    def __init__(self, user_id: str, connection_id: str | None, retry_after: float = 0.0) -> None:
        self.user_id = user_id
        self.connection_id = connection_id
        self.retry_after = retry_after

    @property
    def admitted(self) -> bool:
        return self.connection_id is not None


class _HubPublisher:
    """The :class:`~omnitrack_realtime.seam.EventPublisher` handed to the engine."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def publish(self, user_id: str, event_type: str, data: Any) -> None:
        try:
            await self._hub.publish_event(user_id, event_type, data)
        except BackplaneError as exc:
            # Not in the log, so nobody gets it: the log's outage is reported where it is
            # noticed (and counted, events_refused), not as the engine's failure.
            logger.debug("%s not published: %s", event_type, exc.reason)


class Hub:
    """Everything a server process shares between its connections (see the module docstring)."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        engine: CopilotEngine,
        store: ConversationStore,
        backplane: Backplane | None = None,
        answers: RedisAnswers | None = None,
        metrics: Metrics | None = None,
        shared_limits: RedisLimits | None = None,
        presence: RedisPresence | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        attachments: AttachmentStore | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        # Fail at start, not with an HTTP 500 (and a traceback) for each handshake whose token
        # names an accepted algorithm the configuration has no key for.
        for algorithm in config.auth.algorithms:
            config.auth.verification_key(algorithm)
        self.config = config
        self.engine = engine
        self.store = store
        #: Uploaded and exported files, in the store's database (or memory).
        self.attachments = attachments if attachments is not None else attachments_for(store)
        if transcriber is None and config.speech is not None:
            speech = config.speech
            transcriber = HttpTranscriber(speech.url, model=speech.model, api_key=speech.api_key)
        #: Speech to text for voice messages; None refuses them (NO_TRANSCRIBER).
        self.transcriber = transcriber
        if backplane is None:
            from .backplane import MemoryHub

            log = MemoryEventLog(
                capacity=config.event_buffer,
                max_users=config.event_buffer_users,
                max_bytes=config.event_buffer_bytes,
                ttl=config.event_retention,
            )
            backplane = MemoryBackplane(MemoryHub(log))
        self.backplane: Backplane = backplane
        self.metrics = metrics if metrics is not None else Metrics()
        self.clock = clock
        self.wall_clock = wall_clock
        limits = config.limits
        self.rate = TokenBucket(
            per_minute=limits.messages_per_minute, burst=limits.burst, clock=clock
        )
        #: Replays of processed messages and history requests (issue 9: their answers are
        #: large and they do not count against the message rate).
        self.replays = TokenBucket(
            per_minute=limits.replays_per_minute, burst=limits.replay_burst, clock=clock
        )
        self.flood = FloodGuard(
            strikes=limits.flood_strikes, window=limits.flood_window, clock=clock
        )
        self.connections = ConnectionLimiter(
            per_user=limits.connections_per_user, retry_after=limits.connection_retry_after
        )
        #: The rates and the connection cap every process shares (Redis); ``None``: the ones
        #: above are this process's alone. They fall back to the ones above while Redis fails.
        self.shared_limits = shared_limits
        #: Typing and read receipts to the user's connections on the other processes.
        self.presence = presence
        #: This process's open connections (id -> user), renewed in the shared registry.
        self._admitted: dict[str, str] = {}
        self._connection_numbers = itertools.count(1)
        self.streams = StreamRegistry(
            retention=config.stream_retention,
            max_ended=config.stream_retention_count,
            clock=clock,
        )
        self.intake = KeyedLock()
        self.publisher = _HubPublisher(self)
        #: Identifies this process on the backplane.
        self.origin = uuid.uuid4().hex
        #: Names this hub as the owner of the pending turns it runs (see :mod:`.owners`).
        self.owner = owners.owner_id(self.origin)
        self._leases: asyncio.Task[None] | None = None
        self.events = EventChannel(
            self.backplane, metrics=self.metrics, replay_budget=config.outbound_buffer // 2
        )
        #: The answers' records shared with the other processes (None: one process, the
        #: answers live in this process's registry only).
        self.answers = answers
        #: Answers another process runs that this one follows for its connections, and when
        #: each last had news (a silent one's owner is checked on).
        self._mirrors: dict[str, Stream] = {}
        self._heard: dict[str, float] = {}
        self._copilot_sinks: dict[str, set[FrameSink]] = {}
        self._turns: dict[str, asyncio.Task[None]] = {}
        #: Each conversation's turns not ended yet, in the order received: the first runs, the
        #: others wait for it.
        self._lines: dict[str, list[Stream]] = {}
        self._cancel_reasons: dict[str, str] = {}
        #: Turns whose answer has ended and is being stored: too late to interrupt.
        self._storing: set[str] = set()
        self._started = False
        self._closed = False
        self.closing = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Subscribe to the backplane, run the pending turns no live process runs, and keep
        the leases of this hub's turns."""
        if not self._started:
            self._started = True
            owners.register(self.origin)
            if self.shared_limits is not None:
                self.shared_limits.start(lambda: self._admitted)
            if self.presence is not None:
                await self.presence.start(self._on_presence)
            await self.events.start()
            if self.answers is not None:
                await self.answers.start(
                    self.owner, self._on_answer_entry, self._on_remote_cancel, self._watch_mirrors
                )
            await self.recover_turns()
            self._leases = asyncio.get_running_loop().create_task(
                self._keep_leases(), name="turn-leases"
            )

    async def interrupt_all(self, reason: str = SHUTDOWN_REASON) -> None:
        """Stop every running turn with ``stream_interrupted`` (partial text) and store it."""
        self.closing = True
        if self.answers is not None and reason == SHUTDOWN_REASON:
            # Others share the answers: they finish these turns (the clients resume there).
            reason = HANDOVER
        for key in list(self._turns):
            self._cancel(key, reason)
        # Every turn, also those already cancelled or storing their end: the store closes next.
        tasks = list(self._turns.values())
        if tasks:
            await asyncio.wait(tasks, timeout=self.config.shutdown_timeout)

    async def wait_turns(self) -> None:
        """Wait until every turn running now has ended (draining, tests)."""
        tasks = list(self._turns.values())
        if tasks:
            await asyncio.wait(tasks)

    async def close(self) -> None:
        """Interrupt what runs, then release the backplane and flush the store; idempotent."""
        if self._closed:
            return
        await self.interrupt_all()
        self._closed = True
        if self._leases is not None:
            self._leases.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._leases
        # From now on the turns left pending are free for the next process (or hub) at once.
        owners.unregister(self.origin)
        if self.presence is not None:
            await self.presence.close()
        if self.shared_limits is not None:
            # The connections still open here end with this process: not counted any more.
            await self.shared_limits.close(forget=self._admitted)
        if self.answers is not None:
            await self.answers.close()
        try:
            await self.backplane.close()
        finally:
            await self.store.close()

    # ------------------------------------------------------------------ connections

    def add_copilot(self, user_id: str, sink: FrameSink) -> None:
        self._copilot_sinks.setdefault(user_id, set()).add(sink)
        self.metrics.inc("connections", channel="copilot")

    def remove_copilot(self, user_id: str, sink: FrameSink) -> None:
        sinks = self._copilot_sinks.get(user_id)
        if sinks is not None and sink in sinks:
            sinks.discard(sink)
            if not sinks:
                del self._copilot_sinks[user_id]
            self.metrics.dec("connections", channel="copilot")

    def copilot_peers(self, user_id: str, sink: FrameSink) -> list[FrameSink]:
        """The user's other ``/copilot`` connections on this process."""
        return [other for other in self._copilot_sinks.get(user_id, ()) if other is not sink]

    async def signal_peers(self, sink: FrameSink, signal: UserTyping | ReadReceipt) -> None:
        """A typing indicator or read receipt of ``signal.user_id`` to their other
        ``/copilot`` connections, on this process at once and on the others through Redis."""
        assert signal.user_id is not None
        self.fan_out(self.copilot_peers(signal.user_id, sink), [signal])
        if self.presence is not None:
            await self.presence.publish(signal)

    def _on_presence(self, signal: UserTyping | ReadReceipt) -> None:
        """Another process's signal: to every ``/copilot`` connection of the user here."""
        if signal.user_id is not None:
            self.fan_out(self._copilot_sinks.get(signal.user_id, ()), [signal])

    async def admit_connection(self, user_id: str) -> Admission:
        """Count a new connection of ``user_id`` against the per-user cap, on every process
        with Redis (this process's alone without it, or while Redis fails)."""
        limiter = self.connections
        if not limiter.acquire(user_id):
            return Admission(user_id, None, float(limiter.retry_after))
        connection_id = f"{self.origin}:{next(self._connection_numbers)}"
        if self.shared_limits is not None:
            wait = await self.shared_limits.register(user_id, connection_id, limiter.per_user)
            if wait is not None:
                limiter.release(user_id)
                return Admission(user_id, None, min(wait, float(limiter.retry_after)))
        self._admitted[connection_id] = user_id
        return Admission(user_id, connection_id)

    def release_connection(self, admission: Admission) -> None:
        """An admitted connection ended (extra releases are ignored)."""
        connection_id = admission.connection_id
        if connection_id is None or self._admitted.pop(connection_id, None) is None:
            return
        self.connections.release(admission.user_id)
        if self.shared_limits is not None:
            self.shared_limits.release(admission.user_id, connection_id)

    async def take_message(self, user_id: str) -> float | None:
        """Spend one of ``user_id``'s messages (:attr:`rate`): ``None`` if allowed, else the
        seconds until one is."""
        if self.shared_limits is None:
            return self.rate.take(user_id)
        return await self.shared_limits.take("message", user_id, self.rate)

    async def take_replay(self, user_id: str) -> float | None:
        """Spend one of ``user_id``'s replays or history requests (:attr:`replays`)."""
        if self.shared_limits is None:
            return self.replays.take(user_id)
        return await self.shared_limits.take("replay", user_id, self.replays)

    def add_subscriber(self, subscriber: EventSubscriber) -> None:
        self.events.add(subscriber)

    def remove_subscriber(self, subscriber: EventSubscriber) -> None:
        self.events.remove(subscriber)

    # ------------------------------------------------------------------ frames

    def send(self, sink: FrameSink, frame: ServerMessage, *, channel: str = "copilot") -> None:
        sink.send(encode_frame(frame))
        self.metrics.inc("messages_out", channel=channel)

    def fan_out(self, sinks: Iterable[FrameSink], frames: Sequence[ServerMessage]) -> None:
        """Send ``frames`` to every sink, each frame encoded once."""
        targets = list(sinks)
        if not targets or not frames:
            return
        for frame in frames:
            data = encode_frame(frame)
            for sink in targets:
                sink.send(data)
        self.metrics.inc("messages_out", len(targets) * len(frames), channel="copilot")

    # ------------------------------------------------------------------ events (/ws)

    async def publish_event(self, user_id: str | None, event_type: str, data: Any) -> LoggedEvent:
        """Publish an event to ``user_id``'s ``/ws`` connections (``None``: everyone subscribed)
        on every server process: it is appended to the shared log, and every process delivers
        it from there. Raises :class:`~.backplane.BackplaneError` (with ``retry_after``) when
        the log cannot take it: then nobody gets it."""
        return await self.events.publish(user_id, event_type, data)

    # ------------------------------------------------------------------ copilot turns

    def start_turn(self, stream: Stream, message: str) -> int:
        """Register ``stream`` and generate its answer to ``message`` in a task of its own,
        once every earlier turn of its conversation has ended; returns how many turns are
        ahead of it (0: it starts now)."""
        self.streams.add(stream)
        if stream.streaming:
            self.metrics.inc("streams_started")
        line = self._lines.setdefault(stream.conversation_id, [])
        ahead = self._unfinished(line)
        line.append(stream)
        task = asyncio.get_running_loop().create_task(
            self._run_turn(stream, message, ahead), name=f"turn-{stream.stream_id}"
        )
        self._turns[stream.stream_id] = task
        task.add_done_callback(lambda _: self._turn_ended(stream))
        return len(ahead)

    def turns_ahead(self, stream: Stream) -> int:
        """How many turns of its conversation run before ``stream`` (0 once it has started,
        or if it is not in a line)."""
        line = self._lines.get(stream.conversation_id, [])
        if stream not in line:
            return 0
        return len(self._unfinished(line[: line.index(stream)]))

    def unfinished(self, conversation_id: str) -> list[Stream]:
        """The conversation's turns not ended yet, running or queued, in the order received."""
        return list(self._lines.get(conversation_id, ()))

    def _unfinished(self, streams: Iterable[Stream]) -> list[asyncio.Task[None]]:
        tasks = (self._turns.get(stream.stream_id) for stream in streams)
        return [task for task in tasks if task is not None and not task.done()]

    def _turn_ended(self, stream: Stream) -> None:
        self._turns.pop(stream.stream_id, None)
        line = self._lines.get(stream.conversation_id)
        if line is not None and stream in line:
            line.remove(stream)
            if not line:
                del self._lines[stream.conversation_id]

    def cancel(self, stream: Stream, reason: str) -> bool:
        """Stop a running turn; its followers get ``stream_interrupted`` with the partial text."""
        return self._cancel(stream.stream_id, reason)

    def _cancel(self, stream_id: str, reason: str) -> bool:
        task = self._turns.get(stream_id)
        if (
            task is None
            or task.done()
            or stream_id in self._cancel_reasons
            or stream_id in self._storing
        ):
            return False
        self._cancel_reasons[stream_id] = reason
        task.cancel()
        return True

    def _emit(self, stream: Stream, frames: Sequence[ServerMessage]) -> None:
        if stream.ahead:
            for frame in frames:
                self.fan_out(stream.receivers(frame), (frame,))
        else:
            self.fan_out(stream.followers, frames)
        if not stream.running:
            stream.followers.clear()
            stream.ahead.clear()
        # An ended answer's record gets its end once the answer is stored (a process that
        # reads the end then finds the answer in the database).
        if (
            self.answers is not None
            and stream.stream_id in self._turns
            and (stream.running or stream.message_id is not None)
        ):
            self.answers.update(stream)

    async def _run_turn(
        self, stream: Stream, message: str, ahead: Sequence[asyncio.Task[None]]
    ) -> None:
        end: AnswerEnd | None = None
        delay = self.config.token_delay if stream.streaming else 0.0
        # Tokens an earlier run (a process that died or stopped) streamed and recorded: this
        # run must say the same before it says more (the rule engine answers from its record).
        known, said = stream.token_count, 0
        await crash_point("turn-start")
        try:
            request = await self._request(stream, message, ahead)
            answer = self.engine.respond(request, self.publisher)
            try:
                async for part in answer:
                    if isinstance(part, AnswerStart):
                        await crash_point("answer-decided")
                        if not stream.started:
                            self._emit(stream, stream.begin(part.metadata, now_ms()))
                    elif isinstance(part, AnswerText):
                        if not stream.started:
                            self._emit(stream, stream.begin({}, now_ms()))
                        if part.text and said < known:
                            if part.text != stream.token_text(said + 1):
                                raise _Diverged
                            said += 1
                        elif part.text:
                            self._emit(stream, stream.add_token(part.text, _now_ms()))
                            if CRASH_ARMED:  # (a test hook; not awaited per token otherwise)
                                await crash_point("answer-streaming")
                            if delay > 0:
                                await asyncio.sleep(delay)  # pacing, like a model's output
                            elif stream.token_count % _YIELD_EVERY == 0:
                                # Unpaced: still let the other turns and sockets run, in
                                # batches (a yield per token halves the throughput).
                                await asyncio.sleep(0)
                    elif isinstance(part, AnswerEnd):
                        if said < known:
                            raise _Diverged
                        end = part
                        break
            finally:
                aclose = getattr(answer, "aclose", None)
                if aclose is not None:
                    await aclose()
            if not stream.started:
                self._emit(stream, stream.begin({}, now_ms()))
            metadata: dict[str, Any] = dict(end.metadata) if end else {"actionSuccess": False}
            suggestions = list(end.suggestions) if end else []
            if end is not None and end.attachments:
                metadata["attachments"] = [
                    msgspec.to_builtins(
                        await self.attachments.create(
                            stream.user_id, new.name, new.content_type, new.data
                        )
                    )
                    for new in end.attachments
                ]
            # The answer is whole: a cancel or a shutdown from now on would only turn it into
            # an 'interrupted' copy of itself (stored twice, with SQLite).
            self._storing.add(stream.stream_id)
            stored = await self._store_answer(
                stream, {**stream.start_metadata, **metadata}, suggestions
            )
            stream.message_id, stream.message_seq = stored.message_id, stored.seq or None
            await crash_point("answer-stored")
            self._emit(stream, stream.complete(metadata, suggestions, now_ms(), now=self.clock()))
            if stream.streaming:
                self.metrics.inc("streams_completed")
        except asyncio.CancelledError:
            reason = self._cancel_reasons.pop(stream.stream_id, None)
            if reason is None:
                raise
            if reason == HANDOVER:
                await self._hand_over(stream)
            else:
                await self._interrupt(stream, reason)
        except _Diverged:
            logger.warning("turn %s answered differently when run again", stream.stream_id)
            await self._interrupt(stream, ANSWER_CUT)
        except Exception:
            # Never a raw exception text to a client: log it here, say something generic there.
            logger.exception("copilot turn %s failed", stream.stream_id)
            await self._interrupt(stream, ENGINE_FAILED)
        finally:
            self._storing.discard(stream.stream_id)

    async def _request(
        self, stream: Stream, message: str, ahead: Sequence[asyncio.Task[None]]
    ) -> EngineRequest:
        """The turn's engine request, once the turns ahead of it have ended: its context is
        read only then, so that it holds their answers."""
        if ahead:
            await asyncio.wait(ahead)
            # Queued until now: the client hears the copilot start on it (as after an ack).
            self._emit(stream, [Typing(timestamp=now_ms(), conversation_id=stream.conversation_id)])
        stored = await self.attachments.for_turn(stream.user_id, stream.stream_id)
        return EngineRequest(
            user_id=stream.user_id,
            conversation_id=stream.conversation_id,
            message=message,
            history=self.history_turns(await self._context(stream)),
            turn_id=stream.stream_id,
            attachments=[
                Attachment(a.info.attachment_id, a.info.name, a.info.content_type, a.data)
                for a in stored
            ],
        )

    async def _context(self, stream: Stream) -> list[StoredMessage]:
        """The last messages of the conversation before this turn, each answer after the
        message it answers.

        A message that waited was stored before the answers of the turns ahead of it, so the
        stored order interleaves turns; answers name their message (``replyTo``) and are put
        back after it. This turn's own message and those of the turns queued behind it are
        stored already, and left out.
        """
        line = self._lines.get(stream.conversation_id, [])
        later = line[line.index(stream) :] if stream in line else [stream]
        skip = {turn.user_message_id for turn in later}
        messages = await self.store.last_messages(stream.conversation_id, 2 * _CONTEXT + len(skip))
        return _turn_order([m for m in messages if m.message_id not in skip])[-_CONTEXT:]

    async def _interrupt(self, stream: Stream, reason: str) -> None:
        if not stream.running:
            return
        self._storing.add(stream.stream_id)  # the partial answer is stored once, uninterrupted
        # A turn stopped before its answer began (queued, or the engine failed at once) still
        # opens it: a client that ties an interruption to the answer open (the seed's) then
        # marks this one, not another that is streaming.
        started = stream.started
        opening = [] if started else stream.begin({}, now_ms())
        frames = opening + stream.interrupt(reason, now_ms(), now=self.clock())
        # Nothing of an answer stopped by a shutdown before it began exists yet: it stays in
        # the journal, and the next server runs it (a resend then gets its real answer, not
        # this interruption). Any other is stored before it is said: a client that asks for
        # the history on hearing stream_interrupted finds the partial answer there.
        handed_on = reason == SHUTDOWN_REASON and not started
        if not handed_on:
            try:
                metadata = {"interrupted": True, "error": reason}
                stored = await self._store_answer(stream, metadata, [])
                stream.message_id, stream.message_seq = stored.message_id, stored.seq or None
                frames = opening + stream.end_frames()  # now with the stored answer's seq
            except Exception:
                logger.exception("could not store the partial answer of %s", stream.stream_id)
        await self._after_the_ending_turns_ahead(stream)
        self._emit(stream, frames)
        self.metrics.inc("streams_interrupted")
        if not handed_on and self.answers is not None and stream.message_id is None:
            self.answers.update(stream)  # (with the stored answer, _emit has done it)

    async def _after_the_ending_turns_ahead(self, stream: Stream) -> None:
        """Wait for the turns ahead of ``stream`` in its conversation that are ending too (a
        shutdown stops them all): their frames go out first, in the order the turns were
        sent, although a queued turn has nothing to store and is ready first."""
        line = self._lines.get(stream.conversation_id, [])
        ahead = line[: line.index(stream)] if stream in line else []
        ending = [
            task
            for turn in ahead
            if (turn.stream_id in self._storing or turn.stream_id in self._cancel_reasons)
            and (task := self._turns.get(turn.stream_id)) is not None
            and not task.done()
        ]
        if ending:
            await asyncio.wait(ending)

    async def _hand_over(self, stream: Stream) -> None:
        """Leave a running turn to the next process (graceful stop with shared answers): its
        record gets what is left and ``free``, its lease ends now, its answer is not stored."""
        assert self.answers is not None
        try:
            await self.answers.release(stream)
            await self.store.release_turns(self.owner, [stream.stream_id])
        except Exception:
            logger.exception("could not hand turn %s over", stream.stream_id)

    async def _store_answer(
        self, stream: Stream, metadata: dict[str, Any], suggestions: Sequence[str]
    ) -> StoredMessage:
        """Store the answer and end the turn in the journal, in one transaction."""
        return await self.store.finish_turn(
            stream.stream_id,
            stream.conversation_id,
            stream.text,
            {
                **metadata,
                "streamId": stream.stream_id,
                "streaming": stream.streaming,
                "suggestions": list(suggestions),
                **({"replyTo": stream.user_message_id} if stream.user_message_id else {}),
            },
        )

    async def recover_answer(self, user_id: str, processed: ProcessedMessage) -> Stream:
        """An ended stream rebuilt from the store, for a replay after the registry forgot it
        (retention over, or another process or a previous run generated it)."""
        stream = Stream(
            stream_id=processed.stream_id or f"stream-{uuid.uuid4()}",
            user_id=user_id,
            conversation_id=processed.conversation_id,
            streaming=processed.streaming,
            client_message_id=processed.client_message_id,
            user_message_id=processed.message_id,
        )
        stored = await self._find_answer(processed)
        now = self.clock()
        if stored is None and processed.stream_id is not None:
            # Not answered: the turn may be pending in the journal with nobody running it
            # (its process crashed). Then it runs now, and the resend follows it.
            for running in await self.recover_turns(processed.stream_id):
                if running.user_id == user_id:
                    return running
        if stored is None:
            stream.begin({}, now_ms())
            stream.interrupt(ANSWER_LOST, now_ms(), now=now)
            return stream
        return self._rebuilt(stream, stored)

    def _rebuilt(self, stream: Stream, stored: StoredMessage) -> Stream:
        """``stream`` (new, empty) filled with its stored answer: ended, ready to replay."""
        now = self.clock()
        metadata = {
            key: value
            for key, value in stored.metadata.items()
            if key
            not in ("streamId", "streaming", "suggestions", "interrupted", "error", "replyTo")
        }
        start: dict[str, Any] = {k: metadata[k] for k in ("intent", "confidence") if k in metadata}
        stream.begin(start, stored.timestamp)
        for text in split_tokens(stored.content):
            stream.add_token(text, stored.timestamp)
        stream.message_id, stream.message_seq = stored.message_id, stored.seq or None
        if stored.metadata.get("interrupted"):
            stream.interrupt(
                str(stored.metadata.get("error", ANSWER_LOST)), stored.timestamp, now=now
            )
        else:
            suggestions = stored.metadata.get("suggestions") or []
            stream.complete(metadata, [str(s) for s in suggestions], stored.timestamp, now=now)
        return stream

    # ------------------------------------------------------------------ answers elsewhere

    async def locate(self, user_id: str, stream_id: str) -> Stream | None:
        """The answer ``stream_id`` of ``user_id``, wherever it runs or ran: this process's, one
        another process runs (followed from its shared record), one whose process is gone
        (taken over and finished here), or one stored (replayed from the store); ``None``
        if there never was such an answer."""
        stream = self.streams.get(stream_id)
        if stream is not None:
            return stream if stream.user_id == user_id else None
        recorded: Stream | None = None
        after = "0-0"
        if self.answers is not None:
            loaded = await self.answers.load(stream_id)
            if loaded is not None:
                recorded = mirror_of(stream_id, loaded[0], now=self.clock())
                after = loaded[1]
            if recorded is not None and recorded.user_id != user_id:
                return None
            if recorded is not None and not recorded.running:
                self.streams.add(recorded)
                return recorded
        turn = await self.store.pending_turn(stream_id)
        if turn is not None:
            if turn.user_id != user_id:
                return None
            for taken in await self.recover_turns(stream_id):
                return taken
            if self.answers is None:
                return None  # run by a process this one cannot follow (no Redis)
            return self._follow_elsewhere(recorded or _stream_of(turn), after)
        if recorded is not None:  # stored a moment ago: its end is on the way
            return self._follow_elsewhere(recorded, after)
        stored = await self.store.answer_of(stream_id)
        if stored is None:
            return None
        metadata = stored.metadata
        user_message = metadata.get("replyTo")
        rebuilt = self._rebuilt(
            Stream(
                stream_id=stream_id,
                user_id=user_id,
                conversation_id=stored.conversation_id,
                streaming=bool(metadata.get("streaming", True)),
                user_message_id=user_message if isinstance(user_message, str) else None,
            ),
            stored,
        )
        return self.streams.add(rebuilt)

    async def pending_elsewhere(self, user_id: str, conversation_id: str) -> list[Stream]:
        """The conversation's turns not ended that other processes run (followed from now on),
        in the order received; empty without shared answers."""
        if self.answers is None:
            return []
        streams: list[Stream] = []
        for turn in await self.store.pending_turns_in(conversation_id):
            if turn.user_id != user_id or turn.turn_id in self._turns:
                continue
            stream = await self.locate(user_id, turn.turn_id)
            if stream is not None and stream.running:
                streams.append(stream)
        return streams

    async def cancel_elsewhere(self, stream: Stream) -> bool:
        """Ask the process running ``stream`` (followed here) to cancel it."""
        if self.answers is None or stream.stream_id in self._turns:
            return False
        turn = await self.store.pending_turn(stream.stream_id)
        if turn is None:
            return False
        return await self.answers.cancel(turn.owner, stream.stream_id)

    def _follow_elsewhere(self, stream: Stream, after: str) -> Stream:
        assert self.answers is not None
        self._mirrors[stream.stream_id] = stream
        self._heard[stream.stream_id] = self.clock()
        self.streams.add(stream)
        self.answers.follow(stream.stream_id, after)
        return stream

    def _on_answer_entry(self, stream_id: str, entry: Entry) -> None:
        stream = self._mirrors.get(stream_id)
        if stream is None:
            return
        self._heard[stream_id] = self.clock()
        self._emit(stream, apply_entry(stream, entry, now=self.clock()))
        if not stream.running:
            self._forget_mirror(stream_id)
        elif entry[0] == FREE:
            # Its process stopped and left it: take it (another process may be first).
            asyncio.get_running_loop().create_task(self._take(stream_id))

    def _forget_mirror(self, stream_id: str) -> None:
        self._mirrors.pop(stream_id, None)
        self._heard.pop(stream_id, None)
        if self.answers is not None:
            self.answers.unfollow(stream_id)

    async def _take(self, stream_id: str) -> None:
        try:
            await self.recover_turns(stream_id)
        except Exception:
            logger.exception("could not take turn %s over", stream_id)

    def _on_remote_cancel(self, stream_id: str) -> None:
        self._cancel(stream_id, "Cancelled")

    async def _watch_mirrors(self) -> None:
        """Check on the followed answers that have been silent a while: a turn whose process
        is gone is taken over; one stored without its end in the record is ended from the
        store."""
        if self.answers is None:
            return
        now = self.clock()
        for stream_id in [k for k, t in self._heard.items() if now - t >= self.answers.watch]:
            self._heard[stream_id] = now
            if await self.recover_turns(stream_id):
                continue
            stream = self._mirrors.get(stream_id)
            if stream is None or await self.store.pending_turn(stream_id) is not None:
                continue
            stored = await self.store.answer_of(stream_id)
            if stored is None or stream_id not in self._mirrors:
                continue
            ended = self._rebuilt(
                Stream(
                    stream_id=stream_id,
                    user_id=stream.user_id,
                    conversation_id=stream.conversation_id,
                    streaming=stream.streaming,
                    client_message_id=stream.client_message_id,
                    user_message_id=stream.user_message_id,
                ),
                stored,
            )
            frames: list[ServerMessage] = []
            if not stream.started:
                frames += stream.begin(ended.start_metadata, ended.start_timestamp or 0)
            for text, timestamp in ended.tokens_from(stream.token_count + 1):
                frames += stream.add_token(text, timestamp)
            stream.state, stream.error = ended.state, ended.error
            stream.end_metadata, stream.suggestions = ended.end_metadata, ended.suggestions
            stream.end_timestamp, stream.ended_at = ended.end_timestamp, ended.ended_at
            stream.message_id, stream.message_seq = ended.message_id, ended.message_seq
            self._emit(stream, frames + stream.end_frames())
            self._forget_mirror(stream_id)

    async def _find_answer(self, processed: ProcessedMessage) -> StoredMessage | None:
        """The stored answer of ``processed``: paging back from the conversation's newest
        message down to the user message it answers (any number of messages may follow)."""
        before: str | None = None
        while True:
            page = await self.store.history(
                processed.conversation_id, limit=_RECOVER_PAGE, before=before
            )
            for message in page:
                if (
                    message.role == "assistant"
                    and message.metadata.get("streamId") == processed.stream_id
                ):
                    return message
            if not page or any(m.message_id == processed.message_id for m in page):
                return None
            before = page[0].message_id

    async def recover_turns(self, turn_id: str | None = None) -> list[Stream]:
        """Take over the pending turns (only ``turn_id``, if given) that no live process runs,
        and run them, each conversation's in the order received; returns their streams."""
        if self.closing:
            return []
        now = self.wall_clock()
        claimed = await self.store.claim_turns(
            self.owner,
            now=now,
            lease_until=now + TURN_LEASE,
            gone=owners.owner_gone,
            turn_id=turn_id,
        )
        streams: list[Stream] = []
        for turn in claimed:
            running = self.streams.get(turn.turn_id)
            if running is not None and turn.turn_id in self._turns:
                streams.append(running)  # ours already: its lease had lapsed
                continue
            stream = await self._adopt(turn)
            if turn.attempts > MAX_TURN_ATTEMPTS:
                await self._abandon(stream, turn)
            else:
                logger.info("running turn %s again (attempt %d)", turn.turn_id, turn.attempts)
                self.start_turn(stream, turn.message)
            streams.append(stream)
        return streams

    async def _adopt(self, turn: PendingTurn) -> Stream:
        """The stream of a turn this process takes over: with what the process before it
        streamed and recorded (and the connections here that follow it), when answers are
        shared; its record is written by this process from now on."""
        stream = self._mirrors.pop(turn.turn_id, None)
        self._heard.pop(turn.turn_id, None)
        if stream is None or not stream.running:
            stream = _stream_of(turn)
        if self.answers is None:
            return stream
        self.answers.unfollow(turn.turn_id)
        # The whole record: the process before writes no more, and this one may not have
        # read its last batch yet.
        loaded = await self.answers.load(turn.turn_id)
        if loaded is not None:
            recorded = mirror_of(turn.turn_id, loaded[0], now=self.clock())
            if recorded is not None and recorded.running:
                if not stream.started:
                    self.fan_out(
                        stream.followers,
                        stream.begin(recorded.start_metadata, recorded.start_timestamp or 0),
                    )
                for text, timestamp in recorded.tokens_from(stream.token_count + 1):
                    self.fan_out(stream.followers, stream.add_token(text, timestamp))
        self.answers.take_over(stream)
        return stream

    async def _abandon(self, stream: Stream, turn: PendingTurn) -> None:
        """End a turn that keeps failing to complete (its runs ended with the process)."""
        logger.warning("gave up turn %s after %d attempts", turn.turn_id, turn.attempts - 1)
        self.streams.add(stream)
        if not stream.started:
            stream.begin({}, now_ms())
        stream.interrupt(TURN_ABANDONED, now_ms(), now=self.clock())
        stored = await self._store_answer(
            stream, {"interrupted": True, "error": TURN_ABANDONED}, []
        )
        stream.message_id, stream.message_seq = stored.message_id, stored.seq or None
        self.fan_out(stream.followers, stream.end_frames())
        stream.followers.clear()
        if self.answers is not None:
            self.answers.update(stream)

    async def _keep_leases(self) -> None:
        """Renew the leases of this hub's turns; take over those of vanished processes."""
        while True:
            await asyncio.sleep(TURN_LEASE / 3)
            try:
                if self._turns:
                    await self.store.renew_turns(self.owner, self.wall_clock() + TURN_LEASE)
                await self.recover_turns()
            except Exception:
                logger.warning("could not renew or recover pending turns", exc_info=True)

    @staticmethod
    def history_turns(messages: Sequence[StoredMessage]) -> list[HistoryTurn]:
        return [
            HistoryTurn(
                role="assistant" if message.role == "assistant" else "user",
                content=message.content,
                metadata=message.metadata,
            )
            for message in messages
        ]

    # ------------------------------------------------------------------ introspection

    def health(self) -> str:
        """What ``/healthz`` says: ``ok``, or ``degraded`` and why (the server still serves;
        a load balancer keeps sending it chat)."""
        degraded = self.events.degraded
        return "ok\n" if degraded is None else f"degraded: {degraded}\n"

    def stats(self) -> dict[str, int]:
        return {
            "turns_running": len(self._turns),
            "turns_queued": sum(len(line) - 1 for line in self._lines.values()),
            "streams_kept": len(self.streams),
            "copilot_users": len(self._copilot_sinks),
            **self.events.stats(),
        }
