"""Abuse limits over real sockets, against every driver (issue 9): replays and history on a
per-user budget, invisible and control characters kept out, identity given once, tokens kept
out of logs, publishable event types a registry."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server import Limits, ServerConfig
from omnitrack_realtime.server.auth import mint_token

from .conftest import StartServer
from .helpers import AUTH, RunningServer, open_client, recv_json, recv_until, send_json, token_for

DIRTY = "Add Rotter\u200bdam\u202e \x1b[2J warehouse\u2066\u200d\ufeff\r\nnow"
CLEAN = "Add Rotterdam [2J warehouse\nnow"


def _message(text: str, client_message_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"action": "message", "message": text, "streaming": False}
    if client_message_id is not None:
        frame["clientMessageId"] = client_message_id
    return frame


# ---------------------------------------------------------------------- replay/history budget


async def test_replays_of_processed_messages_spend_a_budget_of_their_own(
    start_server: StartServer,
) -> None:
    # One a minute: no refill can happen during the test, however slow the machine.
    limits = Limits(replays_per_minute=1, replay_burst=2, flood_strikes=100)
    server = await start_server(limits=limits)
    async with open_client(server) as chat:
        await send_json(chat, _message("hello", "cmid-1"))
        first = await recv_until(chat, "complete")
        for _ in range(2):  # the budget: answered again, the same answer
            await send_json(chat, _message("hello", "cmid-1"))
            again = await recv_until(chat, "complete")
            assert again[0]["message"] == "Message already received."
            assert [f["content"] for f in again if f["type"] == "message"] == [
                f["content"] for f in first if f["type"] == "message"
            ]
        await send_json(chat, _message("hello", "cmid-1"))
        error = await recv_json(chat)
        assert error["type"] == "error" and error["code"] == "rate_limited"
        assert error["clientMessageId"] == "cmid-1"  # the SDK keeps it and resends it then
        assert 0 < error["retryAfter"] <= 60
        assert "already answered" in error["error"]
        # Replays do not spend the message rate, and new messages do not spend the budget.
        await send_json(chat, _message("a new one", "cmid-2"))
        assert (await recv_json(chat))["type"] == "acknowledgment"
        await recv_until(chat, "complete")  # its turn ran (not cancelled by the close)
    metrics = server.hub.metrics
    assert metrics.get("rate_limited", what="replay") == 1
    assert metrics.total("rate_limited") == 1
    assert len(server.engine.requests) == 2  # replays never ran the engine again


async def test_history_requests_spend_the_same_budget(start_server: StartServer) -> None:
    limits = Limits(replays_per_minute=1, replay_burst=3, flood_strikes=100)
    server = await start_server(limits=limits)
    async with open_client(server) as chat:
        await send_json(chat, _message("hello", "cmid-1"))
        conversation_id = (await recv_until(chat, "complete"))[0]["conversationId"]
        await send_json(chat, _message("hello", "cmid-1"))  # one replay
        await recv_until(chat, "complete")
        history = {"action": "history", "conversationId": conversation_id}
        for _ in range(2):
            await send_json(chat, history)
            assert (await recv_json(chat))["type"] == "history"
        await send_json(chat, history)
        error = await recv_json(chat)
        assert error["code"] == "rate_limited" and error["conversationId"] == conversation_id
        assert error["error"].startswith("Too many history requests")
    assert server.hub.metrics.get("rate_limited", what="history") == 1


async def test_a_client_that_keeps_replaying_past_the_budget_is_closed_4429(
    start_server: StartServer,
) -> None:
    limits = Limits(replays_per_minute=1, replay_burst=1, flood_strikes=3)
    server = await start_server(limits=limits)
    async with open_client(server) as chat:
        await send_json(chat, _message("hello", "cmid-1"))
        await recv_until(chat, "complete")
        await send_json(chat, _message("hello", "cmid-1"))
        await recv_until(chat, "complete")
        for _ in range(3):
            await send_json(chat, _message("hello", "cmid-1"))
            assert (await recv_json(chat))["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed) as info:
            await recv_json(chat)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4429


# ---------------------------------------------------------------------- text


async def test_control_invisible_and_bidi_characters_never_reach_the_engine_or_the_store(
    server: RunningServer,
) -> None:
    async with open_client(server) as chat:
        await send_json(chat, _message(DIRTY, "cmid-dirty"))
        frames = await recv_until(chat, "complete")
        conversation_id = frames[0]["conversationId"]
        await send_json(chat, {"action": "history", "conversationId": conversation_id})
        history = await recv_json(chat)
    assert server.engine.requests[-1].message == CLEAN
    stored = [m["content"] for m in history["messages"] if m["role"] == "user"]
    assert stored == [CLEAN]
    answer = next(f for f in frames if f["type"] == "message")
    assert answer["content"] == f"Echo: {CLEAN}"


async def test_a_message_of_invisible_characters_only_is_empty(server: RunningServer) -> None:
    async with open_client(server) as chat:
        await send_json(chat, _message("\u200b\u202e\u2066\x07 \ufeff", "cmid-empty"))
        error = await recv_json(chat)
    assert error["code"] == "invalid_message" and error["error"] == "Message is empty"
    assert error["clientMessageId"] == "cmid-empty"
    assert server.engine.requests == []


# ---------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "query",
    [
        "?userId=bob&userId=alice",
        "?userId=alice&userId=alice",
        "?token={token}&token={token}",
    ],
)
async def test_an_identity_parameter_given_twice_is_refused_400(
    server: RunningServer, query: str
) -> None:
    token = token_for("alice")
    url = server.url + "/copilot" + query.format(token=token)
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}):
            pass
    response = info.value.response
    assert response.status_code == 400
    assert b"is given more than once" in response.body
    assert token.encode() not in response.body
    assert server.hub.metrics.get("auth_failures", status="400", where="handshake") == 1


async def test_two_authorization_headers_or_bearer_subprotocols_are_refused_400(
    server: RunningServer,
) -> None:
    alice, bob = token_for("alice"), token_for("bob")
    with pytest.raises(InvalidStatus) as info:
        async with connect(
            server.url + "/ws",
            additional_headers=[("Authorization", f"Bearer {bob}"), ("Authorization", alice)],
        ):
            pass
    assert info.value.response.status_code == 400
    with pytest.raises(InvalidStatus) as info:
        async with connect(
            server.url + "/ws", subprotocols=["omnitrack.v1", f"bearer.{bob}", f"bearer.{alice}"]
        ):
            pass
    assert info.value.response.status_code == 400


async def test_a_token_whose_user_id_has_control_or_bidi_characters_is_refused(
    server: RunningServer,
) -> None:
    import jwt

    claims = {"sub": "mallory\u202eecila", "exp": 2**40}
    token = jwt.encode(claims, AUTH.secret or "", algorithm="HS256")
    with pytest.raises(InvalidStatus) as info:
        async with open_client(server, token=token):
            pass
    assert info.value.response.status_code == 401
    with pytest.raises(ConfigurationError):
        mint_token("eve\x1b[2J", AUTH)


# ---------------------------------------------------------------------- logs


def _jwt_parts(token: str) -> list[str]:
    _header, payload, signature = token.split(".")
    return [payload, signature]


async def test_no_token_reaches_a_log_line_at_debug(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)  # everything, uvicorn's trace level included
    for name in ("omnitrack_realtime", "uvicorn.error", "uvicorn.access", "websockets"):
        caplog.set_level(1, logger=name)
    token = token_for("alice")
    other = token_for("bob")
    refused = token_for("carol", ttl=-3600)
    client_logger = logging.getLogger("tests.abuse.client")
    quiet = {"logger": client_logger}
    urls = [
        # A JWT in a parameter nobody reads, plain and with its dots percent-encoded.
        f"{server.url}/copilot?userId=alice&trace={other}",
        f"{server.url}/ws?x={quote(other, safe='')}&y={other.replace('.', '%2E')}",
        f"{server.url}/copilot?token={token}",
    ]
    for url in urls:
        async with connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}", "X-Trace": other},
            subprotocols=["omnitrack.v1", f"bearer.{token}"],  # type: ignore[list-item]
            **quiet,
        ) as ws:
            await send_json(ws, {"action": "auth", "token": token})
            assert (await recv_json(ws))["type"] == "auth_ok"
    with pytest.raises(InvalidStatus):  # a refused handshake is logged with its path
        async with connect(f"{server.url}/copilot?token={refused}&jwt={refused}", **quiet):
            pass
    # The server's records (this test's own client logs what it sends, tokens included).
    logged = "\n".join(
        record.getMessage() for record in caplog.records if record.name != client_logger.name
    )
    # The access log names the endpoint, never its query string (where tokens ride).
    assert "refuse /copilot peer=" in logged and "status=401" in logged
    for secret in (token, other, refused):
        for part in _jwt_parts(secret):
            assert part not in logged, f"a token part reached the logs: {part[:12]}…"
    assert "GET /copilot?userId=alice&trace=[redacted] HTTP/1.1" in logged  # the rest stays


# ---------------------------------------------------------------------- publishing


def _publish(event_type: str, data: Any = None) -> dict[str, Any]:
    return {"action": "publish", "eventType": event_type, "data": data, "userId": "alice"}


@pytest.mark.parametrize("reserved", ["error", "subscribed", "pong", "stream_token", "message"])
async def test_reserved_event_types_are_refused_for_publish(
    server: RunningServer, reserved: str
) -> None:
    ops_token = token_for("ops", scopes=("events:publish",))
    async with (
        open_client(server, "/ws", user="alice") as alice,
        open_client(server, "/ws", token=ops_token) as ops,
    ):
        channels = [reserved, "alert_notification"]
        await send_json(alice, {"action": "subscribe", "channels": channels})
        await recv_json(alice)
        await send_json(ops, _publish(reserved, {"error": "fake"}))
        refusal = await recv_json(ops)
        assert refusal["type"] == "error"
        assert refusal["data"]["code"] == "reserved_event_type"
        assert f"'{reserved}' is reserved" in refusal["data"]["error"]
        # Nothing reached alice: the next thing she gets is a real event.
        await send_json(ops, _publish("alert_notification", {"n": 1}))
        assert (await recv_json(ops))["type"] == "published"
        event = await recv_json(alice)
    assert event["type"] == "alert_notification" and event["data"] == {"n": 1}
    assert server.hub.metrics.total("events_published") == 1


async def test_unregistered_types_are_refused_and_registered_ones_published(
    start_server: StartServer,
) -> None:
    server = await start_server(event_types=("shipment_eta",))
    ops_token = token_for("ops", scopes=("events:publish",))
    async with (
        open_client(server, "/ws", user="alice") as alice,
        open_client(server, "/ws", token=ops_token) as ops,
    ):
        await send_json(alice, {"action": "subscribe", "channels": ["shipment_eta"]})
        await recv_json(alice)
        await send_json(ops, _publish("made_up_type"))
        refusal = await recv_json(ops)
        assert refusal["data"]["code"] == "unknown_event_type"
        assert "shipment_eta" in refusal["data"]["error"]  # it lists what is publishable
        await send_json(ops, _publish("shipment_eta", {"eta": "tomorrow"}))
        assert (await recv_json(ops))["type"] == "published"
        event = await recv_json(alice)
    assert event["type"] == "shipment_eta" and event["data"] == {"eta": "tomorrow"}


def test_a_reserved_or_malformed_type_cannot_be_registered() -> None:
    with pytest.raises(ConfigurationError, match="reserved"):
        ServerConfig(event_types=("error",))
    with pytest.raises(ConfigurationError, match="not a name"):
        ServerConfig(event_types=("bad type",))


def test_the_redis_secret_is_kept_out_of_reprs_and_must_be_long_enough() -> None:
    config = ServerConfig(redis_url="redis://127.0.0.1:6379/0", redis_secret="s" * 32)
    assert "s" * 32 not in repr(config)
    with pytest.raises(ConfigurationError, match="at least 16"):
        ServerConfig(redis_secret="short")
