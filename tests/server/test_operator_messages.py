"""What the server tells its operator: an access log line per connection and per refused
handshake (never a token; both drivers), an unreachable Redis named with its cause, a short
secret refused, and a publish without the scope told how to get it."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from omnitrack_realtime.server.backplane import redact_redis_url
from omnitrack_realtime.server.redis_backplane import RedisBackplane

from .helpers import RunningServer, open_client, recv_json, send_json, token_for

ACCESS = "omnitrack_realtime.server.access"


class AccessLines(logging.Handler):
    """Collects the access log's lines; ``wait_for`` a count (woken by each record)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.loop = asyncio.get_running_loop()
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.loop.call_soon_threadsafe(self.changed.set)

    async def wait_for(self, count: int) -> list[str]:
        async with asyncio.timeout(5):
            while len(self.lines) < count:
                self.changed.clear()
                await self.changed.wait()
        return list(self.lines)


async def test_connections_and_refusals_are_logged_without_tokens(server: RunningServer) -> None:
    lines = AccessLines()
    logger = logging.getLogger(ACCESS)
    logger.addHandler(lines)
    level = logger.level
    logger.setLevel(logging.INFO)
    token = token_for("alice")
    try:
        async with open_client(server, "/copilot", token=token) as ws:
            await send_json(ws, {"action": "ping"})
            await recv_json(ws)
        bad = f"{token}x"
        with pytest.raises(InvalidStatus):
            async with connect(f"{server.url}/ws?token={bad}"):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{server.url}/nowhere", additional_headers={"X": token}):
                pass
        logged = await lines.wait_for(4)
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
    opened = next(line for line in logged if line.startswith("open "))
    assert opened.startswith("open /copilot user=alice peer=127.0.0.1:")
    closed = next(line for line in logged if line.startswith("close "))
    assert closed.startswith("close /copilot user=alice peer=127.0.0.1:")
    assert " code=1000 duration=" in closed and closed.endswith("s")
    refused = [line for line in logged if line.startswith("refuse ")]
    assert refused[0].startswith("refuse /ws peer=127.0.0.1:")
    assert refused[0].endswith('status=401 reason="token signature is invalid"')
    assert refused[1].startswith("refuse /nowhere peer=127.0.0.1:")
    assert refused[1].endswith('status=404 reason="not found"')
    text = "\n".join(logged)
    assert token not in text and token.split(".")[2] not in text


async def test_publish_without_the_scope_says_how_to_get_it(server: RunningServer) -> None:
    async with open_client(server, "/ws", token=token_for("alice")) as ws:
        await send_json(ws, {"action": "publish", "eventType": "agent_status", "data": {}})
        while (reply := await recv_json(ws))["type"] != "error":
            pass
    assert reply["data"]["code"] == "forbidden"
    assert reply["data"]["error"] == (
        "Publishing needs the 'events:publish' scope; use a token that has it, e.g. "
        "omnitrack token --user alice --scope events:publish"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_an_unreachable_redis_is_named_with_its_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = _free_port()
    backplane = RedisBackplane(f"redis://ops:s3cret@127.0.0.1:{port}/0")

    async def deliver(_event: object) -> None:
        return None

    async def resync(*_args: object) -> None:
        return None

    with caplog.at_level(logging.WARNING):
        await backplane.start(deliver, resync)  # degraded, not fatal
    assert not backplane.available
    await backplane.close()
    text = caplog.records[-1].getMessage()
    assert text.startswith(f"cannot reach Redis at redis://ops@127.0.0.1:{port}/0 (")
    assert "Connect call failed" in text or "Connection refused" in text
    assert "check --redis-url and that Redis is running there" in text
    assert "s3cret" not in text


def test_redis_urls_lose_their_password() -> None:
    assert redact_redis_url("redis://:pw@cache:6380/1") == "redis://cache:6380/1"
    assert redact_redis_url("rediss://u:pw@[::1]:6379") == "rediss://u@[::1]:6379"
    assert redact_redis_url("unix:///run/redis.sock?db=0") == "unix:///run/redis.sock"


def _serve(tmp_path: Path, *args: str, secret: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNITRACK_")}
    env |= {"OMNITRACK_JWT_SECRET": secret, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    command = [sys.executable, "-m", "omnitrack_realtime.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, env=env)


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    for command in (["serve", "--port", "0", "--db", ":memory:"], ["token", "--user", "a"]):
        done = _serve(tmp_path, *command, secret="short-secret")
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == (
            "omnitrack: OMNITRACK_JWT_SECRET is 12 bytes long; HS256 needs at least 32 (make "
            "one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\n"
        )


def test_serve_with_an_unreachable_redis_starts_degraded_and_says_where_and_why(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNITRACK_")}
    env |= {"OMNITRACK_JWT_SECRET": "x" * 40, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    command = [sys.executable, "-m", "omnitrack_realtime.cli.main", "serve", "--port", "0"]
    command += ["--db", ":memory:", "--redis-url", f"redis://:pw@127.0.0.1:{port}/0"]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            assert "serving ws://" in process.stdout.readline()
        finally:
            process.terminate()
        stderr = process.stderr.read()
    warning = next(line for line in stderr.splitlines() if "cannot reach Redis" in line)
    assert f"redis://127.0.0.1:{port}/0 (" in warning
    assert "degraded" in warning and "pw" not in warning.replace("Redis", "")
    assert "Traceback" not in stderr
