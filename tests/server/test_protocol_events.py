"""/ws over real sockets: envelope, default channels, subscriptions, publish scope, replay."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import pytest

from omnitrack_realtime.server.backplane import RedisBackplane

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
            channel=f"test-{id(proxy)}",
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
    assert first["id"].startswith("evt-") and first["id"] != second["id"]
    # The filtered scenario_progress still took alice's seq 2: numbering is per user, not per
    # connection, so a client can tell what it missed.
    assert (first["seq"], second["seq"]) == (1, 3)
    assert second["type"] == "alert_notification" and second["data"] == {"severity": "high"}


async def test_subscribe_and_unsubscribe(server: RunningServer) -> None:
    async with open_client(server, "/ws") as events:
        await send_json(events, {"action": "subscribe", "channels": ["scenario_progress"]})
        reply = await recv_json(events)
        assert reply["type"] == "subscribed"
        assert reply["data"] == {"channels": ["scenario_progress"]}
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
        assert (await recv_json(events))["seq"] == 1  # then the connection "drops"
    for number in (4, 5):  # published while alice is away
        await server.hub.publish_event("alice", "digital_twin_update", {"n": number})
    async with open_client(server, "/ws") as events:
        await send_json(
            events, {"action": "subscribe", "channels": ["digital_twin_update"], "afterSeq": 1}
        )
        frames = await recv_until(events, "digital_twin_update")
        assert frames[0]["type"] == "subscribed"
        replayed = [frames[-1]] + [await recv_json(events) for _ in range(3)]
        assert [f["seq"] for f in replayed] == [2, 3, 4, 5]
        assert [f["data"]["n"] for f in replayed] == [2, 3, 4, 5]
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 6})
        assert (await recv_json(events))["seq"] == 6


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


async def test_numbering_continues_after_what_a_client_saw_before_a_restart(
    server: RunningServer,
) -> None:
    # A fresh server (seq 0 for alice) and a client that saw up to 100 from a previous run.
    async with open_client(server, "/ws") as events:
        await send_json(
            events, {"action": "subscribe", "channels": ["digital_twin_update"], "afterSeq": 100}
        )
        assert (await recv_json(events))["type"] == "subscribed"
        await server.hub.publish_event("alice", "digital_twin_update", {"n": 1})
        assert (await recv_json(events))["seq"] == 101


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


async def test_this_processs_subscribers_get_events_while_redis_is_away(
    behind_redis: BehindRedis,
) -> None:
    # Local connections are served first and directly: a Redis outage only costs the other
    # server processes their copy, and the engine's twin events still reach this user.
    server, proxy = await behind_redis()
    action = publish_to_bob(2)
    async with (
        open_client(server, "/ws", user="bob") as bob,
        open_client(server, "/ws", token=PUBLISHER) as ops,
    ):
        await server.hub.publish_event("bob", "alert_notification", 1)
        assert (await recv_json(bob))["data"] == 1
        await proxy.stop()
        await send_json(ops, action)
        refused = await recv_json(ops)
        assert refused["data"]["code"] == "unavailable"
        assert "this server's connections only" in refused["data"]["error"]
        event = await recv_json(bob)
        assert (event["data"], event["seq"]) == (2, 2)


async def test_engine_events_keep_reaching_this_process_while_redis_is_away(
    behind_redis: BehindRedis,
) -> None:
    server, proxy = await behind_redis()
    async with open_client(server, "/ws", user="bob") as bob:
        await proxy.stop()
        for n in range(3):  # the engine's publisher: never raises for the backplane
            await server.hub.publisher.publish("bob", "digital_twin_update", n)
        received = [(await recv_json(bob))["data"] for _ in range(3)]
        assert received == [0, 1, 2]


async def test_a_connected_users_numbering_survives_the_event_log_limit(
    start_server: StartServer,
) -> None:
    # Beyond `event_buffer_users` the least recently active user's log is forgotten; a user
    # who is connected must keep counting, or the client drops the next events (seq 1, 2...)
    # as duplicates of those it already has.
    server = await start_server(event_buffer_users=2)
    async with open_client(server, "/ws", user="alice") as events:
        await server.hub.publish_event("alice", "alert_notification", {"n": 1})
        assert (await recv_json(events))["seq"] == 1
        for other in ("bob", "carol", "dave"):
            await server.hub.publish_event(other, "alert_notification", {"n": 0})
        await server.hub.publish_event("alice", "alert_notification", {"n": 2})
        event = await recv_json(events)
        assert (event["data"], event["seq"]) == ({"n": 2}, 2)


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
        seqs: list[int] = []
        while not seqs or seqs[-1] != 101:
            seqs.append((await recv_json(events))["seq"])
    assert 10 < len(seqs) < 40
    assert seqs == list(range(seqs[0], 102))
    assert server.hub.metrics.total("slow_consumers_closed") == 0
