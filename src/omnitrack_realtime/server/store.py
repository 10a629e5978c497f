"""Conversations, their messages, and the ``clientMessageId`` values already processed.

One interface (:class:`ConversationStore`) with two implementations:

- :class:`SQLStore`: the real one, on SQLite (:class:`SQLiteStore`, the default: a file, WAL
  journal) or PostgreSQL (a ``postgresql://`` URL, which several hosts share), every query
  written once through the :mod:`~omnitrack_realtime.database` seam. Tables are prefixed
  ``srv_`` because the engine keeps its ``twin_`` tables in the same database; the schema
  version lives in the table ``server_schema_version`` (not ``PRAGMA user_version``, which the
  file has only one of), migrations run at open under the database's migration lock. Queries
  run on worker threads, never on the event loop: on SQLite ONE thread owns the connection, so
  the queries stay strictly ordered without a lock of our own; on PostgreSQL a few threads,
  each with a pooled connection.
- :class:`MemoryStore`: the twin for tests and ``--db :memory:``-like use, same behaviour.

The turn journal: a turn is recorded (:meth:`ConversationStore.begin_turn`: its user message,
its processed id and a :class:`PendingTurn`, in one transaction) before the server acknowledges
the message, and leaves the journal in the transaction that stores its answer
(:meth:`~ConversationStore.finish_turn`, at most one answer per turn). A pending turn belongs to
the process running it for a lease (``lease_until``, renewed while it runs); a process claims
the turns whose lease is over or whose owner it knows to be gone
(:meth:`~ConversationStore.claim_turns`) and runs them again: that is how an acknowledged turn
survives a crash.

Every stored message has a ``seq``: its position in its conversation, 1 for the first message,
with no gaps (clients reconcile by it after a reconnect: "everything after seq N"). Messages are
only ever appended, never deleted or moved, so the SQLite store derives it (the message's rank
in the conversation by insertion ``position``) instead of keeping a column that could disagree.

Processed ids are kept per user for at least ``keep_processed`` entries (1,000) or
``processed_ttl`` seconds (10 minutes), whichever keeps more: an entry is dropped only when it
is both older than the TTL and outside the newest ``keep_processed``. ``processed_at`` is epoch
seconds (``time.time()``); the stores take an injectable wall clock for the TTL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import msgspec

from ..database import (
    Database,
    DatabaseError,
    IntegrityViolation,
    SQLConnection,
    is_postgres,
    open_database,
    redact,
    transaction,
)
from ..errors import OmniTrackError
from ..protocol import now_ms

__all__ = [
    "AlreadyProcessed",
    "ConversationStore",
    "MemoryStore",
    "PendingTurn",
    "ProcessedMessage",
    "SQLStore",
    "SQLiteStore",
    "StoreError",
    "StoredMessage",
    "UnknownConversation",
    "migrate_schema",
]

_T = TypeVar("_T")

KEEP_PROCESSED = 1000
PROCESSED_TTL = 600.0
#: Answers the memory store remembers by turn id (to store a turn's answer once).
_KEEP_ANSWERED = 10_000


class StoreError(OmniTrackError):
    """The store could not do what was asked (database unavailable, corrupt, closed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class AlreadyProcessed(StoreError):
    """A turn was begun for a ``clientMessageId`` that already has one (another process or
    host took it first); ``processed`` is what that one produced."""

    def __init__(self, processed: ProcessedMessage) -> None:
        super().__init__(f"clientMessageId {processed.client_message_id!r} was processed already")
        self.processed = processed


class UnknownConversation(StoreError, LookupError):
    """A write named a conversation that does not exist."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id!r} does not exist")
        self.conversation_id = conversation_id


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message of a conversation; ``timestamp`` is epoch milliseconds, ``seq`` its
    position in the conversation (1, 2, 3...; 0 when not known)."""

    message_id: str
    conversation_id: str
    role: str
    content: str
    timestamp: int
    metadata: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True, slots=True)
class ProcessedMessage:
    """What a ``clientMessageId`` produced: the conversation, the stored user message, and the
    answer's stream (``stream_id``; ``None`` for a non-streamed turn)."""

    client_message_id: str
    conversation_id: str
    message_id: str
    stream_id: str | None
    streaming: bool
    processed_at: float


@dataclass(frozen=True, slots=True)
class PendingTurn:
    """An acknowledged turn whose answer is not stored yet (an entry of the turn journal).

    ``turn_id`` is the answer's stream id; ``message_id`` the stored user message; ``owner``
    the process running it until ``lease_until`` (epoch seconds); ``attempts`` how many times a
    process took it up (1 when it is first recorded)."""

    turn_id: str
    user_id: str
    conversation_id: str
    message: str
    message_id: str
    client_message_id: str | None
    streaming: bool
    owner: str
    lease_until: float
    attempts: int = 1
    #: The stored user message's ``seq`` (0 when not known: a turn read back from the journal).
    message_seq: int = 0


