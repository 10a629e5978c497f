"""Fixtures shared by every test package. Package-specific fixtures live in their own conftest."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the tests use (``REDIS_URL``, else the machine's 127.0.0.1:6379)."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
