"""``omnitrack migrate-db``: an SQLite store and its twins copied into PostgreSQL, then used."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from omnitrack_realtime.cli.main import main
from omnitrack_realtime.engine.twin import Connection, Location, Twin
from omnitrack_realtime.server.attachments import (
    SQLiteAttachments,
    StoredAttachment,
    UploadState,
)
from omnitrack_realtime.server.store import ProcessedMessage, SQLiteStore, SQLStore

BERLIN = Location("Berlin", "Germany", "europe", 52.52, 13.405)


async def _fill(path: Path) -> tuple[str, list[str]]:
    """An SQLite database as ``serve`` leaves it: two users' twins, a conversation."""
    with Twin(path) as twin:
        for user in ("alice", "bob"):
            for name in ("Berlin Plant", "Hamburg Warehouse", "Munich Store"):
                twin.add_node(user, type="warehouse", name=name, location=BERLIN, capacity=10)
        twin.add_connection("alice", Connection("wh-3", "wh-1", "truck", False))
        twin.add_connection("alice", Connection("wh-1", "wh-2", "rail"))
        twin.add_alert("alice", severity="high", message="Berlin is down", node_ids=["wh-1"])
        twin.update_settings("alice", currency="EUR")
        twin.set_dialogue("alice", "conv-x", {"pending": None})
    store = SQLiteStore(path)
    conversation = await store.create_conversation("alice")
    ids = []
    for text in ("first", "second", "third"):
        ids.append((await store.add_message(conversation, "user", text, {"k": text})).message_id)
    await store.remember_processed(
        "alice", ProcessedMessage("c-1", conversation, ids[0], "stream-1", True, 1.5)
    )
    attachments = SQLiteAttachments(store)
    await attachments.create("alice", "a.csv", "text/csv", b"id,name\n1,Berlin\n")
    upload = UploadState("up-1", "b.bin", "application/octet-stream", 4, "0" * 64)
    await attachments.open_upload("alice", upload)
    await attachments.append("alice", "up-1", 0, b"\x00\x01")  # half uploaded
    done = UploadState("up-2", "c.txt", "text/plain", 5, hashlib.sha256(b"hello").hexdigest())
    await attachments.open_upload("alice", done)
    await attachments.append("alice", "up-2", 0, b"hello")
    finished = await attachments.finish("alice", "up-2")
    assert finished is not None
    await store.close()
    return conversation, ids


async def _finished(
    store: SQLStore, attachments: SQLiteAttachments, user: str
) -> list[StoredAttachment]:
    """The user's attachments, through a turn that names them all."""
    ids = await store.run(
        lambda db: [
            r[0] for r in db.execute("SELECT attachment_id FROM srv_attachments").fetchall()
        ]
    )
    await attachments.link_turn("turn-x", ids)
    return await attachments.for_turn(user, "turn-x")


async def test_a_sqlite_database_is_copied_whole_and_goes_on_in_postgres(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "twin.db"
    conversation, ids = await _fill(source)
    assert main(["migrate-db", "--from", str(source), "--to", postgres_url]) == 0
    assert "twin_nodes" in capsys.readouterr().out

    with Twin(postgres_url) as twin:
        assert [n.name for n in twin.list_nodes("bob")] == [
            "Berlin Plant",
            "Hamburg Warehouse",
            "Munich Store",
        ]
        twin.add_connection("alice", Connection("wh-2", "wh-3"))  # after the copied ones
        assert twin.list_connections("alice") == [
            Connection("wh-3", "wh-1", "truck", False),
            Connection("wh-1", "wh-2", "rail"),
            Connection("wh-2", "wh-3"),
        ]
        assert [a.message for a in twin.list_alerts("alice")] == ["Berlin is down"]
        assert twin.get_settings("alice").currency == "EUR"
        assert twin.get_dialogue("alice", "conv-x") == {"pending": None}
        assert twin.next_id("alice", "node") == "node-4"  # the counters came along

    store = SQLStore(postgres_url)
    try:
        assert await store.owns("alice", conversation)
        history = await store.history(conversation)
        assert [(m.message_id, m.seq, m.metadata) for m in history] == [
            (ids[0], 1, {"k": "first"}),
            (ids[1], 2, {"k": "second"}),
            (ids[2], 3, {"k": "third"}),
        ]
        fourth = await store.add_message(conversation, "assistant", "fourth")
        assert fourth.seq == 4
        processed = await store.find_processed("alice", "c-1")
        assert processed is not None and processed.stream_id == "stream-1"
        attachments = SQLiteAttachments(store)
        assert await attachments.pending_bytes("alice") == 4
        assert await attachments.append("alice", "up-1", 2, b"\x02\x03") == 4  # goes on
        # An upload SQLite kept in a file beside the database came along, for its owner only.
        [(info, data)] = [
            (a.info, a.data)
            for a in await _finished(store, attachments, "alice")
            if a.info.name == "c.txt"
        ]
        assert data == b"hello" and info.size == 5
        assert await attachments.read("alice", info.attachment_id, 1, 3) == b"ell"
        assert await attachments.read("bob", info.attachment_id, 0, 5) is None
    finally:
        await store.close()


async def test_a_target_that_has_data_is_refused_and_left_alone(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "twin.db"
    await _fill(source)
    assert main(["migrate-db", "--from", str(source), "--to", postgres_url]) == 0
    capsys.readouterr()
    assert main(["migrate-db", "--from", str(source), "--to", postgres_url]) == 1
    assert "is not empty" in capsys.readouterr().err
    with Twin(postgres_url) as twin:
        assert len(twin.list_nodes("alice")) == 3  # not copied twice


def test_a_missing_source_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://someone:hunter2secret@127.0.0.1:1/none"
    assert main(["migrate-db", "--from", str(tmp_path / "nope.db"), "--to", url]) == 1
    err = capsys.readouterr().err
    assert "no SQLite database" in err and "hunter2secret" not in err
