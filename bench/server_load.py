#!/usr/bin/env python3
"""Server load: the reference server beside a bare ``websockets`` server, in the same run.

Three measurements (issue 3, "Tests and benchmarks"), each run against both servers, each
server in a subprocess of its own on loopback, the load generated from this process:

1. ``stream``: N concurrent conversations (one connection and one user each) each streaming a
   T-token answer with token delay 0: aggregate tokens/s and time to first token p50/p99.
2. ``idle``: M idle ``/ws`` connections: the server's RSS growth per connection.
3. ``fanout``: one event broadcast to the M subscribers, R rounds: delivery latency p50/p99
   (publish sent -> event received, measured in this process for every subscriber).

The bare server does the minimum a server must do for the same wire traffic (JSON frames of
the same shape, encoded with msgspec; ``websockets.broadcast`` for the fan-out) and nothing
else: no auth, no storage, no limits, no per-user numbering or replay buffers. Ratios are
ours / bare (for throughput, bare / ours), so 1.0 means "as fast as the bare server", and
a ratio above 1 is the price of the reference server's features.

Both servers run side by side during the whole run and every measurement alternates between
them (flipping the order each time), so a noisy moment on a shared machine hits both alike;
the streaming figures are medians over ``--runs``, the fan-out percentiles are over every
delivery of ``--rounds`` alternating rounds (after one uncounted warm-up round each).

    python bench/server_load.py                       # the issue's sizes (~30 s)
    python bench/server_load.py --servers bare,ours,pg --only stream   # SQLite vs PostgreSQL
    python bench/server_load.py --conversations 20 --tokens 200 --connections 500 --rounds 3
    OMNITRACK_BENCH_PROFILE=/tmp/p python bench/server_load.py --only stream --runs 1
    # cProfiles each server but bare into /tmp/p.ours, /tmp/p.asgi

``pg`` is ``ours`` with its store on PostgreSQL (a scratch schema of ``--postgres``, dropped
after); the streaming table then adds the PostgreSQL / SQLite ratios of the same driver.

permessage-deflate is off on both sides (the server's default). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_scratch import DEFAULT_PG, scratch_schema  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
READY = "READY "

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


# --------------------------------------------------------------------------- servers


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


async def _serve_bare(host: str) -> None:
    """The baseline: the same frames, nothing else."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    subscribers: set[ServerConnection] = set()

    async def copilot(ws: ServerConnection) -> None:
        async for raw in ws:
            action = _decoder.decode(raw)
            if action.get("action") != "message":
                continue
            conversation = action.get("conversationId") or f"conv-{uuid.uuid4()}"
            stream_id = f"stream-{uuid.uuid4()}"
            text = action.get("message", "")
            await ws.send(
                _encoder.encode(
                    {
                        "type": "acknowledgment",
                        "message": "Message received",
                        "timestamp": _now_ms(),
                        "conversationId": conversation,
                    }
                ),
                text=True,
            )
            await ws.send(
                _encoder.encode(
                    {
                        "type": "stream_start",
                        "conversationId": conversation,
                        "timestamp": _now_ms(),
                        "metadata": {"intent": "bench", "confidence": 1.0},
                        "streamId": stream_id,
                    }
                ),
                text=True,
            )
            count = int(text.split()[-1]) if text.split() else 0
            for seq in range(1, count + 1):
                await ws.send(
                    _encoder.encode(
                        {
                            "type": "stream_token",
                            "token": f" tok{seq}",
                            "conversationId": conversation,
                            "timestamp": _now_ms(),
                            "streamId": stream_id,
                            "seq": seq,
                        }
                    ),
                    text=True,
                )
            await ws.send(
                _encoder.encode(
                    {
                        "type": "stream_complete",
                        "conversationId": conversation,
                        "timestamp": _now_ms(),
                        "metadata": {"tokenCount": count, "actionSuccess": True},
                        "streamId": stream_id,
                    }
                ),
                text=True,
            )

    async def events(ws: ServerConnection) -> None:
        subscribers.add(ws)
        try:
            async for raw in ws:
                action = _decoder.decode(raw)
                if action.get("action") == "publish":
                    frame = _encoder.encode(
                        {
                            "type": action["eventType"],
                            "data": action.get("data"),
                            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "id": f"evt-{uuid.uuid4().hex}",
                        }
                    ).decode()
                    broadcast([s for s in subscribers if s is not ws], frame)
        finally:
            subscribers.discard(ws)

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        if path.startswith("/copilot"):
            await copilot(ws)
        else:
            await events(ws)

    async with serve(handler, host, 0, compression=None, max_size=64 * 1024) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"{READY}{port}", flush=True)
        await asyncio.Future()


