"""One contract for every Backplane: MemoryBackplane and RedisBackplane (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from omnitrack_realtime.server.backplane import (
    Backplane,
    BackplaneError,
    BackplaneEvent,
    MemoryBackplane,
    MemoryHub,
    RedisBackplane,
)

from .helpers import RedisProxy

TIMEOUT = 5.0


class Inbox:
    """Collects delivered events; waits for a count without sleeping."""

    def __init__(self) -> None:
        self.events: list[BackplaneEvent] = []
        self._changed = asyncio.Condition()

    async def deliver(self, event: BackplaneEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def wait_for(self, count: int) -> list[BackplaneEvent]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.events) >= count)

        await asyncio.wait_for(enough(), TIMEOUT)
        return list(self.events)


Factory = Callable[[], Backplane]


@pytest.fixture(params=["memory", "redis"])
async def make_backplane(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Factory]:
    """Makes backplanes that see each other (one hub, or one Redis channel per test)."""
    made: list[Backplane] = []
    hub = MemoryHub()
    channel = f"omnitrack:test:{uuid.uuid4().hex}"

    def make() -> Backplane:
        backplane: Backplane
        if request.param == "memory":
            backplane = MemoryBackplane(hub)
        else:
            backplane = RedisBackplane(redis_url, channel=channel, reconnect_delay=0.01)
        made.append(backplane)
        return backplane

    yield make
    for backplane in made:
        await backplane.close()


def _event(n: int, user: str | None = "alice") -> BackplaneEvent:
    return BackplaneEvent(
        user_id=user,
        event_type="digital_twin_update",
        data={"n": n, "nested": {"list": [1, 2.5, "x", None, True]}},
        origin="test",
    )


class TestBackplaneContract:
    async def test_publisher_receives_its_own_event_exactly_once(
        self, make_backplane: Factory
    ) -> None:
        backplane = make_backplane()
        inbox = Inbox()
        await backplane.start(inbox.deliver)
        await backplane.publish(_event(1))
        await backplane.publish(_event(2, user=None))
        # A marker published last: once it is in, nothing else can still be on its way.
        await backplane.publish(_event(3))
        events = await inbox.wait_for(3)
        assert events == [_event(1), _event(2, user=None), _event(3)]

    async def test_two_instances_see_each_others_events(self, make_backplane: Factory) -> None:
        first, second = make_backplane(), make_backplane()
        first_inbox, second_inbox = Inbox(), Inbox()
        await first.start(first_inbox.deliver)
        await second.start(second_inbox.deliver)
        await first.publish(_event(1))
        await second.publish(_event(2))
        for inbox in (first_inbox, second_inbox):
            events = await inbox.wait_for(2)
            assert sorted(event.data["n"] for event in events) == [1, 2]
            assert len(events) == 2

    async def test_plain_function_deliver_and_failing_deliver(
        self, make_backplane: Factory
    ) -> None:
        first, second = make_backplane(), make_backplane()
        received: list[BackplaneEvent] = []
        done = asyncio.Event()

        def failing(event: BackplaneEvent) -> None:
            raise RuntimeError("a broken receiver")

        def plain(event: BackplaneEvent) -> None:
            received.append(event)
            if len(received) == 2:
                done.set()

        await first.start(failing)
        await second.start(plain)
        await first.publish(_event(1))
        await first.publish(_event(2))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        assert [event.data["n"] for event in received] == [1, 2]

    async def test_closed_backplane_no_longer_delivers(self, make_backplane: Factory) -> None:
        first, second = make_backplane(), make_backplane()
        first_inbox, second_inbox = Inbox(), Inbox()
        await first.start(first_inbox.deliver)
        await second.start(second_inbox.deliver)
        await second.close()
        await second.close()  # idempotent
        await first.publish(_event(1))
        await first.publish(_event(2))
        await first_inbox.wait_for(2)
        assert second_inbox.events == []

    async def test_starting_twice_is_an_error(self, make_backplane: Factory) -> None:
        backplane = make_backplane()
        await backplane.start(Inbox().deliver)
        with pytest.raises(BackplaneError):
            await backplane.start(Inbox().deliver)

    async def test_slow_receiver_does_not_lose_events(self, make_backplane: Factory) -> None:
        backplane = make_backplane()
        inbox = Inbox()
        gate = asyncio.Event()

        async def slow(event: BackplaneEvent) -> None:
            await gate.wait()
            await inbox.deliver(event)

        await backplane.start(slow)
        publishing = asyncio.gather(*(backplane.publish(_event(n)) for n in range(20)))
        gate.set()
        await asyncio.wait_for(publishing, TIMEOUT)
        events = await inbox.wait_for(20)
        assert sorted(event.data["n"] for event in events) == list(range(20))


class TestRedisBackplane:
    async def test_unreachable_redis_is_a_backplane_error(self) -> None:
        backplane = RedisBackplane("redis://127.0.0.1:1/0", channel="omnitrack:test:nowhere")
        try:
            with pytest.raises(BackplaneError):
                await backplane.start(Inbox().deliver)
            with pytest.raises(BackplaneError):
                await backplane.publish(_event(1))
        finally:
            await backplane.close()

    async def test_data_that_is_not_json_is_refused(self, redis_url: str) -> None:
        backplane = RedisBackplane(redis_url, channel=f"omnitrack:test:{uuid.uuid4().hex}")
        try:
            event = BackplaneEvent("alice", "digital_twin_update", {"x": object()}, "test")
            with pytest.raises(BackplaneError):
                await backplane.publish(event)
        finally:
            await backplane.close()

    async def test_malformed_messages_on_the_channel_are_skipped(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        channel = f"omnitrack:test:{uuid.uuid4().hex}"
        backplane = RedisBackplane(redis_url, channel=channel)
        inbox = Inbox()
        client = aioredis.Redis.from_url(redis_url)
        try:
            await backplane.start(inbox.deliver)
            await client.publish(channel, b"not json")
            await backplane.publish(_event(1))
            assert await inbox.wait_for(1) == [_event(1)]
        finally:
            await client.aclose()
            await backplane.close()

    async def test_resubscribes_after_the_connection_is_killed(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        backplane = RedisBackplane(
            redis_url, channel=f"omnitrack:test:{uuid.uuid4().hex}", reconnect_delay=0.01
        )
        inbox = Inbox()
        admin = aioredis.Redis.from_url(redis_url)
        try:
            await backplane.start(inbox.deliver)
            # Kill only this backplane's subscriber connection (others share this Redis).
            clients = await admin.client_list()
            subscriber_ids = [
                client["id"]
                for client in clients
                if client.get("name") == backplane.client_name and client.get("sub") != "0"
            ]
            assert len(subscriber_ids) == 1
            await admin.client_kill_filter(_id=subscriber_ids[0])
            await asyncio.wait_for(backplane.wait_subscribed(2), TIMEOUT)
            await backplane.publish(_event(1))
            assert await inbox.wait_for(1) == [_event(1)]
            # The publishing connection was not touched; kill it too: publish retries once.
            publisher_ids = [
                client["id"]
                for client in await admin.client_list()
                if client.get("name") == backplane.client_name and client.get("sub") == "0"
            ]
            assert len(publisher_ids) == 1
            await admin.client_kill_filter(_id=publisher_ids[0])
            await backplane.publish(_event(2))
            assert await inbox.wait_for(2) == [_event(1), _event(2)]
        finally:
            await admin.aclose()
            await backplane.close()

    async def test_resubscribes_when_the_subscription_goes_silent(self, redis_url: str) -> None:
        # A partition: the subscriber's connection stays open but nothing arrives on it any
        # more (no reset). Waiting on it forever would lose every event from then on.
        proxy = RedisProxy(redis_url)
        channel = f"omnitrack:test:{uuid.uuid4().hex}"
        backplane = RedisBackplane(
            await proxy.start(), channel=channel, reconnect_delay=0.01, liveness_interval=0.05
        )
        publisher = RedisBackplane(redis_url, channel=channel)
        inbox = Inbox()
        try:
            await backplane.start(inbox.deliver)
            proxy.stall()
            await asyncio.wait_for(backplane.wait_subscribed(2), TIMEOUT)
            await publisher.publish(_event(1))
            assert await inbox.wait_for(1) == [_event(1)]
        finally:
            await backplane.close()
            await publisher.close()
            await proxy.stop()
