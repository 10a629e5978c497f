"""The reducer's side of reconciliation by cursor: the cursor, the ``sync`` it asks for, how a
``sync`` reply is folded in, and which messages it says to send again. Pure: no socket."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from omnitrack_realtime.client.conversation import (
    INTERRUPTED_MARKER,
    ChatMessage,
    Conversation,
    ConversationEvent,
    Reconciled,
    ReplyFinished,
)
from omnitrack_realtime.protocol import (
    Acknowledgment,
    AssistantMessage,
    HistoryEntry,
    ServerMessage,
    StreamComplete,
    StreamStart,
    StreamToken,
    Sync,
    SyncAction,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make() -> Conversation:
    counter = itertools.count(1)
    return Conversation(new_id=lambda: f"id{next(counter)}", clock=lambda: T0)


def feed(conv: Conversation, *frames: ServerMessage) -> list[ConversationEvent]:
    events: list[ConversationEvent] = []
    for frame in frames:
        events += conv.apply(frame)
    return events


def ack(cmid: str, seq: int, message_id: str | None = None) -> Acknowledgment:
    return Acknowledgment(
        conversation_id="c",
        client_message_id=cmid,
        message_id=message_id or f"m-{cmid}",
        message_seq=seq,
    )


def stored_user(cmid: str, seq: int) -> HistoryEntry:
    return HistoryEntry(
        message_id=f"m-{cmid}",
        role="user",
        content=f"q {cmid}",
        seq=seq,
        metadata={"clientMessageId": cmid},
    )


def stored_answer(cmid: str, seq: int, text: str, **metadata: Any) -> HistoryEntry:
    return HistoryEntry(
        message_id=f"a-{cmid}",
        role="assistant",
        content=text,
        seq=seq,
        metadata={"replyTo": f"m-{cmid}", "streamId": f"s-{cmid}", "intent": "echo", **metadata},
    )


def asked(conv: Conversation, *cmids: str) -> list[ChatMessage]:
    return [conv.add_user_message(f"q {c}", client_message_id=c, queued=False) for c in cmids]


def answers(conv: Conversation) -> list[ChatMessage]:
    return [m for m in conv.messages if m.role == "assistant"]


def reconciled(events: list[ConversationEvent]) -> Reconciled:
    (event,) = [e for e in events if isinstance(e, Reconciled)]
    return event


def test_the_cursor_is_the_highest_seq_held_with_none_missing_below() -> None:
    conv = make()
    asked(conv, "u1", "u2")
    feed(conv, ack("u1", 1))
    assert conv.cursor == 1
    feed(conv, ack("u2", 3))  # 2 (the first answer) not seen: the cursor waits for it
    assert conv.cursor == 1
    feed(conv, AssistantMessage(content="a", client_message_id="u1", message_seq=2))
    assert conv.cursor == 3


def test_no_sync_before_a_conversation_or_from_a_server_that_numbers_nothing() -> None:
    conv = make()
    assert conv.sync_action() is None
    asked(conv, "u1")
    feed(conv, Acknowledgment(conversation_id="c", client_message_id="u1"))  # no messageSeq
    assert conv.conversation_id == "c" and not conv.reconciles
    assert conv.sync_action() is None  # a seed server would not understand it
    feed(conv, ack("u1", 1))
    assert conv.sync_action() == SyncAction(conversation_id="c", after_seq=1)


def test_an_answer_never_seen_is_taken_from_the_store_once() -> None:
    conv = make()
    (question,) = asked(conv, "u1")
    feed(conv, ack("u1", 1))
    conv.connection_lost(resumable=True)  # before stream_start: nothing open to resume
    sync = conv.sync_action()
    assert sync is not None and sync.after_seq == 1
    events = feed(
        conv,
        Sync(conversation_id="c", messages=[stored_answer("u1", 2, "Echo")], seq=2),
    )
    (answer,) = answers(conv)
    assert answer.content == "Echo" and answer.status == "complete"
    assert answer.reply_to == "u1" and answer.metadata == {"intent": "echo"}
    assert [e for e in events if isinstance(e, ReplyFinished)] == [ReplyFinished(answer, "u1")]
    assert reconciled(events) == Reconciled((), None)
    assert conv.cursor == 2 and conv.awaiting_reply == [] and question.status == "delivered"
    # The same answer again (a replay, another sync, its live frames): still one message.
    feed(
        conv,
        Sync(conversation_id="c", messages=[stored_answer("u1", 2, "Echo")], seq=2),
        StreamStart(conversation_id="c", stream_id="s-u1", client_message_id="u1"),
        StreamToken(token="Echo", stream_id="s-u1", seq=1),
        StreamComplete(conversation_id="c", stream_id="s-u1", client_message_id="u1"),
    )
    assert answers(conv) == [answer] and answer.content == "Echo"


def test_a_stream_that_ended_while_away_is_finished_with_the_stored_text() -> None:
    conv = make()
    asked(conv, "u1")
    feed(
        conv,
        ack("u1", 1),
        StreamStart(conversation_id="c", stream_id="s-u1", client_message_id="u1"),
        StreamToken(token="Ec", stream_id="s-u1", seq=1),
    )
    conv.connection_lost(resumable=True)
    conv.sync_action()
    events = feed(conv, Sync(conversation_id="c", messages=[stored_answer("u1", 2, "Echo")], seq=2))
    (answer,) = answers(conv)
    assert answer.content == "Echo" and answer.status == "complete" and not answer.is_streaming
    assert ReplyFinished(answer, "u1") in events


def test_an_answer_cut_off_here_but_stored_whole_is_made_whole() -> None:
    conv = make()
    asked(conv, "u1")
    feed(
        conv,
        ack("u1", 1),
        StreamStart(conversation_id="c", stream_id="s-u1", client_message_id="u1"),
        StreamToken(token="Ec", stream_id="s-u1", seq=1),
    )
    conv.interrupt_open_streams("Connection lost")
    (answer,) = answers(conv)
    assert answer.content == "Ec" + INTERRUPTED_MARKER
    feed(conv, Sync(conversation_id="c", messages=[stored_answer("u1", 2, "Echo")], seq=2))
    assert answers(conv) == [answer]
    assert answer.content == "Echo" and answer.status == "complete"


def test_a_stored_interrupted_answer_keeps_the_marker() -> None:
    conv = make()
    asked(conv, "u1")
    feed(conv, ack("u1", 1))
    conv.sync_action()
    entry = stored_answer("u1", 2, "Ec", interrupted=True, error="The server is shutting down")
    feed(conv, Sync(conversation_id="c", messages=[entry], seq=2))
    (answer,) = answers(conv)
    assert answer.content == "Ec" + INTERRUPTED_MARKER and answer.status == "interrupted"
    assert conv.error == "The server is shutting down"


def test_acknowledged_unanswered_and_not_pending_is_sent_again() -> None:
    conv = make()
    asked(conv, "u1", "u2", "u3", "u4")
    feed(conv, ack("u1", 1), ack("u2", 2), ack("u3", 3))  # u4: written, not acknowledged
    conv.connection_lost(resumable=True)
    conv.sync_action()
    # The server answered nothing yet; u2 runs (pending), u1 and u3 it knows nothing of now.
    events = feed(conv, Sync(conversation_id="c", pending=["u2"], seq=3))
    assert reconciled(events) == Reconciled(("u1", "u3"), None)  # u4 is the outbox's business


def test_a_message_acknowledged_after_the_sync_was_sent_is_not_judged_by_it() -> None:
    conv = make()
    asked(conv, "u1")
    feed(conv, ack("u1", 1))
    conv.sync_action()
    asked(conv, "u2")
    feed(conv, ack("u2", 2))  # reached the server after the sync: the reply cannot know it
    assert reconciled(feed(conv, Sync(conversation_id="c", pending=["u1"], seq=1))).resend == ()


def test_a_partial_reply_asks_for_more_and_resends_nothing_yet() -> None:
    conv = make()
    asked(conv, "u1", "u2")
    feed(conv, ack("u1", 1), ack("u2", 2))
    conv.sync_action()
    events = feed(
        conv,
        Sync(conversation_id="c", messages=[stored_answer("u1", 3, "A")], seq=3, more=True),
    )
    assert reconciled(events) == Reconciled((), 0.0)
    assert conv.sync_action() == SyncAction(conversation_id="c", after_seq=3)
    refused = feed(conv, Sync(conversation_id="c", seq=3, more=True, retry_after=1.5))
    assert reconciled(refused) == Reconciled((), 1.5)
    assert [a.content for a in answers(conv)] == ["A"]


def test_messages_of_another_connection_are_added_once() -> None:
    conv = make()
    asked(conv, "u1")
    feed(conv, ack("u1", 1))
    conv.sync_action()
    feed(
        conv,
        Sync(
            conversation_id="c",
            messages=[stored_user("other", 2), stored_answer("other", 3, "B")],
            seq=3,
        ),
    )
    assert [(m.role, m.content, m.status) for m in conv.messages] == [
        ("user", "q u1", "delivered"),
        ("user", "q other", "delivered"),
        ("assistant", "B", "complete"),
    ]
    assert answers(conv)[0].reply_to == "other" and conv.awaiting_reply == ["u1"]
    assert conv.cursor == 3