class BenchEngine:
    """Answers "stream N" with exactly N tokens."""

    async def respond(self, request: Any, publisher: Any) -> AsyncIterator[Any]:
        from omnitrack_realtime.seam import AnswerEnd, AnswerStart, AnswerText

        words = request.message.split()
        count = int(words[-1]) if words else 0
        yield AnswerStart({"intent": "bench", "confidence": 1.0})
        for seq in range(1, count + 1):
            yield AnswerText(f" tok{seq}")
        yield AnswerEnd({"actionSuccess": True})


def _bench_config(host: str, db_path: str) -> Any:
    from omnitrack_realtime.server.auth import AuthConfig
    from omnitrack_realtime.server.config import Limits, ServerConfig

    return ServerConfig(
        host=host,
        port=0,
        db_path=db_path if db_path.startswith("postgresql://") else Path(db_path),
        token_delay=0.0,
        auth=AuthConfig(secret=SECRET),
        limits=Limits(
            messages_per_minute=1_000_000, burst=1_000_000, connections_per_user=1_000_000
        ),
        outbound_buffer=64 * 1024 * 1024,
    )


async def _serve_ours(host: str, db_path: str) -> None:
    """The reference server (websockets driver; SQLite, or PostgreSQL for a URL) with the bench
    engine."""
    from omnitrack_realtime.server.app import create_server
    from omnitrack_realtime.server.store import SQLStore

    config = _bench_config(host, db_path)
    server = await create_server(config, engine=BenchEngine(), store=SQLStore(db_path))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"{READY}{server.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.shutdown()


async def _serve_asgi(host: str, db_path: str) -> None:
    """The same core through the ASGI driver, served by uvicorn (websockets-sansio)."""
    import socket

    import uvicorn

    from omnitrack_realtime.server.app import build_hub
    from omnitrack_realtime.server.asgi import create_asgi_app, uvicorn_options
    from omnitrack_realtime.server.store import SQLiteStore

    config = _bench_config(host, db_path)
    hub = build_hub(config, engine=BenchEngine(), store=SQLiteStore(db_path))
    app = create_asgi_app(hub=hub)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((host, 0))
    print(f"{READY}{listener.getsockname()[1]}", flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app, lifespan="on", log_level="warning", backlog=4096, **uvicorn_options(config)
        )
    )
    # uvicorn re-raises the SIGTERM it handled once it has shut down; a no-op handler lets the
    # process end normally (and a cProfile run write its file).
    signal.signal(signal.SIGTERM, lambda *_: None)
    await server.serve(sockets=[listener])  # SIGTERM: uvicorn's graceful shutdown


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen[str]
    port: int

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")


@contextlib.contextmanager
def _server(name: str, host: str, postgres: str) -> Any:
    with contextlib.ExitStack() as stack:
        db = f"{stack.enter_context(tempfile.TemporaryDirectory(prefix='omnitrack-bench-'))}/b.db"
        serve = name
        if name == "pg":  # the websockets driver, its store on PostgreSQL
            url = stack.enter_context(scratch_schema(postgres))
            if url is None:
                raise RuntimeError(f"no PostgreSQL at {postgres} (--postgres '' to leave it out)")
            db, serve = url, "ours"
        command = [sys.executable, __file__, "--serve", serve, "--host", host, "--db", db]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ}
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith(READY):
                raise RuntimeError(f"the {name} server did not start: {line!r}")
            yield ServerProcess(name, process, int(line[len(READY) :]))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --------------------------------------------------------------------------- load


def _token(user: str, scopes: Sequence[str] = ()) -> str:
    from omnitrack_realtime.server.auth import AuthConfig, mint_token

    return mint_token(user, AuthConfig(secret=SECRET), scopes=scopes)


async def _open(
    server: ServerProcess, path: str, user: str, scopes: Sequence[str] = ()
) -> ClientConnection:
    headers = {"Authorization": f"Bearer {_token(user, scopes)}"}
    return await connect(
        f"ws://127.0.0.1:{server.port}{path}",
        additional_headers=headers,
        compression=None,
        max_size=None,
        ping_interval=None,
        open_timeout=60,
    )


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class StreamResult:
    tokens_per_s: float
    ttft_p50: float
    ttft_p99: float
    tokens: int


