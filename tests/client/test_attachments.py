"""CopilotClient attachments against the real server: send_message with attachments (paths
and bytes), progress, a connection cut mid-upload resumed to the exact bytes, a refusal as
AttachmentError, download of one's own attachment."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omnitrack_realtime import AttachmentError, CopilotClient, ReconnectPolicy, UploadProgress
from omnitrack_realtime.server import AttachmentLimits, ServerConfig, WebSocketServer, build_hub
from omnitrack_realtime.server.store import SQLiteStore
from server.helpers import AUTH, ScriptedEngine, token_for

TIMEOUT = 10.0
FAST = ReconnectPolicy(max_attempts=20, initial_delay=0.01, max_delay=0.05, jitter=0.0)
DATA = hashlib.sha256(b"seed").digest() * 40_000  # 1.28 MB: about 21 chunks


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[WebSocketServer]:
    config = ServerConfig(
        port=0, token_delay=0.0, auth=AUTH, attachments=AttachmentLimits(max_bytes=2_000_000)
    )
    hub = build_hub(config, engine=ScriptedEngine(), store=SQLiteStore(tmp_path / "s.db"))
    driver = WebSocketServer(hub)
    await driver.start()
    yield driver
    await driver.shutdown()


def client_for(server: WebSocketServer, user: str = "alice") -> CopilotClient:
    return CopilotClient(
        f"ws://127.0.0.1:{server.port}/copilot", user_id=user, token=token_for(user), reconnect=FAST
    )


def abort_connections(server: WebSocketServer) -> None:
    listening = server._server  # the websockets server; tests only
    assert listening is not None
    for connection in list(listening.connections):
        connection.transport.abort()


async def test_a_message_with_attachments_uploads_them_and_the_engine_gets_them(
    server: WebSocketServer, tmp_path: Path
) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text("name,type\nAcme,supplier\n")
    progress: list[UploadProgress] = []
    async with client_for(server) as copilot:
        message = await copilot.send_message(
            "import the attached suppliers.csv",
            [path, b'{"nodes": []}'],
            on_progress=progress.append,
        )
        reply = await copilot.ask("and then?", timeout=TIMEOUT)
    assert reply.status == "complete"
    names = [a["name"] for a in message.metadata["attachments"]]
    assert names == ["suppliers.csv", "attachment"]
    engine = server.hub.engine
    assert isinstance(engine, ScriptedEngine)
    first = engine.requests[0]
    assert [(a.name, a.content_type, a.data) for a in first.attachments] == [
        ("suppliers.csv", "text/csv", path.read_bytes()),
        ("attachment", "application/json", b'{"nodes": []}'),
    ]
    assert progress[-1].fraction == 1.0


async def test_a_cut_connection_mid_upload_resumes_to_the_exact_bytes(
    server: WebSocketServer,
) -> None:
    cut = asyncio.Event()

    def on_progress(progress: UploadProgress) -> None:
        if not cut.is_set() and progress.sent >= len(DATA) // 3:
            cut.set()
            abort_connections(server)  # mid-upload, chunks in flight

    async with client_for(server) as copilot:
        info = await asyncio.wait_for(
            copilot.upload(
                DATA, name="big.bin", content_type="text/plain", on_progress=on_progress
            ),
            TIMEOUT,
        )
        assert cut.is_set() and copilot.stats().connects >= 2
        back = await asyncio.wait_for(copilot.download_attachment(info), TIMEOUT)
    assert back == DATA and info.sha256 == hashlib.sha256(DATA).hexdigest()


async def test_refusals_are_attachment_errors_and_others_cannot_read(
    server: WebSocketServer,
) -> None:
    async with client_for(server) as alice:
        with pytest.raises(AttachmentError) as too_big:
            await alice.upload(b"x" * 2_000_001, name="big.csv")
        assert too_big.value.code == "attachment_too_large"
        with pytest.raises(AttachmentError) as wrong_type:
            await alice.upload(b"MZ\x90\x00", name="tool.exe")
        assert wrong_type.value.code == "attachment_type_not_allowed"
        info = await alice.upload(b"a,b\n1,2\n", name="mine.csv")
    async with client_for(server, "bob") as bob:
        with pytest.raises(AttachmentError) as hidden:
            await asyncio.wait_for(bob.download_attachment(info.attachment_id), TIMEOUT)
        assert hidden.value.code == "not_found"
