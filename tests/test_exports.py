"""Pins the public API: ``omnitrack_realtime.__all__`` is exactly the client surface."""

from __future__ import annotations

import subprocess
import sys

import omnitrack_realtime
from omnitrack_realtime import client, errors, protocol

PUBLIC = {
    "AttachmentError",
    "AuthenticationError",
    "ChatMessage",
    "ConfigurationError",
    "ConnectionFailed",
    "ConnectionState",
    "CopilotClient",
    "Event",
    "EventClient",
    "MessageTooLarge",
    "OmniTrackError",
    "ProtocolError",
    "QueueFull",
    "ReconnectPolicy",
    "StoreError",
    "UploadProgress",
    "__version__",
}


def test_all_is_the_curated_surface() -> None:
    assert set(omnitrack_realtime.__all__) == PUBLIC
    assert len(omnitrack_realtime.__all__) == len(PUBLIC)  # no duplicates


def test_every_name_resolves_to_its_home() -> None:
    for name in PUBLIC:
        assert getattr(omnitrack_realtime, name) is not None
    assert omnitrack_realtime.CopilotClient is client.copilot.CopilotClient
    assert omnitrack_realtime.EventClient is client.events.EventClient
    assert omnitrack_realtime.ReconnectPolicy is client.backoff.ReconnectPolicy
    assert omnitrack_realtime.ChatMessage is client.conversation.ChatMessage
    assert omnitrack_realtime.ConnectionState is client.state.ConnectionState
    assert omnitrack_realtime.Event is protocol.Event
    for name in errors.__all__:
        assert getattr(omnitrack_realtime, name) is getattr(errors, name)


def test_errors_share_one_root() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.OmniTrackError)


def test_the_client_never_imports_the_server() -> None:
    """Importing the package must not pull in the server, the engine or the terminal tools."""
    code = (
        "import sys, omnitrack_realtime; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('omnitrack_realtime.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "omnitrack_realtime.client.copilot" in loaded
    for name in loaded:
        assert name.split(".")[1] in {"client", "errors", "protocol"}, name
