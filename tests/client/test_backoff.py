"""ReconnectPolicy and Backoff: the schedule, jitter bounds, giving up, and storm protection."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnitrack_realtime.client.backoff import Backoff, Endpoints, ReconnectPolicy
from omnitrack_realtime.errors import ConfigurationError

EXACT = ReconnectPolicy(jitter=0.0)


def drain(backoff: Backoff) -> list[float]:
    delays = []
    while (delay := backoff.next_delay()) is not None:
        delays.append(delay)
        assert len(delays) < 1000, "never gives up"
    return delays


def test_defaults_are_the_seeds_schedule() -> None:
    policy = ReconnectPolicy()
    assert (policy.max_attempts, policy.initial_delay, policy.max_delay) == (5, 1.0, 30.0)
    assert (policy.multiplier, policy.jitter, policy.stable_after) == (2.0, 0.1, 5.0)
    assert drain(Backoff(EXACT)) == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_delay_is_capped_at_max_delay() -> None:
    policy = ReconnectPolicy(max_attempts=8, jitter=0.0)
    assert [policy.delay(k) for k in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_huge_retry_numbers_do_not_overflow() -> None:
    assert EXACT.delay(100_000) == 30.0


def test_jitter_factor_spans_one_minus_to_one_plus_jitter() -> None:
    policy = ReconnectPolicy(jitter=0.25)
    assert policy.delay(2, random=lambda: 0.0) == pytest.approx(4 * 0.75)
    assert policy.delay(2, random=lambda: 0.5) == pytest.approx(4.0)
    assert policy.delay(2, random=lambda: 0.999999) == pytest.approx(4 * 1.25, rel=1e-5)


def test_zero_jitter_does_not_draw_randomness() -> None:
    def forbidden() -> float:
        raise AssertionError("random drawn with jitter=0")

    assert EXACT.delay(3, random=forbidden) == 8.0


@given(
    retry=st.integers(min_value=0, max_value=200),
    jitter=st.floats(min_value=0.0, max_value=1.0),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_jittered_delay_stays_within_bounds(retry: int, jitter: float, draw: float) -> None:
    policy = ReconnectPolicy(jitter=jitter)
    base = min(2.0**retry, 30.0)
    delay = policy.delay(retry, random=lambda: draw)
    assert base * (1 - jitter) - 1e-9 <= delay <= base * (1 + jitter) + 1e-9
    assert delay >= 0


def test_negative_retry_is_a_bug() -> None:
    with pytest.raises(ValueError):
        EXACT.delay(-1)


def test_gives_up_after_max_attempts() -> None:
    backoff = Backoff(ReconnectPolicy(max_attempts=3, jitter=0.0))
    assert drain(backoff) == [1.0, 2.0, 4.0]
    assert backoff.retries == 3 and backoff.exhausted
    assert backoff.next_delay() is None  # stays given up


def test_zero_max_attempts_never_retries() -> None:
    backoff = Backoff(ReconnectPolicy(max_attempts=0))
    assert backoff.exhausted
    assert backoff.next_delay() is None


def test_none_max_attempts_retries_forever_at_the_cap() -> None:
    backoff = Backoff(ReconnectPolicy(max_attempts=None, jitter=0.0))
    delays = [backoff.next_delay() for _ in range(500)]
    assert delays[:6] == [1, 2, 4, 8, 16, 30]
    assert set(delays[5:]) == {30.0}
    assert not backoff.exhausted


def test_injected_random_is_used_by_backoff() -> None:
    draws = iter([0.0, 1.0 - 1e-12, 0.5])
    backoff = Backoff(ReconnectPolicy(jitter=0.5), random=lambda: next(draws))
    assert backoff.next_delay() == pytest.approx(0.5)
    assert backoff.next_delay() == pytest.approx(3.0)
    assert backoff.next_delay() == pytest.approx(4.0)


def test_stable_connection_resets_the_counter() -> None:
    backoff = Backoff(EXACT)
    assert drain(backoff)[:2] == [1.0, 2.0]
    backoff.opened(100.0)
    backoff.closed(105.0)  # exactly stable_after: stable
    assert backoff.retries == 0
    assert backoff.next_delay() == 1.0


def test_accept_then_close_storm_keeps_counting_and_gives_up() -> None:
    backoff = Backoff(ReconnectPolicy(max_attempts=5, jitter=0.0))
    now = 0.0
    delays = []
    while (delay := backoff.next_delay()) is not None:
        delays.append(delay)
        now += delay
        backoff.opened(now)  # the server accepts ...
        now += 0.01
        backoff.closed(now)  # ... and closes at once
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_closed_without_opened_does_not_reset() -> None:
    backoff = Backoff(EXACT)
    backoff.next_delay()
    backoff.closed(1_000_000.0)
    assert backoff.retries == 1


def test_an_open_is_only_counted_once() -> None:
    backoff = Backoff(EXACT)
    backoff.next_delay()
    backoff.opened(0.0)
    backoff.closed(1.0)
    backoff.closed(100.0)  # a second close of the same connection is not "stable"
    assert backoff.retries == 1


def test_reset_forgets_retries() -> None:
    backoff = Backoff(ReconnectPolicy(max_attempts=2))
    drain(backoff)
    backoff.reset()
    assert backoff.retries == 0 and not backoff.exhausted
    assert backoff.policy.max_attempts == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": -1},
        {"max_attempts": 1.5},
        {"max_attempts": True},
        {"initial_delay": -0.1},
        {"max_delay": -1.0},
        {"max_delay": 0.5},  # below initial_delay
        {"multiplier": 0.5},
        {"jitter": -0.01},
        {"jitter": 1.01},
        {"stable_after": -1.0},
        {"initial_delay": math.nan},
        {"max_delay": math.inf},
        {"multiplier": "2"},
    ],
)
def test_invalid_policies_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        ReconnectPolicy(**kwargs)  # type: ignore[arg-type]


def test_tiny_delays_for_tests_are_valid() -> None:
    policy = ReconnectPolicy(initial_delay=0.01, max_delay=0.05, jitter=0.0, stable_after=0.0)
    assert drain(Backoff(policy)) == pytest.approx([0.01, 0.02, 0.04, 0.05, 0.05])


def test_policy_is_a_frozen_value() -> None:
    policy = ReconnectPolicy()
    with pytest.raises(AttributeError):
        policy.jitter = 0.5  # type: ignore[misc]
    assert policy == ReconnectPolicy()


class TestEndpoints:
    def test_each_failure_moves_on_in_turn(self) -> None:
        endpoints = Endpoints(["ws://a/ws", "ws://b/ws", "ws://c/ws"])
        assert endpoints.current == "ws://a/ws"
        assert [endpoints.failed() for _ in range(4)] == [
            "ws://b/ws",
            "ws://c/ws",
            "ws://a/ws",
            "ws://b/ws",
        ]
        assert len(endpoints) == 3

    def test_one_url_stays(self) -> None:
        endpoints = Endpoints("ws://a/ws")
        assert endpoints.urls == ("ws://a/ws",)
        assert endpoints.failed() == "ws://a/ws"

    def test_no_url_is_refused(self) -> None:
        with pytest.raises(ConfigurationError):
            Endpoints([])

    @given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=30))
    def test_every_url_gets_its_turn(self, count: int, failures: int) -> None:
        urls = [f"ws://h{i}/ws" for i in range(count)]
        endpoints = Endpoints(urls)
        for _ in range(failures):
            endpoints.failed()
        assert endpoints.current == urls[failures % count]
