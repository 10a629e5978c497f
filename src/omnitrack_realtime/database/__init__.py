"""The SQL seam under the server's store and the twin: one small connection interface over
SQLite (:mod:`sqlite3`) and PostgreSQL (psycopg 3), so each query is written once.

::

    Database          where the tables are: open_database(path or postgresql:// URL)
    └── connection()  a SQLConnection for one unit of work (SQLite: the one shared
                      connection, callers serialize; PostgreSQL: a checkout from a bounded pool)
    SQLConnection     execute(sql, params) in SQLite's spelling (see dialect.py), begin/commit/
                      rollback, lock(key) (serialize writers of one key across processes),
                      migration_lock() (one process migrates at a time)

Both drivers are synchronous: the store and the twin call them from worker threads, never from
the event loop (see docs/server.md, "PostgreSQL", for why not async psycopg). Driver errors
become :class:`DatabaseError` (a unique or foreign-key violation :class:`IntegrityViolation`)
here, at the edge; a PostgreSQL URL's password never appears in a message.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import OmniTrackError
from .dialect import POSTGRES, SQLITE, Dialect

__all__ = [
    "POSTGRES",
    "SQLITE",
    "Cursor",
    "Database",
    "DatabaseError",
    "Dialect",
    "IntegrityViolation",
    "SQLConnection",
    "SQLiteConnection",
    "SQLiteDatabase",
    "is_postgres",
    "open_database",
    "redact",
    "transaction",
]


class DatabaseError(OmniTrackError):
    """The database refused or failed a statement, or could not be reached."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class IntegrityViolation(DatabaseError):
    """A statement broke a unique, primary-key or foreign-key constraint."""


class Cursor(Protocol):
    """What a statement gives back (both drivers' cursors have this shape)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SQLConnection(Protocol):
    """One connection, used by one thread at a time."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run ``sql`` (SQLite's spelling, ``?`` placeholders) with ``params``."""
        ...

    @property
    def in_transaction(self) -> bool: ...

    def lock(self, key: str) -> None:
        """Hold ``key`` until the current transaction ends, against every other connection
        to the database (SQLite needs nothing: ``BEGIN IMMEDIATE`` already admits one writer)."""
        ...

    def migration_lock(self) -> AbstractContextManager[None]:
        """Hold the lock under which one process at a time migrates the schema."""
        ...

    def close(self) -> None: ...


class Database(Protocol):
    """Where the tables are (see the module docstring)."""

    dialect: Dialect
    #: The path or URL, password hidden: safe to show and log.
    description: str

    def connection(self) -> AbstractContextManager[SQLConnection]:
        """A connection for one unit of work, given back on exit."""
        ...

    def close(self) -> None: ...


@contextmanager
def transaction(db: SQLConnection) -> Iterator[None]:
    """One transaction on ``db``: committed when the block ends, rolled back when it raises.
    It begins IMMEDIATE on SQLite: a read-then-write transaction cannot be upgraded to a writer
    once another connection (the engine's, on the same file) committed after its read."""
    db.execute(db.dialect.begin)
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def is_postgres(target: str | Path) -> bool:
    """Whether ``target`` (a ``--db`` value) names a PostgreSQL database."""
    return str(target).startswith(("postgresql://", "postgres://"))


_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")
_PARAM_PASSWORD = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def redact(target: str | Path) -> str:
    """``target`` with any password replaced by ``***``."""
    text = str(target)
    return _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


class SQLiteConnection:
    """A :class:`SQLConnection` on an SQLite file (autocommit mode: transactions are explicit).

    ``raw`` is the :class:`sqlite3.Connection`, for what only SQLite has (checkpoints)."""

    dialect = SQLITE

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = str(path)
        try:
            self.raw = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
            )
            try:
                self.raw.execute("PRAGMA journal_mode=WAL")
                self.raw.execute("PRAGMA synchronous=NORMAL")
                self.raw.execute("PRAGMA foreign_keys=ON")
            except BaseException:
                self.raw.close()
                raise
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the database {self.path}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.raw.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityViolation(str(exc)) from exc
        except sqlite3.Error as exc:
            raise DatabaseError(f"database error in {self.path}: {exc}") from exc

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def lock(self, key: str) -> None:
        return None

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        yield

    def close(self) -> None:
        self.raw.close()


class SQLiteDatabase:
    """A :class:`Database` on one SQLite file: one connection, opened on first use, which
    every :meth:`connection` gives (its users serialize: one thread or one lock)."""

    dialect = SQLITE

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.description = str(path)
        self._path = path
        self._busy_timeout = busy_timeout
        self._connection: SQLiteConnection | None = None

    @contextmanager
    def connection(self) -> Iterator[SQLConnection]:
        if self._connection is None:
            self._connection = SQLiteConnection(self._path, busy_timeout=self._busy_timeout)
        yield self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def open_database(target: str | Path, *, pool_size: int = 4, busy_timeout: float = 5.0) -> Database:
    """The :class:`Database` at ``target``: a ``postgresql://`` URL (needs the ``postgres``
    extra; a pool of up to ``pool_size`` connections, opened now) or an SQLite path."""
    if is_postgres(target):
        from .postgres import PostgresDatabase

        return PostgresDatabase(str(target), pool_size=pool_size, timeout=busy_timeout)
    return SQLiteDatabase(target, busy_timeout=busy_timeout)
