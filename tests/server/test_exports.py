"""Pins the server's public API: ``omnitrack_realtime.server.__all__``."""

from __future__ import annotations

import subprocess
import sys

import omnitrack_realtime.server as server

PUBLIC = {
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
}


def test_server_all_is_the_curated_surface() -> None:
    assert set(server.__all__) == PUBLIC
    assert len(server.__all__) == len(PUBLIC)
    for name in PUBLIC:
        assert getattr(server, name) is not None


def test_the_client_package_does_not_import_the_server() -> None:
    code = (
        "import sys, omnitrack_realtime; "
        "assert not [m for m in sys.modules if m.startswith('omnitrack_realtime.server')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
