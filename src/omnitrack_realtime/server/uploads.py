"""One ``/copilot`` connection's attachment uploads and downloads (docs/protocol.md,
"Attachments").

``upload_start`` is checked against the user's limits (size, allowed content type, the bytes
of their unfinished uploads) *before* anything is stored; only an accepted upload is recorded
and may receive chunks (the unfinished uploads are summed and the upload recorded in one trip
to the store). Each chunk must start where the bytes received so far end. The
receive path only checks and gathers them: every ``store_every`` bytes it hands the batch to
the upload's *writer* (a task of its own), which stores it, hashes it (off the event loop's
thread) and then acknowledges it (``upload_ack``), so the next chunks are read while a batch
is stored, and an acknowledged byte is a stored byte (it survives a dropped connection or a
crash). What waits for the writer is bounded (``_BATCHES_AHEAD`` batches): past that the
receive path waits, and the socket with it. The client may keep ``window`` bytes
unacknowledged. A chunk out of place and a writer that fails say so once, in the documented
error frame (``upload_offset``, ``upload_not_started``, ``internal_error``, with the
``uploadId``), and the upload's later chunks on this connection are dropped without more
errors until ``upload_start`` declares it again. A connection that drops leaves its writer to
store the batches it was given, then stop: the store holds the upload's first bytes, exactly,
and the next ``upload_start`` answers how many.

The SHA-256 is declared in ``upload_start``, or at the end (``upload_end``) by a client that
hashes while it sends; the check runs once every byte is stored and the digest is known. A
download sends one binary chunk per ``download`` request (the client asks for the next one),
so the connection's outbound bound is never at stake.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import ProtocolError
from ..protocol import (
    DownloadAction,
    ErrorMessage,
    UploadAck,
    UploadComplete,
    UploadEndAction,
    UploadReady,
    UploadStartAction,
    now_ms,
)
from ..protocol.chunks import DOWNLOAD_CHUNK, UPLOAD_CHUNK, encode_chunk, split_chunk
from ..protocol.copilot import ServerMessage
from .attachments import (
    AttachmentStore,
    OffsetMismatch,
    UploadConflict,
    UploadState,
    UploadTooLarge,
)
from .config import ServerConfig

__all__ = ["ATTACHMENT_NOT_FOUND", "UploadDesk", "media_type"]

logger = logging.getLogger(__name__)

ATTACHMENT_NOT_FOUND = "Attachment not found"
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_NAME = 255
#: Uploads one connection may have open at once (each costs a little memory here).
_MAX_OPEN = 16
#: Batches of one upload handed to its writer and not stored yet, at most (the one being
#: stored included): with the batch being gathered, an upload holds at most three batches.
_BATCHES_AHEAD = 2
_INTERNAL_ERROR = "Internal server error"


def media_type(content_type: str) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``: the allow-list names media types."""
    return content_type.split(";", 1)[0].strip().lower()


class _Upload:
    """An upload open on this connection: what is stored, gathered, and given to the writer."""

    def __init__(self, state: UploadState, hasher: Any | None) -> None:
        #: As stored: ``received`` counts the bytes stored (and acknowledged).
        self.state = state
        #: The SHA-256 of what was stored from byte 0 through this connection (None for an
        #: upload resumed here: it is hashed from the store at the end instead).
        self.hasher = hasher
        #: Chunks received and not handed to the writer yet (they follow ``queued``): views
        #: of the frames' bytes, not copies (a frame's bytes never change).
        self.held: list[memoryview] = []
        self.held_bytes = 0
        #: Batches handed to the writer, oldest first (the first one is being stored).
        self.batches: deque[list[memoryview]] = deque()
        self.queued = 0
        self.wake = asyncio.Event()  # a batch was queued, or the connection closed
        self.room = asyncio.Event()  # a batch was stored (or the writer stopped)
        self.writer: asyncio.Task[None] | None = None
        #: The digest declared at the end (``upload_end``).
        self.digest: str | None = None
        #: The writer failed (its error was sent): chunks are dropped until upload_start.
        self.failed = False
        self.closing = False
        self.finishing = False

    @property
    def expected(self) -> int:
        """Where the next chunk must start."""
        return self.state.received + self.queued + self.held_bytes

    @property
    def sha256(self) -> str:
        """The digest to check against ("" while none is declared)."""
        return self.state.sha256 or self.digest or ""


