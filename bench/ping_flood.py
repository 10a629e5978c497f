#!/usr/bin/env python3
"""Ping flood: the server's memory while a client sends WebSocket pings and never reads.

Issue 9 measured the server growing by about 25 MB/s under such a client (every ping is
answered with a pong that waits, forever, in the server's write buffer). This script measures,
in one run and against one server process (a subprocess, loopback):

1. ``idle``: the server's RSS with one idle authenticated connection (the baseline), sampled
   over ``--seconds``;
2. ``flood``: the same server while a raw client (no WebSocket library on the reading side: it
   never reads) sends 125-byte pings as fast as the server takes them, for ``--seconds`` or
   until the server closes it; sampled every 0.1 s. Then the client reads what reached it and
   reports the close code the server sent.

It prints the peak RSS of each phase, the flood's growth rate, and the ratio
``peak RSS during the flood / peak RSS with the idle connection`` (1.0: the flood costs
nothing; the unbounded server reached tens).

    python bench/ping_flood.py                        # websockets driver, /copilot, 10 s
    python bench/ping_flood.py --driver asgi --path /ws --seconds 20
    PYTHONPATH=/path/to/other/src python bench/ping_flood.py   # another version of the server

Linux only (RSS from /proc). The flood stops after ``--max-mb`` MB of server growth so an
unbounded server does not take the machine down.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "x" * 40
READY = "READY "
MB = 1024 * 1024
#: Seconds without the server taking any of the flood that mean it stopped reading it.
STALL = 1.0


# --------------------------------------------------------------------------- the server


def _config(host: str) -> object:
    from omnitrack_realtime.server.auth import AuthConfig
    from omnitrack_realtime.server.config import ServerConfig

    return ServerConfig(
        host=host, port=0, db_path=None, token_delay=0.0, auth=AuthConfig(secret=SECRET)
    )


async def _serve_websockets(host: str) -> None:
    from omnitrack_realtime.server.app import create_server

    server = await create_server(_config(host))  # type: ignore[arg-type]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"{READY}{server.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.shutdown()


async def _serve_asgi(host: str) -> None:
    import socket

    import uvicorn

    from omnitrack_realtime.server.asgi import create_asgi_app, uvicorn_options

    config = _config(host)
    app = create_asgi_app(config)  # type: ignore[arg-type]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((host, 0))
    print(f"{READY}{listener.getsockname()[1]}", flush=True)
    try:
        options = uvicorn_options(config, metrics=app.hub.metrics)  # type: ignore[arg-type,call-arg]
    except TypeError:  # an older server without the bounded protocol
        options = uvicorn_options(config)  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning", **options))
    signal.signal(signal.SIGTERM, lambda *_: None)
    await server.serve(sockets=[listener])


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int

    def rss(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")


@contextlib.contextmanager
def _server(driver: str, host: str) -> Iterator[ServerProcess]:
    with tempfile.TemporaryDirectory(prefix="omnitrack-flood-"):
        command = [sys.executable, __file__, "--serve", driver, "--host", host]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith(READY):
                raise RuntimeError(f"the server did not start: {line!r}")
            yield ServerProcess(process, int(line[len(READY) :]))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --------------------------------------------------------------------------- the raw client


class RawClient:
    """A WebSocket client that writes frames itself and reads only when told to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol: ClientProtocol

    @classmethod
    async def open(cls, host: str, port: int, path: str) -> RawClient:
        from omnitrack_realtime.server.auth import AuthConfig, mint_token

        reader, writer = await asyncio.open_connection(host, port)
        client = cls(reader, writer)
        client.protocol = ClientProtocol(parse_uri(f"ws://{host}:{port}{path}"))
        request = client.protocol.connect()
        token = mint_token("flooder", AuthConfig(secret=SECRET))
        request.headers["Authorization"] = f"Bearer {token}"
        client.protocol.send_request(request)
        writer.write(b"".join(client.protocol.data_to_send()))
        while True:
            data = await reader.read(65536)
            if not data:
                raise RuntimeError("the server closed the connection during the handshake")
            client.protocol.receive_data(data)
            for event in client.protocol.events_received():
                if isinstance(event, Response):
                    if event.status_code != 101:
                        raise RuntimeError(f"handshake refused: HTTP {event.status_code}")
                    return client

    async def flood(self, until: float, stop: asyncio.Event) -> tuple[int, bool]:
        """Send 125-byte pings until ``until`` (monotonic) or ``stop``: the bytes sent, and
        whether the server stopped reading them (nothing taken for ``STALL`` seconds)."""
        chunk = Frame(Opcode.PING, b"p" * 125).serialize(mask=True, extensions=[]) * 512
        sent = 0
        while not stop.is_set():
            remaining = until - time.monotonic()
            if remaining <= 0:
                break
            self.writer.write(chunk)
            try:
                await asyncio.wait_for(self.writer.drain(), min(remaining, STALL))
            except TimeoutError:
                return sent, time.monotonic() < until  # stalled before the end: not read
            except OSError:
                return sent, True
            sent += len(chunk)
        return sent, False

    async def read_close(self, within: float) -> tuple[int | None, int]:
        """Read everything the server sent; the close code it sent (if any) and bytes read."""
        received = 0
        code: int | None = None
        try:
            async with asyncio.timeout(within):
                while code is None:
                    data = await self.reader.read(1 << 20)
                    if not data:
                        break
                    received += len(data)
                    self.protocol.receive_data(data)
                    for event in self.protocol.events_received():
                        close = self.protocol.close_rcvd
                        if isinstance(event, Frame) and event.opcode is Opcode.CLOSE and close:
                            code = close.code
                    self.protocol.data_to_send()  # the pongs it would answer: never sent
        except (TimeoutError, OSError):
            pass
        return code, received

    def close(self) -> None:
        self.writer.transport.abort()


