"""Three ``omnitrack serve`` processes on one Redis (the test's own) and one SQLite database,
behind a round-robin load balancer without sticky sessions: ``/ws`` clients resume on any
process, through restarts and Redis outages, and count every event lost or duplicated."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime import EventClient, ReconnectPolicy
from omnitrack_realtime.protocol import Event

from .cluster import REDIS_SERVER, TIMEOUT, Cluster, Publisher, ServeProcess, cluster, token

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")

FAST = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.1, jitter=0.0)


class Received:
    """The ``n`` of every alert a client gets, in order; waits without sleeping."""

    def __init__(self) -> None:
        self.numbers: list[Any] = []
        self._changed = asyncio.Condition()

    async def add(self, event: Event) -> None:
        async with self._changed:
            self.numbers.append(event.data["n"])
            self._changed.notify_all()

    async def wait_for(self, number: Any) -> None:
        async with asyncio.timeout(TIMEOUT), self._changed:
            await self._changed.wait_for(lambda: number in self.numbers)


async def _client(c: Cluster, user: str) -> tuple[EventClient, Received]:
    client = EventClient(c.balancer.url + "/ws", token=token(user), reconnect=FAST)
    received = Received()
    client.subscribe("alert_notification", received.add)
    # Joined once `subscribed` says where in the log: before it, an event published (and a
    # restart of its process) could pass it by, and the test would race its own setup.
    joined = asyncio.Event()
    client.subscribe("subscribed", lambda _event: joined.set())
    await client.connect()
    async with asyncio.timeout(TIMEOUT):
        await joined.wait()
    return client, received


async def _events_connections(process: ServeProcess) -> int:
    _, body = await process.http("/metrics")
    for line in body.splitlines():
        if line.startswith('omnitrack_connections{channel="events"}'):
            return int(float(line.split()[-1]))
    return 0


async def _process_of(c: Cluster, publisher_at: ServeProcess | None = None) -> ServeProcess:
    """The process the one client is connected to (the publisher's own connection aside)."""
    for process in c.processes:
        count = await _events_connections(process) - (process is publisher_at)
        if count > 0:
            return process
    raise AssertionError("the client is connected nowhere")


def _other(c: Cluster, *avoid: ServeProcess) -> ServeProcess:
    return next(process for process in c.processes if process not in avoid)


def _url(process: ServeProcess) -> str:
    return f"ws://127.0.0.1:{process.port}"


async def test_resume_on_another_process_and_after_its_restart(
    tmp_path: Path, database: str
) -> None:
    async with cluster(tmp_path, db=database) as c:
        client, received = await _client(c, "alice")
        try:
            first = await _process_of(c)
            publisher_at = _other(c, first)
            publisher = Publisher(_url(publisher_at))
            assert (await publisher.publish({"n": 1}, user="alice"))["type"] == "published"
            await received.wait_for(1)
            # Its process goes away: what is published meanwhile waits in the log.
            await first.stop()
            for number in (2, 3):
                assert (await publisher.publish({"n": number}, user="alice"))["type"] == "published"
            await publisher.publish({"n": 4})  # a broadcast
            await received.wait_for(4)
            await first.start()
            # Now the process it resumed on restarts, while events keep coming.
            second = await _process_of(c, publisher_at)
            if second is publisher_at:
                await publisher.close()
                publisher_at = _other(c, second)
                publisher = Publisher(_url(publisher_at))
            restarting = asyncio.create_task(second.restart())
            for number in range(5, 25):
                await publisher.publish({"n": number}, user="alice" if number % 2 else None)
            await restarting
            await publisher.publish({"n": 25}, user="alice")
            await received.wait_for(25)
            await publisher.close()
        finally:
            await client.close()
    assert received.numbers == list(range(1, 26))  # each once, in order
    assert client.stats().events_lost == 0


async def test_a_redis_outage_refuses_publishes_and_loses_nothing_confirmed(
    tmp_path: Path,
    database: str,
) -> None:
    async with cluster(tmp_path, db=database) as c:
        client, received = await _client(c, "alice")
        publisher = Publisher(c.balancer.url)
        try:
            assert (await publisher.publish({"n": 1}, user="alice"))["type"] == "published"
            await c.redis.stop()
            for process in c.processes:
                await process.wait_log("Redis event log unreachable")
            refused = await publisher.publish({"n": "refused"}, user="alice")
            assert refused["data"]["code"] == "unavailable"
            assert refused["data"]["retryAfter"] >= 1
            assert all(text.startswith("degraded") for text in await c.health())
            _, metrics = await c.processes[0].http("/metrics")
            assert "omnitrack_event_log_available 0" in metrics
            await c.redis.start()  # its append-only file brings the log back
            for process in c.processes:
                await process.wait_log("Redis event log attached again")
            assert await c.health() == ["ok\n"] * 3
            assert (await publisher.publish({"n": 2}, user="alice"))["type"] == "published"
            await publisher.publish({"n": 3})
            await received.wait_for(3)
        finally:
            await publisher.close()
            await client.close()
    assert received.numbers == [1, 2, 3]
    assert client.stats().events_lost == 0


async def test_a_redis_that_lost_its_data_is_reported_as_a_gap(
    tmp_path: Path, database: str
) -> None:
    async with cluster(tmp_path, db=database, appendonly=False) as c:
        client, received = await _client(c, "alice")
        lost: list[Event] = []
        client.on_events_lost(lost.append)
        publisher = Publisher(c.balancer.url)
        try:
            assert (await publisher.publish({"n": 1}, user="alice"))["type"] == "published"
            await received.wait_for(1)
            await c.redis.stop()
            await c.redis.start()  # empty: a new epoch
            for process in c.processes:
                await process.wait_log("history is gone")
                await process.wait_log("Redis event log attached again")
            assert (await publisher.publish({"n": 2}, user="alice"))["type"] == "published"
            await received.wait_for(2)
        finally:
            await publisher.close()
            await client.close()
    assert received.numbers == [1, 2]
    assert client.stats().events_lost == 1
    assert lost and lost[0].data["reason"] == "epoch"


async def test_rolling_restart_loses_and_duplicates_nothing(tmp_path: Path, database: str) -> None:
    async with cluster(tmp_path, db=database) as c:
        clients = [await _client(c, user) for user in ("alice", "alice", "bob", "bob")]
        confirmed: list[int] = []
        rolled = asyncio.Event()

        async def publish() -> None:
            publisher = Publisher(c.balancer.url)
            for number in itertools.count(1):
                try:
                    reply = await publisher.publish(
                        {"n": number}, user="alice" if number % 2 == 0 else None
                    )
                except Exception:  # its process went away: reconnect, go on
                    await publisher.close()
                    publisher = Publisher(c.balancer.url)
                    continue
                if reply["type"] == "published":
                    confirmed.append(number)
                if rolled.is_set() and len(confirmed) > 5:
                    await publisher.close()
                    return

        publishing = asyncio.create_task(publish())
        for process in c.processes:
            await process.restart()
        rolled.set()
        await asyncio.wait_for(publishing, TIMEOUT)
        users = ("alice", "alice", "bob", "bob")
        for (_, received), user in zip(clients, users, strict=True):
            expected = [n for n in confirmed if user == "alice" or n % 2 == 1]
            await received.wait_for(expected[-1])
        for client, _ in clients:
            await client.close()
    for (client, received), user in zip(clients, ("alice", "alice", "bob", "bob"), strict=True):
        expected = [n for n in confirmed if user == "alice" or n % 2 == 1]
        got = [n for n in received.numbers if n in set(expected)]
        assert got == expected, f"{user}: lost {sorted(set(expected) - set(got))}"
        assert len(received.numbers) == len(set(received.numbers))  # no duplicates
        assert received.numbers == sorted(received.numbers)
        assert client.stats().events_lost == 0
