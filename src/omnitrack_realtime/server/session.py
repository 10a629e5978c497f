"""One connection's protocol logic, transport-agnostic: principal in, frames in, frames out.

A driver (the ``websockets`` server, the ASGI app, a test) authenticates the handshake, builds
an :class:`Outbound` for the socket, creates a :class:`CopilotSession` (``/copilot``) or an
:class:`EventSession` (``/ws``), and then only calls :meth:`~CopilotSession.open`, feeds every
inbound frame to :meth:`~CopilotSession.receive` and calls :meth:`~CopilotSession.close` when
the socket is gone. Sessions never raise into the driver: a bad frame gets an ``error`` frame
and the connection goes on; an unexpected failure is logged and answered with a generic error.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
import weakref
from typing import Any, Protocol

import msgspec

from ..errors import ProtocolError
from ..protocol import (
    Acknowledgment,
    AttachmentInfo,
    AuthAction,
    AuthOk,
    CancelAction,
    DownloadAction,
    ErrorMessage,
    Event,
    History,
    HistoryAction,
    HistoryEntry,
    MessageAction,
    PingAction,
    Pong,
    PublishAction,
    ReadAction,
    ReadReceipt,
    ResumeAction,
    SubscribeAction,
    Sync,
    SyncAction,
    Typing,
    TypingAction,
    UnsubscribeAction,
    UploadEndAction,
    UploadStartAction,
    UserTyping,
    decode_client_action,
    decode_event_action,
    encode,
    now_iso,
    now_ms,
)
from ..protocol.closecodes import AUTH_EXPIRED, RATE_LIMITED
from ..protocol.copilot import ServerMessage
from ..protocol.events import DEFAULT_CHANNELS
from ..text import clean_text
from .auth import AuthRejected, Principal, verify_token
from .backplane import BackplaneError
from .eventlog import SubscriberFeed
from .hub import TURN_LEASE, Hub, encode_frame
from .store import AlreadyProcessed, ProcessedMessage, StoredMessage
from .streams import Stream
from .transcriber import AUDIO_TYPES, NO_TRANSCRIBER, TranscriptionFailed
from .uploads import ATTACHMENT_NOT_FOUND, UploadDesk, media_type

__all__ = [
    "CONVERSATION_NOT_FOUND",
    "PUBLISH_SCOPE",
    "CopilotSession",
    "EventSession",
    "Outbound",
]

logger = logging.getLogger("omnitrack_realtime.server")

CONVERSATION_NOT_FOUND = "Conversation not found"
PUBLISH_SCOPE = "events:publish"
_INTERNAL_ERROR = "Internal server error; the request was not processed"
_BINARY = "Binary frames are not supported; send JSON text frames"
_MAX_HISTORY = 200
_MAX_CHANNEL = 100
#: An epoch is a short name (ours are 16 characters).
_MAX_EPOCH = 64
#: A clientMessageId is an id (a UUID is 36 characters); it is stored with the message and in
#: the processed window, so a long one would sidestep the message length limit.
_MAX_CLIENT_MESSAGE_ID = 128
#: Channels one ``/ws`` connection may be subscribed to at once (the known event types are a
#: handful; the cap keeps a client inventing names from growing the server's memory).
_MAX_SUBSCRIPTIONS = 100
#: Attachments one message may refer to.
_MAX_ATTACHMENTS = 10


#: Seconds a message refused during shutdown asks its client to wait before resending it.
RESTART_RETRY_AFTER = 1.0
#: A message refused for the rate limit holds back the connection's later messages until it
#: is sent again, at most this many seconds past its retryAfter (then its client gave it up).
_GIVEN_UP_AFTER = 10.0
#: The shortest retryAfter a held-back message is given (the first one's is about to end).
_MIN_RETRY_AFTER = 0.1
#: Refused messages one connection keeps track of (a flooding client is closed long before).
_MAX_REFUSED = 100

#: What a ``rate_limited`` error says was refused, by what it was.
_TOO_MANY = {
    "message": "Too many messages",
    "replay": "Too many resends of messages already answered",
    "history": "Too many history requests",
}


class Outbound(Protocol):
    """A connection's way out, implemented by each driver.

    ``send`` never blocks: it queues the frame (a text frame) or, when the connection already
    has more than its bound waiting to be written, closes it with 1013 and drops the frame.
    ``close`` starts the closing handshake and returns at once; both are no-ops once closing.
    """

    def send(self, data: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class _Session:
    """What both channels share: the principal, token expiry (4401), the decode-guard."""

    channel = "copilot"

    def __init__(self, hub: Hub, principal: Principal, outbound: Outbound) -> None:
        self.hub = hub
        self.principal = principal
        self.outbound = outbound
        self._expiry: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    def send(self, data: bytes) -> None:
        self.outbound.send(data)

    def _deadline(self) -> float:
        """When the token stops being accepted: ``exp`` plus the clock-skew leeway, the same
        rule the handshake applies (a token accepted there must not be closed at once)."""
        return self.principal.expires_at + self.hub.config.auth.leeway

    def _schedule_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        delay = max(0.0, self._deadline() - self.hub.wall_clock())
        self._expiry = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        if not self._closed:
            self.outbound.close(AUTH_EXPIRED, "token expired")

    def _token_expired(self) -> bool:
        return self.hub.wall_clock() >= self._deadline()

    def _close_common(self) -> None:
        self._closed = True
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    async def receive(self, frame: str | bytes) -> None:
        """Handle one inbound frame; never raises (except cancellation)."""
        if self._closed:
            return
        self.hub.metrics.inc("messages_in", channel=self.channel)
        try:
            await self._receive(frame)
        except ProtocolError as exc:
            self._error(exc.reason, code="invalid_message")
        except Exception:
            logger.exception("%s session of %s failed on a frame", self.channel, self.user_id)
            self._error(_INTERNAL_ERROR, code="internal_error")

    def _on_auth(self, token: str) -> None:
        """In-band token refresh: same user, new expiry; a refused one closes 4401 if the
        current token has expired meanwhile."""
        try:
            principal = verify_token(token, self.hub.config.auth, now=self.hub.wall_clock())
            if principal.user_id != self.user_id:
                raise AuthRejected(403, "token is for another user")
        except AuthRejected as exc:
            self.hub.metrics.inc("auth_failures", status=str(exc.status), where="in_band")
            self._error(f"Token refresh failed: {exc.reason}", code="auth_failed")
            if self._token_expired():
                self.outbound.close(AUTH_EXPIRED, "token expired")
            return
        self.principal = principal
        self._schedule_expiry()
        self._auth_ok(int(principal.expires_at * 1000))

    async def _receive(self, frame: str | bytes) -> None:
        raise NotImplementedError

    def _error(self, text: str, **fields: Any) -> None:
        raise NotImplementedError

    def _auth_ok(self, expires_at: int) -> None:
        raise NotImplementedError


class CopilotSession(_Session):
    """A ``/copilot`` connection: chat turns, replays, resume, cancel, history, receipts."""

    channel = "copilot"

    def __init__(self, hub: Hub, principal: Principal, outbound: Outbound) -> None:
        super().__init__(hub, principal, outbound)
        # Weak: the hub keeps a stream while it runs and for its retention; a connection open
        # for days must not keep every answer it ever streamed.
        self._following: weakref.WeakSet[Stream] = weakref.WeakSet()
        # Messages this connection had refused for the rate limit and not admitted since,
        # oldest first, and when the oldest may come back: the others wait for it (_admit).
        self._refused: dict[str, None] = {}
        self._refused_until = 0.0
        #: While a sync reads the store: the frames for this connection, held back so that
        #: the stored (earlier) answers reach it before the live (later) ones.
        self._deferred: list[bytes] | None = None
        self._uploads = UploadDesk(
            hub.config, hub.attachments, principal.user_id, self._reply, self.send
        )

    async def open(self) -> None:
        self.hub.add_copilot(self.user_id, self)
        self._schedule_expiry()

    async def close(self) -> None:
        """The socket is gone: stop following streams (they go on for a later ``resume``)."""
        if self._closed:
            return
        self._close_common()
        self._uploads.close()  # writers store what they were given, then stop
        self.hub.remove_copilot(self.user_id, self)
        for stream in list(self._following):
            stream.detach(self)
        self._following.clear()

    # ------------------------------------------------------------------ sending

    def _reply(self, frame: ServerMessage) -> None:
        self.hub.send(self, frame)

    def _error(self, text: str, **fields: Any) -> None:
        self._reply(ErrorMessage(error=text, timestamp=now_ms(), **fields))

    def _follow(self, stream: Stream, *, after_seq: int = 0, with_start: bool = True) -> None:
        frames = stream.attach(self, after_seq=after_seq, with_start=with_start)
        if stream.running:
            self._following.add(stream)
        self.hub.fan_out((self,), frames)

    # ------------------------------------------------------------------ dispatch

    async def _receive(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            await self._uploads.chunk(frame)  # an attachment's bytes (protocol/chunks.py)
            return
        action = decode_client_action(frame)
        if isinstance(action, MessageAction):
            await self._on_message(action)
        elif isinstance(action, PingAction):
            self._reply(Pong(timestamp=now_ms()))
        elif isinstance(action, CancelAction):
            await self._on_cancel(action)
        elif isinstance(action, ResumeAction):
            await self._on_resume(action)
        elif isinstance(action, HistoryAction):
            await self._on_history(action)
        elif isinstance(action, SyncAction):
            await self._on_sync(action)
        elif isinstance(action, TypingAction):
            await self._on_typing(action)
        elif isinstance(action, ReadAction):
            await self._on_read(action)
        elif isinstance(action, AuthAction):
            self._on_auth(action.token)
        elif isinstance(action, UploadStartAction):
            await self._uploads.start(action)
        elif isinstance(action, UploadEndAction):
            await self._uploads.end(action)
        elif isinstance(action, DownloadAction):
            await self._uploads.download(action)

    async def _owns(self, conversation_id: str, **correlation: str | None) -> bool:
        """Whether this user owns the conversation; if not, answer "Conversation not found"
        with ``correlation`` (clientMessageId, streamId) so the client knows what failed."""
        if await self.hub.store.owns(self.user_id, conversation_id):
            return True
        # The same answer for another user's conversation and for one that does not exist.
        self._error(
            CONVERSATION_NOT_FOUND, code="not_found", conversation_id=conversation_id, **correlation
        )
        return False

    # ------------------------------------------------------------------ message

    async def _on_message(self, action: MessageAction) -> None:
        try:
            await self._take_message(action)
        except Exception:
            # Like receive()'s guard, but the error names the message, so that the client ends
            # that message's wait (and only that one's).
            logger.exception("copilot session of %s failed on a message", self.user_id)
            self._error(
                _INTERNAL_ERROR,
                code="internal_error",
                conversation_id=action.conversation_id,
                client_message_id=action.client_message_id,
            )

    async def _take_message(self, action: MessageAction) -> None:
        client_message_id = action.client_message_id
        if self.hub.closing:
            # Shutting down: a turn started now would only be interrupted. Refused unprocessed,
            # with retryAfter, a client keeps it and resends it to the server it reconnects to.
            self._error(
                "The server is restarting; send this message again in a moment",
                code="unavailable",
                retry_after=RESTART_RETRY_AFTER,
                conversation_id=action.conversation_id,
                client_message_id=client_message_id,
            )
            return
        extra: dict[str, Any] = {}
        limit = self.hub.config.max_message_chars
        if len(action.message) > limit:
            self._error(
                f"Message is too long (max {limit} characters)",
                code="message_too_long",
                conversation_id=action.conversation_id,
                client_message_id=client_message_id,
            )
            return
        if client_message_id is not None and len(client_message_id) > _MAX_CLIENT_MESSAGE_ID:
            # Not echoed: the point is not to carry it around.
            self._error(
                f"clientMessageId is too long (max {_MAX_CLIENT_MESSAGE_ID} characters)",
                code="invalid_message",
                conversation_id=action.conversation_id,
            )
            return
        attachments = await self._attachments_of(action)
        if attachments is None:
            return
        voice = [a for a in attachments if media_type(a.content_type) in AUDIO_TYPES]
        # Control, zero-width and bidi characters go before anything reads or stores the
        # text: they are never part of a node name, of the twin or of a stored message.
        text = clean_text(action.message)
        if voice and not await self._processed(client_message_id):
            transcript = await self._transcribe(action, voice)
            if transcript is None:
                return
            # The transcript is what the user said: it becomes the message, after any words
            # typed with it.
            text = f"{text.strip()}\n{transcript}" if text.strip() else transcript
            extra["transcript"] = transcript
        if attachments:
            extra["attachments"] = [msgspec.to_builtins(a) for a in attachments]
        if not text.strip():
            self._error(
                "Message is empty",
                code="invalid_message",
                conversation_id=action.conversation_id,
                client_message_id=client_message_id,
            )
            return
        if text is not action.message:
            action = msgspec.structs.replace(action, message=text)
        # One intake at a time per user: a resend racing its original sees it as processed,
        # and one session's messages are stored in the order they were sent.
        async with self.hub.intake.hold(self.user_id):
            if client_message_id:
                processed = await self.hub.store.find_processed(self.user_id, client_message_id)
                if processed is not None:
                    if await self._spend_replay(
                        "replay",
                        conversation_id=action.conversation_id,
                        client_message_id=client_message_id,
                    ):
                        await self._replay(processed)
                    return
            if not await self._admit(action):
                return
            if action.conversation_id is not None and not await self._owns(
                action.conversation_id, client_message_id=client_message_id
            ):
                return
            await self._start_turn(action, extra)

    async def _processed(self, client_message_id: str | None) -> bool:
        """Whether this message id was taken already (a resend is not transcribed again)."""
        if not client_message_id:
            return False
        return await self.hub.store.find_processed(self.user_id, client_message_id) is not None

    async def _attachments_of(self, action: MessageAction) -> list[AttachmentInfo] | None:
        """The user's attachments the message names (none: ``[]``); None when one is not
        found (answered ``not_found``) or they are too many."""
        ids = action.attachments if isinstance(action.attachments, list) else []
        if len(ids) > _MAX_ATTACHMENTS:
            self._error(
                f"A message refers to at most {_MAX_ATTACHMENTS} attachments",
                code="invalid_message",
                conversation_id=action.conversation_id,
                client_message_id=action.client_message_id,
            )
            return None
        found: list[AttachmentInfo] = []
        for attachment_id in dict.fromkeys(ids):
            info = await self.hub.attachments.info(self.user_id, attachment_id)
            if info is None:
                # The same answer for another user's attachment as for a missing one.
                self._error(
                    ATTACHMENT_NOT_FOUND,
                    code="not_found",
                    attachment_id=attachment_id,
                    conversation_id=action.conversation_id,
                    client_message_id=action.client_message_id,
                )
                return None
            found.append(info)
        return found

    async def _transcribe(self, action: MessageAction, voice: list[AttachmentInfo]) -> str | None:
        """The voice attachments as text, or None (answered with why not)."""
        transcriber = self.hub.transcriber
        reason, code = NO_TRANSCRIBER, "transcriber_unavailable"
        if transcriber is not None:
            texts: list[str] = []
            try:
                for info in voice:
                    audio = await self.hub.attachments.read(
                        self.user_id, info.attachment_id, 0, info.size
                    )
                    texts.append(
                        await transcriber.transcribe(
                            audio or b"", name=info.name, content_type=info.content_type
                        )
                    )
            except TranscriptionFailed as exc:
                reason, code = (
                    f"Could not transcribe the voice message: {exc.reason}",
                    ("transcription_failed"),
                )
            else:
                transcript = clean_text(" ".join(t for t in texts if t.strip())).strip()
                if transcript:
                    return transcript
                reason, code = "No speech was heard in the voice message", "transcription_failed"
        self._error(
            reason,
            code=code,
            conversation_id=action.conversation_id,
            client_message_id=action.client_message_id,
        )
        return None

    async def _admit(self, action: MessageAction) -> bool:
        """The per-user message rate limit; a client that keeps flooding is closed 4429.

        Once a message is refused, the messages this connection sends after it are refused
        too until it is back and admitted, then the next refused one, and so on (the client
        resends them after ``retryAfter``, in order): a later message admitted because the
        bucket refilled meanwhile would overtake it, and turns run in the order received.
        """
        cmid = action.client_message_id
        retry_after = self._behind_refused(cmid)
        if retry_after is None:
            retry_after = await self.hub.take_message(self.user_id)
        if retry_after is None:
            if cmid is not None:
                self._refused.pop(cmid, None)
            return True
        if cmid is not None and len(self._refused) < _MAX_REFUSED:
            if not self._refused or next(iter(self._refused)) == cmid:
                self._refused_until = self.hub.clock() + retry_after
            self._refused.setdefault(cmid, None)
        self._rate_limited(
            "message",
            retry_after,
            conversation_id=action.conversation_id,
            client_message_id=action.client_message_id,
        )
        return False

    async def _spend_replay(
        self, what: str, *, conversation_id: str | None, client_message_id: str | None = None
    ) -> bool:
        """The per-user budget of replays and history requests (``what``: ``replay`` or
        ``history``): answers them from the store, so each costs far more than it weighs."""
        retry_after = await self.hub.take_replay(self.user_id)
        if retry_after is None:
            return True
        self._rate_limited(
            what,
            retry_after,
            conversation_id=conversation_id,
            client_message_id=client_message_id,
        )
        return False

    def _rate_limited(
        self,
        what: str,
        retry_after: float,
        *,
        conversation_id: str | None,
        client_message_id: str | None,
    ) -> None:
        """Refuse a request over its limit: ``rate_limited`` with ``retryAfter`` (the SDK keeps
        a message and resends it then); a client that keeps at it is closed 4429."""
        seconds = math.ceil(retry_after * 10) / 10
        self.hub.metrics.inc("rate_limited", what=what)
        self._error(
            f"{_TOO_MANY[what]}; retry in {seconds:g} s",
            code="rate_limited",
            retry_after=seconds,
            conversation_id=conversation_id,
            client_message_id=client_message_id,
        )
        if self.hub.flood.strike(self.user_id):
            self.outbound.close(RATE_LIMITED, f"rate limited; retry-after={math.ceil(seconds)}")

    def _behind_refused(self, client_message_id: str | None) -> float | None:
        """Seconds a message must wait for an earlier one this connection had refused (see
        :meth:`_admit`); ``None`` if it need not. Refused messages that are not back well
        after their ``retryAfter`` were given up by their client and hold nothing any more."""
        if not self._refused or client_message_id is None:
            return None
        now = self.hub.clock()
        if now > self._refused_until + _GIVEN_UP_AFTER:
            self._refused.clear()
            return None
        if client_message_id == next(iter(self._refused)):
            return None
        return max(self._refused_until - now, _MIN_RETRY_AFTER)

    async def _start_turn(self, action: MessageAction, extra: dict[str, Any]) -> None:
        store = self.hub.store
        conversation_id = action.conversation_id or await store.create_conversation(self.user_id)
        stream_id = f"stream-{uuid.uuid4()}"
        attachments = extra.get("attachments")
        if attachments:
            # Before the turn is recorded: a run of it (now, or after a crash) finds them.
            await self.hub.attachments.link_turn(
                stream_id, [a["attachmentId"] for a in attachments]
            )
        # The message, its processed id and the pending turn in one transaction, before the
        # acknowledgment: once acknowledged, the turn completes even if this process dies.
        try:
            turn = await store.begin_turn(
                self.user_id,
                conversation_id,
                action.message,
                turn_id=stream_id,
                client_message_id=action.client_message_id,
                streaming=action.streaming,
                owner=self.hub.owner,
                lease_until=self.hub.wall_clock() + TURN_LEASE,
                processed_at=self.hub.wall_clock(),
                extra_metadata=extra,
            )
        except AlreadyProcessed as duplicate:
            # Another process or host took this clientMessageId between our look-up and our
            # insert (the store's key admits one turn): answer it as the resend it is.
            await self._replay(duplicate.processed)
            return
        stream = Stream(
            stream_id=stream_id,
            user_id=self.user_id,
            conversation_id=conversation_id,
            streaming=action.streaming,
            client_message_id=action.client_message_id,
            user_message_id=turn.message_id,
        )
        stream.followers.append(self)
        self._following.add(stream)
        # The turn's task runs once this returns: the acknowledgment goes out first.
        ahead = self.hub.start_turn(stream, action.message)
        now = now_ms()
        self._reply(
            Acknowledgment(
                message="Message received. Processing...",
                timestamp=now,
                conversation_id=conversation_id,
                client_message_id=action.client_message_id,
                message_id=turn.message_id,
                queued=ahead or None,
                message_seq=turn.message_seq or None,
                transcript=extra.get("transcript"),
            )
        )
        if not ahead:  # a queued turn's typing comes when it starts (the hub sends it)
            self._reply(Typing(timestamp=now, conversation_id=conversation_id))

    async def _replay(self, processed: ProcessedMessage) -> None:
        """A resend of a processed ``clientMessageId``: acknowledge again (saying whether it
        still waits for earlier turns), replay the answer."""
        stream = (
            await self.hub.locate(self.user_id, processed.stream_id)
            if processed.stream_id
            else None
        )
        if stream is None:
            stream = await self.hub.recover_answer(self.user_id, processed)
        elif stream.client_message_id is None:
            # Rebuilt from its stored answer, which does not name the message it answers.
            stream.client_message_id = processed.client_message_id
        self._reply(
            Acknowledgment(
                message="Message already received.",
                timestamp=now_ms(),
                conversation_id=processed.conversation_id,
                client_message_id=processed.client_message_id,
                message_id=processed.message_id,
                queued=self.hub.turns_ahead(stream) or None,
            )
        )
        self._follow(stream)

    # ------------------------------------------------------------------ streams

    async def _on_cancel(self, action: CancelAction) -> None:
        if not await self._owns(action.conversation_id):
            return
        streams = [
            stream
            for stream in self.hub.streams.running_in(self.user_id, action.conversation_id)
            if action.stream_id is None or stream.stream_id == action.stream_id
        ]
        elsewhere = [
            stream
            for stream in await self.hub.pending_elsewhere(self.user_id, action.conversation_id)
            if (action.stream_id is None or stream.stream_id == action.stream_id)
            and stream not in streams
        ]
        if not streams and not elsewhere:
            self._error(
                "No answer is being generated in this conversation",
                code="no_active_stream",
                conversation_id=action.conversation_id,
            )
            return
        for stream in streams:
            # The canceller hears the interruption even if another connection started it.
            if self not in stream.followers:
                stream.followers.append(self)
                self._following.add(stream)
            self.hub.cancel(stream, "Cancelled")
        for stream in elsewhere:
            # Run by another process: asked there; the interruption comes back through its
            # shared record, which this connection follows from now on.
            if self not in stream.followers:
                self._follow(stream)
            if stream.running:
                await self.hub.cancel_elsewhere(stream)

    async def _on_resume(self, action: ResumeAction) -> None:
        if not await self._owns(action.conversation_id, stream_id=action.stream_id):
            return
        stream = await self.hub.locate(self.user_id, action.stream_id)
        if stream is None or stream.conversation_id != action.conversation_id:
            self._error(
                "Stream not found",
                code="stream_not_found",
                conversation_id=action.conversation_id,
                stream_id=action.stream_id,
            )
            return
        after_seq = max(action.after_seq, 0)
        self._follow(stream, after_seq=after_seq, with_start=after_seq == 0)

    # ------------------------------------------------------------------ the rest

    async def _on_sync(self, action: SyncAction) -> None:
        """Reconciliation after a reconnect: the turns of the conversation not ended yet are
        followed live from now on, then the stored messages after ``afterSeq`` are sent.

        In that order on purpose: a turn leaves the conversation's line only after its answer
        is stored, so a turn that ends between the two steps is in what the store returns
        (and maybe also delivered live: the client drops the second copy), never in neither.
        """
        conversation_id = action.conversation_id
        if not await self._owns(conversation_id):
            return
        pending: list[str] = []
        # The live frames wait until the stored messages are out: they are later answers.
        self._deferred = []
        try:
            unfinished = self.hub.unfinished(conversation_id)
            unfinished += await self.hub.pending_elsewhere(self.user_id, conversation_id)
            for stream in unfinished:
                if stream.user_id != self.user_id or not stream.running:
                    continue
                if self not in stream.followers:  # (a resume just before may follow it)
                    self._follow(stream)
                if stream.client_message_id:
                    pending.append(stream.client_message_id)
            after_seq = max(action.after_seq, 0)
            messages = await self.hub.store.messages_after(
                conversation_id, after_seq, limit=_MAX_HISTORY + 1
            )
        except BaseException:
            self._send_deferred()
            raise
        more = len(messages) > _MAX_HISTORY
        # A reply that would take the connection past its outbound bound would close it (1013)
        # and the client would ask again: pages of at most half of it, one message at least.
        budget, size = self.hub.config.outbound_buffer // 2, 0
        page: list[StoredMessage] = []
        for message in messages[:_MAX_HISTORY]:
            size += len(message.content) * 4 + 512
            if page and size > budget:
                more = True
                break
            page.append(message)
        retry_after: float | None = None
        # Stored answers cost like a replay and count against the same budget; refused, the
        # reply says when to ask again (no error: no chat message is refused).
        wait = await self.hub.take_replay(self.user_id) if page else None
        if wait is not None:
            self.hub.metrics.inc("rate_limited", what="sync")
            retry_after = math.ceil(wait * 10) / 10
            page, more = [], True
        last = page[-1].seq if page else after_seq
        frame = Sync(
            conversation_id=conversation_id,
            messages=[_entry(message) for message in page],
            pending=pending,
            seq=last,
            more=more,
            retry_after=retry_after,
        )
        deferred, self._deferred = self._deferred, None
        self.outbound.send(encode_frame(frame))
        self.hub.metrics.inc("messages_out", channel=self.channel)
        for data in deferred or ():
            self.outbound.send(data)

    def _send_deferred(self) -> None:
        deferred, self._deferred = self._deferred, None
        for data in deferred or ():
            self.outbound.send(data)

    def send(self, data: bytes) -> None:
        if self._deferred is not None:
            self._deferred.append(data)
        else:
            self.outbound.send(data)

    async def _on_history(self, action: HistoryAction) -> None:
        if not await self._spend_replay("history", conversation_id=action.conversation_id):
            return
        if not await self._owns(action.conversation_id):
            return
        limit = min(max(action.limit or 50, 1), _MAX_HISTORY)
        messages = await self.hub.store.history(
            action.conversation_id, limit=limit, before=action.before
        )
        self._reply(
            History(
                conversation_id=action.conversation_id,
                messages=[_entry(message) for message in messages],
            )
        )

    async def _on_typing(self, action: TypingAction) -> None:
        if action.conversation_id is None or not await self._owns(action.conversation_id):
            return
        frame = UserTyping(
            conversation_id=action.conversation_id, user_id=self.user_id, timestamp=now_ms()
        )
        await self.hub.signal_peers(self, frame)

    async def _on_read(self, action: ReadAction) -> None:
        if not await self._owns(action.conversation_id):
            return
        frame = ReadReceipt(
            conversation_id=action.conversation_id,
            message_id=action.message_id,
            user_id=self.user_id,
            timestamp=now_ms(),
        )
        await self.hub.signal_peers(self, frame)

    def _auth_ok(self, expires_at: int) -> None:
        self._reply(AuthOk(expires_at=expires_at))


class EventSession(_Session):
    """A ``/ws`` connection: subscriptions, resuming from the shared log, publishing."""

    channel = "events"

    def __init__(self, hub: Hub, principal: Principal, outbound: Outbound) -> None:
        super().__init__(hub, principal, outbound)
        self.channels: set[str] = set(DEFAULT_CHANNELS)
        self.feed: SubscriberFeed = hub.events.new_feed()
        #: The resume under way (one at a time, in the order asked).
        self._resuming: asyncio.Task[None] | None = None
        self._grace: asyncio.TimerHandle | None = None

    def send(self, data: bytes) -> None:
        self.outbound.send(data)

    async def open(self) -> None:
        self.hub.add_subscriber(self)
        self._schedule_expiry()
        grace = self.hub.config.resume_grace
        if grace > 0:
            # A reconnecting client's first frame says where it resumes (subscribe with
            # afterSeq): live events wait for it, or they would overtake the replay.
            self.feed.hold()
            self._grace = asyncio.get_running_loop().call_later(grace, self._end_grace)

    def _end_grace(self) -> None:
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
            self.hub.events.release(self)

    async def receive(self, frame: str | bytes) -> None:
        if self._grace is not None and not self._asks_to_resume(frame):
            self._end_grace()
        await super().receive(frame)

    @staticmethod
    def _asks_to_resume(frame: str | bytes) -> bool:
        try:
            action = decode_event_action(frame) if isinstance(frame, str) else None
        except ProtocolError:
            return False
        return isinstance(action, SubscribeAction) and action.after_seq is not None

    async def close(self) -> None:
        if self._closed:
            return
        self._close_common()
        self.hub.remove_subscriber(self)
        if self._grace is not None:
            self._grace.cancel()
        if self._resuming is not None:
            self._resuming.cancel()

    def _auth_ok(self, expires_at: int) -> None:
        self._reply("auth_ok", {"expiresAt": expires_at})

    def _reply(self, event_type: str, data: Any) -> None:
        self.outbound.send(encode(Event(type=event_type, data=data, timestamp=now_iso())))
        self.hub.metrics.inc("messages_out", channel=self.channel)

    def _error(self, text: str, **fields: Any) -> None:
        self._reply("error", {"error": text, **{k: v for k, v in fields.items() if v is not None}})

    async def _receive(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self._error(_BINARY, code="invalid_message")
            return
        try:
            action = decode_event_action(frame)
        except ProtocolError:
            # ``auth`` (in-band refresh) is shared with /copilot but not an EventAction.
            refresh = _auth_action(frame)
            if refresh is None:
                raise
            self._on_auth(refresh.token)
            return
        if isinstance(action, SubscribeAction):
            channels = _channels(action.channels)
            if len(self.channels.union(channels)) > _MAX_SUBSCRIPTIONS:
                self._error(
                    f"Too many channels (max {_MAX_SUBSCRIPTIONS} per connection)",
                    code="too_many_channels",
                )
                return
            self.channels.update(channels)
            reply: dict[str, Any] = {"channels": channels}
            epoch, cursor = self.hub.events.epoch, self.feed.cursor
            if epoch is not None:
                reply["epoch"] = epoch
            if cursor is not None and action.after_seq is None:
                # Where this connection joined the log: a client that has seen no event yet
                # resumes from here, or it would miss what comes before its first event.
                reply["seq"] = cursor
            self._reply("subscribed", reply)
            if action.after_seq is not None:
                if action.epoch is not None and len(action.epoch) > _MAX_EPOCH:
                    raise ProtocolError(f"Invalid epoch (at most {_MAX_EPOCH} characters)")
                self._grace = None  # the resume ends the hold
                self._resume(action.after_seq, action.epoch)
        elif isinstance(action, UnsubscribeAction):
            channels = _channels(action.channels)
            self.channels.difference_update(channels)
            self._reply("unsubscribed", {"channels": channels})
        elif isinstance(action, PublishAction):
            await self._on_publish(action)
        elif isinstance(action, PingAction):
            self._reply("pong", None)

    async def _on_publish(self, action: PublishAction) -> None:
        if not self.principal.has_scope(PUBLISH_SCOPE):
            self._error(
                f"Publishing needs the '{PUBLISH_SCOPE}' scope; use a token that has it, e.g. "
                f"omnitrack token --user {self.user_id} --scope {PUBLISH_SCOPE}",
                code="forbidden",
            )
            return
        event_type = action.event_type.strip()
        if not event_type or len(event_type) > _MAX_CHANNEL:
            raise ProtocolError(f"Invalid eventType (1 to {_MAX_CHANNEL} characters)")
        refused = self.hub.config.event_registry.refusal(event_type)
        if refused is not None:
            self._error(refused.reason, code=refused.code)
            return
        try:
            logged = await self.hub.publish_event(action.user_id, event_type, action.data)
        except BackplaneError as exc:
            # Redis is away: the publisher's problem is transient, not an internal failure.
            logger.warning("publish of %r refused: %s", event_type, exc.reason)
            self._error(
                "The event was not published (nobody got it): the event log is unavailable; "
                "try again later",
                code="unavailable",
                retryAfter=exc.retry_after,
            )
            return
        self._reply(
            "published",
            {"eventType": event_type, "userId": action.user_id, "seq": logged.seq, "id": logged.id},
        )

    def _resume(self, after_seq: int, epoch: str | None) -> None:
        """Resume from the log in a task of its own (it may wait for the log), after the
        resumes asked before it."""
        previous = self._resuming

        async def resume() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            await self.hub.events.resume(self, after_seq, epoch)

        self._resuming = asyncio.get_running_loop().create_task(resume(), name="ws-resume")


def _entry(message: StoredMessage) -> HistoryEntry:
    return HistoryEntry(
        message_id=message.message_id,
        role=message.role,
        content=message.content,
        timestamp=message.timestamp,
        metadata=message.metadata,
        seq=message.seq or None,
    )


def _auth_action(frame: str) -> AuthAction | None:
    try:
        action = decode_client_action(frame)
    except ProtocolError:
        return None
    return action if isinstance(action, AuthAction) else None


def _channels(channels: list[str]) -> list[str]:
    if not channels:
        raise ProtocolError("Invalid message: 'channels' is empty")
    for channel in channels:
        if not channel or len(channel) > _MAX_CHANNEL:
            raise ProtocolError(f"Invalid channel (1 to {_MAX_CHANNEL} characters)")
    return list(dict.fromkeys(channels))
