"""Attachments: uploads in progress, their chunks, and the stored attachments of each user.

One interface (:class:`AttachmentStore`) with two implementations, like the conversation
store: :class:`SQLiteAttachments` keeps its ``srv_`` tables (migration 3 of
:mod:`.store`) in the conversation store's database (SQLite or PostgreSQL, through the same
seam) and runs on its threads; :class:`MemoryAttachments`
is the twin for tests and memory-only servers.

An upload is declared first (name, content type, exact size, SHA-256); its bytes are then
appended chunk by chunk, each at the offset where the stored bytes end, so after a reconnect
the client goes on from the last chunk the server acknowledged. Once every byte is in, the
digest of the stored bytes is compared with the declared one: a match makes the attachment
(one transaction: the attachment in, the chunks out), a mismatch throws the bytes away. Every
read names the user: another user's attachment is not found, as one that does not exist.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from ..database import SQLConnection, transaction
from ..errors import OmniTrackError
from ..protocol import AttachmentInfo, now_ms
from .store import SQLStore

__all__ = [
    "AttachmentStore",
    "MemoryAttachments",
    "OffsetMismatch",
    "SQLiteAttachments",
    "StoredAttachment",
    "UploadConflict",
    "UploadState",
    "attachments_for",
]


class OffsetMismatch(OmniTrackError):
    """A chunk does not start where the stored bytes end."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"expected the chunk at offset {expected}")
        self.expected = expected


class UploadConflict(OmniTrackError):
    """An ``uploadId`` declared again with another name, type, size or digest."""


@dataclass(frozen=True, slots=True)
class UploadState:
    """An upload as declared, how many bytes are stored, and its attachment once complete."""

    upload_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    received: int = 0
    attachment: AttachmentInfo | None = None


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attachment with its bytes (what the engine gets with a turn)."""

    info: AttachmentInfo
    data: bytes


def _new_attachment_id() -> str:
    return f"att-{uuid.uuid4()}"


def _same_declaration(a: UploadState, b: UploadState) -> bool:
    return (a.name, a.content_type, a.size, a.sha256) == (b.name, b.content_type, b.size, b.sha256)


class AttachmentStore(Protocol):
    """Where a server keeps attachments (see the module docstring)."""

    async def open_upload(self, user_id: str, declared: UploadState) -> UploadState:
        """The upload as stored: a new one (nothing received), one in progress, or a complete
        one (``attachment`` set). Raises :class:`UploadConflict` for an id declared before
        with other facts."""
        ...

    async def pending_bytes(self, user_id: str, *, besides: str | None = None) -> int:
        """The declared sizes of the user's unfinished uploads (but ``besides``), summed."""
        ...

    async def append(self, user_id: str, upload_id: str, offset: int, data: bytes) -> int:
        """Store a chunk at ``offset``; returns the bytes now stored. Raises
        :class:`OffsetMismatch` when ``offset`` is not where they end, ``LookupError`` for an
        unknown upload."""
        ...

    async def finish(
        self, user_id: str, upload_id: str, digest: str | None = None
    ) -> AttachmentInfo | None:
        """Verify the stored bytes against the declared digest: the attachment, or None (the
        bytes are thrown away; the upload starts again from 0). ``digest``: the SHA-256 of
        the stored bytes when the caller computed it while storing them all (else it is
        computed from the store)."""
        ...

    async def create(
        self, user_id: str, name: str, content_type: str, data: bytes
    ) -> AttachmentInfo:
        """Store an attachment made on the server (an export)."""
        ...

    async def info(self, user_id: str, attachment_id: str) -> AttachmentInfo | None: ...

    async def read(
        self, user_id: str, attachment_id: str, offset: int, length: int
    ) -> bytes | None:
        """Up to ``length`` bytes from ``offset``; None when the user has no such attachment."""
        ...

    async def link_turn(self, turn_id: str, attachment_ids: Sequence[str]) -> None:
        """Remember which attachments a turn's message refers to (read back by its runs)."""
        ...

    async def for_turn(self, user_id: str, turn_id: str) -> list[StoredAttachment]: ...


