"""One ``/copilot`` connection's attachment uploads and downloads (docs/protocol.md,
"Attachments").

``upload_start`` is checked against the user's limits (size, allowed content type, the bytes
of their unfinished uploads) *before* anything is stored; only an accepted upload is recorded
and may receive chunks. Each chunk must start where the stored bytes end; it is stored and
acknowledged (``upload_ack``, see below), so after a reconnect ``upload_start`` again answers
where to go on from. The last chunk triggers the SHA-256 check. A download sends one binary
chunk per ``download`` request (the client asks for the next one), so the connection's
outbound bound is never at stake. Chunks are stored in batches of ``store_every`` bytes (one
transaction each, not one per chunk) and acknowledged once stored: an acknowledged byte
survives a dropped connection or a crash. The client may keep twice that unacknowledged
(``window``), so the socket never waits for a write.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import ProtocolError
from ..protocol import (
    DownloadAction,
    ErrorMessage,
    UploadAck,
    UploadComplete,
    UploadReady,
    UploadStartAction,
    now_ms,
)
from ..protocol.chunks import DOWNLOAD_CHUNK, UPLOAD_CHUNK, decode_chunk, encode_chunk
from ..protocol.copilot import ServerMessage
from .attachments import AttachmentStore, OffsetMismatch, UploadConflict, UploadState
from .config import ServerConfig

__all__ = ["ATTACHMENT_NOT_FOUND", "UploadDesk", "media_type"]

ATTACHMENT_NOT_FOUND = "Attachment not found"
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_NAME = 255
#: Uploads one connection may have open at once (each costs a little memory here).
_MAX_OPEN = 16


def media_type(content_type: str) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``: the allow-list names media types."""
    return content_type.split(";", 1)[0].strip().lower()


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
        self._open: dict[str, UploadState] = {}
        #: Chunks arrived but not stored yet, by upload (they start at its ``received``).
        self._pending: dict[str, bytearray] = {}
        #: The SHA-256 of what this connection stored of an upload it took from byte 0 (an
        #: upload resumed here is hashed from the store at the end instead).
        self._hashes: dict[str, Any] = {}

    def _error(self, text: str, code: str, **fields: Any) -> None:
        self._reply(ErrorMessage(error=text, timestamp=now_ms(), code=code, **fields))

    async def start(self, action: UploadStartAction) -> None:
        upload_id = action.upload_id
        if not _UPLOAD_ID.match(upload_id):
            raise ProtocolError("uploadId must be 1-128 letters, digits or . _ : -")
        limits = self._config.attachments
        content_type = media_type(action.content_type)
        name = action.name.strip()
        if not name or len(name) > _MAX_NAME or any(ord(c) < 32 for c in name):
            self._error(
                "An attachment needs a printable name", "invalid_message", upload_id=upload_id
            )
            return
        if not _SHA256.match(action.sha256):
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
        pending = await self._store.pending_bytes(self._user_id, besides=upload_id)
        if pending + action.size > limits.max_bytes:
            self._error(
                f"Your unfinished uploads hold {pending} bytes; with this one they would pass"
                f" the limit of {limits.max_bytes}",
                "attachment_too_large",
                upload_id=upload_id,
            )
            return
        declared = UploadState(upload_id, name, content_type, action.size, action.sha256)
        try:
            state = await self._store.open_upload(self._user_id, declared)
        except UploadConflict as exc:
            self._error(str(exc), "invalid_message", upload_id=upload_id)
            return
        if state.attachment is not None:  # done before the connection dropped
            self._forget(upload_id)
            self._reply(UploadComplete(upload_id=upload_id, attachment=state.attachment))
            return
        self._open[upload_id] = state
        self._pending[upload_id] = bytearray()
        if state.received == 0:
            self._hashes[upload_id] = hashlib.sha256()
        else:
            self._hashes.pop(upload_id, None)
        if state.received == state.size:  # nothing (left) to send: an empty file
            await self._finish(state)
            return
        self._reply(
            UploadReady(
                upload_id=upload_id,
                offset=state.received,
                chunk_size=self._config.upload_chunk_size,
                window=2 * self._config.attachments.store_every,
            )
        )

    async def chunk(self, frame: bytes) -> None:
        chunk = decode_chunk(frame)
        if chunk.kind != UPLOAD_CHUNK:
            raise ProtocolError("A client sends upload chunks only")
        state = self._open.get(chunk.id)
        if state is None:
            self._error(
                "No upload of that id is open on this connection; send upload_start first",
                "upload_not_started",
                upload_id=chunk.id,
            )
            return
        held = self._pending.setdefault(chunk.id, bytearray())
        end = chunk.offset + len(chunk.data)
        if end > state.size or len(chunk.data) > self._config.upload_chunk_size:
            self._forget(chunk.id)
            self._error(
                "The chunk goes past the declared size or the chunk size",
                "attachment_too_large",
                upload_id=chunk.id,
            )
            return
        expected = state.received + len(held)
        if chunk.offset != expected:
            self._error(
                f"Chunk at offset {chunk.offset}; the server expects {expected}: send"
                " upload_start again to go on from what it stored",
                "upload_offset",
                upload_id=chunk.id,
            )
            return
        held += chunk.data
        if len(held) < self._config.attachments.store_every and end < state.size:
            return  # acknowledged once stored, with the chunks that follow
        try:
            received = await self._store.append(
                self._user_id, chunk.id, state.received, bytes(held)
            )
        except OffsetMismatch as exc:  # another connection stored part of it meanwhile
            held.clear()
            self._hashes.pop(chunk.id, None)
            self._error(
                f"The server holds {exc.expected} bytes of this upload: send upload_start"
                " again to go on from there",
                "upload_offset",
                upload_id=chunk.id,
            )
            return
        except LookupError:
            self._forget(chunk.id)
            self._error("Upload not found", "upload_not_started", upload_id=chunk.id)
            return
        hasher = self._hashes.get(chunk.id)
        if hasher is not None:
            hasher.update(held)
        held.clear()
        state = replace(state, received=received)
        self._open[chunk.id] = state
        if received < state.size:
            self._reply(UploadAck(upload_id=chunk.id, offset=received))
            return
        await self._finish(state)

    def _forget(self, upload_id: str) -> None:
        self._open.pop(upload_id, None)
        self._pending.pop(upload_id, None)
        self._hashes.pop(upload_id, None)

    async def _finish(self, state: UploadState) -> None:
        hasher = self._hashes.get(state.upload_id)
        self._forget(state.upload_id)
        digest = hasher.hexdigest() if hasher is not None else None
        info = await self._store.finish(self._user_id, state.upload_id, digest)
        if info is None:
            self._error(
                "The attachment's bytes do not match its sha256 (a chunk was corrupted);"
                " they were discarded: upload it again",
                "checksum_mismatch",
                upload_id=state.upload_id,
            )
            return
        self._reply(UploadComplete(upload_id=state.upload_id, attachment=info))

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
