"""A client written for the seed works against our server unchanged.

It connects as the seed's hooks do (``?userId=&token=`` in the url, no header, no subprotocol),
sends only the seed's frames (no ``clientMessageId``, no ``streamId`` handling) and reads only
the seed's fields. Extension fields may be present; every field the seed reads must be.
"""

from __future__ import annotations

from typing import Any

from websockets.asyncio.client import connect

from .helpers import RunningServer, recv_json, recv_until, send_json, token_for, types


def _seed_url(server: RunningServer, path: str, user: str = "alice") -> str:
    return f"{server.url}{path}?userId={user}&token={token_for(user)}"


def _has(frame: dict[str, Any], *fields: str) -> bool:
    return all(field in frame for field in fields)


async def test_seed_copilot_client_streams_and_keeps_its_conversation(
    server: RunningServer,
) -> None:
    async with connect(_seed_url(server, "/copilot")) as ws:
        await send_json(ws, {"action": "message", "message": "Add a supplier", "streaming": True})
        first = await recv_until(ws, "suggestions")
        kinds = types(first)
        assert kinds[0] == "acknowledgment" and kinds[-2:] == ["stream_complete", "suggestions"]
        assert "stream_start" in kinds and "stream_token" in kinds
        by_type = {frame["type"]: frame for frame in first}
        assert _has(by_type["acknowledgment"], "message", "timestamp")
        assert _has(by_type["typing"], "timestamp")
        assert _has(by_type["stream_start"], "conversationId", "timestamp", "metadata")
        assert _has(by_type["stream_complete"], "conversationId", "timestamp", "metadata")
        assert _has(by_type["stream_complete"]["metadata"], "tokenCount", "actionSuccess")
        assert isinstance(by_type["suggestions"]["suggestions"], list)
        tokens = [frame for frame in first if frame["type"] == "stream_token"]
        assert all(_has(t, "token", "conversationId", "timestamp") for t in tokens)
        assert "".join(t["token"] for t in tokens) == "Echo: Add a supplier"

        # The seed keeps the conversationId it was given and sends it with the next message.
        conversation_id = by_type["stream_start"]["conversationId"]
        await send_json(
            ws,
            {
                "action": "message",
                "message": "and another",
                "conversationId": conversation_id,
                "streaming": True,
            },
        )
        second = await recv_until(ws, "suggestions")
        assert {f["conversationId"] for f in second if "conversationId" in f} == {conversation_id}


async def test_seed_non_streamed_message_has_the_seed_metadata(server: RunningServer) -> None:
    async with connect(_seed_url(server, "/copilot")) as ws:
        await send_json(ws, {"action": "message", "message": "hello", "streaming": False})
        frames = await recv_until(ws, "complete")
    [message] = [frame for frame in frames if frame["type"] == "message"]
    assert message["content"] == "Echo: hello"
    assert _has(message, "conversationId", "timestamp", "metadata")
    assert _has(message["metadata"], "intent", "confidence", "actionSuccess")


async def test_seed_event_client_gets_envelopes_of_the_default_types(
    server: RunningServer,
) -> None:
    async with connect(_seed_url(server, "/ws")) as ws:
        await server.hub.publisher.publish("alice", "agent_status", {"ignored": True})
        await server.hub.publisher.publish("alice", "alert_notification", {"severity": "high"})
        event = await recv_json(ws)
    # Subscribed by default to alerts and twin updates only; the envelope has the seed's fields.
    assert event["type"] == "alert_notification"
    assert event["data"] == {"severity": "high"}
    assert isinstance(event["timestamp"], str)
