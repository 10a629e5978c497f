"""The attachment store's per-user limit: the unfinished uploads' sum (in the same trip as
recording an upload), and the SQLite store reading only the unfinished uploads' rows for it."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omnitrack_realtime.server import store as store_module
from omnitrack_realtime.server.attachments import (
    AttachmentStore,
    MemoryAttachments,
    SQLiteAttachments,
    UploadState,
    UploadTooLarge,
)
from omnitrack_realtime.server.store import SQLiteStore


def declared(upload_id: str, data: bytes) -> UploadState:
    digest = hashlib.sha256(data).hexdigest()
    return UploadState(upload_id, f"{upload_id}.csv", "text/csv", len(data), digest)


@pytest.fixture(params=["memory", "sqlite"])
async def attachments(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AttachmentStore]:
    if request.param == "memory":
        yield MemoryAttachments()
        return
    store = SQLiteStore(tmp_path / "server.db")
    yield SQLiteAttachments(store)
    await store.close()


async def finished(attachments: AttachmentStore, upload_id: str, data: bytes) -> None:
    await attachments.open_upload("alice", declared(upload_id, data))
    await attachments.append("alice", upload_id, 0, data)
    assert await attachments.finish("alice", upload_id) is not None


async def test_only_unfinished_uploads_count_toward_the_limit(
    attachments: AttachmentStore,
) -> None:
    for n in range(5):
        await finished(attachments, f"done-{n}", b"x" * 100)
    await attachments.open_upload("alice", declared("open-1", b"y" * 30))
    await attachments.open_upload("alice", declared("open-2", b"z" * 40))
    await attachments.open_upload("bob", declared("theirs", b"w" * 1000))
    assert await attachments.pending_bytes("alice") == 70
    assert await attachments.pending_bytes("alice", besides="open-2") == 30
    await attachments.append("alice", "open-1", 0, b"y" * 30)
    assert await attachments.finish("alice", "open-1") is not None
    assert await attachments.pending_bytes("alice") == 40


async def test_an_upload_past_the_limit_is_refused_and_nothing_is_recorded(
    attachments: AttachmentStore,
) -> None:
    await attachments.open_upload("alice", declared("open-1", b"y" * 60), limit=100)
    with pytest.raises(UploadTooLarge) as refused:
        await attachments.open_upload("alice", declared("open-2", b"z" * 50), limit=100)
    assert refused.value.pending == 60
    assert await attachments.pending_bytes("alice") == 60  # open-2 was not recorded
    # Declared again, an upload does not count against itself.
    state = await attachments.open_upload("alice", declared("open-1", b"y" * 60), limit=100)
    assert state.received == 0
    # Another user's uploads are theirs.
    await attachments.open_upload("bob", declared("open-2", b"z" * 50), limit=100)


async def test_the_sum_reads_the_unfinished_uploads_index(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "server.db")
    await SQLiteAttachments(store).pending_bytes("alice")  # opens and migrates
    await store.close()
    with sqlite3.connect(tmp_path / "server.db") as db:
        plan = " ".join(
            str(row[-1])
            for row in db.execute(
                "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(u.size), 0) FROM srv_uploads u"
                " WHERE u.user_id = ? AND u.done = 0 AND u.upload_id IS DISTINCT FROM ?",
                ("alice", None),
            )
        )
    assert "srv_uploads_unfinished" in plan, plan


async def test_uploads_finished_before_the_done_column_are_marked_by_its_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "server.db"
    monkeypatch.setattr(store_module, "_SCHEMA_VERSION", 3)
    old = SQLiteStore(path)
    await old.create_conversation("alice")  # schema version 3
    await old.close()
    with sqlite3.connect(path) as db:
        for upload_id, size in (("done-1", 100), ("open-1", 30)):
            db.execute(
                "INSERT INTO srv_uploads (user_id, upload_id, name, content_type, size, sha256,"
                " received, created_at) VALUES ('alice', ?, 'a.csv', 'text/csv', ?, '', 0, 0)",
                (upload_id, size),
            )
        db.execute(
            "INSERT INTO srv_attachments (attachment_id, user_id, upload_id, name, content_type,"
            " size, sha256, data, created_at) VALUES ('att-1', 'alice', 'done-1', 'a.csv',"
            " 'text/csv', 100, '', NULL, 0)"
        )
    monkeypatch.undo()
    store = SQLiteStore(path)
    attachments = SQLiteAttachments(store)
    assert await attachments.pending_bytes("alice") == 30
    done = await store.run(
        lambda db: db.execute(
            "SELECT upload_id, done FROM srv_uploads ORDER BY upload_id"
        ).fetchall()
    )
    assert [tuple(row) for row in done] == [("done-1", 1), ("open-1", 0)]
    await store.close()
