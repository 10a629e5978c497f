"""Connection options shared by ``chat``, ``listen`` and the TUI, and the one-sentence
explanations of the failures a user can cause.

Where a setting comes from, first match wins: the command-line flag, then ``OMNITRACK_*``, then
the seed's ``NEXT_PUBLIC_*``, then the local default. The events url defaults to the copilot
url's server with the path ``/ws``, so ``--url`` alone is enough for the chat UI. ``--url`` may
be repeated or a comma list (so may the environment's urls): the clients move to the next
server after a failure. With no token
at all and a server on this machine, the commands mint their own (development mode, see
:func:`.tokens.development_token`) and say so (:func:`announce_token`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from ..client._env import url_problem
from ..errors import AuthenticationError, ConfigurationError, ConnectionFailed, OmniTrackError
from .render import redact_url, terminal_safe
from .tokens import (
    DevToken,
    TokenCommand,
    development_token,
    expiry_words,
    token_expiry,
    token_subject,
)

if TYPE_CHECKING:
    from ..client.connection import Connection

__all__ = [
    "CLOSE_TIMEOUT",
    "COPILOT_URL_DEFAULT",
    "EVENTS_URL_DEFAULT",
    "ConnectionOptions",
    "add_connection_options",
    "announce_token",
    "connection_options",
    "explain_failure",
    "quiet_logs",
    "sibling_url",
]

#: Seconds a command that is ending waits for the server's close frame. The library's default
#: (10 s) suits long-lived programs; a user who quits, or a turn that timed out against a
#: server that stopped answering, should not wait that long for a frame that may never come.
CLOSE_TIMEOUT = 1.0

COPILOT_URL_DEFAULT = "ws://localhost:3001/copilot"
EVENTS_URL_DEFAULT = "ws://localhost:3001/ws"
_COPILOT_ENV = ("OMNITRACK_COPILOT_WS_URL", "NEXT_PUBLIC_COPILOT_WS_URL")
_EVENTS_ENV = ("OMNITRACK_WS_URL", "NEXT_PUBLIC_WS_URL")


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """Where to connect and as whom. ``token`` is never printed (see ``__repr__``)."""

    copilot_url: str
    events_url: str
    user_id: str | None
    token: str | None
    #: Also send ``?userId=&token=`` (servers written for the seed read only the query).
    token_in_query: bool = False
    #: ``--token-command``: run on every connection attempt for a fresh token (``token`` is
    #: then the one it printed first).
    token_command: TokenCommand | None = None
    #: Development mode: no token was given and the server is on this machine, so one is
    #: minted on every connection attempt (``token`` is then the first one).
    dev_token: DevToken | None = None
    #: The other servers (``--url`` repeated or a comma list), tried in turn after a failure.
    copilot_alternates: tuple[str, ...] = ()
    events_alternates: tuple[str, ...] = ()

    @property
    def copilot_urls(self) -> list[str]:
        """Every copilot url, the first one first (what the clients get)."""
        return [self.copilot_url, *self.copilot_alternates]

    @property
    def events_urls(self) -> list[str]:
        return [self.events_url, *self.events_alternates]

    @property
    def token_provider(self) -> TokenCommand | DevToken | str | None:
        """What the clients get as ``token``: a provider called on every attempt, or a token."""
        return self.token_command or self.dev_token or self.token

    def client_options(self) -> dict[str, Any]:
        """The keyword arguments every client and connection of a command gets."""
        return {
            "user_id": self.user_id,
            "token": self.token_provider,
            "token_in_query": self.token_in_query,
            "close_timeout": CLOSE_TIMEOUT,
        }

    def __repr__(self) -> str:
        return (
            f"ConnectionOptions(copilot_url={redact_url(self.copilot_url)!r}, "
            f"events_url={redact_url(self.events_url)!r}, user_id={self.user_id!r}, "
            f"token={'<set>' if self.token else None}, token_in_query={self.token_in_query}, "
            f"token_command={self.token_command!r}, dev_token={self.dev_token!r})"
        )


def quiet_logs(args: argparse.Namespace, *, silent: bool = False) -> None:
    """Keep the library's log lines off a user's terminal unless ``--verbose``: commands say
    what went wrong in their own one sentence. ``silent`` (full-screen UI) hides even errors,
    which the UI shows itself."""
    if getattr(args, "verbose", False):
        return
    level = logging.CRITICAL + 1 if silent else logging.ERROR
    logging.getLogger("omnitrack_realtime").setLevel(level)


def add_connection_options(parser: argparse.ArgumentParser, *, events: bool = False) -> None:
    """Add ``--url``, ``--user`` and ``--token`` (and ``--events-url`` when ``events``)."""
    url_help = (
        "the /ws events url (env OMNITRACK_WS_URL or NEXT_PUBLIC_WS_URL; default "
        f"{EVENTS_URL_DEFAULT})"
        if events
        else "the /copilot url (env OMNITRACK_COPILOT_WS_URL or NEXT_PUBLIC_COPILOT_WS_URL; "
        f"default {COPILOT_URL_DEFAULT})"
    )
    parser.add_argument(
        "--url",
        metavar="URL",
        action="append",
        help=url_help + "; repeat it or give a comma list for several servers, tried in turn",
    )
    if not events:
        parser.add_argument(
            "--events-url",
            metavar="URL",
            help="the /ws events url (default: the --url server with path /ws)",
        )
    parser.add_argument("--user", metavar="ID", help="your user id (env OMNITRACK_USER)")
    parser.add_argument(
        "--token", metavar="JWT", help="the access token (env OMNITRACK_TOKEN; never logged)"
    )
    parser.add_argument(
        "--token-command",
        metavar="CMD",
        help="a shell command that prints a token, run on every (re)connect, e.g. "
        "'omnitrack token --user alice' (env OMNITRACK_TOKEN_COMMAND)",
    )
    parser.add_argument(
        "--token-in-query",
        action="store_true",
        help="also send ?userId=&token= in the url (for servers written for the seed)",
    )


def sibling_url(url: str, path: str) -> str:
    """``url`` with its path replaced (``/copilot`` -> ``/ws``), query and fragment dropped.
    A url that does not parse comes back as it is (``_check_url`` then says what is wrong)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _first_env(names: tuple[str, ...], environ: Mapping[str, str]) -> list[str]:
    value = next((environ[name] for name in names if environ.get(name)), None)
    return _split_urls([value] if value else [])


