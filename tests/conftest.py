"""Fixtures shared by every test package. Package-specific fixtures live in their own conftest."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the tests use (``REDIS_URL``, else the machine's 127.0.0.1:6379)."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def _config_homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh, not yet existing config directory for each test (cheaper than ``tmp_path``)."""
    base = tmp_path_factory.mktemp("config-homes")
    return (base / str(number) for number in itertools.count())


@pytest.fixture(autouse=True)
def _no_machine_secret(monkeypatch: pytest.MonkeyPatch, _config_homes: Iterator[Path]) -> None:
    """The machine's secrets stay out of the tests: no ``OMNITRACK_JWT_SECRET`` and a config
    directory of the test's own, without a development secret (one would make ``chat`` and
    ``listen`` on loopback mint their own token), and a data directory of its own (the chat's
    history). Tests that want one write it there."""
    for name in ("OMNITRACK_JWT_SECRET", "OMNITRACK_JWT_ISSUER", "OMNITRACK_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    home = next(_config_homes)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    # `omnitrack chat` keeps its history under the data directory: the test's own, too.
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
