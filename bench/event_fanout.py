#!/usr/bin/env python3
"""Cross-process ``/ws`` fan-out on the Redis event log, beside one process, in the same run.

Starts a ``redis-server`` of its own on a free port, three ``omnitrack serve`` processes on it
(one SQLite file) and one ``omnitrack serve`` without Redis. ``--connections`` subscribers are
spread over the three (or all on the single one); a publisher on the first process broadcasts
one event per round, and the latency publish sent -> event received is measured here for every
delivery. Rounds alternate between the two set-ups. Then ``--events`` events are published with
no subscriber and Redis's ``total_commands_processed`` says how many Redis commands (round
trips: one Lua script per publish, one ``XREAD`` wake-up per process per batch) one event costs.

    python bench/event_fanout.py                       # 300 connections, 30 rounds
    python bench/event_fanout.py --connections 90 --rounds 10 --events 200

Loopback only; needs ``redis-server`` on the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from _redis_server import free_port, start_redis
from omnitrack_realtime.server.auth import AuthConfig, mint_token

SECRET = "bench-secret-0123456789abcdef0123456789"
AUTH = AuthConfig(secret=SECRET)


async def _serve(db: Path, redis_url: str | None) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    env = {**os.environ, "OMNITRACK_JWT_SECRET": SECRET, "XDG_CONFIG_HOME": str(db.parent)}
    args = ["serve", "--port", str(port), "--db", str(db), "--token-delay", "0"]
    args += ["--rate", "100000", "--burst", "100000"]
    if redis_url:
        args += ["--redis-url", redis_url]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "omnitrack_realtime.cli.main", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    await process.stdout.readline()
    return process, port


async def _connect(port: int, user: str, *scopes: str) -> ClientConnection:
    token = mint_token(user, AUTH, ttl=3600, scopes=list(scopes))
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws", additional_headers={"Authorization": f"Bearer {token}"}
    )
    await ws.send(json.dumps({"action": "subscribe", "channels": ["alert_notification"]}))
    while json.loads(await ws.recv())["type"] != "subscribed":
        pass
    return ws


async def _round(publisher: ClientConnection, subscribers: list[ClientConnection]) -> list[float]:
    async def receive(ws: ClientConnection) -> float:
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "alert_notification":
                return time.perf_counter()

    waits = [asyncio.create_task(receive(ws)) for ws in subscribers]
    sent = time.perf_counter()
    await publisher.send(
        json.dumps({"action": "publish", "eventType": "alert_notification", "data": {}})
    )
    arrivals = await asyncio.gather(*waits)
    while json.loads(await publisher.recv())["type"] != "published":
        pass
    return [(arrival - sent) * 1000 for arrival in arrivals]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _commands(port: int) -> dict[str, int]:
    """Calls per Redis command so far (``INFO commandstats``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"INFO commandstats\r\n")
    header = await reader.readline()  # $<length>
    data = await reader.readexactly(int(header[1:]) + 2)
    writer.close()
    calls: dict[str, int] = {}
    for line in data.decode().splitlines():
        if line.startswith("cmdstat_"):
            name, _, rest = line[len("cmdstat_") :].partition(":")
            calls[name] = int(rest.split(",")[0].split("=")[1])
    return calls


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        redis, redis_port = await start_redis(base)
        url = f"redis://127.0.0.1:{redis_port}/0"
        processes = [await _serve(base / "shared.db", url) for _ in range(3)]
        single = await _serve(base / "single.db", None)
        try:
            ports = [port for _, port in processes]
            spread = [await _connect(ports[n % 3], f"user-{n}") for n in range(args.connections)]
            alone = [await _connect(single[1], f"user-{n}") for n in range(args.connections)]
            publish_many = await _connect(ports[0], "ops", "events:publish")
            publish_one = await _connect(single[1], "ops", "events:publish")
            latencies: dict[str, list[float]] = {"cross": [], "single": []}
            for number in range(args.rounds + 1):
                order = [("cross", publish_many, spread), ("single", publish_one, alone)]
                for name, publisher, subscribers in order[:: 1 if number % 2 else -1]:
                    measured = await _round(publisher, subscribers)
                    if number:  # the first round of each warms up
                        latencies[name] += measured
            for ws in spread + alone:
                await ws.close()
            before = await _commands(redis_port)
            for _ in range(args.events):
                await publish_many.send(
                    json.dumps({"action": "publish", "eventType": "agent_status", "data": {}})
                )
                while json.loads(await publish_many.recv())["type"] != "published":
                    pass
            after = await _commands(redis_port)
        finally:
            for process, _ in [*processes, single]:
                process.terminate()
                await process.wait()
            redis.terminate()
            await redis.wait()
    print(f"/ws broadcast to {args.connections} connections, {args.rounds} rounds (ms)")
    for name in ("single", "cross"):
        values = latencies[name]
        print(f"  {name:>6}: p50 {statistics.median(values):7.2f}  p99 {_pct(values, 0.99):7.2f}")
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        ratio = _pct(latencies["cross"], q) / _pct(latencies["single"], q)
        print(f"  cross-process / single-process {label}: {ratio:.2f}x")
    # A publish is one EVALSHA (its XADDs run inside it); each process's XREAD may return
    # several events per round trip.
    per_event = {
        name: (after.get(name, 0) - before.get(name, 0)) / args.events
        for name in ("evalsha", "xread", "xadd")
    }
    trips = per_event["evalsha"] + per_event["xread"]
    print(
        f"Redis round trips per event: {trips:.2f} (publish {per_event['evalsha']:.2f}, "
        f"XREAD of the 3 followers {per_event['xread']:.2f}; XADDs inside the script "
        f"{per_event['xadd']:.2f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--events", type=int, default=500)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parser.parse_args()))
