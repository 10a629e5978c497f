"""The PostgreSQL side of the SQL seam: psycopg 3's sync driver and its bounded pool.

Connections are in autocommit mode and transactions explicit (``BEGIN`` ... ``COMMIT``), as on
SQLite, so the code above runs the same statements on both. Advisory locks are keyed by the
session's schema and a key string, so that databases split by schema (one per tenant, one per
test) do not wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import ConfigurationError
from . import DatabaseError, IntegrityViolation, SQLConnection, redact
from .dialect import POSTGRES

try:
    import psycopg
    import psycopg_pool
    from psycopg.pq import TransactionStatus
except ImportError as exc:  # pragma: no cover - the extra is part of the dev install
    raise ConfigurationError(
        "a postgresql:// database needs psycopg: pip install 'omnitrack-realtime[postgres]'"
    ) from exc

__all__ = ["PostgresConnection", "PostgresDatabase"]

_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || %s))"
_MIGRATION_KEY = "omnitrack:migrations"


class PostgresConnection:
    """A :class:`~omnitrack_realtime.database.SQLConnection` on one psycopg connection."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any], description: str) -> None:
        self.raw = raw
        self._description = description

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        try:
            return self.raw.execute(POSTGRES.sql(sql), params)
        except psycopg.errors.IntegrityError as exc:
            raise IntegrityViolation(str(exc).strip()) from exc
        except psycopg.Error as exc:
            raise DatabaseError(f"database error in {self._description}: {exc}") from exc

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def lock(self, key: str) -> None:
        try:
            self.raw.execute(_LOCK, (key,))
        except psycopg.Error as exc:
            raise DatabaseError(f"database error in {self._description}: {exc}") from exc

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        # A session lock (not a transaction's): each migration commits on its own.
        key = (_MIGRATION_KEY,)
        self.raw.execute("SELECT pg_advisory_lock(hashtext(current_schema() || ':' || %s))", key)
        try:
            yield
        finally:
            self.raw.execute(
                "SELECT pg_advisory_unlock(hashtext(current_schema() || ':' || %s))", key
            )

    def close(self) -> None:
        self.raw.close()


class PostgresDatabase:
    """A :class:`~omnitrack_realtime.database.Database` on PostgreSQL: a pool of up to
    ``pool_size`` connections, the first opened now (so a bad URL fails at start, within
    ``timeout`` seconds, not at the first query)."""

    dialect = POSTGRES

    def __init__(self, url: str, *, pool_size: int = 4, timeout: float = 10.0) -> None:
        self.description = redact(url)
        self._pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] = (
            psycopg_pool.ConnectionPool(
                url,
                min_size=1,
                max_size=max(pool_size, 1),
                kwargs={"autocommit": True},
                timeout=max(timeout, 1.0),
                open=False,
                name="omnitrack",
            )
        )
        try:
            self._pool.open(wait=True, timeout=max(timeout, 1.0))
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            self._pool.close()
            raise DatabaseError(f"cannot connect to {self.description}: {exc}") from exc

    @contextmanager
    def connection(self) -> Iterator[SQLConnection]:
        try:
            with self._pool.connection() as raw:
                yield PostgresConnection(raw, self.description)
        except psycopg_pool.PoolTimeout as exc:
            raise DatabaseError(f"no connection to {self.description}: {exc}") from exc

    def close(self) -> None:
        self._pool.close()
