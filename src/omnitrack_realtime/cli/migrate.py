"""``omnitrack migrate-db``: copy an SQLite database (the server's conversations, messages,
processed ids and pending turns; every user's twin) into PostgreSQL.

Both ends are brought to this code's schema first (the SQLite file too: its own migrations, as
``serve`` would run them). The copy is one PostgreSQL transaction into empty tables, so it
either lands whole or not at all; row order is kept (message positions, the connections'
insertion order), and the identity counters continue after the copied rows. The bytes of
uploads that SQLite keeps in files beside the database (``<file>-attachments/``) become
``srv_upload_chunks`` rows, where PostgreSQL keeps them.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from ..errors import OmniTrackError

__all__ = ["copy_database", "register"]

#: Tables copied, parents first (messages and turns refer to conversations).
_SKIPPED = ("server_schema_version", "twin_schema_version")
#: Identity columns on PostgreSQL: (table, column), set past the copied rows afterwards.
_IDENTITIES = (("srv_messages", "position"), ("twin_connections", "rowid"))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate-db",
        help="copy an SQLite database into PostgreSQL",
        description="Copy the server's and the twins' tables from an SQLite file into an "
        "empty PostgreSQL database (every node then points --db at it).",
    )
    parser.add_argument("--from", dest="source", required=True, help="the SQLite file")
    parser.add_argument("--to", dest="target", required=True, help="a postgresql:// URL")
    parser.set_defaults(handler=_migrate)


def _tables(source: sqlite3.Connection) -> list[tuple[str, str]]:
    """Each table to copy and the order to read its rows in (insertion order where SQLite
    keeps one: a WITHOUT ROWID table has none, and needs none)."""
    rows = source.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND (name LIKE 'srv\\_%' ESCAPE '\\' OR name LIKE 'twin\\_%' ESCAPE '\\') "
        "ORDER BY name = 'srv_conversations' DESC, name"
    ).fetchall()
    return [
        (name, "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid")
        for name, sql in rows
        if name not in _SKIPPED
    ]


def copy_database(source_path: str | Path, target_url: str) -> dict[str, int]:
    """Copy ``source_path`` (SQLite) into ``target_url`` (PostgreSQL); the rows copied per
    table. Raises :class:`~omnitrack_realtime.errors.OmniTrackError` when the target's tables
    are not empty, or either database fails."""
    from ..database import DatabaseError, is_postgres, open_database
    from ..database.postgres import PostgresConnection
    from ..engine.twin import Twin
    from ..server.store import migrate_schema

    if not is_postgres(target_url):
        raise DatabaseError("--to must be a postgresql:// URL")
    if not Path(source_path).is_file():
        raise DatabaseError(f"no SQLite database at {source_path}")
    for target in (str(source_path), target_url):
        Twin(target).close()  # the twin's migrations
        database = open_database(target)
        try:
            with database.connection() as db:
                migrate_schema(db)
        finally:
            database.close()
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    database = open_database(target_url, pool_size=1)
    copied: dict[str, int] = {}
    try:
        with database.connection() as db:
            assert isinstance(db, PostgresConnection)
            db.execute("BEGIN")
            try:
                for table, order in _tables(source):
                    if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                        raise DatabaseError(f"{table} is not empty in {database.description}")
                    columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
                    if table == "twin_connections":
                        columns.append("rowid")  # its insertion order, kept
                    names = ", ".join(f'"{column}"' for column in columns)  # 'offset' too
                    rows = source.execute(f"SELECT {names} FROM {table}{order}").fetchall()
                    marks = ", ".join(["%s"] * len(columns))
                    with db.raw.cursor() as cursor:
                        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                    copied[table] = len(rows)
                moved = _copy_upload_files(source, source_path, db)
                if moved:
                    copied["srv_upload_chunks"] = copied.get("srv_upload_chunks", 0) + moved
                for table, column in _IDENTITIES:
                    db.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"GREATEST((SELECT MAX({column}) FROM {table}), 1))"
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot read {source_path}: {exc}") from exc
    except Exception as exc:
        if isinstance(exc, OmniTrackError):
            raise
        raise DatabaseError(f"copy into {database.description} failed: {exc}") from exc
    finally:
        source.close()
        database.close()
    return copied


def _copy_upload_files(source: sqlite3.Connection, source_path: str | Path, db: Any) -> int:
    """Each upload's file (SQLite keeps an upload's bytes beside the database) as one
    ``srv_upload_chunks`` row, its ``received`` set to match; the rows made."""
    from ..server.attachments import UploadFiles, upload_directory

    directory = upload_directory(source_path)
    if directory is None or not directory.is_dir():
        return 0
    files = UploadFiles(directory)
    made = 0
    uploads = source.execute("SELECT user_id, upload_id, size FROM srv_uploads").fetchall()
    for user_id, upload_id, size in uploads:
        data = files.read(user_id, upload_id, 0, int(size))
        if data is None:
            continue  # its bytes (if any) are srv_upload_chunks rows already
        if data:
            db.execute(
                'INSERT INTO srv_upload_chunks (user_id, upload_id, "offset", data)'
                " VALUES (?, ?, 0, ?)",
                (user_id, upload_id, data),
            )
            made += 1
        db.execute(
            "UPDATE srv_uploads SET received = ? WHERE user_id = ? AND upload_id = ?",
            (len(data), user_id, upload_id),
        )
    return made


def _migrate(args: argparse.Namespace) -> int:
    from ..database import redact

    try:
        copied = copy_database(args.source, args.target)
    except OmniTrackError as exc:
        print(f"omnitrack: {exc}", file=sys.stderr)
        return 1
    print(f"copied {args.source} into {redact(args.target)}:")
    for table, count in copied.items():
        print(f"  {table:<20} {count:>8} rows")
    return 0
