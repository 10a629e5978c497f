"""Private helpers of the client drivers: where the url and token come from, how they go on the
wire, and how they are kept out of log lines. Pure except for reading the environment."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ConfigurationError

__all__ = [
    "COPILOT_URL_DEFAULT",
    "COPILOT_URL_ENV",
    "EVENTS_URL_DEFAULT",
    "EVENTS_URL_ENV",
    "TOKEN_ENV",
    "TokenProvider",
    "redact_url",
    "redacting_logger",
    "resolve_token",
    "resolve_url",
    "resolve_urls",
    "url_problem",
    "websocket_uri",
]

#: A token, or a callable (sync or async) returning one; ``None`` reads ``OMNITRACK_TOKEN``.
TokenProvider = str | Callable[[], str | Awaitable[str | None] | None] | None

TOKEN_ENV = "OMNITRACK_TOKEN"
COPILOT_URL_ENV = ("OMNITRACK_COPILOT_WS_URL", "NEXT_PUBLIC_COPILOT_WS_URL")
COPILOT_URL_DEFAULT = "ws://localhost:3001/copilot"
EVENTS_URL_ENV = ("OMNITRACK_WS_URL", "NEXT_PUBLIC_WS_URL")
EVENTS_URL_DEFAULT = "ws://localhost:3001/ws"


def resolve_url(
    url: str | None,
    env_names: tuple[str, ...],
    default: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The url to use: the explicit one, else the first non-empty environment variable, else the
    local default. Raises :class:`ConfigurationError` unless it is a ``ws://`` or ``wss://`` url."""
    env = os.environ if environ is None else environ
    chosen = url
    if not chosen:
        chosen = next((env[name] for name in env_names if env.get(name)), default)
    problem = url_problem(chosen)
    if problem is not None:
        raise ConfigurationError(
            f"not a WebSocket url: {redact_url(chosen)!r} ({problem}; expected ws://host/path "
            "or wss://...)"
        )
    return chosen


def resolve_urls(
    url: str | Sequence[str] | None,
    env_names: tuple[str, ...],
    default: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """:func:`resolve_url` for one url or several (a list, or in the environment a comma
    separated list): each retry of a client goes to the next one."""
    if url is not None and not isinstance(url, str):
        urls = tuple(url)
        if not urls:
            raise ConfigurationError("url is an empty list; give at least one WebSocket url")
        return tuple(resolve_url(one, env_names, default, environ) for one in urls)
    if url:
        return (resolve_url(url, env_names, default, environ),)
    env = os.environ if environ is None else environ
    chosen = next((env[name] for name in env_names if env.get(name)), default)
    parts = [part.strip() for part in chosen.split(",") if part.strip()]
    return tuple(resolve_url(part, (), default, environ) for part in parts or [default])


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a WebSocket url (one phrase), or ``None`` if it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing it raises for a port out of range or not a number
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
        return str(exc)
    if parts.scheme not in ("ws", "wss"):
        return "the scheme must be ws or wss"
    if not parts.hostname:
        return "no host"
    return None


def redact_url(url: str) -> str:
    """The url without query string, fragment or credentials: safe for a log line (even for a
    url that does not parse)."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = head.partition("://")
    if not sep:
        return head.rpartition("@")[2]
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def websocket_uri(url: str, *, user_id: str | None, token: str | None, token_in_query: bool) -> str:
    """The handshake uri: ``url``, plus ``?userId=&token=`` when ``token_in_query`` (seed).

    With a token, credentials in the url (``user:password@``) are dropped: websockets would send
    them as an ``Authorization: Basic`` header ahead of our Bearer one, and the server would read
    that one instead of the token."""
    parts = urlsplit(url)
    if token is not None and "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
        url = urlunsplit(parts)
    if not token_in_query:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    extra = {"userId": user_id, "token": token}
    query = [(key, value) for key, value in query if key not in extra]
    query += [(key, value) for key, value in extra.items() if value is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def resolve_token(
    provider: TokenProvider, environ: Mapping[str, str] | None = None
) -> str | None:
    """Call the token provider (a fresh token on every connection attempt).

    Surrounding whitespace is dropped (a token read from a file keeps its newline); a token
    with a control character inside raises :class:`ConfigurationError` (it cannot go in a
    header, and retrying will not change it)."""
    if provider is None:
        env = os.environ if environ is None else environ
        return _clean_token(env.get(TOKEN_ENV))
    if isinstance(provider, str):
        return _clean_token(provider)
    if inspect.iscoroutinefunction(provider) or inspect.iscoroutinefunction(
        getattr(provider, "__call__", None)  # noqa: B004 (an object with an async __call__)
    ):
        value = provider()
    else:
        # A plain function may block (read a file, call an identity provider): it runs in a
        # worker thread so that pings and the other connections go on meanwhile.
        value = await asyncio.to_thread(provider)
    if inspect.isawaitable(value):
        value = await value
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"the token provider returned {type(value).__name__}, not str")
    return _clean_token(value)


def _clean_token(token: str | None) -> str | None:
    token = token.strip() if token else None
    if token and any(ord(char) < 0x20 or ord(char) == 0x7F for char in token):
        raise ConfigurationError("the token contains a control character (a line break?)")
    return token or None


class _RedactingFilter(logging.Filter):
    """Rewrites websockets' debug lines that would print the handshake path (with the query
    string) or the Authorization header."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            if record.msg == "> GET %s HTTP/1.1":
                path, query_mark, _query = str(args[0]).partition("?")
                record.args = (path + (query_mark and "?<redacted>"),)
            elif record.msg == "> %s: %s" and str(args[0]).lower() in _SECRET_HEADERS:
                record.args = (args[0], "<redacted>")
        return True


_SECRET_HEADERS = frozenset({"authorization", "cookie", "sec-websocket-protocol"})


def redacting_logger() -> logging.Logger:
    """The logger handed to websockets: ``omnitrack_realtime.wire``, with secrets redacted."""
    logger = logging.getLogger("omnitrack_realtime.wire")
    if not any(isinstance(f, _RedactingFilter) for f in logger.filters):
        logger.addFilter(_RedactingFilter())
    return logger
