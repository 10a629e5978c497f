"""Development mode: given no token at all, ``chat`` and ``listen`` talking to a server on
this machine mint their own, as ``omnitrack publish`` does, from the secret that server uses
(``OMNITRACK_JWT_SECRET``, else the development secret), anew on every connection attempt;
never for another machine.

Each test gets a config directory of its own (``XDG_CONFIG_HOME``, see ``tests/conftest.py``)
with no development secret until it writes one.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path
from subprocess import PIPE

import pytest

from frontdoor_support import SECRET, USER, LocalServer, ThreadedServer, token_for
from omnitrack_realtime.cli.listen import run_listen
from omnitrack_realtime.cli.main import main
from omnitrack_realtime.cli.options import connection_options
from omnitrack_realtime.cli.tokens import DevToken, is_loopback_url, token_expiry, token_subject
from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server import AuthConfig
from serve_process import run_omnitrack, serving

from .test_front_door import Said


def dev_secret(secret: str = SECRET) -> Path:
    """Write the development secret where ``omnitrack serve`` would keep it (mode 0600)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "omnitrack" / "dev-secret"
    path.parent.mkdir(mode=0o700, parents=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return path


def announcement(user: str, source: str) -> str:
    return (
        f"omnitrack: no token given and the server is on this machine: minting one for {user} "
        f"from {source} on every connect (development mode)"
    )


def chat_args(url: str | None = None, **flags: str | None) -> Namespace:
    values = {"url": url, "events_url": None, "user": None, "token": None, "token_command": None}
    return Namespace(**(values | flags))


def test_chat_mints_its_own_token_from_the_development_secret(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dev_secret()
    assert main(["chat", "--url", server.copilot_url, "help"]) == 0
    out, err = capsys.readouterr()
    assert "Scan for anomalies" in out
    assert err == announcement(getpass.getuser(), f"the development secret in {path}") + "\n"
    assert "eyJ" not in out + err  # no token (a JWT starts so) printed anywhere


def test_listen_mints_one_for_its_user_from_the_secret_in_the_environment(
    server: ThreadedServer,
) -> None:
    """The event is published to alice alone: it arrives only if the token is alice's."""
    command = [sys.executable, "-m", "omnitrack_realtime.cli.main", "listen", "--count", "1"]
    # OMNITRACK_JWT_SECRET as serve, token and publish read it
    env = {**os.environ, "OMNITRACK_JWT_SECRET": SECRET, "OMNITRACK_USER": "alice"}
    alert = {"severity": "high", "message": "for alice"}
    with subprocess.Popen(
        [*command, "--url", server.events_url], env=env, stdout=PIPE, stderr=PIPE, text=True
    ) as process:
        try:
            for _ in range(200):  # it subscribes asynchronously: publish until it has one
                server.publish("alert_notification", alert, user="alice")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.05)
                    break
        finally:
            if process.poll() is None:
                process.kill()
            out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert out.splitlines()[0].endswith("[high]  for alice")
    lines = err.splitlines()
    assert lines[0] == announcement("alice", "OMNITRACK_JWT_SECRET")
    assert lines[1].startswith("omnitrack: listening on ")
    assert "eyJ" not in out + err


async def test_a_minted_token_is_minted_again_so_a_long_listen_never_expires(
    tmp_path: Path,
) -> None:
    """A server with no leeway closes the connection (4401) once the token expires; the
    reconnect mints a fresh one and listening goes on, where a fixed token ends the command
    ('the token expired at ...')."""
    strict = AuthConfig(secret=SECRET, leeway=0)
    server = await LocalServer(tmp_path / "twin.db", auth=strict).start()
    minted: list[str] = []

    class Counted(DevToken):
        def __call__(self) -> str:
            minted.append(super().__call__())
            return minted[-1]

    provider = Counted(USER, strict, "a test secret", ttl=2)
    out, err = Said(), Said()
    task = asyncio.ensure_future(
        run_listen(server.events_url, user_id=None, token=provider, out=out, err=err)
    )
    try:
        await err.until("listening on")
        await err.until("omnitrack: reconnected")
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    said = err.getvalue()
    assert "the token expired" not in said
    assert len(minted) >= 2 and minted[0] != minted[-1]
    assert {token_subject(token) for token in minted} == {USER}
    first, last = token_expiry(minted[0]), token_expiry(minted[-1])
    assert first is not None and last is not None and last > first


def test_never_for_a_server_on_another_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    dev_secret()
    monkeypatch.setenv("OMNITRACK_JWT_SECRET", SECRET)
    for url, events_url in (
        ("ws://example.com:3001/copilot", None),
        ("ws://10.0.0.7:3001/copilot", None),
        ("ws://localhost.example.com/copilot", None),
        ("ws://127.0.0.1:3001/copilot", "ws://example.com/ws"),  # the chat UI's events too
    ):
        options = connection_options(chat_args(url, events_url=events_url))
        assert options.token is None and options.dev_token is None, url
        assert options.client_options()["token"] is None
    listen = connection_options(Namespace(url="wss://example.com/ws", user=None), events=True)
    assert listen.token is None and listen.dev_token is None


def test_a_token_given_in_any_way_is_used_as_it_is(tmp_path: Path) -> None:
    dev_secret()
    given = token_for("bob")
    assert connection_options(chat_args(token=given)).token == given
    from_env = connection_options(chat_args(), environ={"OMNITRACK_TOKEN": given})
    assert from_env.token == given and from_env.dev_token is None
    script = tmp_path / "token.py"
    script.write_text(f"print({given!r})\n")
    command = f"{sys.executable} {script}"
    for options in (
        connection_options(chat_args(token_command=command)),
        connection_options(chat_args(), environ={"OMNITRACK_TOKEN_COMMAND": command}),
    ):
        assert options.dev_token is None and options.token == given


def test_without_a_secret_nothing_is_minted_nor_created() -> None:
    options = connection_options(chat_args(), environ={})
    assert options.token is None and options.dev_token is None
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "omnitrack").exists()