async def _one_conversation(
    ws: ClientConnection, tokens: int, start: asyncio.Event
) -> tuple[float, float, int]:
    await start.wait()
    sent = time.perf_counter()
    await ws.send(
        _encoder.encode(
            {
                "action": "message",
                "message": f"stream {tokens}",
                "conversationId": None,
                "streaming": True,
            }
        ).decode()
    )
    first: float | None = None
    received = 0
    while True:
        frame = _decoder.decode(await ws.recv())
        kind = frame.get("type")
        if kind == "stream_token":
            if first is None:
                first = time.perf_counter()
            received += 1
        elif kind in ("stream_complete", "stream_interrupted", "error"):
            break
    end = time.perf_counter()
    return (first or end) - sent, end, received


async def measure_stream(server: ServerProcess, conversations: int, tokens: int) -> StreamResult:
    sockets = await asyncio.gather(
        *(_open(server, "/copilot", f"bench-{i}") for i in range(conversations))
    )
    try:
        start = asyncio.Event()
        tasks = [asyncio.create_task(_one_conversation(ws, tokens, start)) for ws in sockets]
        began = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))
    ttfts = [ttft for ttft, _, _ in results]
    received = sum(count for _, _, count in results)
    elapsed = max(end for _, end, _ in results) - began
    if received != conversations * tokens:
        raise RuntimeError(f"{server.name}: {received} of {conversations * tokens} tokens arrived")
    return StreamResult(
        received / elapsed, _percentile(ttfts, 0.5), _percentile(ttfts, 0.99), received
    )


async def _ready(ws: ClientConnection) -> None:
    pong = await ws.ping()
    await pong


@dataclass
class Subscribers:
    """M idle ``/ws`` connections to one server, plus a publisher allowed to broadcast."""

    publisher: ClientConnection
    sockets: list[ClientConnection]
    rss_per_connection: float

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in [*self.sockets, self.publisher]))


async def open_idle(server: ServerProcess, connections: int, users: int) -> Subscribers:
    """Open the idle connections; the server's RSS growth divided by their number."""
    publisher = await _open(server, "/ws", "bench-publisher", ["events:publish"])
    await _ready(publisher)
    before = server.rss_bytes()
    sockets: list[ClientConnection] = []
    batch = 200
    for offset in range(0, connections, batch):
        sockets += await asyncio.gather(
            *(
                _open(server, "/ws", f"bench-{i % users}")
                for i in range(offset, min(connections, offset + batch))
            )
        )
    # A ping round trip on every socket: the server has finished setting each one up.
    await asyncio.gather(*(_ready(ws) for ws in sockets))
    return Subscribers(publisher, sockets, (server.rss_bytes() - before) / connections)


async def fanout_round(subscribers: Subscribers, round_: int) -> list[float]:
    """Publish one event; seconds from the publish until each subscriber has it."""

    async def receive(ws: ClientConnection) -> float:
        while True:
            frame = _decoder.decode(await ws.recv())
            if frame.get("type") == "digital_twin_update":
                return time.perf_counter()

    waiting = [asyncio.create_task(receive(ws)) for ws in subscribers.sockets]
    await asyncio.sleep(0)  # let every receiver reach recv() before the clock starts
    sent = time.perf_counter()
    action = {"action": "publish", "eventType": "digital_twin_update", "data": {"round": round_}}
    await subscribers.publisher.send(_encoder.encode(action).decode())
    arrived = await asyncio.wait_for(asyncio.gather(*waiting), timeout=120)
    return [at - sent for at in arrived]


# --------------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _median(samples: Sequence[Any]) -> Any:
    """A result whose every field is the median of that field over the runs."""
    kind = type(samples[0])
    return kind(
        **{
            name: statistics.median(getattr(sample, name) for sample in samples)
            for name in kind.__dataclass_fields__
        }
    )


