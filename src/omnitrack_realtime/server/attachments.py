"""Attachments: uploads in progress, their chunks, and the stored attachments of each user.

One interface (:class:`AttachmentStore`) with two implementations, like the conversation
store: :class:`SQLiteAttachments` keeps its ``srv_`` tables (migration 3 of
:mod:`.store`) in the conversation store's database (SQLite or PostgreSQL, through the same
seam) and runs on its threads; :class:`MemoryAttachments`
is the twin for tests and memory-only servers.

An upload is declared first (name, content type, exact size, and the SHA-256 unless it comes
at the end); its bytes are then appended chunk by chunk, each at the offset where the stored
bytes end, so after a reconnect the client goes on from the last chunk the server
acknowledged. Once every byte is in, the digest of the stored bytes is compared with the
declared one: a match makes the attachment, a mismatch throws the bytes away. Every read names
the user: another user's attachment is not found, as one that does not exist.

Where an upload's bytes go: on an SQLite *file*, into a file of their own beside the database
(:class:`UploadFiles`, ``<database>-attachments/``), appended in order, so the length of the
file is the count of bytes stored (no SQLite write per batch: a blob through SQLite's WAL is
written twice, in 4 KiB pages); the file stays as the attachment's bytes once it is complete.
On PostgreSQL and an in-memory SQLite database the bytes go into ``srv_upload_chunks`` rows,
as before, and so do the uploads an older version began there (whatever has rows there goes on
there). The attachment's row (in the database) is what says whose it is: a file is only ever
read through it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ..database import IntegrityViolation, SQLConnection, is_postgres, transaction
from ..errors import OmniTrackError
from ..protocol import AttachmentInfo, now_ms
from .store import SQLStore

__all__ = [
    "AttachmentStore",
    "Chunks",
    "MemoryAttachments",
    "OffsetMismatch",
    "SQLiteAttachments",
    "StoredAttachment",
    "UploadConflict",
    "UploadFiles",
    "UploadState",
    "UploadTooLarge",
    "attachments_for",
    "upload_directory",
]

try:  # several server processes on one SQLite file: an append checks and writes alone
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

#: A chunk's bytes as given to :meth:`AttachmentStore.append`: one buffer, or several in
#: order (views of the frames a batch was gathered from: stored without joining them first).
Chunks = bytes | bytearray | memoryview | Sequence[memoryview]

#: Buffers given to one ``writev`` at most (below every system's ``IOV_MAX``).
_IOV_MAX = 512


def _parts(data: Chunks) -> Sequence[bytes | bytearray | memoryview]:
    """``data`` as a sequence of buffers."""
    if isinstance(data, bytes | bytearray | memoryview):
        return (data,)
    return data


def _size(data: Chunks) -> int:
    return sum(len(part) for part in _parts(data))


def _joined(data: Chunks) -> bytes:
    """``data`` as one ``bytes`` (for a blob column)."""
    if isinstance(data, bytes):
        return data
    return b"".join(_parts(data))


def _write_all(fd: int, data: Chunks) -> None:
    """Write every byte of ``data`` to ``fd``: one ``writev`` for a batch's chunks, more only
    when the system writes part of them."""
    views = [memoryview(part).cast("B") for part in _parts(data) if len(part)]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        while written:
            if written >= len(views[0]):
                written -= len(views.pop(0))
            else:
                views[0] = views[0][written:]
                written = 0


class OffsetMismatch(OmniTrackError):
    """A chunk does not start where the stored bytes end."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"expected the chunk at offset {expected}")
        self.expected = expected


class UploadConflict(OmniTrackError):
    """An ``uploadId`` declared again with another name, type, size or digest."""