def test_the_token_is_for_the_user_and_fresh_on_every_call() -> None:
    dev_secret()
    options = connection_options(chat_args(user="carol"), environ={})
    provider = options.dev_token
    assert provider is not None and options.user_id == "carol"
    assert token_subject(options.token) == "carol"
    token = provider()
    assert token_subject(token) == "carol"
    assert options.client_options()["token"] is provider  # called on every attempt
    assert "eyJ" not in repr(options) and SECRET not in repr(options)
    default = connection_options(chat_args(), environ={})
    assert token_subject(default.token) == getpass.getuser()


def test_a_short_secret_in_the_environment_is_refused_as_publish_refuses_it() -> None:
    with pytest.raises(ConfigurationError, match="OMNITRACK_JWT_SECRET is 5 bytes long"):
        connection_options(chat_args(), environ={"OMNITRACK_JWT_SECRET": "short"})


def test_a_server_with_another_secret_is_one_sentence(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dev_secret("a-development-secret-that-this-server-does-not-use")
    assert main(["chat", "--url", server.copilot_url, "--user", "alice", "hi"]) == 1
    out, err = capsys.readouterr()
    source = f"the development secret in {path}"
    assert out == ""
    assert err.splitlines() == [
        announcement("alice", source),
        f"omnitrack: the server at {server.copilot_url} refused the token minted for alice "
        f"from {source} (HTTP 401: token signature is invalid), so it does not use that "
        "secret; pass a token it accepts with --token or OMNITRACK_TOKEN",
    ]


def test_loopback_urls() -> None:
    for url in (
        "ws://localhost:3001/copilot",
        "ws://LOCALHOST/ws",
        "wss://localhost./ws",
        "ws://127.0.0.1:1/ws",
        "ws://127.8.9.10/ws",
        "ws://[::1]:3001/ws",
    ):
        assert is_loopback_url(url), url
    for url in (
        "ws://example.com/ws",
        "ws://10.0.0.1/ws",
        "ws://0.0.0.0:3001/ws",
        "ws://localhost.example.com/ws",
        "ws://127.0.0.1.example.com/ws",
        "ws://[::2]/ws",
        "ws://[::1/ws",
        "not a url",
    ):
        assert not is_loopback_url(url), url


async def test_development_mode_end_to_end(tmp_path: Path) -> None:
    """``omnitrack serve`` with no secret configured makes the development secret; ``chat``
    with no token, in another process, mints from it and is answered."""
    async with serving(tmp_path, None) as served:
        code, out, err = await run_omnitrack(
            served.env, "chat", "--url", f"{served.url}/copilot", "help"
        )
    assert code == 0, err
    assert "Scan for anomalies" in out
    path = tmp_path / "cfg" / "omnitrack" / "dev-secret"
    assert err.splitlines() == [
        announcement(getpass.getuser(), f"the development secret in {path}")
    ]
    assert path.read_text().strip() not in err
