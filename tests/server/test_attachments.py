"""Attachments over /copilot at the wire (both drivers on SQLite, and on PostgreSQL):
chunked upload, resume from the stored offset after a cut connection, SHA-256 verification,
limits refused before any byte is stored, owner-only read back, messages that refer to
attachments, voice messages through a scripted transcription server."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from omnitrack_realtime.protocol.chunks import (
    DOWNLOAD_CHUNK,
    UPLOAD_CHUNK,
    decode_chunk,
    encode_chunk,
)
from omnitrack_realtime.server import AttachmentLimits
from omnitrack_realtime.server.config import SpeechConfig
from omnitrack_realtime.server.store import StoreError

from .conftest import StartServer
from .fake_stt import FakeSTT, wav_bytes
from .helpers import RunningServer, open_client, recv_json, recv_until, send_json

DATA = bytes(range(256)) * 1000  # 256,000 bytes: several chunks
#: Every chunk stored and acknowledged on its own (the default gathers 512 KiB first), so a
#: test can stop at a known acknowledged offset.
PER_CHUNK = AttachmentLimits(store_every=1)

pytestmark = pytest.mark.usefixtures("store_backend")


def start_frame(upload_id: str, data: bytes, **overrides: Any) -> dict[str, Any]:
    frame = {
        "action": "upload_start",
        "uploadId": upload_id,
        "name": "suppliers.csv",
        "contentType": "text/csv",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    frame.update(overrides)
    return frame


async def send_chunks(
    ws: ClientConnection, upload_id: str, data: bytes, start: int, size: int, *, stop: int
) -> dict[str, Any]:
    """Send chunks from ``start`` until ``stop`` bytes are out; the last frame answered."""
    offset, reply = start, {}
    while offset < stop:
        end = min(offset + size, stop)
        await ws.send(encode_chunk(UPLOAD_CHUNK, upload_id, offset, data[offset:end]))
        reply = await recv_json(ws)
        offset = end
    return reply


async def upload(ws: ClientConnection, data: bytes, upload_id: str = "up-1") -> dict[str, Any]:
    await send_json(ws, start_frame(upload_id, data))
    ready = await recv_json(ws)
    assert ready["type"] == "upload_ready" and ready["offset"] == 0, ready
    done = await send_chunks(ws, upload_id, data, 0, ready["chunkSize"], stop=len(data))
    assert done["type"] == "upload_complete", done
    return dict(done["attachment"])


async def download(ws: ClientConnection, attachment_id: str, size: int) -> bytes:
    parts, offset = [], 0
    while offset < size:
        await send_json(ws, {"action": "download", "attachmentId": attachment_id, "offset": offset})
        frame = await ws.recv()
        assert isinstance(frame, bytes), frame
        chunk = decode_chunk(frame)
        assert chunk.kind == DOWNLOAD_CHUNK and chunk.offset == offset and chunk.data
        parts.append(chunk.data)
        offset += len(chunk.data)
    return b"".join(parts)


async def rows(server: RunningServer, table: str) -> int:
    count: int = await server.hub.store.run(  # type: ignore[attr-defined]
        lambda db: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    )
    return count


async def test_an_upload_in_chunks_is_stored_and_read_back_by_its_owner_only(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    async with open_client(server) as alice:
        info = await upload(alice, DATA)
        assert info["size"] == len(DATA) and info["sha256"] == hashlib.sha256(DATA).hexdigest()
        assert info["name"] == "suppliers.csv" and info["contentType"] == "text/csv"
        assert await download(alice, info["attachmentId"], len(DATA)) == DATA
        # Declaring the finished upload again (a lost upload_complete) answers it again.
        await send_json(alice, start_frame("up-1", DATA))
        again = await recv_json(alice)
        assert again["type"] == "upload_complete" and again["attachment"] == info
    async with open_client(server, user="bob") as bob:
        await send_json(bob, {"action": "download", "attachmentId": info["attachmentId"]})
        refused = await recv_json(bob)
        assert refused["code"] == "not_found" and refused["error"] == "Attachment not found"
        await send_json(
            bob,
            {"action": "message", "message": "look", "attachments": [info["attachmentId"]]},
        )
        refused = await recv_json(bob)
        assert refused["code"] == "not_found" and refused["attachmentId"] == info["attachmentId"]
    assert all(r.message != "look" for r in server.engine.requests)


async def test_a_cut_upload_resumes_from_the_last_stored_chunk(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    async with open_client(server) as first:
        await send_json(first, start_frame("up-cut", DATA))
        size = (await recv_json(first))["chunkSize"]
        acked = await send_chunks(first, "up-cut", DATA, 0, size, stop=2 * size)
        assert acked == {"type": "upload_ack", "uploadId": "up-cut", "offset": 2 * size}
        first.transport.abort()  # no close frame: a network failure
    async with open_client(server) as second:
        await send_json(second, start_frame("up-cut", DATA))
        ready = await recv_json(second)
        assert ready["type"] == "upload_ready" and ready["offset"] == 2 * size
        done = await send_chunks(second, "up-cut", DATA, 2 * size, size, stop=len(DATA))
        assert done["type"] == "upload_complete"
        data = await download(second, done["attachment"]["attachmentId"], len(DATA))
    assert data == DATA  # exactly the bytes: nothing lost, nothing doubled
    assert await rows(server, "srv_attachments") == 1


async def test_a_corrupted_chunk_is_detected_and_nothing_is_kept(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    corrupted = bytearray(DATA)
    corrupted[1000] ^= 0xFF
    async with open_client(server) as ws:
        await send_json(ws, start_frame("up-bad", DATA))  # the digest of the good bytes
        ready = await recv_json(ws)
        done = await send_chunks(
            ws, "up-bad", bytes(corrupted), 0, ready["chunkSize"], stop=len(DATA)
        )
        assert done["type"] == "error" and done["code"] == "checksum_mismatch"
        assert done["uploadId"] == "up-bad"
        assert (
            await rows(server, "srv_attachments") == 0
            and await rows(server, "srv_upload_chunks") == 0
        )
        # Declared again, it starts from 0, and the good bytes go through.
        info = await upload(ws, DATA, "up-bad")
        assert info["sha256"] == hashlib.sha256(DATA).hexdigest()


async def test_oversize_and_disallowed_types_are_refused_before_any_byte_is_stored(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=AttachmentLimits(max_bytes=100_000, store_every=1))
    async with open_client(server) as ws:
        await send_json(ws, start_frame("big", DATA))
        refused = await recv_json(ws)
        assert refused["code"] == "attachment_too_large" and refused["uploadId"] == "big"
        await send_json(ws, start_frame("exe", b"MZ", contentType="application/x-msdownload"))
        refused = await recv_json(ws)
        assert refused["code"] == "attachment_type_not_allowed"
        # A chunk for an upload that was refused is not stored either.
        await ws.send(encode_chunk(UPLOAD_CHUNK, "big", 0, DATA[:1000]))
        refused = await recv_json(ws)
        assert refused["code"] == "upload_not_started"
        # The user's unfinished uploads count together against the limit.
        await send_json(ws, start_frame("half-1", DATA[:60_000]))
        assert (await recv_json(ws))["type"] == "upload_ready"
        await send_json(ws, start_frame("half-2", DATA[:60_000]))
        assert (await recv_json(ws))["code"] == "attachment_too_large"
    assert (
        await rows(server, "srv_upload_chunks") == 0 and await rows(server, "srv_attachments") == 0
    )
    assert await rows(server, "srv_uploads") == 1  # half-1, declared, no bytes


async def test_a_message_refers_to_attachments_and_the_engine_gets_their_bytes(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    async with open_client(server) as ws:
        info = await upload(ws, DATA)
        await send_json(
            ws,
            {
                "action": "message",
                "message": "import the attached suppliers.csv",
                "attachments": [info["attachmentId"]],
                "clientMessageId": "m-1",
            },
        )
        await recv_until(ws, "suggestions")
        await send_json(
            ws, {"action": "history", "conversationId": server.engine.requests[0].conversation_id}
        )
        history = await recv_json(ws)
    request = server.engine.requests[0]
    assert [(a.name, a.data) for a in request.attachments] == [("suppliers.csv", DATA)]
    stored = history["messages"][0]
    assert stored["metadata"]["attachments"] == [info]


async def test_voice_without_a_transcriber_says_what_to_set(start_server: StartServer) -> None:
    server = await start_server(attachments=PER_CHUNK)
    audio = wav_bytes()
    async with open_client(server) as ws:
        await send_json(ws, start_frame("v", audio, name="note.wav", contentType="audio/wav"))
        ready = await recv_json(ws)
        info = (await send_chunks(ws, "v", audio, 0, ready["chunkSize"], stop=len(audio)))[
            "attachment"
        ]
        await send_json(
            ws,
            {
                "action": "message",
                "message": "",
                "attachments": [info["attachmentId"]],
                "clientMessageId": "v-1",
            },
        )
        refused = await recv_json(ws)
    assert refused["code"] == "transcriber_unavailable"
    assert refused["error"].startswith("voice needs a transcriber; set OMNITRACK_STT_URL")
    assert refused["clientMessageId"] == "v-1" and not server.engine.requests


async def test_a_voice_message_is_transcribed_and_answered(start_server: StartServer) -> None:
    audio = wav_bytes()
    with FakeSTT() as stt:
        stt.add("show me the network")
        server = await start_server(
            attachments=PER_CHUNK, speech=SpeechConfig(url=stt.url, api_key="sk-test")
        )
        async with open_client(server) as ws:
            await send_json(ws, start_frame("v", audio, name="note.wav", contentType="audio/wav"))
            ready = await recv_json(ws)
            done = await send_chunks(ws, "v", audio, 0, ready["chunkSize"], stop=len(audio))
            info = done["attachment"]
            await send_json(
                ws,
                {
                    "action": "message",
                    "message": "",
                    "attachments": [info["attachmentId"]],
                    "clientMessageId": "v-1",
                },
            )
            frames = await recv_until(ws, "suggestions")
    ack = frames[0]
    assert ack["type"] == "acknowledgment" and ack["transcript"] == "show me the network"
    assert "".join(f.get("token", "") for f in frames) == "Echo: show me the network"
    [sent] = stt.received
    assert sent.path == "/v1/audio/transcriptions" and sent.audio == audio
    assert sent.fields["model"] == "whisper-1" and sent.filename == "note.wav"
    assert sent.headers["authorization"] == "Bearer sk-test"
    [request] = server.engine.requests
    assert request.message == "show me the network"
    assert [a.content_type for a in request.attachments] == ["audio/wav"]  # kept with it


async def frames_until(ws: ClientConnection, *types: str) -> list[dict[str, Any]]:
    """Frames up to and including the first of ``types`` or an error."""
    frames = []
    while True:
        frame = await recv_json(ws)
        frames.append(frame)
        if frame["type"] in types or frame["type"] == "error":
            return frames


async def send_all(
    ws: ClientConnection, upload_id: str, data: bytes, start: int, size: int
) -> None:
    """Every chunk from ``start`` on, without waiting for the answers."""
    for offset in range(start, len(data), size):
        await ws.send(encode_chunk(UPLOAD_CHUNK, upload_id, offset, data[offset : offset + size]))


async def test_chunks_out_of_place_are_answered_once_until_upload_start(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    async with open_client(server) as ws:
        await send_json(ws, start_frame("gap", DATA))
        size = (await recv_json(ws))["chunkSize"]
        acked = await send_chunks(ws, "gap", DATA, 0, size, stop=size)
        assert acked["type"] == "upload_ack" and acked["offset"] == size
        # The chunk at `size` is lost: the three behind it are out of place, one error says so.
        for offset in (2 * size, 3 * size, 4 * size):
            await ws.send(encode_chunk(UPLOAD_CHUNK, "gap", offset, DATA[offset : offset + size]))
        await send_json(ws, {"action": "ping"})
        frames = await recv_until(ws, "pong")
        assert [f.get("code", f["type"]) for f in frames] == ["upload_offset", "pong"], frames
        assert frames[0]["uploadId"] == "gap"
        # Declared again, it goes on from what was stored.
        await send_json(ws, start_frame("gap", DATA))
        ready = await recv_json(ws)
        assert ready["type"] == "upload_ready" and ready["offset"] == size
        done = await send_chunks(ws, "gap", DATA, size, size, stop=len(DATA))
        assert done["type"] == "upload_complete"
        assert await download(ws, done["attachment"]["attachmentId"], len(DATA)) == DATA


async def test_the_sha256_may_come_at_the_end_and_is_checked_there(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=AttachmentLimits(store_every=100_000))
    digest = hashlib.sha256(DATA).hexdigest()
    corrupted = bytearray(DATA)
    corrupted[200_000] ^= 0x01
    async with open_client(server) as ws:
        start = start_frame("late", DATA)
        del start["sha256"]
        # Corrupted on the way: the digest sent at the end does not match the stored bytes.
        await send_json(ws, start)
        ready = await recv_json(ws)
        assert ready["type"] == "upload_ready" and ready["offset"] == 0
        await send_all(ws, "late", bytes(corrupted), 0, ready["chunkSize"])
        await send_json(ws, {"action": "upload_end", "uploadId": "late", "sha256": digest})
        refused = (await frames_until(ws, "upload_complete"))[-1]
        assert refused["code"] == "checksum_mismatch" and refused["uploadId"] == "late"
        assert await rows(server, "srv_attachments") == 0
        # Declared again it starts from 0 (the bytes were thrown away); the good bytes pass.
        await send_json(ws, start)
        ready = await recv_json(ws)
        assert ready["type"] == "upload_ready" and ready["offset"] == 0
        await send_all(ws, "late", DATA, 0, ready["chunkSize"])
        await send_json(ws, {"action": "upload_end", "uploadId": "late", "sha256": digest})
        frames = await frames_until(ws, "upload_complete")
        done = frames[-1]
        assert done["type"] == "upload_complete", frames
        assert all(f["type"] == "upload_ack" for f in frames[:-1])
        info = done["attachment"]
        assert info["sha256"] == digest and info["size"] == len(DATA)
        assert await download(ws, info["attachmentId"], len(DATA)) == DATA
        # Declared again (a lost upload_complete), with or without the digest: the same one.
        await send_json(ws, start)
        assert (await recv_json(ws))["attachment"] == info
        await send_json(ws, start_frame("late", DATA))
        assert (await recv_json(ws))["attachment"] == info


async def test_upload_end_may_not_contradict_upload_start(start_server: StartServer) -> None:
    server = await start_server(attachments=PER_CHUNK)
    async with open_client(server) as ws:
        await send_json(ws, start_frame("both", DATA))
        ready = await recv_json(ws)
        await send_json(ws, {"action": "upload_end", "uploadId": "both", "sha256": "0" * 64})
        refused = await recv_json(ws)
        assert refused["code"] == "invalid_message" and refused["uploadId"] == "both"
        # The digest of upload_start still holds: the upload goes through.
        done = await send_chunks(ws, "both", DATA, 0, ready["chunkSize"], stop=len(DATA))
        assert done["type"] == "upload_complete"


async def test_a_cut_connection_leaves_the_stored_bytes_exact_for_resume(
    start_server: StartServer,
) -> None:
    # Small chunks and batches of four: the writer has batches queued when the link is cut.
    limits = AttachmentLimits(chunk_size=1000, store_every=4000)
    server = await start_server(attachments=limits)
    async with open_client(server) as first:
        await send_json(first, start_frame("cut", DATA))
        ready = await recv_json(first)
        size = ready["chunkSize"]
        assert size == 1000
        half = len(DATA) // 2
        for offset in range(0, half, size):  # pipelined: no waiting for acknowledgments
            await first.send(
                encode_chunk(UPLOAD_CHUNK, "cut", offset, DATA[offset : offset + size])
            )
        acked = await recv_json(first)
        assert acked["type"] == "upload_ack" and acked["offset"] % 4000 == 0
        first.transport.abort()
    async with open_client(server) as second:
        offset = -1
        while True:  # the first connection's writer may still be storing what it was given
            await send_json(second, start_frame("cut", DATA))
            ready = await recv_json(second)
            assert ready["type"] == "upload_ready"
            # Acknowledged means stored; nothing past what was sent.
            assert acked["offset"] <= ready["offset"] <= half and ready["offset"] >= offset
            offset = ready["offset"]
            await send_all(second, "cut", DATA, offset, size)
            last = (await frames_until(second, "upload_complete"))[-1]
            if last["type"] == "upload_complete":
                break
            assert last["code"] == "upload_offset", last
            while True:  # the answers to chunks already sent, until the server is quiet
                await send_json(second, {"action": "ping"})
                if (await frames_until(second, "pong"))[-1]["type"] == "pong":
                    break
        data = await download(second, last["attachment"]["attachmentId"], len(DATA))
    assert data == DATA  # exactly the bytes: nothing lost, nothing doubled


class FailingAttachments:
    """The server's attachment store, whose appends fail from the ``fail_from``-th on."""

    def __init__(self, inner: Any, fail_from: int) -> None:
        self.inner = inner
        self.fail_from = fail_from
        self.appends = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def append(self, *args: Any, **kwargs: Any) -> int:
        self.appends += 1
        if self.appends >= self.fail_from:
            raise StoreError("disk full")
        result: int = await self.inner.append(*args, **kwargs)
        return result


