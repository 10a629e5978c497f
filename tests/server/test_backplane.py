"""One contract for every Backplane: MemoryBackplane and RedisBackplane (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from omnitrack_realtime.server.backplane import (
    Backplane,
    BackplaneCodec,
    BackplaneError,
    BackplaneEvent,
    MemoryBackplane,
    MemoryHub,
    RedisBackplane,
)
from omnitrack_realtime.server.metrics import Metrics

from .helpers import RedisProxy

TIMEOUT = 5.0
SECRET = "backplane-secret-0123456789abcdef"


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


@pytest.fixture(params=["memory", "redis", "redis-signed"])
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
            secret = SECRET if request.param == "redis-signed" else None
            backplane = RedisBackplane(
                redis_url, channel=channel, reconnect_delay=0.01, secret=secret
            )
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


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestBackplaneCodec:
    """What comes off the Redis channel is validated and, with a secret, authenticated."""

    def test_unsigned_round_trip(self) -> None:
        codec = BackplaneCodec()
        assert codec.decode(codec.encode(_event(1))) == _event(1)
        assert codec.decode(codec.encode(_event(2, user=None))) == _event(2, user=None)

    def test_signed_round_trip_and_one_time_use(self) -> None:
        clock = FakeClock()
        sender, receiver = BackplaneCodec(SECRET, clock=clock), BackplaneCodec(SECRET, clock=clock)
        message = sender.encode(_event(1))
        assert message.startswith(b"hmac-sha256=")
        assert receiver.decode(message) == _event(1)
        assert receiver.decode(message) == "replayed"  # a captured message sent again
        assert receiver.decode(sender.encode(_event(1))) == _event(1)  # a new one is fine

    @pytest.mark.parametrize(
        "raw",
        [
            b"not json",
            b"[1, 2]",
            b'{"type": 1, "data": null, "origin": "x"}',
            b'{"type": "digital_twin_update", "origin": "x"}',
            b'{"type": "", "data": null, "origin": "x"}',
            b'{"type": "digital_twin_update", "data": null, "origin": ""}',
            b'{"type": "digital_twin_update", "data": null, "origin": "x", "user": 7}',
            b'{"type": "digital_twin_update", "data": null, "origin": "x", "seq": "one"}',
            b'{"type": "' + b"t" * 101 + b'", "data": null, "origin": "x"}',
            b"hmac-sha256=abc",
        ],
    )
    def test_malformed_messages_are_dropped(self, raw: bytes) -> None:
        assert BackplaneCodec().decode(raw) == "malformed"

    @pytest.mark.parametrize("reserved", ["error", "pong", "subscribed", "stream_token"])
    def test_the_protocols_own_frame_types_are_dropped(self, reserved: str) -> None:
        codec = BackplaneCodec()
        forged = BackplaneEvent("alice", reserved, {"error": "fake"}, "elsewhere")
        assert codec.decode(codec.encode(forged)) == "reserved"

    def test_with_a_secret_unsigned_and_badly_signed_messages_are_dropped(self) -> None:
        clock = FakeClock()
        receiver = BackplaneCodec(SECRET, clock=clock)
        assert receiver.decode(BackplaneCodec().encode(_event(1))) == "unsigned"
        other = BackplaneCodec("another-secret-0123456789", clock=clock)
        assert receiver.decode(other.encode(_event(1))) == "bad_signature"
        signed = BackplaneCodec(SECRET, clock=clock).encode(_event(1))
        prefix, body = signed.split(b";", 1)
        tampered = prefix + b";" + body.replace(b'"alice"', b'"mallory"')
        assert receiver.decode(tampered) == "bad_signature"

    def test_with_a_secret_old_or_future_messages_are_dropped(self) -> None:
        clock = FakeClock()
        sender = BackplaneCodec(SECRET, clock=clock)
        receiver = BackplaneCodec(SECRET, max_age=60, clock=clock)
        old = sender.encode(_event(1))
        clock.now += 61
        assert receiver.decode(old) == "stale"
        future = sender.encode(_event(2))
        clock.now -= 122
        assert receiver.decode(future) == "stale"

    def test_nonces_are_forgotten_when_they_could_no_longer_be_accepted(self) -> None:
        clock = FakeClock()
        sender = BackplaneCodec(SECRET, clock=clock)
        receiver = BackplaneCodec(SECRET, max_age=10, clock=clock)
        for n in range(50):
            assert receiver.decode(sender.encode(_event(n))) == _event(n)
            clock.now += 1
        assert len(receiver._nonces) <= 21  # 2 x max_age seconds of them, not all 50

    def test_a_signed_message_is_dropped_by_a_receiver_without_the_check(self) -> None:
        # Without a secret, the signature is not checked but the message is still read:
        # processes can get their secret one at a time during a rolling change.
        clock = FakeClock()
        message = BackplaneCodec(SECRET, clock=clock).encode(_event(1))
        assert BackplaneCodec(clock=clock).decode(message) == _event(1)


class TestRedisValidation:
    async def test_injected_events_are_dropped_and_counted(self, redis_url: str) -> None:
        """A process with Redis access but not the secret cannot inject events."""
        import redis.asyncio as aioredis

        channel = f"omnitrack:test:{uuid.uuid4().hex}"
        metrics = Metrics()
        backplane = RedisBackplane(redis_url, channel=channel, secret=SECRET, metrics=metrics)
        peer = RedisBackplane(redis_url, channel=channel, secret=SECRET)
        inbox = Inbox()
        intruder = aioredis.Redis.from_url(redis_url)
        try:
            await backplane.start(inbox.deliver)
            forged = BackplaneEvent("alice", "alert_notification", {"msg": "wire money"}, "x")
            await intruder.publish(channel, BackplaneCodec().encode(forged))
            wrong_key = BackplaneCodec("guessed-secret-0123456789")
            await intruder.publish(channel, wrong_key.encode(forged))
            await intruder.publish(channel, b'{"type": "error", "data": 1, "origin": "x"}')
            await intruder.publish(channel, b"{not json")
            # A real event, captured off the channel and sent again by the intruder.
            await peer.publish(_event(1))
            first = await inbox.wait_for(1)
            captured = peer.codec.encode(_event(2))
            await intruder.publish(channel, captured)
            await intruder.publish(channel, captured)
            # A marker published last: once it is in, nothing else is still on its way.
            await peer.publish(_event(3))
            events = await inbox.wait_for(3)
        finally:
            await intruder.aclose()
            await backplane.close()
            await peer.close()
        assert first == [_event(1)]
        assert events == [_event(1), _event(2), _event(3)]
        # With a secret, anything unsigned is dropped as such, whatever else is wrong with it.
        assert backplane.dropped == {"unsigned": 3, "bad_signature": 1, "replayed": 1}
        assert metrics.get("backplane_dropped", reason="unsigned") == 3
        rendered = metrics.render()
        assert 'omnitrack_backplane_dropped_total{reason="bad_signature"} 1' in rendered
        assert 'omnitrack_backplane_dropped_total{reason="replayed"} 1' in rendered

    async def test_without_a_secret_events_are_still_validated(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        channel = f"omnitrack:test:{uuid.uuid4().hex}"
        metrics = Metrics()
        backplane = RedisBackplane(redis_url, channel=channel, metrics=metrics)
        inbox = Inbox()
        intruder = aioredis.Redis.from_url(redis_url)
        try:
            await backplane.start(inbox.deliver)
            for reserved in ("error", "subscribed"):
                forged = BackplaneEvent("alice", reserved, {"error": "fake"}, "x")
                await intruder.publish(channel, BackplaneCodec().encode(forged))
            await intruder.publish(channel, b'{"type": ["x"], "data": 1, "origin": "x"}')
            await backplane.publish(_event(1))
            assert await inbox.wait_for(1) == [_event(1)]
        finally:
            await intruder.aclose()
            await backplane.close()
        assert backplane.dropped == {"reserved": 2, "malformed": 1}
        assert metrics.total("backplane_dropped") == 3
