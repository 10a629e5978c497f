"""Typing indicators and read receipts across processes on Redis pub/sub (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from omnitrack_realtime.protocol import ReadReceipt, UserTyping
from omnitrack_realtime.server.presence import PresenceCodec, PresenceSignal, RedisPresence

TIMEOUT = 5.0
SECRET = "presence-secret-0123456789abcdef"

Factory = Callable[..., RedisPresence]


class Heard:
    def __init__(self) -> None:
        self.signals: list[PresenceSignal] = []
        self._changed = asyncio.Condition()

    def receive(self, signal: PresenceSignal) -> None:
        self.signals.append(signal)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, count: int) -> list[PresenceSignal]:
        async with asyncio.timeout(TIMEOUT), self._changed:
            await self._changed.wait_for(lambda: len(self.signals) >= count)
        return self.signals


@pytest.fixture
async def make_presence(redis_url: str) -> AsyncIterator[Factory]:
    channel = f"test-presence-{uuid.uuid4().hex[:8]}"
    made: list[RedisPresence] = []

    def make(origin: str, secret: str | None = None) -> RedisPresence:
        presence = RedisPresence(redis_url, origin=origin, prefix=channel, secret=secret)
        made.append(presence)
        return presence

    yield make
    for presence in made:
        await presence.close()


def _typing(user: str = "alice") -> UserTyping:
    return UserTyping(conversation_id="conv-1", user_id=user, timestamp=1)


async def test_a_signal_reaches_the_other_processes_only(make_presence: Factory) -> None:
    here, there = make_presence("here"), make_presence("there")
    heard_here, heard_there = Heard(), Heard()
    await here.start(heard_here.receive)
    await there.start(heard_there.receive)
    assert here.available and there.available
    receipt = ReadReceipt(conversation_id="conv-1", message_id="m-1", user_id="alice", timestamp=2)
    await here.publish(_typing())
    await here.publish(receipt)
    assert await heard_there.wait_for(2) == [_typing(), receipt]
    await there.publish(_typing("bob"))
    assert await heard_here.wait_for(1) == [_typing("bob")]  # not its own two


async def test_signed_signals_drop_what_is_unsigned_or_forged(make_presence: Factory) -> None:
    receiver = make_presence("receiver", SECRET)
    heard = Heard()
    await receiver.start(heard.receive)
    unsigned, forged, honest = (
        make_presence("unsigned"),
        make_presence("forged", "another-secret-0123456789abcdef"),
        make_presence("honest", SECRET),
    )
    for sender in (unsigned, forged, honest):
        await sender.start(lambda signal: None)
    await unsigned.publish(_typing("mallory"))
    await forged.publish(_typing("mallory"))
    await honest.publish(_typing())
    # One channel, in order: by the honest one, the two before it were read and dropped.
    assert await heard.wait_for(1) == [_typing()]
    assert receiver.dropped == {"unsigned": 1, "bad_signature": 1}


def test_the_codec_refuses_what_is_not_a_signal() -> None:
    codec = PresenceCodec()
    assert codec.decode(b"not json") == "malformed"
    assert codec.decode(b'{"o":"x","u":"alice","k":"shout","c":"c","t":1}') == "malformed"
    assert codec.decode(b'{"o":"x","u":"","k":"typing","c":"c","t":1}') == "malformed"
    assert codec.decode(b'{"o":"x","u":"alice","k":"read","c":"c","t":1}') == "malformed"
    assert codec.decode(codec.encode("x", _typing())) == ("x", _typing())


async def test_redis_away_keeps_signals_local(make_presence: Factory) -> None:
    presence = RedisPresence("redis://127.0.0.1:1/0", origin="x", timeout=0.2)
    try:
        await presence.start(lambda signal: None)  # returns: it keeps trying behind
        assert not presence.available
        await presence.publish(_typing())  # skipped, no error
    finally:
        await presence.close()
