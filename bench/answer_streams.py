#!/usr/bin/env python3
"""Copilot streaming across processes (answers shared through Redis) beside one process, in
the same run.

Starts a ``redis-server`` of its own, two ``omnitrack serve`` processes on it (one SQLite
file) and one ``omnitrack serve`` without Redis, all with ``--token-delay 0`` (tokens as fast
as the server makes them). Each round, ``--chats`` connections ask the demo engine's longest
answer (``help``, ~140 tokens) at once:

- ``single``: on the process without Redis (today's in-memory path);
- ``shared``: on a Redis process (each answer also appended to its Redis record);
- ``follower``: on a Redis process, each answer also followed live by a connection on the
  other process (``resume``): the tokens a client gets from another process's answer.

Throughput is tokens received per second of wall time; rounds alternate between set-ups. Then
Redis's ``INFO commandstats`` says how many Redis commands (round trips) one token cost while
the ``shared`` answers streamed (appends are batched per flush, so far below one).

    python bench/answer_streams.py                  # 20 chats, 6 rounds
    python bench/answer_streams.py --chats 50 --rounds 3

Loopback only; needs ``redis-server`` on the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from event_fanout import AUTH, _commands, _redis, _serve
from omnitrack_realtime.server.auth import mint_token

QUESTION = "help"


async def _chat(port: int, user: str) -> ClientConnection:
    token = mint_token(user, AUTH, ttl=3600)
    return await connect(
        f"ws://127.0.0.1:{port}/copilot",
        additional_headers={"Authorization": f"Bearer {token}"},
        max_size=None,
    )


async def _until(ws: ClientConnection, kind: str) -> tuple[dict[str, Any], int]:
    """Frames until one of ``kind``: it, and how many tokens came before it."""
    tokens = 0
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "stream_token":
            tokens += 1
        elif frame["type"] == kind:
            return frame, tokens


async def _ask(ws: ClientConnection, n: str, follower: ClientConnection | None) -> int:
    await ws.send(json.dumps({"action": "message", "message": QUESTION, "clientMessageId": n}))
    start, _ = await _until(ws, "stream_start")
    follow: asyncio.Task[tuple[dict[str, Any], int]] | None = None
    if follower is not None:
        resume = {"action": "resume", "conversationId": start["conversationId"]}
        await follower.send(json.dumps({**resume, "streamId": start["streamId"], "afterSeq": 0}))
        follow = asyncio.create_task(_until(follower, "stream_complete"))
    _, tokens = await _until(ws, "stream_complete")
    if follow is not None:
        _, tokens = await follow  # what the other process delivered
    return tokens


async def _round(
    chats: list[ClientConnection], followers: list[ClientConnection] | None, base: int
) -> float:
    started = time.perf_counter()
    counts = await asyncio.gather(
        *(
            _ask(ws, f"{base}-{i}", followers[i] if followers else None)
            for i, ws in enumerate(chats)
        )
    )
    return sum(counts) / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        redis, redis_port = await _redis(root)
        url = f"redis://127.0.0.1:{redis_port}/0"
        processes = []
        try:
            first = await _serve(root / "shared.db", url)
            second = await _serve(root / "shared.db", url)
            single = await _serve(root / "single.db", None)
            processes = [first[0], second[0], single[0]]
            users = [f"user-{i}" for i in range(args.chats)]
            on_single = [await _chat(single[1], u) for u in users]
            on_shared = [await _chat(first[1], u) for u in users]
            followers = [await _chat(second[1], u) for u in users]
            figures: dict[str, list[float]] = {"single": [], "shared": [], "follower": []}
            tokens = calls = 0
            for number in range(args.rounds):
                figures["single"].append(await _round(on_single, None, number * 10))
                before = sum((await _commands(redis_port)).values())
                started = time.perf_counter()
                rate = await _round(on_shared, None, number * 10 + 1)
                tokens += round(rate * (time.perf_counter() - started))
                calls += sum((await _commands(redis_port)).values()) - before - 1
                figures["shared"].append(rate)
                figures["follower"].append(await _round(on_shared, followers, number * 10 + 2))
            for ws in on_single + on_shared + followers:
                await ws.close()
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
                await process.wait()
            redis.terminate()
            await redis.wait()
    base = statistics.median(figures["single"])
    print(f"{args.chats} chats x {args.rounds} rounds, '{QUESTION}' (~140 tokens), token delay 0")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"  {name:9s} {median:10,.0f} tokens/s   ratio to single: {median / base:.2f}")
    print(f"  Redis round trips per token (shared): {calls / max(tokens, 1):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=6)
    asyncio.run(main(parser.parse_args()))
