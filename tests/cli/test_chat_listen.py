"""``omnitrack chat`` and ``omnitrack listen`` run in-process against a real loopback server."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from frontdoor_support import USER, ThreadedServer, token_for
from omnitrack_realtime import ReconnectPolicy
from omnitrack_realtime.cli.listen import run_listen
from omnitrack_realtime.cli.main import main


def test_chat_one_turn_prints_the_answer_then_suggestions(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["chat", "--url", server.copilot_url, "--token", token_for(), "help"])
    out, err = capsys.readouterr()
    assert code == 0, err
    answer, _, suggestions = out.partition("\nSuggestions:\n")
    assert "Scan for anomalies" in answer
    lines = suggestions.splitlines()
    assert 1 <= len(lines) <= 4
    assert lines[0].startswith("  1. ")
    assert err == ""


def test_chat_reads_url_user_and_token_from_the_environment(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXT_PUBLIC_COPILOT_WS_URL", server.copilot_url)  # the seed's name
    monkeypatch.setenv("OMNITRACK_TOKEN", token_for())
    monkeypatch.setenv("OMNITRACK_USER", USER)
    assert main(["chat", "Show the network summary"]) == 0
    assert "network" in capsys.readouterr().out


def test_chat_json_prints_every_frame_as_a_json_line(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["chat", "--json", "--url", server.copilot_url, "--token", token_for(), "help"])
    out, err = capsys.readouterr()
    assert code == 0, err
    frames = [json.loads(line) for line in out.splitlines()]
    types = [frame["type"] for frame in frames]
    assert types[0] == "acknowledgment"
    assert "typing" in types
    assert types.index("stream_start") < types.index("stream_token")
    assert types.index("stream_complete") > types.index("stream_token")
    assert types[-1] == "suggestions"
    tokens = "".join(f["token"] for f in frames if f["type"] == "stream_token")
    assert "Scan for anomalies" in tokens


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _one_sentence_error(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("omnitrack: ")
    return lines[0]


def test_server_not_running_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"ws://127.0.0.1:{_free_port()}/copilot"
    assert main(["chat", "--url", url, "--token", "t", "hello"]) == 1
    line = _one_sentence_error(capsys)
    assert line.startswith(f"omnitrack: cannot connect to {url} (network error")
    assert line.endswith("is the server running? (start one with: omnitrack serve)")


def test_bad_token_is_one_sentence(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["chat", "--url", server.copilot_url, "--token", "not-a-jwt", "hello"]) == 1
    assert _one_sentence_error(capsys) == (
        f"omnitrack: the server at {server.copilot_url} refused the token (HTTP 401: token is "
        "malformed); pass a valid --token or set OMNITRACK_TOKEN (mint one with: omnitrack "
        "token --user NAME)"
    )


def test_wrong_path_is_one_sentence(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{server.url}/chat"
    assert main(["chat", "--url", url, "--token", token_for(), "hello"]) == 1
    assert _one_sentence_error(capsys) == (
        f"omnitrack: nothing answers WebSocket requests at {url} (HTTP 404); check the url's "
        "path (/copilot for chat, /ws for events)"
    )


def test_not_a_websocket_url_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--url", "http://localhost:3001/copilot", "hello"]) == 1
    assert _one_sentence_error(capsys) == (
        "omnitrack: 'http://localhost:3001/copilot' is not a WebSocket url; "
        "use ws://host:port/path or wss://..."
    )


def test_listen_errors_are_one_sentence_too(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"ws://127.0.0.1:{_free_port()}/ws"
    assert main(["listen", "--url", url, "--token", "t"]) == 1
    assert _one_sentence_error(capsys).startswith(f"omnitrack: cannot connect to {url}")


def _run_in_thread(function: Any, *args: Any) -> concurrent.futures.Future[Any]:
    executor = concurrent.futures.ThreadPoolExecutor(1)
    future = executor.submit(function, *args)
    executor.shutdown(wait=False)
    return future


def _publish_until_done(
    server: ThreadedServer, future: concurrent.futures.Future[Any], event_type: str, data: Any
) -> Any:
    """Publish until the command under test has what it waits for (it subscribes
    asynchronously, so early events may precede its subscription); bounded at 10 s."""
    for _ in range(200):
        server.publish(event_type, data)
        try:
            return future.result(timeout=0.05)
        except concurrent.futures.TimeoutError:
            continue
    raise AssertionError("the command never finished")


def test_listen_prints_a_line_per_event(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["listen", "alert_notification", "--count", "1", "--url", server.events_url]
    future = _run_in_thread(main, [*argv, "--token", token_for()])
    alert = {"severity": "high", "message": "Port of Rotterdam closed"}
    assert _publish_until_done(server, future, "alert_notification", alert) == 0
    out, err = capsys.readouterr()
    line = out.splitlines()[0]
    assert line.endswith("  alert_notification  [high]  Port of Rotterdam closed")
    assert "listening on" in err


def test_listen_json(server: ThreadedServer, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["listen", "--json", "--count", "1", "--url", server.events_url]
    future = _run_in_thread(main, [*argv, "--token", token_for()])
    assert _publish_until_done(server, future, "agent_status", {"agent": "a"}) == 0
    event = json.loads(capsys.readouterr().out.splitlines()[0])
    assert event["type"] == "agent_status"
    assert event["data"] == {"agent": "a"}
    assert isinstance(event["timestamp"], str)


def test_listen_reconnects_and_says_so(server: ThreadedServer) -> None:
    out, err = io.StringIO(), io.StringIO()
    policy = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.05, jitter=0)
    started: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Task[int]]]
    started = concurrent.futures.Future()

    async def listen_until_cancelled() -> int:
        task = asyncio.ensure_future(
            run_listen(
                server.events_url,
                user_id=USER,
                token=token_for(),
                out=out,
                err=err,
                reconnect=policy,
            )
        )
        started.set_result((asyncio.get_running_loop(), task))
        try:
            return await task
        except asyncio.CancelledError:  # what Ctrl-C does to the command
            return 130

    future = _run_in_thread(asyncio.run, listen_until_cancelled())
    loop, task = started.result(timeout=10)

    def publish_until_shown(marker: str) -> None:
        for _ in range(200):  # bounded: 200 x 0.05 s
            server.publish("agent_status", {"marker": marker})
            if marker in out.getvalue():
                return
            concurrent.futures.wait([future], timeout=0.05)
        raise AssertionError(f"{marker} never shown")

    publish_until_shown("before")
    server.stop()
    server.start()  # same port
    publish_until_shown("after")
    loop.call_soon_threadsafe(task.cancel)
    assert future.result(timeout=10) == 130
    said = err.getvalue()
    assert "omnitrack: connection lost (the server closed the connection with code 1001" in said
    assert "); retrying in " in said
    assert "omnitrack: reconnected" in said


def test_chat_ui_without_a_terminal_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat"]) == 2  # pytest's stdin and stdout are not terminals
    assert capsys.readouterr().err == (
        "omnitrack: the chat UI needs a terminal; pass a MESSAGE for one turn\n"
    )


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_server_error_is_reported_and_fails_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    with ThreadedServer(tmp_path / "twin.db", max_message_chars=5) as small:
        flags = ["--json"] if as_json else []
        argv = ["chat", *flags, "--url", small.copilot_url, "--token", token_for(), "too long"]
        assert main(argv) == 1
    out, err = capsys.readouterr()
    if as_json:
        assert json.loads(out.splitlines()[-1])["type"] == "error"
    else:
        assert "Sorry, I encountered an error processing your request." in out
        assert err == "omnitrack: Message is too long (max 5 characters)\n"


def test_a_missing_extra_is_one_sentence_and_other_commands_still_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib

    real_import = importlib.import_module

    def without_serve(name: str, package: str | None = None) -> Any:
        if name.endswith(".cli.serve"):
            raise ModuleNotFoundError("No module named 'jwt'", name="jwt")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_serve)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "omnitrack: 'serve' needs jwt; install 'omnitrack-realtime[server]'\n"
    )
    assert main(["chat", "--url", "http://x/copilot", "hi"]) == 1  # chat is still there


async def test_a_server_that_never_answers_does_not_hold_the_command_after_its_timeout() -> None:
    """`omnitrack chat MESSAGE --timeout S` against a server that accepted the connection and
    then stopped answering: the command ends soon after S, not after a further close
    handshake timeout (10 s by default) spent waiting for a close frame that never comes."""
    from websockets.asyncio.server import ServerConnection, serve

    from omnitrack_realtime.cli.chat import run_turn
    from omnitrack_realtime.cli.options import ConnectionOptions

    async def silent(ws: ServerConnection) -> None:
        ws.transport.pause_reading()  # alive, but reads (and answers) nothing
        await ws.wait_closed()

    async with serve(silent, "127.0.0.1", 0, close_timeout=0.1) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        options = ConnectionOptions(
            copilot_url=f"ws://127.0.0.1:{port}/copilot",
            events_url=f"ws://127.0.0.1:{port}/ws",
            user_id=None,
            token=None,
        )
        out, err = io.StringIO(), io.StringIO()
        turn = run_turn(options, "hello", answer_timeout=0.05, out=out, err=err)
        code = await asyncio.wait_for(turn, 5)
    assert code == 1
    assert "no complete answer within 0.05 s" in err.getvalue()


async def test_chat_turn_output_cannot_drive_the_terminal() -> None:
    """The answer and suggestions come from the server (and an answer may echo what a model was
    told to say): escape sequences in them are shown, not executed; newlines stay."""
    from websockets.asyncio.server import ServerConnection, serve

    from omnitrack_realtime.cli.chat import run_turn
    from omnitrack_realtime.cli.options import ConnectionOptions

    async def answer(ws: ServerConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            reply = {"type": "message", "content": "hi\x1b[2J there\nline 2", "conversationId": "c"}
            await ws.send(json.dumps(reply))
            chips = {"type": "suggestions", "suggestions": ["next\x1b]0;pwned\x07"]}
            await ws.send(json.dumps(chips | {"conversationId": "c"}))
            assert frame["action"] == "message"

    async with serve(answer, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        options = ConnectionOptions(
            copilot_url=f"ws://127.0.0.1:{port}/copilot",
            events_url=f"ws://127.0.0.1:{port}/ws",
            user_id=None,
            token=None,
        )
        out, err = io.StringIO(), io.StringIO()
        code = await asyncio.wait_for(run_turn(options, "hello", out=out, err=err), 5)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "hi\\x1b[2J there\nline 2" in text
    assert "1. next\\x1b]0;pwned\\x07" in text


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ws://[::1/copilot", "Invalid IPv6 URL"),
        ("ws://localhost:99999/copilot", "Port out of range"),
    ],
)
def test_a_malformed_url_is_one_sentence_not_a_traceback_or_retries(
    url: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A url urllib cannot parse raised ValueError (a traceback); an out-of-range port was
    retried five times and blamed on the server ('the handshake failed (ValueError)')."""
    assert main(["chat", "--url", url, "hello"]) == 1
    line = _one_sentence_error(capsys)
    assert "is not a WebSocket url" in line and why in line
    assert "is the server running" not in line


