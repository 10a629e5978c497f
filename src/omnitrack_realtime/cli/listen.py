"""``omnitrack listen [TYPE ...]``: tail ``/ws`` events as they arrive.

One readable line per event on stdout (or one JSON object per line with ``--json``); the
connection's ups and downs go to stderr (``connection lost (…); retrying in 2 s``,
``reconnected``), so piping stdout stays clean. While it waits to reconnect it checks whether
the server is back and retries at once when it is. Runs until Ctrl-C, or until the connection
fails for good (a refused or expired token, a refused origin: exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from typing import Any, TextIO

import msgspec

from ..client._env import TokenProvider
from ..client.backoff import ReconnectPolicy
from ..errors import OmniTrackError
from .options import (
    CLOSE_TIMEOUT,
    ConnectionOptions,
    add_connection_options,
    announce_token,
    connect_or_explain,
    connection_options,
    explain_failure,
    quiet_logs,
)
from .recovery import PROBE_INTERVAL, ServerWatch
from .render import event_line, redact_url, terminal_safe

__all__ = ["register", "run_listen"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "listen",
        help="tail live events from /ws",
        description="Print /ws events as they arrive (all types when none is given); "
        "reconnects on its own. Ctrl-C stops.",
    )
    parser.add_argument(
        "types",
        nargs="*",
        metavar="TYPE",
        help="event types to show, e.g. alert_notification digital_twin_update",
    )
    parser.add_argument("--json", action="store_true", help="print each event as a JSON line")
    parser.add_argument(
        "--count",
        type=int,
        metavar="N",
        help="exit 0 after N events (default: run until Ctrl-C)",
    )
    add_connection_options(parser, events=True)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    options = connection_options(args, events=True)
    quiet_logs(args)
    announce_token(options)
    try:
        return asyncio.run(
            run_listen(
                options.events_urls,
                user_id=options.user_id,
                token=options.token_provider,
                token_in_query=options.token_in_query,
                close_timeout=CLOSE_TIMEOUT,  # Ctrl-C quits soon, even if the server hangs
                types=tuple(args.types),
                as_json=bool(args.json),
                count=args.count,
                reconnect=ReconnectPolicy(max_attempts=None),  # a tail keeps trying
                options=options,
            )
        )
    except KeyboardInterrupt:
        return 130


def _seconds(delay: float) -> str:
    """``4 s``, or ``0.2 s`` under a second (never a misleading ``0 s``)."""
    return f"{math.ceil(delay)} s" if delay >= 1 else f"{delay:.1g} s"


class _StatusPrinter:
    """An ``on_change`` callback that says when the connection drops, when the next retry
    is, and when it comes back."""

    def __init__(self, client: Any, err: TextIO) -> None:
        self.client = client
        self.err = err
        self.state = "idle"
        self.opened = 0
        self.retry: Any = None  # the pending retry last announced

    def __call__(self, *_args: Any) -> None:
        client = self.client
        state = str(getattr(client.state, "value", client.state))
        retry = client.next_retry
        if state == self.state and (state != "reconnecting" or retry == self.retry):
            return
        previous, self.state = self.state, state
        if state == "open":
            self.opened += 1
            if self.opened > 1:
                self._say("reconnected")
        elif state == "reconnecting":
            self.retry = retry
            why = terminal_safe(str(client.error), one_line=True)
            when = f"retrying in {_seconds(retry.delay)}" if retry is not None else "retrying now"
            if previous == "open":
                self._say(f"connection lost ({why}); {when}")
            elif retry is not None and self.opened:  # before that, connect() says why
                self._say(f"still no connection ({why}); {when} (attempt {retry.attempt})")

    def _say(self, text: str) -> None:
        print(f"omnitrack: {text}", file=self.err, flush=True)


async def run_listen(
    urls: str | list[str],
    *,
    user_id: str | None,
    token: TokenProvider,
    types: tuple[str, ...] = (),
    as_json: bool = False,
    count: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    options: ConnectionOptions | None = None,
    probe_interval: float | None = PROBE_INTERVAL,
    **client_options: Any,
) -> int:
    """Tail events until ``count`` arrived (0), the connection fails for good (1) or Ctrl-C.

    ``options`` (the command's) make the failure sentences name the token's user and expiry;
    ``probe_interval``: while waiting to reconnect, check that often whether the server is
    back and retry at once when it is (``None``: wait for the backoff's schedule)."""
    from .. import EventClient  # lazily: ``omnitrack --help`` stays fast

    out = out or sys.stdout
    err = err or sys.stderr
    url = urls if isinstance(urls, str) else urls[0]
    if options is None:  # what the sentences need to know of the token (expiry, user)
        fixed = token if isinstance(token, str) else None
        options = ConnectionOptions(copilot_url=url, events_url=url, user_id=user_id, token=fixed)
    client = EventClient(url=urls, user_id=user_id, token=token, **client_options)
    client.on_change(_StatusPrinter(client, err))
    watch: asyncio.Task[None] | None = None
    try:
        if not await connect_or_explain(client.connection, url, err, options):
            return 1
        print(f"omnitrack: listening on {redact_url(url)} (Ctrl-C stops)", file=err, flush=True)
        if probe_interval is not None:
            watch = asyncio.ensure_future(ServerWatch(client, interval=probe_interval).run())
        seen = 0
        listener = client.listen(*types).__aiter__()
        failed = asyncio.ensure_future(_wait_failed(client))
        next_event: asyncio.Future[Any] | None = None
        try:
            while count is None or seen < count:
                next_event = asyncio.ensure_future(anext(listener))
                await asyncio.wait({next_event, failed}, return_when=asyncio.FIRST_COMPLETED)
                # Given up: the listener ends with the failure (or has not noticed it yet).
                raised = next_event.exception() if next_event.done() else None
                failure = raised if isinstance(raised, OmniTrackError) else None
                if not next_event.done() or failure is not None:
                    next_event.cancel()
                    why = explain_failure(client.connection.error or failure, url, options)
                    print(f"omnitrack: {why}", file=err)
                    return 1
                event = next_event.result()
                if as_json:
                    out.write(msgspec.json.encode(event).decode() + "\n")
                else:
                    timestamp = event.timestamp if isinstance(event.timestamp, str) else None
                    out.write(event_line(event.type, event.data, timestamp) + "\n")
                out.flush()
                seen += 1
        except StopAsyncIteration:
            return 0
        finally:
            failed.cancel()
            if next_event is not None and not next_event.done():
                # Ctrl-C while waiting: the disconnect below would end it with an exception
                # nobody retrieves (logged as "Task exception was never retrieved").
                next_event.cancel()
        return 0
    finally:
        if watch is not None:
            watch.cancel()
        await client.disconnect()


async def _wait_failed(client: Any) -> None:
    """Return once the client has given up (state ``failed``)."""
    changed = asyncio.Event()
    unsubscribe = client.on_change(lambda *_: changed.set())
    try:
        while getattr(client.state, "value", None) != "failed":
            changed.clear()
            await changed.wait()
    finally:
        unsubscribe()
