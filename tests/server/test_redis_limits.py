"""The limits every process shares through Redis (real Redis): the GCRA rate, the connection
registry with its expiry, and the fall back to the local limits while Redis fails."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from omnitrack_realtime.server.limits import Breaker, TokenBucket
from omnitrack_realtime.server.metrics import Metrics
from omnitrack_realtime.server.redis_limits import RedisLimits, retry_after_header

from .helpers import RedisProxy

Factory = Callable[..., RedisLimits]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def make_limits(redis_url: str) -> AsyncIterator[Factory]:
    """RedisLimits on a prefix of the test's own (the machine's Redis is shared)."""
    prefix = f"test-limits-{uuid.uuid4().hex[:8]}"
    made: list[RedisLimits] = []

    def make(url: str = redis_url, **options: object) -> RedisLimits:
        limits = RedisLimits(url, prefix=prefix, **options)  # type: ignore[arg-type]
        made.append(limits)
        return limits

    yield make
    for limits in made:
        await limits.close()
    client = aioredis.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _bucket() -> TokenBucket:
    return TokenBucket(per_minute=20, burst=5)


async def test_the_rate_is_a_token_bucket_in_one_round_trip(make_limits: Factory) -> None:
    limits = make_limits()
    local = _bucket()
    assert [await limits.take("message", "alice", local) for _ in range(5)] == [None] * 5
    wait = await limits.take("message", "alice", local)
    assert wait == pytest.approx(3.0, abs=0.1)  # one every 60/20 s, like the local bucket
    assert limits.round_trips == 6
    assert local.available("alice") == 5  # Redis decided: the local bucket was not touched
    # Another user and another budget have their own buckets.
    assert await limits.take("message", "bob", local) is None
    assert await limits.take("replay", "alice", local) is None


async def test_two_processes_share_one_bucket(make_limits: Factory) -> None:
    first, second = make_limits(), make_limits()
    local_first, local_second = _bucket(), _bucket()
    for _ in range(3):
        assert await first.take("message", "alice", local_first) is None
    for _ in range(2):
        assert await second.take("message", "alice", local_second) is None
    assert await first.take("message", "alice", local_first) is not None
    assert await second.take("message", "alice", local_second) is not None


async def test_a_script_redis_forgot_is_loaded_again(make_limits: Factory, redis_url: str) -> None:
    limits = make_limits()
    local = _bucket()
    assert await limits.take("message", "alice", local) is None
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.script_flush()  # as after a Redis restart
    finally:
        await client.aclose()
    assert await limits.take("message", "alice", local) is None
    assert limits.shared


async def test_redis_away_falls_back_to_the_local_limits(
    make_limits: Factory, redis_url: str
) -> None:
    proxy = RedisProxy(redis_url)
    url = await proxy.start()
    clock = FakeClock()
    metrics = Metrics()
    limits = make_limits(url, metrics=metrics, breaker=Breaker(delay=1.0, clock=clock))
    local = TokenBucket(per_minute=20, burst=2)
    assert await limits.take("message", "alice", local) is None
    assert await limits.take("message", "alice", local) is None
    assert await limits.take("message", "alice", local) is not None  # shared: spent
    await proxy.stop()
    # Fail open: the local bucket (full) decides, chat goes on.
    assert await limits.take("message", "alice", local) is None
    assert not limits.shared
    assert "omnitrack_limits_shared 0" in metrics.render()
    trips = limits.round_trips
    assert await limits.take("message", "alice", local) is None
    assert limits.round_trips == trips  # the breaker skips Redis meanwhile
    assert await limits.take("message", "alice", local) is not None  # local burst spent
    # Redis back, and the breaker's wait over: shared again.
    await proxy.restart()
    clock.now += 1.0
    assert await limits.take("message", "alice", local) is not None  # still empty in Redis
    assert limits.shared
    assert "omnitrack_limits_shared 1" in metrics.render()
    await proxy.stop()


async def test_the_connection_cap_counts_every_process(make_limits: Factory) -> None:
    first, second = make_limits(connection_ttl=30.0), make_limits(connection_ttl=30.0)
    assert await first.register("alice", "p1:1", 2) is None
    assert await second.register("alice", "p2:1", 2) is None
    wait = await first.register("alice", "p1:2", 2)
    assert wait is not None and 29.0 < wait <= 30.0  # when the oldest would expire
    assert retry_after_header(wait, 5) == 5
    # Registering the same connection again is a renewal, not one more.
    assert await first.register("alice", "p1:1", 2) is None
    second.release("alice", "p2:1")
    await second.wait_released()
    assert await first.register("alice", "p1:2", 2) is None


async def test_a_crashed_process_connections_expire(make_limits: Factory) -> None:
    # The crashed process registered and then never renewed.
    crashed, alive = make_limits(connection_ttl=0.3), make_limits(connection_ttl=30.0)
    assert await crashed.register("alice", "gone:1", 1) is None
    wait = await alive.register("alice", "p2:1", 1)
    assert wait is not None and wait <= 0.3
    assert retry_after_header(wait, 5) == 1
    # The Retry-After it said, then the registration is cleaned out by the next one.
    await asyncio.sleep(wait)
    assert await alive.register("alice", "p2:1", 1) is None


async def test_renewal_counts_live_connections_again(make_limits: Factory, redis_url: str) -> None:
    limits = make_limits(connection_ttl=30.0)
    assert await limits.register("alice", "p1:1", 1) is None
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.delete(f"{limits.prefix}:conns:alice")  # as after a flush
        assert await limits.renew({"p1:1": "alice", "p1:2": "bob"})
        assert await client.zcard(f"{limits.prefix}:conns:alice") == 1
        assert await client.zcard(f"{limits.prefix}:conns:bob") == 1
        # Renewed over the cap too: a live connection is never dropped from the count.
        assert await limits.renew({"p1:1": "alice", "p1:3": "alice"})
        assert await client.zcard(f"{limits.prefix}:conns:alice") == 2
        await limits.close(forget={"p1:1": "alice", "p1:3": "alice"})
        assert await client.zcard(f"{limits.prefix}:conns:alice") == 0
    finally:
        await client.aclose()
