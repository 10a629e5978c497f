"""The README is true: its Python examples run against a local server, its commands exist, and
the error texts it quotes are the ones our commands print."""

from __future__ import annotations

import asyncio
import http
import logging
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdoor_support import AUTH, USER, ThreadedServer, token_for
from omnitrack_realtime import CopilotClient, ReconnectPolicy
from omnitrack_realtime.cli.main import build_parser, main
from omnitrack_realtime.cli.recovery import SLOW_RETRY
from omnitrack_realtime.cli.tokens import expiry_words
from omnitrack_realtime.server import AuthConfig, mint_token
from omnitrack_realtime.tui.app import RETRY_HINT
from omnitrack_realtime.tui.view import ConnectionView, status_line

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The url the README's examples of error texts use; tests substitute their own server's.
README_BASE = "ws://localhost:3001"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    with ThreadedServer(tmp_path_factory.mktemp("readme") / "twin.db") as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("OMNITRACK_", "NEXT_PUBLIC_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _restore_log_level() -> Iterator[None]:
    """The commands quiet the library's logger for the process; give other tests theirs back."""
    logger = logging.getLogger("omnitrack_realtime")
    level = logger.level
    yield
    logger.setLevel(level)


def test_the_readme_has_an_async_and_a_sync_example() -> None:
    examples = _blocks("python")
    assert len(examples) == 3
    async_example, sync_example, _history = examples
    assert "asyncio.run(main())" in async_example
    assert len(async_example.strip().splitlines()) <= 25
    assert "omnitrack_realtime.sync" in sync_example
    assert len(sync_example.strip().splitlines()) <= 10


@pytest.mark.parametrize("index", [0, 1], ids=["async", "sync"])
def test_the_python_examples_run_against_a_local_server(server: ThreadedServer, index: int) -> None:
    code = _blocks("python")[index]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    env |= {
        "OMNITRACK_COPILOT_WS_URL": server.copilot_url,
        "OMNITRACK_WS_URL": server.events_url,
        "OMNITRACK_TOKEN": token_for(USER),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "anomal" in result.stdout.lower()  # both end with "Scan for anomalies"


def test_the_history_example_resumes_its_conversation(
    server: ThreadedServer, tmp_path: Path
) -> None:
    code = _blocks("python")[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    env |= {"OMNITRACK_COPILOT_WS_URL": server.copilot_url, "OMNITRACK_TOKEN": token_for(USER)}
    outputs = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.splitlines())
    assert outputs[0] == ["0 messages restored", "Scan for anomalies 2"]
    assert outputs[1] == ["2 messages restored", "Scan for anomalies 4"]
    assert (tmp_path / "history.db").exists()


def _shell_lines() -> list[str]:
    lines = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                lines.append(command)
    return lines


def test_the_two_set_up_commands_exist_and_ci_runs_the_test_one() -> None:
    lines = _shell_lines()
    assert lines[:2] == ["python3 dev.py demo", "python3 dev.py test"]
    dev = (ROOT / "dev.py").read_text(encoding="utf-8")
    assert '"test": test' in dev and '"demo": demo' in dev and '"omnitrack": omnitrack' in dev


def test_the_path_is_set_where_the_first_command_is_typed() -> None:
    """A fresh clone has no omnitrack on its PATH: the README says how, before the first bare
    omnitrack command, and shows the way needing nothing (python3 dev.py omnitrack)."""
    lines = _shell_lines()
    first = next(i for i, line in enumerate(lines) if line.startswith("omnitrack "))
    assert lines[first - 1] == "source .venv/bin/activate"
    assert lines[first] == "omnitrack serve"
    assert "`python3 dev.py omnitrack serve`" in README
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_omnitrack_command_in_the_readme_parses() -> None:
    parser = build_parser()
    commands = [line for line in _shell_lines() if line.startswith("omnitrack ")]
    assert {shlex.split(c)[1] for c in commands} >= {"serve", "token", "chat", "listen"}
    for command in commands:
        args = shlex.split(command)[1:]
        assert isinstance(parser.parse_args(args), Namespace), command


def test_every_linked_file_exists() -> None:
    for target in re.findall(r"\]\(([^)#]+)", README):
        if "://" not in target:
            assert (ROOT / target).exists(), target
    for path in re.findall(r"`(bench/[\w.]+\.py)`", README):
        assert (ROOT / path).exists(), path


def _quoted(prefix: str) -> list[str]:
    return [text for text in re.findall(r"`([^`\n]+)`", README) if text.startswith(prefix)]


def _readme_error(fragment: str) -> str:
    matches = [text for text in _quoted("omnitrack: ") if fragment in text]
    assert len(matches) == 1, fragment
    return matches[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _printed_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    return capsys.readouterr().err.strip()


def test_server_not_running_text(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    quoted = _readme_error("is the server running?")
    expected = quoted.replace(README_BASE, f"ws://127.0.0.1:{port}").replace(
        "('127.0.0.1', 3001)", f"('127.0.0.1', {port})"
    )
    url = f"ws://127.0.0.1:{port}/copilot"
    assert _printed_error(capsys, ["chat", "--url", url, "--token", "t", "hi"]) == expected


def test_wrong_path_text(server: ThreadedServer, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _readme_error("(HTTP 404)").replace(README_BASE, server.url)
    argv = ["chat", "--url", f"{server.url}/chat", "--token", token_for(), "hi"]
    assert _printed_error(capsys, argv) == expected


def test_not_a_websocket_url_text(capsys: pytest.CaptureFixture[str]) -> None:
    expected = _readme_error("is not a WebSocket url")
    argv = ["chat", "--url", "http://localhost:3001/copilot", "hi"]
    assert _printed_error(capsys, argv) == expected


def test_bad_token_text(server: ThreadedServer, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _readme_error("(HTTP 401: token signature").replace(README_BASE, server.url)
    other = AuthConfig(secret="another-secret-that-is-long-enough-for-hs256")
    argv = ["chat", "--url", server.copilot_url, "--token", mint_token(USER, other), "hi"]
    assert _printed_error(capsys, argv) == expected


def test_expired_token_text(server: ThreadedServer, capsys: pytest.CaptureFixture[str]) -> None:
    issued = time.time() - 7200  # expired an hour ago, well past the server's leeway
    token = mint_token(USER, AUTH, ttl=3600, now=issued)
    expected = (
        _readme_error("(HTTP 401: token has expired)")
        .replace(README_BASE, server.url)
        .replace("14:02:07", expiry_words(int(issued) + 3600))
        .replace("alice", USER)
    )
    argv = ["chat", "--url", server.copilot_url, "--token", token, "hi"]
    assert _printed_error(capsys, argv) == expected


def test_wrong_endpoint_text(capsys: pytest.CaptureFixture[str]) -> None:
    expected = _readme_error("is the chat endpoint")
    assert _printed_error(capsys, ["listen", "--url", f"{README_BASE}/copilot"]) == expected


def test_user_not_the_tokens_text(capsys: pytest.CaptureFixture[str]) -> None:
    expected = _readme_error("does not match the token")
    argv = ["chat", "--user", "bob", "--token", token_for("alice"), "hi"]
    assert _printed_error(capsys, argv) == expected


async def test_forbidden_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The reference server answers 403 to a browser origin it does not allow; the CLI sends
    no Origin, so a server that refuses like that one stands in for it."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.http11 import Request, Response

    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(http.HTTPStatus.FORBIDDEN, "origin not allowed\n")

    async def never(connection: ServerConnection) -> None:
        raise AssertionError("the handshake was refused")

    async with serve(never, "127.0.0.1", 0, process_request=refuse) as forbidding:
        port = next(iter(forbidding.sockets)).getsockname()[1]
        base = f"ws://127.0.0.1:{port}"
        expected = _readme_error("(HTTP 403").replace(README_BASE, base)
        argv = ["chat", "--url", f"{base}/copilot", "--token", token_for(), "hi"]
        code = await asyncio.to_thread(main, argv)
    assert code == 1
    assert capsys.readouterr().err.strip() == expected


def test_status_bar_texts() -> None:
    offline = ConnectionView(
        "reconnecting", attempt=3, max_attempts=5, retry_at=4.0, queued=1, hint=RETRY_HINT
    )
    assert f"`{status_line(offline, now=0.0)}`" in README


async def test_failed_after_retries_text() -> None:
    port = _free_port()
    quoted = next(text for text in _quoted("✖ failed: "))
    expected = quoted.replace(README_BASE, f"ws://127.0.0.1:{port}").replace(
        "('127.0.0.1', 3001)", f"('127.0.0.1', {port})"
    )
    policy = ReconnectPolicy(max_attempts=5, initial_delay=0.001, max_delay=0.001, jitter=0)
    client = CopilotClient(f"ws://127.0.0.1:{port}/copilot", token="t", reconnect=policy)
    await client.connect()
    await asyncio.wait_for(client.connection.wait_for_state(client.state.FAILED), 10)
    view = ConnectionView(
        "failed", error=str(client.connection.error), retry_at=SLOW_RETRY, hint=RETRY_HINT
    )
    assert status_line(view, now=0.0) == expected
    await client.disconnect()
