"""The engine tests' backends: a module that uses ``twin_backend`` runs each of its tests on
an SQLite file and on a PostgreSQL schema of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from . import twin_helpers
from .talking import open_engine


@pytest.fixture(params=["sqlite", "postgres"])
def twin_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Point :func:`twin_helpers.make_twin` (and ``twin_target``) at this test's database;
    close every twin made on it at the end (a pool holds connections until closed)."""
    url: str | None = None
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    twin_helpers.TARGET[0] = url
    try:
        yield request.param
    finally:
        twin_helpers.TARGET[0] = None
        opened, twin_helpers.OPENED[:] = list(twin_helpers.OPENED), []
        for twin in opened:
            twin.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    """An engine on a fresh SQLite twin, for the tests that talk to it as a user
    (:mod:`.talking`); a module with an engine fixture of its own overrides this one."""
    engine = open_engine(tmp_path)
    yield engine
    engine.close()
