"""``omnitrack serve``, ``omnitrack token`` and ``omnitrack publish``: the server's faces.

``serve`` runs the reference server until SIGINT/SIGTERM; ``token`` prints a JWT signed with
the configured key; ``publish`` sends one ``/ws`` event through a running server (with a token
that has the ``events:publish`` scope). With no secret configured (``OMNITRACK_JWT_SECRET``),
``serve`` and ``token`` share a generated development secret kept in the user's config
directory, and ``serve`` says so at start.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigurationError, ConnectionFailed

__all__ = ["MIN_SECRET_BYTES", "auth_config", "register", "server_config"]

_PUBLISH_SCOPE = "events:publish"
_REDIS_SECRET_ENV = "OMNITRACK_REDIS_SECRET"
_DB_ENV = "OMNITRACK_DB"
#: The shortest HS256 secret ``serve``, ``token`` and ``publish`` accept (RFC 7518, 3.2: a key
#: of at least the hash's size, 256 bits).
MIN_SECRET_BYTES = 32


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the reference server (/copilot and /ws on one port)",
        description="Run the OmniTrack reference server until Ctrl-C / SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3001, help="port (default 3001; 0: any)")
    serve.add_argument(
        "--db",
        default=None,
        help="SQLite file or postgresql:// URL, shared with the copilot's twin (env "
        "OMNITRACK_DB; default ./omnitrack.db; ':memory:')",
    )
    serve.add_argument(
        "--token-delay",
        type=float,
        default=0.02,
        help="seconds between streamed tokens (default 0.02; 0 = as fast as possible)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser Origin allowed to connect (repeatable; default: any)",
    )
    serve.add_argument(
        "--jwt-public-key", metavar="FILE", help="PEM public key: accept RS256/ES256 tokens"
    )
    serve.add_argument("--redis-url", help="Redis URL of the event backplane (several processes)")
    serve.add_argument(
        "--redis-secret",
        metavar="SECRET",
        help="secret shared by the processes on the backplane: events are signed and unsigned "
        "ones dropped (env OMNITRACK_REDIS_SECRET, preferred: a flag shows in ps)",
    )
    serve.add_argument(
        "--event-type",
        action="append",
        default=[],
        metavar="NAME",
        help="an event type /ws publishers may use besides the known ones (repeatable)",
    )
    serve.add_argument(
        "--no-console",
        dest="console",
        action="store_false",
        help="serve only the sockets (and /healthz, /metrics): no web console at /",
    )
    serve.add_argument("--rate", type=float, default=20, help="messages per minute per user")
    serve.add_argument("--burst", type=int, default=5, help="message burst per user")
    serve.add_argument(
        "--max-connections",
        type=int,
        default=10,
        metavar="N",
        help="simultaneous connections per user (default 10; with --redis-url, on all processes)",
    )
    serve.add_argument(
        "--connection-ttl",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="with --redis-url: how long a crashed process's connections still count against "
        "--max-connections (default 30)",
    )
    serve.add_argument(
        "--attachment-max-mb",
        type=float,
        default=10.0,
        metavar="MB",
        help="largest attachment per user, in MiB (also bounds their unfinished uploads"
        " together; default 10). Voice messages need OMNITRACK_STT_URL (an OpenAI-compatible"
        " API base), with OMNITRACK_STT_MODEL and OMNITRACK_STT_API_KEY if it needs them",
    )
    serve.set_defaults(handler=_serve)

    token = subparsers.add_parser(
        "token",
        help="print a JWT for a user, signed with the configured key",
        description="Print a JWT for --user (HS256 with OMNITRACK_JWT_SECRET or the "
        "development secret; RS256/ES256 with --jwt-private-key).",
    )
    token.add_argument("--user", required=True, help="the user id (the 'sub' claim)")
    token.add_argument("--ttl", type=float, default=3600, help="seconds of validity (3600)")
    token.add_argument(
        "--scope",
        action="append",
        default=[],
        help=f"a scope to grant, e.g. {_PUBLISH_SCOPE} (repeatable)",
    )
    token.add_argument("--jwt-private-key", metavar="FILE", help="PEM private key (RS/ES)")
    token.set_defaults(handler=_token)

    publish = subparsers.add_parser(
        "publish",
        help="publish one /ws event through a running server",
        description="Publish an event, e.g. omnitrack publish alert_notification "
        '\'{"severity": "high", "message": "Port closed"}\' --user alice',
    )
    publish.add_argument("type", help="event type (digital_twin_update, alert_notification, ...)")
    publish.add_argument("data", help="event data as JSON")
    publish.add_argument("--user", help="deliver to this user only (default: every subscriber)")
    publish.add_argument(
        "--url",
        default="ws://127.0.0.1:3001",
        help="the server, ws://HOST:PORT or its /ws url (default ws://127.0.0.1:3001)",
    )
    publish.add_argument(
        "--token", help=f"a token with the {_PUBLISH_SCOPE} scope (default: minted locally)"
    )
    publish.set_defaults(handler=_publish)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _read_key(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the key file {path}") from exc


def auth_config(
    *,
    public_key: str | None = None,
    private_key: str | None = None,
    allowed_origins: tuple[str, ...] = (),
    announce: bool = False,
    environ: Mapping[str, str] | None = None,
    create_secret: bool = True,
) -> Any:
    """The :class:`~omnitrack_realtime.server.AuthConfig` of ``serve``, ``token`` and
    ``publish`` (and of the tokens ``chat`` and ``listen`` mint): ``OMNITRACK_JWT_SECRET`` (at
    least :data:`MIN_SECRET_BYTES`), else the given key, else the development secret, created
    on first use unless ``create_secret`` is false (then the secret stays ``None``)."""
    from ..server.auth import (
        AuthConfig,
        algorithms_for_key,
        development_secret,
        development_secret_path,
    )

    algorithms = None
    if private_key is not None and public_key is None:
        algorithms = algorithms_for_key(private_key)
    config = AuthConfig.from_env(
        environ,
        public_key=public_key,
        private_key=private_key,
        algorithms=algorithms,
        allowed_origins=allowed_origins or None,
    )
    if config.secret is not None and len(config.secret.encode()) < MIN_SECRET_BYTES:
        # A short HMAC secret can be found by guessing offline from any one token.
        raise ConfigurationError(
            f"OMNITRACK_JWT_SECRET is {len(config.secret.encode())} bytes long; HS256 needs at "
            f"least {MIN_SECRET_BYTES} (make one with: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    if config.secret is None and config.public_key is None and config.private_key is None:
        if not create_secret and not development_secret_path().is_file():
            return config
        secret, path = development_secret()
        config = dataclasses.replace(config, secret=secret)
        if announce:
            _say(
                f"omnitrack: no OMNITRACK_JWT_SECRET set; using the development secret in {path} "
                "(shared with 'omnitrack token'; not for production)"
            )
    return config


def server_config(
    args: argparse.Namespace, auth: Any, environ: Mapping[str, str] | None = None
) -> Any:
    """The :class:`~omnitrack_realtime.server.ServerConfig` of ``omnitrack serve``'s options
    (the Redis secret from ``--redis-secret``, else ``OMNITRACK_REDIS_SECRET``; the database
    from ``--db``, else ``OMNITRACK_DB``, else ``./omnitrack.db``)."""
    from ..database import is_postgres
    from ..server import AttachmentLimits, Limits, ServerConfig
    from ..server.config import speech_from_env

    env = os.environ if environ is None else environ
    max_mb = getattr(args, "attachment_max_mb", 10.0)
    db = args.db or env.get(_DB_ENV) or "omnitrack.db"
    db_path: str | Path | None = None
    if db != ":memory:":
        db_path = db if is_postgres(db) else Path(db)
    return ServerConfig(
        host=args.host,
        port=args.port,
        db_path=db_path,
        token_delay=args.token_delay,
        auth=auth,
        limits=Limits(
            messages_per_minute=args.rate,
            burst=args.burst,
            connections_per_user=args.max_connections,
            connection_ttl=args.connection_ttl,
        ),
        redis_url=args.redis_url,
        redis_secret=args.redis_secret or env.get(_REDIS_SECRET_ENV) or None,
        event_types=tuple(args.event_type),
        console=args.console,
        attachments=AttachmentLimits(max_bytes=max(1, int(max_mb * 1024 * 1024))),
        speech=speech_from_env(env),
    )


def _serve(args: argparse.Namespace) -> int:
    from ..server import WebSocketServer, serve

    if not getattr(args, "verbose", False):
        # The access log (connections, refused handshakes) and the server's news, at INFO;
        # websockets' own lines about the same connections stay at WARNING.
        logging.getLogger("omnitrack_realtime.server").setLevel(logging.INFO)
        logging.getLogger("omnitrack_realtime.server.websockets").setLevel(logging.WARNING)

    auth = auth_config(
        public_key=_read_key(args.jwt_public_key),
        allowed_origins=tuple(args.allow_origin),
        announce=True,
    )
    config = server_config(args, auth)

    def ready(server: WebSocketServer) -> None:
        print(
            f"omnitrack: serving {server.url} (/copilot, /ws, /healthz, /metrics); Ctrl-C to stop",
            flush=True,
        )
        if config.console:
            _say(f"omnitrack: the web console is at http://{config.host}:{server.port}/")

    code = serve(config, on_ready=ready)
    _say("omnitrack: server stopped")
    return code


def _token(args: argparse.Namespace) -> int:
    from ..server.auth import mint_token

    config = auth_config(private_key=_read_key(args.jwt_private_key))
    scopes = [word for scope in args.scope for word in scope.split()]
    print(mint_token(args.user, config, ttl=args.ttl, scopes=scopes))
    return 0


def _publish(args: argparse.Namespace) -> int:
    try:
        data = json.loads(args.data)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"the event data is not JSON ({exc.msg})") from exc
    token = args.token
    if token is None:
        from ..server.auth import mint_token

        token = mint_token("omnitrack-cli", auth_config(), ttl=300, scopes=[_PUBLISH_SCOPE])
    reply = asyncio.run(_send_publish(args.url, token, args.type, data, args.user))
    if reply.get("type") == "error":
        error = reply.get("data", {}).get("error", "refused")
        _say(f"omnitrack: the server refused the event: {error}")
        return 1
    target = f"user {args.user}" if args.user else "every subscriber"
    print(f"published {args.type} to {target}")
    return 0


def _events_url(url: str) -> str:
    """The server's ``/ws`` url, from either the server's url or the ``/ws`` url itself."""
    parts = urlsplit(url)
    if parts.path.rstrip("/") in ("", "/"):
        return urlunsplit(parts._replace(path="/ws"))
    return url


async def _send_publish(
    url: str, token: str, event_type: str, data: Any, user: str | None
) -> dict[str, Any]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    from ..client._env import redacting_logger

    action: dict[str, Any] = {"action": "publish", "eventType": event_type, "data": data}
    if user is not None:
        action["userId"] = user
    try:
        async with (
            asyncio.timeout(10),
            connect(
                _events_url(url),
                additional_headers={"Authorization": f"Bearer {token}"},
                compression=None,
                logger=redacting_logger(),  # with -v: the handshake, never the token
            ) as ws,
        ):
            await ws.send(json.dumps(action))
            async for raw in ws:
                reply = json.loads(raw)
                if isinstance(reply, dict) and reply.get("type") in ("published", "error"):
                    return reply
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise ConnectionFailed(f"the server refused the connection (HTTP {status})") from exc
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise ConnectionFailed(f"could not publish through {url}: {exc}") from exc
    raise ConnectionFailed("the server closed the connection before answering")
