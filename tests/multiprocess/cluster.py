"""Several ``omnitrack serve`` processes on one Redis and one SQLite database, behind a
round-robin TCP load balancer: the deployment of docs/server.md, "Several processes".

- :class:`RedisServer`: a ``redis-server`` of the test's own on a free port (so the test can
  stop and restart it; with ``appendonly`` its data survives a restart).
- :class:`ServeProcess`: one ``omnitrack serve`` on a fixed port (a restart comes back there).
- :class:`LoadBalancer`: asyncio TCP relay; each new connection goes to the next backend
  that accepts it (no sticky sessions).
- :class:`Publisher`: a ``/ws`` connection with the ``events:publish`` scope to one process.
- :class:`Chat`: a raw ``/copilot`` connection to one process, keeping every frame it gets.

Every wait is on a process's output, a socket or a reply, with a timeout; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from omnitrack_realtime.server.auth import AuthConfig, mint_token

SECRET = "multiprocess-test-secret-0123456789abcdef"
AUTH = AuthConfig(secret=SECRET)
TIMEOUT = 20.0
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def token(user: str, *scopes: str) -> str:
    return mint_token(user, AUTH, ttl=3600, scopes=list(scopes))


class RedisServer:
    """``redis-server`` on a free port, in ``directory``."""

    def __init__(self, directory: Path, *, appendonly: bool = True) -> None:
        self.port = free_port()
        self.directory = directory
        self.appendonly = appendonly
        self.process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--dir", str(self.directory), "--daemonize", "no", "--loglevel", "notice"]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        self.process = await asyncio.create_subprocess_exec(
            REDIS_SERVER, *args, stdout=asyncio.subprocess.PIPE
        )
        assert self.process.stdout is not None
        async with asyncio.timeout(TIMEOUT):
            while b"Ready to accept connections" not in await self.process.stdout.readline():
                pass
        self._drain = asyncio.create_task(self._read_rest(self.process.stdout))

    @staticmethod
    async def _read_rest(stdout: asyncio.StreamReader) -> None:
        while await stdout.readline():
            pass

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.kill()  # an outage, not a shutdown: nothing more is written
            await process.wait()
        if self._drain is not None:
            await self._drain


@dataclass
class ServeProcess:
    """``omnitrack serve`` on ``port`` with the cluster's Redis and database."""

    port: int
    #: An SQLite file or a postgresql:// URL, shared by the cluster.
    db: str
    home: Path
    redis_url: str
    #: More ``omnitrack serve`` options (limits).
    args: tuple[str, ...] = ()
    token_delay: float = 0.0
    process: asyncio.subprocess.Process | None = None
    stderr: list[str] = field(default_factory=list)
    _drain: asyncio.Task[None] | None = None
    _logged: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNITRACK_", "NEXT_"))}
        env |= {"OMNITRACK_JWT_SECRET": SECRET, "XDG_CONFIG_HOME": str(self.home / "cfg")}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omnitrack_realtime.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--db",
            self.db,
            "--token-delay",
            str(self.token_delay),
            "--redis-url",
            self.redis_url,
            *self.args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)).decode()
        assert "serving ws://" in line, f"unexpected first line: {line!r}"
        assert self.process.stderr is not None
        self._drain = asyncio.create_task(self._read_stderr(self.process.stderr))

    async def _read_stderr(self, stderr: asyncio.StreamReader) -> None:
        while line := await stderr.readline():
            async with self._logged:
                self.stderr.append(line.decode())
                self._logged.notify_all()

    async def wait_log(self, text: str, count: int = 1) -> None:
        """Until ``text`` has appeared in ``count`` lines of the process's log."""

        def seen() -> bool:
            return sum(text in line for line in self.stderr) >= count

        async with asyncio.timeout(TIMEOUT), self._logged:
            await self._logged.wait_for(seen)

    async def stop(self) -> None:
        """A graceful stop (SIGTERM), as a rolling restart does."""
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._drain is not None:
            await self._drain

    async def kill(self) -> None:
        """A crash (SIGKILL): nothing of the process's own clean-up runs."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        if self._drain is not None:
            await self._drain

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def http(self, path: str) -> tuple[int, str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
        head, _, body = data.decode().partition("\r\n\r\n")
        return int(head.split()[1]), body


class LoadBalancer:
    """Round-robin TCP relay to ``backends`` (ports on 127.0.0.1): a connection goes to the
    next backend that accepts it; one that refuses is skipped."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self._next = itertools.count()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for _ in range(len(self.backends)):
            port = self.backends[next(self._next) % len(self.backends)]
            try:
                upstream = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(OSError):
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


