"""Fixtures of the server tests: a running server per driver, on loopback, with a tmp SQLite db.

``driver`` is parametrized over :data:`helpers.DRIVERS` so every protocol test runs against
every driver (the ASGI driver registers itself there). A module that uses ``store_backend``
also runs on PostgreSQL (with one driver: the store is below the driver), its servers' stores
made by ``store_at``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.server import ServerConfig, build_hub
from omnitrack_realtime.server.store import SQLiteStore, SQLStore

from . import asgi_driver  # noqa: F401  (registers the "asgi" driver in DRIVERS)
from .helpers import AUTH, DRIVERS, RunningServer, ScriptedEngine

StartServer = Callable[..., Awaitable[RunningServer]]


StoreAt = Callable[[Path], SQLStore]


@pytest.hookimpl(tryfirst=True)  # before the fixtures' own params are applied
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" in metafunc.fixturenames:
        combinations = [(name, "sqlite") for name in sorted(DRIVERS)]
        combinations.append(("websockets", "postgres"))
        # As a mark, so that the fixtures' own params of `driver` give way to it.
        metafunc.definition.add_marker(
            pytest.mark.parametrize(("driver", "store_backend"), combinations, indirect=True)
        )


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgres": where ``store_at`` (and ``start_server``) keep conversations."""
    name: str = request.param
    return name


@pytest.fixture
def store_at(request: pytest.FixtureRequest, store_backend: str) -> StoreAt:
    """A store at ``path``: that SQLite file, or the PostgreSQL schema standing for it (the
    same path, the same schema: a restarted server finds its data)."""
    schemas: dict[Path, str] = {}

    def at(path: Path) -> SQLStore:
        if store_backend == "sqlite":
            return SQLiteStore(path)
        if path not in schemas:
            schemas[path] = request.getfixturevalue("postgres_schemas")()
        return SQLStore(schemas[path])

    return at


@pytest.fixture
async def start_server(
    driver: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StartServer]:
    """Start servers (as many as a test needs); all are shut down at the end of the test."""
    started: list[RunningServer] = []
    numbers = itertools.count()
    store_at: StoreAt = (
        request.getfixturevalue("store_at")
        if "store_backend" in request.fixturenames
        else SQLiteStore
    )

    async def start(
        *,
        engine: ScriptedEngine | None = None,
        store: Any = None,
        backplane: Any = None,
        metrics: Any = None,
        **overrides: Any,
    ) -> RunningServer:
        settings: dict[str, Any] = {"port": 0, "token_delay": 0.0, "auth": AUTH}
        settings.update(overrides)
        config = ServerConfig(**settings)
        engine = engine or ScriptedEngine()
        if store is None:
            store = store_at(tmp_path / f"server-{next(numbers)}.db")
        hub = build_hub(config, engine=engine, store=store, backplane=backplane, metrics=metrics)
        url, stop = await DRIVERS[driver](hub)
        running = RunningServer(url=url, hub=hub, engine=engine, stop=stop)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


@pytest.fixture
async def server(start_server: StartServer) -> RunningServer:
    """A server with default settings (delay 0, HS256 test secret, tmp SQLite)."""
    return await start_server()
