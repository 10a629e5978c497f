"""The OmniTrack reference server: ``/copilot`` and ``/ws`` on one port (extra ``[server]``).

Layers, one-way: drivers (:mod:`.ws_driver`, :mod:`.asgi`) move bytes; sessions
(:mod:`.session`) speak the protocol for one connection; the :class:`Hub` (:mod:`.hub`) holds
what connections share (turns being generated, event numbering, limits); the building blocks
(:mod:`.auth`, :mod:`.limits`, :mod:`.store`, :mod:`.backplane`, :mod:`.metrics`,
:mod:`.streams`, :mod:`.eventlog`) know nothing of sockets. The copilot itself sits behind
:class:`~omnitrack_realtime.seam.CopilotEngine`.

    server = await create_server(ServerConfig(port=0, token_delay=0, auth=AuthConfig(secret=...)))
    ...
    await server.shutdown()
"""

from ..seam import CopilotEngine, EventPublisher
from .app import build_hub, create_server, run_server, serve
from .asgi import OmniTrackASGI, create_asgi_app
from .auth import AuthConfig, AuthRejected, Principal, mint_token
from .config import AttachmentLimits, Limits, ServerConfig
from .demo_engine import DemoEngine, default_engine
from .hub import Hub
from .session import CopilotSession, EventSession, Outbound
from .ws_driver import WebSocketServer

__all__ = [
    "AttachmentLimits",
    "AuthConfig",
    "AuthRejected",
    "CopilotEngine",
    "CopilotSession",
    "DemoEngine",
    "EventPublisher",
    "EventSession",
    "Hub",
    "Limits",
    "OmniTrackASGI",
    "Outbound",
    "Principal",
    "ServerConfig",
    "WebSocketServer",
    "build_hub",
    "create_asgi_app",
    "create_server",
    "default_engine",
    "mint_token",
    "run_server",
    "serve",
]
