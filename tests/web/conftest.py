"""Fixtures of the browser tests: Debian's Chromium driven by Playwright (one browser per
module), ``omnitrack serve`` in a subprocess on a port of its own (so it can be killed and
started again on the same port), and a page per test with a fresh tab storage that fails the
test on any script error or Content-Security-Policy violation.

Without Chromium or Playwright the tests are skipped, except in CI (``CI`` set), where that
is a failure: ``.ci/run`` and ``dev.py`` install them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.server.auth import AuthConfig, mint_token

CHROMIUM = os.environ.get("OMNITRACK_CHROMIUM", "/usr/bin/chromium")
SECRET = "console-tests-secret-0123456789-abcdefghij"
AUTH = AuthConfig(secret=SECRET)
READY = re.compile(r"serving ws://(\S+)")
#: Where the pictures of the console go: docs/images when refreshing them on purpose
#: (OMNITRACK_SCREENSHOTS=1), else the test's temporary folder (a test run leaves the tree clean).
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (python3 dev.py installs it)"
    if shutil.which(CHROMIUM) is None:
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def token(user: str) -> str:
    return mint_token(user, AUTH, ttl=3600)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """``omnitrack serve`` with the console, on a fixed port and database."""

    db: Path
    port: int = field(default_factory=free_port)
    token_delay: float = 0.02
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
        env["OMNITRACK_JWT_SECRET"] = SECRET
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "omnitrack_realtime.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--token-delay",
                str(self.token_delay),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # '' if it died: the assert says so
        assert READY.search(line), f"omnitrack serve did not start: {line!r}"

    def kill(self) -> None:
        """Gone at once, as in a crash: no close frames, no goodbyes."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = Served(tmp_path_factory.mktemp("console") / "serve.db")
    served.start()
    try:
        yield served
    finally:
        served.stop()


@contextlib.contextmanager
def open_page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context (its own sessionStorage); fails on script errors and CSP
    violations seen while it was open."""
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert problems == []


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with open_page(browser) as opened:
        yield opened


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    if os.environ.get("OMNITRACK_SCREENSHOTS"):
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    return tmp_path
