"""Fixtures of the chat UI tests: a real server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from frontdoor_support import LocalServer


@pytest.fixture
async def local_server(tmp_path: Path) -> AsyncIterator[LocalServer]:
    server = LocalServer(tmp_path / "twin.db")
    await server.start()
    yield server
    await server.stop()
