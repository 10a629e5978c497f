"""The client's durable history: conversations, their messages and what is still unsent, in
SQLite (the I/O adapter of :mod:`.history`; the copilot client drives it).

Threading: every SQLite call runs on one thread of the store's own (a single-worker executor),
never on the event loop. One thread means one connection, writes in the order they were asked
for, and no lock for the loop to wait on; SQLite releases the GIL while it does I/O. The loop
only awaits the few writes whose durability it promises (a message the user sent is on disk
before ``send_message`` returns); the rest (acknowledgments, answers, read marks) are batched
per loop turn and written behind.

Durability: WAL with ``synchronous=NORMAL``: a committed write survives the process being
killed (what this store is for); a power cut may lose the last few, which the server still has
and the next ``sync`` brings back.

Rows (schema 1): ``conversations`` (a local ``key``, since a conversation exists before the
server names it; the server's ``conversation_id``; who and where: ``owner``, ``server``; the
reconciliation ``cursor``; a ``title``) and ``messages`` (by conversation and ``position``).
What is unsent is not a table of its own: a user message whose status is ``queued`` or
``sent`` was never acknowledged, and is sent again, with its id, after a restart.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import msgspec

from ..errors import StoreError
from .history import Batch, ConversationRecord, ConversationSummary, MessageRecord

__all__ = ["HistoryStore", "Loaded", "new_key"]

_T = TypeVar("_T")

_SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE conversations (
        key TEXT PRIMARY KEY,
        conversation_id TEXT,
        owner TEXT NOT NULL,
        server TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        cursor INTEGER NOT NULL DEFAULT 0,
        numbered INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    "CREATE INDEX conversations_recent ON conversations (owner, server, updated_at)",
    """CREATE TABLE messages (
        conversation_key TEXT NOT NULL REFERENCES conversations (key) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        id TEXT NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        status TEXT NOT NULL,
        metadata BLOB NOT NULL,
        client_message_id TEXT,
        reply_to TEXT,
        stream_id TEXT,
        server_id TEXT,
        read INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (conversation_key, position)
    ) WITHOUT ROWID""",
)

_UPSERT_MESSAGE = """
INSERT INTO messages (conversation_key, position, id, role, content, timestamp, status,
                      metadata, client_message_id, reply_to, stream_id, server_id, read)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (conversation_key, position) DO UPDATE SET
    id = excluded.id, content = excluded.content, status = excluded.status,
    metadata = excluded.metadata, reply_to = excluded.reply_to, stream_id = excluded.stream_id,
    server_id = excluded.server_id, read = excluded.read