class ConversationStore(Protocol):
    """Where the server keeps conversations (see the module docstring)."""

    async def create_conversation(self, user_id: str) -> str:
        """A new conversation owned by ``user_id``; its id is ``conv-<uuid4>``."""
        ...

    async def owns(self, user_id: str, conversation_id: str) -> bool:
        """Whether ``conversation_id`` exists and belongs to ``user_id`` (False for both an
        unknown id and another user's conversation, so the two are indistinguishable)."""
        ...

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> StoredMessage:
        """Append a message (raises :class:`UnknownConversation`)."""
        ...

    async def last_messages(self, conversation_id: str, limit: int = 5) -> list[StoredMessage]:
        """The conversation's newest ``limit`` messages, oldest first."""
        ...

    async def history(
        self, conversation_id: str, *, limit: int = 50, before: str | None = None
    ) -> list[StoredMessage]:
        """Up to ``limit`` messages older than message ``before`` (or the newest), oldest
        first; an unknown ``before`` gives an empty list."""
        ...

    async def messages_after(
        self, conversation_id: str, after_seq: int, *, limit: int = 50
    ) -> list[StoredMessage]:
        """Up to ``limit`` messages whose ``seq`` is above ``after_seq``, oldest first."""
        ...

    async def remember_processed(self, user_id: str, processed: ProcessedMessage) -> None:
        """Record (or update) what ``processed.client_message_id`` produced for ``user_id``."""
        ...

    async def find_processed(self, user_id: str, client_message_id: str) -> ProcessedMessage | None:
        """What ``client_message_id`` produced for ``user_id``, if still remembered."""
        ...

    async def begin_turn(
        self,
        user_id: str,
        conversation_id: str,
        message: str,
        *,
        turn_id: str,
        client_message_id: str | None,
        streaming: bool,
        owner: str,
        lease_until: float,
        processed_at: float,
        extra_metadata: Mapping[str, Any] | None = None,
    ) -> PendingTurn:
        """Record a new turn in one transaction: the processed id (when there is a
        ``client_message_id``), the user message and the pending turn. Raises
        :class:`UnknownConversation`, and :class:`AlreadyProcessed` when the
        ``client_message_id`` has a turn already (nothing is written then).
        ``extra_metadata`` joins the stored message's (its attachments, a voice transcript)."""
        ...

    async def finish_turn(
        self, turn_id: str, conversation_id: str, content: str, metadata: Mapping[str, Any]
    ) -> StoredMessage:
        """Store the turn's answer and take the turn out of the journal, in one transaction.
        A turn has one answer: if it has one already (another process finished it), that one
        is returned and nothing is written."""
        ...

    async def claim_turns(
        self,
        owner: str,
        *,
        now: float,
        lease_until: float,
        gone: Callable[[str], bool],
        turn_id: str | None = None,
    ) -> list[PendingTurn]:
        """Take over the pending turns (only ``turn_id``, if given) whose lease has ended by
        ``now`` or whose owner is ``gone``: they become ``owner``'s until ``lease_until``, their
        ``attempts`` counted; returned in the order they were received."""
        ...

    async def renew_turns(self, owner: str, lease_until: float) -> None:
        """Extend the lease of every pending turn ``owner`` holds."""
        ...

    # -- several processes (issue 10): an atomic claim, and the journal read by turn id --

    async def pending_turn(self, turn_id: str) -> PendingTurn | None:
        """The turn in the journal (not answered yet), if it is."""
        ...

    async def pending_turns_in(self, conversation_id: str) -> list[PendingTurn]:
        """The conversation's turns in the journal, in the order received."""
        ...

    async def answer_of(self, turn_id: str) -> StoredMessage | None:
        """The stored answer of turn ``turn_id`` (its stream id), if any."""
        ...

    async def release_turns(self, owner: str, turn_ids: list[str]) -> None:
        """End ``owner``'s lease on these pending turns now (handed over at shutdown: any
        process may take them at once)."""
        ...

    async def close(self) -> None:
        """Flush and release resources; idempotent."""
        ...


def _new_conversation_id() -> str:
    return f"conv-{uuid.uuid4()}"


def _new_message_id() -> str:
    return f"msg-{uuid.uuid4()}"


