#!/usr/bin/env python3
"""The per-user limits shared through Redis, beside the in-process ones, in the same run.

Starts a ``redis-server`` of its own on a free port and two servers in this process: one with
``--redis-url`` (the message rate is a GCRA script in Redis, the connection cap a registry
there) and one without (the same limits, in memory); both keep the ``/ws`` event log in memory,
so that the limiter is the only difference. One ``/copilot`` connection to each sends
``--messages`` messages, one at a time (acknowledgment and answer awaited), in alternating
rounds; the limits are set high enough never to refuse. It prints the message throughput of
each and their ratio, and the Redis round trips the limiter costs per message: counted by the
server (one script run each) and by Redis itself (``INFO commandstats``: ``EVALSHA``, ``EVAL``
and ``SCRIPT`` calls, so a NOSCRIPT fallback would show). Then ``--takes`` limiter checks
alone: their p50/p99 latency with Redis and in memory.

    python bench/shared_limits.py                  # 400 messages, 2000 takes
    python bench/shared_limits.py --messages 100 --takes 500

Loopback only; needs ``redis-server`` on the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from _redis_server import start_redis
from omnitrack_realtime.server import Limits, ServerConfig, create_server
from omnitrack_realtime.server.auth import AuthConfig, mint_token
from omnitrack_realtime.server.backplane import MemoryBackplane
from omnitrack_realtime.server.limits import TokenBucket
from omnitrack_realtime.server.redis_limits import RedisLimits

SECRET = "bench-secret-0123456789abcdef0123456789"
AUTH = AuthConfig(secret=SECRET)
#: High enough never to refuse: the bench measures the checks, not refusals.
LIMITS = Limits(messages_per_minute=10**9, burst=10**6, replays_per_minute=10**9)


async def _script_calls(client: aioredis.Redis) -> int:
    stats = await client.info("commandstats")
    return sum(
        int(value["calls"])
        for name, value in stats.items()
        if name.split("|")[0] in ("cmdstat_evalsha", "cmdstat_eval", "cmdstat_script")
    )


async def _turns(ws: ClientConnection, count: int) -> float:
    """Messages per second over ``count`` turns, each awaited to its end."""
    started = time.perf_counter()
    conversation: str | None = None
    for n in range(count):
        action = {"action": "message", "message": f"status {n}", "clientMessageId": f"m-{n}"}
        if conversation is not None:
            action["conversationId"] = conversation
        await ws.send(json.dumps(action))
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "error":
                sys.exit(f"refused: {frame}")
            if frame["type"] == "suggestions":
                conversation = frame.get("conversationId", conversation)
                break
    return count / (time.perf_counter() - started)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as directory:
        redis_process, port = await start_redis(Path(directory))
        url = f"redis://127.0.0.1:{port}/0"
        stats_client = aioredis.Redis.from_url(url)
        common = {"port": 0, "token_delay": 0.0, "auth": AUTH, "limits": LIMITS}
        # The event log in memory for both: only the limits (and presence) use Redis here.
        shared = await create_server(
            ServerConfig(redis_url=url, **common),  # type: ignore[arg-type]
            backplane=MemoryBackplane(),
        )
        local = await create_server(ServerConfig(**common))  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {mint_token('bench', AUTH, ttl=3600)}"}
        try:
            async with (
                connect(f"{shared.url}/copilot", additional_headers=headers) as ws_shared,
                connect(f"{local.url}/copilot", additional_headers=headers) as ws_local,
            ):
                await _turns(ws_shared, 10)  # warm-up: the script loaded, caches filled
                await _turns(ws_local, 10)
                limiter = shared.hub.shared_limits
                assert limiter is not None
                trips, calls = limiter.round_trips, await _script_calls(stats_client)
                rates: dict[str, list[float]] = {"redis": [], "memory": []}
                per_round = max(args.messages // args.rounds, 1)
                for _ in range(args.rounds):
                    rates["redis"].append(await _turns(ws_shared, per_round))
                    rates["memory"].append(await _turns(ws_local, per_round))
                sent = per_round * args.rounds
                trips = limiter.round_trips - trips
                calls = await _script_calls(stats_client) - calls
                assert limiter.shared, "the limits fell back to memory: see the log"
            redis_rate = statistics.median(rates["redis"])
            memory_rate = statistics.median(rates["memory"])
            print(f"messages, one at a time ({sent} each, {args.rounds} alternating rounds):")
            print(f"  limits in Redis : {redis_rate:8.0f} messages/s (median of rounds)")
            print(f"  limits in memory: {memory_rate:8.0f} messages/s")
            print(f"  ratio Redis/memory: {redis_rate / memory_rate:.2f}")
            print("Redis round trips of the limiter per message:")
            print(f"  counted by the server: {trips / sent:.2f}")
            print(f"  script calls seen by Redis (EVALSHA/EVAL/SCRIPT): {calls / sent:.2f}")

            limits = RedisLimits(url, prefix="bench:takes")
            bucket = TokenBucket(per_minute=10**9, burst=10**6)
            memory_bucket = TokenBucket(per_minute=10**9, burst=10**6)
            redis_times, memory_times = [], []
            for n in range(args.takes):
                started = time.perf_counter()
                await limits.take("message", f"user-{n % 100}", bucket)
                redis_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                memory_bucket.take(f"user-{n % 100}")
                memory_times.append(time.perf_counter() - started)
            await limits.close()
            print(f"one limiter check ({args.takes}):")
            for name, times in (("Redis", redis_times), ("memory", memory_times)):
                p50, p99 = _percentile(times, 0.5) * 1e6, _percentile(times, 0.99) * 1e6
                print(f"  {name:6}: p50 {p50:8.1f} µs  p99 {p99:8.1f} µs")
        finally:
            await shared.shutdown()
            await local.shutdown()
            await stats_client.aclose()
            redis_process.kill()
            await redis_process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--takes", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
