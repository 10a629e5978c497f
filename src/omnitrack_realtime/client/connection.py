"""The one asyncio engine under both clients: connect, keep alive, reconnect, send, receive.

A :class:`Connection` drives the pure cores: :class:`~.backoff.Backoff` says when to retry,
:class:`~.state.StateMachine` which state changes are legal, :class:`~.outbox.Outbox` what to
write and when a frame counts as delivered, and :func:`classify_failure` /
:func:`classify_closed` (pure, below) what a failed handshake or a close code means. The clients
(:class:`~.copilot.CopilotClient`, :class:`~.events.EventClient`) plug in through a
:class:`ConnectionHandler` and keep their own state; this module knows nothing of chats or
events.

Tasks: one supervisor per ``connect()`` (attempt, serve, decide, sleep, attempt again) and, while
open, one writer that flushes the outbox in order. Received frames are handed to the handler
synchronously in the read loop; handlers must only update state and hand work to other tasks
(see :mod:`._dispatch`), never run user code there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random as _random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Protocol

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.frames import Close

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    MessageTooLarge,
    OmniTrackError,
)
from ..protocol.closecodes import (
    AUTH_EXPIRED,
    FORBIDDEN,
    Disposition,
    classify_close,
    classify_status,
    retry_after_from_reason,
)
from ._env import TokenProvider, redact_url, redacting_logger, resolve_token, websocket_uri
from .backoff import Backoff, Endpoints, ReconnectPolicy
from .outbox import Outbox, OutboxItem
from .state import ConnectionState, StateMachine, Transition

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "Connection",
    "ConnectionHandler",
    "ConnectionStats",
    "Failure",
    "RetryInfo",
    "classify_closed",
    "classify_failure",
]

logger = logging.getLogger("omnitrack_realtime")

DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024
_DEFAULT_POLICY = ReconnectPolicy()
_NO_RETRY = ReconnectPolicy(max_attempts=0)
# Incoming frames may be larger than outgoing ones (a replayed history, a long answer).
_MAX_INCOMING = 16 * 1024 * 1024
_POLICY_VIOLATION = 1008
_MESSAGE_TOO_BIG = 1009


# --------------------------------------------------------------------------- pure classification


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an attempt failed or an open connection ended, and what that means for retrying."""

    disposition: Disposition
    reason: str  # one sentence, safe to log (no token, no query string)
    status: int | None = None  # HTTP status of a rejected handshake
    code: int | None = None  # close code received from the server
    retry_after: float | None = None  # seconds the server asked us to wait
    detail: str | None = None  # the server's own words: a refusal's body, a close reason

    @property
    def is_auth(self) -> bool:
        """A refusal of the credentials (vs. a refusal for another reason)."""
        return self.status in (401, 403) or self.code in (AUTH_EXPIRED, FORBIDDEN, 1008)

    def error(self) -> ConnectionFailed:
        """The exception to report when this failure is terminal."""
        kind = AuthenticationError if self.is_auth else ConnectionFailed
        return kind(self.reason, status=self.status, code=self.code, detail=self.detail)


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:  # an HTTP date: rare enough that backoff alone is fine
        return None
    # float() also reads "inf" and "nan": waiting forever is not what any server means.
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


#: The longest reason read from a refusal's body (a page of HTML is not a reason).
_MAX_SERVER_WORDS = 120


def _server_words(body: bytes | bytearray | None) -> str | None:
    """The short plain-text reason a server gave in the body of a refused handshake (ours
    says ``token has expired``), or ``None`` when the body is empty, long or not plain text.
    Control characters are dropped: the reason is printed and logged."""
    if not body or len(body) > _MAX_SERVER_WORDS * 4:
        return None
    text = body.decode("utf-8", errors="replace").strip()
    if not text or "\n" in text or "<" in text or len(text) > _MAX_SERVER_WORDS:
        return None
    cleaned = "".join(char for char in text if char.isprintable())
    return cleaned or None


