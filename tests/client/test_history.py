"""The durable history's pure parts (the journal, restoring a conversation, read receipts and
typing from other devices) and its SQLite store on real files."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitrack_realtime import StoreError
from omnitrack_realtime.client.conversation import ChatMessage, Conversation, MarkedRead
from omnitrack_realtime.client.history import Journal, MessageRecord, title_of
from omnitrack_realtime.client.store import HistoryStore
from omnitrack_realtime.protocol import (
    Acknowledgment,
    ReadReceipt,
    StreamComplete,
    StreamStart,
    StreamToken,
    UserTyping,
)

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def conversation(clock: Clock | None = None) -> Conversation:
    ids = (f"m{n}" for n in itertools.count(1))
    return Conversation(new_id=lambda: next(ids), clock=clock or Clock())


def answered(conv: Conversation, cmid: str, *, seq: int) -> None:
    """An acknowledged user message and its streamed answer, numbered seq and seq + 1."""
    conv.apply(
        Acknowledgment(
            conversation_id="c1", client_message_id=cmid, message_id=f"u-{cmid}", message_seq=seq
        )
    )
    conv.apply(
        StreamStart(
            conversation_id="c1",
            stream_id=f"s-{cmid}",
            message_id=f"a-{cmid}",
            client_message_id=cmid,
        )
    )
    conv.apply(StreamToken(token="hi", conversation_id="c1", stream_id=f"s-{cmid}", seq=1))
    conv.apply(
        StreamComplete(
            conversation_id="c1",
            stream_id=f"s-{cmid}",
            client_message_id=cmid,
            message_id=f"a-{cmid}",
            message_seq=seq + 1,
        )
    )


# --------------------------------------------------------------------------- the journal


def test_the_journal_writes_settled_messages_once_and_a_streaming_answer_when_it_ends() -> None:
    conv = conversation()
    journal = Journal(conv, "k1")
    assert not journal.collect()  # an empty conversation is not stored
    conv.add_user_message("hello", client_message_id="q1", queued=True)
    batch = journal.collect()
    assert [(r.position, r.role, r.status) for r in batch.messages] == [(0, "user", "queued")]
    assert batch.conversation is not None and batch.conversation.title == "hello"
    assert not journal.collect()  # nothing changed since
    conv.apply(Acknowledgment(conversation_id="c1", client_message_id="q1", message_id="u1"))
    conv.apply(StreamStart(conversation_id="c1", stream_id="s1", client_message_id="q1"))
    journal.touch(conv.user_message("q1"))
    batch = journal.collect()
    (user,) = batch.messages  # the answer streams: not yet
    assert (user.status, user.server_id) == ("delivered", "u1")
    assert batch.conversation is not None and batch.conversation.conversation_id == "c1"
    conv.apply(StreamToken(token="Hi", conversation_id="c1", stream_id="s1", seq=1))
    conv.apply(StreamComplete(conversation_id="c1", stream_id="s1", client_message_id="q1"))
    journal.touch(conv.messages[1])
    (answer,) = journal.collect().messages
    assert (answer.position, answer.content, answer.status) == (1, "Hi", "complete")


def test_positions_continue_after_the_highest_stored_one() -> None:
    """An answer streaming at a crash was never written: its position stays a gap, and new
    messages never take a stored message's place."""
    conv = conversation()
    stored = [ChatMessage("a", "user", T0, "one", status="failed", client_message_id="q")]
    conv.restore(stored, conversation_id="c1", cursor=0, numbered=False, server_ids={})
    journal = Journal(conv, "k1", positions=[4])
    conv.add_user_message("two", client_message_id="q2", queued=True)
    assert [r.position for r in journal.collect().messages] == [5]


def test_a_title_is_the_first_message_on_one_line_shortened_at_a_word() -> None:
    assert title_of("Add a\nwarehouse") == "Add a warehouse"
    long = "word " * 40
    assert len(title_of(long)) <= 80 and title_of(long).endswith("word…")


# --------------------------------------------------------------------------- restoring


def test_restore_sends_again_what_was_never_acknowledged_and_awaits_what_has_no_answer() -> None:
    conv = conversation()
    messages = [
        ChatMessage("1", "user", T0, "asked", status="delivered", client_message_id="q1"),
        ChatMessage(
            "2",
            "assistant",
            T0,
            "answer",
            status="complete",
            reply_to="q1",
            stream_id="s1",
            metadata={"suggestions": ["More"]},
        ),
        ChatMessage(
            "3", "user", T0, "acked, no answer", status="delivered", client_message_id="q2"
        ),
        ChatMessage("4", "user", T0, "written", status="sent", client_message_id="q3"),
        ChatMessage("5", "user", T0, "offline", status="queued", client_message_id="q4"),
    ]
    unsent = conv.restore(
        messages, conversation_id="c1", cursor=3, numbered=True, server_ids={"q2": "u2"}
    )
    assert [m.client_message_id for m in unsent] == ["q3", "q4"]
    assert all(m.status == "queued" for m in unsent)
    assert conv.awaiting_reply == ["q2", "q3", "q4"]
    assert conv.suggestions == ["More"]
    sync = conv.sync_action()
    assert sync is not None and sync.after_seq == 3
    # A replayed answer already held is not added again.
    conv.apply(StreamStart(conversation_id="c1", stream_id="s1", client_message_id="q1"))
    assert len(conv.messages) == 5
    assert conv.server_message_id("q2") == "u2" and conv.knows("u2")
    with pytest.raises(ValueError):
        conv.restore(messages, conversation_id="c1", cursor=0, numbered=True, server_ids={})


