"""`omnitrack publish --url` takes the server's url or its /ws url alike."""

from __future__ import annotations

import pytest

from omnitrack_realtime.cli.serve import _events_url


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("ws://127.0.0.1:3001", "ws://127.0.0.1:3001/ws"),
        ("ws://127.0.0.1:3001/", "ws://127.0.0.1:3001/ws"),
        ("ws://127.0.0.1:3001/ws", "ws://127.0.0.1:3001/ws"),
        ("wss://api.example.com/realtime/ws", "wss://api.example.com/realtime/ws"),
    ],
)
def test_events_url(given: str, used: str) -> None:
    assert _events_url(given) == used
