"""Binary chunk frames of attachment uploads and downloads (extension), pure.

Attachment bytes travel as WebSocket *binary* frames, not as base64 in JSON: base64 adds a
third to every byte and costs an encode and a JSON parse per chunk on both sides, and a
binary frame is never mistaken for a seed frame (seed peers only ever send text frames).
One frame is one chunk::

    byte 0        kind: 0x01 upload chunk (client to server), 0x02 download chunk (server
                  to client)
    byte 1        n, the length of the id in bytes (1..128)
    bytes 2..     the id, ASCII: the ``uploadId`` (kind 1) or the ``attachmentId`` (kind 2)
    next 8 bytes  offset of the chunk's first byte in the whole content, unsigned big-endian
    the rest      the chunk's bytes (may be empty for a download past the end)

The header is at most 138 bytes; a chunk plus its header fits the server's frame limit.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import ProtocolError

__all__ = [
    "DOWNLOAD_CHUNK",
    "MAX_CHUNK_HEADER",
    "MAX_ID_BYTES",
    "UPLOAD_CHUNK",
    "Chunk",
    "decode_chunk",
    "encode_chunk",
    "is_chunk_frame",
    "split_chunk",
]

UPLOAD_CHUNK = 0x01
DOWNLOAD_CHUNK = 0x02
MAX_ID_BYTES = 128
MAX_CHUNK_HEADER = 2 + MAX_ID_BYTES + 8
_OFFSET = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One decoded chunk frame."""

    kind: int
    id: str
    offset: int
    data: bytes


def encode_chunk(kind: int, id: str, offset: int, data: bytes | bytearray | memoryview) -> bytes:
    """One chunk frame's bytes (see the module docstring); ``data`` is copied once, into the
    frame (a memoryview of a file's bytes is not copied before)."""
    raw_id = id.encode("ascii")
    if not 1 <= len(raw_id) <= MAX_ID_BYTES:
        raise ValueError(f"a chunk id has 1 to {MAX_ID_BYTES} ASCII characters")
    return b"".join((bytes((kind, len(raw_id))), raw_id, _OFFSET.pack(offset), data))


def is_chunk_frame(data: bytes) -> bool:
    """Whether outgoing ``data`` is a chunk frame (sent binary) rather than JSON (sent as
    text: it starts with ``{``): how the drivers pick the frame's opcode."""
    return data[:1] in (b"\x01", b"\x02")


def decode_chunk(frame: bytes) -> Chunk:
    """Decode one binary frame; :class:`ProtocolError` (safe to send back) if it is not a
    chunk frame."""
    kind, id, offset, data = split_chunk(frame)
    return Chunk(kind, id, offset, bytes(data))


def split_chunk(frame: bytes) -> tuple[int, str, int, memoryview]:
    """:func:`decode_chunk` without copying the chunk's bytes: kind, id, offset and a view
    of ``frame``'s bytes after the header."""
    if len(frame) < 2 or frame[0] not in (UPLOAD_CHUNK, DOWNLOAD_CHUNK):
        raise ProtocolError("Binary frames are attachment chunks; this one is not")
    size = frame[1]
    end = 2 + size
    if not 1 <= size <= MAX_ID_BYTES or len(frame) < end + _OFFSET.size:
        raise ProtocolError("Truncated attachment chunk header")
    try:
        id = frame[2:end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError("An attachment chunk's id is not ASCII") from exc
    (offset,) = _OFFSET.unpack_from(frame, end)
    return frame[0], id, offset, memoryview(frame)[end + _OFFSET.size :]
