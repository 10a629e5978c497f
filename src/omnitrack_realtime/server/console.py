"""The web console's HTTP side: its static files at ``/`` and the twin snapshot at ``/api/twin``.

Both drivers hand a GET's path and headers to :meth:`Console.reply` and send back the
:class:`HttpReply` it gives (``None``: not the console's, answer 404). The files are the
package's ``web/`` folder, read once; nothing a request names is ever opened (a path is a key
of that table or nothing), so there is no path to traverse.

Every page goes out under a strict Content-Security-Policy: scripts and styles only from the
server's own files (no inline code, no ``eval``), sockets and fetches only to the server
itself, no framing, no plugins, no forms. The snapshot needs ``Authorization: Bearer`` (never a
token in the URL) and answers JSON that no browser caches.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..seam import TwinView
from .access import log_refused
from .auth import AuthRejected, authenticate_request, header_values
from .hub import Hub

__all__ = ["API_TWIN", "Console", "HttpReply", "content_security_policy"]

API_TWIN = "/api/twin"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: What a ``Host`` header may hold to be written into the policy (a name or an IP, a port).
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_COMMON_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def content_security_policy(host: str | None) -> str:
    """The console's policy. ``connect-src`` names the server's own ``ws:``/``wss:`` origin
    explicitly (``'self'`` covers it only in browsers that follow CSP 3 there) when ``host``
    (the request's ``Host``) is a plain host[:port]."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.fullmatch(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


@dataclass(frozen=True, slots=True)
class HttpReply:
    """One HTTP response, whatever the driver."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def _reply(status: int, body: bytes, content_type: str, *extra: tuple[str, str]) -> HttpReply:
    return HttpReply(status, body, (("Content-Type", content_type), *_COMMON_HEADERS, *extra))


def _json(status: int, data: Any) -> HttpReply:
    body = json.dumps(data, separators=(",", ":")).encode()
    return _reply(
        status,
        body,
        "application/json",
        ("Cache-Control", "no-store"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    )


def _load_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("omnitrack_realtime").joinpath("web")
    files: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = entry.name[entry.name.rfind(".") :]
        if entry.is_file() and suffix in _TYPES:
            files[f"/{entry.name}"] = (entry.read_bytes(), _TYPES[suffix])
    files["/"] = files["/index.html"]
    return files


class Console:
    """The console of one server: its files (read at construction) and the snapshot route."""

    def __init__(self, hub: Hub, files: Mapping[str, tuple[bytes, str]] | None = None) -> None:
        self.hub = hub
        self.files = dict(files) if files is not None else _load_files()

    def serves(self, path: str) -> bool:
        return path == API_TWIN or path in self.files

    async def reply(
        self, path: str, headers: Mapping[str, str], client: Any = None
    ) -> HttpReply | None:
        """The answer to ``GET path``, or ``None`` when the path is not the console's."""
        if path == API_TWIN:
            return await self._snapshot(headers, client)
        found = self.files.get(path)
        if found is None:
            return None
        body, content_type = found
        hosts = header_values(headers, "Host")
        host = hosts[0] if len(hosts) == 1 else None
        return _reply(
            200,
            body,
            content_type,
            ("Cache-Control", "no-cache"),
            ("Content-Security-Policy", content_security_policy(host)),
        )

    async def _snapshot(self, headers: Mapping[str, str], client: Any) -> HttpReply:
        try:
            principal = authenticate_request(headers, self.hub.config.auth, same_origin=True)
        except AuthRejected as exc:
            self.hub.metrics.inc("auth_failures", status=str(exc.status), where="api")
            log_refused(API_TWIN, client, exc.status, exc.reason)
            return _json(exc.status, {"error": exc.reason})
        engine = self.hub.engine
        if not isinstance(engine, TwinView):
            return _json(404, {"error": "this server's copilot keeps no twin"})
        snapshot = await asyncio.to_thread(engine.twin_snapshot, principal.user_id)
        return _json(200, snapshot)