class UploadTooLarge(OmniTrackError):
    """The user's other unfinished uploads (``pending`` bytes) and this one would pass the
    per-user limit: nothing was recorded."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"the user's unfinished uploads hold {pending} bytes")
        self.pending = pending


@dataclass(frozen=True, slots=True)
class UploadState:
    """An upload as declared, how many bytes are stored, and its attachment once complete.
    ``sha256`` is ``""`` for an upload whose digest is declared at its end (``upload_end``)."""

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
    """The same name, type and size, and the same digest when both declare one (a digest
    declared at the end is not part of the declaration)."""
    same_digest = a.sha256 == b.sha256 or not a.sha256 or not b.sha256
    return (a.name, a.content_type, a.size) == (b.name, b.content_type, b.size) and same_digest


class AttachmentStore(Protocol):
    """Where a server keeps attachments (see the module docstring)."""

    async def open_upload(
        self, user_id: str, declared: UploadState, *, limit: int | None = None
    ) -> UploadState:
        """The upload as stored: a new one (nothing received), one in progress, or a complete
        one (``attachment`` set). Raises :class:`UploadConflict` for an id declared before
        with other facts. With ``limit``: first, in the same trip to the store (and the same
        transaction on SQL), raises :class:`UploadTooLarge` when the declared size and the
        user's other unfinished uploads (:meth:`pending_bytes`) would pass it, recording
        nothing."""
        ...

    async def pending_bytes(self, user_id: str, *, besides: str | None = None) -> int:
        """The declared sizes of the user's unfinished uploads (but ``besides``), summed."""
        ...

    async def append(
        self,
        user_id: str,
        upload_id: str,
        offset: int,
        data: Chunks,
        hasher: Any | None = None,
    ) -> int:
        """Store a chunk at ``offset``; returns the bytes now stored. Raises
        :class:`OffsetMismatch` when ``offset`` is not where they end, ``LookupError`` for an
        unknown upload. ``hasher`` (a ``hashlib`` object) is updated with ``data`` once it is
        stored, on the thread that stored it (one trip off the event loop for both)."""
        ...

    async def finish(
        self,
        user_id: str,
        upload_id: str,
        digest: str | None = None,
        *,
        expected: str | None = None,
    ) -> AttachmentInfo | None:
        """Verify the stored bytes against the declared digest (``expected`` when it was
        declared at the end, else the one of ``upload_start``): the attachment, or None (the
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

    async def open_upload(
        self, user_id: str, declared: UploadState, *, limit: int | None = None
    ) -> UploadState:
        if limit is not None:
            pending = await self.pending_bytes(user_id, besides=declared.upload_id)
            if pending + declared.size > limit:
                raise UploadTooLarge(pending)
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

    async def append(
        self,
        user_id: str,
        upload_id: str,
        offset: int,
        data: Chunks,
        hasher: Any | None = None,
    ) -> int:
        key = (user_id, upload_id)
        state = self._uploads.get(key)
        if state is None or state.attachment is not None:
            raise LookupError(upload_id)
        if offset != state.received:
            raise OffsetMismatch(state.received)
        for part in _parts(data):
            self._chunks[key] += part
            if hasher is not None:
                hasher.update(part)
        state = replace(state, received=state.received + _size(data))
        self._uploads[key] = state
        return state.received

    async def finish(
        self,
        user_id: str,
        upload_id: str,
        digest: str | None = None,
        *,
        expected: str | None = None,
    ) -> AttachmentInfo | None:
        key = (user_id, upload_id)
        state = self._uploads[key]
        if state.attachment is not None:
            return state.attachment
        want = state.sha256 or expected
        data = bytes(self._chunks.pop(key, b""))
        if len(data) != state.size or hashlib.sha256(data).hexdigest() != want:
            self._chunks[key] = bytearray()
            self._uploads[key] = replace(state, received=0)
            return None
        info = AttachmentInfo(
            attachment_id=_new_attachment_id(),
            name=state.name,
            content_type=state.content_type,
            size=state.size,
            sha256=want,
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


def upload_directory(database: str | Path) -> Path | None:
    """Where an SQLite store at ``database`` keeps its uploads' bytes (``<file>-attachments``
    beside it); None for PostgreSQL and an in-memory or URI-named SQLite database, whose
    uploads keep their bytes in ``srv_upload_chunks``."""
    text = str(database)
    if is_postgres(text) or text in ("", ":memory:") or text.startswith("file:"):
        return None
    return Path(text + "-attachments")


#: Appends of one upload are serialized by one of these (by its file's name): few enough to
#: keep, many enough that two uploads rarely wait for each other.
_STRIPES = 64


class UploadFiles:
    """The bytes of an SQLite store's uploads, one file per upload (see the module docstring).

    A file's name is the SHA-256 of its user and upload id (a client-made id never becomes a
    path). Appends go to the end of the file only after checking that it ends where the chunk
    begins (under a lock, and ``flock`` against other processes on the same database), so the
    file always holds the upload's first bytes, exactly; ``os.write`` returning is what the
    acknowledgment stands for: the bytes are in the operating system's cache and survive the
    process, as an SQLite commit with ``synchronous=NORMAL`` does. A power loss may lose the
    last of them; the SHA-256 at the end catches what it spoils."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._locks = [threading.Lock() for _ in range(_STRIPES)]

    def path(self, user_id: str, upload_id: str) -> Path:
        name = hashlib.sha256(f"{user_id}\0{upload_id}".encode()).hexdigest()
        return self.directory / f"{name}.bin"

    def _lock(self, path: Path) -> threading.Lock:
        return self._locks[int(path.stem[:8], 16) % _STRIPES]

    def reset(self, user_id: str, upload_id: str) -> None:
        """Make the upload's file, empty (blocking)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path(user_id, upload_id)
        with self._lock(path), open(path, "wb"):
            pass

    def size(self, user_id: str, upload_id: str) -> int | None:
        """The bytes stored, or None when the upload has no file (blocking)."""
        try:
            return os.stat(self.path(user_id, upload_id)).st_size
        except FileNotFoundError:
            return None

    def append(
        self,
        user_id: str,
        upload_id: str,
        offset: int,
        data: Chunks,
        hasher: Any | None = None,
    ) -> int:
        """Write ``data`` at ``offset``, which must be where the file ends (blocking): the
        bytes stored. :class:`OffsetMismatch` when it does not end there, FileNotFoundError
        when the upload has no file. ``hasher`` is updated with ``data`` once written."""
        path = self.path(user_id, upload_id)
        with self._lock(path):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                stored = os.fstat(fd).st_size
                if stored != offset:
                    raise OffsetMismatch(stored)
                _write_all(fd, data)
            finally:
                os.close(fd)  # and the flock with it
        if hasher is not None:
            for part in _parts(data):
                hasher.update(part)
        return offset + _size(data)

    def truncate(self, user_id: str, upload_id: str) -> None:
        """Throw the upload's bytes away (blocking)."""
        path = self.path(user_id, upload_id)
        with self._lock(path):
            os.truncate(path, 0)

    def digest(self, user_id: str, upload_id: str) -> str:
        """The SHA-256 of the stored bytes (blocking)."""
        hasher = hashlib.sha256()
        with open(self.path(user_id, upload_id), "rb") as file:
            while block := file.read(1024 * 1024):
                hasher.update(block)
        return hasher.hexdigest()

    def read(self, user_id: str, upload_id: str, offset: int, length: int) -> bytes | None:
        """Up to ``length`` bytes from ``offset``; None without a file (blocking)."""
        try:
            fd = os.open(self.path(user_id, upload_id), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return os.pread(fd, max(length, 0), offset)
        finally:
            os.close(fd)


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
    migrations); on an SQLite file, the uploads' bytes in :class:`UploadFiles` beside it
    (written on threads of their own, so that an upload never waits behind the store's
    queries nor they behind it)."""

    def __init__(self, store: SQLStore) -> None:
        self._store = store
        directory = upload_directory(store.path)
        self._files = UploadFiles(directory) if directory is not None else None

    async def open_upload(
        self, user_id: str, declared: UploadState, *, limit: int | None = None
    ) -> UploadState:
        files = self._files

        def upsert(db: SQLConnection) -> UploadState:
            with transaction(db):
                if limit is not None:
                    pending = _pending(db, user_id, declared.upload_id)
                    if pending + declared.size > limit:
                        raise UploadTooLarge(pending)
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
                    if files is not None:  # in the transaction: no append can come first
                        files.reset(user_id, declared.upload_id)
                    return declared
                known = UploadState(declared.upload_id, row[0], row[1], row[2], row[3], row[4])
                if not _same_declaration(known, declared):
                    raise UploadConflict("this uploadId was declared with other content")
                done = db.execute(
                    f"SELECT {_INFO_COLUMNS} FROM srv_attachments"
                    " WHERE user_id = ? AND upload_id = ?",
                    (user_id, declared.upload_id),
                ).fetchone()
                if done is not None:
                    return replace(known, attachment=_info(done))
                if files is None:
                    return known
                stored = files.size(user_id, declared.upload_id)
                if stored is None and known.received == 0:
                    files.reset(user_id, declared.upload_id)  # declared by an older version
                    return known
                if stored is None:
                    return known  # begun in srv_upload_chunks: it goes on there
                if stored > known.size:  # cannot happen through append; start again
                    files.truncate(user_id, declared.upload_id)
                    stored = 0
                return replace(known, received=stored)

        return await self._store.run(upsert)

    async def pending_bytes(self, user_id: str, *, besides: str | None = None) -> int:
        return await self._store.run(lambda db: _pending(db, user_id, besides))

    async def append(
        self,
        user_id: str,
        upload_id: str,
        offset: int,
        data: Chunks,
        hasher: Any | None = None,
    ) -> int:
        files = self._files
        if files is not None:
            try:
                return await asyncio.to_thread(
                    files.append, user_id, upload_id, offset, data, hasher
                )
            except FileNotFoundError:
                pass  # not in a file: begun in srv_upload_chunks, or unknown

        def received_now(db: SQLConnection) -> int:
            row = db.execute(
                "SELECT received FROM srv_uploads WHERE user_id = ? AND upload_id = ?",
                (user_id, upload_id),
            ).fetchone()
            if row is None:
                raise LookupError(upload_id)
            return int(row[0])

        def insert(db: SQLConnection) -> int:
            blob = _joined(data)  # on the store's thread, not the event loop's
            try:
                with transaction(db):
                    stored = received_now(db)
                    if stored != offset:
                        raise OffsetMismatch(stored)
                    db.execute(
                        'INSERT INTO srv_upload_chunks (user_id, upload_id, "offset", data)'
                        " VALUES (?, ?, ?, ?)",
                        (user_id, upload_id, offset, blob),
                    )
                    received = offset + len(blob)
                    db.execute(
                        "UPDATE srv_uploads SET received = ? WHERE user_id = ? AND upload_id = ?",
                        (received, user_id, upload_id),
                    )
            except IntegrityViolation:
                # PostgreSQL: another connection's writer stored a chunk at this offset
                # between our read and our insert (it committed: the key waited for it).
                raise OffsetMismatch(received_now(db)) from None
            if hasher is not None:
                hasher.update(blob)
            return received

        return await self._store.run(insert)

    async def finish(
        self,
        user_id: str,
        upload_id: str,
        digest: str | None = None,
        *,
        expected: str | None = None,
    ) -> AttachmentInfo | None:
        return await self._store.run(
            lambda db: self._verify(db, user_id, upload_id, digest, expected)
        )

    def _verify(
        self,
        db: SQLConnection,
        user_id: str,
        upload_id: str,
        digest: str | None,
        expected: str | None,
    ) -> AttachmentInfo | None:
        """Check and keep in one transaction (no chunk can come in between). The chunks (or
        the file) stay where they are and become the attachment's bytes (``data`` NULL): an
        attachment is never copied once more into one blob."""
        files = self._files
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
            want = sha256 or expected
            in_file = files.size(user_id, upload_id) if files is not None else None
            if in_file is not None:
                assert files is not None
                received = in_file
                if digest is None and received == size:
                    digest = files.digest(user_id, upload_id)
            elif digest is None:
                hasher = hashlib.sha256()
                for (chunk,) in db.execute(
                    "SELECT data FROM srv_upload_chunks WHERE user_id = ? AND upload_id = ?"
                    ' ORDER BY "offset"',
                    (user_id, upload_id),
                ).fetchall():
                    hasher.update(chunk)
                digest = hasher.hexdigest()
            if received != size or not want or digest != want:
                if files is not None and in_file is not None:
                    files.truncate(user_id, upload_id)
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
                sha256=want,
            )
            SQLiteAttachments._insert(db, user_id, upload_id, info, None)
            db.execute(
                "UPDATE srv_uploads SET done = 1 WHERE user_id = ? AND upload_id = ?",
                (user_id, upload_id),
            )
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

    def _uploaded(
        self, db: SQLConnection, user_id: str, upload_id: str, offset: int, length: int
    ) -> bytes:
        """Bytes of an uploaded attachment (its file, else its chunks)."""
        if self._files is not None:
            data = self._files.read(user_id, upload_id, offset, length)
            if data is not None:
                return data
        return _chunk_range(db, user_id, upload_id, offset, length)

    async def read(
        self, user_id: str, attachment_id: str, offset: int, length: int
    ) -> bytes | None:
        def select(db: SQLConnection) -> bytes | None:
            # The owner's attachment row first: a file is only ever read through it.
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
            return self._uploaded(db, user_id, row[0], offset, length)

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
                    else self._uploaded(db, user_id, row[6], 0, int(row[3])),
                )
                for row in rows
            ]

        return await self._store.run(select)


def _pending(db: SQLConnection, user_id: str, besides: str | None) -> int:
    """The declared sizes of the user's unfinished uploads but ``besides``, summed: the rows
    of the partial index on ``done = 0`` only (an upload done by a version before that column
    is told by its attachment, checked for those rows alone)."""
    row = db.execute(
        "SELECT COALESCE(SUM(u.size), 0) FROM srv_uploads u WHERE u.user_id = ? AND u.done = 0"
        " AND u.upload_id IS DISTINCT FROM ? AND NOT EXISTS (SELECT 1 FROM srv_attachments a"
        " WHERE a.user_id = u.user_id AND a.upload_id = u.upload_id)",
        (user_id, besides),
    ).fetchone()
    return int(row[0])


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
    PostgreSQL; an SQLite file keeps the uploads' bytes in files beside it), or in memory."""
    if isinstance(store, SQLStore):
        return SQLiteAttachments(store)
    return MemoryAttachments()
