"""``omnitrack listen [TYPE ...]``: tail ``/ws`` events as they arrive.

One readable line per event on stdout (or one JSON object per line with ``--json``); the
connection's ups and downs go to stderr (``reconnecting…``, ``reconnected``), so piping stdout
stays clean. Runs until Ctrl-C, or until the connection fails for good (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

import msgspec

from ..client.backoff import ReconnectPolicy
from .options import (
    CLOSE_TIMEOUT,
    add_connection_options,
    connect_or_explain,
    connection_options,
    explain_failure,
    quiet_logs,
)
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
    try:
        return asyncio.run(
            run_listen(
                options.events_url,
                user_id=options.user_id,
                token=options.token,
                token_in_query=options.token_in_query,
                close_timeout=CLOSE_TIMEOUT,  # Ctrl-C quits soon, even if the server hangs
                types=tuple(args.types),
                as_json=bool(args.json),
                count=args.count,
                reconnect=ReconnectPolicy(max_attempts=None),  # a tail keeps trying
            )
        )
    except KeyboardInterrupt:
        return 130


class _StatusPrinter:
    """An ``on_change`` callback that says when the connection drops and comes back."""

    def __init__(self, client: Any, err: TextIO) -> None:
        self.client = client
        self.err = err
        self.state = "idle"
        self.opened = 0

    def __call__(self, *_args: Any) -> None:
        client = self.client
        state = str(getattr(client.state, "value", client.state))
        if state == self.state:
            return
        previous, self.state = self.state, state
        if state == "open":
            self.opened += 1
            if self.opened > 1:
                print("omnitrack: reconnected", file=self.err, flush=True)
        elif state == "reconnecting" and previous == "open":
            print(
                "omnitrack: connection lost; reconnecting… "
                f"({terminal_safe(str(client.error), one_line=True)})",
                file=self.err,
                flush=True,
            )


async def run_listen(
    url: str,
    *,
    user_id: str | None,
    token: str | None,
    types: tuple[str, ...] = (),
    as_json: bool = False,
    count: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    **client_options: Any,
) -> int:
    """Tail events until ``count`` arrived (0), the connection fails for good (1) or Ctrl-C."""
    from .. import EventClient  # lazily: ``omnitrack --help`` stays fast

    out = out or sys.stdout
    err = err or sys.stderr
    client = EventClient(url=url, user_id=user_id, token=token, **client_options)
    client.on_change(_StatusPrinter(client, err))
    try:
        if not await connect_or_explain(client.connection, url, err):
            return 1
        print(f"omnitrack: listening on {redact_url(url)} (Ctrl-C stops)", file=err, flush=True)
        seen = 0
        listener = client.listen(*types).__aiter__()
        failed = asyncio.ensure_future(_wait_failed(client))
        next_event: asyncio.Future[Any] | None = None
        try:
            while count is None or seen < count:
                next_event = asyncio.ensure_future(anext(listener))
                await asyncio.wait({next_event, failed}, return_when=asyncio.FIRST_COMPLETED)
                if not next_event.done():
                    next_event.cancel()
                    print(f"omnitrack: {explain_failure(client.connection.error, url)}", file=err)
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