async def test_a_writer_error_reaches_the_client_as_an_error_frame(
    start_server: StartServer,
) -> None:
    server = await start_server(attachments=PER_CHUNK)
    failing = FailingAttachments(server.hub.attachments, fail_from=2)
    server.hub.attachments = failing  # type: ignore[assignment]
    async with open_client(server) as ws:
        await send_json(ws, start_frame("fails", DATA))
        size = (await recv_json(ws))["chunkSize"]
        acked = await send_chunks(ws, "fails", DATA, 0, size, stop=size)
        assert acked == {"type": "upload_ack", "uploadId": "fails", "offset": size}
        await ws.send(encode_chunk(UPLOAD_CHUNK, "fails", size, DATA[size : 2 * size]))
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "internal_error"
        assert error["uploadId"] == "fails" and "disk" not in error["error"]
        # The upload's later chunks are dropped without more errors, until it is declared again.
        await ws.send(encode_chunk(UPLOAD_CHUNK, "fails", 2 * size, DATA[2 * size : 3 * size]))
        await send_json(ws, {"action": "ping"})
        assert (await recv_json(ws))["type"] == "pong"
        failing.fail_from = 10**9  # the disk is back
        await send_json(ws, start_frame("fails", DATA))
        ready = await recv_json(ws)
        assert ready["type"] == "upload_ready" and ready["offset"] == size  # what was stored
        done = await send_chunks(ws, "fails", DATA, size, size, stop=len(DATA))
        assert done["type"] == "upload_complete"
        assert await download(ws, done["attachment"]["attachmentId"], len(DATA)) == DATA


class FailingOpen(FailingAttachments):
    """The server's attachment store, failing to record a new upload."""

    async def open_upload(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreError("database is locked")


async def test_a_failed_upload_start_is_answered_with_its_upload_id(
    start_server: StartServer,
) -> None:
    server = await start_server()
    server.hub.attachments = FailingOpen(server.hub.attachments, fail_from=1)  # type: ignore[assignment]
    async with open_client(server) as ws:
        await send_json(ws, start_frame("up-9", DATA))
        error = await recv_json(ws)
        # Named, so that the client's upload ends instead of waiting for upload_ready.
        assert error["type"] == "error" and error["code"] == "internal_error"
        assert error["uploadId"] == "up-9" and "database" not in error["error"]