# --------------------------------------------------------------------------- other devices


def test_a_read_receipt_marks_that_message_and_every_one_before_it() -> None:
    conv = conversation()
    conv.add_user_message("one", client_message_id="q1", queued=False)
    answered(conv, "q1", seq=1)
    conv.add_user_message("two", client_message_id="q2", queued=False)
    answered(conv, "q2", seq=3)
    events = conv.apply(ReadReceipt(conversation_id="c1", message_id="u-q2", user_id="alice"))
    (event,) = events
    assert isinstance(event, MarkedRead)
    assert [m.content for m in event.messages] == ["one", "hi", "two"]
    assert not conv.messages[-1].read
    assert conv.last_readable() == "a-q2"
    again = conv.apply(ReadReceipt(conversation_id="c1", message_id="a-q2", user_id="alice"))
    assert [m.content for m in again[0].messages] == ["hi"]  # type: ignore[union-attr]
    assert conv.apply(ReadReceipt(conversation_id="c1", message_id="a-q2")) == []
    assert conv.apply(ReadReceipt(conversation_id="other", message_id="a-q1")) == []
    assert not conv.knows("unknown")


def test_typing_on_another_device_shows_for_a_few_seconds() -> None:
    clock = Clock()
    conv = conversation(clock)
    conv.add_user_message("one", client_message_id="q1", queued=False)
    answered(conv, "q1", seq=1)
    conv.apply(UserTyping(conversation_id="other"))
    assert not conv.typing_elsewhere()
    conv.apply(UserTyping(conversation_id="c1", user_id="alice"))
    assert conv.typing_elsewhere()
    clock.now += timedelta(seconds=6)
    assert not conv.typing_elsewhere()


# --------------------------------------------------------------------------- SQLite


def record(position: int, role: str = "user", **fields: object) -> MessageRecord:
    values: dict[str, object] = {
        "position": position,
        "id": f"id{position}",
        "role": role,
        "content": f"text {position}",
        "timestamp": T0,
        "status": "delivered",
        "metadata": {"k": [1, "ü"]},
    }
    values.update(fields)
    return MessageRecord(**values)  # type: ignore[arg-type]


async def test_the_store_keeps_conversations_per_user_and_server(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "history.db"  # directories are made
    conv = conversation()
    journal = Journal(conv, "k1")
    store = HistoryStore(path, owner="alice", server="ws://h/copilot", clock=lambda: 100.0)
    try:
        assert await store.latest() is None
        conv.add_user_message("first question", client_message_id="q1", queued=True)
        await store.write(journal.collect())
        conv.apply(
            Acknowledgment(
                conversation_id="c1", client_message_id="q1", message_id="u1", message_seq=1
            )
        )
        journal.touch(conv.user_message("q1"))
        await store.write(journal.collect())
        assert await store.latest() == "k1"
        assert await store.find("c1") == "k1" and await store.find("k1") == "k1"
        loaded = await store.load("k1")
        assert loaded is not None
        assert loaded.conversation.conversation_id == "c1" and loaded.conversation.cursor == 1
        (row,) = loaded.messages
        assert (row.content, row.status, row.server_id) == ("first question", "delivered", "u1")
        assert row.timestamp == conv.messages[0].timestamp
        (summary,) = await store.conversations()
        assert (summary.title, summary.message_count) == ("first question", 1)
    finally:
        await store.close()
    for owner, server in (("bob", "ws://h/copilot"), ("alice", "ws://other/copilot")):
        other = HistoryStore(path, owner=owner, server=server)
        try:
            assert await other.latest() is None and await other.load("k1") is None
        finally:
            await other.close()
    with pytest.raises(StoreError, match="closed"):
        await store.latest()


async def test_a_file_that_is_not_a_history_store_is_a_clear_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    for path, reason in (
        (garbage, "not a database"),
        (other, "something else"),
        (newer, "newer version"),
    ):
        store = HistoryStore(path, owner="alice", server="ws://h/copilot")
        try:
            with pytest.raises(StoreError, match=reason) as caught:
                await store.latest()
            assert str(path) in str(caught.value)
        finally:
            await store.close()
    assert garbage.read_bytes().startswith(b"not a database")  # left as it was