def test_a_malformed_url_is_a_configuration_error_in_the_library() -> None:
    from omnitrack_realtime import CopilotClient, EventClient
    from omnitrack_realtime.errors import ConfigurationError

    for url in ("ws://[::1/copilot", "ws://localhost:99999/copilot"):
        with pytest.raises(ConfigurationError, match="not a WebSocket url"):
            CopilotClient(url)
        with pytest.raises(ConfigurationError, match="not a WebSocket url"):
            EventClient(url)


def test_credentials_in_the_url_are_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    url = f"ws://alice:s3cret@127.0.0.1:{port}/copilot?token=t0ken"
    assert main(["chat", "--url", url, "hello"]) == 1
    line = _one_sentence_error(capsys)
    assert "s3cret" not in line and "t0ken" not in line
    assert "alice" not in line
    assert line.startswith(f"omnitrack: cannot connect to ws://127.0.0.1:{port}/copilot?… (")


async def test_listen_never_prints_the_credentials_of_its_url() -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def accept(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with serve(accept, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://alice:s3cret@127.0.0.1:{port}/ws?token=t0ken"
        out, err = io.StringIO(), io.StringIO()
        code = await run_listen(url, user_id=None, token=None, count=0, out=out, err=err)
    assert code == 0, err.getvalue()
    text = err.getvalue()
    assert f"omnitrack: listening on ws://127.0.0.1:{port}/ws" in text
    assert "s3cret" not in text and "alice" not in text and "t0ken" not in text


async def _stored(path: Path, url: str) -> list[tuple[str | None, int]]:
    from omnitrack_realtime.client.store import HistoryStore

    store = HistoryStore(path, owner="", server=url)
    try:
        return [(c.title, c.message_count) for c in await store.conversations()]
    finally:
        await store.close()


def test_chat_turns_continue_the_last_conversation_in_the_history_store(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from omnitrack_realtime.cli.chat import default_store_path

    store = default_store_path()
    assert store == Path(os.environ["XDG_DATA_HOME"]) / "omnitrack" / "history.db"
    base = ["chat", "--url", server.copilot_url, "--token", token_for()]
    assert main([*base, "help"]) == 0
    assert main([*base, "Show the network summary"]) == 0
    assert asyncio.run(_stored(store, server.copilot_url)) == [("help", 4)]
    assert main([*base, "--new", "help"]) == 0
    assert main([*base, "--no-store", "help"]) == 0  # kept nowhere
    assert asyncio.run(_stored(store, server.copilot_url)) == [("help", 2), ("help", 4)]
    capsys.readouterr()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is no database" * 50)
    assert main([*base, "--store", str(garbage), "help"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"omnitrack: the history store {garbage} cannot be used: ")
    assert err.rstrip().endswith("(or pass --no-store)") and "Traceback" not in err
    assert main([*base, "--new", "--conversation", "x", "help"]) == 2
