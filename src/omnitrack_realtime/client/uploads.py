"""Attachment uploads and downloads over the copilot connection (docs/protocol.md,
"Attachments").

An upload declares the file (``upload_start``: name, type, size), then writes binary chunk
frames, keeping at most ``window`` bytes unacknowledged so that the socket stays full without
the server's acknowledgments falling behind, and ends with the file's SHA-256
(``upload_end``): the digest is computed on a worker thread while the chunks go out (hashlib
lets go of the GIL), not before the first one. A dropped connection stops it; once the
connection is open again it declares the same ``uploadId`` again and goes on from the offset the
server answers (the last chunk it stored). ``on_progress`` hears every acknowledgment.
A checksum mismatch (a chunk corrupted on the way) makes it start again from 0, once.

Only the first ``upload_start`` of an upload leaves the digest out; every later one (a resume,
a restart) waits for it and declares it, and so needs no ``upload_end``. An older server of
ours reads ``upload_start`` only with its ``sha256`` and knows no ``upload_end``: it answers
the first one with an ``error`` that names no upload (it could not read the frame). Such an
error, arriving while upload starts wait for their answer, is the answer to the oldest of them
(the server answers a connection's frames in order); that upload then waits for its digest and
declares it again, and the uploads that follow on the same connection declare it at once. An
``upload_start`` that declared its digest and is still answered so fails with
:class:`AttachmentError`: an upload never waits for an answer that will not come.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from ..errors import AttachmentError, ConnectionFailed
from ..protocol import (
    AttachmentInfo,
    DownloadAction,
    ErrorMessage,
    UploadAck,
    UploadComplete,
    UploadEndAction,
    UploadReady,
    UploadStartAction,
    encode,
)
from ..protocol.chunks import DOWNLOAD_CHUNK, UPLOAD_CHUNK, Chunk, decode_chunk, encode_chunk
from .connection import Connection
from .state import ConnectionState

__all__ = [
    "AttachmentSource",
    "UploadProgress",
    "Uploader",
    "guess_content_type",
    "read_source",
]

#: A file to attach: a path, or the bytes themselves.
AttachmentSource = str | os.PathLike[str] | bytes

_EXTRA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".webm": "audio/webm",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain",
}
_DEFAULT_WINDOW = 1024 * 1024
#: Bytes of chunks framed and written at once, at most (then the next ones).
_WRITE_GROUP = 256 * 1024
#: Download requests in flight at once (each answered by one chunk).
_DOWNLOAD_AHEAD = 4
_DOWNLOAD_CHUNK = 60 * 1024


@dataclass(frozen=True, slots=True)
class UploadProgress:
    """How far an upload is: ``sent`` bytes stored by the server out of ``total``."""

    name: str
    sent: int
    total: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else self.sent / self.total


def guess_content_type(name: str, data: bytes = b"") -> str:
    """A media type from the file's name, else from its first bytes (audio containers,
    JSON), else ``application/octet-stream``."""
    suffix = Path(name).suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    head = data[:16]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm"
    if head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.lstrip()[:1] in (b"{", b"["):
        return "application/json"
    return "application/octet-stream"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_source(source: AttachmentSource, name: str | None = None) -> tuple[str, bytes]:
    """The name and bytes of an attachment source (blocking for a path)."""
    if isinstance(source, bytes):
        return name or "attachment", source
    path = Path(source)
    return name or path.name, path.read_bytes()


class _Events:
    """What the server said about one upload or download, in order."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()


@dataclass(slots=True)
class _Upload:
    """One upload: what it declares, its bytes, and their digest (being computed)."""

    upload_id: str
    name: str
    content_type: str
    data: bytes
    digest: asyncio.Future[str]
    #: An upload_start was sent: every later one declares the digest.
    declared: bool = False


@dataclass(frozen=True, slots=True)
class _StartRefused:
    """An ``error`` naming no upload that answered this upload's ``upload_start`` (a server
    that could not read it: an older one, without ``sha256``)."""

    error: ErrorMessage


#: The codes of an error that answers a frame the server could not take (our servers'; a seed
#: server sends none). An uncorrelated error with another code (``auth_failed`` of a token
#: refresh) is about something else.
_UNREAD_CODES = frozenset({None, "invalid_message", "internal_error"})


