"""Two servers on one Redis (both drivers): the message rate, the connection cap, typing and
read receipts hold across them (the backplane is a shared memory one: only the limits and the
presence go through Redis)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from omnitrack_realtime.server.backplane import MemoryBackplane, MemoryHub
from omnitrack_realtime.server.config import Limits

from .conftest import StartServer
from .helpers import RunningServer, open_client, recv_json, recv_until, send_json


async def _two(start_server: StartServer, redis_url: str, **limits: Any) -> list[RunningServer]:
    shared = MemoryHub()
    return [
        await start_server(
            redis_url=redis_url, backplane=MemoryBackplane(shared), limits=Limits(**limits)
        )
        for _ in range(2)
    ]


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"  # the machine's Redis is shared: keys of its own


async def test_the_message_rate_holds_across_servers(
    start_server: StartServer, redis_url: str
) -> None:
    first, second = await _two(start_server, redis_url, burst=2, messages_per_minute=1)
    user = _user()
    async with open_client(first, user=user) as a, open_client(second, user=user) as b:
        # (Each server has a database of its own here: a conversation each.)
        await send_json(a, {"action": "message", "message": "one"})
        await recv_until(a, "suggestions")
        await send_json(b, {"action": "message", "message": "two"})
        await recv_until(b, "suggestions")
        await send_json(b, {"action": "message", "message": "three", "clientMessageId": "c3"})
        refused = await recv_json(b)
        assert refused["type"] == "error" and refused["code"] == "rate_limited"
        assert refused["retryAfter"] == pytest.approx(60.0, abs=0.2)
    assert second.hub.shared_limits is not None and second.hub.shared_limits.shared


async def test_the_connection_cap_holds_across_servers(
    start_server: StartServer, redis_url: str
) -> None:
    first, second = await _two(start_server, redis_url, connections_per_user=2)
    user = _user()
    async with open_client(first, user=user), open_client(second, user=user):
        with pytest.raises(InvalidStatus) as refused:
            async with open_client(first, user=user):
                pass
        assert refused.value.response.status_code == 429
        assert refused.value.response.headers["Retry-After"] == "5"


async def test_typing_and_receipts_reach_the_user_on_the_other_server(
    start_server: StartServer, redis_url: str
) -> None:
    first, second = await _two(start_server, redis_url)
    user = _user()
    async with open_client(first, user=user) as a, open_client(second, user=user) as b:
        # (Each server has a database of its own here: a conversation on each.)
        conversations = []
        for ws in (a, b):
            await send_json(ws, {"action": "message", "message": "hello"})
            conversations.append((await recv_until(ws, "suggestions"))[0]["conversationId"])
        await send_json(a, {"action": "typing", "conversationId": conversations[0]})
        typing = await recv_json(b)
        assert typing["type"] == "user_typing"
        assert (typing["conversationId"], typing["userId"]) == (conversations[0], user)
        await send_json(
            b, {"action": "read", "conversationId": conversations[1], "messageId": "m-1"}
        )
        receipt = await recv_json(a)
        assert receipt["type"] == "read_receipt" and receipt["messageId"] == "m-1"
