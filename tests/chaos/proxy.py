"""A fault-injecting TCP proxy for the chaos suite: every fault comes from one seeded RNG.

The proxy sits between real clients and the real server on loopback and relays bytes both
ways. While it is *stormy* it decides, with ``random.Random(seed)``, what happens to each
connection attempt and to each established link:

- attempts: ``refuse`` (accepted and reset at once, before the server sees anything) or
  ``reorder`` (held a random while before the upstream connection is made, so attempts reach
  the server in another order than they were made; an old link may still be delivering
  then);
- links, at a random moment: ``reset`` (the client's side is reset; what the client had sent
  still reaches the server a little later, as packets in flight do, then the server's side is
  reset too), ``half_close`` (one direction ends with a FIN, the other goes on),
  ``blackhole`` (nothing moves any more either way; the sockets stay open until the peers'
  keepalive gives up, or the proxy closes them when it is calm again), ``latency`` (every
  chunk is delayed, in order) and ``fragment`` (every chunk is written in small pieces, so
  WebSocket frames arrive split across reads).

The schedule is random but drawn from the seed; the asyncio interleaving is not, so two runs
of one seed inject about the same faults, not byte-identical ones. :attr:`faults` counts what
was injected, by kind. :meth:`calm` stops injecting (links already blackholed are closed, so
the peers notice at once), :meth:`close` stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass

__all__ = ["FaultPlan", "FaultyProxy"]

_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """How often each fault happens while the proxy is stormy."""

    #: Chance that a connection attempt is refused, or held back (reordered).
    refuse: float = 0.1
    reorder: float = 0.15
    #: Mean seconds a link lives before a link fault hits it (exponential).
    link_lifetime: float = 0.6
    #: Relative weights of the link faults.
    reset: float = 3.0
    half_close: float = 1.5
    blackhole: float = 1.0
    latency: float = 1.5
    fragment: float = 1.5
    #: Extra delay per chunk on a link with latency, seconds (uniform up to this).
    max_latency: float = 0.08
    #: Longest hold of a reordered attempt, seconds.
    max_hold: float = 0.3


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), not a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Link:
    """One client connection relayed to the server, and the faults applied to it."""

    def __init__(
        self,
        proxy: FaultyProxy,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy = proxy
        self.client_reader, self.client_writer = client
        self.server_reader, self.server_writer = server
        self.latency = 0.0
        self.fragment = False
        self.blackholed = False
        self.dead = asyncio.Event()
        self._ended = 0
        #: Writers a half-close has sent a FIN to: nothing more goes that way.
        self.shut: set[asyncio.StreamWriter] = set()

    async def run(self) -> None:
        pumps = [
            asyncio.create_task(self._pump(self.client_reader, self.server_writer, up=True)),
            asyncio.create_task(self._pump(self.server_reader, self.client_writer, up=False)),
            asyncio.create_task(self._strike()),
        ]
        try:
            await self.dead.wait()
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for writer in (self.client_writer, self.server_writer):
                if not writer.is_closing():
                    _reset(writer)

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, up: bool
    ) -> None:
        clean = False
        try:
            while data := await source.read(_CHUNK):
                if self.blackholed or sink in self.shut:
                    continue  # swallowed: the peer never hears of it
                if self.latency:
                    await asyncio.sleep(self.latency * self.proxy.rng.random())
                if self.fragment and len(data) > 1:
                    await self._write_in_pieces(sink, data)
                else:
                    sink.write(data)
                await sink.drain()
            clean = True
            if not self.blackholed and sink not in self.shut and sink.can_write_eof():
                sink.write_eof()  # a FIN is relayed as a FIN
        except (OSError, RuntimeError):
            pass
        finally:
            # A reset ends the link; a FIN ends one direction, the other may go on.
            self._ended += 1
            if not clean or self._ended == 2:
                self.dead.set()

    async def _write_in_pieces(self, sink: asyncio.StreamWriter, data: bytes) -> None:
        rng = self.proxy.rng
        start = 0
        while start < len(data):
            size = min(len(data) - start, rng.randint(1, max(7, len(data) // 8)))
            sink.write(data[start : start + size])
            await sink.drain()
            start += size
            if rng.random() < 0.3:
                await asyncio.sleep(0)  # let the reader see a part on its own

    async def _strike(self) -> None:
        """Wait a random while, then hit this link with one fault (if still stormy)."""
        proxy = self.proxy
        plan = proxy.plan
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(proxy.rng.expovariate(1.0 / plan.link_lifetime))
                if not proxy.stormy:
                    continue
                kinds = ["reset", "half_close", "blackhole", "latency", "fragment"]
                weights = [plan.reset, plan.half_close, plan.blackhole, plan.latency, plan.fragment]
                kind = proxy.rng.choices(kinds, weights)[0]
                proxy.faults[kind] += 1
                if kind == "reset":
                    await self._reset_with_packets_in_flight()
                    return
                if kind == "half_close":
                    writer = self.client_writer if proxy.rng.random() < 0.5 else self.server_writer
                    self.shut.add(writer)
                    with contextlib.suppress(OSError, RuntimeError):
                        if writer.can_write_eof():
                            writer.write_eof()
                    return
                if kind == "blackhole":
                    self.blackholed = True
                    proxy.blackholed.add(self)
                    return
                if kind == "latency":
                    self.latency = proxy.rng.uniform(0.005, plan.max_latency)
                else:
                    self.fragment = True

    async def _reset_with_packets_in_flight(self) -> None:
        _reset(self.client_writer)
        # What the client wrote before the reset may still be on its way to the server.
        await asyncio.sleep(self.proxy.rng.uniform(0.0, 0.1))
        self.dead.set()


class FaultyProxy:
    """Relays ``127.0.0.1:<port>`` to ``target`` and injects faults while stormy."""

    def __init__(self, target: tuple[str, int], *, seed: int, plan: FaultPlan | None = None):
        self.target = target
        self.rng = random.Random(seed)
        self.plan = plan or FaultPlan()
        self.stormy = False
        self.faults: Counter[str] = Counter()
        self.blackholed: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._links: set[_Link] = set()

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    async def start(self) -> int:
        """Listen on a free loopback port; returns it."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def storm(self) -> None:
        self.stormy = True

    def calm(self) -> None:
        """No new faults; links swallowing everything are cut so their peers notice now
        (latency and fragmentation stay: they lose nothing)."""
        self.stormy = False
        for link in list(self.blackholed):
            link.dead.set()
        self.blackholed.clear()

    async def close(self) -> None:
        self.calm()
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.dead.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._relay(reader, writer)
        finally:
            self._tasks.discard(task)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        plan = self.plan
        if self.stormy:
            draw = self.rng.random()
            if draw < plan.refuse:
                self.faults["refuse"] += 1
                _reset(writer)
                return
            if draw < plan.refuse + plan.reorder:
                self.faults["reorder"] += 1
                await asyncio.sleep(self.rng.uniform(0.0, plan.max_hold))
        try:
            upstream = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        link = _Link(self, (reader, writer), upstream)
        self._links.add(link)
        try:
            await link.run()
        finally:
            self._links.discard(link)
            self.blackholed.discard(link)
