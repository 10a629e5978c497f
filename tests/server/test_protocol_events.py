"""/ws over real sockets: envelope, default channels, subscriptions, publish scope, replay."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import pytest

from omnitrack_realtime.server.backplane import MemoryBackplane, MemoryHub
from omnitrack_realtime.server.redis_backplane import RedisBackplane

from .conftest import StartServer
from .helpers import (
    RedisProxy,
    RunningServer,
    open_client,
    recv_json,
    recv_until,
    send_json,
    token_for,
)

BehindRedis = Callable[..., Awaitable[tuple[RunningServer, RedisProxy]]]
#: A token that may publish on /ws.
PUBLISHER = token_for("ops", scopes=("events:publish",))


def publish_to_bob(data: object) -> dict[str, object]:
    return {"action": "publish", "eventType": "alert_notification", "data": data, "userId": "bob"}


@pytest.fixture
async def behind_redis(start_server: StartServer, redis_url: str) -> AsyncIterator[BehindRedis]:
    """A server whose Redis backplane goes through a proxy the test can stop or stall."""
    proxies: list[RedisProxy] = []

    async def start(**backplane_options: float) -> tuple[RunningServer, RedisProxy]:
        proxy = RedisProxy(redis_url)
        proxies.append(proxy)
        backplane = RedisBackplane(
            await proxy.start(),
            prefix=f"omnitrack:test:{uuid.uuid4().hex}",
            reconnect_delay=0.01,
            **backplane_options,
        )
        return await start_server(backplane=backplane), proxy

    yield start
    for proxy in proxies:
        await proxy.stop()


async def test_envelope_default_channels_and_per_user_seq(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        await server.hub.publish_event("alice", "digital_twin_update", {"node": "n1"})
        await server.hub.publish_event("alice", "scenario_progress", {"percent": 10})  # filtered
        await server.hub.publish_event("bob", "alert_notification", {"for": "bob"})  # not alice's
        await server.hub.publish_event("alice", "alert_notification", {"severity": "high"})
        first, second = await recv_json(events), await recv_json(events)
    assert first["type"] == "digital_twin_update" and first["data"] == {"node": "n1"}
    assert datetime.fromisoformat(first["timestamp"].replace("Z", "+00:00")).tzinfo
    assert first["id"] == f"evt-{first['seq']}" and second["id"] == f"evt-{second['seq']}"
    # One numbering for every event: the filtered scenario_progress and bob's event took
    # the numbers between (a client is told of lost history, it never counts).
    assert second["seq"] == first["seq"] + 3
    assert second["type"] == "alert_notification" and second["data"] == {"severity": "high"}


async def test_subscribe_and_unsubscribe(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        await send_json(events, {"action": "subscribe", "channels": ["scenario_progress"]})
        reply = await recv_json(events)
        assert reply["type"] == "subscribed"
        assert reply["data"] == {
            "channels": ["scenario_progress"],
            "epoch": server.hub.events.epoch,
            "seq": server.hub.events.position,  # where this connection joined the log
        }
        await send_json(events, {"action": "unsubscribe", "channels": ["alert_notification"]})
        reply = await recv_json(events)
        assert reply["type"] == "unsubscribed"
        assert reply["data"] == {"channels": ["alert_notification"]}
        await server.hub.publish_event("alice", "alert_notification", {"n": 1})
        await server.hub.publish_event("alice", "scenario_progress", {"n": 2})
        event = await recv_json(events)
        assert (event["type"], event["data"]) == ("scenario_progress", {"n": 2})


async def test_subscribe_after_seq_replays_missed_events(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        for number in (1, 2, 3):
            await server.hub.publish_event("alice", "digital_twin_update", {"n": number})
        first = await recv_json(events)  # then the connection "drops"
    for number in (4, 5):  # published while alice is away
        await server.hub.publish_event("alice", "digital_twin_update", {"n": number})
    await server.hub.publish_event(None, "alert_notification", {"n": "all"})  # a broadcast
    async with open_client(server, "/ws") as events:
        await send_json(
            events,
            {
                "action": "subscribe",
                "channels": ["digital_twin_update"],
                "afterSeq": first["seq"],
                "epoch": server.hub.events.epoch,
            },
        )
        frames = await recv_until(events, "digital_twin_update")
        assert frames[0]["type"] == "subscribed"
        assert frames[0]["data"]["epoch"] == server.hub.events.epoch
        replayed = [frames[-1]] + [await recv_json(events) for _ in range(4)]
        assert [f["data"]["n"] for f in replayed] == [2, 3, 4, 5, "all"]
        assert [f["seq"] for f in replayed] == list(range(first["seq"] + 1, first["seq"] + 6))
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 6})
        assert (await recv_json(events))["seq"] == first["seq"] + 6


async def test_publish_needs_the_scope_and_targets_a_user_or_everyone(
    server: RunningServer,
) -> None:
    async with (
        open_client(server, "/ws", user="alice") as alice,
        open_client(server, "/ws", user="bob") as bob,
        open_client(server, "/ws", user="eve") as eve,
        open_client(server, "/ws", token=PUBLISHER) as ops,
    ):
        await send_json(eve, {"action": "publish", "eventType": "alert_notification", "data": 1})
        refused = await recv_json(eve)
        assert refused["type"] == "error" and "events:publish" in refused["data"]["error"]

        await send_json(
            ops,
            {
                "action": "publish",
                "eventType": "alert_notification",
                "data": {"to": "bob"},
                "userId": "bob",
            },
        )
        assert (await recv_json(ops))["type"] == "published"
        await send_json(
            ops, {"action": "publish", "eventType": "alert_notification", "data": {"to": "all"}}
        )
        # ops itself is subscribed to alerts by default, so it gets the broadcast too (the
        # in-process backplane delivers it before the "published" reply).
        replies = {frame["type"]: frame for frame in [await recv_json(ops), await recv_json(ops)]}
        assert set(replies) == {"published", "alert_notification"}
        assert replies["alert_notification"]["data"] == {"to": "all"}

        bob_frames = [await recv_json(bob), await recv_json(bob)]
        assert [f["data"] for f in bob_frames] == [{"to": "bob"}, {"to": "all"}]
        assert (await recv_json(alice))["data"] == {"to": "all"}  # not bob's event first
        assert (await recv_json(eve))["data"] == {"to": "all"}
    assert server.hub.metrics.total("events_published") == 2


async def test_engine_events_reach_the_owners_ws_connections(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events, open_client(server) as chat:
        await send_json(chat, {"action": "message", "message": "event digital_twin_update"})
        await recv_until(chat, "suggestions")
        event = await recv_json(events)
    assert event["type"] == "digital_twin_update" and event["data"] == {"from": "engine"}


async def test_ws_ping(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        await send_json(events, {"action": "ping"})
        assert (await recv_json(events))["type"] == "pong"


async def test_ws_accepts_an_in_band_token_refresh(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        await send_json(events, {"action": "auth", "token": token_for("alice", ttl=7200)})
        reply = await recv_json(events)
        assert reply["type"] == "auth_ok" and reply["data"]["expiresAt"] > 0
        await send_json(events, {"action": "auth", "token": "garbage"})
        refused = await recv_json(events)
        assert refused["type"] == "error" and refused["data"]["code"] == "auth_failed"


async def test_a_cursor_of_a_history_that_is_gone_is_told_so(server: RunningServer) -> None:
    # A client that saw up to some number of a previous run (another epoch): the server says
    # the history is gone, sends what it has, and its numbers are above the client's.
    await server.hub.publish_event("alice", "digital_twin_update", {"n": 1})
    epoch = server.hub.events.epoch
    async with open_client(server, "/ws") as events:
        subscribe = {"action": "subscribe", "channels": ["digital_twin_update"]}
        await send_json(events, {**subscribe, "afterSeq": 10**15, "epoch": "previous-run"})
        assert (await recv_json(events))["data"]["epoch"] == epoch
        lost = await recv_json(events)
        assert lost["type"] == "events_lost"
        assert lost["data"] == {"reason": "epoch", "afterSeq": 10**15, "epoch": epoch}
        replayed = await recv_json(events)
        assert replayed["data"] == {"n": 1} and replayed["seq"] > 10**15
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 2})
        assert (await recv_json(events))["seq"] == replayed["seq"] + 1


async def test_trimmed_history_is_told_before_what_is_kept(start_server: StartServer) -> None:
    server = await start_server(event_buffer=2)
    first = await server.hub.publish_event("alice", "digital_twin_update", {"n": 0})
    for number in (1, 2, 3):
        await server.hub.publish_event("alice", "digital_twin_update", {"n": number})
    async with open_client(server, "/ws") as events:
        await send_json(events, {"action": "subscribe", "channels": ["x"], "afterSeq": first.seq})
        frames = [await recv_json(events) for _ in range(4)]
    assert [f["type"] for f in frames[:2]] == ["subscribed", "events_lost"]
    assert frames[1]["data"]["reason"] == "trimmed"
    assert [f["data"]["n"] for f in frames[2:]] == [2, 3]


async def test_subscriptions_per_connection_are_bounded(server: RunningServer) -> None:
    # A hostile client subscribing to ever new channel names must not grow the server's
    # memory without bound: past the cap it is refused, and what it had stays in force.
    async with open_client(server, "/ws") as events:
        accepted = 0
        for batch in range(100):
            channels = [f"junk-{batch}-{index}-" + "x" * 80 for index in range(50)]
            await send_json(events, {"action": "subscribe", "channels": channels})
            reply = await recv_json(events)
            if reply["type"] == "error":
                break
            accepted += 1
        assert reply["type"] == "error" and reply["data"]["code"] == "too_many_channels"
        assert "max" in reply["data"]["error"]
        assert accepted < 100
        # The connection still works, with its earlier subscriptions.
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 1})
        event = await recv_json(events)
        assert (event["type"], event["data"]) == ("digital_twin_update", {"n": 1})


async def test_publish_while_redis_is_away_is_a_clear_retryable_error(
    behind_redis: BehindRedis,
) -> None:
    server, proxy = await behind_redis()
    action = publish_to_bob(1)
    async with open_client(server, "/ws", token=PUBLISHER) as ops:
        await send_json(ops, action)
        assert (await recv_json(ops))["type"] == "published"
        await proxy.stop()
        await send_json(ops, action)
        refused = await recv_json(ops)
        assert refused["type"] == "error"
        assert refused["data"]["code"] == "unavailable"
        assert "try again" in refused["data"]["error"]
        # The connection goes on.
        await send_json(ops, {"action": "ping"})
        assert (await recv_json(ops))["type"] == "pong"


async def test_nobody_gets_a_refused_event_and_publishing_works_again_after(
    behind_redis: BehindRedis,
) -> None:
    # `published` means logged: an event refused during the outage reaches nobody (not even
    # this process's connections: it has no number), and publishing resumes once Redis is back.
    server, proxy = await behind_redis()
    async with (
        open_client(server, "/ws", user="bob") as bob,
        open_client(server, "/ws", token=PUBLISHER) as ops,
    ):
        await proxy.stop()
        await send_json(ops, publish_to_bob(1))
        refused = await recv_json(ops)
        assert refused["data"]["code"] == "unavailable" and refused["data"]["retryAfter"] >= 1
        assert "nobody got it" in refused["data"]["error"]
        await proxy.restart()
        backplane = server.hub.backplane
        assert isinstance(backplane, RedisBackplane)
        await backplane.wait_attached(2)
        await send_json(ops, publish_to_bob(2))
        assert (await recv_json(ops))["type"] == "published"
        assert (await recv_json(bob))["data"] == 2
    assert server.hub.metrics.total("events_refused") == 1


async def test_engine_events_refused_while_redis_is_away_do_not_fail_the_turn(
    behind_redis: BehindRedis,
) -> None:
    server, proxy = await behind_redis()
    await proxy.stop()
    await server.hub.publisher.publish("bob", "digital_twin_update", 0)  # never raises
    assert server.hub.metrics.total("events_refused") == 1
    assert server.hub.health().startswith("degraded")


async def test_publish_while_redis_does_not_answer_fails_in_bounded_time(
    behind_redis: BehindRedis,
) -> None:
    # A partition (no reset, no answer): a publish must not wait forever, or the engine's
    # turn (which publishes before it answers) and the publisher's socket hang with it.
    server, proxy = await behind_redis(publish_timeout=0.2)
    action = publish_to_bob(1)
    async with open_client(server, "/ws", token=PUBLISHER) as ops:
        await send_json(ops, action)
        assert (await recv_json(ops))["type"] == "published"
        proxy.stall()
        await send_json(ops, action)
        refused = await recv_json(ops)
        assert refused["type"] == "error" and refused["data"]["code"] == "unavailable"


async def test_a_replay_larger_than_the_outbound_buffer_keeps_the_newest_that_fit(
    start_server: StartServer,
) -> None:
    # A client that missed more than `outbound_buffer` bytes of events was closed 1013 as a
    # slow consumer by its own replay (ASGI at once; websockets as soon as a live event came
    # before the socket drained), then reconnected, asked for the same replay: forever.
    # The replay is the newest events that fit in half the buffer (older ones are no longer
    # buffered for this client, as when the log's capacity drops them).
    server = await start_server(outbound_buffer=64 * 1024)
    for number in range(1, 101):  # ~100 KiB while alice is away
        await server.hub.publish_event(
            "alice", "digital_twin_update", {"n": number, "pad": "x" * 1000}
        )
    async with open_client(server, "/ws", max_size=None) as events:
        await send_json(
            events, {"action": "subscribe", "channels": ["digital_twin_update"], "afterSeq": 0}
        )
        assert (await recv_json(events))["type"] == "subscribed"
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 101})
        lost = await recv_json(events)
        assert (lost["type"], lost["data"]["reason"]) == ("events_lost", "too_large")
        numbers: list[int] = []
        while not numbers or numbers[-1] != 101:
            numbers.append((await recv_json(events))["data"]["n"])
    assert 10 < len(numbers) < 40
    assert numbers == list(range(numbers[0], 102))
    assert server.hub.metrics.total("slow_consumers_closed") == 0


Cluster = Callable[[int], Awaitable[list[RunningServer]]]


@pytest.fixture(params=["memory", "redis"])
async def cluster(
    request: pytest.FixtureRequest, start_server: StartServer, redis_url: str
) -> Cluster:
    """Starts servers that share one event log, as processes on one Redis do."""
    hub = MemoryHub()
    prefix = f"omnitrack:test:{uuid.uuid4().hex}"

    async def start(count: int) -> list[RunningServer]:
        servers = []
        for _ in range(count):
            backplane: MemoryBackplane | RedisBackplane
            if request.param == "memory":
                backplane = MemoryBackplane(hub)
            else:
                backplane = RedisBackplane(redis_url, prefix=prefix, reconnect_delay=0.01)
            servers.append(await start_server(backplane=backplane))
        return servers

    return start


async def test_resume_on_another_server_gets_exactly_what_was_missed(cluster: Cluster) -> None:
    first, second = await cluster(2)
    async with open_client(first, "/ws") as events:
        await first.hub.publish_event("alice", "digital_twin_update", {"n": 1})
        seen = await recv_json(events)
        subscribed_epoch = first.hub.events.epoch
    await second.hub.publish_event("alice", "digital_twin_update", {"n": 2})
    await first.hub.publish_event(None, "alert_notification", {"n": 3})
    await second.hub.publish_event("bob", "alert_notification", {"n": "not alice's"})
    async with open_client(second, "/ws") as events:
        await send_json(
            events,
            {
                "action": "subscribe",
                "channels": ["digital_twin_update"],
                "afterSeq": seen["seq"],
                "epoch": subscribed_epoch,
            },
        )
        assert (await recv_json(events))["type"] == "subscribed"
        missed = [await recv_json(events), await recv_json(events)]
        assert [f["data"]["n"] for f in missed] == [2, 3]
        live = await first.hub.publish_event("alice", "digital_twin_update", {"n": 4})
        frame = await recv_json(events)
        assert (frame["data"], frame["seq"], frame["id"]) == ({"n": 4}, live.seq, live.id)


async def test_a_resume_while_events_flow_gets_each_once_in_order(cluster: Cluster) -> None:
    first, second = await cluster(2)
    start = await first.hub.publish_event("alice", "digital_twin_update", {"n": 0})
    count = 200

    async def publish() -> None:
        for number in range(1, count + 1):
            server = first if number % 2 else second
            await server.hub.publish_event("alice", "digital_twin_update", {"n": number})

    async with open_client(second, "/ws") as events:
        publishing = asyncio.create_task(publish())
        await send_json(events, {"action": "subscribe", "channels": ["x"], "afterSeq": start.seq})
        numbers: list[int] = []
        while len(numbers) < count:
            frame = await recv_json(events)
            if frame["type"] != "subscribed":  # live events may come before the reply
                numbers.append(frame["data"]["n"])
        await publishing
    assert numbers == list(range(1, count + 1))
