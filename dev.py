#!/usr/bin/env python3
"""Set up and run the project with nothing but Python >= 3.11.

    python3 dev.py demo            # chat with the supply-chain copilot in your terminal
    python3 dev.py test            # lint, type-check and run the whole test suite
    python3 dev.py omnitrack ARGS  # any omnitrack command, e.g. omnitrack serve

All create ``.venv`` and install the project into it on first use (again only when
``pyproject.toml`` changes), so they are idempotent and fast when run again. Extra arguments
after ``test`` go to pytest (lint and type-check still run first; ``--fast`` skips them);
after ``demo``, to ``omnitrack demo``. For the bare ``omnitrack`` command, put ``.venv/bin``
on your PATH: ``source .venv/bin/activate``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".omnitrack-installed"
#: The browser the console's tests drive (Debian's package; Playwright never downloads one).
CHROMIUM = Path(os.environ.get("OMNITRACK_CHROMIUM", "/usr/bin/chromium"))


def _say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def _run(*args: str | Path) -> int:
    return subprocess.call([str(arg) for arg in args], cwd=ROOT)


def ensure_env() -> None:
    """Create the virtual environment and install the project, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file runs before the venv exists)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        _say(f"creating {VENV.name}/")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(
                f"could not create {VENV.name}/ ({exc}); this Python lacks venv or ensurepip "
                "(on Debian or Ubuntu: apt install python3-venv), then run this again"
            )
    _say("installing the project and its test tools (first run only)")
    quiet = ["--quiet", "--disable-pip-version-check"]
    if _run(PYTHON, "-m", "pip", "install", *quiet, "--upgrade", "pip") != 0:
        sys.exit("could not upgrade pip in .venv")
    if _run(PYTHON, "-m", "pip", "install", *quiet, "-e", ".[dev]") != 0:
        sys.exit("could not install the project into .venv")
    STAMP.write_text(wanted)


def ensure_browser() -> None:
    """Install Debian's Chromium for the browser tests (tests/web) when it is missing and this
    is a Debian-like system we administer; elsewhere those tests are skipped (not in CI)."""
    if CHROMIUM.exists() or shutil.which("apt-get") is None:
        return
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        _say(f"no {CHROMIUM}: the browser tests will be skipped (sudo apt-get install chromium)")
        return
    _say("installing Chromium for the browser tests (apt-get install chromium, first run only)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        if subprocess.call(command, env=env, stdout=subprocess.DEVNULL) != 0:
            _say(f"'{' '.join(command)}' failed: the browser tests cannot run")
            return


def test(extra: list[str]) -> int:
    ensure_env()
    ensure_browser()
    code = [name for name in ("src", "tests", "bench", "tools", "dev.py") if (ROOT / name).exists()]
    steps: list[tuple[str, list[str | Path]]] = [
        ("ruff", [BIN / "ruff", "check", *code]),
        ("ruff format", [BIN / "ruff", "format", "--check", *code]),
        ("mypy --strict src", [BIN / "mypy"]),
    ]
    fast = "--fast" in extra
    extra = [arg for arg in extra if arg != "--fast"]
    if fast:
        _say("--fast: ruff and mypy skipped")
    else:
        for name, command in steps:
            _say(name)
            if _run(*command) != 0:
                _say(f"{name} failed")
                return 1
    _say("pytest")
    return _run(PYTHON, "-m", "pytest", *extra)


def demo(extra: list[str]) -> int:
    ensure_env()
    return _run(BIN / "omnitrack", "demo", *extra)


def omnitrack(extra: list[str]) -> int:
    """Any ``omnitrack`` command without activating the environment."""
    ensure_env()
    return subprocess.call([str(BIN / "omnitrack"), *extra])  # in the caller's directory


def main(argv: list[str]) -> int:
    commands = {"test": test, "demo": demo, "omnitrack": omnitrack}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