def classify_failure(exc: BaseException) -> Failure:
    """What a failed opening handshake means (protocol.md, "handshake rejections")."""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        said = _server_words(exc.response.body)
        return Failure(
            classify_status(status),
            f"the server rejected the connection with HTTP {status}"
            + (f" ({said})" if said else ""),
            status=status,
            retry_after=_parse_retry_after(exc.response.headers.get("Retry-After")),
            detail=said,
        )
    if isinstance(exc, InvalidURI):
        return Failure(Disposition.TERMINAL, "the url is not a valid WebSocket url")
    if isinstance(exc, TimeoutError):
        return Failure(Disposition.RETRY, "the opening handshake timed out")
    if isinstance(exc, OSError):
        return Failure(Disposition.RETRY, f"network error: {exc.strerror or type(exc).__name__}")
    # InvalidMessage, EOF, other handshake trouble: the server may be restarting.
    return Failure(Disposition.RETRY, f"the handshake failed ({type(exc).__name__})")


def classify_closed(rcvd: Close | None, sent: Close | None = None) -> Failure:
    """What the end of an open connection means, from the close frame received (if any) and
    the one the client sent (if any)."""
    if rcvd is None:
        if sent is not None and sent.code == _MESSAGE_TOO_BIG:
            # The client failed the connection itself: a frame from the server exceeded its
            # limit. Not the server refusing our message (that is a 1009 *received*).
            return Failure(
                Disposition.RETRY,
                f"the server sent a frame over the client's limit ({_MAX_INCOMING} bytes)",
            )
        return Failure(Disposition.RETRY, "the connection dropped without a close frame")
    disposition = classify_close(rcvd.code)
    reason = f"the server closed the connection with code {rcvd.code}"
    if rcvd.reason:
        reason += f" ({rcvd.reason})"
    return Failure(
        disposition,
        reason,
        code=rcvd.code,
        retry_after=retry_after_from_reason(rcvd.reason),
        detail=rcvd.reason or None,
    )


def _moved_on(failure: Failure, failed: str, next_url: str) -> Failure:
    """``failure`` saying which url failed and where the retry goes."""
    reason = f"{failed}: {failure.reason}; next: {next_url}"
    return Failure(
        failure.disposition,
        reason,
        status=failure.status,
        code=failure.code,
        retry_after=failure.retry_after,
        detail=failure.detail,
    )


# --------------------------------------------------------------------------- the driver


def _ignore_written(item: OutboxItem) -> None:
    return None


def _static(token: TokenProvider) -> bool:
    """Whether the token is the same on every attempt (not a provider called each time)."""
    return token is None or isinstance(token, str)


@dataclass(frozen=True, slots=True)
class ConnectionStats:
    """Counters of a client since it was made (``stats()``)."""

    connects: int  # connections opened
    reconnects: int  # of those, the ones after the first
    messages_sent: int  # frames written
    messages_received: int  # frames read
    queued: int  # frames waiting in the outbox now (pending or awaiting acknowledgment)
    resent: int  # frames written again after a reconnect
    dropped: int  # events dropped by a full listen()/handler buffer
    last_rtt: float | None  # last ping round trip in seconds, None before the first pong
    rate_limited: int = 0  # messages the server refused for its rate limit (then resent)
    events_lost: int = 0  # gaps the event server reported: history asked for was gone

    def as_dict(self) -> dict[str, int | float | None]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True, slots=True)
class RetryInfo:
    """The retry a connection is waiting to make (``Connection.next_retry``)."""

    attempt: int  # 1 for the first retry after the initial attempt
    max_attempts: int | None  # the policy's limit (None: retry forever)
    due: float  # when it starts, on the connection's monotonic clock
    delay: float  # the wait chosen (backoff with jitter, or the server's retry-after)

    def remaining(self, now: float) -> float:
        """Seconds left until ``due`` at monotonic time ``now`` (never negative)."""
        return max(self.due - now, 0.0)


class ConnectionHandler(Protocol):
    """What a client plugs into a :class:`Connection`. All hooks are synchronous and quick:
    they run in the driver's tasks and must not run user code or block.

    Optional hooks: ``on_written(item: OutboxItem) -> None``, called after a queued frame was
    written (it may still await its acknowledgment); ``on_refused(item: OutboxItem, error:
    OmniTrackError) -> None``, called when the server closed with 1009 (too big) after that
    frame was written: it left the outbox and will not be resent.
    """

    def on_state(self, transition: Transition) -> None:
        """Every state change, after it was made and logged."""

    def process_open(self) -> list[bytes]:
        """Frames to write first on every new connection, before the outbox is flushed
        (resume, re-subscribe); they are not queued and not resent."""

    def on_frame(self, data: bytes) -> None:
        """One received frame (UTF-8 JSON bytes)."""

    def on_lost(self) -> None:
        """An open connection ended (a reconnect may follow, see ``on_state``)."""

    def conversation_known(self) -> bool:
        """False while a copilot conversation id is unknown (one message in flight at most)."""


