"""The rough edges a new user hits, against real servers on loopback: refused locally with a
clear sentence (empty message, wrong endpoint, --user not the token's), an expired token named
as such, --token-command, -v after the subcommand, what listen says while it reconnects."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from frontdoor_support import AUTH, SECRET, USER, LocalServer, ThreadedServer, token_for
from omnitrack_realtime import ReconnectPolicy
from omnitrack_realtime.cli.listen import run_listen
from omnitrack_realtime.cli.main import build_parser, main
from omnitrack_realtime.cli.tokens import TokenCommand, expiry_words, token_expiry
from omnitrack_realtime.server import AuthConfig, mint_token


class Said(io.StringIO):
    """What a command wrote, with a wait for a text to appear (woken by each write, from any
    thread; bounded)."""

    def __init__(self) -> None:
        super().__init__()
        self._written = threading.Condition()

    def write(self, text: str) -> int:
        with self._written:
            count = super().write(text)
            self._written.notify_all()
            return count

    def wait_for(self, text: str, limit: float = 10.0) -> None:
        with self._written:
            found = self._written.wait_for(lambda: text in self.getvalue(), limit)
        assert found, f"timed out waiting for {text!r} in {self.getvalue()!r}"

    async def until(self, text: str, limit: float = 10.0) -> None:
        await asyncio.to_thread(self.wait_for, text, limit)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("message", ["", "   "])
def test_an_empty_message_is_refused_before_connecting(
    message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"ws://127.0.0.1:{_free_port()}/copilot"  # nothing listens: it must not matter
    assert main(["chat", "--url", url, message]) == 2
    assert _error_line(capsys) == (
        'omnitrack: the message is empty; say what to ask, e.g. omnitrack chat "Show the '
        'network summary" (or omnitrack chat alone for the chat UI)'
    )


def test_listen_on_the_chat_endpoint_fails_fast(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["listen", "--url", server.copilot_url, "--token", token_for()]) == 1
    assert time.monotonic() - started < 5
    assert _error_line(capsys) == (
        f"omnitrack: {server.copilot_url} is the chat endpoint; 'omnitrack listen' needs the "
        f"events endpoint /ws (try --url {server.events_url})"
    )


def test_chat_on_the_events_endpoint_fails_fast(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["chat", "--url", server.events_url, "--token", token_for(), "hi"]) == 1
    assert _error_line(capsys) == (
        f"omnitrack: {server.events_url} is the events endpoint; 'omnitrack chat' needs the "
        f"chat endpoint /copilot (try --url {server.copilot_url})"
    )


def test_a_user_that_is_not_the_tokens_is_refused(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = token_for("alice")
    assert main(["chat", "--url", server.copilot_url, "--user", "bob", "--token", alice, "hi"]) == 1
    assert _error_line(capsys) == (
        "omnitrack: --user bob does not match the token, which is for alice; drop --user, or "
        "use a token for bob (omnitrack token --user bob)"
    )
    monkeypatch.setenv("OMNITRACK_USER", "bob")
    monkeypatch.setenv("OMNITRACK_TOKEN", alice)
    assert main(["listen", "--url", server.events_url]) == 1
    assert "OMNITRACK_USER bob does not match the token" in _error_line(capsys)
    monkeypatch.setenv("OMNITRACK_USER", "alice")  # the token's own user is fine
    assert main(["chat", "--url", server.copilot_url, "hi"]) == 0


def test_verbose_works_before_and_after_the_subcommand() -> None:
    parser = build_parser()
    assert parser.parse_args(["-v", "listen"]).verbose is True
    assert parser.parse_args(["listen", "-v"]).verbose is True
    assert parser.parse_args(["chat", "hi", "--verbose"]).verbose is True
    assert parser.parse_args(["serve"]).verbose is False


def test_verbose_after_the_subcommand_logs_the_details() -> None:
    url = f"ws://127.0.0.1:{_free_port()}/ws"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    command = [sys.executable, "-m", "omnitrack_realtime.cli.main", "listen", "--url", url, "-v"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, env=env)
    assert done.returncode == 1
    assert f"INFO omnitrack_realtime: {url}: idle -> connecting" in done.stderr


def test_an_expired_token_from_the_environment_is_called_expired(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = time.time() - 7200
    monkeypatch.setenv("OMNITRACK_TOKEN", mint_token(USER, AUTH, ttl=3600, now=issued))
    assert main(["listen", "--url", server.events_url]) == 1
    line = _error_line(capsys)
    assert line == (
        f"omnitrack: the token expired at {expiry_words(int(issued) + 3600)}, so the server at "
        f"{server.events_url} refused it (HTTP 401: token has expired); get a new one "
        f"(omnitrack token --user {USER}), or pass --token-command 'omnitrack token --user "
        f"{USER}' to get a fresh one on every reconnect"
    )
    assert "giving up" not in line


async def test_listen_says_the_token_expired_when_it_expires_while_listening(
    tmp_path: Path,
) -> None:
    """No leeway on this server: a token with one second left is closed 4401 a second later;
    the retry with the same token is refused (401), and listen says it expired."""
    strict = AuthConfig(secret=SECRET, leeway=0)
    server = await LocalServer(tmp_path / "twin.db", auth=strict).start()
    try:
        token = mint_token(USER, strict, ttl=2)
        out, err = io.StringIO(), io.StringIO()
        code = await asyncio.wait_for(
            run_listen(server.events_url, user_id=None, token=token, out=out, err=err), 10
        )
    finally:
        await server.stop()
    assert code == 1
    lines = err.getvalue().splitlines()
    assert lines[0] == f"omnitrack: listening on {server.events_url} (Ctrl-C stops)"
    assert lines[-1] == (
        f"omnitrack: the token expired at {expiry_words(token_expiry(token) or 0)}, so the "
        f"server at {server.events_url} refused it (HTTP 401: token has expired); get a new one "
        f"(omnitrack token --user {USER}), or pass --token-command 'omnitrack token --user "
        f"{USER}' to get a fresh one on every reconnect"
    )
    assert "giving up" not in err.getvalue()


def _token_command(tmp_path: Path, token: str) -> tuple[str, Path]:
    """A shell command printing ``token`` and counting its runs in a file."""
    runs = tmp_path / "runs"
    script = tmp_path / "token.py"
    script.write_text(
        f"import pathlib\np = pathlib.Path({str(runs)!r})\n"
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        f"print({token!r})\n"
    )
    return f"{sys.executable} {script}", runs


def test_token_command_is_run_on_every_reconnect(tmp_path: Path, server: ThreadedServer) -> None:
    command, runs = _token_command(tmp_path, token_for())
    out, err = io.StringIO(), Said()
    policy = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.05, jitter=0)
    provider = TokenCommand(command)
    provider.first()
    started: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Task[int]]]
    started = concurrent.futures.Future()

    async def listen() -> int:
        task = asyncio.ensure_future(
            run_listen(
                server.events_url, user_id=None, token=provider, out=out, err=err, reconnect=policy
            )
        )
        started.set_result((asyncio.get_running_loop(), task))
        try:
            return await task
        except asyncio.CancelledError:
            return 130

    executor = concurrent.futures.ThreadPoolExecutor(1)
    future = executor.submit(asyncio.run, listen())
    executor.shutdown(wait=False)
    loop, task = started.result(timeout=10)
    err.wait_for("listening on")
    assert runs.read_text() == "x"  # the first attempt used the token fetched up front
    server.stop()
    server.start()
    err.wait_for("omnitrack: reconnected")
    assert len(runs.read_text()) >= 2  # run again for the reconnect
    loop.call_soon_threadsafe(task.cancel)
    assert future.result(timeout=10) == 130
    assert token_for() not in err.getvalue()


def test_a_failing_token_command_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = f"{sys.executable} -c \"import sys; sys.exit('no session: log in first')\""
    assert main(["chat", "--url", "ws://127.0.0.1:1/copilot", "--token-command", command, "x"]) == 1
    assert _error_line(capsys) == (
        f"omnitrack: --token-command {command!r} failed (exit status 1): no session: log in first"
    )


def test_token_command_from_the_environment(
    tmp_path: Path,
    server: ThreadedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, runs = _token_command(tmp_path, token_for())
    monkeypatch.setenv("OMNITRACK_TOKEN", "an-old-fixed-token")  # the command wins over it
    monkeypatch.setenv("OMNITRACK_TOKEN_COMMAND", command)
    assert main(["chat", "--url", server.copilot_url, "help"]) == 0
    assert "Scan for anomalies" in capsys.readouterr().out
    assert runs.read_text() == "x"


def test_token_and_token_command_together_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["chat", "--token", "t", "--token-command", "echo t", "hi"]
    assert main(argv) == 1
    assert _error_line(capsys) == "omnitrack: pass --token or --token-command, not both"


async def test_listen_says_when_it_retries_and_reconnects_promptly(tmp_path: Path) -> None:
    """The backoff would wait an hour; the server watch sees the server back and retries."""
    server = await LocalServer(tmp_path / "twin.db").start()
    hourly = ReconnectPolicy(max_attempts=None, initial_delay=3600, max_delay=3600, jitter=0)
    out, err = io.StringIO(), Said()
    task = asyncio.ensure_future(
        run_listen(
            server.events_url,
            user_id=None,
            token=token_for(),
            out=out,
            err=err,
            reconnect=hourly,
            probe_interval=0.02,
        )
    )
    try:
        await err.until("listening on")
        await server.stop()
        await err.until("connection lost")
        await server.start()
        await err.until("omnitrack: reconnected")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    said = err.getvalue().splitlines()
    assert said[1] == (
        "omnitrack: connection lost (the server closed the connection with code 1001 (server "
        "shutting down)); retrying in 3600 s"
    )
    assert said[-1] == "omnitrack: reconnected"


async def test_listen_says_still_no_connection_between_retries(tmp_path: Path) -> None:
    server = await LocalServer(tmp_path / "twin.db").start()
    quick = ReconnectPolicy(max_attempts=None, initial_delay=0.01, max_delay=0.01, jitter=0)
    out, err = io.StringIO(), Said()
    task = asyncio.ensure_future(
        run_listen(
            server.events_url,
            user_id=None,
            token=token_for(),
            out=out,
            err=err,
            reconnect=quick,
            probe_interval=None,
        )
    )
    try:
        await err.until("listening on")
        await server.stop()
        await err.until("still no connection")
        await server.start()
        await err.until("omnitrack: reconnected")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    still = next(line for line in err.getvalue().splitlines() if "still no connection" in line)
    assert still.startswith("omnitrack: still no connection (network error: ")
    assert "); retrying in 0.01 s (attempt " in still


async def test_greetings_get_a_friendly_answer_and_links_the_same_arrows(tmp_path: Path) -> None:
    """The answer and the twin event of one turn draw a link alike: ↔ two-way, → one-way."""
    from omnitrack_realtime import CopilotClient, EventClient
    from omnitrack_realtime.cli.render import event_line

    server = await LocalServer(tmp_path / "twin.db").start()
    token = token_for()
    try:
        async with (
            CopilotClient(server.copilot_url, token=token) as copilot,
            EventClient(server.events_url, token=token) as events,
        ):
            subscribed = asyncio.Event()
            events.subscribe("subscribed", lambda _event: subscribed.set())
            updates = events.listen("digital_twin_update")
            await asyncio.wait_for(subscribed.wait(), 5)  # the server has our subscription
            hello = await copilot.ask("hi", timeout=10)
            assert hello.metadata.get("intent") == "smalltalk"
            assert "supply-chain copilot" in hello.content
            await copilot.ask("Add a warehouse in Rotterdam and a supplier in Shanghai", timeout=10)
            both = await copilot.ask(
                "Connect Rotterdam Warehouse to Shanghai Supplier both ways", timeout=10
            )
            await copilot.ask("Add a plant in Berlin", timeout=10)
            one = await copilot.ask("Connect Shanghai Supplier to Berlin Plant", timeout=10)
            links: list[str] = []  # the events' lines about a new link
            async with asyncio.timeout(5):
                async for event in updates:
                    line = event_line(event.type, event.data)
                    if "connection added" in line:
                        links.append(line)
                    if len(links) == 2:
                        break
    finally:
        await server.stop()
    assert "↔" in both.content and "→" not in both.content
    # "connect the warehouse to the supplier" names two nodes; goods flow from the supplier.
    assert links[0].endswith("connection added sup-2 ↔ wh-1")
    assert "→" in one.content and "↔" not in one.content
    assert links[1].endswith("connection added sup-2 → mfg-3")
