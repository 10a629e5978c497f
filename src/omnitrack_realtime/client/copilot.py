"""The copilot chat client: the Python counterpart of the seed's ``useCopilotWebSocket``.

:class:`CopilotClient` = one :class:`~.connection.Connection` (reconnects, offline queue,
keepalive) + one :class:`~.conversation.Conversation` (the pure reducer of the chat state).
Frames are decoded with msgspec and folded into the conversation inside the read loop; user
code (``on_change`` callbacks, ``ask``/``stream`` callers) runs in other tasks.

After a reconnect the client first asks the server to ``resume`` every answer that was still
streaming (with ``afterSeq``, so no token is lost or doubled), then to ``sync`` the
conversation from its cursor (every stored message it lacks, and the turns still running or
queued, live), then flushes the outbox. A message acknowledged earlier that the reconciliation
shows unanswered and not in progress is sent again with its id (the server replays its
answer). Against a seed server (no ``streamId``/``seq``, no message numbers) a lost answer is
marked `` [interrupted]`` instead, and no ``sync`` is sent.

A message the server refuses for now (``error`` with code ``rate_limited``, or ``unavailable``
from a server that is restarting, with ``retryAfter`` and the message's ``clientMessageId``) is
not failed: it becomes ``queued`` again, keeps its place at the head of what is unsent, and is
resent with the same id after ``retryAfter`` (see :meth:`.outbox.Outbox.rate_limited`), to the
server the client reconnects to if this one goes away; ``ask()``/``stream()`` keep waiting.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Unpack
from uuid import uuid4

import msgspec

from ..errors import ConnectionFailed, OmniTrackError, ProtocolError, StoreError
from ..protocol import (
    Acknowledgment,
    AttachmentInfo,
    CancelAction,
    ErrorMessage,
    Pong,
    ReadAction,
    ReadReceipt,
    StreamToken,
    Sync,
    TypingAction,
    UploadAck,
    UploadComplete,
    UploadReady,
    decode_server_message,
    encode,
)
from ..protocol.chunks import is_chunk_frame
from ._dispatch import Mailbox
from ._env import COPILOT_URL_DEFAULT, COPILOT_URL_ENV, resolve_urls
from ._surface import ClientSurface, ConnectionOptions
from .conversation import (
    ChatMessage,
    Conversation,
    ConversationEvent,
    MarkedRead,
    Reconciled,
    ReplyFinished,
)
from .history import ConversationSummary, Journal
from .outbox import AckMode, OutboxItem
from .state import ConnectionState, Transition
from .store import HistoryStore, Loaded, new_key
from .uploads import AttachmentSource, Uploader, UploadProgress, read_source

__all__ = ["ChatMessage", "CopilotClient"]  # ChatMessage: re-exported for convenience

logger = logging.getLogger("omnitrack_realtime")

# A stream() consumer is the caller's own loop: never drop its tokens (memory is bounded by
# the answer's length, which the caller asked for).
_STREAM_BUFFER = 1 << 62
#: The ``error`` code of a message refused by the server's rate limit (protocol.md).
RATE_LIMITED_CODE = "rate_limited"
#: ``error`` codes that refuse a message for now, not for good: with ``retryAfter`` it is kept
#: and resent (a rate limit; a server that is shutting down).
RESEND_LATER_CODES = frozenset({RATE_LIMITED_CODE, "unavailable"})
#: Seconds between two ``typing`` frames (the other devices show one for 5 s).
TYPING_EVERY = 3.0


class _Finished:
    """Marks the end of a stream() in its mailbox."""

    __slots__ = ("message",)

    def __init__(self, message: ChatMessage) -> None:
        self.message = message


class CopilotClient(ClientSurface):
    """A resilient copilot chat session.

    ``url=None`` reads ``OMNITRACK_COPILOT_WS_URL``, then ``NEXT_PUBLIC_COPILOT_WS_URL``, then
    uses ``ws://localhost:3001/copilot``. ``url`` may be a list (in the environment: commas):
    each retry goes to the next server, and the conversation resumes on whichever it reaches.
    ``token`` is a string or a (sync or async) callable
    called on every (re)connect; ``None`` reads ``OMNITRACK_TOKEN``. It goes in an
    ``Authorization: Bearer`` header, and also in the query string when ``token_in_query``.
    ``reconnect=None`` turns reconnection off. Other keywords (see ``ConnectionOptions``):
    ``ping_interval``, ``ping_timeout``, ``open_timeout``, ``close_timeout`` (seconds or
    ``None``), ``max_queue``, ``max_message_size``, ``random`` (the jitter's source),
    ``clock`` (monotonic seconds, for retry deadlines and rate-limit holds).

    ``store`` (a file path) keeps the conversation, its messages and what is still unsent in
    SQLite, so they survive a restart: the client then opens the user's most recent
    conversation on this server (``new_conversation=True``: a new one), sends again, with
    their ids, the messages never acknowledged, and fetches from the server what it lacks.
    ``conversation_id`` opens that conversation (stored, or started on another device: it is
    then fetched whole). See :meth:`conversations` and :meth:`switch_conversation`.

    State (read-only; ``on_change`` callbacks run after it changes): ``messages``,
    ``is_connected``, ``is_connecting``, ``is_typing``, ``error``, ``conversation_id``,
    ``suggestions``, ``state``.

    ::

        async with CopilotClient(user_id="user-123", token=get_token) as copilot:
            reply = await copilot.ask("Run a supply chain analysis")
            async for token in copilot.stream("Show me recent alerts"):
                print(token, end="")
    """

    def __init__(
        self,
        url: str | Sequence[str] | None = None,
        *,
        streaming: bool = True,
        store: str | os.PathLike[str] | None = None,
        conversation_id: str | None = None,
        new_conversation: bool = False,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        self._streaming = streaming
        self._conversation = Conversation()
        super().__init__(resolve_urls(url, COPILOT_URL_ENV, COPILOT_URL_DEFAULT), options)
        self._store = (
            HistoryStore(
                # A list of urls is one service: its conversations are kept under the first.
                os.fspath(store),
                owner=options.get("user_id") or "",
                server=self._conn.urls[0],
            )
            if store is not None
            else None
        )
        self._open_at = conversation_id
        self._new_conversation = new_conversation
        self._journal: Journal | None = None
        self._restoring: asyncio.Future[None] | None = None
        self._persist_scheduled = False
        self._last_write: asyncio.Future[None] | None = None
        self._typing_sent_at: float | None = None
        self._read_sent: str | None = None
        # Texts of queued messages by clientMessageId: a message queued before the
        # conversation id was known is re-encoded with it once it is.
        self._texts: dict[str, str] = {}
        self._reply_waiters: dict[str, asyncio.Future[ChatMessage]] = {}
        self._stream_waiters: dict[str, Mailbox[str | _Finished]] = {}
        #: Messages sent again because reconciliation found them unanswered (a counter).
        self._resent_unanswered = 0
        self._uploader = Uploader(self._conn)
        #: The attachment ids of messages not yet acknowledged (re-encoded with them).
        self._attachment_ids: dict[str, list[str]] = {}

    async def connect(self) -> None:
        """Restore the stored conversation (with a ``store``), then connect (see
        :meth:`ClientSurface.connect`). Raises :class:`StoreError` if the store is unusable."""
        await self._restored()
        await super().connect()

    async def disconnect(self) -> None:
        """Close (code 1000), cancel pending retries; answers still streaming are interrupted.
        Writes to the store still under way are finished first."""
        await self._conn.disconnect()
        await self._persisted()

    async def close(self) -> None:
        """Disconnect and close the store (what leaving ``async with`` does)."""
        await self.disconnect()
        if self._store is not None:
            await self._store.close()

    async def __aexit__(self, *exc_info: object) -> None:
        await super().__aexit__(None, None, None)
        if self._store is not None:
            await self._store.close()

    # ------------------------------------------------------------------ state

    @property
    def messages(self) -> list[ChatMessage]:
        """The conversation, oldest first (the live list: read it, do not change it)."""
        return self._conversation.messages

    @property
    def is_typing(self) -> bool:
        return self._conversation.is_typing

    @property
    def error(self) -> str | None:
        """The last error to show: a server ``error`` or interruption, else why the
        connection is failing; ``None`` when all is well."""
        if self._conversation.error is not None:
            return self._conversation.error
        return super().error

    @property
    def conversation_id(self) -> str | None:
        return self._conversation.conversation_id

    @property
    def suggestions(self) -> list[str]:
        return self._conversation.suggestions

    @property
    def typing_elsewhere(self) -> bool:
        """Whether the user is typing in this conversation on another device (lately)."""
        return self._conversation.typing_elsewhere()

    @property
    def conversation_key(self) -> str | None:
        """The open conversation's key in the store (``None`` without one)."""
        return self._journal.key if self._journal is not None else None

    @property
    def store_path(self) -> str | None:
        """The history store's file, ``None`` without one."""
        return self._store.path if self._store is not None else None

    # ------------------------------------------------------------------ conversations

    async def conversations(self) -> list[ConversationSummary]:
        """The stored conversations of this user on this server, most recent first (empty
        without a store)."""
        if self._store is None:
            return []
        await self._persisted()
        return await self._store.conversations()

    async def switch_conversation(self, conversation: str | None = None) -> None:
        """Open another conversation: a stored one (its key or server id), one started on
        another device (its server id: fetched whole), or a new one (``None``).

        The connection is closed and opened again (if it was open) so that nothing of the
        old conversation reaches the new one. Messages of the old one still unsent stay in
        the store and go out when it is opened again (without a store they are dropped,
        marked failed). Waiting ``ask()``/``stream()`` calls end with
        :class:`ConnectionFailed`."""
        await self._restored()
        was_on = self.state in (
            ConnectionState.OPEN,
            ConnectionState.CONNECTING,
            ConnectionState.RECONNECTING,
        )
        await self._conn.disconnect()
        self._persist()
        await self._persisted()
        gone = ConnectionFailed("switched to another conversation")
        for item in self._conn.outbox.clear():
            if item.client_message_id is not None and self._store is None:
                self._conversation.mark_failed(item.client_message_id, str(gone))
        for future in self._reply_waiters.values():
            if not future.done():
                future.set_exception(gone)
                future.exception()
        for mailbox in self._stream_waiters.values():
            mailbox.close(gone)
        self._texts.clear()
        self._conversation = Conversation()
        self._journal = None
        self._read_sent = None
        self._open_at, self._new_conversation = conversation, conversation is None
        self._restoring = None
        await self._restored()
        self._changed()
        if was_on:
            await self.connect()

    async def restore(self) -> None:
        """Read the stored conversation in (once; ``connect()`` and the sends do it first):
        call it to show the history before connecting. Raises :class:`StoreError`."""
        await self._restored()

    async def _restored(self) -> None:
        """Restore the stored conversation once (every entry point awaits this first)."""
        if self._restoring is None:
            self._restoring = asyncio.ensure_future(self._restore())
        await asyncio.shield(self._restoring)

    async def _restore(self) -> None:
        store = self._store
        if store is None:
            if self._open_at is not None:
                self._conversation.join(self._open_at)
            return
        try:
            if self._open_at is not None:
                key = await store.find(self._open_at)
            else:
                key = None if self._new_conversation else await store.latest()
            loaded = await store.load(key) if key is not None else None
        except StoreError:
            self._restoring = None  # a later call tries again (and raises again, if so)
            raise
        if loaded is None:
            if self._open_at is not None:
                self._conversation.join(self._open_at)
            self._journal = Journal(self._conversation, new_key())
        else:
            # Made off the loop: for a long conversation, building the messages is the cost.
            messages = await asyncio.to_thread(_messages_of, loaded)
            self._install(loaded, messages)
            await store.opened(loaded.conversation.key)
        self._changed()

    def _install(self, loaded: Loaded, messages: list[ChatMessage]) -> None:
        conversation_id = loaded.conversation.conversation_id
        records = loaded.messages
        unsent = self._conversation.restore(
            messages,
            conversation_id=conversation_id,
            cursor=loaded.conversation.cursor,
            numbered=loaded.conversation.numbered,
            server_ids={
                r.client_message_id: r.server_id
                for r in records
                if r.client_message_id is not None and r.server_id is not None
            },
            answer_ids={
                r.id: r.server_id
                for r in records
                if r.role == "assistant" and r.server_id is not None
            },
        )
        self._journal = Journal(
            self._conversation,
            loaded.conversation.key,
            positions=[record.position for record in records],
            title=loaded.conversation.title,
        )
        for message in unsent:  # never acknowledged: sent again, same id, oldest first
            cmid = message.client_message_id
            assert cmid is not None
            try:
                self._conn.send(
                    self._encode_message(message.content, cmid, conversation_id),
                    client_message_id=cmid,
                    needs_conversation=conversation_id is None,
                )
            except OmniTrackError as exc:  # a smaller queue or frame limit than before
                self._conversation.mark_failed(cmid, str(exc))
                self._journal.touch(message)
                continue
            self._texts[cmid] = message.content

    # ------------------------------------------------------------------ persisting

    def _persist_soon(self) -> None:
        """Write what changed at the end of this loop turn (one batch for a burst)."""
        if self._journal is None or self._persist_scheduled:
            return
        self._persist_scheduled = True
        asyncio.get_running_loop().call_soon(self._persist)

    def _persist(self) -> asyncio.Future[None] | None:
        """Hand what changed to the store's thread now; returns the write, if any."""
        self._persist_scheduled = False
        journal, store = self._journal, self._store
        if journal is None or store is None:
            return None
        batch = journal.collect()
        if not batch:
            return None
        try:
            write = asyncio.ensure_future(store.write(batch))
        except StoreError as exc:  # closed: nothing more is kept
            logger.warning("%s", exc)
            return None
        write.add_done_callback(_log_store_failure)
        self._last_write = write
        return write

    async def _persisted(self) -> None:
        """Until every write asked for so far is done (they run in order: wait for the last)."""
        self._persist()
        write = self._last_write
        if write is not None:
            await asyncio.wait([write])

    # ------------------------------------------------------------------ sending

    async def send_message(
        self,
        text: str,
        attachments: Sequence[AttachmentSource] = (),
        *,
        on_progress: Callable[[UploadProgress], Any] | None = None,
    ) -> ChatMessage:
        """Send a chat message (queued when offline); returns the user message, appended at
        once (and, with a store, on disk). Raises :class:`MessageTooLarge` or
        :class:`QueueFull` (nothing is appended).

        ``attachments`` (paths or bytes) are uploaded first, each resumed after a reconnect
        and checked by SHA-256 (``on_progress`` hears how far each is), and the message
        refers to them; an audio file makes it a voice message (the server's transcript
        becomes its text). Raises :class:`AttachmentError` when the server refuses one."""
        await self._restored()
        infos = [await self.upload(source, on_progress=on_progress) for source in attachments]
        message = self._send(text, infos)
        await self._kept()
        return message

    async def upload(
        self,
        source: AttachmentSource,
        *,
        name: str | None = None,
        content_type: str | None = None,
        on_progress: Callable[[UploadProgress], Any] | None = None,
    ) -> AttachmentInfo:
        """Upload one attachment (a path or bytes) and return its description; a message
        names it by ``attachment_id`` (``send_message`` does both)."""
        if isinstance(source, bytes):
            file_name, data = read_source(source, name)
        else:
            file_name, data = await asyncio.to_thread(read_source, source, name)
        return await self._uploader.upload(
            data, name=file_name, content_type=content_type, on_progress=on_progress
        )

    async def download_attachment(
        self, attachment: str | Mapping[str, Any] | AttachmentInfo
    ) -> bytes:
        """The bytes of one of the user's attachments: an id, or its description (an
        answer's ``metadata["attachments"]`` entry: size and SHA-256 are then checked)."""
        if isinstance(attachment, str):
            return await self._uploader.download(attachment)
        if isinstance(attachment, AttachmentInfo):
            return await self._uploader.download(
                attachment.attachment_id, size=attachment.size, sha256=attachment.sha256
            )
        return await self._uploader.download(
            str(attachment["attachmentId"]),
            size=attachment.get("size"),
            sha256=attachment.get("sha256"),
        )

    async def _kept(self) -> None:
        """The message just sent is on disk before the caller hears it was queued: a restart
        from now on sends it again. A store that fails says so, and the message still goes."""
        write = self._persist()
        if write is None:
            return
        try:
            await asyncio.shield(write)
        except StoreError as exc:
            logger.warning("the message was not kept: %s", exc)

    async def send_typing(self) -> None:
        """Tell the user's other devices they are typing here (at most every 3 s; nothing
        while offline or before the conversation exists: it would be stale when sent)."""
        conversation_id = self._conversation.conversation_id
        if conversation_id is None or not self._conn.is_connected:
            return
        now = self._clock()
        if self._typing_sent_at is not None and now - self._typing_sent_at < TYPING_EVERY:
            return
        self._typing_sent_at = now
        self._conn.send(encode(TypingAction(conversation_id=conversation_id)))

    async def mark_read(self) -> bool:
        """Tell the user's other devices the conversation is read up to its newest message
        (they show it as read). Returns False when there was nothing new to report."""
        conversation_id = self._conversation.conversation_id
        message_id = self._conversation.last_readable()
        if (
            conversation_id is None
            or message_id is None
            or message_id == self._read_sent
            or not self._conn.is_connected
        ):
            return False
        self._read_sent = message_id
        self._conn.send(encode(ReadAction(conversation_id=conversation_id, message_id=message_id)))
        return True

    def _clock(self) -> float:
        return asyncio.get_running_loop().time()

    # `timeout` is the public signature (the seed's style), hence the noqa.
    async def ask(
        self,
        text: str,
        timeout: float | None = None,  # noqa: ASYNC109
        *,
        attachments: Sequence[AttachmentSource] = (),
        on_progress: Callable[[UploadProgress], Any] | None = None,
    ) -> ChatMessage:
        """Send ``text`` and wait for the whole answer (its ``status`` says how it ended:
        ``"complete"``, ``"interrupted"`` or ``"error"``). Raises :class:`TimeoutError` after
        ``timeout`` seconds and :class:`ConnectionFailed` if the connection gives up first (at
        once, sending nothing, if it already has: state ``FAILED``)."""
        self._raise_if_failed()
        await self._restored()
        future: asyncio.Future[ChatMessage] = asyncio.get_running_loop().create_future()
        infos = [await self.upload(source, on_progress=on_progress) for source in attachments]
        message = self._send(text, infos)
        cmid = message.client_message_id
        assert cmid is not None
        self._reply_waiters[cmid] = future
        try:
            await self._kept()
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._reply_waiters.pop(cmid, None)

    async def stream(
        self,
        text: str,
        *,
        attachments: Sequence[AttachmentSource] = (),
        on_progress: Callable[[UploadProgress], Any] | None = None,
    ) -> AsyncIterator[str]:
        """Send ``text`` and yield the answer's text as it arrives, token by token (a whole
        non-streamed answer, an interruption marker or the error reply come as one piece).
        ``attachments`` as for :meth:`send_message`."""
        self._raise_if_failed()
        await self._restored()
        mailbox: Mailbox[str | _Finished] = Mailbox(_STREAM_BUFFER)
        infos = [await self.upload(source, on_progress=on_progress) for source in attachments]
        message = self._send(text, infos)
        cmid = message.client_message_id
        assert cmid is not None
        self._stream_waiters[cmid] = mailbox
        yielded: list[str] = []
        try:
            await self._kept()
            # Drain in batches: frames arrive in bursts, and one wait per burst (rather than
            # one per token) halves the cost of handing tokens to the caller.
            while await mailbox.wait():
                for item in mailbox.take_all():
                    if isinstance(item, _Finished):
                        # What the final text has beyond the tokens: a whole answer, the
                        # interrupted marker, a longer partialResponse, the error reply.
                        so_far = "".join(yielded)
                        final = item.message.content
                        rest = final[len(so_far) :] if final.startswith(so_far) else ""
                        if rest:
                            yield rest
                        return
                    yielded.append(item)
                    yield item
        finally:
            self._stream_waiters.pop(cmid, None)

    async def cancel(self) -> None:
        """Ask the server to stop the answer being generated (no-op before a conversation)."""
        conversation_id = self._conversation.conversation_id
        if conversation_id is None:
            return
        streams = self._conversation.open_streams
        stream_id = streams[-1].stream_id if streams else None
        action = CancelAction(conversation_id=conversation_id, stream_id=stream_id)
        self._conn.send(encode(action))

    def _raise_if_failed(self) -> None:
        """ask()/stream() on a client whose connection gave up would wait for ever: nothing
        answers until connect() is called again. Raise why it failed instead."""
        if self._conn.state is ConnectionState.FAILED:
            raise self._conn.error or ConnectionFailed("the connection failed; connect() again")

    def _send(self, text: str, attachments: Sequence[AttachmentInfo] = ()) -> ChatMessage:
        cmid = uuid4().hex
        conversation_id = self._conversation.conversation_id
        if attachments:
            self._attachment_ids[cmid] = [a.attachment_id for a in attachments]
        # A plain dict, not MessageAction: seed servers read `streaming` and `conversationId`
        # and the struct would omit them at their defaults.
        self._conn.send(
            self._encode_message(text, cmid, conversation_id),
            client_message_id=cmid,
            needs_conversation=conversation_id is None,
        )
        self._texts[cmid] = text
        self._conversation.error = None
        # "queued" until the writer has really written it (then "sent", see _on_written):
        # connected or not, the outbox may hold it back (one in flight while the conversation
        # is unknown, a rate-limit hold).
        message = self._conversation.add_user_message(text, client_message_id=cmid, queued=True)
        if attachments:
            message.metadata["attachments"] = [msgspec.to_builtins(a) for a in attachments]
        self._changed()
        return message

    def _encode_message(self, text: str, cmid: str, conversation_id: str | None) -> bytes:
        frame: dict[str, Any] = {
            "action": "message",
            "message": text,
            "conversationId": conversation_id,
            "streaming": self._streaming,
            "clientMessageId": cmid,
        }
        attachments = self._attachment_ids.get(cmid)
        if attachments:
            frame["attachments"] = attachments
        return encode(frame)

    # ------------------------------------------------------------------ driver hooks

    def _on_frame(self, data: bytes) -> None:
        if is_chunk_frame(data):  # an attachment being downloaded
            try:
                self._uploader.on_chunk(data)
            except ProtocolError as exc:
                self._conversation.ignored += 1
                logger.debug("ignored a malformed chunk frame: %s", exc)
            return
        try:
            message = decode_server_message(data)
        except ProtocolError as exc:
            self._conversation.ignored += 1
            logger.debug("ignored a malformed copilot frame: %s", exc)
            return
        if type(message) is StreamToken:  # the hot path: nothing but the reducer
            events = self._conversation.apply(message)
            if self._stream_waiters or self._change_workers:
                self._route(events)
            return
        if isinstance(message, Pong):
            return
        if isinstance(message, UploadReady | UploadAck | UploadComplete):
            self._uploader.on_message(message)
            return
        if (
            isinstance(message, ErrorMessage)
            and message.client_message_id is None
            and self._uploader.on_message(message)
        ):
            return
        known_before = self._conversation.conversation_id is not None
        touched: str | None = None  # the user message this frame is about
        if isinstance(message, Acknowledgment):
            touched = message.client_message_id
            item = self._conn.outbox.acknowledged(message.client_message_id)
            if item is not None and item.client_message_id is not None:
                self._texts.pop(item.client_message_id, None)
                self._attachment_ids.pop(item.client_message_id, None)
            if message.transcript is not None and message.client_message_id is not None:
                self._show_transcript(message.client_message_id, message.transcript)
        elif isinstance(message, ErrorMessage) and message.client_message_id is not None:
            if self._resend_later(message, message.client_message_id):
                return
            # The server refused that message: it leaves the outbox, never resent. (A refused
            # resume is the reducer's business: it interrupts the streams concerned.)
            touched = message.client_message_id
            self._conn.outbox.failed(message.client_message_id)
            self._texts.pop(message.client_message_id, None)
            self._attachment_ids.pop(message.client_message_id, None)
        events = self._conversation.apply(message)
        if not known_before and self._conversation.conversation_id is not None:
            self._fill_conversation()
        if isinstance(message, Acknowledgment | ErrorMessage):
            self._conn.flush()  # an acknowledgment may let the next message go
        journal = self._journal
        if journal is not None:
            if touched is not None:
                journal.touch(self._conversation.user_message(touched))
            elif isinstance(message, Sync):
                for entry in message.messages:  # a held message now known to be stored
                    cmid = entry.metadata.get("clientMessageId")
                    if entry.role == "user" and isinstance(cmid, str):
                        journal.touch(self._conversation.user_message(cmid))
            self._persist_soon()
        if (
            isinstance(message, ReadReceipt)
            and message.message_id is not None
            and message.conversation_id == self._conversation.conversation_id
            and not self._conversation.knows(message.message_id)
        ):
            # Another device read a message this one lacks: the conversation went on there.
            self._sync_again()
        self._route(events)

    def _show_transcript(self, cmid: str, transcript: str) -> None:
        """A voice message's text is what the server heard: it replaces what was typed."""
        question = self._conversation.user_message(cmid)
        if question is not None:
            question.metadata["transcript"] = transcript
            question.content = transcript

    def _resend_later(self, message: ErrorMessage, cmid: str) -> bool:
        """A message refused for now (:data:`RESEND_LATER_CODES`) is kept: queued again in its
        place and resent (same id) after ``retryAfter``; its ``ask()``/``stream()`` caller
        keeps waiting. False when this error is not that (or the message can no longer be
        resent)."""
        retry_after = message.retry_after
        if message.code not in RESEND_LATER_CODES or retry_after is None:
            return False
        reason = "rate limited" if message.code == RATE_LIMITED_CODE else "server restarting"
        if cmid not in self._texts or not self._conn.rate_limited(cmid, retry_after, reason=reason):
            return False
        self._conversation.mark_queued(cmid)
        self._changed()
        return True

    def _route(self, events: list[ConversationEvent]) -> None:
        journal = self._journal
        for event in events:
            if isinstance(event, Reconciled):
                self._reconciled(event)
            elif isinstance(event, MarkedRead):
                if journal is not None:
                    for marked in event.messages:
                        journal.touch(marked)
            elif isinstance(event, ReplyFinished):
                if journal is not None:
                    journal.touch(event.message)
                    self._persist_soon()
                if event.reply_to is not None:
                    future = self._reply_waiters.get(event.reply_to)
                    if future is not None and not future.done():
                        future.set_result(event.message)
                    mailbox = self._stream_waiters.get(event.reply_to)
                    if mailbox is not None:
                        mailbox.put(_Finished(event.message))
                        mailbox.close()
            elif event.reply_to is not None:
                mailbox = self._stream_waiters.get(event.reply_to)
                if mailbox is not None:
                    mailbox.put(event.token)
        self._changed()

    def _reconciled(self, event: Reconciled) -> None:
        """Send again, with their ids, the messages the server has no answer for (it replays
        them, or runs them if they never ran); ask for the rest of a partial reconciliation."""
        conversation_id = self._conversation.conversation_id
        for cmid in event.resend:
            question = self._conversation.user_message(cmid)
            if question is None or self._conn.outbox.holds(cmid):
                continue
            try:
                self._conn.send(
                    self._encode_message(question.content, cmid, conversation_id),
                    client_message_id=cmid,
                )
            except OmniTrackError as exc:  # a full queue: it stays unanswered, and says why
                logger.warning("could not send a message again: %s", exc)
                continue
            self._texts[cmid] = question.content
            self._resent_unanswered += 1
        if event.again_after is not None:
            loop = asyncio.get_running_loop()
            loop.call_later(event.again_after, self._sync_again)

    def _sync_again(self) -> None:
        # Only on an open connection: a new one starts with its own sync.
        if not self._conn.is_connected:
            return
        action = self._conversation.sync_action()
        if action is not None:
            self._conn.send(encode(action))

    def _fill_conversation(self) -> None:
        """Queued messages written before the conversation id was known get it now."""
        conversation_id = self._conversation.conversation_id

        def fill(item: OutboxItem) -> OutboxItem:
            if not item.needs_conversation or item.written or item.client_message_id is None:
                return item
            text = self._texts.get(item.client_message_id)
            if text is None:
                return item
            payload = self._encode_message(text, item.client_message_id, conversation_id)
            return OutboxItem(payload, item.client_message_id)

        self._conn.outbox.rewrite(fill)

    def _on_written(self, item: OutboxItem) -> None:
        cmid = item.client_message_id
        if cmid is not None:
            self._conversation.mark_sent(cmid)
            if self._conn.outbox.mode is AckMode.SEED:  # delivered once written: never resent
                self._texts.pop(cmid, None)
            self._changed()

    def _on_refused(self, item: OutboxItem, error: OmniTrackError) -> None:
        cmid = item.client_message_id
        if cmid is None:
            return
        self._texts.pop(cmid, None)
        self._conversation.mark_failed(cmid, str(error))
        if self._journal is not None:
            self._journal.touch(self._conversation.user_message(cmid))
            self._persist_soon()
        future = self._reply_waiters.get(cmid)
        if future is not None and not future.done():
            future.set_exception(error)
            future.exception()
        mailbox = self._stream_waiters.get(cmid)
        if mailbox is not None:
            mailbox.close(error)
        self._changed()

    def _process_open(self) -> list[bytes]:
        if self._conversation.conversation_id is not None:
            self._fill_conversation()
        frames = [encode(action) for action in self._conversation.resume_actions()]
        sync = self._conversation.sync_action()
        if sync is not None:
            frames.append(encode(sync))
        return frames

    def _conversation_known(self) -> bool:
        return self._conversation.conversation_id is not None

    def _on_lost(self) -> None:
        self._uploader.connection_lost()
        self._route(self._conversation.connection_lost(resumable=True))

    def _on_state(self, transition: Transition) -> None:
        if transition.new.is_terminal:
            closed = transition.new is ConnectionState.CLOSED
            reason = "Connection closed" if closed else "Connection failed"
            events = self._conversation.interrupt_open_streams(
                str(self._conn.error) if self._conn.error is not None else reason
            )
            self._route(events)
            error: OmniTrackError = self._conn.error or ConnectionFailed(
                f"the connection closed: {transition.reason}"
            )
            for future in self._reply_waiters.values():
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # the waiter re-raises it; no "never retrieved" noise
            for mailbox in self._stream_waiters.values():
                mailbox.close(error)
        self._changed()


def _messages_of(loaded: Loaded) -> list[ChatMessage]:
    conversation_id = loaded.conversation.conversation_id
    return [record.to_message(conversation_id) for record in loaded.messages]


def _log_store_failure(write: asyncio.Future[None]) -> None:
    if not write.cancelled() and write.exception() is not None:
        logger.warning("the history store was not updated: %s", write.exception())
