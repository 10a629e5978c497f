"""The pure parts of the commands' token reading and of the server watch."""

from __future__ import annotations

import asyncio
import http
import time
from collections.abc import Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from frontdoor_support import token_for
from omnitrack_realtime import CopilotClient, ReconnectPolicy
from omnitrack_realtime.cli.chat import dropped_sentence
from omnitrack_realtime.cli.recovery import (
    ProbeVerdicts,
    ServerWatch,
    probe_address,
    worth_retrying,
)
from omnitrack_realtime.cli.tokens import expiry_words, token_claims, token_expiry, token_subject
from omnitrack_realtime.errors import AuthenticationError, ConfigurationError, ConnectionFailed


def test_a_jwt_is_read_without_its_key() -> None:
    token = token_for("alice", ttl=60)
    claims = token_claims(token)
    assert claims is not None and claims["sub"] == "alice"
    assert token_subject(token) == "alice"
    expiry = token_expiry(token)
    assert expiry is not None and abs(expiry - (time.time() + 60)) < 5


def test_what_is_not_a_jwt_says_nothing() -> None:
    for token in (None, "", "opaque-token", "a.b", "a.!!!.c", "a.bnVsbA.c"):  # null payload
        assert token_claims(token) is None
        assert token_subject(token) is None and token_expiry(token) is None


def test_expiry_words_are_a_time_today_else_a_date() -> None:
    now = time.mktime((2025, 3, 1, 15, 0, 0, 0, 0, -1))
    assert expiry_words(now - 3600, now=now) == "14:00:00"
    assert expiry_words(now - 2 * 86400, now=now) == "2025-02-27 15:00"


def test_probe_address() -> None:
    assert probe_address("ws://localhost:3001/copilot") == ("localhost", 3001)
    assert probe_address("wss://example.com/ws") == ("example.com", 443)
    assert probe_address("ws://example.com/ws") == ("example.com", 80)
    assert probe_address("ws://[::1]:9/ws") == ("::1", 9)
    assert probe_address("ws://host:99999/ws") is None


def test_only_failures_time_can_fix_are_retried_slowly() -> None:
    assert worth_retrying(ConnectionFailed("could not connect after 5 retries"))
    assert not worth_retrying(AuthenticationError("refused", status=401))
    assert not worth_retrying(ConfigurationError("bad url"))
    assert not worth_retrying(None)


def test_the_dropped_messages_sentence() -> None:
    assert dropped_sentence(1) == "1 message was not sent: quit while the server was not reachable"
    assert dropped_sentence(3).startswith("3 messages were not sent")


async def test_a_server_up_but_refusing_is_probed_once_per_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 503 behind a proxy: the server is reachable all along, so the watch never retries
    on its own (the backoff keeps pacing the retries); each failure is checked again."""
    import omnitrack_realtime.cli.recovery as recovery

    probes: list[tuple[str, int]] = []
    woke = asyncio.Event()  # a probe ended, or the client changed
    real = recovery.reachable

    async def counted(host: str, port: int, within: float) -> bool:
        probes.append((host, port))
        try:
            # The watch bounds a probe by its interval (1 ms here, to probe at once): on a
            # busy machine a connect to loopback takes longer, the probe says "unreachable",
            # the next says "back", and the watch retries. The server is up all along here.
            return await real(host, port, max(within, 5.0))
        finally:
            asyncio.get_running_loop().call_soon(woke.set)  # once the watch has read it

    monkeypatch.setattr(recovery, "reachable", counted)

    async def until(condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(5):
            while True:
                woke.clear()
                if condition():
                    return
                await woke.wait()

    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "busy\n")

    async def never(connection: ServerConnection) -> None:
        raise AssertionError("refused")

    hourly = ReconnectPolicy(max_attempts=None, initial_delay=3600, max_delay=3600, jitter=0)
    async with serve(never, "127.0.0.1", 0, process_request=refuse) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        client = CopilotClient(f"ws://127.0.0.1:{port}/copilot", token="t", reconnect=hourly)
        client.on_change(lambda *_: woke.set())
        await client.connect()
        watch = ServerWatch(client, interval=0.001)
        task = asyncio.ensure_future(watch.run())
        try:
            await until(lambda: watch.server_reachable is True)
            first = client.next_retry
            assert client.retry_now()  # a second failure: one more probe, then none
            await until(lambda: client.next_retry not in (None, first) and len(probes) >= 2)
        finally:
            task.cancel()
            await client.disconnect()
    assert probes[:2] == [("127.0.0.1", port)] * 2
    assert watch.retries == 0  # never a retry of its own against a server that refuses


def test_probe_verdicts() -> None:
    up_all_along = ProbeVerdicts()
    assert up_all_along.observe(True) == "stop"  # reachable but refusing: backoff decides
    came_back = ProbeVerdicts()
    assert [came_back.observe(seen) for seen in (False, False, True)] == [
        "probe",
        "probe",
        "retry",
    ]