def _split_urls(values: list[str]) -> list[str]:
    """``--url`` values (repeated, each maybe a comma list) as one list of urls."""
    return [url.strip() for value in values for url in value.split(",") if url.strip()]


def _check_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        # The scheme and host rules were always said by the advice; other problems (a port out
        # of range, a broken IPv6 address) are named, since the advice does not cover them.
        detail = "" if problem.startswith(("the scheme", "no host")) else f" ({problem})"
        raise ConfigurationError(
            f"{redact_url(url)!r} is not a WebSocket url{detail}; use ws://host:port/path or "
            "wss://..."
        )
    return url


def connection_options(
    args: argparse.Namespace, *, events: bool = False, environ: Mapping[str, str] | None = None
) -> ConnectionOptions:
    """Resolve the connection settings of a parsed command line (flags, env, defaults)."""
    env = os.environ if environ is None else environ
    flag: str | list[str] | None = getattr(args, "url", None)
    flag_urls = _split_urls([flag] if isinstance(flag, str) else flag or [])
    if events:
        events_urls = flag_urls or _first_env(_EVENTS_ENV, env) or [EVENTS_URL_DEFAULT]
        copilot_urls = _first_env(_COPILOT_ENV, env) or [
            sibling_url(url, "/copilot") for url in events_urls
        ]
    else:
        copilot_urls = flag_urls or _first_env(_COPILOT_ENV, env) or [COPILOT_URL_DEFAULT]
        events_flag: str | None = getattr(args, "events_url", None)
        if events_flag:
            events_urls = _split_urls([events_flag])
        elif flag_urls:
            events_urls = [sibling_url(url, "/ws") for url in flag_urls]
        else:
            events_urls = _first_env(_EVENTS_ENV, env) or [
                sibling_url(url, "/ws") for url in copilot_urls
            ]
    for url, wanted in [(u, "/copilot") for u in copilot_urls[1:]] + [
        (u, "/ws") for u in events_urls[1:]
    ]:
        _check_url(url)
        _check_endpoint(url, wanted)
    copilot_url, events_url = copilot_urls[0], events_urls[0]
    flag_user: str | None = getattr(args, "user", None)
    user = flag_user or env.get("OMNITRACK_USER") or None
    token, command = _token_source(args, env)
    copilot_url, events_url = _check_url(copilot_url), _check_url(events_url)
    # The url the command was pointed at must be its own endpoint (the other is derived).
    if events:
        _check_endpoint(events_url, "/ws")
    else:
        _check_endpoint(copilot_url, "/copilot")
        _check_endpoint(events_url, "/ws")
    if command is not None:
        token = command.first()
    dev: DevToken | None = None
    if token is None and command is None:
        dev = development_token((events_url,) if events else (copilot_url, events_url), user, env)
        token = dev() if dev is not None else None
    _check_user(user, token, "--user" if flag_user else "OMNITRACK_USER")
    return ConnectionOptions(
        copilot_url=copilot_url,
        events_url=events_url,
        user_id=user,
        token=token,
        token_in_query=bool(getattr(args, "token_in_query", False)),
        token_command=command,
        dev_token=dev,
        copilot_alternates=tuple(copilot_urls[1:]),
        events_alternates=tuple(events_urls[1:]),
    )


