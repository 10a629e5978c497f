"""Memory per connection is bounded whatever the peer does (issue 9): everything written to a
connection, the pongs ``websockets`` and uvicorn answer on their own included, counts against
the outbound limit; past it the peer is no longer read and is closed 1013."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import StartServer
from .helpers import TIMEOUT, open_client, recv_json, send_json, token_for
from .rawclient import RawClient, WatchedMetrics

LIMIT = 256 * 1024


@pytest.mark.parametrize("path", ["/copilot", "/ws"])
async def test_a_ping_flood_from_a_peer_that_never_reads_is_closed_1013_within_the_limit(
    start_server: StartServer, path: str
) -> None:
    metrics = WatchedMetrics()
    server = await start_server(outbound_buffer=LIMIT, metrics=metrics, close_timeout=TIMEOUT)
    flooder = await RawClient.open(server.url + path, token_for("flooder"))
    flood = asyncio.create_task(flooder.flood_pings())
    try:
        async with asyncio.timeout(TIMEOUT):
            await metrics.wait_for(lambda m: m.total("slow_consumers_closed") == 1)
    finally:
        flood.cancel()
    # What the server holds for it never passed the limit, close frame included...
    assert 0 < metrics.get("outbound_buffer_peak_bytes") <= LIMIT
    # ... it answered the pings until then, and the last frame it wrote is the 1013.
    async with asyncio.timeout(TIMEOUT):
        code, pongs = await flooder.read_until_close()
    assert code == 1013
    assert pongs > 0
    flooder.abort()
    # The others are served meanwhile, and the flooder's connection is gone.
    async with open_client(server, path, user="flooder") as ws:
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"
    assert metrics.total("slow_consumers_closed") == 1


async def test_a_peer_that_stopped_reading_is_aborted_after_the_close_timeout(
    start_server: StartServer,
) -> None:
    metrics = WatchedMetrics()
    server = await start_server(outbound_buffer=LIMIT, metrics=metrics, close_timeout=0.2)
    flooder = await RawClient.open(server.url + "/ws", token_for("flooder"))
    flood = asyncio.create_task(flooder.flood_pings())
    try:
        async with asyncio.timeout(TIMEOUT):
            await metrics.wait_for(lambda m: m.total("slow_consumers_closed") == 1)
            # It never reads its way to the close frame: the server lets it go by itself.
            await metrics.wait_for(lambda m: m.get("connections", channel="events") == 0)
    finally:
        flood.cancel()
        flooder.abort()
    assert server.hub.connections.count("flooder") == 0