class Uploader:
    """The attachment side of a :class:`~.copilot.CopilotClient` (it feeds frames in)."""

    def __init__(self, connection: Connection, *, window: int = _DEFAULT_WINDOW) -> None:
        self._conn = connection
        self._window = window
        self._uploads: dict[str, _Events] = {}
        self._downloads: dict[str, _Events] = {}
        #: Uploads whose ``upload_start`` on this connection awaits its answer, in the order
        #: sent (one entry per frame).
        self._starting: deque[str] = deque()
        #: The number of the connection whose server refused an ``upload_start`` without
        #: ``sha256``: uploads on it declare the digest at once.
        self._digest_first_on: int | None = None

    # ------------------------------------------------------------------ frames in

    def on_message(self, message: UploadReady | UploadAck | UploadComplete | ErrorMessage) -> bool:
        """Take a server frame about an upload or download; False if it is not one."""
        if isinstance(message, ErrorMessage):
            if message.upload_id is not None and message.upload_id in self._uploads:
                self._uploads[message.upload_id].queue.put_nowait(message)
                return True
            if message.attachment_id is not None and message.attachment_id in self._downloads:
                self._downloads[message.attachment_id].queue.put_nowait(message)
                return True
            if (
                self._starting
                and message.upload_id is None
                and message.attachment_id is None
                and message.conversation_id is None
                and message.stream_id is None
                and message.code in _UNREAD_CODES
            ):
                # Names nothing, while upload starts wait: the oldest one's answer.
                events = self._uploads.get(self._starting.popleft())
                if events is not None:
                    events.queue.put_nowait(_StartRefused(message))
                    return True
            return False
        if isinstance(message, UploadReady | UploadComplete):
            self._answered(message.upload_id)
        events = self._uploads.get(message.upload_id)
        if events is not None:
            events.queue.put_nowait(message)
        return True

    def _answered(self, upload_id: str) -> None:
        """One ``upload_start`` of ``upload_id`` was answered."""
        if upload_id in self._starting:
            self._starting.remove(upload_id)

    def _settled(self, upload_id: str) -> None:
        """No ``upload_start`` of ``upload_id`` awaits an answer any more."""
        if upload_id in self._starting:
            self._starting = deque(u for u in self._starting if u != upload_id)

    def on_chunk(self, frame: bytes) -> None:
        chunk = decode_chunk(frame)
        events = self._downloads.get(chunk.id) if chunk.kind == DOWNLOAD_CHUNK else None
        if events is not None:
            events.queue.put_nowait(chunk)

    def connection_lost(self) -> None:
        lost = ConnectionFailed("the connection was lost")
        self._starting.clear()  # a new connection answers its own frames
        for events in (*self._uploads.values(), *self._downloads.values()):
            events.queue.put_nowait(lost)

    # ------------------------------------------------------------------ upload

    async def upload(
        self,
        data: bytes,
        *,
        name: str,
        content_type: str | None = None,
        on_progress: Callable[[UploadProgress], Any] | None = None,
    ) -> AttachmentInfo:
        """Upload ``data``; returns the stored attachment. Waits for the connection while it
        is down (resuming where the server stopped); raises :class:`AttachmentError` when the
        server refuses it and :class:`ConnectionFailed` when the connection gives up."""
        upload = _Upload(
            upload_id=uuid4().hex,
            name=name,
            content_type=content_type or guess_content_type(name, data),
            data=data,
            # Hashed while the chunks go out; the digest follows the last one (upload_end).
            digest=asyncio.ensure_future(asyncio.to_thread(_sha256, data)),
        )
        upload_id = upload.upload_id
        events = self._uploads[upload_id] = _Events()
        restarts = 1  # a corrupted upload is sent again once
        failed: int | None = None
        try:
            while True:
                generation = await self._wait_open(failed)
                failed = None
                try:
                    result = await self._send_upload(upload, generation, events, on_progress)
                except ConnectionFailed:
                    failed = generation  # declare it again on the next connection
                    continue
                finally:
                    self._settled(upload_id)
                if isinstance(result, AttachmentInfo):
                    return result
                if result.code == "checksum_mismatch" and restarts > 0:
                    restarts -= 1
                    continue
                if result.code == "upload_offset":
                    continue  # the server says where it stands: declare again, go on there
                raise AttachmentError(result.code or "refused", result.error)
        finally:
            del self._uploads[upload_id]
            if not upload.digest.done():
                upload.digest.cancel()  # the thread finishes on its own; nobody waits for it

    async def _wait_open(self, after: int | None = None) -> int:
        """Until a connection is open (one opened after connection number ``after``, when
        given: the one that failed may still look open for a moment); returns its number."""
        conn = self._conn
        if after is not None and conn.stats().connects <= after:
            await conn.wait_for_state(
                ConnectionState.RECONNECTING,
                ConnectionState.CONNECTING,
                ConnectionState.FAILED,
                ConnectionState.CLOSED,
            )
        state = await conn.wait_for_state(
            ConnectionState.OPEN, ConnectionState.FAILED, ConnectionState.CLOSED
        )
        if state is not ConnectionState.OPEN:
            raise conn.error or ConnectionFailed("the connection is closed")
        return conn.stats().connects

    async def _declare(self, upload: _Upload, generation: int) -> bool:
        """Send ``upload_start``: without the digest the first time (unless this connection's
        server refused that), else with it (waiting for it). True when it declares it."""
        sha256: str | None = None
        if upload.declared or self._digest_first_on == generation:
            sha256 = await upload.digest
        frame = UploadStartAction(
            upload_id=upload.upload_id,
            name=upload.name,
            content_type=upload.content_type,
            size=len(upload.data),
            sha256=sha256,
        )
        upload.declared = True  # any later upload_start of it declares the digest
        self._starting.append(upload.upload_id)
        await self._conn.write_now(encode(frame))
        return sha256 is not None

    async def _send_upload(
        self,
        upload: _Upload,
        generation: int,
        events: _Events,
        on_progress: Callable[[UploadProgress], Any] | None,
    ) -> AttachmentInfo | ErrorMessage:
        """One connection's part of an upload: the info, a refusal, or ConnectionFailed."""
        while not events.queue.empty():  # what the last connection left unsaid
            events.queue.get_nowait()
        upload_id, data, name = upload.upload_id, upload.data, upload.name
        with_digest = await self._declare(upload, generation)
        unanswered = 1  # upload_start frames sent on this connection and not answered yet
        total = len(data)
        view = memoryview(data)
        sent = acked = 0
        chunk_size: int | None = None  # known once the server says where to start
        ended = with_digest  # upload_end sent on this connection, or not needed
        window = self._window
        while True:
            # Fill the window, a few chunks a write (the first ones leave while the next
            # are framed, and one check and one wait for the socket serve them all).
            while chunk_size is not None and sent < total and sent - acked < window:
                frames = []
                group = sent + _WRITE_GROUP
                while sent < total and sent - acked < window and sent < group:
                    end = min(sent + chunk_size, total)
                    frames.append(encode_chunk(UPLOAD_CHUNK, upload_id, sent, view[sent:end]))
                    sent = end
                await self._conn.write_binary(frames)
            if chunk_size is not None and sent == total and not ended:
                ended = True
                sha256 = await upload.digest
                await self._conn.write_now(
                    encode(UploadEndAction(upload_id=upload_id, sha256=sha256))
                )
            event = await events.queue.get()
            if isinstance(event, ConnectionFailed):
                raise event
            if isinstance(event, _StartRefused):
                unanswered -= 1
                refused = event.error
                if with_digest:
                    raise AttachmentError(
                        refused.code or "refused",
                        f"the server refused upload_start: {refused.error}",
                    )
                # An older server: it reads upload_start only with the digest (and knows no
                # upload_end). Declare it, here and in the connection's next uploads.
                self._digest_first_on = generation
                with_digest = ended = await self._declare(upload, generation)
                unanswered += 1
                continue
            if isinstance(event, ErrorMessage):
                return event
            if isinstance(event, UploadComplete):
                if event.attachment is None:
                    raise AttachmentError("invalid_message", "upload_complete names no attachment")
                if on_progress is not None:
                    on_progress(UploadProgress(name, total, total))
                return event.attachment
            if isinstance(event, UploadReady):
                unanswered -= 1
                if unanswered > 0:
                    continue  # an upload_start sent since supersedes the one it answers
                chunk_size = max(1, event.chunk_size)
                # The server acknowledges at the latest every `window` bytes: never less.
                window = max(self._window, event.window)
                sent = acked = event.offset
            elif isinstance(event, UploadAck):
                acked = max(acked, event.offset)
            if on_progress is not None:
                on_progress(UploadProgress(name, acked, total))

    # ------------------------------------------------------------------ download

    async def download(
        self, attachment_id: str, *, size: int | None = None, sha256: str | None = None
    ) -> bytes:
        """Read one of the user's attachments back (``size`` and ``sha256`` from its
        description, when known: the bytes are checked against them)."""
        if attachment_id in self._downloads:
            raise AttachmentError("busy", "that attachment is already being downloaded")
        events = self._downloads[attachment_id] = _Events()
        failed: int | None = None
        try:
            while True:
                generation = await self._wait_open(failed)
                try:
                    data = await self._read_all(attachment_id, events, size)
                except ConnectionFailed:
                    failed = generation  # read it again on the next connection
                    continue
                break
        finally:
            del self._downloads[attachment_id]
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise AttachmentError("checksum_mismatch", "the downloaded bytes do not match")
        return data

    async def _ask(self, attachment_id: str, offset: int, length: int) -> None:
        action = DownloadAction(attachment_id=attachment_id, offset=offset, length=length)
        await self._conn.write_now(encode(action))

    async def _next_chunk(self, events: _Events) -> Chunk:
        event = await events.queue.get()
        if isinstance(event, ConnectionFailed):
            raise event
        if isinstance(event, ErrorMessage):
            raise AttachmentError(event.code or "refused", event.error)
        assert isinstance(event, Chunk)
        return event

    async def _read_all(self, attachment_id: str, events: _Events, size: int | None) -> bytes:
        """One connection's download: the first chunk tells the server's chunk size, the
        rest are asked for a few at a time."""
        while not events.queue.empty():
            events.queue.get_nowait()
        await self._ask(attachment_id, 0, _DOWNLOAD_CHUNK)
        first = await self._next_chunk(events)
        step = len(first.data)
        parts = {0: first.data}
        ended = step == 0 or (size is not None and step >= size)
        asked: set[int] = set()
        offset = step
        while True:
            while not ended and len(asked) < _DOWNLOAD_AHEAD and (size is None or offset < size):
                await self._ask(attachment_id, offset, step)
                asked.add(offset)
                offset += step
            if not asked:
                return b"".join(parts[k] for k in sorted(parts))
            chunk = await self._next_chunk(events)
            asked.discard(chunk.offset)
            if chunk.data:
                parts[chunk.offset] = chunk.data
            if len(chunk.data) < step:
                ended = True  # the end of the content
