"""Fixtures shared by every test package. Package-specific fixtures live in their own conftest."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the tests use (``REDIS_URL``, else the machine's 127.0.0.1:6379)."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def _config_homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh, not yet existing config directory for each test (cheaper than ``tmp_path``)."""
    base = tmp_path_factory.mktemp("config-homes")
    return (base / str(number) for number in itertools.count())


@pytest.fixture(autouse=True)
def _no_machine_secret(monkeypatch: pytest.MonkeyPatch, _config_homes: Iterator[Path]) -> None:
    """The machine's secrets stay out of the tests: no ``OMNITRACK_JWT_SECRET`` and a config
    directory of the test's own, without a development secret (one would make ``chat`` and
    ``listen`` on loopback mint their own token), and a data directory of its own (the chat's
    history). Tests that want one write it there."""
    for name in ("OMNITRACK_JWT_SECRET", "OMNITRACK_JWT_ISSUER", "OMNITRACK_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    home = next(_config_homes)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    # `omnitrack chat` keeps its history under the data directory: the test's own, too.
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))


#: The PostgreSQL the tests use when OMNITRACK_TEST_PG is not set (this machine kind's).
_DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _with_options(url: str, **params: str) -> str:
    from urllib.parse import urlencode

    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test session's own on the test PostgreSQL (``OMNITRACK_TEST_PG``,
    else 127.0.0.1:5432), dropped at the end. Without a server the PostgreSQL cases skip,
    saying so, unless ``OMNITRACK_REQUIRE_PG`` is set (``.ci/run`` sets it when the server
    answers): then they fail."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    try:
        import psycopg
    except ImportError:
        if os.environ.get("OMNITRACK_REQUIRE_PG"):
            raise
        pytest.skip("psycopg is not installed: the PostgreSQL backend was skipped")
    base = os.environ.get("OMNITRACK_TEST_PG", _DEFAULT_PG)
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        if os.environ.get("OMNITRACK_REQUIRE_PG"):
            raise
        pytest.skip(f"no PostgreSQL at {base} ({exc}): the PostgreSQL backend was skipped")
    name = f"omnitrack_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name}")
    # Commits wait for no disk flush, like SQLite's WAL with synchronous=NORMAL: a test
    # database is thrown away, and the suite's time goes to the code, not to fsync.
    admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def postgres_schemas(postgres_database: str) -> Iterator[Callable[[], str]]:
    """Make fresh schemas (each a URL whose connections use it), dropped at the end."""
    import uuid

    import psycopg

    made: list[str] = []

    def make() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_database, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return _with_options(postgres_database, options=f"-csearch_path={schema}")

    yield make
    if made:
        with psycopg.connect(postgres_database, autocommit=True) as admin:
            for schema in made:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_url(postgres_schemas: Callable[[], str]) -> str:
    """A fresh schema of its own for one test, as a URL whose connections use it."""
    return postgres_schemas()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store and twin live: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "omnitrack.db")
    url: str = request.getfixturevalue("postgres_url")
    return url
