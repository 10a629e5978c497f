"""The web console's HTTP side on every driver: the page and its files under a strict policy,
the twin snapshot behind a Bearer token, the console's own origin on its sockets, and
``console=False`` (``--no-console``) serving only the sockets. The page itself is tested in a
browser (``tests/web``)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.request
from email.message import Message
from html.parser import HTMLParser
from importlib import resources
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from omnitrack_realtime.server.console import content_security_policy

from .conftest import StartServer
from .helpers import AUTH, TIMEOUT, ScriptedEngine, token_for

SNAPSHOT = {"nodes": [{"id": "wh-1", "name": "Rotterdam Warehouse"}], "connections": []}


class TwinEngine(ScriptedEngine):
    """A scripted engine that also shows a twin (the seam's TwinView)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def twin_snapshot(self, user_id: str) -> dict[str, Any]:
        self.asked.append(user_id)
        return SNAPSHOT


Reply = tuple[int, Message, bytes]  # headers read case-insensitively, as HTTP means them


def _get(url: str, headers: dict[str, str] | None = None) -> Reply:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


async def get(url: str, headers: dict[str, str] | None = None) -> Reply:
    return await asyncio.to_thread(_get, url, headers)


async def test_the_page_and_its_files_go_out_under_a_strict_policy(
    start_server: StartServer,
) -> None:
    server = await start_server()
    status, headers, body = await get(server.http_url + "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="app.js">' in body
    policy = headers["Content-Security-Policy"]
    host = server.http_url.removeprefix("http://")
    assert policy == content_security_policy(host)
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert f"connect-src 'self' ws://{host} wss://{host};" in policy
    assert "unsafe" not in policy and "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, headers, body = await get(server.http_url + "/app.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "Content-Security-Policy" in headers
    for path in ("/nope.js", "/..%2fconsole.py", "/web/app.js", "/../pyproject.toml"):
        assert (await get(server.http_url + path))[0] == 404, path


async def test_the_twin_snapshot_needs_a_bearer_token(start_server: StartServer) -> None:
    engine = TwinEngine()
    server = await start_server(engine=engine)
    url = server.http_url + "/api/twin"
    status, _, body = await get(url)
    assert (status, json.loads(body)) == (401, {"error": "missing token"})
    # Never from the URL, where browsers and proxies keep it.
    assert (await get(f"{url}?token={token_for('alice')}"))[0] == 401
    bad = token_for("alice", auth=dataclasses.replace(AUTH, secret="another-secret-" * 3))
    assert (await get(url, {"Authorization": f"Bearer {bad}"}))[0] == 401
    status, headers, body = await get(url, {"Authorization": f"Bearer {token_for('alice')}"})
    assert (status, json.loads(body)) == (200, SNAPSHOT)
    assert headers["Cache-Control"] == "no-store" and engine.asked == ["alice"]
    assert server.hub.metrics.get("auth_failures", status="401", where="api") == 3


async def test_a_copilot_without_a_twin_has_no_snapshot(start_server: StartServer) -> None:
    server = await start_server()  # ScriptedEngine: no twin_snapshot
    status, _, _ = await get(
        server.http_url + "/api/twin", {"Authorization": f"Bearer {token_for('alice')}"}
    )
    assert status == 404


async def _handshake(url: str, origin: str | None) -> int:
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    try:
        async with connect(url, additional_headers=headers, origin=origin):  # type: ignore[arg-type]
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_the_consoles_own_origin_opens_sockets_past_the_allow_list(
    start_server: StartServer,
) -> None:
    auth = dataclasses.replace(AUTH, allowed_origins=("https://app.example",))
    server = await start_server(auth=auth)
    own = server.http_url  # what a browser sends from the console's page
    assert await _handshake(server.url + "/ws", own) == 101
    assert await _handshake(server.url + "/ws", "https://app.example") == 101
    assert await _handshake(server.url + "/ws", "https://evil.example") == 403
    # Another port of the same host is another origin.
    assert await _handshake(server.url + "/ws", "http://127.0.0.1:1") == 403

    without = await start_server(auth=auth, console=False)
    assert await _handshake(without.url + "/ws", without.http_url) == 403


async def test_no_console_serves_only_the_sockets(start_server: StartServer) -> None:
    server = await start_server(engine=TwinEngine(), console=False)
    token = {"Authorization": f"Bearer {token_for('alice')}"}
    assert (await get(server.http_url + "/"))[0] == 404
    assert (await get(server.http_url + "/app.js"))[0] == 404
    assert (await get(server.http_url + "/api/twin", token))[0] == 404
    assert (await get(server.http_url + "/healthz"))[0] == 200
    assert await _handshake(server.url + "/copilot", None) == 101


class _Inline(HTMLParser):
    """Everything in a page that a strict policy would block: inline scripts, style
    attributes and elements, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")


def test_the_page_has_no_inline_code_and_no_html_sinks() -> None:
    web = resources.files("omnitrack_realtime").joinpath("web")
    parser = _Inline()
    parser.feed(web.joinpath("index.html").read_text(encoding="utf-8"))
    assert parser.found == []
    for entry in web.iterdir():
        if entry.name.endswith(".js"):
            code = entry.read_text(encoding="utf-8")
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
                assert sink not in code, f"{entry.name} uses {sink}"