async def run(args: argparse.Namespace) -> None:
    # The load generator holds thousands of objects: a collection in the middle of a timed
    # window would be charged to whichever server happened to be measured.
    gc.disable()
    names = args.servers.split(",")
    streams: dict[str, list[StreamResult]] = {name: [] for name in names}
    memory: dict[str, float] = {}
    latencies: dict[str, list[float]] = {name: [] for name in names}
    # The servers run side by side and the measurements alternate between them (the order
    # flipping every time), so a noisy moment on a shared machine hits both alike.
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(_server(name, args.host, args.postgres)) for name in names
        }
        if "stream" in args.only:
            for run_ in range(args.runs):
                for name in names if run_ % 2 == 0 else names[::-1]:
                    gc.collect()
                    streams[name].append(
                        await measure_stream(servers[name], args.conversations, args.tokens)
                    )
        if "idle" in args.only or "fanout" in args.only:
            idle = {}
            for name in names:
                idle[name] = await open_idle(servers[name], args.connections, args.users)
                memory[name] = idle[name].rss_per_connection
            gc.collect()
            # Round 0 warms both servers up (first writes allocate buffers); not counted.
            for round_ in range(args.rounds + 1):
                for name in names if round_ % 2 == 0 else names[::-1]:
                    delays = await fanout_round(idle[name], round_)
                    if round_:
                        latencies[name] += delays
            for subscribers in idle.values():
                await subscribers.close()
    print(
        f"server_load: python {sys.version.split()[0]}, websockets {websockets.__version__},"
        f" {os.cpu_count()} cores, loopback; ratios are against bare"
    )
    if "stream" in args.only:
        print(
            f"(1) {args.conversations} conversations x {args.tokens} tokens, token delay 0"
            f" (median of {args.runs} runs each)"
        )
        print(
            f"    {'server':<8}{'tokens/s':>10}{'ratio':>8}{'TTFT p50':>12}{'ratio':>8}"
            f"{'TTFT p99':>12}{'ratio':>8}"
        )
        base = _median(streams["bare"])
        for name in names:
            r = _median(streams[name])
            print(
                f"    {name:<8}{r.tokens_per_s:>10,.0f}{base.tokens_per_s / r.tokens_per_s:>7.2f}x"
                f"{_ms(r.ttft_p50):>12}{r.ttft_p50 / base.ttft_p50:>7.2f}x"
                f"{_ms(r.ttft_p99):>12}{r.ttft_p99 / base.ttft_p99:>7.2f}x"
            )
        print("    (tokens/s ratio is bare/server: above 1 means slower than bare)")
        if "pg" in names and "ours" in names:
            ours, pg = _median(streams["ours"]), _median(streams["pg"])
            print(
                f"    PostgreSQL / SQLite store (same driver): tokens/s "
                f"{pg.tokens_per_s:,.0f} / {ours.tokens_per_s:,.0f} = ratio "
                f"{pg.tokens_per_s / ours.tokens_per_s:.2f}; TTFT p50 ratio "
                f"{pg.ttft_p50 / ours.ttft_p50:.2f}, p99 ratio {pg.ttft_p99 / ours.ttft_p99:.2f}"
            )
    if memory:
        print(
            f"(2) {args.connections} idle /ws connections: server RSS growth per connection"
            " (target < 20 KiB)"
        )
        for name in names:
            print(
                f"    {name:<8}{memory[name] / 1024:>8.1f} KiB"
                f"{memory[name] / memory['bare']:>7.2f}x"
            )
        print(
            f"(3) one event to {args.connections} subscribers, {args.rounds} alternating rounds"
            f" ({len(latencies['bare'])} deliveries per server; target p50 within 1.5x)"
        )
        print(f"    {'server':<8}{'p50':>10}{'ratio':>8}{'p99':>12}{'ratio':>8}")
        b50, b99 = _percentile(latencies["bare"], 0.5), _percentile(latencies["bare"], 0.99)
        for name in names:
            p50, p99 = _percentile(latencies[name], 0.5), _percentile(latencies[name], 0.99)
            print(f"    {name:<8}{_ms(p50):>10}{p50 / b50:>7.2f}x{_ms(p99):>12}{p99 / b99:>7.2f}x")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200, help="users owning the /ws connections")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="streaming runs per server")
    parser.add_argument("--only", default="stream,idle,fanout")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--servers",
        default="bare,ours,asgi,pg",
        help="comma-separated: bare (baseline, always first), ours (websockets driver), asgi, "
        "pg (ours with its store on PostgreSQL)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNITRACK_BENCH_PG", DEFAULT_PG),
        help=f"the PostgreSQL of the pg server (a scratch schema in it; default {DEFAULT_PG})",
    )
    parser.add_argument("--serve", choices=["bare", "ours", "asgi"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    servers = {
        "bare": lambda: _serve_bare(args.host),
        "ours": lambda: _serve_ours(args.host, args.db),
        "asgi": lambda: _serve_asgi(args.host, args.db),
    }
    if args.serve:
        serve = servers[args.serve]
        profile = os.environ.get("OMNITRACK_BENCH_PROFILE")  # a path: cProfile our servers
        if profile and args.serve != "bare":
            import cProfile

            cProfile.runctx("asyncio.run(serve())", globals(), locals(), f"{profile}.{args.serve}")
        else:
            asyncio.run(serve())
    else:
        args.only = set(args.only.split(","))
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
