#!/usr/bin/env python3
"""Attachment upload throughput against a bare websockets binary-frame baseline, one run.

1. ``baseline``: a bare ``websockets`` server that only counts what arrives, and a bare client
   that writes the file in binary frames of the same size as ours, then waits for the server's
   one "got it" frame: the socket's own speed, nothing stored, nothing checked.
2. ``ours``: ``CopilotClient.upload()`` to the reference server (websockets driver, SQLite
   file in a temporary directory, the upload's bytes in a file beside it): ``upload_start``,
   chunk frames with their header, a window of unacknowledged bytes, every batch stored by
   the upload's writer task and acknowledged, the SHA-256 computed on both sides (the
   client's while it sends, declared in ``upload_end``) and the attachment recorded in one
   transaction at the end.

Both in this process, on loopback, alternating, best of ``--rounds``; prints MB/s of each and
the ratio ours / baseline (the issue's target: at least 0.8).

    python bench/upload_throughput.py                 # 10 MiB, 5 rounds
    python bench/upload_throughput.py --mib 4 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from omnitrack_realtime import CopilotClient
from omnitrack_realtime.server import AttachmentLimits, ServerConfig, WebSocketServer, build_hub
from omnitrack_realtime.server.auth import AuthConfig, mint_token
from omnitrack_realtime.server.demo_engine import DemoEngine
from omnitrack_realtime.server.store import SQLiteStore

MIB = 1024 * 1024
CHUNK = 60 * 1024  # the reference server's default chunk size
AUTH = AuthConfig(secret="bench-secret-" + "x" * 40)


async def baseline(data: bytes) -> float:
    """Seconds to move ``data`` through a bare websockets connection in binary frames."""
    size = len(data)

    async def count(ws: ServerConnection) -> None:
        got = 0
        async for frame in ws:
            got += len(frame)
            if got >= size:
                await ws.send("got it")

    # No permessage-deflate on either side, as with our client and server: the bare floor.
    async with serve(count, "127.0.0.1", 0, max_size=2 * CHUNK, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", max_size=None, compression=None) as ws:
            started = time.perf_counter()
            view = memoryview(data)
            for offset in range(0, size, CHUNK):
                await ws.send(view[offset : offset + CHUNK])
            await ws.recv()
            return time.perf_counter() - started


async def ours(data: bytes, directory: Path, number: int) -> float:
    """Seconds for ``CopilotClient.upload(data)`` to the reference server."""
    config = ServerConfig(
        port=0,
        token_delay=0.0,
        auth=AUTH,
        attachments=AttachmentLimits(max_bytes=len(data) + 1),
        ping_interval=None,
    )
    store = SQLiteStore(directory / f"bench-{number}.db")
    server = WebSocketServer(build_hub(config, engine=DemoEngine(), store=store))
    await server.start()
    try:
        async with CopilotClient(
            f"ws://127.0.0.1:{server.port}/copilot",
            user_id="bench",
            token=mint_token("bench", AUTH, ttl=600),
            ping_interval=None,
        ) as copilot:
            started = time.perf_counter()
            info = await copilot.upload(data, name="bench.csv", content_type="text/csv")
            elapsed = time.perf_counter() - started
            assert info.size == len(data)
            return elapsed
    finally:
        await server.shutdown()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=float, default=10.0, help="file size (default 10 MiB)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = os.urandom(int(args.mib * MIB))
    bare: list[float] = []
    mine: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.rounds):
            bare.append(await baseline(data))
            mine.append(await ours(data, Path(tmp), number))
    mb = len(data) / 1e6
    best_bare, best_mine = min(bare), min(mine)
    print(f"file: {len(data):,} bytes in {CHUNK // 1024} KiB chunks, best of {args.rounds}")
    print(f"baseline (bare websockets, binary frames): {mb / best_bare:8.1f} MB/s")
    print(f"ours (CopilotClient.upload, stored+verified): {mb / best_mine:8.1f} MB/s")
    print(f"ratio ours/baseline: {best_bare / best_mine:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    asyncio.run(main())
