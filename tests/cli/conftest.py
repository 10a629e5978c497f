"""Fixtures of the CLI tests: a real server on loopback, on a thread of its own (the commands
under test run their own event loops with ``asyncio.run``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdoor_support import ThreadedServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadedServer]:
    with ThreadedServer(tmp_path / "twin.db") as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests."""
    for name in (
        "OMNITRACK_COPILOT_WS_URL",
        "OMNITRACK_WS_URL",
        "NEXT_PUBLIC_COPILOT_WS_URL",
        "NEXT_PUBLIC_WS_URL",
        "OMNITRACK_TOKEN",
        "OMNITRACK_USER",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _restore_log_level() -> Iterator[None]:
    """The commands quiet the library's logger for the process; give other tests theirs back."""
    logger = logging.getLogger("omnitrack_realtime")
    level = logger.level
    yield
    logger.setLevel(level)
