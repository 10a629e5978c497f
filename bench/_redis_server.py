"""A throwaway redis-server on a free loopback port, for the benchmarks that need their own."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def start_redis(directory: Path) -> tuple[asyncio.subprocess.Process, int]:
    """A redis-server keeping nothing on disk, ready to accept connections: (process, port)."""
    port = free_port()
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is not on the PATH")
    process = await asyncio.create_subprocess_exec(
        server, "--port", str(port), "--save", "", "--dir", str(directory),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    while b"Ready to accept connections" not in await process.stdout.readline():
        pass
    return process, port
