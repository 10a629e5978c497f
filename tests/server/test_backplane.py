"""One contract for every Backplane (the shared event log): MemoryBackplane and RedisBackplane
(real Redis, unsigned and signed), then what only Redis does (outages, trimming, a flush,
entries written by someone else)."""

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
)
from omnitrack_realtime.server.eventlog import LOST_EPOCH, LOST_TRIMMED, LoggedEvent
from omnitrack_realtime.server.metrics import Metrics
from omnitrack_realtime.server.redis_backplane import EntryCodec, RedisBackplane

from .helpers import RedisProxy

TIMEOUT = 5.0
SECRET = "backplane-secret-0123456789abcdef"


class Inbox:
    """Collects delivered events and resyncs; waits for a count without sleeping."""

    def __init__(self) -> None:
        self.events: list[LoggedEvent] = []
        self.resyncs: list[tuple[int, str, bool]] = []
        self._changed = asyncio.Condition()

    async def deliver(self, event: LoggedEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def resync(self, upto: int, epoch: str, changed: bool) -> None:
        async with self._changed:
            self.resyncs.append((upto, epoch, changed))
            self._changed.notify_all()

    async def wait_for(self, count: int) -> list[LoggedEvent]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.events) >= count)

        await asyncio.wait_for(enough(), TIMEOUT)
        return list(self.events)

    async def wait_resyncs(self, count: int) -> list[tuple[int, str, bool]]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.resyncs) >= count)

        await asyncio.wait_for(enough(), TIMEOUT)
        return list(self.resyncs)


Factory = Callable[..., Backplane]


def _prefix() -> str:
    return f"omnitrack:test:{uuid.uuid4().hex}"