class UploadDesk:
    """The upload and download side of one connection (driven by its session)."""

    def __init__(
        self,
        config: ServerConfig,
        store: AttachmentStore,
        user_id: str,
        reply: Callable[[ServerMessage], None],
        send_raw: Callable[[bytes], None],
    ) -> None:
        self._config = config
        self._store = store
        self._user_id = user_id
        self._reply = reply
        self._send_raw = send_raw
        self._open: dict[str, _Upload] = {}
        self._writers: set[asyncio.Task[None]] = set()
        self._chunk_size = config.upload_chunk_size
        #: Bytes gathered past which the next chunk could take a batch over store_every.
        self._batch_room = config.attachments.store_every - self._chunk_size

    def _error(self, text: str, code: str, **fields: Any) -> None:
        self._reply(ErrorMessage(error=text, timestamp=now_ms(), code=code, **fields))

    def _not_started(self, upload_id: str) -> None:
        self._error(
            "No upload of that id is open on this connection; send upload_start first",
            "upload_not_started",
            upload_id=upload_id,
        )

    async def start(self, action: UploadStartAction) -> None:
        upload_id = action.upload_id
        if not _UPLOAD_ID.match(upload_id):
            raise ProtocolError("uploadId must be 1-128 letters, digits or . _ : -")
        try:
            await self._start(action)
        except Exception:
            # Answered with the uploadId, so that the client's upload ends (an error naming
            # nothing would leave it waiting for upload_ready).
            logger.exception("starting an upload of %s failed", self._user_id)
            self._error(_INTERNAL_ERROR, "internal_error", upload_id=upload_id)

    async def _start(self, action: UploadStartAction) -> None:
        upload_id = action.upload_id
        limits = self._config.attachments
        content_type = media_type(action.content_type)
        name = action.name.strip()
        if not name or len(name) > _MAX_NAME or any(ord(c) < 32 for c in name):
            self._error(
                "An attachment needs a printable name", "invalid_message", upload_id=upload_id
            )
            return
        if action.sha256 is not None and not _SHA256.match(action.sha256):
            self._error(
                "sha256 must be 64 lower-case hex digits", "invalid_message", upload_id=upload_id
            )
            return
        if content_type not in limits.content_types:
            allowed = ", ".join(sorted(limits.content_types))
            self._error(
                f"Attachments of type {content_type or '(none)'} are not accepted (allowed:"
                f" {allowed})",
                "attachment_type_not_allowed",
                upload_id=upload_id,
            )
            return
        if action.size < 0 or action.size > limits.max_bytes:
            self._error(
                f"The attachment is too large ({action.size} bytes; at most {limits.max_bytes})",
                "attachment_too_large",
                upload_id=upload_id,
            )
            return
        if upload_id not in self._open and len(self._open) >= _MAX_OPEN:
            self._error(
                f"Too many uploads open on this connection (at most {_MAX_OPEN})",
                "too_many_uploads",
                upload_id=upload_id,
            )
            return
        # Declared again on this connection: its writer stores what it was given first, so
        # that the store says where the bytes end.
        await self._stop(upload_id)
        declared = UploadState(upload_id, name, content_type, action.size, action.sha256 or "")
        try:
            # The user's unfinished uploads are summed and the upload recorded in one trip to
            # the store (one transaction): refused, nothing is recorded.
            state = await self._store.open_upload(self._user_id, declared, limit=limits.max_bytes)
        except UploadTooLarge as exc:
            self._error(
                f"Your unfinished uploads hold {exc.pending} bytes; with this one they would"
                f" pass the limit of {limits.max_bytes}",
                "attachment_too_large",
                upload_id=upload_id,
            )
            return
        except UploadConflict as exc:
            self._error(str(exc), "invalid_message", upload_id=upload_id)
            return
        if state.attachment is not None:  # done before the connection dropped
            self._reply(UploadComplete(upload_id=upload_id, attachment=state.attachment))
            return
        if not state.sha256 and action.sha256:
            state = replace(state, sha256=action.sha256)
        upload = _Upload(state, hashlib.sha256() if state.received == 0 else None)
        self._open[upload_id] = upload
        if state.received == state.size and upload.sha256:  # nothing (left) to send
            await self._finish(upload)
            return
        self._reply(
            UploadReady(
                upload_id=upload_id,
                offset=state.received,
                chunk_size=self._config.upload_chunk_size,
                window=limits.window,
            )
        )

    async def chunk(self, frame: bytes) -> None:
        if not isinstance(frame, bytes):  # held as a view until stored: it must not change
            frame = bytes(frame)
        kind, upload_id, offset, data = split_chunk(frame)
        if kind != UPLOAD_CHUNK:
            raise ProtocolError("A client sends upload chunks only")
        upload = self._open.get(upload_id)
        if upload is None:
            self._not_started(upload_id)
            return
        if upload.failed or upload.finishing:
            return  # its error was sent; upload_start declares it again
        state = upload.state
        size = len(data)
        end = offset + size
        if end > state.size or size > self._chunk_size:
            self._forget(upload_id)
            self._error(
                "The chunk goes past the declared size or the chunk size",
                "attachment_too_large",
                upload_id=upload_id,
            )
            return
        expected = upload.expected
        if offset != expected:
            # Said once: the chunks in flight behind this one are dropped without more
            # errors until upload_start declares it again (each would be out of place too,
            # and each error would make the client declare it again).
            self._fail(
                upload,
                f"Chunk at offset {offset}; the server expects {expected}: send"
                " upload_start again to go on from what it stored",
                "upload_offset",
            )
            return
        upload.held.append(data)
        upload.held_bytes += size
        # A batch never passes store_every (so that the client's window, a multiple of it,
        # always holds whole batches: the writer is never left waiting for a batch that the
        # client may not send before an acknowledgment).
        if upload.held_bytes <= self._batch_room and end < state.size:
            return  # acknowledged once stored, with the chunks that follow
        batch, upload.held = upload.held, []
        upload.batches.append(batch)
        upload.queued += upload.held_bytes
        upload.held_bytes = 0
        upload.wake.set()
        if upload.writer is None:
            upload.writer = asyncio.create_task(
                self._write(upload), name=f"upload-writer-{upload_id}"
            )
            self._writers.add(upload.writer)
            upload.writer.add_done_callback(self._writers.discard)
        # Backpressure: while the writer is that far behind, this connection reads no more.
        while len(upload.batches) >= _BATCHES_AHEAD and not (upload.failed or upload.closing):
            upload.room.clear()
            await upload.room.wait()

    async def end(self, action: UploadEndAction) -> None:
        """The digest of an upload started without one."""
        upload_id = action.upload_id
        upload = self._open.get(upload_id)
        if upload is None:
            self._not_started(upload_id)
            return
        if not _SHA256.match(action.sha256):
            self._error(
                "sha256 must be 64 lower-case hex digits", "invalid_message", upload_id=upload_id
            )
            return
        if upload.failed:
            return
        if upload.state.sha256 and upload.state.sha256 != action.sha256:
            self._error(
                "upload_end's sha256 is not the one upload_start declared",
                "invalid_message",
                upload_id=upload_id,
            )
            return
        upload.digest = action.sha256
        if upload.state.received == upload.state.size and not upload.finishing:
            await self._finish(upload)  # every byte was stored already
        # else the writer finishes it when it has stored the last byte

    async def _write(self, upload: _Upload) -> None:
        """The upload's writer: store, hash and acknowledge each batch in order."""
        upload_id = upload.state.upload_id
        try:
            while True:
                if not upload.batches:
                    if upload.closing or upload.failed:
                        return
                    upload.wake.clear()
                    await upload.wake.wait()
                    continue
                batch = upload.batches[0]
                size = sum(len(part) for part in batch)
                stored = await self._store_batch(upload, batch)
                upload.batches.popleft()
                upload.queued -= size
                upload.room.set()
                if not stored:
                    return
                if upload.state.received < upload.state.size:
                    if not upload.closing:
                        self._reply(UploadAck(upload_id=upload_id, offset=upload.state.received))
                    continue
                if upload.closing:
                    return  # the next connection checks it (upload_start)
                if upload.sha256:
                    await self._finish(upload)
                else:  # every byte is stored: the digest comes with upload_end
                    self._reply(UploadAck(upload_id=upload_id, offset=upload.state.received))
                return
        finally:
            upload.room.set()  # a receive path waiting for room goes on (and drops)

    async def _store_batch(self, upload: _Upload, batch: list[memoryview]) -> bool:
        """Store one batch (and hash it); False when that failed (the client was
        told, the upload's later chunks are dropped)."""
        state = upload.state
        upload_id = state.upload_id
        try:
            # Hashed by the store on the thread that writes it: one trip off the event loop.
            received = await self._store.append(
                self._user_id, upload_id, state.received, batch, upload.hasher
            )
        except OffsetMismatch as exc:  # another connection stored part of it meanwhile
            self._fail(
                upload,
                f"The server holds {exc.expected} bytes of this upload: send upload_start"
                " again to go on from there",
                "upload_offset",
            )
            return False
        except LookupError:
            self._fail(upload, "Upload not found", "upload_not_started")
            return False
        except Exception:
            if upload.closing:
                logger.debug("storing an upload of %s after its connection", self._user_id)
            else:
                logger.exception("storing an upload of %s failed", self._user_id)
            self._fail(upload, _INTERNAL_ERROR, "internal_error")
            return False
        upload.state = replace(state, received=received)
        return True

    def _fail(self, upload: _Upload, text: str, code: str) -> None:
        upload.failed = True
        upload.hasher = None
        upload.held = []
        upload.held_bytes = 0
        upload.room.set()
        if not upload.closing:
            self._error(text, code, upload_id=upload.state.upload_id)

    async def _stop(self, upload_id: str) -> None:
        """Forget an upload open on this connection once its writer stored what it has."""
        upload = self._open.pop(upload_id, None)
        if upload is None:
            return
        upload.closing = True
        upload.wake.set()
        if upload.writer is not None:
            await asyncio.shield(upload.writer)

    def _forget(self, upload_id: str) -> None:
        upload = self._open.pop(upload_id, None)
        if upload is not None:
            upload.closing = True
            upload.wake.set()

    async def _finish(self, upload: _Upload) -> None:
        upload.finishing = True
        state = upload.state
        self._open.pop(state.upload_id, None)
        hasher = upload.hasher
        digest = hasher.hexdigest() if hasher is not None else None
        try:
            info = await self._store.finish(
                self._user_id, state.upload_id, digest, expected=upload.sha256
            )
        except Exception:
            logger.exception("checking an upload of %s failed", self._user_id)
            self._error(_INTERNAL_ERROR, "internal_error", upload_id=state.upload_id)
            return
        if info is None:
            self._error(
                "The attachment's bytes do not match its sha256 (a chunk was corrupted);"
                " they were discarded: upload it again",
                "checksum_mismatch",
                upload_id=state.upload_id,
            )
            return
        self._reply(UploadComplete(upload_id=state.upload_id, attachment=info))

    def close(self) -> None:
        """The connection is gone: each writer stores the batches it was given, then stops
        (acknowledging nothing more)."""
        for upload in self._open.values():
            upload.closing = True
            upload.wake.set()
        self._open.clear()

    async def download(self, action: DownloadAction) -> None:
        chunk_size = self._config.upload_chunk_size
        length = chunk_size if action.length is None else min(max(action.length, 0), chunk_size)
        offset = max(action.offset, 0)
        data = None
        if _UPLOAD_ID.match(action.attachment_id):
            data = await self._store.read(self._user_id, action.attachment_id, offset, length)
        if data is None:
            # The same answer for another user's attachment as for one that does not exist.
            self._error(ATTACHMENT_NOT_FOUND, "not_found", attachment_id=action.attachment_id)
            return
        self._send_raw(encode_chunk(DOWNLOAD_CHUNK, action.attachment_id, offset, data))
