"""Fixtures of the server tests: a running server per driver, on loopback, with a tmp SQLite db.

``driver`` is parametrized over :data:`helpers.DRIVERS` so every protocol test runs against
every driver (the ASGI driver registers itself there).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.server import ServerConfig, build_hub
from omnitrack_realtime.server.store import SQLiteStore

from . import asgi_driver  # noqa: F401  (registers the "asgi" driver in DRIVERS)
from .helpers import AUTH, DRIVERS, RunningServer, ScriptedEngine

StartServer = Callable[..., Awaitable[RunningServer]]


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def start_server(driver: str, tmp_path: Path) -> AsyncIterator[StartServer]:
    """Start servers (as many as a test needs); all are shut down at the end of the test."""
    started: list[RunningServer] = []
    numbers = itertools.count()

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
            store = SQLiteStore(tmp_path / f"server-{next(numbers)}.db")
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
