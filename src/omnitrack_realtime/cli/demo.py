"""``omnitrack demo``: everything in one process, nothing to configure.

Starts the reference server on a free loopback port with a temporary database and a generated
secret, mints a token, and opens the chat UI against it. When stdout is not a terminal (or with
``--script``) it plays a short scripted conversation instead, printing the streamed answers and
the events received, and exits 0 only if every turn completed. With ``--web`` it opens the web
console in the browser instead, signed in: the link carries the token in its fragment
(``#token=``), which browsers never send to a server, and the page moves it into the tab's
storage and out of the address bar. That token is for this throw-away server only (development
mode: a secret generated for the run, a loopback port).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import tempfile
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .options import quiet_logs
from .render import event_line

__all__ = ["SCRIPT", "DemoServer", "register", "run_script", "run_web"]

#: The scripted conversation: build a small network, then look at it.
SCRIPT: tuple[str, ...] = (
    "Add a new supplier in Asia",
    "Add a warehouse in Rotterdam and connect it to the Asia supplier",
    "Show the network summary",
    "Scan for anomalies",
)
DEMO_USER = "demo-user"
#: Seconds to wait after an answer for its suggestions and the events it caused.
_SETTLE = 0.5


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="start a local server and chat with the copilot (no setup)",
        description="Start the server in this process (free port, temporary database, "
        "generated secret) and open the chat UI against it. Without a terminal, or with "
        "--script, play a scripted conversation and print it.",
    )
    parser.add_argument(
        "--script",
        action="store_true",
        help="play the scripted conversation instead of opening the chat UI",
    )
    parser.add_argument(
        "--web",
        action="store_true",
        help="open the web console in your browser, signed in, instead of the terminal UI",
    )
    parser.add_argument(
        "--token-delay",
        type=float,
        default=0.02,
        metavar="S",
        help="seconds between streamed tokens (default 0.02; 0 = as fast as possible)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    scripted = bool(args.script) or not sys.stdout.isatty()
    quiet_logs(args, silent=not scripted and not args.web)
    try:
        if args.web:
            return asyncio.run(run_web(token_delay=args.token_delay))
        if scripted:
            return asyncio.run(run_script(token_delay=args.token_delay))
        return asyncio.run(_run_tui(token_delay=args.token_delay))
    except KeyboardInterrupt:
        return 130


@dataclass
class DemoServer:
    """A server in this process on a free loopback port, with a throw-away database and key."""

    token_delay: float = 0.02
    user: str = DEMO_USER
    server: Any = None
    token: str = ""
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    async def __aenter__(self) -> DemoServer:
        from ..server import AuthConfig, ServerConfig, create_server, mint_token

        self._tmp = tempfile.TemporaryDirectory(prefix="omnitrack-demo-")
        auth = AuthConfig(secret=secrets.token_urlsafe(48))
        config = ServerConfig(
            host="127.0.0.1",
            port=0,
            db_path=Path(self._tmp.name) / "twin.db",
            token_delay=self.token_delay,
            auth=auth,
        )
        try:
            self.server = await create_server(config)
        except BaseException:
            self._tmp.cleanup()
            raise
        self.token = mint_token(self.user, auth, ttl=24 * 3600)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self.server is not None:
                await self.server.shutdown()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    @property
    def url(self) -> str:
        return str(self.server.url)


async def run_web(
    *,
    token_delay: float = 0.02,
    open_browser: Callable[[str], bool] = webbrowser.open,
    stop: asyncio.Event | None = None,
    err: TextIO | None = None,
) -> int:
    """Serve the console until Ctrl-C (or ``stop``) and open it, signed in, with
    ``open_browser``; the link is printed only when no browser could be opened."""
    err = err or sys.stderr
    async with DemoServer(token_delay=token_delay) as demo:
        page = f"http{demo.url.removeprefix('ws')}/"
        print(
            f"omnitrack demo: the web console is at {page} (temporary database, generated "
            "secret); Ctrl-C to stop",
            file=err,
            flush=True,
        )
        link = f"{page}#token={demo.token}"
        if not await asyncio.to_thread(open_browser, link):
            print(
                "omnitrack demo: no browser could be opened; open this link, which signs you "
                f"in to this demo server only:\n{link}",
                file=err,
                flush=True,
            )
        await (stop or asyncio.Event()).wait()
        return 0


async def _run_tui(*, token_delay: float) -> int:
    from .. import CopilotClient, EventClient
    from ..tui.app import ChatApp

    async with DemoServer(token_delay=token_delay) as demo:
        copilot = CopilotClient(f"{demo.url}/copilot", user_id=demo.user, token=demo.token)
        events = EventClient(f"{demo.url}/ws", user_id=demo.user, token=demo.token)
        app = ChatApp(copilot, events)
        app.sub_title = f"demo server on {demo.url}"
        await app.run_async()
        return app.return_code or 0


async def run_script(
    *,
    token_delay: float = 0.02,
    script: Sequence[str] = SCRIPT,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Play ``script`` against an in-process server; 0 if every turn completed."""
    from .. import CopilotClient, Event, EventClient

    out = out or sys.stdout
    err = err or sys.stderr
    received: list[Event] = []

    def print_events() -> None:
        while received:
            event = received.pop(0)
            out.write(f"  ⚡ {event_line(event.type, event.data)[3:]}\n")

    async with DemoServer(token_delay=token_delay) as demo:
        print(
            f"omnitrack demo: server on {demo.url} (temporary database, generated secret)",
            file=err,
            flush=True,
        )
        events = EventClient(f"{demo.url}/ws", user_id=demo.user, token=demo.token)
        copilot = CopilotClient(f"{demo.url}/copilot", user_id=demo.user, token=demo.token)
        events.subscribe("*", received.append)
        completed = 0
        async with events, copilot:
            for text in script:
                out.write(f"\n› {text}\n")
                async for token in copilot.stream(text):
                    out.write(token)
                    out.flush()
                out.write("\n")
                answer = copilot.messages[-1]
                await _settle(copilot)
                print_events()
                if copilot.suggestions:
                    out.write(f"  suggestions: {' · '.join(copilot.suggestions)}\n")
                ok = answer.status == "complete" and answer.metadata.get("actionSuccess", True)
                if ok:
                    completed += 1
                else:
                    out.write(f"  ✖ this turn did not complete ({answer.status})\n")
                out.flush()
        print_events()
        print(
            f"\nomnitrack demo: {completed} of {len(script)} turns completed",
            file=err,
            flush=True,
        )
        return 0 if completed == len(script) else 1


async def _settle(copilot: Any) -> None:
    """Give the answer's suggestions (and the events it caused) a moment to arrive."""
    arrived = asyncio.Event()
    unsubscribe = copilot.on_change(lambda *_: arrived.set() if copilot.suggestions else None)
    try:
        if not copilot.suggestions:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), _SETTLE)
        # Events travel on the other connection: let any already sent be read.
        for _ in range(10):
            await asyncio.sleep(0)
    finally:
        unsubscribe()
