"""``omnitrack demo`` end to end: the real command in a subprocess (stdout is a pipe, so it
plays the scripted conversation against its in-process server)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from frontdoor_support import ThreadedServer, token_for
from omnitrack_realtime.cli.demo import SCRIPT, run_script, run_web

ROOT = Path(__file__).resolve().parents[2]


def test_demo_script_completes_every_turn() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "omnitrack_realtime.cli.main", "demo", "--token-delay", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"omnitrack demo: {len(SCRIPT)} of {len(SCRIPT)} turns completed" in result.stderr
    out = result.stdout
    for text in SCRIPT:
        assert f"› {text}" in out
    assert "Added **Singapore Supplier**" in out or "Added **" in out
    assert "⚡ digital_twin_update" in out  # events received from /ws
    assert "suggestions:" in out


async def test_a_turn_that_fails_makes_the_demo_fail() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await run_script(token_delay=0, script=("Connect it to the moon",), out=out, err=err)
    assert code == 1
    assert "this turn did not complete" in out.getvalue()
    assert "0 of 1 turns completed" in err.getvalue()


def test_ctrl_c_exits_cleanly(tmp_path: Path) -> None:
    with ThreadedServer(tmp_path / "twin.db") as server:
        argv = ["listen", "--url", server.events_url, "--token", token_for()]
        process = subprocess.Popen(
            [sys.executable, "-m", "omnitrack_realtime.cli.main", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            assert process.stderr is not None
            first = process.stderr.readline()  # blocks until the command is listening
            assert first.startswith("omnitrack: listening on"), first
            process.send_signal(signal.SIGINT)
            _out, err = process.communicate(timeout=30)
        finally:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in err


async def test_demo_web_opens_the_console_signed_in_through_the_fragment() -> None:
    opened: list[str] = []
    stop = asyncio.Event()
    err = io.StringIO()

    def no_browser(link: str) -> bool:
        opened.append(link)
        return False  # as on a machine without one: the link is printed

    task = asyncio.create_task(run_web(token_delay=0, open_browser=no_browser, stop=stop, err=err))
    while not opened:
        await asyncio.wait([task], timeout=0.05)  # until the server is up and the link made
        assert not task.done(), err.getvalue()
    [link] = opened
    parts = urlsplit(link)
    assert not parts.query and parts.path == "/"  # the token is never in a query string
    token = parts.fragment.removeprefix("token=")

    def get(path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(f"http://{parts.netloc}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()

    status, page = await asyncio.to_thread(get, "/", {})
    assert status == 200 and b"app.js" in page
    status, twin = await asyncio.to_thread(get, "/api/twin", {"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(twin)["nodes"] == []
    stop.set()
    assert await asyncio.wait_for(task, 30) == 0
    printed = err.getvalue()
    assert f"the web console is at http://{parts.netloc}/" in printed
    assert link in printed  # only because no browser could be opened