def announce_token(options: ConnectionOptions, err: TextIO | None = None) -> None:
    """Say in one line (on stderr) that the command mints its own token, if it does; never
    the token itself."""
    if options.dev_token is not None:
        said = terminal_safe(options.dev_token.announcement(), one_line=True)
        print(f"omnitrack: {said}", file=err or sys.stderr, flush=True)


def _token_source(
    args: argparse.Namespace, env: Mapping[str, str]
) -> tuple[str | None, TokenCommand | None]:
    """The token, or the command that makes one: a flag wins over the environment; in the
    environment a command wins over a fixed token (it outlives it)."""
    flag_token: str | None = getattr(args, "token", None)
    flag_command: str | None = getattr(args, "token_command", None)
    if flag_token and flag_command:
        raise ConfigurationError("pass --token or --token-command, not both")
    if flag_token:
        return flag_token, None
    command = flag_command or env.get("OMNITRACK_TOKEN_COMMAND") or None
    if command:
        return None, TokenCommand(command)
    return env.get("OMNITRACK_TOKEN") or None, None


#: The last path segment of each endpoint, and what the other one is for.
_ENDPOINTS = {"/copilot": "chat", "/ws": "events"}


def _check_endpoint(url: str, wanted: str) -> None:
    """Refuse the other endpoint's url at once (``listen --url …/copilot`` used to wait for
    events that never come): its last path segment names the wrong one."""
    path = urlsplit(url).path.rstrip("/")
    for endpoint, purpose in _ENDPOINTS.items():
        if endpoint != wanted and path.endswith(endpoint):
            command = "listen" if wanted == "/ws" else "chat"
            right = urlunsplit(urlsplit(url)._replace(path=path[: -len(endpoint)] + wanted))
            raise ConfigurationError(
                f"{redact_url(url)} is the {purpose} endpoint; 'omnitrack {command}' needs the "
                f"{_ENDPOINTS[wanted]} endpoint {wanted} (try --url {redact_url(right)})"
            )