class Publisher:
    """Publishes through one ``/ws`` connection (to a process, or through the balancer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ws: ClientConnection | None = None

    async def _connection(self) -> ClientConnection:
        if self._ws is None:
            headers = {"Authorization": f"Bearer {token('ops', 'events:publish')}"}
            self._ws = await connect(self.url + "/ws", additional_headers=headers)
        return self._ws

    async def publish(self, data: Any, *, user: str | None = None) -> dict[str, Any]:
        """The server's reply (``published`` or ``error``) to one publish."""
        ws = await self._connection()
        action: dict[str, Any] = {"action": "publish", "eventType": "alert_notification"}
        action["data"] = data
        if user is not None:
            action["userId"] = user
        await ws.send(json.dumps(action))
        async with asyncio.timeout(TIMEOUT):
            while True:
                reply: dict[str, Any] = json.loads(await ws.recv())
                if reply["type"] in ("published", "error"):
                    return reply

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None


class Chat:
    """A ``/copilot`` connection to ``url`` as ``user``: sends actions, keeps every frame."""

    def __init__(self, url: str, user: str = "alice") -> None:
        self.url = url
        self.user = user
        self.frames: list[dict[str, Any]] = []
        self._ws: ClientConnection | None = None
        self._reading: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> Chat:
        headers = {"Authorization": f"Bearer {token(self.user)}"}
        self._ws = await connect(self.url + "/copilot", additional_headers=headers)
        self._reading = asyncio.create_task(self._read(self._ws))
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reading is not None:
            await self._reading

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for data in ws:
                async with self._changed:
                    self.frames.append(json.loads(data))
                    self._changed.notify_all()
        async with self._changed:
            self.frames.append({"type": "_closed"})
            self._changed.notify_all()

    async def send(self, **action: Any) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps(action))

    async def wait(self, type: str | tuple[str, ...], **fields: Any) -> dict[str, Any]:
        """The first frame of ``type`` (or one of them) with ``fields`` (waiting for it)."""
        types = (type,) if isinstance(type, str) else type

        def found() -> dict[str, Any] | None:
            for frame in self.frames:
                if frame.get("type") in types and all(frame.get(k) == v for k, v in fields.items()):
                    return frame
            return None

        async with asyncio.timeout(TIMEOUT), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        frame = found()
        assert frame is not None
        return frame

    def of(self, stream_id: str, type: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == type and f.get("streamId") == stream_id]

    def text(self, stream_id: str) -> str:
        """The stream's tokens received, in ``seq`` order, each once."""
        tokens = {f["seq"]: f["token"] for f in self.of(stream_id, "stream_token")}
        return "".join(tokens[seq] for seq in sorted(tokens))


@dataclass
class Cluster:
    redis: RedisServer
    processes: list[ServeProcess]
    balancer: LoadBalancer

    async def health(self) -> list[str]:
        return [(await process.http("/healthz"))[1] for process in self.processes]


@contextlib.asynccontextmanager
async def cluster(
    tmp_path: Path,
    size: int = 3,
    *,
    appendonly: bool = True,
    args: tuple[str, ...] = (),
    db: str | None = None,
    token_delay: float = 0.0,
) -> Any:
    """``size`` processes on one Redis and one database: ``db`` (an SQLite file or a
    postgresql:// URL), else an SQLite file in ``tmp_path``."""
    redis = RedisServer(tmp_path / "redis", appendonly=appendonly)
    await redis.start()
    shared = db or str(tmp_path / "shared.db")
    processes = [
        ServeProcess(free_port(), shared, tmp_path, redis.url, args, token_delay)
        for _ in range(size)
    ]
    balancer = LoadBalancer([p.port for p in processes])
    try:
        # One after the other: the first creates the database's tables.
        for process in processes:
            await process.start()
        await balancer.start()
        yield Cluster(redis, processes, balancer)
    finally:
        await balancer.stop()
        await asyncio.gather(*(process.stop() for process in processes))
        await redis.stop()
