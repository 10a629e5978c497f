"""Authentication at the socket level: HTTP statuses before the upgrade, expiry, refresh."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.request
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from omnitrack_realtime.server.auth import AuthConfig

from .conftest import StartServer
from .helpers import (
    SECRET,
    RunningServer,
    open_client,
    recv_json,
    send_json,
    token_for,
)


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _alg_none_token(user: str = "alice") -> str:
    claims = {"sub": user, "exp": int(time.time()) + 3600}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


async def _status_of(url: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, **kwargs):
            pass
    return info.value.response.status_code


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param(lambda: None, 401, id="missing"),
        pytest.param(lambda: "not-a-jwt", 401, id="malformed"),
        pytest.param(_alg_none_token, 401, id="alg-none"),
        pytest.param(
            lambda: token_for(auth=AuthConfig(secret="another-secret-" * 3)), 401, id="wrong-key"
        ),
        pytest.param(
            lambda: jwt.encode({"sub": "alice", "exp": int(time.time()) - 120}, SECRET),
            401,
            id="expired",
        ),
        pytest.param(lambda: jwt.encode({"sub": "alice"}, SECRET), 401, id="no-exp"),
        pytest.param(
            lambda: jwt.encode({"sub": "alice", "exp": 10**400}, SECRET), 401, id="exp-overflows"
        ),
    ],
)
async def test_bad_tokens_get_401_before_the_upgrade(
    server: RunningServer, token: Any, status: int
) -> None:
    value = token()
    headers = {"Authorization": f"Bearer {value}"} if value else {}
    for path in ("/copilot", "/ws"):
        assert await _status_of(server.url + path, additional_headers=headers) == status
    assert server.hub.metrics.total("auth_failures") == 2


async def test_token_sources_and_user_id_check(server: RunningServer) -> None:
    token = token_for("alice")
    # Query string (seed compatibility), with a matching userId.
    async with connect(f"{server.url}/copilot?token={token}&userId=alice") as ws:
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"
    # Subprotocol (browsers): the answer is omnitrack.v1, never the token.
    async with connect(
        f"{server.url}/copilot", subprotocols=["omnitrack.v1", f"bearer.{token}"]
    ) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "omnitrack.v1"
    # userId that differs from sub: 403.
    assert await _status_of(f"{server.url}/copilot?token={token}&userId=bob") == 403


async def test_origin_allow_list(start_server: StartServer) -> None:
    auth = AuthConfig(secret=SECRET, allowed_origins=("https://app.example",))
    server = await start_server(auth=auth)
    token = token_for("alice")
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        await _status_of(
            server.url + "/ws", additional_headers=headers, origin="https://evil.example"
        )
        == 403
    )
    async with connect(
        server.url + "/ws", additional_headers=headers, origin="https://app.example"
    ):
        pass
    async with connect(server.url + "/ws", additional_headers=headers):  # no Origin: an SDK
        pass


async def test_unknown_path_is_404_and_health_and_metrics_answer(server: RunningServer) -> None:
    assert await _status_of(server.url + "/nope", additional_headers={}) == 404

    def get(path: str) -> tuple[int, str, str]:
        with urllib.request.urlopen(server.http_url + path, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()

    status, _, body = await asyncio.to_thread(get, "/healthz")
    assert (status, body) == (200, "ok\n")
    async with open_client(server) as ws:
        await send_json(ws, {"action": "ping"})
        await recv_json(ws)
        status, content_type, body = await asyncio.to_thread(get, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    assert 'omnitrack_connections{channel="copilot"} 1' in body
    assert 'omnitrack_messages_in_total{channel="copilot"} 1' in body


async def test_expired_token_closes_4401(server: RunningServer) -> None:
    token = token_for("alice", ttl=60)
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    # The server's clock says the token has 0.05 s left (its leeway included).
    leeway = server.hub.config.auth.leeway
    server.hub.wall_clock = lambda: expires_at + leeway - 0.05
    async with open_client(server, token=token) as ws:
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401


async def test_a_token_the_leeway_accepts_is_not_closed_at_once(server: RunningServer) -> None:
    # exp passed 5 s ago on the server's clock (clock skew with the issuer): within the
    # leeway the handshake accepts the token, so the expiry timer must not close it 4401 at
    # once (a client whose clock says the token is fine would reconnect with it forever).
    leeway = server.hub.config.auth.leeway
    assert leeway > 5
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) - 5}, SECRET)
    async with open_client(server, token=token) as ws:
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"


async def test_in_band_refresh_keeps_the_connection(server: RunningServer) -> None:
    token = token_for("alice", ttl=60)
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    # The server's clock says the token has 1 s left (its leeway included) when the
    # connection opens.
    leeway = server.hub.config.auth.leeway
    server.hub.wall_clock = lambda: expires_at + leeway - 1.0
    async with open_client(server, token=token) as ws:
        await send_json(ws, {"action": "auth", "token": token_for("bob")})
        refused = await recv_json(ws)
        assert refused["type"] == "error" and refused["code"] == "auth_failed"

        fresh = token_for("alice", ttl=7200)
        server.hub.wall_clock = time.time
        await send_json(ws, {"action": "auth", "token": fresh})
        ok = await recv_json(ws)
        assert ok["type"] == "auth_ok"
        assert ok["expiresAt"] > (time.time() + 7000) * 1000
        # Past the old deadline the connection is still open and working.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 1.3)
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"


async def test_eleventh_connection_gets_429_with_retry_after(start_server: StartServer) -> None:
    server = await start_server()
    clients = [open_client(server) for _ in range(10)]
    opened = [await client.__aenter__() for client in clients]
    try:
        with pytest.raises(InvalidStatus) as info:
            async with open_client(server):
                pass
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "5"
        # Another user is not affected.
        async with open_client(server, user="bob"):
            pass
    finally:
        for client in clients:
            await client.__aexit__(None, None, None)
    assert len(opened) == 10


async def test_rs256_configuration_refuses_hs256_signed_with_the_public_key(
    start_server: StartServer,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    auth = AuthConfig(public_key=public_pem, private_key=private_pem, algorithms=("RS256",))
    server = await start_server(auth=auth)
    async with open_client(server, token=token_for("alice", auth=auth)) as ws:
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"
    claims = {"sub": "alice", "exp": int(time.time()) + 3600}
    header = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(claims)
    signature = hmac.new(public_pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    headers = {"Authorization": f"Bearer {forged}"}
    assert await _status_of(server.url + "/copilot", additional_headers=headers) == 401


async def test_no_token_reaches_the_logs_even_at_debug_level(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for("alice")
    with (
        caplog.at_level(logging.DEBUG, logger="omnitrack_realtime"),
        caplog.at_level(logging.DEBUG, logger="uvicorn"),
    ):
        async with connect(f"{server.url}/copilot?userId=alice&token={token}") as ws:
            await send_json(ws, {"action": "auth", "token": token})
            assert (await recv_json(ws))["type"] == "auth_ok"
        async with open_client(server, token=token) as ws:
            await send_json(ws, {"action": "ping"})
            await recv_json(ws)
        await _status_of(f"{server.url}/ws?token={token}x")  # refused: logged with its path
    assert caplog.records, "debug logging produced nothing to check"
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text  # not even the signature
