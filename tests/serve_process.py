"""``omnitrack serve`` in a subprocess, and the other ``omnitrack`` commands against it, for the
end-to-end tests (``tests/test_e2e.py``, ``tests/engine/test_serve.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

READY = re.compile(r"serving (ws://\S+)")


@dataclass
class ServeProcess:
    process: asyncio.subprocess.Process
    url: str  # ws://HOST:PORT
    env: dict[str, str]


async def run_omnitrack(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run one ``omnitrack`` command to its end: (exit status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "omnitrack_realtime.cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path, secret: str | None, *, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[ServeProcess]:
    """``omnitrack serve`` on a free port with the database ``tmp_path / "serve.db"`` (fresh
    the first time), the rule engine and no token delay; yields once it says where it serves,
    and stops it (SIGTERM, then SIGKILL) after. ``secret`` None: nothing of the machine's
    OMNITRACK_ environment, the development secret. ``extra_env`` is added to the environment."""
    if secret is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    else:
        env = {**os.environ, "OMNITRACK_JWT_SECRET": secret}
    env.pop("OMNITRACK_CRASH_AT", None)
    env.update(extra_env or {})
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    env.pop("OMNITRACK_LLM_URL", None)  # the rule engine, whatever the machine says
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "omnitrack_realtime.cli.main",
        "serve",
        "--port",
        "0",
        "--db",
        str(tmp_path / "serve.db"),
        "--token-delay",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = READY.search(line)
        assert match, f"unexpected first line: {line!r}"
        yield ServeProcess(process, match[1], env)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
