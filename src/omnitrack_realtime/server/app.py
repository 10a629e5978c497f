"""Assembling and running a server: config in, a started :class:`WebSocketServer` out.

``create_server`` builds the hub (store, backplane, engine, metrics) and the websockets driver;
``run_server`` serves until SIGINT/SIGTERM (or ``stop`` is set) and shuts down gracefully;
``serve`` is its blocking form for the CLI, returning the process exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from ..seam import CopilotEngine
from .backplane import Backplane
from .config import ServerConfig
from .demo_engine import default_engine
from .hub import Hub
from .metrics import Metrics
from .presence import RedisPresence
from .redis_limits import RedisLimits
from .store import ConversationStore, MemoryStore, SQLStore
from .ws_driver import WebSocketServer

__all__ = ["build_hub", "create_server", "run_server", "serve"]

logger = logging.getLogger("omnitrack_realtime.server")


def build_hub(
    config: ServerConfig,
    *,
    engine: CopilotEngine | None = None,
    store: ConversationStore | None = None,
    backplane: Backplane | None = None,
    metrics: Metrics | None = None,
) -> Hub:
    """The transport-agnostic core of a server, from its configuration (a driver serves it)."""
    if store is None:
        store = SQLStore(config.db_path) if config.db_path is not None else MemoryStore()
    if metrics is None:
        metrics = Metrics()
    if backplane is None and config.redis_url:
        from .redis_backplane import RedisBackplane

        backplane = RedisBackplane(
            config.redis_url,
            secret=config.redis_secret,
            metrics=metrics,
            user_history=config.event_buffer,
            broadcast_history=config.event_buffer,
            history_ttl=config.event_retention,
        )
    shared_limits: RedisLimits | None = None
    presence: RedisPresence | None = None
    if config.redis_url:
        from .backplane import new_origin

        shared_limits = RedisLimits(
            config.redis_url, connection_ttl=config.limits.connection_ttl, metrics=metrics
        )
        presence = RedisPresence(
            config.redis_url, origin=new_origin(), secret=config.redis_secret, metrics=metrics
        )
    answers = None
    if config.redis_url:
        from .redis_answers import RedisAnswers

        # The answers' records: resume, cancel and takeover on any process.
        answers = RedisAnswers(
            config.redis_url,
            secret=config.redis_secret,
            metrics=metrics,
            retention=config.stream_retention,
        )
    if engine is None:
        engine = default_engine(config.db_path)
    return Hub(
        config,
        engine=engine,
        store=store,
        backplane=backplane,
        answers=answers,
        metrics=metrics,
        shared_limits=shared_limits,
        presence=presence,
    )


async def create_server(
    config: ServerConfig,
    *,
    engine: CopilotEngine | None = None,
    store: ConversationStore | None = None,
    backplane: Backplane | None = None,
    metrics: Metrics | None = None,
) -> WebSocketServer:
    """A started server (listening); stop it with :meth:`WebSocketServer.shutdown`."""
    hub = build_hub(config, engine=engine, store=store, backplane=backplane, metrics=metrics)
    server = WebSocketServer(hub)
    await server.start()
    return server


async def run_server(
    config: ServerConfig,
    *,
    engine: CopilotEngine | None = None,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[WebSocketServer], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM or ``stop``, then shut down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        server = await create_server(config, engine=engine)
        try:
            if on_ready is not None:
                on_ready(server)
            await stop.wait()
            logger.info("shutting down")
        finally:
            await server.shutdown()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def serve(
    config: ServerConfig,
    *,
    engine: CopilotEngine | None = None,
    on_ready: Callable[[WebSocketServer], None] | None = None,
) -> int:
    """Run a server in this thread until SIGINT/SIGTERM; 0 after a graceful shutdown."""
    asyncio.run(run_server(config, engine=engine, on_ready=on_ready))
    return 0
