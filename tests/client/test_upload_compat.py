"""CopilotClient uploads against an older server of ours: one that reads ``upload_start`` only
with its ``sha256`` and knows no ``upload_end`` (the version before the digest could come at
the end). It refuses the client's first ``upload_start`` with an ``error`` that names no upload
(``invalid_message``: it could not read the frame); the client declares the digest and goes on
(or, when even that is refused, fails with AttachmentError), never waiting forever.

The older server is the reference server (websockets driver, SQLite file, the same storage)
reading frames as that version did: the same refusals, from the same place (the frame's
decoding), with the same words."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omnitrack_realtime import AttachmentError, UploadProgress
from omnitrack_realtime.errors import ProtocolError
from omnitrack_realtime.protocol import (
    ClientAction,
    UploadEndAction,
    UploadStartAction,
    decode_client_action,
)
from omnitrack_realtime.server import AttachmentLimits, ServerConfig, WebSocketServer, build_hub
from omnitrack_realtime.server import session as server_session
from omnitrack_realtime.server.store import SQLiteStore
from server.helpers import AUTH, ScriptedEngine

from .test_attachments import DATA, TIMEOUT, abort_connections, client_for


class OlderServer:
    """What the older server was sent (the actions it read, and those it could not)."""

    def __init__(self, *, reads_upload_start: bool = True) -> None:
        self.reads_upload_start = reads_upload_start
        self.read: list[ClientAction] = []
        self.refused: list[str] = []

    def decode(self, frame: str | bytes) -> ClientAction:
        """The older version's decoding: ``sha256`` required, ``upload_end`` unknown."""
        action = decode_client_action(frame)
        if isinstance(action, UploadEndAction):
            self.refused.append("upload_end")
            raise ProtocolError("Unknown action 'upload_end'")
        if isinstance(action, UploadStartAction):
            if not self.reads_upload_start:  # a server without attachments at all
                self.refused.append("upload_start")
                raise ProtocolError("Unknown action 'upload_start'")
            if action.sha256 is None:
                self.refused.append("upload_start")
                raise ProtocolError("Missing required field 'sha256'")
        self.read.append(action)
        return action

    def starts(self) -> list[UploadStartAction]:
        return [a for a in self.read if isinstance(a, UploadStartAction)]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[WebSocketServer]:
    config = ServerConfig(
        port=0,
        token_delay=0.0,
        auth=AUTH,
        attachments=AttachmentLimits(max_bytes=4_000_000),
    )
    hub = build_hub(config, engine=ScriptedEngine(), store=SQLiteStore(tmp_path / "s.db"))
    driver = WebSocketServer(hub)
    await driver.start()
    yield driver
    await driver.shutdown()


@pytest.fixture
def older(monkeypatch: pytest.MonkeyPatch) -> OlderServer:
    older = OlderServer()
    monkeypatch.setattr(server_session, "decode_client_action", older.decode)
    return older


async def test_an_older_server_gets_the_digest_in_upload_start_and_stores_the_exact_bytes(
    server: WebSocketServer, older: OlderServer
) -> None:
    digest = hashlib.sha256(DATA).hexdigest()
    progress: list[UploadProgress] = []
    async with client_for(server) as copilot:
        info = await asyncio.wait_for(
            copilot.upload(DATA, name="big.csv", on_progress=progress.append), TIMEOUT
        )
        # The next upload on this connection declares its digest at once: no refusal.
        small = await asyncio.wait_for(copilot.upload(b"a,b\n1,2\n", name="small.csv"), TIMEOUT)
        back = await asyncio.wait_for(copilot.download_attachment(info), TIMEOUT)
    assert back == DATA and info.sha256 == digest and info.size == len(DATA)
    assert small.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    # Refused once (the first upload_start, without sha256); never sent upload_end after it.
    assert older.refused == ["upload_start"]
    assert [s.sha256 for s in older.starts()] == [digest, small.sha256]
    assert progress[-1].fraction == 1.0


async def test_uploads_started_together_on_an_older_server_each_take_their_refusal(
    server: WebSocketServer, older: OlderServer
) -> None:
    files = [hashlib.sha256(bytes([n])).digest() * (5_000 + 1_000 * n) for n in range(3)]
    async with client_for(server) as copilot:
        infos = await asyncio.wait_for(
            asyncio.gather(*(copilot.upload(f, name=f"f{n}.csv") for n, f in enumerate(files))),
            TIMEOUT,
        )
        backs = [
            await asyncio.wait_for(copilot.download_attachment(info), TIMEOUT) for info in infos
        ]
    assert backs == files
    assert [info.sha256 for info in infos] == [hashlib.sha256(f).hexdigest() for f in files]
    assert older.refused == ["upload_start"] * 3


async def test_a_cut_connection_on_an_older_server_resumes_to_the_exact_bytes(
    server: WebSocketServer, older: OlderServer
) -> None:
    cut = asyncio.Event()

    def on_progress(progress: UploadProgress) -> None:
        if not cut.is_set() and progress.sent >= len(DATA) // 3:
            cut.set()
            abort_connections(server)  # mid-upload, chunks in flight

    async with client_for(server) as copilot:
        info = await asyncio.wait_for(
            copilot.upload(DATA, name="big.csv", on_progress=on_progress), TIMEOUT
        )
        assert cut.is_set() and copilot.stats().connects >= 2
        back = await asyncio.wait_for(copilot.download_attachment(info), TIMEOUT)
    assert back == DATA and info.sha256 == hashlib.sha256(DATA).hexdigest()
    # The resume declared the digest (the upload's later starts always do): no new refusal.
    assert older.refused == ["upload_start"]
    assert "upload_end" not in older.refused


async def test_a_server_that_cannot_read_upload_start_fails_the_upload_clearly(
    server: WebSocketServer, older: OlderServer
) -> None:
    older.reads_upload_start = False
    async with client_for(server) as copilot:
        with pytest.raises(AttachmentError) as refused:
            await asyncio.wait_for(copilot.upload(b"a,b\n", name="x.csv"), TIMEOUT)
        # The connection is still good for everything else.
        reply = await copilot.ask("still there?", timeout=TIMEOUT)
    assert refused.value.code == "invalid_message"
    assert "upload_start" in refused.value.reason
    assert older.refused == ["upload_start", "upload_start"]  # without, then with, sha256
    assert reply.status == "complete"


async def test_the_current_server_is_sent_the_digest_at_the_end(
    server: WebSocketServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ClientAction] = []

    def decode(frame: str | bytes) -> ClientAction:
        action = decode_client_action(frame)
        seen.append(action)
        return action

    monkeypatch.setattr(server_session, "decode_client_action", decode)
    async with client_for(server) as copilot:
        info = await asyncio.wait_for(copilot.upload(DATA, name="big.csv"), TIMEOUT)
    starts = [a for a in seen if isinstance(a, UploadStartAction)]
    ends = [a for a in seen if isinstance(a, UploadEndAction)]
    assert [s.sha256 for s in starts] == [None]
    assert [e.sha256 for e in ends] == [info.sha256] == [hashlib.sha256(DATA).hexdigest()]
