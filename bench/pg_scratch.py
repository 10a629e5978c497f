"""A scratch PostgreSQL schema for a benchmark run: made, handed over as a URL, dropped."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

#: This machine kind's PostgreSQL (trust auth).
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def scratch_schema(base: str) -> Iterator[str | None]:
    """A URL whose connections use a fresh schema of ``base``; None when it does not answer
    (or psycopg is not installed)."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
    except psycopg.Error:
        yield None
        return
    joiner = "&" if "?" in base else "?"
    try:
        yield f"{base}{joiner}{urlencode({'options': f'-csearch_path={schema}'})}"
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