def _check_user(user: str | None, token: str | None, source: str) -> None:
    """``--user bob`` with alice's token: say so now rather than act as alice (the user id
    only reaches the server with ``--token-in-query``, where it gets a bare 403)."""
    subject = token_subject(token)
    if user is None or subject is None or user == subject:
        return
    safe = terminal_safe(subject, one_line=True)
    raise ConfigurationError(
        f"{source} {terminal_safe(user, one_line=True)} does not match the token, which is for "
        f"{safe}; drop {source}, or use a token for {terminal_safe(user, one_line=True)} "
        f"(omnitrack token --user {terminal_safe(user, one_line=True)})"
    )


def explain_failure(
    error: OmniTrackError | str | None, url: str, options: ConnectionOptions | None = None
) -> str:
    """One sentence a user can act on, for a connection that failed (no traceback, no token).
    Safe to print: a close reason from the server cannot drive the terminal. ``options`` (the
    command's) let it name the token's user and expiry and how the token was given."""
    return terminal_safe(_explain_failure(error, url, options), one_line=True)


def _explain_failure(
    error: OmniTrackError | str | None, url: str, options: ConnectionOptions | None
) -> str:
    where = redact_url(url)
    if isinstance(error, ConfigurationError):
        return str(error)
    status = error.status if isinstance(error, ConnectionFailed) else None
    code = error.code if isinstance(error, ConnectionFailed) else None
    said = error.detail if isinstance(error, ConnectionFailed) else None
    if isinstance(error, AuthenticationError):
        why = f"HTTP {status}" if status else f"close code {code}" if code else str(error)
        if status == 403 or code in (4403, 1008):
            return (
                f"the server at {where} refused the connection ({why}: {said or 'forbidden'}); "
                "check that --user matches the token's user and that your origin is allowed"
            )
        if options is not None and options.dev_token is not None:
            dev = options.dev_token
            return (
                f"the server at {where} refused the token minted for {dev.user} from "
                f"{dev.source} ({why}{f': {said}' if said else ''}), so it does not use that "
                "secret; pass a token it accepts with --token or OMNITRACK_TOKEN"
            )
        if said is not None and "expired" in said.lower():
            return _explain_expired(where, f"{why}: {said}", options)
        return (
            f"the server at {where} refused the token ({why}{f': {said}' if said else ''}); "
            "pass a valid --token or set OMNITRACK_TOKEN (mint one with: omnitrack token "
            "--user NAME)"
        )
    if status == 404:
        return (
            f"nothing answers WebSocket requests at {where} (HTTP 404); check the url's path "
            "(/copilot for chat, /ws for events)"
        )
    detail = str(error) if error else "no answer"
    return (
        f"cannot connect to {where} ({detail}); is the server running? "
        "(start one with: omnitrack serve)"
    )


def _explain_expired(where: str, why: str, options: ConnectionOptions | None) -> str:
    """The token expired: when, and how to get one that lasts (a command run on every
    reconnect), in plain words."""
    token = options.token if options is not None else None
    expires_at = token_expiry(token)
    when = f" at {expiry_words(expires_at)}" if expires_at is not None else ""
    user = (options.user_id if options is not None else None) or token_subject(token) or "NAME"
    mint = f"omnitrack token --user {user}"
    if options is not None and options.token_command is not None:
        return (
            f"the server at {where} says the token from --token-command expired{when} ({why}); "
            f"check that {options.token_command.command!r} prints a fresh token"
        )
    return (
        f"the token expired{when}, so the server at {where} refused it ({why}); get a new one "
        f"({mint}), or pass --token-command '{mint}' to get a fresh one on every reconnect"
    )


async def connect_or_explain(
    connection: Connection, url: str, err: TextIO, options: ConnectionOptions | None = None
) -> bool:
    """Make the first connection attempt; on failure print why in one sentence to ``err``
    and return False (the caller exits 1)."""
    try:
        await connection.connect()
    except OmniTrackError as exc:
        print(f"omnitrack: {explain_failure(exc, url, options)}", file=err)
        return False
    if not connection.is_connected:
        print(f"omnitrack: {explain_failure(connection.error, url, options)}", file=err)
        return False
    return True
