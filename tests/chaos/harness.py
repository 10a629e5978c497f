"""The chaos run: real server, real clients, a faulty network between them, then an audit.

:func:`run_chaos` starts the reference server in this process (loopback, SQLite, the demo
copilot), a :class:`~.proxy.FaultyProxy` in front of it, and ``users`` real
:class:`~omnitrack_realtime.CopilotClient` clients that each send ``messages`` chat messages
while the proxy injects faults. Then the storm stops, every client is given time to settle
(each message answered, nothing left to send) and each client's conversation is compared with
what the server stored, reading the database itself:

- ``lost``: a message the client sent that the server never stored;
- ``duplicated``: a message stored twice, a question answered twice (on the server or on the
  client), a session's messages spread over several conversations;
- ``reordered``: messages stored in another order than they were sent, or answers that reach
  the client in another order than the questions;
- ``interrupted``: an answer that ended ``interrupted`` or in error, on either side;
- ``missing``: a message whose answer never reached the client;
- ``mismatched``: a client's answer whose text differs from the stored one.

Everything random (the faults, the pauses between messages, the clients' jitter) comes from
``random.Random(seed)``. ``bench/chaos.py`` runs the same thing for minutes.

``driver`` picks the server's front: ``"websockets"`` (:class:`WebSocketServer`, what
``omnitrack serve`` runs) or ``"asgi"`` (:func:`~omnitrack_realtime.server.asgi.create_asgi_app`
served by uvicorn with :func:`~omnitrack_realtime.server.asgi.uvicorn_options`, in this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from omnitrack_realtime import CopilotClient, ReconnectPolicy
from omnitrack_realtime.server import Hub, ServerConfig, WebSocketServer, build_hub
from omnitrack_realtime.server.auth import AuthConfig, mint_token
from omnitrack_realtime.server.config import Limits
from omnitrack_realtime.server.demo_engine import DemoEngine
from omnitrack_realtime.server.store import SQLiteStore
from server.asgi_driver import start_asgi

from .proxy import FaultPlan, FaultyProxy

__all__ = [
    "COUNTS",
    "DRIVERS",
    "SECRET",
    "ChaosReport",
    "Driver",
    "audit",
    "run_chaos",
    "wait_settled",
]

SECRET = "chaos-secret-0123456789-0123456789-0123456789"
COUNTS = ("lost", "duplicated", "reordered", "interrupted", "missing", "mismatched")
_FINISHED = ("complete", "interrupted", "error")

Driver = Literal["websockets", "asgi"]
DRIVERS: tuple[Driver, ...] = ("websockets", "asgi")
Stop = Callable[[], Awaitable[None]]


@dataclass
class ChaosReport:
    """What one chaos run did and found."""

    seed: int
    users: int
    messages: int
    driver: Driver = "websockets"
    counts: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    #: One line per problem found, for a failing test's message.
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0
    settled: bool = True
    reconnects: int = 0
    resent: int = 0

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    @property
    def clean(self) -> bool:
        return self.settled and not any(self.counts[name] for name in COUNTS)

    def summary(self) -> str:
        counts = " ".join(f"{name}={self.counts[name]}" for name in COUNTS)
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        return (
            f"seed {self.seed} ({self.driver}): {self.users} users x {self.messages} messages in "
            f"{self.seconds:.1f} s; {self.total_faults} faults injected ({faults}); "
            f"{self.reconnects} reconnects, {self.resent} frames resent; {counts}"
            + ("" if self.settled else "; NOT SETTLED")
        )

    def problem(self, count: str, detail: str) -> None:
        self.counts[count] += 1
        if len(self.details) < 50:
            self.details.append(f"{count}: {detail}")


def _settled(client: CopilotClient) -> bool:
    """Every message sent has a finished answer and nothing waits to be sent."""
    answered = {
        m.reply_to for m in client.messages if m.role == "assistant" and m.status in _FINISHED
    }
    asked = [m.client_message_id for m in client.messages if m.role == "user"]
    return all(cmid in answered for cmid in asked) and len(client.connection.outbox) == 0


async def wait_settled(clients: list[CopilotClient], within: float) -> bool:
    changed = asyncio.Event()
    unsubscribe = [client.on_change(lambda _client: changed.set()) for client in clients]
    try:
        async with asyncio.timeout(within):
            while not all(_settled(client) for client in clients):
                changed.clear()
                await changed.wait()
        return True
    except TimeoutError:
        return False
    finally:
        for stop in unsubscribe:
            stop()


def _stored(db_path: Path, user_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The user's stored messages in stored order, read from the server's database:
    (conversation, messageId, role, metadata) with the text in ``metadata["_content"]``."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute(
            "SELECT m.conversation_id, m.message_id, m.role, m.metadata, m.content"
            " FROM srv_messages m JOIN srv_conversations c USING (conversation_id)"
            " WHERE c.user_id = ? ORDER BY m.position",
            (user_id,),
        ).fetchall()
    decode = msgspec.json.Decoder(dict[str, Any]).decode
    return [
        (conv, mid, role, {**decode(meta), "_content": text})
        for conv, mid, role, meta, text in rows
    ]


def audit(report: ChaosReport, user_id: str, client: CopilotClient, db_path: Path) -> None:
    """Compare one client's conversation with the server's stored one (see the module)."""
    sent = [m.client_message_id for m in client.messages if m.role == "user"]
    stored = _stored(db_path, user_id)
    conversations = {conv for conv, *_ in stored}
    if len(conversations) > 1:
        report.problem("duplicated", f"{user_id}: messages in {len(conversations)} conversations")
    questions: dict[str, str] = {}  # stored user messageId -> clientMessageId
    stored_order: list[str] = []
    for _conv, message_id, role, metadata in stored:
        if role == "user":
            cmid = str(metadata.get("clientMessageId"))
            if cmid in stored_order:
                report.problem("duplicated", f"{user_id}: message {cmid} stored twice")
            stored_order.append(cmid)
            questions[message_id] = cmid
    for cmid in sent:
        if cmid not in stored_order:
            report.problem("lost", f"{user_id}: message {cmid} never stored")
    common = [cmid for cmid in stored_order if cmid in sent]
    if common != [cmid for cmid in sent if cmid in common]:
        report.problem("reordered", f"{user_id}: stored in another order than sent")
    server_answers: dict[str, dict[str, Any]] = {}
    for _conv, _message_id, role, metadata in stored:
        if role != "assistant":
            continue
        cmid = questions.get(str(metadata.get("replyTo")), "?")
        if cmid in server_answers:
            report.problem("duplicated", f"{user_id}: {cmid} answered twice by the server")
        server_answers[cmid] = metadata
        if metadata.get("interrupted"):
            report.problem("interrupted", f"{user_id}: stored answer to {cmid} interrupted")
    client_answers: dict[str, Any] = {}
    last_index = -1
    for message in client.messages:
        if message.role != "assistant":
            continue
        cmid = message.reply_to or "?"
        if cmid in client_answers:
            report.problem("duplicated", f"{user_id}: {cmid} has two answers on the client")
            continue
        client_answers[cmid] = message
        index = sent.index(cmid) if cmid in sent else -1
        if index < last_index:
            report.problem("reordered", f"{user_id}: answer to {cmid} came before an earlier one")
        last_index = max(last_index, index)
        if message.status != "complete":
            report.problem("interrupted", f"{user_id}: answer to {cmid} is {message.status}")
            continue
        stored_answer = server_answers.get(cmid)
        if stored_answer is not None and stored_answer["_content"] != message.content:
            report.problem(
                "mismatched",
                f"{user_id}: answer to {cmid}: {message.content!r}"
                f" vs {stored_answer['_content']!r}",
            )
    for cmid in sent:
        if cmid not in client_answers:
            report.problem("missing", f"{user_id}: no answer to {cmid} on the client")


async def _serve_websockets(hub: Hub) -> tuple[int, Stop]:
    server = WebSocketServer(hub)
    await server.start()
    return server.port, server.shutdown


async def _serve_asgi(hub: Hub) -> tuple[int, Stop]:
    """The ASGI app under uvicorn, as the protocol tests serve it (quiet: faults are expected)."""
    url, stop = await start_asgi(hub, log_level="error")
    return int(url.rsplit(":", 1)[1]), stop


async def run_chaos(
    seed: int,
    *,
    db_path: Path,
    users: int = 10,
    messages: int = 4,
    storm_seconds: float = 3.0,
    settle_timeout: float = 20.0,
    plan: FaultPlan | None = None,
    token_delay: float = 0.01,
    driver: Driver = "websockets",
    progress: Callable[[str], None] | None = None,
) -> ChaosReport:
    """One chaos run (see the module docstring); returns what it found."""
    rng = random.Random(seed)
    report = ChaosReport(seed=seed, users=users, messages=messages, driver=driver)
    started = time.monotonic()
    auth = AuthConfig(secret=SECRET)
    config = ServerConfig(
        port=0,
        token_delay=token_delay,
        auth=auth,
        # Dead links found within a second or two, as the clients do.
        ping_interval=1.0,
        ping_timeout=1.0,
        close_timeout=1.0,
        limits=Limits(messages_per_minute=6000, burst=1000),
    )
    hub = build_hub(config, engine=DemoEngine(), store=SQLiteStore(db_path))
    serve = _serve_asgi if driver == "asgi" else _serve_websockets
    server_port, stop_server = await serve(hub)
    proxy = FaultyProxy(("127.0.0.1", server_port), seed=rng.randrange(2**32), plan=plan)
    port = await proxy.start()
    clients = [
        CopilotClient(
            f"ws://127.0.0.1:{port}/copilot",
            user_id=f"user-{index}",
            token=mint_token(f"user-{index}", auth, ttl=3600),
            reconnect=ReconnectPolicy(
                max_attempts=None, initial_delay=0.05, max_delay=0.5, stable_after=1.0
            ),
            ping_interval=0.5,
            ping_timeout=0.5,
            open_timeout=2.0,
            close_timeout=0.5,
            random=random.Random(rng.randrange(2**32)).random,
        )
        for index in range(users)
    ]
    try:
        proxy.storm()
        await asyncio.gather(*(client.connect() for client in clients))
        gap = storm_seconds / max(messages, 1)

        async def chat(index: int, client: CopilotClient, pauses: random.Random) -> None:
            for number in range(messages):
                # Pacing the workload across the storm (not waiting for anything to settle).
                await asyncio.sleep(pauses.uniform(0.0, gap))
                await client.send_message(f"user {index} message {number}")

        await asyncio.gather(
            *(
                chat(index, client, random.Random(rng.randrange(2**32)))
                for index, client in enumerate(clients)
            ),
            asyncio.sleep(storm_seconds),
        )
        proxy.calm()
        if progress is not None:
            progress(f"storm over ({proxy.total_faults} faults); settling")
        report.settled = await wait_settled(clients, settle_timeout)
        await hub.wait_turns()
        for index, client in enumerate(clients):
            audit(report, f"user-{index}", client, db_path)
            stats = client.stats()
            report.reconnects += stats.reconnects
            report.resent += stats.resent
    finally:
        report.faults = Counter(proxy.faults)
        await asyncio.gather(*(client.disconnect() for client in clients))
        await proxy.close()
        await stop_server()
        report.seconds = time.monotonic() - started
    return report
