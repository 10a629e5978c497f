"""A real server on loopback for the front door's tests (CLI, TUI, sync API, README).

The reference server with the real supply-chain engine, a tmp SQLite file, token delay 0 and a
test secret. :class:`LocalServer` runs it on the test's own event loop; :class:`ThreadedServer`
on a loop of its own thread, for blocking code (the sync API, subprocesses).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from omnitrack_realtime.server import (
    AuthConfig,
    Limits,
    ServerConfig,
    create_server,
    mint_token,
)
from omnitrack_realtime.server.ws_driver import WebSocketServer

SECRET = "front-door-test-secret-that-is-long-enough-for-hs256"
AUTH = AuthConfig(secret=SECRET)
USER = "user-123"
# Generous limits: tests send turns back to back.
LIMITS = Limits(messages_per_minute=6000, burst=100, connections_per_user=50)


def token_for(user: str = USER, scopes: Sequence[str] = (), ttl: float = 3600) -> str:
    return mint_token(user, AUTH, ttl=ttl, scopes=scopes)


class LocalServer:
    """A server on the current event loop; ``stop()`` and ``start()`` again on the same port."""

    def __init__(self, db_path: Path, **overrides: Any) -> None:
        self.db_path = db_path
        self.overrides = overrides
        self.port = 0
        self.server: WebSocketServer | None = None

    async def start(self) -> LocalServer:
        settings: dict[str, Any] = {
            "port": self.port,
            "token_delay": 0.0,
            "auth": AUTH,
            "limits": LIMITS,
            "db_path": self.db_path,
        }
        settings.update(self.overrides)
        engine = settings.pop("engine", None)
        self.server = await create_server(ServerConfig(**settings), engine=engine)
        self.port = self.server.port
        return self

    async def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await server.shutdown()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def copilot_url(self) -> str:
        return f"{self.url}/copilot"

    @property
    def events_url(self) -> str:
        return f"{self.url}/ws"

    async def publish(self, event_type: str, data: Any, user: str | None = USER) -> None:
        assert self.server is not None
        await self.server.hub.publish_event(user, event_type, data)


class ThreadedServer:
    """A :class:`LocalServer` on its own thread and loop, driven from blocking code."""

    def __init__(self, db_path: Path, **overrides: Any) -> None:
        self.local = LocalServer(db_path, **overrides)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(30)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        self._run(self.local.start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._run(self.local.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    def publish(self, event_type: str, data: Any, user: str | None = USER) -> None:
        self._run(self.local.publish(event_type, data, user))

    def stop(self) -> None:
        """Stop serving (clients see the server go away); ``start()`` serves again."""
        self._run(self.local.stop())

    def start(self) -> None:
        """Serve again on the same port."""
        self._run(self.local.start())

    @property
    def url(self) -> str:
        return self.local.url

    @property
    def copilot_url(self) -> str:
        return self.local.copilot_url

    @property
    def events_url(self) -> str:
        return self.local.events_url


async def wait_until(
    pilot: Any, condition: Callable[[], bool], what: str, limit: float = 30.0
) -> None:
    """Let a Textual app run until ``condition()`` holds; fail naming ``what`` after
    ``limit`` seconds (a bounded wait on a condition, never a fixed sleep).

    The limit only decides how long a failing test takes: 10 s was too short on a busy
    machine (the whole suite beside two CPU hogs: a streamed answer drawn and exported as a
    screenshot took longer), and the test passes as soon as the condition holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)
