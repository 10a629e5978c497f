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

Each round runs both twice: with client and server in this process (one event loop, as
before), and with the server in a process of its own (``--serve``, started afresh for each
upload, as both sides run in production); the same for the baseline and for ours. On
loopback, alternating, best of ``--rounds``; prints MB/s of each and the ratio ours /
baseline, in-process and separate processes (the issue's target: at least 0.8).

    python bench/upload_throughput.py                 # 10 MiB, 5 rounds
    python bench/upload_throughput.py --mib 4 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


async def _count(ws: ServerConnection) -> None:
    """The bare server: counts the bytes of binary frames; "got it" once the size (the
    first, text, frame) has arrived."""
    size = int(await ws.recv())
    got = 0
    async for frame in ws:
        got += len(frame)
        if got >= size:
            await ws.send("got it")


def _bare_server() -> Any:
    # No permessage-deflate on either side, as with our client and server: the bare floor.
    return serve(_count, "127.0.0.1", 0, max_size=2 * CHUNK, compression=None)


async def _bare_client(port: int, data: bytes) -> float:
    async with connect(f"ws://127.0.0.1:{port}", max_size=None, compression=None) as ws:
        await ws.send(str(len(data)))
        started = time.perf_counter()
        view = memoryview(data)
        for offset in range(0, len(data), CHUNK):
            await ws.send(view[offset : offset + CHUNK])
        await ws.recv()
        return time.perf_counter() - started


def _our_server(size: int, database: Path) -> WebSocketServer:
    config = ServerConfig(
        port=0,
        token_delay=0.0,
        auth=AUTH,
        attachments=AttachmentLimits(max_bytes=size + 1),
        ping_interval=None,
    )
    store = SQLiteStore(database)
    return WebSocketServer(build_hub(config, engine=DemoEngine(), store=store))


async def _our_client(port: int, data: bytes) -> float:
    async with CopilotClient(
        f"ws://127.0.0.1:{port}/copilot",
        user_id="bench",
        token=mint_token("bench", AUTH, ttl=600),
        ping_interval=None,
    ) as copilot:
        started = time.perf_counter()
        info = await copilot.upload(data, name="bench.csv", content_type="text/csv")
        elapsed = time.perf_counter() - started
        assert info.size == len(data)
        return elapsed


async def baseline(data: bytes) -> float:
    """Seconds to move ``data`` through a bare websockets connection in binary frames."""
    async with _bare_server() as server:
        return await _bare_client(server.sockets[0].getsockname()[1], data)


async def ours(data: bytes, directory: Path, number: int) -> float:
    """Seconds for ``CopilotClient.upload(data)`` to the reference server."""
    server = _our_server(len(data), directory / f"bench-{number}.db")
    await server.start()
    try:
        return await _our_client(server.port, data)
    finally:
        await server.shutdown()


async def _serve(kind: str, size: int, database: Path) -> None:
    """``--serve``: one server in this process; prints its port, runs until stdin closes."""
    loop = asyncio.get_running_loop()
    if kind == "bare":
        async with _bare_server() as bare:
            print(bare.sockets[0].getsockname()[1], flush=True)
            await loop.run_in_executor(None, sys.stdin.read)
        return
    server = _our_server(size, database)
    await server.start()
    print(server.port, flush=True)
    try:
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await server.shutdown()


async def separate(kind: str, data: bytes, directory: Path, number: int) -> float:
    """Seconds for the same upload with its server (``kind``) in a process of its own."""
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        kind,
        "--size",
        str(len(data)),
        "--database",
        str(directory / f"separate-{number}.db"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        port = int(await server.stdout.readline())
        client = _bare_client if kind == "bare" else _our_client
        return await client(port, data)
    finally:
        server.stdin.close()
        await server.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=float, default=10.0, help="file size (default 10 MiB)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", choices=("bare", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        await _serve(args.serve, args.size, args.database)
        return
    data = os.urandom(int(args.mib * MIB))
    times: dict[str, list[float]] = {k: [] for k in ("bare", "ours", "bare2", "ours2")}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.rounds):
            times["bare"].append(await baseline(data))
            times["ours"].append(await ours(data, Path(tmp), number))
            times["bare2"].append(await separate("bare", data, Path(tmp), number))
            times["ours2"].append(await separate("ours", data, Path(tmp), number))
    mb = len(data) / 1e6
    best = {k: min(v) for k, v in times.items()}
    print(f"file: {len(data):,} bytes in {CHUNK // 1024} KiB chunks, best of {args.rounds}")
    for where, bare, mine in (
        ("in one process", "bare", "ours"),
        ("server in its own process", "bare2", "ours2"),
    ):
        print(f"{where}:")
        print(f"  baseline (bare websockets, binary frames): {mb / best[bare]:8.1f} MB/s")
        print(f"  ours (CopilotClient.upload, stored+verified): {mb / best[mine]:8.1f} MB/s")
        print(f"  ratio ours/baseline: {best[bare] / best[mine]:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    asyncio.run(main())