"""

_UPSERT_CONVERSATION = """
INSERT INTO conversations (key, conversation_id, owner, server, title, cursor, numbered,
                           created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    conversation_id = excluded.conversation_id, title = excluded.title,
    cursor = excluded.cursor, numbered = excluded.numbered, updated_at = excluded.updated_at
"""

_encode = msgspec.json.encode
_decode = msgspec.json.decode


def new_key() -> str:
    """A conversation's local key."""
    return uuid4().hex


@dataclass(frozen=True, slots=True)
class Loaded:
    """A stored conversation read back: its row and its messages, by position."""

    conversation: ConversationRecord
    messages: list[MessageRecord]


class HistoryStore:
    """The SQLite history of one client: ``owner`` (the user) on ``server`` (the url).

    Opened lazily by the first call, on the store's thread; every method is a coroutine that
    runs there. Errors are :class:`~omnitrack_realtime.errors.StoreError`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        owner: str,
        server: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path)
        self.owner = owner
        self.server = server
        self._clock = clock
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="omnitrack-history"
        )
        self._db: sqlite3.Connection | None = None
        self._closed = False

    # ------------------------------------------------------------------ the interface

    async def latest(self) -> str | None:
        """The key of the owner's most recently changed conversation on this server."""

        def select(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT key FROM conversations WHERE owner = ? AND server = ? "
                "ORDER BY updated_at DESC, rowid DESC LIMIT 1",
                (self.owner, self.server),
            ).fetchone()
            return str(row[0]) if row else None

        return await self._run(select)

    async def find(self, conversation: str) -> str | None:
        """The key of the owner's conversation with that key or server id, if stored."""

        def select(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT key FROM conversations WHERE owner = ? AND server = ? "
                "AND (key = ? OR conversation_id = ?) ORDER BY updated_at DESC LIMIT 1",
                (self.owner, self.server, conversation, conversation),
            ).fetchone()
            return str(row[0]) if row else None

        return await self._run(select)

    async def load(self, key: str) -> Loaded | None:
        """The conversation with that key and all its messages, oldest first."""

        def select(db: sqlite3.Connection) -> Loaded | None:
            row = db.execute(
                "SELECT key, conversation_id, cursor, numbered, title FROM conversations "
                "WHERE key = ? AND owner = ? AND server = ?",
                (key, self.owner, self.server),
            ).fetchone()
            if row is None:
                return None
            record = ConversationRecord(
                key=row[0],
                conversation_id=row[1],
                cursor=int(row[2]),
                numbered=bool(row[3]),
                title=row[4],
            )
            rows = db.execute(
                "SELECT position, id, role, content, timestamp, status, metadata, "
                "client_message_id, reply_to, stream_id, server_id, read FROM messages "
                "WHERE conversation_key = ? ORDER BY position",
                (key,),
            ).fetchall()
            return Loaded(record, [_message(row) for row in rows])

        return await self._run(select)

    async def opened(self, key: str) -> None:
        """The conversation was opened: it becomes the most recent (the one resumed next)."""
        now = self._clock()

        def update(db: sqlite3.Connection) -> None:
            db.execute("UPDATE conversations SET updated_at = ? WHERE key = ?", (now, key))

        await self._run(update)

    def write(self, batch: Batch) -> Awaitable[None]:
        """Write one batch in one transaction (the conversation's row first). It is handed to
        the store's thread now, so writes happen in the order asked for; await the result to
        know it is on disk (or a :class:`StoreError`)."""
        now = self._clock()
        conversation = batch.conversation

        def upsert(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                if conversation is not None:
                    db.execute(
                        _UPSERT_CONVERSATION,
                        (
                            conversation.key,
                            conversation.conversation_id,
                            self.owner,
                            self.server,
                            conversation.title,
                            conversation.cursor,
                            int(conversation.numbered),
                            now,
                            now,
                        ),
                    )
                key = conversation.key if conversation is not None else None
                db.executemany(_UPSERT_MESSAGE, [_row(key, m) for m in batch.messages])
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

        return self._settle(self._submit(upsert))

    async def conversations(self, limit: int = 100) -> list[ConversationSummary]:
        """The owner's conversations on this server, most recently changed first."""

        def select(db: sqlite3.Connection) -> list[ConversationSummary]:
            rows = db.execute(
                "SELECT c.key, c.conversation_id, c.title, c.updated_at, "
                "(SELECT COUNT(*) FROM messages m WHERE m.conversation_key = c.key) "
                "FROM conversations c WHERE owner = ? AND server = ? "
                "ORDER BY updated_at DESC, rowid DESC LIMIT ?",
                (self.owner, self.server, limit),
            ).fetchall()
            return [
                ConversationSummary(
                    key=row[0],
                    conversation_id=row[1],
                    title=row[2],
                    message_count=int(row[4]),
                    updated_at=datetime.fromtimestamp(row[3], UTC),
                )
                for row in rows
            ]

        return await self._run(select)

    async def close(self) -> None:
        """Finish the writes asked for, close the database and stop the thread."""
        if self._closed:
            return

        def close(db: sqlite3.Connection | None) -> None:
            if db is not None:
                db.close()

        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, close, self._db)
        finally:
            self._closed = True
            self._db = None
            # Its last job is done: the join is immediate, and no thread outlives the store.
            self._executor.shutdown(wait=True)

    # ------------------------------------------------------------------ the store's thread

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                db.execute("PRAGMA busy_timeout=5000")  # another client on the same file
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
                self._migrate(db)
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > _SCHEMA_VERSION:
                raise StoreError(
                    self.path, f"it was made by a newer version (schema {version}); upgrade"
                )
            if version == 0:
                tables = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise StoreError(self.path, "it is a database of something else")
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _call(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        return function(self._connection())

    def _submit(self, function: Callable[[sqlite3.Connection], _T]) -> asyncio.Future[_T]:
        if self._closed:
            raise StoreError(self.path, "it is closed")
        loop = asyncio.get_running_loop()
        try:
            return loop.run_in_executor(self._executor, functools.partial(self._call, function))
        except RuntimeError as exc:  # the executor was shut down under us
            raise StoreError(self.path, "it is closed") from exc

    async def _settle(self, future: asyncio.Future[_T]) -> _T:
        try:
            return await future
        except sqlite3.Error as exc:
            raise StoreError(self.path, str(exc)) from exc
        except (msgspec.DecodeError, ValueError) as exc:
            raise StoreError(self.path, f"a stored row is damaged ({exc})") from exc
        except OSError as exc:
            raise StoreError(self.path, exc.strerror or type(exc).__name__) from exc

    async def _run(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        return await self._settle(self._submit(function))


def _row(key: str | None, message: MessageRecord) -> tuple[Any, ...]:
    return (
        key,
        message.position,
        message.id,
        message.role,
        message.content,
        message.timestamp.isoformat(),
        message.status,
        _encode(message.metadata),
        message.client_message_id,
        message.reply_to,
        message.stream_id,
        message.server_id,
        int(message.read),
    )


def _message(row: tuple[Any, ...]) -> MessageRecord:
    metadata = _decode(row[6])
    if not isinstance(metadata, dict) or row[2] not in ("user", "assistant"):
        raise ValueError(f"message at position {row[0]}")
    return MessageRecord(
        position=int(row[0]),
        id=row[1],
        role=row[2],
        content=row[3],
        timestamp=datetime.fromisoformat(row[4]),
        status=row[5],
        metadata=metadata,
        client_message_id=row[7],
        reply_to=row[8],
        stream_id=row[9],
        server_id=row[10],
        read=bool(row[11]),
    )