class MemoryStore:
    """The in-memory :class:`ConversationStore` (state is lost at exit)."""

    def __init__(
        self,
        *,
        keep_processed: int = KEEP_PROCESSED,
        processed_ttl: float = PROCESSED_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keep = keep_processed
        self._ttl = processed_ttl
        self._clock = clock
        self._owners: dict[str, str] = {}
        self._messages: dict[str, list[StoredMessage]] = {}
        self._processed: dict[str, OrderedDict[str, ProcessedMessage]] = {}
        self._turns: dict[str, PendingTurn] = {}  # in the order received
        #: The newest answers by turn id (a turn has one answer), bounded like a window.
        self._answered: OrderedDict[str, StoredMessage] = OrderedDict()

    async def create_conversation(self, user_id: str) -> str:
        conversation_id = _new_conversation_id()
        self._owners[conversation_id] = user_id
        self._messages[conversation_id] = []
        return conversation_id

    async def owns(self, user_id: str, conversation_id: str) -> bool:
        return self._owners.get(conversation_id) == user_id

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> StoredMessage:
        messages = self._messages.get(conversation_id)
        if messages is None:
            raise UnknownConversation(conversation_id)
        message = StoredMessage(
            message_id=_new_message_id(),
            conversation_id=conversation_id,
            role=role,
            content=content,
            timestamp=now_ms(),
            metadata=dict(metadata or {}),
            seq=len(messages) + 1,
        )
        messages.append(message)
        return message

    async def last_messages(self, conversation_id: str, limit: int = 5) -> list[StoredMessage]:
        messages = self._messages.get(conversation_id, [])
        return list(messages[-limit:]) if limit > 0 else []

    async def history(
        self, conversation_id: str, *, limit: int = 50, before: str | None = None
    ) -> list[StoredMessage]:
        messages = self._messages.get(conversation_id, [])
        if before is not None:
            index = next((i for i, m in enumerate(messages) if m.message_id == before), None)
            if index is None:
                return []
            messages = messages[:index]
        return list(messages[-limit:]) if limit > 0 else []

    async def messages_after(
        self, conversation_id: str, after_seq: int, *, limit: int = 50
    ) -> list[StoredMessage]:
        messages = self._messages.get(conversation_id, [])
        start = max(after_seq, 0)
        return list(messages[start : start + limit]) if limit > 0 else []

    async def remember_processed(self, user_id: str, processed: ProcessedMessage) -> None:
        entries = self._processed.setdefault(user_id, OrderedDict())
        entries[processed.client_message_id] = processed
        entries.move_to_end(processed.client_message_id)
        horizon = self._clock() - self._ttl
        # Oldest first: drop while over the count AND too old (the union keeps more).
        while len(entries) > self._keep:
            oldest = next(iter(entries.values()))
            if oldest.processed_at >= horizon:
                break
            entries.popitem(last=False)

    async def find_processed(self, user_id: str, client_message_id: str) -> ProcessedMessage | None:
        entries = self._processed.get(user_id)
        return None if entries is None else entries.get(client_message_id)

    async def begin_turn(
        self,
        user_id: str,
        conversation_id: str,
        message: str,
        *,
        turn_id: str,
        client_message_id: str | None,
        streaming: bool,
        owner: str,
        lease_until: float,
        processed_at: float,
        extra_metadata: Mapping[str, Any] | None = None,
    ) -> PendingTurn:
        if client_message_id:
            existing = await self.find_processed(user_id, client_message_id)
            if existing is not None:
                raise AlreadyProcessed(existing)
        metadata: dict[str, Any] = (
            {"clientMessageId": client_message_id} if client_message_id else {}
        )
        metadata.update(extra_metadata or {})
        stored = await self.add_message(conversation_id, "user", message, metadata)
        if client_message_id:
            await self.remember_processed(
                user_id,
                ProcessedMessage(
                    client_message_id,
                    conversation_id,
                    stored.message_id,
                    turn_id,
                    streaming,
                    processed_at,
                ),
            )
        turn = PendingTurn(
            turn_id,
            user_id,
            conversation_id,
            message,
            stored.message_id,
            client_message_id,
            streaming,
            owner,
            lease_until,
        )
        self._turns[turn_id] = turn
        return replace(turn, message_seq=stored.seq)

    async def finish_turn(
        self, turn_id: str, conversation_id: str, content: str, metadata: Mapping[str, Any]
    ) -> StoredMessage:
        answered = self._answered.get(turn_id)
        if answered is not None:
            self._turns.pop(turn_id, None)
            return answered
        stored = await self.add_message(conversation_id, "assistant", content, metadata)
        self._turns.pop(turn_id, None)
        self._answered[turn_id] = stored
        if len(self._answered) > _KEEP_ANSWERED:
            self._answered.popitem(last=False)
        return stored

    async def claim_turns(
        self,
        owner: str,
        *,
        now: float,
        lease_until: float,
        gone: Callable[[str], bool],
        turn_id: str | None = None,
    ) -> list[PendingTurn]:
        claimed: list[PendingTurn] = []
        for turn in list(self._turns.values()):
            if turn_id is not None and turn.turn_id != turn_id:
                continue
            if turn.lease_until > now and not gone(turn.owner):
                continue
            taken = replace(turn, owner=owner, lease_until=lease_until, attempts=turn.attempts + 1)
            self._turns[turn.turn_id] = taken
            claimed.append(taken)
        return claimed

    async def renew_turns(self, owner: str, lease_until: float) -> None:
        for turn in list(self._turns.values()):
            if turn.owner == owner:
                self._turns[turn.turn_id] = replace(turn, lease_until=lease_until)

    async def pending_turn(self, turn_id: str) -> PendingTurn | None:
        return self._turns.get(turn_id)

    async def pending_turns_in(self, conversation_id: str) -> list[PendingTurn]:
        return [t for t in self._turns.values() if t.conversation_id == conversation_id]

    async def answer_of(self, turn_id: str) -> StoredMessage | None:
        return self._answered.get(turn_id)

    async def release_turns(self, owner: str, turn_ids: list[str]) -> None:
        for turn_id in turn_ids:
            turn = self._turns.get(turn_id)
            if turn is not None and turn.owner == owner:
                self._turns[turn_id] = replace(turn, lease_until=0.0)

    async def close(self) -> None:
        return None


_SCHEMA_VERSION = 4
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE srv_conversations (
            conversation_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )""",
        "CREATE INDEX srv_conversations_user ON srv_conversations (user_id)",
        """CREATE TABLE srv_messages (
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL
                REFERENCES srv_conversations (conversation_id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            metadata TEXT NOT NULL
        )""",
        "CREATE INDEX srv_messages_conversation ON srv_messages (conversation_id, position)",
        """CREATE TABLE srv_processed (
            user_id TEXT NOT NULL,
            client_message_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            stream_id TEXT,
            streaming INTEGER NOT NULL,
            processed_at REAL NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (user_id, client_message_id)
        )""",
        "CREATE INDEX srv_processed_age ON srv_processed (user_id, position)",
    ),
    # 2: the turn journal, and each answer's stream id (a turn has one answer).
    2: (
        "ALTER TABLE srv_messages ADD COLUMN stream_id TEXT",
        "CREATE UNIQUE INDEX srv_messages_stream ON srv_messages (stream_id)"
        " WHERE stream_id IS NOT NULL",
        """CREATE TABLE srv_turns (
            turn_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL
                REFERENCES srv_conversations (conversation_id) ON DELETE CASCADE,
            message TEXT NOT NULL,
            message_id TEXT NOT NULL,
            client_message_id TEXT,
            streaming INTEGER NOT NULL,
            owner TEXT NOT NULL,
            lease_until REAL NOT NULL,
            attempts INTEGER NOT NULL,
            position INTEGER NOT NULL
        )""",
        "CREATE INDEX srv_turns_lease ON srv_turns (lease_until)",
    ),
    # 3: attachments (server/attachments.py): uploads and their chunks, stored attachments
    # (an uploaded one keeps its bytes in its chunks: data NULL), and the attachments each
    # turn's message refers to.
    3: (
        """CREATE TABLE srv_uploads (
            user_id TEXT NOT NULL,
            upload_id TEXT NOT NULL,
            name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            received INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, upload_id)
        )""",
        """CREATE TABLE srv_upload_chunks (
            user_id TEXT NOT NULL,
            upload_id TEXT NOT NULL,
            "offset" INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (user_id, upload_id, "offset")
        )""",
        """CREATE TABLE srv_attachments (
            attachment_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            upload_id TEXT,
            name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            data BLOB,
            created_at INTEGER NOT NULL
        )""",
        "CREATE UNIQUE INDEX srv_attachments_upload ON srv_attachments (user_id, upload_id)"
        " WHERE upload_id IS NOT NULL",
        """CREATE TABLE srv_turn_attachments (
            turn_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            attachment_id TEXT NOT NULL,
            PRIMARY KEY (turn_id, position)
        )""",
    ),
    # 4: an upload's row says when it became an attachment (``done``), and a partial index
    # holds each user's unfinished ones: the per-user limit's sum reads those rows only, not
    # every upload the user ever made.
    4: (
        "ALTER TABLE srv_uploads ADD COLUMN done INTEGER NOT NULL DEFAULT 0",
        "UPDATE srv_uploads SET done = 1 WHERE EXISTS (SELECT 1 FROM srv_attachments a"
        " WHERE a.user_id = srv_uploads.user_id AND a.upload_id = srv_uploads.upload_id)",
        "CREATE INDEX srv_uploads_unfinished ON srv_uploads (user_id) WHERE done = 0",
    ),
}

_MESSAGE_COLUMNS = "message_id, conversation_id, role, content, timestamp, metadata"
_PROCESSED_COLUMNS = (
    "client_message_id, conversation_id, message_id, stream_id, streaming, processed_at"
)
_TURN_COLUMNS = (
    "turn_id, user_id, conversation_id, message, message_id, client_message_id, streaming,"
    " owner, lease_until, attempts"
)
_metadata_decoder = msgspec.json.Decoder(dict[str, Any])


def _message(row: tuple[Any, ...], seq: int = 0) -> StoredMessage:
    return StoredMessage(
        message_id=row[0],
        conversation_id=row[1],
        role=row[2],
        content=row[3],
        timestamp=int(row[4]),
        metadata=_metadata_decoder.decode(row[5]),
        seq=seq,
    )


def _seq_at(db: SQLConnection, conversation_id: str, position: int | None) -> int:
    """The ``seq`` of the message at ``position``: its rank in the conversation (an index
    range count on (conversation_id, position))."""
    if position is None:
        return 0
    row = db.execute(
        "SELECT COUNT(*) FROM srv_messages WHERE conversation_id = ? AND position <= ?",
        (conversation_id, position),
    ).fetchone()
    return int(row[0])


def _numbered(
    db: SQLConnection, conversation_id: str, rows: list[tuple[Any, ...]]
) -> list[StoredMessage]:
    """``rows`` (a run of consecutive messages of one conversation, oldest first, each ending
    with its ``position``) as messages numbered from the first one's ``seq``."""
    if not rows:
        return []
    first = _seq_at(db, conversation_id, int(rows[0][-1]))
    return [_message(row, first + offset) for offset, row in enumerate(rows)]


def _processed(row: tuple[Any, ...]) -> ProcessedMessage:
    return ProcessedMessage(
        client_message_id=row[0],
        conversation_id=row[1],
        message_id=row[2],
        stream_id=row[3],
        streaming=bool(row[4]),
        processed_at=float(row[5]),
    )


def _turn(row: tuple[Any, ...]) -> PendingTurn:
    return PendingTurn(
        turn_id=row[0],
        user_id=row[1],
        conversation_id=row[2],
        message=row[3],
        message_id=row[4],
        client_message_id=row[5],
        streaming=bool(row[6]),
        owner=row[7],
        lease_until=float(row[8]),
        attempts=int(row[9]),
    )


def migrate_schema(db: SQLConnection) -> None:
    """Bring the ``srv_`` tables at ``db`` to this code's schema version (numbered migrations,
    under the database's migration lock: several processes may start at once)."""
    with db.migration_lock(), transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS server_schema_version (version INTEGER)")
        row = db.execute("SELECT MAX(version) FROM server_schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        for version in range(current + 1, _SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version]:
                db.execute(db.dialect.ddl(statement))
            db.execute("INSERT INTO server_schema_version (version) VALUES (?)", (version,))


class _Conflict(Exception):
    """A transaction found its write already done (raised to roll it back)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class SQLStore:
    """The :class:`ConversationStore` on a SQL database: SQLite or PostgreSQL (see the module
    docstring for the threading), through the :mod:`~omnitrack_realtime.database` seam.

    The database is opened (and migrated) lazily by the first call, on a worker thread:
    ``target`` is an SQLite path (``":memory:"`` too) or a ``postgresql://`` URL. SQLite runs
    every query on one worker thread; PostgreSQL on up to ``pool_size`` threads, each with a
    connection of a pool that size. On PostgreSQL the writers of one conversation take its
    advisory lock, so that a message's ``position`` order is its commit order (``seq`` never
    moves) whichever host writes it.
    """

    def __init__(
        self,
        target: str | Path,
        *,
        keep_processed: int = KEEP_PROCESSED,
        processed_ttl: float = PROCESSED_TTL,
        clock: Callable[[], float] = time.time,
        pool_size: int = 4,
        timeout: float = 5.0,
    ) -> None:
        self.path = str(target)
        self._timeout = timeout
        self._target = target
        self._postgres = is_postgres(target)
        self.description = redact(target)
        self._keep = keep_processed
        self._ttl = processed_ttl
        self._clock = clock
        self._pool_size = pool_size if self._postgres else 1
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self._pool_size, thread_name_prefix="omnitrack-store"
        )
        self._database: Database | None = None
        self._opening = threading.Lock()
        self._closed = False

    # -- worker-thread side -------------------------------------------------------------------

    def _open(self) -> Database:
        with self._opening:
            if self._database is None:
                database = open_database(
                    self._target, pool_size=self._pool_size, busy_timeout=self._timeout
                )
                try:
                    with database.connection() as db:
                        if db.dialect.name == "sqlite":
                            db.execute("PRAGMA busy_timeout=5000")
                        self._migrate(db)
                except BaseException:
                    database.close()
                    raise
                self._database = database
            return self._database

    @staticmethod
    def _migrate(db: SQLConnection) -> None:
        migrate_schema(db)

    def _call(self, function: Callable[[SQLConnection], _T]) -> _T:
        database = self._database or self._open()
        with database.connection() as db:
            return function(db)

    async def run(self, function: Callable[[SQLConnection], _T]) -> _T:
        """Run ``function`` on a store thread with a connection: the attachment store
        (:mod:`.attachments`) keeps its tables in this database, through the same seam."""
        return await self._run(function)

    async def _run(self, function: Callable[[SQLConnection], _T]) -> _T:
        if self._closed:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, functools.partial(self._call, function)
            )
        except DatabaseError as exc:
            raise StoreError(str(exc)) from exc
        except RuntimeError as exc:  # the executor was shut down under us
            raise StoreError("the store is closed") from exc

    # -- interface ----------------------------------------------------------------------------

    async def create_conversation(self, user_id: str) -> str:
        conversation_id = _new_conversation_id()

        def insert(db: SQLConnection) -> None:
            db.execute(
                "INSERT INTO srv_conversations (conversation_id, user_id, created_at)"
                " VALUES (?, ?, ?)",
                (conversation_id, user_id, now_ms()),
            )

        await self._run(insert)
        return conversation_id

    async def owns(self, user_id: str, conversation_id: str) -> bool:
        def select(db: SQLConnection) -> bool:
            row = db.execute(
                "SELECT 1 FROM srv_conversations WHERE conversation_id = ? AND user_id = ?",
                (conversation_id, user_id),
            ).fetchone()
            return row is not None

        return await self._run(select)

    def _append(
        self,
        db: SQLConnection,
        message: StoredMessage,
        stream_id: str | None = None,
    ) -> int:
        """Insert ``message`` (inside the caller's transaction); its position.

        Raises :class:`UnknownConversation`: on PostgreSQL a failed statement spoils the
        transaction, so the caller lets it roll back."""
        db.lock(message.conversation_id)
        try:
            row = db.execute(
                f"INSERT INTO srv_messages ({_MESSAGE_COLUMNS}, stream_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING position",
                (
                    message.message_id,
                    message.conversation_id,
                    message.role,
                    message.content,
                    message.timestamp,
                    msgspec.json.encode(message.metadata).decode(),
                    stream_id,
                ),
            ).fetchone()
        except IntegrityViolation as exc:
            raise UnknownConversation(message.conversation_id) from exc
        return int(row[0])

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=_new_message_id(),
            conversation_id=conversation_id,
            role=role,
            content=content,
            timestamp=now_ms(),
            metadata=dict(metadata or {}),
        )

        def insert(db: SQLConnection) -> int:
            with transaction(db):
                position = self._append(db, message)
                return _seq_at(db, conversation_id, position)

        return replace(message, seq=await self._run(insert))

    async def last_messages(self, conversation_id: str, limit: int = 5) -> list[StoredMessage]:
        return await self.history(conversation_id, limit=limit)

    async def history(
        self, conversation_id: str, *, limit: int = 50, before: str | None = None
    ) -> list[StoredMessage]:
        if limit <= 0:
            return []

        def select(db: SQLConnection) -> list[StoredMessage]:
            if before is None:
                rows = db.execute(
                    f"SELECT {_MESSAGE_COLUMNS}, position FROM srv_messages"
                    " WHERE conversation_id = ? ORDER BY position DESC LIMIT ?",
                    (conversation_id, limit),
                ).fetchall()
            else:
                anchor = db.execute(
                    "SELECT position FROM srv_messages WHERE message_id = ?"
                    " AND conversation_id = ?",
                    (before, conversation_id),
                ).fetchone()
                if anchor is None:
                    return []
                rows = db.execute(
                    f"SELECT {_MESSAGE_COLUMNS}, position FROM srv_messages"
                    " WHERE conversation_id = ? AND position < ? ORDER BY position DESC LIMIT ?",
                    (conversation_id, anchor[0], limit),
                ).fetchall()
            return _numbered(db, conversation_id, rows[::-1])

        return await self._run(select)

    async def messages_after(
        self, conversation_id: str, after_seq: int, *, limit: int = 50
    ) -> list[StoredMessage]:
        if limit <= 0:
            return []
        start = max(after_seq, 0)

        def select(db: SQLConnection) -> list[StoredMessage]:
            # The seq is a rank: the messages after seq N are those after the first N.
            rows = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM srv_messages"
                " WHERE conversation_id = ? ORDER BY position LIMIT ? OFFSET ?",
                (conversation_id, limit, start),
            ).fetchall()
            return [_message(row, start + 1 + offset) for offset, row in enumerate(rows)]

        return await self._run(select)

    def _insert_processed(
        self,
        db: SQLConnection,
        user_id: str,
        processed: ProcessedMessage,
        *,
        replace_existing: bool,
    ) -> bool:
        """Record ``processed`` (inside the caller's transaction); False when the id was
        recorded already and ``replace_existing`` is off (nothing is written then)."""
        row = db.execute(
            "SELECT COALESCE(MAX(position), 0) FROM srv_processed WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        position = int(row[0]) + 1
        conflict = (
            "DO UPDATE SET conversation_id = excluded.conversation_id,"
            " message_id = excluded.message_id, stream_id = excluded.stream_id,"
            " streaming = excluded.streaming, processed_at = excluded.processed_at,"
            " position = excluded.position"
            if replace_existing
            else "DO NOTHING"
        )
        inserted = db.execute(
            f"INSERT INTO srv_processed (user_id, {_PROCESSED_COLUMNS}, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (user_id, client_message_id) {conflict} RETURNING position",
            (
                user_id,
                processed.client_message_id,
                processed.conversation_id,
                processed.message_id,
                processed.stream_id,
                int(processed.streaming),
                processed.processed_at,
                position,
            ),
        ).fetchone()
        if inserted is None:
            return False
        # Drop only what is both outside the newest `keep` and older than the TTL.
        db.execute(
            "DELETE FROM srv_processed WHERE user_id = ? AND position <= ? AND processed_at < ?",
            (user_id, position - self._keep, self._clock() - self._ttl),
        )
        return True

    async def remember_processed(self, user_id: str, processed: ProcessedMessage) -> None:
        def upsert(db: SQLConnection) -> None:
            with transaction(db):
                self._insert_processed(db, user_id, processed, replace_existing=True)

        await self._run(upsert)

    async def find_processed(self, user_id: str, client_message_id: str) -> ProcessedMessage | None:
        def select(db: SQLConnection) -> ProcessedMessage | None:
            row = db.execute(
                f"SELECT {_PROCESSED_COLUMNS} FROM srv_processed"
                " WHERE user_id = ? AND client_message_id = ?",
                (user_id, client_message_id),
            ).fetchone()
            return None if row is None else _processed(row)

        return await self._run(select)

    async def begin_turn(
        self,
        user_id: str,
        conversation_id: str,
        message: str,
        *,
        turn_id: str,
        client_message_id: str | None,
        streaming: bool,
        owner: str,
        lease_until: float,
        processed_at: float,
        extra_metadata: Mapping[str, Any] | None = None,
    ) -> PendingTurn:
        metadata: dict[str, Any] = (
            {"clientMessageId": client_message_id} if client_message_id else {}
        )
        metadata.update(extra_metadata or {})
        stored = StoredMessage(
            message_id=_new_message_id(),
            conversation_id=conversation_id,
            role="user",
            content=message,
            timestamp=now_ms(),
            metadata=metadata,
        )
        turn = PendingTurn(
            turn_id,
            user_id,
            conversation_id,
            message,
            stored.message_id,
            client_message_id,
            streaming,
            owner,
            lease_until,
        )

        def insert(db: SQLConnection) -> int:
            with transaction(db):
                # Insert first, work second: the processed id's key admits one turn per
                # clientMessageId, whichever process (or host) gets there first.
                if client_message_id and not self._insert_processed(
                    db,
                    user_id,
                    ProcessedMessage(
                        client_message_id,
                        conversation_id,
                        stored.message_id,
                        turn_id,
                        streaming,
                        processed_at,
                    ),
                    replace_existing=False,
                ):
                    row = db.execute(
                        f"SELECT {_PROCESSED_COLUMNS} FROM srv_processed"
                        " WHERE user_id = ? AND client_message_id = ?",
                        (user_id, client_message_id),
                    ).fetchone()
                    raise _Conflict(_processed(row))
                position = self._append(db, stored)
                db.execute(
                    f"INSERT INTO srv_turns ({_TURN_COLUMNS}, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        turn_id,
                        user_id,
                        conversation_id,
                        message,
                        stored.message_id,
                        client_message_id,
                        int(streaming),
                        owner,
                        lease_until,
                        1,
                        position,
                    ),
                )
                return _seq_at(db, conversation_id, position)

        try:
            seq = await self._run(insert)
        except _Conflict as conflict:
            raise AlreadyProcessed(conflict.value) from None
        return replace(turn, message_seq=seq)

    async def finish_turn(
        self, turn_id: str, conversation_id: str, content: str, metadata: Mapping[str, Any]
    ) -> StoredMessage:
        answer = StoredMessage(
            message_id=_new_message_id(),
            conversation_id=conversation_id,
            role="assistant",
            content=content,
            timestamp=now_ms(),
            metadata=dict(metadata),
        )

        def store(db: SQLConnection) -> StoredMessage:
            with transaction(db):
                # The conversation's lock first: a second host finishing the same turn waits
                # here, then finds the first one's answer.
                db.lock(conversation_id)
                existing = db.execute(
                    f"SELECT {_MESSAGE_COLUMNS}, position FROM srv_messages WHERE stream_id = ?",
                    (turn_id,),
                ).fetchone()
                if existing is not None:
                    db.execute("DELETE FROM srv_turns WHERE turn_id = ?", (turn_id,))
                    return _message(existing, _seq_at(db, conversation_id, existing[-1]))
                position = self._append(db, answer, turn_id)
                db.execute("DELETE FROM srv_turns WHERE turn_id = ?", (turn_id,))
                return replace(answer, seq=_seq_at(db, conversation_id, position))

        return await self._run(store)

    async def claim_turns(
        self,
        owner: str,
        *,
        now: float,
        lease_until: float,
        gone: Callable[[str], bool],
        turn_id: str | None = None,
    ) -> list[PendingTurn]:
        def claim(db: SQLConnection) -> list[PendingTurn]:
            with transaction(db):
                where, parameters = ("WHERE turn_id = ?", (turn_id,)) if turn_id else ("", ())
                rows = db.execute(
                    f"SELECT {_TURN_COLUMNS} FROM srv_turns {where} ORDER BY position"
                    + db.dialect.for_update,
                    parameters,
                ).fetchall()
                claimed: list[PendingTurn] = []
                for row in rows:
                    turn = _turn(row)
                    if turn.lease_until > now and not gone(turn.owner):
                        continue
                    db.execute(
                        "UPDATE srv_turns SET owner = ?, lease_until = ?, attempts = attempts + 1"
                        " WHERE turn_id = ?",
                        (owner, lease_until, turn.turn_id),
                    )
                    claimed.append(
                        replace(
                            turn, owner=owner, lease_until=lease_until, attempts=turn.attempts + 1
                        )
                    )
                return claimed

        return await self._run(claim)

    async def renew_turns(self, owner: str, lease_until: float) -> None:
        def renew(db: SQLConnection) -> None:
            db.execute("UPDATE srv_turns SET lease_until = ? WHERE owner = ?", (lease_until, owner))

        await self._run(renew)

    # -- several processes (issue 10) ----------------------------------------------------------

    async def pending_turn(self, turn_id: str) -> PendingTurn | None:
        def select(db: SQLConnection) -> PendingTurn | None:
            row = db.execute(
                f"SELECT {_TURN_COLUMNS} FROM srv_turns WHERE turn_id = ?", (turn_id,)
            ).fetchone()
            return None if row is None else _turn(row)

        return await self._run(select)

    async def pending_turns_in(self, conversation_id: str) -> list[PendingTurn]:
        def select(db: SQLConnection) -> list[PendingTurn]:
            rows = db.execute(
                f"SELECT {_TURN_COLUMNS} FROM srv_turns WHERE conversation_id = ?"
                " ORDER BY position",
                (conversation_id,),
            ).fetchall()
            return [_turn(row) for row in rows]

        return await self._run(select)

    async def answer_of(self, turn_id: str) -> StoredMessage | None:
        def select(db: SQLConnection) -> StoredMessage | None:
            row = db.execute(
                f"SELECT {_MESSAGE_COLUMNS}, position FROM srv_messages WHERE stream_id = ?",
                (turn_id,),
            ).fetchone()
            return None if row is None else _message(row, _seq_at(db, row[1], row[-1]))

        return await self._run(select)

    async def release_turns(self, owner: str, turn_ids: list[str]) -> None:
        def release(db: SQLConnection) -> None:
            with transaction(db):
                for turn_id in turn_ids:
                    db.execute(
                        "UPDATE srv_turns SET lease_until = 0 WHERE turn_id = ? AND owner = ?",
                        (turn_id, owner),
                    )

        await self._run(release)

    async def close(self) -> None:
        if self._closed:
            return

        def shutdown() -> None:
            database, self._database = self._database, None
            if database is None:
                return
            try:
                if database.dialect.name == "sqlite":
                    with database.connection() as db:
                        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                database.close()

        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, shutdown)
        except DatabaseError as exc:
            raise StoreError(f"database error closing {self.description}: {exc}") from exc
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)


class SQLiteStore(SQLStore):
    """The :class:`SQLStore` on an SQLite file (``path`` may be ``":memory:"``)."""

    def __init__(
        self,
        path: str | Path,
        *,
        keep_processed: int = KEEP_PROCESSED,
        processed_ttl: float = PROCESSED_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if is_postgres(path):
            raise ValueError("SQLiteStore takes a file path; SQLStore takes a postgresql:// URL")
        super().__init__(
            path, keep_processed=keep_processed, processed_ttl=processed_ttl, clock=clock
        )