class MemoryAttachments:
    """The in-memory :class:`AttachmentStore`."""

    def __init__(self) -> None:
        self._uploads: dict[tuple[str, str], UploadState] = {}
        self._chunks: dict[tuple[str, str], bytearray] = {}
        self._attachments: dict[str, tuple[str, StoredAttachment]] = {}
        self._turns: dict[str, list[str]] = {}

    async def open_upload(self, user_id: str, declared: UploadState) -> UploadState:
        key = (user_id, declared.upload_id)
        known = self._uploads.get(key)
        if known is None:
            self._uploads[key] = declared
            self._chunks[key] = bytearray()
            return declared
        if not _same_declaration(known, declared):
            raise UploadConflict("this uploadId was declared with other content")
        return known

    async def pending_bytes(self, user_id: str, *, besides: str | None = None) -> int:
        return sum(
            state.size
            for (user, upload_id), state in self._uploads.items()
            if user == user_id and state.attachment is None and upload_id != besides
        )

    async def append(self, user_id: str, upload_id: str, offset: int, data: bytes) -> int:
        key = (user_id, upload_id)
        state = self._uploads.get(key)
        if state is None or state.attachment is not None:
            raise LookupError(upload_id)
        if offset != state.received:
            raise OffsetMismatch(state.received)
        self._chunks[key] += data
        state = replace(state, received=state.received + len(data))
        self._uploads[key] = state
        return state.received

    async def finish(
        self, user_id: str, upload_id: str, digest: str | None = None
    ) -> AttachmentInfo | None:
        key = (user_id, upload_id)
        state = self._uploads[key]
        if state.attachment is not None:
            return state.attachment
        data = bytes(self._chunks.pop(key, b""))
        if len(data) != state.size or hashlib.sha256(data).hexdigest() != state.sha256:
            self._chunks[key] = bytearray()
            self._uploads[key] = replace(state, received=0)
            return None
        info = AttachmentInfo(
            attachment_id=_new_attachment_id(),
            name=state.name,
            content_type=state.content_type,
            size=state.size,
            sha256=state.sha256,
        )
        self._attachments[info.attachment_id] = (user_id, StoredAttachment(info, data))
        self._uploads[key] = replace(state, attachment=info)
        return info

    async def create(
        self, user_id: str, name: str, content_type: str, data: bytes
    ) -> AttachmentInfo:
        info = AttachmentInfo(
            attachment_id=_new_attachment_id(),
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        self._attachments[info.attachment_id] = (user_id, StoredAttachment(info, data))
        return info

    def _owned(self, user_id: str, attachment_id: str) -> StoredAttachment | None:
        entry = self._attachments.get(attachment_id)
        return entry[1] if entry is not None and entry[0] == user_id else None

    async def info(self, user_id: str, attachment_id: str) -> AttachmentInfo | None:
        stored = self._owned(user_id, attachment_id)
        return stored.info if stored is not None else None

    async def read(
        self, user_id: str, attachment_id: str, offset: int, length: int
    ) -> bytes | None:
        stored = self._owned(user_id, attachment_id)
        return stored.data[offset : offset + length] if stored is not None else None

    async def link_turn(self, turn_id: str, attachment_ids: Sequence[str]) -> None:
        self._turns[turn_id] = list(attachment_ids)

    async def for_turn(self, user_id: str, turn_id: str) -> list[StoredAttachment]:
        found = (self._owned(user_id, a) for a in self._turns.get(turn_id, ()))
        return [stored for stored in found if stored is not None]


_INFO_COLUMNS = "attachment_id, name, content_type, size, sha256"


def _info(row: Sequence[object]) -> AttachmentInfo:
    return AttachmentInfo(
        attachment_id=str(row[0]),
        name=str(row[1]),
        content_type=str(row[2]),
        size=int(str(row[3])),
        sha256=str(row[4]),
    )


class SQLiteAttachments:
    """The SQL :class:`AttachmentStore` (SQLite or PostgreSQL), on a
    :class:`~.store.SQLStore`'s database and threads (its tables come with the store's
    migrations)."""

    def __init__(self, store: SQLStore) -> None:
        self._store = store

    async def open_upload(self, user_id: str, declared: UploadState) -> UploadState:
        def upsert(db: SQLConnection) -> UploadState:
            with transaction(db):
                row = db.execute(
                    "SELECT name, content_type, size, sha256, received FROM srv_uploads"
                    " WHERE user_id = ? AND upload_id = ?",
                    (user_id, declared.upload_id),
                ).fetchone()
                if row is None:
                    db.execute(
                        "INSERT INTO srv_uploads (user_id, upload_id, name, content_type, size,"
                        " sha256, received, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                        (
                            user_id,
                            declared.upload_id,
                            declared.name,
                            declared.content_type,
                            declared.size,
                            declared.sha256,
                            now_ms(),
                        ),
                    )
                    return declared
                known = UploadState(declared.upload_id, row[0], row[1], row[2], row[3], row[4])
                if not _same_declaration(known, declared):
                    raise UploadConflict("this uploadId was declared with other content")
                done = db.execute(
                    f"SELECT {_INFO_COLUMNS} FROM srv_attachments"
                    " WHERE user_id = ? AND upload_id = ?",
                    (user_id, declared.upload_id),
                ).fetchone()
                return replace(known, attachment=_info(done) if done else None)

        return await self._store.run(upsert)

    async def pending_bytes(self, user_id: str, *, besides: str | None = None) -> int:
        def total(db: SQLConnection) -> int:
            row = db.execute(
                "SELECT COALESCE(SUM(u.size), 0) FROM srv_uploads u WHERE u.user_id = ?"
                " AND u.upload_id IS DISTINCT FROM ? AND NOT EXISTS (SELECT 1"
                " FROM srv_attachments a"
                " WHERE a.user_id = u.user_id AND a.upload_id = u.upload_id)",
                (user_id, besides),
            ).fetchone()
            return int(row[0])

        return await self._store.run(total)

    async def append(self, user_id: str, upload_id: str, offset: int, data: bytes) -> int:
        def insert(db: SQLConnection) -> int:
            with transaction(db):
                row = db.execute(
                    "SELECT received FROM srv_uploads WHERE user_id = ? AND upload_id = ?",
                    (user_id, upload_id),
                ).fetchone()
                if row is None:
                    raise LookupError(upload_id)
                if int(row[0]) != offset:
                    raise OffsetMismatch(int(row[0]))
                db.execute(
                    'INSERT INTO srv_upload_chunks (user_id, upload_id, "offset", data)'
                    " VALUES (?, ?, ?, ?)",
                    (user_id, upload_id, offset, data),
                )
                received = offset + len(data)
                db.execute(
                    "UPDATE srv_uploads SET received = ? WHERE user_id = ? AND upload_id = ?",
                    (received, user_id, upload_id),
                )
                return received

        return await self._store.run(insert)

    async def finish(
        self, user_id: str, upload_id: str, digest: str | None = None
    ) -> AttachmentInfo | None:
        return await self._store.run(lambda db: self._verify(db, user_id, upload_id, digest))

    @staticmethod
    def _verify(
        db: SQLConnection, user_id: str, upload_id: str, digest: str | None
    ) -> AttachmentInfo | None:
        """Check and keep in one transaction (no chunk can come in between). The chunks stay
        where they are and become the attachment's bytes (``data`` NULL): an attachment is
        never copied once more into one blob."""
        with transaction(db):
            done = db.execute(
                f"SELECT {_INFO_COLUMNS} FROM srv_attachments WHERE user_id = ? AND upload_id = ?",
                (user_id, upload_id),
            ).fetchone()
            if done is not None:
                return _info(done)
            name, content_type, size, sha256, received = db.execute(
                "SELECT name, content_type, size, sha256, received FROM srv_uploads"
                " WHERE user_id = ? AND upload_id = ?",
                (user_id, upload_id),
            ).fetchone()
            if digest is None:
                hasher = hashlib.sha256()
                for (chunk,) in db.execute(
                    "SELECT data FROM srv_upload_chunks WHERE user_id = ? AND upload_id = ?"
                    ' ORDER BY "offset"',
                    (user_id, upload_id),
                ).fetchall():
                    hasher.update(chunk)
                digest = hasher.hexdigest()
            if received != size or digest != sha256:
                db.execute(
                    "DELETE FROM srv_upload_chunks WHERE user_id = ? AND upload_id = ?",
                    (user_id, upload_id),
                )
                db.execute(
                    "UPDATE srv_uploads SET received = 0 WHERE user_id = ? AND upload_id = ?",
                    (user_id, upload_id),
                )
                return None
            info = AttachmentInfo(
                attachment_id=_new_attachment_id(),
                name=name,
                content_type=content_type,
                size=size,
                sha256=sha256,
            )
            SQLiteAttachments._insert(db, user_id, upload_id, info, None)
            return info

    @staticmethod
    def _insert(
        db: SQLConnection,
        user_id: str,
        upload_id: str | None,
        info: AttachmentInfo,
        data: bytes | None,
    ) -> None:
        db.execute(
            "INSERT INTO srv_attachments (attachment_id, user_id, upload_id, name, content_type,"
            " size, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.attachment_id,
                user_id,
                upload_id,
                info.name,
                info.content_type,
                info.size,
                info.sha256,
                data,
                now_ms(),
            ),
        )

    async def create(
        self, user_id: str, name: str, content_type: str, data: bytes
    ) -> AttachmentInfo:
        info = AttachmentInfo(
            attachment_id=_new_attachment_id(),
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )

        def insert(db: SQLConnection) -> None:
            with transaction(db):
                self._insert(db, user_id, None, info, data)

        await self._store.run(insert)
        return info

    async def info(self, user_id: str, attachment_id: str) -> AttachmentInfo | None:
        def select(db: SQLConnection) -> AttachmentInfo | None:
            row = db.execute(
                f"SELECT {_INFO_COLUMNS} FROM srv_attachments"
                " WHERE attachment_id = ? AND user_id = ?",
                (attachment_id, user_id),
            ).fetchone()
            return _info(row) if row else None

        return await self._store.run(select)

    async def read(
        self, user_id: str, attachment_id: str, offset: int, length: int
    ) -> bytes | None:
        def select(db: SQLConnection) -> bytes | None:
            row = db.execute(
                "SELECT upload_id, data IS NULL FROM srv_attachments"
                " WHERE attachment_id = ? AND user_id = ?",
                (attachment_id, user_id),
            ).fetchone()
            if row is None:
                return None
            if not row[1]:
                # substr() on a blob counts bytes from 1: only the range leaves the database.
                (data,) = db.execute(
                    "SELECT substr(data, CAST(? AS INTEGER), CAST(? AS INTEGER))"
                    " FROM srv_attachments WHERE attachment_id = ?",
                    (offset + 1, length, attachment_id),
                ).fetchone()
                return bytes(data)
            return _chunk_range(db, user_id, row[0], offset, length)

        return await self._store.run(select)

    async def link_turn(self, turn_id: str, attachment_ids: Sequence[str]) -> None:
        def insert(db: SQLConnection) -> None:
            with transaction(db):
                for n, attachment_id in enumerate(attachment_ids):
                    db.execute(
                        "INSERT INTO srv_turn_attachments (turn_id, position, attachment_id)"
                        " VALUES (?, ?, ?) ON CONFLICT (turn_id, position) DO UPDATE SET"
                        " attachment_id = excluded.attachment_id",
                        (turn_id, n, attachment_id),
                    )

        await self._store.run(insert)

    async def for_turn(self, user_id: str, turn_id: str) -> list[StoredAttachment]:
        def select(db: SQLConnection) -> list[StoredAttachment]:
            rows = db.execute(
                f"SELECT {', '.join('a.' + c for c in _INFO_COLUMNS.split(', '))}, a.data,"
                " a.upload_id FROM srv_turn_attachments t JOIN srv_attachments a"
                " ON a.attachment_id = t.attachment_id"
                " WHERE t.turn_id = ? AND a.user_id = ? ORDER BY t.position",
                (turn_id, user_id),
            ).fetchall()
            return [
                StoredAttachment(
                    _info(row),
                    bytes(row[5])
                    if row[5] is not None
                    else _chunk_range(db, user_id, row[6], 0, int(row[3])),
                )
                for row in rows
            ]

        return await self._store.run(select)


def _chunk_range(
    db: SQLConnection, user_id: str, upload_id: str, offset: int, length: int
) -> bytes:
    """Bytes ``offset`` to ``offset + length`` of an upload kept as its chunks."""
    end = offset + length
    rows = db.execute(
        'SELECT "offset", data FROM srv_upload_chunks WHERE user_id = ? AND upload_id = ?'
        ' AND "offset" < ? AND "offset" + length(data) > ? ORDER BY "offset"',
        (user_id, upload_id, end, offset),
    ).fetchall()
    joined = b"".join(bytes(data) for _, data in rows)
    start = offset - int(rows[0][0]) if rows else 0
    return joined[start : start + length]


def attachments_for(store: object) -> AttachmentStore:
    """The attachment store that goes with a conversation store: in its database (SQLite or
    PostgreSQL), or in memory."""
    if isinstance(store, SQLStore):
        return SQLiteAttachments(store)
    return MemoryAttachments()