class Connection:
    """One resilient WebSocket connection: state, reconnects, offline queue, keepalive.

    ``url`` may be a list: each retry then goes to the next url in turn (see
    :class:`~.backoff.Endpoints`), so a client outlives one server going away; the client's
    ``process_open`` frames (resume, subscribe with cursors) go to whichever it reaches.
    ``connect()`` returns once the first attempt has succeeded or failed (it raises only for
    terminal failures); later reconnection happens in the background. ``disconnect()`` closes
    with 1000 and cancels any pending retry at once.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        handler: ConnectionHandler,
        user_id: str | None = None,
        token: TokenProvider = None,
        token_in_query: bool = False,
        reconnect: ReconnectPolicy | None = _DEFAULT_POLICY,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        open_timeout: float | None = 10.0,
        close_timeout: float | None = 10.0,
        max_queue: int = 1000,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_message_size < 1:
            raise ConfigurationError(f"max_message_size must be >= 1, not {max_message_size}")
        self._endpoints = Endpoints((url,) if isinstance(url, str) else url)
        self._handler = handler
        self._user_id = user_id
        self._token = token
        self._token_in_query = token_in_query
        self._policy = reconnect if reconnect is not None else _NO_RETRY
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._open_timeout = open_timeout
        self._close_timeout = close_timeout
        self._max_message_size = max_message_size
        self._clock = clock
        self._backoff = Backoff(self._policy, random=random)
        self._machine = StateMachine()
        self.outbox = Outbox(max_queue)

        self._loop: asyncio.AbstractEventLoop | None = None  # the loop of the last connect()
        self._supervisor: asyncio.Task[None] | None = None
        self._first_attempt: asyncio.Future[None] | None = None
        self._ws: ClientConnection | None = None
        self._wake = asyncio.Event()
        #: Set by :meth:`retry_now` to end the wait for a pending retry early.
        self._retry_soon = asyncio.Event()
        self._stopping = False
        self._auth_retry_used = False
        self._error: OmniTrackError | None = None
        self._next_retry: RetryInfo | None = None
        # A fired event per state, so tests and callers can wait for a state without polling.
        self._state_waiters: dict[ConnectionState, asyncio.Event] = {}

        self._connects = 0
        self._sent = 0
        self._received = 0
        self._resent = 0
        self._dropped = 0
        self._rate_limited = 0
        self._events_lost = 0
        #: Why the server holds the queue (see :meth:`rate_limited`), while ``outbox.held_until``
        #: is set: "rate limited" or "server restarting".
        self.hold_reason = "rate limited"
        self._last_rtt: float | None = None
        self._last_written: OutboxItem | None = None  # the culprit if the server says 1009

    # ------------------------------------------------------------------ facts

    @property
    def _safe_url(self) -> str:
        return redact_url(self._endpoints.current)

    @property
    def url(self) -> str:
        """The url of the current (or next) attempt, without query string (safe to print)."""
        return self._safe_url

    @property
    def urls(self) -> tuple[str, ...]:
        """Every url this connection may use, in order, without query strings."""
        return tuple(redact_url(url) for url in self._endpoints.urls)

    @property
    def state(self) -> ConnectionState:
        return self._machine.state

    @property
    def is_connected(self) -> bool:
        return self._machine.is_connected

    @property
    def is_connecting(self) -> bool:
        return self._machine.is_connecting

    @property
    def error(self) -> OmniTrackError | None:
        """Why the connection last failed (cleared by a successful open or ``connect()``)."""
        return self._error

    @property
    def retries(self) -> int:
        """Retries used since the attempt counter last reset."""
        return self._backoff.retries

    @property
    def next_retry(self) -> RetryInfo | None:
        """The retry being waited for while RECONNECTING (exact: the delay really slept, jitter
        and retry-after included), else ``None``."""
        return self._next_retry

    def retry_in(self) -> float | None:
        """Seconds until the pending retry starts, ``None`` when none is pending."""
        retry = self._next_retry
        return retry.remaining(self._clock()) if retry is not None else None

    def stats(self) -> ConnectionStats:
        self._refresh_rtt()
        return ConnectionStats(
            connects=self._connects,
            reconnects=max(self._connects - 1, 0),
            messages_sent=self._sent,
            messages_received=self._received,
            queued=len(self.outbox),
            resent=self._resent,
            dropped=self._dropped,
            last_rtt=self._last_rtt,
            rate_limited=self._rate_limited,
            events_lost=self._events_lost,
        )

    def count_dropped(self, count: int = 1) -> None:
        """A client's buffer dropped events (counted in ``stats().dropped``)."""
        self._dropped += count

    def count_events_lost(self) -> None:
        """The server said events were lost (counted in ``stats().events_lost``)."""
        self._events_lost += 1

    async def wait_for_state(self, *states: ConnectionState) -> ConnectionState:
        """Wait until the state is one of ``states`` (returns at once if it already is)."""
        while self.state not in states:
            events = [self._state_waiters.setdefault(state, asyncio.Event()) for state in states]
            waits = [asyncio.ensure_future(event.wait()) for event in events]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
        return self.state

    # ------------------------------------------------------------------ sending

    def send(
        self,
        payload: bytes,
        *,
        client_message_id: str | None = None,
        needs_conversation: bool = False,
    ) -> OutboxItem:
        """Queue one encoded frame; it is written (in order) as soon as the connection is open.

        Raises :class:`MessageTooLarge` (never queued) or :class:`QueueFull`.
        """
        if len(payload) > self._max_message_size:
            raise MessageTooLarge(len(payload), self._max_message_size)
        item = OutboxItem(payload, client_message_id, needs_conversation)
        self.outbox.put(item)
        self.flush()
        return item

    def rate_limited(
        self, client_message_id: str, retry_after: float, *, reason: str = "rate limited"
    ) -> bool:
        """The server refused that message for now (its rate limit, a restart): it is resent,
        in its place and with the same id, after ``retry_after`` seconds, and nothing queued
        behind it is written before. ``reason`` is what :attr:`hold_reason` shows meanwhile.
        False if it is no longer queued (nothing to resend)."""
        until = self._clock() + max(retry_after, 0.0)
        if self.outbox.rate_limited(client_message_id, until) is None:
            return False
        self.hold_reason = reason
        self._rate_limited += 1
        logger.info(
            "%s: the server asked for a message later (rate limit or restart); resending it "
            "in %.2fs",
            self._safe_url,
            retry_after,
        )
        self._wake.set()  # the writer re-arms its wait for the new deadline
        return True

    async def write_now(self, payload: bytes, *, text: bool = True) -> None:
        """Write one frame on the open connection now, outside the outbox: attachment frames,
        which their uploader resumes itself after a reconnect (an outbox would resend every
        chunk). Raises :class:`ConnectionFailed` when not connected or closed meanwhile."""
        ws = self._ws
        if ws is None or self.state is not ConnectionState.OPEN:
            raise ConnectionFailed("not connected")
        try:
            await ws.send(payload, text=text)
        except ConnectionClosed as exc:
            raise ConnectionFailed("the connection closed") from exc
        self._sent += 1

    async def write_binary(self, frames: Sequence[bytes]) -> None:
        """Write binary frames on the open connection now, one after the other, as
        :meth:`write_now` would one by one but with one check and one wait for the socket's
        buffer (what ``ws.send`` does per frame): an upload's window of chunks."""
        ws = self._ws
        if ws is None or self.state is not ConnectionState.OPEN:
            raise ConnectionFailed("not connected")
        try:
            async with ws.send_context():
                for frame in frames:
                    ws.protocol.send_binary(frame)
        except ConnectionClosed as exc:
            raise ConnectionFailed("the connection closed") from exc
        self._sent += len(frames)

    def flush(self) -> None:
        """Ask the writer to write what the outbox allows now (after an ack, a new id...)."""
        self._wake.set()

    async def ping(self) -> float:
        """Send a WebSocket ping and wait for its pong; returns the round trip in seconds."""
        ws = self._ws
        if ws is None:
            raise ConnectionFailed("not connected")
        try:
            pong = await ws.ping()
            latency = await pong
        except ConnectionClosed as exc:
            raise ConnectionFailed("the connection closed during the ping") from exc
        self._last_rtt = latency
        return latency

    # ------------------------------------------------------------------ life cycle

    async def connect(self) -> None:
        """Open the connection; returns once the first attempt has succeeded or failed.

        Raises :class:`AuthenticationError` / :class:`ConnectionFailed` only when the failure is
        terminal (state FAILED); a retryable failure leaves the state RECONNECTING and the
        retries run in the background.
        """
        if self._supervisor is None or self._supervisor.done():
            self._start()
        first = self._first_attempt
        if first is not None:
            await asyncio.shield(first)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Used from another event loop than before (a second asyncio.run()): events are
            # bound to the loop that first waited on them and would fail on this one.
            self._loop = loop
            self._wake = asyncio.Event()
            self._wake.set()  # whatever is queued is written once open
            self._retry_soon = asyncio.Event()
            self._state_waiters.clear()
        self._stopping = False
        self._auth_retry_used = False
        self._error = None
        self._backoff.reset()
        self._set_state(ConnectionState.CONNECTING, "connect() called")
        self._first_attempt = loop.create_future()
        self._supervisor = loop.create_task(self._run(), name=f"omnitrack {self._safe_url}")

    def retry_now(self) -> bool:
        """Retry at once instead of waiting (a user's "retry now", a server known to be back).

        While a retry is pending (RECONNECTING), its wait ends now; it counts as that retry.
        After the connection gave up (FAILED), one more attempt starts; the retries already
        used stay used, so a failure leaves it FAILED again at once (a connection that then
        stays open ``stable_after`` seconds earns the whole budget back, as always). Returns
        False, doing nothing, when there is nothing to retry: connected, an attempt under way,
        closed by :meth:`disconnect`, or never connected. Call it on the connection's loop.
        """
        state = self.state
        if state is ConnectionState.RECONNECTING:
            if self._next_retry is None:
                return False  # the immediate retry with a fresh token is already under way
            self._retry_soon.set()
            return True
        if state is not ConnectionState.FAILED or self._loop is None:
            return False
        if self._supervisor is not None and not self._supervisor.done():
            return False
        self._stopping = False
        self._auth_retry_used = False
        self._set_state(ConnectionState.CONNECTING, "retry_now() called")
        self._supervisor = self._loop.create_task(self._run(), name=f"omnitrack {self._safe_url}")
        return True

    async def disconnect(self) -> None:
        """Close with 1000, cancel any pending retry at once; the state becomes CLOSED."""
        self._stopping = True
        ws = self._ws
        if ws is not None:
            try:
                await ws.close(1000, "client disconnect")
            except Exception as exc:  # closing a broken socket: nothing left to do
                logger.debug("close of %s failed: %r", self._safe_url, exc)
        task = self._supervisor
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
        if not self.state.is_terminal and self.state is not ConnectionState.IDLE:
            self._set_state(ConnectionState.CLOSED, "disconnect() called")

    async def _run(self) -> None:
        try:
            while True:
                failure = await self._attempt()
                if self._stopping:
                    return
                step = self._decide(failure)
                if step is None:
                    self._set_state(ConnectionState.CLOSED, failure.reason)
                    self._settle_first_attempt()
                    return
                if isinstance(step, OmniTrackError):
                    self._error = step
                    self._set_state(ConnectionState.FAILED, str(step))
                    self._settle_first_attempt(step)
                    return
                self._error = failure.error()
                if failure.disposition is Disposition.REFRESH_AUTH:
                    # Part of the same attempt as far as connect() is concerned: it learns
                    # the outcome of the retry with the fresh token.
                    self._set_state(
                        ConnectionState.RECONNECTING,
                        f"{failure.reason}; retrying at once with a fresh token",
                    )
                else:
                    failed = self._safe_url
                    if len(self._endpoints) > 1:
                        # Another server may be up: the retry goes there, on the same schedule.
                        self._endpoints.failed()
                        failure = _moved_on(failure, failed, self._safe_url)
                    # Known before the state changes, so on_state observers can show it.
                    self._next_retry = RetryInfo(
                        attempt=self._backoff.retries,
                        max_attempts=self._policy.max_attempts,
                        due=self._clock() + step,
                        delay=step,
                    )
                    self._set_state(
                        ConnectionState.RECONNECTING,
                        f"{failure.reason}; retry {self._backoff.retries} in {step:.2f}s",
                    )
                    self._settle_first_attempt()  # connect() returns: retries go on behind
                    self._retry_soon.clear()
                    try:
                        # The wait for the retry, cut short by retry_now().
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._retry_soon.wait(), step)
                    finally:
                        self._next_retry = None
                self._set_state(ConnectionState.CONNECTING, "retrying")
        except asyncio.CancelledError:
            self._settle_first_attempt()
            raise
        except Exception as exc:  # a bug: never leave connect() hanging, never loop on it
            logger.exception("connection driver for %s crashed", self._safe_url)
            error = ConnectionFailed(f"internal error: {type(exc).__name__}")
            self._error = error
            if self._machine.can_transition(ConnectionState.FAILED):
                self._set_state(ConnectionState.FAILED, str(error))
            self._settle_first_attempt(error)

    def _decide(self, failure: Failure) -> float | OmniTrackError | None:
        """After a failure: ``None`` = stop (normal close), an error = fail, else the delay."""
        disposition = failure.disposition
        if disposition is Disposition.DONE:
            return None
        if disposition is Disposition.TOO_LARGE:
            self._refuse_last_written(failure)
        if disposition is Disposition.TERMINAL:
            return failure.error()
        if disposition is Disposition.REFRESH_AUTH:
            if self._auth_retry_used:
                # A token that cannot change (a string, the environment's) was refused again:
                # saying "with a fresh token" would be untrue.
                again = "" if _static(self._token) else " (a freshly fetched token too)"
                return AuthenticationError(
                    f"{failure.reason}{again}",
                    status=failure.status,
                    code=failure.code,
                    detail=failure.detail,
                )
            self._auth_retry_used = True
            return 0.0
        delay = self._backoff.next_delay()
        if delay is None:
            where = ", ".join(self.urls) if len(self._endpoints) > 1 else self._safe_url
            return ConnectionFailed(
                f"could not connect to {where} after {self._backoff.retries} "
                f"retries; last error: {failure.reason}",
                status=failure.status,
                code=failure.code,
                detail=failure.detail,
            )
        if disposition is Disposition.RATE_LIMITED and failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        return delay

    async def _attempt(self) -> Failure:
        # The token provider is user code: bounded like the handshake, so that a provider that
        # never answers is a failed attempt (retried) and connect() never hangs on it.
        deadline = asyncio.timeout(self._open_timeout)
        try:
            async with deadline:
                token = await resolve_token(self._token)
        except ConfigurationError as exc:  # it returned a non-string: retrying cannot help
            return Failure(Disposition.TERMINAL, str(exc))
        except Exception as exc:
            if deadline.expired():
                return Failure(
                    Disposition.RETRY,
                    f"the token provider did not answer within {self._open_timeout:g}s",
                )
            return Failure(Disposition.RETRY, f"the token provider raised {type(exc).__name__}")
        uri = websocket_uri(
            self._endpoints.current,
            user_id=self._user_id,
            token=token,
            token_in_query=self._token_in_query,
        )
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            ws = await ws_connect(
                uri,
                additional_headers=headers,
                open_timeout=self._open_timeout,
                close_timeout=self._close_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_timeout,
                max_size=_MAX_INCOMING,
                logger=redacting_logger(),
            )
        except Exception as exc:
            return classify_failure(exc)
        return await self._serve(ws)

    async def _serve(self, ws: ClientConnection) -> Failure:
        self._ws = ws
        self._connects += 1
        self._error = None
        opened_at = self._clock()
        self._backoff.opened(opened_at)
        writer: asyncio.Task[None] | None = None
        rcvd: Close | None = None
        sent: Close | None = None
        try:
            self._set_state(
                ConnectionState.OPEN,
                "connected" if self._connects == 1 else f"reconnected (#{self._connects - 1})",
            )
            self._settle_first_attempt()
            for frame in self._handler.process_open():
                await ws.send(frame, text=True)
                self._sent += 1
            self._wake.set()
            writer = asyncio.get_running_loop().create_task(self._write(ws))
            on_frame = self._handler.on_frame
            recv = ws.recv
            while True:
                data = await recv(decode=False)
                self._received += 1
                try:
                    on_frame(data)
                except Exception:  # a bug in a client's state code must not kill the socket
                    logger.exception("a frame from %s could not be handled", self._safe_url)
        except ConnectionClosed as exc:
            rcvd, sent = exc.rcvd, exc.sent
        finally:
            # Synchronous clean-up first: disconnect() may cancel this task at the await below.
            if writer is not None:
                writer.cancel()
            self._refresh_rtt()
            self._ws = None
            closed_at = self._clock()
            self._backoff.closed(closed_at)
            if closed_at - opened_at >= self._policy.stable_after:
                # A connection that lasted proves the token worked: a later 4401 may refresh
                # again. A short-lived one does not (no immediate-retry storm on 4401).
                self._auth_retry_used = False
            self._resent += self.outbox.connection_lost()
            self._handler.on_lost()
            if writer is not None:
                await asyncio.wait([writer])
        return classify_closed(rcvd, sent)

    async def _write(self, ws: ClientConnection) -> None:
        outbox = self.outbox
        on_written: Callable[[OutboxItem], object] = getattr(
            self._handler, "on_written", _ignore_written
        )
        try:
            while True:
                await self._wait_for_work()
                batch = outbox.sendable(
                    conversation_known=self._handler.conversation_known(), now=self._clock()
                )
                for item in batch:
                    await ws.send(item.payload, text=True)
                    self._sent += 1
                    self._last_written = item
                    outbox.written_without_ack(item)
                    on_written(item)
        except ConnectionClosed:
            return  # the read loop sees the close and decides what comes next
        except Exception:
            # A bug: without a writer the connection would look open and write nothing again.
            # Close it instead; the read loop sees the close and a new connection follows.
            logger.exception("the writer of %s failed; reconnecting", self._safe_url)
            with contextlib.suppress(Exception):
                await ws.close(1011, "client error")

    async def _wait_for_work(self) -> None:
        """Until the writer is woken or, while a rate limit holds the outbox, the hold ends."""
        held_until = self.outbox.held_until
        if held_until is None:
            await self._wake.wait()
        else:
            remaining = held_until - self._clock()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)
        self._wake.clear()

    # ------------------------------------------------------------------ internals

    def _refuse_last_written(self, failure: Failure) -> None:
        """The server closed with 1009: the last frame written was too big for it. It leaves
        the outbox (resending it would only fail again) and the client is told."""
        item, self._last_written = self._last_written, None
        if item is None or item.client_message_id is None:
            return  # id-less frames already left the outbox once written
        if self.outbox.failed(item.client_message_id) is None:
            return
        # Not MessageTooLarge: that one names a limit, and the server's is unknown here.
        error = ConnectionFailed(
            f"{failure.reason}: the {len(item.payload)}-byte message was too large for the "
            "server and was dropped",
            code=failure.code,
        )
        logger.warning("%s: %s", self._safe_url, error)
        on_refused = getattr(self._handler, "on_refused", None)
        if on_refused is not None:
            on_refused(item, error)

    def _set_state(self, new: ConnectionState, reason: str) -> None:
        if new is self._machine.state:
            return
        change = self._machine.transition(new, reason)
        log = logger.warning if new is ConnectionState.FAILED else logger.info
        log("%s: %s", self._safe_url, change)
        waiter = self._state_waiters.pop(new, None)
        if waiter is not None:
            waiter.set()
        try:
            self._handler.on_state(change)
        except Exception:  # a client's bug must not derail the driver's state handling
            logger.exception("the state hook failed on %s", change)

    def _settle_first_attempt(self, error: OmniTrackError | None = None) -> None:
        first = self._first_attempt
        if first is None or first.done():
            return
        if error is None:
            first.set_result(None)
        else:
            first.set_exception(error)
            first.exception()  # retrieved: connect() re-raises it; no "never retrieved" noise

    def _refresh_rtt(self) -> None:
        ws = self._ws
        if ws is not None and ws.latency > 0:
            self._last_rtt = ws.latency
