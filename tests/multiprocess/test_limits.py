"""Three ``omnitrack serve`` processes on one Redis behind a round-robin balancer: the message
rate and the connection cap are the user's, not each process's; a killed process's connections
stop counting; typing and read receipts cross processes; a client with a url list outlives
the server it was on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from omnitrack_realtime import CopilotClient, EventClient, ReconnectPolicy
from omnitrack_realtime.client.state import ConnectionState
from omnitrack_realtime.protocol import Event

from .cluster import REDIS_SERVER, TIMEOUT, Cluster, Publisher, ServeProcess, cluster, token

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")

FAST = ReconnectPolicy(max_attempts=None, initial_delay=0.02, max_delay=0.1, jitter=0.0)


def _open(url: str, user: str) -> Any:
    return connect(url + "/copilot", additional_headers={"Authorization": f"Bearer {token(user)}"})


async def _reply(ws: ClientConnection, *types: str) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] in types:
                return frame


async def _copilot_connections(process: ServeProcess) -> int:
    _, body = await process.http("/metrics")
    for line in body.splitlines():
        if line.startswith('omnitrack_connections{channel="copilot"}'):
            return int(float(line.split()[-1]))
    return 0


def _url(process: ServeProcess) -> str:
    return f"ws://127.0.0.1:{process.port}"


async def test_the_rate_holds_across_processes_and_typing_crosses_them(tmp_path: Path) -> None:
    async with cluster(tmp_path, args=("--rate", "1", "--burst", "3")) as c:
        # A client spraying through the balancer: one connection on each process.
        async with (
            _open(c.balancer.url, "sprayer") as a,
            _open(c.balancer.url, "sprayer") as b,
            _open(c.balancer.url, "sprayer") as d,
        ):
            assert [await _copilot_connections(p) for p in c.processes] == [1, 1, 1]
            outcomes = []
            for n in range(9):
                ws = (a, b, d)[n % 3]
                await ws.send(json.dumps({"action": "message", "message": f"hi {n}"}))
                reply = await _reply(ws, "acknowledgment", "error")
                outcomes.append("ack" if reply["type"] == "acknowledgment" else reply["code"])
                if reply["type"] == "acknowledgment":
                    await _reply(ws, "suggestions")
            # The burst, once for the user (3 processes each with their own: 9).
            assert outcomes.count("ack") == 3, outcomes
            assert outcomes.count("rate_limited") == 6
        await _typing_crosses_processes(c)


async def _typing_crosses_processes(c: Cluster) -> None:
    first, second = c.processes[0], c.processes[1]
    async with _open(_url(first), "typist") as a, _open(_url(second), "typist") as b:
        await a.send(json.dumps({"action": "message", "message": "hello"}))
        conversation = (await _reply(a, "suggestions"))["conversationId"]
        await a.send(json.dumps({"action": "typing", "conversationId": conversation}))
        typing = await _reply(b, "user_typing")
        assert (typing["conversationId"], typing["userId"]) == (conversation, "typist")
        receipt = {"action": "read", "conversationId": conversation, "messageId": "m-1"}
        await b.send(json.dumps(receipt))
        assert (await _reply(a, "read_receipt"))["messageId"] == "m-1"


async def test_the_connection_cap_holds_across_processes_and_a_crash_frees_it(
    tmp_path: Path,
) -> None:
    args = ("--max-connections", "3", "--connection-ttl", "1")
    async with (
        cluster(tmp_path, args=args) as c,
        _open(c.balancer.url, "capped"),
        _open(c.balancer.url, "capped"),
        _open(c.balancer.url, "capped"),
    ):
        assert [await _copilot_connections(p) for p in c.processes] == [1, 1, 1]
        for _ in range(3):  # whichever process it reaches
            with pytest.raises(InvalidStatus) as refused:
                async with _open(c.balancer.url, "capped"):
                    pass
            assert refused.value.response.status_code == 429
        # A process dies with one of the user's connections: after the ttl it no longer
        # counts, and a client that was refused gets in on its own (Retry-After: 1).
        await c.processes[0].kill()
        client = CopilotClient(c.balancer.url + "/copilot", token=token("capped"), reconnect=FAST)
        try:
            await client.connect()
            async with asyncio.timeout(TIMEOUT):
                await client.connection.wait_for_state(ConnectionState.OPEN)
        finally:
            await client.disconnect()


class _Alerts:
    def __init__(self) -> None:
        self.numbers: list[int] = []
        self._changed = asyncio.Condition()

    async def add(self, event: Event) -> None:
        async with self._changed:
            self.numbers.append(event.data["n"])
            self._changed.notify_all()

    async def wait_for(self, number: int) -> None:
        async with asyncio.timeout(TIMEOUT), self._changed:
            await self._changed.wait_for(lambda: number in self.numbers)


async def test_a_client_with_a_url_list_survives_its_server_going_away(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        urls = [_url(p) for p in c.processes]
        copilot = CopilotClient(
            [u + "/copilot" for u in urls], token=token("rover"), reconnect=FAST
        )
        events = EventClient([u + "/ws" for u in urls], token=token("rover"), reconnect=FAST)
        alerts = _Alerts()
        events.subscribe("alert_notification", alerts.add)
        publisher = Publisher(urls[2])
        try:
            await copilot.connect()
            await events.connect()
            assert copilot.connection.url == urls[0] + "/copilot"
            assert (await copilot.ask("hello", timeout=TIMEOUT)).content
            assert (await publisher.publish({"n": 1}, user="rover"))["type"] == "published"
            await alerts.wait_for(1)
            await c.processes[0].kill()
            # Published while the client moves on: it resumes from its cursor where it lands.
            assert (await publisher.publish({"n": 2}, user="rover"))["type"] == "published"
            await alerts.wait_for(2)
            answer = await copilot.ask("and again", timeout=TIMEOUT)
            assert answer.content
            assert copilot.connection.url == urls[1] + "/copilot"
            assert events.connection.url == urls[1] + "/ws"
            assert [m.content for m in copilot.messages if m.role == "user"] == [
                "hello",
                "and again",
            ]
        finally:
            await publisher.close()
            await copilot.disconnect()
            await events.disconnect()
    assert alerts.numbers == [1, 2]
    assert events.stats().events_lost == 0
