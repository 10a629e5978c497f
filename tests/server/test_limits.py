"""Rate and connection limits, driven by a fake clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server.limits import ConnectionLimiter, FloodGuard, TokenBucket


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TestTokenBucket:
    def test_burst_then_refused_with_retry_after(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=20, burst=5, clock=clock)
        assert [bucket.take("alice") for _ in range(5)] == [None] * 5
        retry_after = bucket.take("alice")
        assert retry_after == pytest.approx(3.0)  # one token every 60/20 s

    def test_refills_at_the_configured_rate(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=20, burst=5, clock=clock)
        for _ in range(5):
            bucket.take("alice")
        clock.advance(1.5)
        assert bucket.take("alice") == pytest.approx(1.5)
        clock.advance(1.5)
        assert bucket.take("alice") is None
        assert bucket.take("alice") == pytest.approx(3.0)

    def test_refusal_spends_nothing(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=60, burst=1, clock=clock)
        assert bucket.take("k") is None
        for _ in range(10):
            assert bucket.take("k") is not None
        clock.advance(1.0)
        assert bucket.take("k") is None

    def test_never_refills_beyond_burst(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=20, burst=5, clock=clock)
        bucket.take("alice")
        clock.advance(3600)
        assert bucket.available("alice") == 5
        assert [bucket.take("alice") for _ in range(6)].count(None) == 5

    def test_keys_are_independent(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=20, burst=1, clock=clock)
        assert bucket.take("alice") is None
        assert bucket.take("alice") is not None
        assert bucket.take("bob") is None

    def test_full_buckets_are_pruned(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket(per_minute=20, burst=5, clock=clock)
        bucket.take("alice")
        bucket.take("bob")
        assert len(bucket) == 2
        clock.advance(2.0)
        bucket.take("bob")
        clock.advance(1.0)
        bucket.prune()  # alice is full again after 3 s; bob is not
        assert len(bucket) == 1

    def test_invalid_configuration(self) -> None:
        with pytest.raises(ConfigurationError):
            TokenBucket(per_minute=0)
        with pytest.raises(ConfigurationError):
            TokenBucket(burst=0)


class TestFloodGuard:
    def test_closes_after_strikes_within_window(self) -> None:
        clock = FakeClock()
        guard = FloodGuard(strikes=3, window=10.0, clock=clock)
        assert guard.strike("c1") is False
        assert guard.strike("c1") is False
        assert guard.strike("c1") is True

    def test_old_strikes_fall_out_of_the_window(self) -> None:
        clock = FakeClock()
        guard = FloodGuard(strikes=3, window=10.0, clock=clock)
        guard.strike("c1")
        guard.strike("c1")
        clock.advance(10.0)
        assert guard.count("c1") == 0
        assert guard.strike("c1") is False
        assert guard.count("c1") == 1

    def test_keys_are_independent_and_forgettable(self) -> None:
        clock = FakeClock()
        guard = FloodGuard(strikes=2, window=10.0, clock=clock)
        guard.strike("c1")
        assert guard.strike("c2") is False
        guard.forget("c1")
        assert guard.count("c1") == 0
        assert guard.strike("c1") is False

    def test_users_without_recent_strikes_are_forgotten(self) -> None:
        # One entry per user ever rate limited would grow for the life of the process.
        clock = FakeClock()
        guard = FloodGuard(strikes=3, window=10.0, clock=clock)
        for number in range(2048):
            guard.strike(f"old-{number}")
        clock.advance(10.0)
        for number in range(2048):
            guard.strike(f"new-{number}")
        assert len(guard) == 2048  # pruned as it goes: only the users struck in the window
        clock.advance(10.0)
        guard.prune()
        assert len(guard) == 0


class TestConnectionLimiter:
    def test_limit_per_user(self) -> None:
        limiter = ConnectionLimiter(per_user=2)
        assert limiter.acquire("alice") and limiter.acquire("alice")
        assert limiter.acquire("alice") is False
        assert limiter.count("alice") == 2
        assert limiter.acquire("bob") is True
        assert limiter.total() == 3

    def test_release_frees_a_slot_and_extra_releases_are_ignored(self) -> None:
        limiter = ConnectionLimiter(per_user=1)
        assert limiter.acquire("alice")
        limiter.release("alice")
        limiter.release("alice")
        assert limiter.count("alice") == 0
        assert limiter.acquire("alice")
        assert limiter.acquire("alice") is False

    def test_default_is_ten(self) -> None:
        limiter = ConnectionLimiter()
        assert [limiter.acquire("u") for _ in range(11)].count(True) == 10
        assert limiter.retry_after > 0


@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=10, allow_nan=False), st.booleans()),
        max_size=200,
    )
)
def test_token_bucket_never_allows_more_than_burst_plus_refill(
    steps: list[tuple[float, bool]],
) -> None:
    """Whatever the timing, allowed takes <= burst + elapsed * rate; and after a refusal,
    waiting exactly the given retry-after is enough (``retry`` chooses whether to)."""
    clock = FakeClock(0.0)
    bucket = TokenBucket(per_minute=20, burst=5, clock=clock)
    allowed = 0
    for advance, retry in steps:
        clock.advance(advance)
        retry_after = bucket.take("k")
        if retry_after is None:
            allowed += 1
        else:
            assert retry_after > 0
            if retry:
                clock.advance(retry_after)
                assert bucket.take("k") is None
                allowed += 1
        assert allowed <= 5 + clock.now * 20 / 60 + 1e-6