@pytest.fixture(params=["memory", "redis", "redis-signed"])
async def make_backplane(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Factory]:
    """Makes backplanes sharing one log (one hub, or one Redis prefix per test)."""
    made: list[Backplane] = []
    hub = MemoryHub()
    prefix = _prefix()

    def make(**options: object) -> Backplane:
        backplane: Backplane
        if request.param == "memory":
            backplane = MemoryBackplane(hub)
        else:
            secret = SECRET if request.param == "redis-signed" else None
            backplane = RedisBackplane(
                redis_url, prefix=prefix, reconnect_delay=0.01, secret=secret, **options
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


def _ns(events: list[LoggedEvent] | tuple[LoggedEvent, ...]) -> list[int]:
    return [event.data["n"] for event in events]


class TestBackplaneContract:
    async def test_publish_logs_and_every_process_delivers_once_in_order(
        self, make_backplane: Factory
    ) -> None:
        first, second = make_backplane(), make_backplane()
        first_inbox, second_inbox = Inbox(), Inbox()
        await first.start(first_inbox.deliver, first_inbox.resync)
        await second.start(second_inbox.deliver, second_inbox.resync)
        logged = [
            await first.publish(_event(1)),
            await second.publish(_event(2, user=None)),
            await first.publish(_event(3, user="bob")),
        ]
        assert [e.seq for e in logged] == [logged[0].seq + i for i in range(3)]
        assert first.epoch == second.epoch
        for inbox in (first_inbox, second_inbox):
            events = await inbox.wait_for(3)
            assert events == logged  # the same numbers, data and timestamps everywhere
            assert _ns(events) == [1, 2, 3]

    async def test_replay_from_any_process(self, make_backplane: Factory) -> None:
        first, second = make_backplane(), make_backplane()
        inbox = Inbox()
        await first.start(inbox.deliver, inbox.resync)
        await second.start(Inbox().deliver, Inbox().resync)
        a = await first.publish(_event(1))
        await first.publish(_event(2, user="bob"))
        await first.publish(_event(3, user=None))
        await first.publish(_event(4))
        replay = await second.replay("alice", a.seq, first.epoch)
        assert _ns(replay.events) == [3, 4] and replay.lost is None
        assert replay.epoch == first.epoch
        upto = await second.replay_upto("alice", 0, None, replay.events[0].seq)
        assert _ns(upto.events) == [1, 3]

    async def test_plain_and_failing_deliver(self, make_backplane: Factory) -> None:
        first, second = make_backplane(), make_backplane()
        received: list[LoggedEvent] = []
        done = asyncio.Event()

        def failing(event: LoggedEvent) -> None:
            raise RuntimeError("a broken receiver")

        def plain(event: LoggedEvent) -> None:
            received.append(event)
            if len(received) == 2:
                done.set()

        await first.start(failing, Inbox().resync)
        await second.start(plain, Inbox().resync)
        await first.publish(_event(1))
        await first.publish(_event(2))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        assert _ns(received) == [1, 2]

    async def test_closed_backplane_no_longer_delivers(self, make_backplane: Factory) -> None:
        first, second = make_backplane(), make_backplane()
        first_inbox, second_inbox = Inbox(), Inbox()
        await first.start(first_inbox.deliver, first_inbox.resync)
        await second.start(second_inbox.deliver, second_inbox.resync)
        await second.close()
        await second.close()  # idempotent
        await first.publish(_event(1))
        await first.publish(_event(2))
        await first_inbox.wait_for(2)
        assert second_inbox.events == []

    async def test_starting_twice_is_an_error(self, make_backplane: Factory) -> None:
        backplane = make_backplane()
        await backplane.start(Inbox().deliver, Inbox().resync)
        with pytest.raises(BackplaneError):
            await backplane.start(Inbox().deliver, Inbox().resync)

    async def test_data_that_is_not_json_is_refused(self, make_backplane: Factory) -> None:
        backplane = make_backplane()
        await backplane.start(Inbox().deliver, Inbox().resync)
        with pytest.raises(BackplaneError):
            await backplane.publish(BackplaneEvent("alice", "x", {"x": object()}, "test"))


class TestRedisLog:
    async def test_starts_degraded_while_redis_is_down_and_attaches_when_it_is_back(
        self, redis_url: str
    ) -> None:
        proxy = RedisProxy(redis_url)
        url = await proxy.start()
        await proxy.stop()
        metrics = Metrics()
        backplane = RedisBackplane(url, prefix=_prefix(), reconnect_delay=0.01, metrics=metrics)
        inbox = Inbox()
        try:
            await backplane.start(inbox.deliver, inbox.resync)  # does not raise
            assert not backplane.available and backplane.epoch is None
            assert metrics.get("event_log_available") == 0
            with pytest.raises(BackplaneError) as refused:
                await backplane.publish(_event(1))
            assert refused.value.retry_after >= 1.0
            await proxy.restart()
            await asyncio.wait_for(backplane.wait_attached(1), TIMEOUT)
            assert backplane.available and metrics.get("event_log_available") == 1
            logged = await backplane.publish(_event(1))
            assert await inbox.wait_for(1) == [logged]
            assert inbox.resyncs == [(logged.seq - 1, backplane.epoch, False)]
        finally:
            await backplane.close()
            await proxy.stop()

    async def test_events_published_while_a_process_is_cut_off_reach_it_after(
        self, redis_url: str
    ) -> None:
        # Pub/sub would lose them: a stream is read on from where the process stopped.
        proxy = RedisProxy(redis_url)
        prefix = _prefix()
        cut = RedisBackplane(await proxy.start(), prefix=prefix, reconnect_delay=0.01)
        other = RedisBackplane(redis_url, prefix=prefix)
        inbox = Inbox()
        try:
            await cut.start(inbox.deliver, inbox.resync)
            await other.start(Inbox().deliver, Inbox().resync)
            await other.publish(_event(1))
            await inbox.wait_for(1)
            await proxy.stop()
            logged = [await other.publish(_event(n)) for n in (2, 3)]
            await proxy.restart()
            events = await inbox.wait_for(3)
            assert events[1:] == logged and cut.attachments >= 2
        finally:
            await cut.close()
            await other.close()
            await proxy.stop()

    async def test_reattaches_when_the_log_stops_answering(self, redis_url: str) -> None:
        # A partition: the follower's connection stays open and silent (no reset).
        proxy = RedisProxy(redis_url)
        prefix = _prefix()
        backplane = RedisBackplane(
            await proxy.start(),
            prefix=prefix,
            reconnect_delay=0.01,
            block=0.05,
            publish_timeout=0.2,
        )
        publisher = RedisBackplane(redis_url, prefix=prefix)
        inbox = Inbox()
        try:
            await backplane.start(inbox.deliver, inbox.resync)
            await publisher.start(Inbox().deliver, Inbox().resync)
            proxy.stall()
            await asyncio.wait_for(backplane.wait_attached(2), TIMEOUT)
            logged = await publisher.publish(_event(1))
            assert await inbox.wait_for(1) == [logged]
        finally:
            await backplane.close()
            await publisher.close()
            await proxy.stop()

    async def test_a_hole_in_the_feed_is_caught_up_from_the_channels(self, redis_url: str) -> None:
        prefix = _prefix()
        proxy = RedisProxy(redis_url)
        behind = RedisBackplane(
            await proxy.start(), prefix=prefix, reconnect_delay=0.01, feed_length=1
        )
        other = RedisBackplane(redis_url, prefix=prefix, feed_length=1)
        inbox = Inbox()
        try:
            await behind.start(inbox.deliver, inbox.resync)
            await other.start(Inbox().deliver, Inbox().resync)
            await proxy.stop()
            # The feed keeps about one entry: most of these are gone from it by the time the
            # process is back (MAXLEN ~ trims whole nodes, so publish enough).
            logged = [await other.publish(_event(n)) for n in range(300)]
            await proxy.restart()
            events = await inbox.wait_for(1)
            resyncs = await inbox.wait_resyncs(2)
            upto, _, changed = resyncs[1]
            assert not changed and events[0].seq == upto + 1
            assert upto >= logged[0].seq
        finally:
            await behind.close()
            await other.close()
            await proxy.stop()

    async def test_a_flushed_log_is_a_new_epoch(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        prefix = _prefix()
        backplane = RedisBackplane(redis_url, prefix=prefix, reconnect_delay=0.01)
        inbox = Inbox()
        admin = aioredis.Redis.from_url(redis_url)
        try:
            await backplane.start(inbox.deliver, inbox.resync)
            old = await backplane.publish(_event(1))
            await inbox.wait_for(1)
            old_epoch = backplane.epoch
            keys = [key async for key in admin.scan_iter(match=f"{prefix}:*")]
            await admin.delete(*keys)
            for client in await admin.client_list():
                if client.get("name") == backplane.client_name:
                    await admin.client_kill_filter(_id=client["id"])
            resyncs = await inbox.wait_resyncs(2)
            assert resyncs[1][2] is True and backplane.epoch != old_epoch
            new = await backplane.publish(_event(2))
            assert new.seq > old.seq  # numbers only grow, across epochs too
            replay = await backplane.replay("alice", old.seq, old_epoch)
            assert replay.lost == LOST_EPOCH and _ns(replay.events) == [2]
        finally:
            await admin.aclose()
            await backplane.close()

    async def test_trimmed_user_history_is_reported(self, redis_url: str) -> None:
        backplane = RedisBackplane(redis_url, prefix=_prefix(), user_history=1)
        try:
            await backplane.start(Inbox().deliver, Inbox().resync)
            logged = [await backplane.publish(_event(n)) for n in range(300)]
            replay = await backplane.replay("alice", logged[0].seq, backplane.epoch)
            assert replay.lost == LOST_TRIMMED
            assert _ns(replay.events)[-1] == 299 and len(replay.events) < 299
            assert (await backplane.replay("alice", logged[-2].seq, None)).lost is None
        finally:
            await backplane.close()


class TestEntryValidation:
    @pytest.mark.parametrize("secret", [None, SECRET])
    async def test_entries_written_by_someone_else_are_dropped_and_counted(
        self, redis_url: str, secret: str | None
    ) -> None:
        """A process with Redis access but not the secret cannot inject events; without a
        secret, entries are still validated."""
        import redis.asyncio as aioredis

        prefix = _prefix()
        metrics = Metrics()
        backplane = RedisBackplane(redis_url, prefix=prefix, secret=secret, metrics=metrics)
        inbox = Inbox()
        intruder = aioredis.Redis.from_url(redis_url)
        feed = f"{prefix}:feed"
        try:
            await backplane.start(inbox.deliver, inbox.resync)
            first = await backplane.publish(_event(1))
            await inbox.wait_for(1)
            fields = {"t": "alert_notification", "d": b'{"msg":"wire money"}', "ts": "t"}
            base = {**fields, "o": "x", "u": "alice", "p": "0"}
            forged = [
                base,
                {**base, "s": "0" * 64},
                {**base, "t": "error"},
                {**base, "d": b"{not json"},
                {"t": "x"},
            ]
            seq = first.seq
            for entry in forged:
                seq += 1
                await intruder.incr(f"{prefix}:seq")
                await intruder.xadd(feed, entry, id=f"{seq}-0")  # type: ignore[arg-type]
            last = await backplane.publish(_event(2))
            # Without a secret, the two well-formed forgeries cannot be told from real events.
            events = await inbox.wait_for(2 if secret else 4)
        finally:
            await intruder.aclose()
            await backplane.close()
        assert events[0] == first and events[-1] == last
        if secret is None:
            assert backplane.dropped == {"reserved": 1, "malformed": 2}
        else:
            # With a secret, anything unsigned is dropped as such, whatever else is wrong.
            assert backplane.dropped == {"unsigned": 3, "bad_signature": 1, "malformed": 1}
        assert metrics.total("backplane_dropped") == sum(backplane.dropped.values())


def test_entry_codec_round_trip() -> None:
    codec = EntryCodec(SECRET)
    signature = codec.signature("a", "alice", b'{"n":1}', "t", "o")
    fields = {b"t": b"a", b"u": b"alice", b"d": b'{"n":1}', b"ts": b"t", b"o": b"o"}
    event = codec.decode(7, {**fields, b"p": b"3", b"s": signature.encode()})
    assert isinstance(event, LoggedEvent)
    assert (event.seq, event.prev, event.user_id, event.data) == (7, 3, "alice", {"n": 1})
    broadcast = EntryCodec().decode(8, {**fields, b"u": b"", b"p": b"0"})
    assert isinstance(broadcast, LoggedEvent) and broadcast.user_id is None
    tampered = {**fields, b"d": b'{"n":2}', b"p": b"3", b"s": signature.encode()}
    assert codec.decode(7, tampered) == "bad_signature"