# --------------------------------------------------------------------------- the run


async def _sample(server: ServerProcess, seconds: float, stop: asyncio.Event) -> list[int]:
    samples = [server.rss()]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)
        samples.append(server.rss())
    return samples


async def run(args: argparse.Namespace) -> None:
    host = "127.0.0.1"
    with _server(args.driver, host) as server:
        idle = await RawClient.open(host, server.port, args.path)
        never = asyncio.Event()
        idle_samples = await _sample(server, args.seconds, never)
        idle_peak = max(idle_samples)

        flooder = await RawClient.open(host, server.port, args.path)
        stop = asyncio.Event()
        started = time.monotonic()
        flood = asyncio.create_task(flooder.flood(started + args.seconds, stop))

        async def watch() -> list[int]:
            samples = [server.rss()]
            while not flood.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(flood), 0.1)
                samples.append(server.rss())
                if samples[-1] - idle_peak > args.max_mb * MB:
                    stop.set()
            return samples

        flood_samples = await watch()
        elapsed = time.monotonic() - started
        sent, stalled = flood.result()
        code, received = await flooder.read_close(args.read_timeout)
        flooder.close()
        idle.close()

    flood_peak = max(flood_samples)
    growth = flood_peak - idle_peak
    print(f"driver {args.driver}, path {args.path}, {args.seconds:g} s per phase")
    print(f"  idle connection:  peak RSS {idle_peak / MB:8.1f} MB")
    print(f"  ping flood:       peak RSS {flood_peak / MB:8.1f} MB  (+{growth / MB:.1f} MB)")
    if stalled:
        when = f"stopped reading it after {elapsed - STALL:.1f} s"
    else:
        when = f"read it for the whole {elapsed:.1f} s ({growth / MB / elapsed:.1f} MB/s growth)"
    print(f"  the server {when}; the flood sent {sent / MB:.1f} MB of pings")
    print(
        f"  the client then read {received / MB:.1f} MB; close code from the server: "
        f"{code if code is not None else 'none'}"
    )
    print(f"  ratio flood / idle peak RSS: {flood_peak / idle_peak:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", choices=["websockets", "asgi"], default="websockets")
    parser.add_argument("--path", choices=["/copilot", "/ws"], default="/copilot")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--max-mb", type=float, default=1500, help="stop the flood past this")
    parser.add_argument("--read-timeout", type=float, default=10.0)
    parser.add_argument("--serve", choices=["websockets", "asgi"], help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve == "websockets":
        asyncio.run(_serve_websockets(args.host))
    elif args.serve == "asgi":
        asyncio.run(_serve_asgi(args.host))
    else:
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
