"""The ASGI driver under test: ``create_asgi_app`` served by uvicorn on loopback, in-process.

Importing this module registers the ``asgi`` entry of :data:`helpers.DRIVERS`, so every
protocol test parametrized over ``driver`` also runs against the ASGI app.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import uvicorn

from omnitrack_realtime.server import Hub
from omnitrack_realtime.server.asgi import create_asgi_app, uvicorn_options

from .helpers import DRIVERS


async def start_asgi(
    hub: Hub, *, log_level: str = "warning"
) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve ``hub`` through the ASGI app with uvicorn; returns (ws url, graceful stop)."""
    app = create_asgi_app(hub=hub)
    await app.startup()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level=log_level,
        **uvicorn_options(hub.config, metrics=hub.metrics),
    )
    config.load()
    server = uvicorn.Server(config)
    # startup() without serve(): no signal handlers taken over, no main loop; we stop it below.
    server.lifespan = config.lifespan_class(config)
    await server.startup()
    port = server.servers[0].sockets[0].getsockname()[1]

    async def stop() -> None:
        await app.shutdown()  # 1001 to every socket, streams interrupted, store flushed
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        for listener in server.servers:
            with contextlib.suppress(Exception):
                await listener.wait_closed()

    return f"ws://127.0.0.1:{port}", stop


DRIVERS["asgi"] = start_asgi
