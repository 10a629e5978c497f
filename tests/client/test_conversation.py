"""The conversation reducer, rule by rule (issue 2, "Copilot conversation state")."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitrack_realtime.client import conversation as conversation_module
from omnitrack_realtime.client.conversation import (
    ERROR_REPLY,
    INTERRUPTED_MARKER,
    ChatMessage,
    Conversation,
    ConversationEvent,
    ReplyFinished,
    TokenAppended,
)
from omnitrack_realtime.protocol import (
    Acknowledgment,
    AssistantMessage,
    AuthOk,
    Complete,
    ErrorMessage,
    History,
    Pong,
    RequestQueued,
    ResumeAction,
    ServerMessage,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    Suggestions,
    Typing,
    UnknownMessage,
    decode_server_message,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make() -> Conversation:
    counter = itertools.count(1)
    return Conversation(new_id=lambda: f"id{next(counter)}", clock=lambda: T0)


def feed(conv: Conversation, *frames: ServerMessage | UnknownMessage) -> list[ConversationEvent]:
    events: list[ConversationEvent] = []
    for frame in frames:
        events += conv.apply(frame)
    return events


def seed(conv: Conversation, *raw: str) -> list[ConversationEvent]:
    """Feed frames as a seed server sends them on the wire."""
    return feed(conv, *(decode_server_message(text) for text in raw))


def assistant(conv: Conversation) -> list[ChatMessage]:
    return [m for m in conv.messages if m.role == "assistant"]


def tokens(events: Iterable[ConversationEvent]) -> str:
    return "".join(e.token for e in events if isinstance(e, TokenAppended))


def finished(events: Iterable[ConversationEvent]) -> list[ReplyFinished]:
    return [e for e in events if isinstance(e, ReplyFinished)]


# ------------------------------------------------------------------ chat message


def test_chat_message_content_is_appended_and_cached() -> None:
    message = ChatMessage("m1", "assistant", T0, "ab")
    message._append("c")
    message._append("")
    assert message.content == "abc"
    assert message.content is message.content
    message.content = "replaced"
    assert message.content == "replaced"
    assert "replaced" in repr(message)
    assert message.metadata == {} and message.status == "sent" and not message.is_streaming


def test_chat_message_as_a_dict() -> None:
    message = ChatMessage("m1", "assistant", T0, "hi", metadata={"intent": "x"}, status="complete")
    assert message.to_dict() == {
        "id": "m1",
        "role": "assistant",
        "content": "hi",
        "timestamp": "2026-01-02T03:04:05+00:00",
        "isStreaming": False,
        "metadata": {"intent": "x"},
        "status": "complete",
    }


def test_chat_messages_compare_by_identity() -> None:
    one = ChatMessage("m1", "user", T0, "x")
    two = ChatMessage("m1", "user", T0, "x")
    assert one != two and one == one


# ------------------------------------------------------------------ user messages


def test_add_user_message_appends_at_once_and_clears_suggestions() -> None:
    conv = make()
    feed(conv, Suggestions(suggestions=["a", "b"], conversation_id="c1"))
    queued = conv.add_user_message("hello", client_message_id="u1", queued=True)
    assert conv.messages == [queued]
    assert (queued.role, queued.content, queued.status) == ("user", "hello", "queued")
    assert (queued.id, queued.timestamp, queued.client_message_id) == ("id1", T0, "u1")
    assert queued.conversation_id == "c1"
    assert conv.suggestions == []
    sent = conv.add_user_message("again", client_message_id="u2", queued=False)
    assert sent.status == "sent"
    assert conv.awaiting_reply == ["u1", "u2"]


def test_user_status_moves_forward_only() -> None:
    conv = make()
    message = conv.add_user_message("x", client_message_id="u1", queued=True)
    conv.mark_sent("u1")
    assert message.status == "sent"
    conv.mark_delivered("u1")
    assert message.status == "delivered"
    conv.mark_sent("u1")
    assert message.status == "delivered"
    conv.mark_failed("u1", "refused")
    assert message.status == "failed" and message.metadata["error"] == "refused"
    conv.mark_delivered("u1")
    assert message.status == "failed"
    assert conv.awaiting_reply == []
    conv.mark_sent("nope")  # unknown ids are ignored
    conv.mark_delivered("nope")
    conv.mark_failed("nope", "x")


def test_acknowledgment_with_id_delivers_that_message_and_sets_conversation() -> None:
    conv = make()
    one = conv.add_user_message("1", client_message_id="u1", queued=False)
    two = conv.add_user_message("2", client_message_id="u2", queued=False)
    assert feed(conv, Acknowledgment(client_message_id="u2", conversation_id="c9")) == []
    assert (one.status, two.status) == ("sent", "delivered")
    assert conv.conversation_id == "c9"


def test_seed_acknowledgment_delivers_the_oldest_sent_message() -> None:
    conv = make()
    one = conv.add_user_message("1", client_message_id="u1", queued=False)
    two = conv.add_user_message("2", client_message_id="u2", queued=True)
    three = conv.add_user_message("3", client_message_id="u3", queued=False)
    seed(conv, '{"type":"acknowledgment","message":"Message received.","timestamp":1}')
    assert (one.status, two.status, three.status) == ("delivered", "queued", "sent")
    seed(conv, '{"type":"acknowledgment","message":"ok","timestamp":2}')
    assert three.status == "delivered"
    assert conv.conversation_id is None


# ------------------------------------------------------------------ typing


@pytest.mark.parametrize(
    "clearing",
    [
        AssistantMessage(content="x"),
        StreamStart(),
        StreamComplete(),
        StreamInterrupted(partial_response="p"),
        ErrorMessage(error="e"),
        Complete(),
    ],
    ids=lambda frame: type(frame).__name__,
)
def test_typing_is_set_by_typing_and_cleared_by_answers(clearing: ServerMessage) -> None:
    conv = make()
    feed(conv, Typing())
    assert conv.is_typing
    feed(conv, clearing)
    assert not conv.is_typing


def test_typing_is_cleared_by_a_lost_connection() -> None:
    conv = make()
    feed(conv, Typing())
    conv.connection_lost(resumable=True)
    assert not conv.is_typing


@pytest.mark.parametrize(
    "neutral",
    [Acknowledgment(), Suggestions(), Pong(), AuthOk(), RequestQueued(), StreamToken(token="x")],
    ids=lambda frame: type(frame).__name__,
)
def test_other_frames_leave_typing_alone(neutral: ServerMessage) -> None:
    conv = make()
    feed(conv, Typing(), neutral)
    assert conv.is_typing


# ------------------------------------------------------------------ whole messages


def test_message_appends_an_assistant_answer_with_metadata() -> None:
    conv = make()
    conv.add_user_message("add a supplier", client_message_id="u1", queued=False)
    events = seed(
        conv,
        '{"type":"message","content":"I\'ve added a new supplier in Asia.",'
        '"conversationId":"conv-123","timestamp":1234567890,'
        '"metadata":{"intent":"add-supplier","confidence":0.95,"actionSuccess":true}}',
    )
    (reply,) = assistant(conv)
    assert reply.content == "I've added a new supplier in Asia."
    assert reply.metadata == {"intent": "add-supplier", "confidence": 0.95, "actionSuccess": True}
    assert (reply.status, reply.is_streaming, reply.reply_to) == ("complete", False, "u1")
    assert reply.timestamp == datetime.fromtimestamp(1234567890, UTC)  # seconds accepted
    assert conv.conversation_id == "conv-123"
    assert events == [ReplyFinished(reply, "u1")]


def test_message_id_becomes_the_message_id_and_dedupes_replays() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    stamp = 1_700_000_000_000
    first = feed(conv, AssistantMessage(content="a", message_id="srv-1", timestamp=stamp))
    assert assistant(conv)[0].id == "srv-1"
    assert assistant(conv)[0].timestamp == datetime.fromtimestamp(1_700_000_000, UTC)
    assert feed(conv, AssistantMessage(content="a", message_id="srv-1")) == []
    assert len(assistant(conv)) == 1 and len(first) == 1


def test_message_without_timestamp_uses_the_clock() -> None:
    conv = make()
    feed(conv, AssistantMessage(content="a", timestamp="not a time"))
    assert assistant(conv)[0].timestamp == T0


def test_complete_ends_a_non_streamed_turn() -> None:
    conv = make()
    feed(conv, Typing(), AssistantMessage(content="x"), Suggestions(suggestions=["s"]), Complete())
    assert not conv.is_typing
    assert conv.suggestions == ["s"]
    assert conv.ignored == 0


# ------------------------------------------------------------------ streams (seed shape)


def test_seed_stream_start_tokens_complete() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    events = seed(
        conv,
        '{"type":"stream_start","conversationId":"conv-123","timestamp":1,'
        '"metadata":{"intent":"add-supplier","confidence":0.95}}',
    )
    assert events == []
    (reply,) = assistant(conv)
    assert (reply.content, reply.is_streaming, reply.status) == ("", True, "streaming")
    assert reply.metadata == {"intent": "add-supplier", "confidence": 0.95}
    events = seed(
        conv,
        '{"type":"stream_token","token":"I\'ve ","conversationId":"conv-123","timestamp":2}',
        '{"type":"stream_token","token":"added","conversationId":"conv-123","timestamp":3}',
    )
    assert events == [
        TokenAppended(reply.id, "I've ", "u1"),
        TokenAppended(reply.id, "added", "u1"),
    ]
    assert reply.content == "I've added"
    events = seed(
        conv,
        '{"type":"stream_complete","conversationId":"conv-123","timestamp":4,'
        '"metadata":{"tokenCount":2,"actionSuccess":true}}',
    )
    assert events == [ReplyFinished(reply, "u1")]
    assert (reply.is_streaming, reply.status) == (False, "complete")
    assert reply.metadata == {
        "intent": "add-supplier",
        "confidence": 0.95,
        "tokenCount": 2,
        "actionSuccess": True,
    }
    assert conv.open_streams == []


def test_token_with_no_open_stream_opens_one() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    events = feed(conv, StreamToken(token="lost?", conversation_id="c1"))
    (reply,) = assistant(conv)
    assert (reply.content, reply.is_streaming, reply.reply_to) == ("lost?", True, "u1")
    assert reply.conversation_id == "c1"
    assert events == [TokenAppended(reply.id, "lost?", "u1")]
    feed(conv, StreamComplete())
    assert reply.status == "complete"


def test_seed_streams_one_after_another_never_mix() -> None:
    conv = make()
    conv.add_user_message("1", client_message_id="u1", queued=False)
    conv.add_user_message("2", client_message_id="u2", queued=False)
    feed(conv, StreamStart(), StreamToken(token="a"), StreamComplete())
    feed(conv, StreamStart(), StreamToken(token="b"), StreamComplete())
    first, second = assistant(conv)
    assert (first.content, first.reply_to) == ("a", "u1")
    assert (second.content, second.reply_to) == ("b", "u2")


def test_stream_complete_with_nothing_open_is_counted_not_created() -> None:
    conv = make()
    assert feed(conv, StreamComplete(), StreamComplete(stream_id="s1")) == []
    assert conv.messages == [] and conv.ignored == 2
    # ... and the finished id is remembered: its tokens cannot open a stream later.
    assert feed(conv, StreamToken(token="x", stream_id="s1", seq=1)) == []
    assert conv.messages == []


# ------------------------------------------------------------------ streams with ids and seq


def test_tokens_go_to_their_stream_by_id() -> None:
    conv = make()
    conv.add_user_message("1", client_message_id="u1", queued=False)
    conv.add_user_message("2", client_message_id="u2", queued=False)
    feed(conv, StreamStart(stream_id="s1"), StreamStart(stream_id="s2"))
    feed(
        conv,
        StreamToken(token="a", stream_id="s1", seq=1),
        StreamToken(token="B", stream_id="s2", seq=1),
        StreamToken(token="b", stream_id="s1", seq=2),
        StreamToken(token="-", seq=None),  # no id: the most recently opened stream
    )
    one, two = assistant(conv)
    assert (one.content, two.content) == ("ab", "B-")
    feed(conv, StreamComplete(stream_id="s2"))
    feed(conv, StreamToken(token="c"))  # now s1 is the open one
    assert one.content == "abc"
    assert (one.reply_to, two.reply_to) == ("u1", "u2")


def test_stream_start_message_id_is_used() -> None:
    conv = make()
    feed(conv, StreamStart(stream_id="s1", message_id="srv-7"))
    assert assistant(conv)[0].id == "srv-7"
    assert feed(conv, StreamStart(stream_id="s2", message_id="srv-7")) == []  # same answer
    assert len(assistant(conv)) == 1


def test_duplicate_seq_is_ignored() -> None:
    conv = make()
    feed(conv, StreamStart(stream_id="s"))
    events = feed(
        conv,
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="b", stream_id="s", seq=2),
        StreamToken(token="a", stream_id="s", seq=1),
    )
    assert tokens(events) == "ab"
    assert assistant(conv)[0].content == "ab"
    assert assistant(conv)[0].applied_seq == 2


def test_out_of_order_tokens_are_held_and_applied_in_seq_order() -> None:
    conv = make()
    feed(conv, StreamStart(stream_id="s"))
    assert feed(conv, StreamToken(token="c", stream_id="s", seq=3)) == []
    assert feed(conv, StreamToken(token="b", stream_id="s", seq=2)) == []
    assert feed(conv, StreamToken(token="c", stream_id="s", seq=3)) == []  # held already
    (reply,) = assistant(conv)
    assert reply.content == "" and reply.applied_seq == 0
    events = feed(conv, StreamToken(token="a", stream_id="s", seq=1))
    assert [e.token for e in events if isinstance(e, TokenAppended)] == ["a", "b", "c"]
    assert reply.content == "abc" and reply.applied_seq == 3


def test_completion_flushes_tokens_still_held_for_a_gap() -> None:
    conv = make()
    feed(
        conv,
        StreamStart(stream_id="s"),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="d", stream_id="s", seq=4),
        StreamToken(token="c", stream_id="s", seq=3),
        StreamComplete(stream_id="s"),
    )
    assert assistant(conv)[0].content == "acd"


def test_replay_of_a_completed_stream_never_creates_a_second_message() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    conv.add_user_message("next", client_message_id="u2", queued=False)
    answer: list[ServerMessage] = [
        StreamStart(stream_id="s", conversation_id="c1"),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="b", stream_id="s", seq=2),
        StreamComplete(stream_id="s", metadata={"tokenCount": 2}),
    ]
    first = feed(conv, *answer)
    assert len(finished(first)) == 1
    assert feed(conv, *answer) == []  # the whole replay is a no-op
    feed(conv, StreamInterrupted(stream_id="s", partial_response="zzzzzzzz"))
    (reply,) = assistant(conv)
    assert (reply.content, reply.status) == ("ab", "complete")
    assert conv.awaiting_reply == ["u2"]  # the replay did not consume u2's turn


def test_replay_of_an_open_stream_continues_the_same_message() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    feed(
        conv,
        StreamStart(stream_id="s", metadata={"intent": "x"}),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="b", stream_id="s", seq=2),
    )
    # The server replays the answer from seq 1 (a resent message) and goes on live.
    events = feed(
        conv,
        StreamStart(stream_id="s", metadata={"intent": "x", "confidence": 0.5}),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="b", stream_id="s", seq=2),
        StreamToken(token="c", stream_id="s", seq=3),
        StreamComplete(stream_id="s"),
    )
    (reply,) = assistant(conv)
    assert reply.content == "abc"
    assert reply.metadata == {"intent": "x", "confidence": 0.5}
    assert tokens(events) == "c"
    assert finished(events) == [ReplyFinished(reply, "u1")]


# ------------------------------------------------------------------ interruption


def test_stream_interrupted_keeps_the_longer_text_with_the_marker() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    feed(conv, StreamStart(), StreamToken(token="I have added"))
    events = seed(
        conv,
        '{"type":"stream_interrupted","conversationId":"conv-123","timestamp":1,'
        '"error":"Connection lost","partialResponse":"I have"}',
    )
    (reply,) = assistant(conv)
    assert reply.content == "I have added" + INTERRUPTED_MARKER
    assert (reply.is_streaming, reply.status) == (False, "interrupted")
    assert conv.error == "Connection lost"
    assert events == [ReplyFinished(reply, "u1")]


def test_stream_interrupted_prefers_a_longer_partial_response() -> None:
    conv = make()
    feed(conv, StreamStart(stream_id="s"), StreamToken(token="I", stream_id="s", seq=1))
    feed(conv, StreamInterrupted(stream_id="s", partial_response="I have added a new supp"))
    assert assistant(conv)[0].content == "I have added a new supp [interrupted]"
    assert conv.error == "Response interrupted"  # the frame had no error text
    # Later frames of that stream are replays: never a second message.
    assert feed(conv, StreamToken(token="x", stream_id="s", seq=2)) == []
    assert len(assistant(conv)) == 1


def test_stream_interrupted_without_an_open_stream() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    events = feed(conv, StreamInterrupted(error="boom", partial_response="half"))
    (reply,) = assistant(conv)
    assert reply.content == "half" + INTERRUPTED_MARKER
    assert events == [ReplyFinished(reply, "u1")]
    assert feed(conv, StreamInterrupted(error="again")) == []
    assert conv.error == "again" and conv.ignored == 1
    assert len(assistant(conv)) == 1


def test_connection_lost_without_resume_interrupts_open_streams() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    feed(conv, Typing(), StreamStart(), StreamToken(token="I have added a new supp"))
    events = conv.connection_lost(resumable=False)
    (reply,) = assistant(conv)
    assert reply.content == "I have added a new supp [interrupted]"
    assert (reply.is_streaming, reply.status) == (False, "interrupted")
    assert conv.error == "Connection lost"
    assert events == [ReplyFinished(reply, "u1")]
    assert conv.open_streams == [] and not conv.is_typing


def test_connection_lost_with_resume_keeps_resumable_streams_open() -> None:
    conv = make()
    feed(conv, Acknowledgment(conversation_id="c1"))
    feed(
        conv,
        StreamStart(stream_id="s1"),
        StreamToken(token="a", stream_id="s1", seq=1),
        StreamToken(token="c", stream_id="s1", seq=3),  # seq 2 was lost
        StreamStart(stream_id="s2"),  # no tokens yet: resumable from 0
        StreamStart(stream_id="s3"),
        StreamToken(token="x", stream_id="s3"),  # streamId but no seq: cannot resume
        StreamStart(),  # seed stream: cannot resume
    )
    events = conv.connection_lost(resumable=True)
    assert [e.message.stream_id for e in finished(events)] == ["s3", None]
    assert [m.stream_id for m in conv.open_streams] == ["s1", "s2"]
    assert conv.resume_actions() == [
        ResumeAction(conversation_id="c1", stream_id="s1", after_seq=1),
        ResumeAction(conversation_id="c1", stream_id="s2", after_seq=0),
    ]
    # The replay after the resume fills the gap without doubling anything.
    feed(
        conv,
        StreamToken(token="b", stream_id="s1", seq=2),
        StreamToken(token="c", stream_id="s1", seq=3),
        StreamToken(token="d", stream_id="s1", seq=4),
        StreamComplete(stream_id="s1"),
    )
    assert assistant(conv)[0].content == "abcd"
    assert conv.error == "Connection lost"  # set by the two streams that could not resume


def test_resume_actions_need_a_conversation_id() -> None:
    conv = make()
    feed(conv, StreamStart(stream_id="s1"))
    assert conv.resume_actions() == []
    feed(conv, StreamToken(token="x", stream_id="s1", seq=1, conversation_id="c2"))
    (action,) = conv.resume_actions()
    assert action == ResumeAction(conversation_id="c2", stream_id="s1", after_seq=1)


def test_interrupt_open_streams_when_resume_fails() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    feed(
        conv,
        Typing(),
        StreamStart(stream_id="s", conversation_id="c"),
        StreamToken(token="a", stream_id="s", seq=1),
        StreamToken(token="c", stream_id="s", seq=3),
    )
    conv.connection_lost(resumable=True)
    events = conv.interrupt_open_streams("Resume failed")
    (reply,) = assistant(conv)
    assert reply.content == "ac" + INTERRUPTED_MARKER  # held tokens are kept
    assert conv.error == "Resume failed"
    assert events == [ReplyFinished(reply, "u1")]
    assert conv.resume_actions() == [] and conv.interrupt_open_streams("again") == []


# ------------------------------------------------------------------ errors


def test_error_sets_error_and_appends_the_seed_apology() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    events = seed(conv, '{"type":"error","error":"Failed to process request","timestamp":1}')
    (reply,) = assistant(conv)
    assert reply.content == ERROR_REPLY
    assert ERROR_REPLY == "Sorry, I encountered an error processing your request."
    assert (reply.status, reply.reply_to) == ("error", "u1")
    assert reply.metadata == {"error": "Failed to process request"}
    assert conv.error == "Failed to process request"
    assert events == [ReplyFinished(reply, "u1")]


def test_error_with_client_message_id_fails_that_message() -> None:
    conv = make()
    one = conv.add_user_message("1", client_message_id="u1", queued=False)
    two = conv.add_user_message("2", client_message_id="u2", queued=False)
    refusal = ErrorMessage(
        error="Too many", code="rate_limited", client_message_id="u2", retry_after=3
    )
    events = feed(conv, refusal)
    (reply,) = assistant(conv)
    assert events == [ReplyFinished(reply, "u2")]
    assert reply.metadata == {"error": "Too many", "code": "rate_limited", "retryAfter": 3}
    assert (one.status, two.status) == ("sent", "failed")
    assert conv.awaiting_reply == ["u1"]
    feed(conv, AssistantMessage(content="answer"))
    assert assistant(conv)[1].reply_to == "u1"


def test_a_seed_error_mid_stream_interrupts_the_stream() -> None:
    """The seed: "If streaming is interrupted (connection lost, error, etc.)" the partial answer
    keeps its text with the marker and stops streaming. It used to stay streaming forever (the
    chat UI's marker pulsing) while the apology answered the *next* user message."""
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    conv.add_user_message("next", client_message_id="u2", queued=False)
    seed(
        conv,
        '{"type":"stream_start","conversationId":"c","timestamp":1,"metadata":{}}',
        '{"type":"stream_token","token":"I\'ve added","conversationId":"c","timestamp":2}',
    )
    events = seed(conv, '{"type":"error","error":"Failed to process request","timestamp":3}')
    partial, apology = assistant(conv)
    assert (partial.content, partial.is_streaming, partial.status) == (
        "I've added" + INTERRUPTED_MARKER,
        False,
        "interrupted",
    )
    assert (apology.content, apology.status, apology.reply_to) == (ERROR_REPLY, "error", "u1")
    assert events == [ReplyFinished(partial, "u1"), ReplyFinished(apology, "u1")]
    assert conv.open_streams == [] and conv.awaiting_reply == ["u2"]
    assert conv.error == "Failed to process request"


def test_an_error_for_a_message_interrupts_only_its_stream() -> None:
    conv = make()
    conv.add_user_message("1", client_message_id="u1", queued=False)
    conv.add_user_message("2", client_message_id="u2", queued=False)
    feed(
        conv,
        StreamStart(stream_id="s1", conversation_id="c"),
        StreamToken(token="a", stream_id="s1", seq=1),
        StreamStart(stream_id="s2", conversation_id="c"),
        StreamToken(token="b", stream_id="s2", seq=1),
    )
    first, second = assistant(conv)
    events = feed(conv, ErrorMessage(error="boom", code="internal_error", client_message_id="u1"))
    apology = assistant(conv)[-1]
    assert events == [ReplyFinished(first, "u1"), ReplyFinished(apology, "u1")]
    assert first.content == "a" + INTERRUPTED_MARKER and not first.is_streaming
    assert second.is_streaming and conv.open_streams == [second]


def test_error_without_text_still_sets_error() -> None:
    conv = make()
    feed(conv, ErrorMessage())
    assert conv.error
    assert assistant(conv)[0].reply_to is None


def resuming_conversation() -> Conversation:
    """Two answers streaming in conversation c when the connection drops."""
    conv = make()
    conv.add_user_message("1", client_message_id="u1", queued=False)
    conv.add_user_message("2", client_message_id="u2", queued=False)
    conv.add_user_message("3", client_message_id="u3", queued=True)
    feed(
        conv,
        Acknowledgment(client_message_id="u1", conversation_id="c"),
        StreamStart(stream_id="s1", conversation_id="c"),
        StreamToken(token="a", stream_id="s1", seq=1),
        StreamStart(stream_id="s2", conversation_id="c"),
        StreamToken(token="b", stream_id="s2", seq=1),
    )
    assert conv.connection_lost(resumable=True) == []
    return conv


def test_refused_resume_interrupts_the_streams_waiting_for_it() -> None:
    conv = resuming_conversation()
    # s1's resume worked: its frames arrive again, so only s2 was refused.
    feed(conv, StreamToken(token="a2", stream_id="s1", seq=2))
    events = feed(
        conv, ErrorMessage(error="Stream not found", code="stream_not_found", conversation_id="c")
    )
    one, two = assistant(conv)
    assert events == [ReplyFinished(two, "u2")]
    assert (two.content, two.status) == ("b" + INTERRUPTED_MARKER, "interrupted")
    assert (one.content, one.status) == ("aa2", "streaming")
    assert conv.error == "Stream not found"
    assert len(conv.messages) == 5  # no apology message
    assert conv.awaiting_reply == ["u3"]  # the queued message's turn is not consumed


def test_refused_resume_naming_its_stream() -> None:
    conv = resuming_conversation()
    events = feed(conv, ErrorMessage(error="gone", code="stream_not_found", stream_id="s1"))
    one, two = assistant(conv)
    assert events == [ReplyFinished(one, "u1")]
    assert two.is_streaming


def test_refused_resume_of_another_conversation_touches_nothing() -> None:
    conv = resuming_conversation()
    assert feed(conv, ErrorMessage(code="stream_not_found", conversation_id="other")) == []
    assert len(conv.open_streams) == 2


def test_refused_resume_after_the_stream_came_back_touches_nothing() -> None:
    conv = resuming_conversation()
    feed(
        conv,
        StreamStart(stream_id="s1", conversation_id="c"),  # replay from 0 with its start
        StreamToken(token="b2", stream_id="s2", seq=2),
    )
    assert feed(conv, ErrorMessage(code="stream_not_found")) == []
    assert len(conv.open_streams) == 2


@pytest.mark.parametrize("code", ["no_active_stream", "auth_failed"])
def test_control_errors_answer_no_message(code: str) -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    assert feed(conv, ErrorMessage(error="nope", code=code)) == []
    assert conv.error == "nope"
    assert assistant(conv) == [] and conv.awaiting_reply == ["u1"]


def test_other_coded_errors_without_id_still_answer_the_oldest_turn() -> None:
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    events = feed(conv, ErrorMessage(error="boom", code="internal_error"))
    (reply,) = assistant(conv)
    assert events == [ReplyFinished(reply, "u1")] and reply.content == ERROR_REPLY


# ------------------------------------------------------------------ suggestions, ids, unknown


def test_suggestions_replace() -> None:
    conv = make()
    feed(conv, Suggestions(suggestions=["a", "b"], conversation_id="c1"))
    feed(conv, Suggestions(suggestions=["c"]))
    assert conv.suggestions == ["c"]
    assert conv.conversation_id == "c1"


def test_suggestions_in_the_closing_metadata_are_taken_with_the_answer() -> None:
    conv = make()
    feed(
        conv,
        StreamStart(stream_id="s1"),
        StreamToken(token="hi", stream_id="s1", seq=1),
        StreamComplete(stream_id="s1", metadata={"suggestions": ["next", "other"]}),
    )
    assert conv.suggestions == ["next", "other"]
    feed(conv, AssistantMessage(content="whole", metadata={"suggestions": ["third"]}))
    assert conv.suggestions == ["third"]
    feed(conv, StreamStart(stream_id="s2"), StreamComplete(stream_id="s2", metadata={"x": 1}))
    assert conv.suggestions == ["third"]  # no list there: the suggestions frame decides
    feed(conv, StreamComplete(stream_id="s1", metadata={"suggestions": ["replayed"]}))
    assert conv.suggestions == ["third"]  # a replay of a finished answer changes nothing
    feed(conv, AssistantMessage(content="odd", metadata={"suggestions": [1, 2]}))
    assert conv.suggestions == ["third"]  # not a list of strings: ignored


@pytest.mark.parametrize(
    "frame",
    [
        Acknowledgment(conversation_id="c7"),
        AssistantMessage(conversation_id="c7"),
        StreamStart(conversation_id="c7"),
        Suggestions(conversation_id="c7"),
    ],
    ids=lambda frame: type(frame).__name__,
)
def test_conversation_id_is_taken_from(frame: ServerMessage) -> None:
    conv = make()
    feed(conv, frame)
    assert conv.conversation_id == "c7"


def test_conversation_id_is_not_taken_from_tokens_or_errors() -> None:
    conv = make()
    feed(conv, StreamToken(conversation_id="x"), ErrorMessage(conversation_id="y"))
    assert conv.conversation_id is None


def test_unknown_types_are_ignored_and_counted() -> None:
    conv = make()
    events = seed(conv, '{"type":"hologram","data":1}', '{"type":"telepathy"}')
    assert events == [] and conv.messages == [] and conv.ignored == 2


def test_unknown_fields_are_ignored() -> None:
    conv = make()
    seed(conv, '{"type":"message","content":"hi","sparkles":true,"metadata":{"new":1}}')
    assert assistant(conv)[0].content == "hi"


def test_frames_that_do_not_touch_the_conversation() -> None:
    conv = make()
    feed(conv, Pong(), AuthOk(expires_at=1), RequestQueued(position=2), History())
    assert conv.messages == [] and conv.ignored == 0


# ------------------------------------------------------------------ reply matching


def test_answers_match_user_messages_first_in_first_out() -> None:
    conv = make()
    for cid in ("u1", "u2", "u3"):
        conv.add_user_message(cid, client_message_id=cid, queued=True)
    feed(conv, AssistantMessage(content="1"))
    feed(conv, StreamStart(stream_id="s"), StreamComplete(stream_id="s"))
    feed(conv, ErrorMessage(error="x"))
    assert [m.reply_to for m in assistant(conv)] == ["u1", "u2", "u3"]
    feed(conv, AssistantMessage(content="unsolicited"))
    assert assistant(conv)[-1].reply_to is None


def questions(conv: Conversation, *cids: str) -> None:
    for cid in cids:
        conv.add_user_message(cid, client_message_id=cid, queued=False)


def test_named_answers_go_to_their_message_in_any_arrival_order() -> None:
    """A server running turns concurrently (or replaying one) cannot mislead the client: the
    answer frames name their message."""
    conv = make()
    questions(conv, "u1", "u2", "u3")
    events = feed(
        conv,
        StreamStart(stream_id="s3", client_message_id="u3"),
        AssistantMessage(content="two", client_message_id="u2"),
        StreamStart(stream_id="s1", client_message_id="u1"),
        StreamToken(token="three", stream_id="s3", seq=1),
        StreamToken(token="one", stream_id="s1", seq=1),
        StreamComplete(stream_id="s1", client_message_id="u1"),
        StreamComplete(stream_id="s3", client_message_id="u3"),
    )
    replies = {m.reply_to: m.content for m in assistant(conv)}
    assert replies == {"u1": "one", "u2": "two", "u3": "three"}
    assert [(e.reply_to, e.message.content) for e in finished(events)] == [
        ("u2", "two"),
        ("u1", "one"),
        ("u3", "three"),
    ]
    assert conv.awaiting_reply == [] and conv.open_streams == []


def test_once_answers_are_named_an_unnamed_one_takes_no_question() -> None:
    conv = make()
    questions(conv, "u1", "u2")
    feed(conv, StreamStart(stream_id="s1", client_message_id="u1"))
    feed(conv, AssistantMessage(content="stray"), ErrorMessage(error="server fault"))
    assert [m.reply_to for m in assistant(conv)] == ["u1", None, None]
    assert conv.awaiting_reply == ["u2"]  # still waits for its own answer
    assert assistant(conv)[0].is_streaming  # an unnamed error is about no answer


def test_an_answer_naming_another_clients_message_takes_no_question() -> None:
    """A canceller hears the interruption of a stream another connection started."""
    conv = make()
    questions(conv, "u1")
    feed(conv, StreamInterrupted(stream_id="s9", partial_response="x", client_message_id="zz"))
    (reply,) = assistant(conv)
    assert reply.reply_to == "zz" and reply.status == "interrupted"
    assert conv.awaiting_reply == ["u1"]


def test_stream_frames_without_stream_id_find_their_stream_by_message() -> None:
    conv = make()
    questions(conv, "u1", "u2")
    feed(
        conv,
        StreamStart(client_message_id="u1"),
        StreamStart(client_message_id="u2"),
        StreamComplete(client_message_id="u1"),
    )
    first, second = assistant(conv)
    assert (first.reply_to, first.status) == ("u1", "complete")
    assert (second.reply_to, second.status) == ("u2", "streaming")


def test_an_answer_that_never_opened_still_ends_its_questions_wait() -> None:
    """A queued turn cancelled before it began: an interruption naming it, nothing else."""
    conv = make()
    questions(conv, "u1", "u2")
    events = feed(conv, StreamInterrupted(error="Cancelled", client_message_id="u2"))
    (reply,) = assistant(conv)
    assert (reply.reply_to, reply.content, reply.status) == (
        "u2",
        INTERRUPTED_MARKER,
        "interrupted",
    )
    assert finished(events) == [ReplyFinished(reply, "u2")]
    assert conv.awaiting_reply == ["u1"]
    # Unnamed and empty, it still only sets the error (a seed server's stray frame).
    feed(conv, StreamInterrupted(error="gone"))
    assert len(assistant(conv)) == 1 and conv.error == "gone"


def test_a_queued_acknowledgment_is_noted_until_the_answer_starts() -> None:
    conv = make()
    questions(conv, "u1", "u2")
    feed(conv, Acknowledgment(client_message_id="u1", conversation_id="c"))
    feed(conv, Acknowledgment(client_message_id="u2", conversation_id="c", queued=1))
    first, second = conv.messages
    assert "queued" not in first.metadata and second.metadata["queued"] == 1
    assert second.status == "delivered"
    feed(conv, StreamStart(stream_id="s1", client_message_id="u1"))
    assert second.metadata["queued"] == 1
    feed(conv, StreamComplete(stream_id="s1"), StreamStart(stream_id="s2", client_message_id="u2"))
    assert "queued" not in second.metadata
    # A late replay's acknowledgment does not queue an answered message again.
    feed(conv, Acknowledgment(client_message_id="u2", conversation_id="c", queued=3))
    assert "queued" not in second.metadata


def test_seed_answers_still_match_first_in_first_out_after_ids_on_acknowledgments() -> None:
    """A server that echoes ids on acknowledgments only (our server before turn order) is
    matched in order, as before."""
    conv = make()
    questions(conv, "u1", "u2")
    feed(conv, Acknowledgment(client_message_id="u1"), Acknowledgment(client_message_id="u2"))
    feed(conv, StreamStart(stream_id="a"), StreamStart(stream_id="b"))
    assert [m.reply_to for m in assistant(conv)] == ["u1", "u2"]


# ------------------------------------------------------------------ linear appends


def test_a_100k_token_answer_joins_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    joins: list[int] = []
    real_join = conversation_module._join

    def counting_join(parts: Iterable[str]) -> str:
        text = real_join(parts)
        joins.append(len(text))
        return text

    monkeypatch.setattr(conversation_module, "_join", counting_join)
    conv = make()
    feed(conv, StreamStart(stream_id="s"))
    (reply,) = assistant(conv)
    for seq in range(1, 100_001):
        conv.apply(StreamToken(token="x", stream_id="s", seq=seq))
    assert joins == []  # appending never rebuilt the text
    assert len(reply._parts) == 100_000
    assert reply.content == "x" * 100_000
    assert joins == [100_000]
    assert reply.content == "x" * 100_000  # cached: no second join
    assert len(joins) == 1 and len(reply._parts) == 1  # compacted
    conv.apply(StreamComplete(stream_id="s"))
    assert len(joins) == 1


def test_reading_every_10k_tokens_costs_in_proportion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads between appends join only what is new plus one compacted part each time."""
    parts_joined: list[int] = []
    real_join = conversation_module._join

    def counting_join(parts: Iterable[str]) -> str:
        items = list(parts)
        parts_joined.append(len(items))
        return real_join(items)

    monkeypatch.setattr(conversation_module, "_join", counting_join)
    message = ChatMessage("m", "assistant", T0)
    for i in range(100_000):
        message._append("y")
        if i % 10_000 == 9_999:
            assert len(message.content) == i + 1
    # Each join saw the 10k new parts plus at most the one compacted part before them.
    assert parts_joined == [10_000] + [10_001] * 9


# ------------------------------------------------------------------ properties

token_lists = st.lists(st.text(max_size=3), max_size=25)


@settings(max_examples=300, deadline=None)
@given(words=token_lists, data=st.data())
def test_any_delivery_order_with_replays_gives_the_tokens_in_seq_order(
    words: list[str], data: st.DataObject
) -> None:
    """Tokens (with seq) delivered in any order, any number of times, with stream_start
    anywhere (or never), then completion, then a whole replay: one message, right text."""
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    conv.add_user_message("other", client_message_id="u2", queued=False)
    frames: list[ServerMessage] = [
        StreamToken(token=word, stream_id="s", seq=seq, conversation_id="c")
        for seq, word in enumerate(words, start=1)
    ]
    frames += data.draw(st.lists(st.sampled_from(frames), max_size=10)) if frames else []
    starts = data.draw(st.integers(0 if words else 1, 3))  # no tokens and no start: no answer
    frames += [StreamStart(stream_id="s", conversation_id="c")] * starts
    order = data.draw(st.permutations(frames))
    replay = [StreamStart(stream_id="s"), *order, StreamComplete(stream_id="s")]
    events = feed(conv, *order, StreamComplete(stream_id="s"), *replay)

    (reply,) = assistant(conv)
    assert reply.content == "".join(words)
    assert tokens(events) == "".join(words)
    assert finished(events) == [ReplyFinished(reply, "u1")]
    assert (reply.status, reply.is_streaming) == ("complete", False)
    assert conv.awaiting_reply == ["u2"]


@settings(max_examples=300, deadline=None)
@given(words=token_lists, data=st.data())
def test_drops_and_resumes_lose_and_double_nothing(words: list[str], data: st.DataObject) -> None:
    """The server streams in order; connections drop after any prefix; after each drop the
    client resumes (server continues after afterSeq) or the server replays from seq 1."""
    conv = make()
    conv.add_user_message("q", client_message_id="u1", queued=False)
    feed(conv, Acknowledgment(client_message_id="u1", conversation_id="c"))
    frames = [StreamToken(token=word, stream_id="s", seq=seq) for seq, word in enumerate(words, 1)]
    events = feed(conv, StreamStart(stream_id="s", conversation_id="c"))
    position = 0  # the next frame the server sends (0-based)
    for _ in range(data.draw(st.integers(0, 4))):
        delivered = data.draw(st.integers(position, len(frames)))
        events += feed(conv, *frames[position:delivered])
        assert conv.connection_lost(resumable=True) == []
        (action,) = conv.resume_actions()
        if data.draw(st.booleans(), label="replay from the start"):
            events += feed(conv, StreamStart(stream_id="s", conversation_id="c"))
            position = 0
        else:
            position = action.after_seq
    events += feed(conv, *frames[position:], StreamComplete(stream_id="s"))

    (reply,) = assistant(conv)
    assert reply.content == "".join(words)
    assert tokens(events) == "".join(words)
    assert finished(events) == [ReplyFinished(reply, "u1")]


stream_ids = st.sampled_from([None, "s1", "s2"])
seqs = st.one_of(st.none(), st.integers(min_value=-1, max_value=6))
small_text = st.text(alphabet="ab ", max_size=3)
any_frame = st.one_of(
    st.builds(Typing),
    st.builds(Complete),
    st.builds(
        Acknowledgment,
        client_message_id=st.sampled_from([None, "u1", "u2", "zz"]),
        conversation_id=st.sampled_from([None, "c"]),
    ),
    st.builds(AssistantMessage, content=small_text, message_id=st.sampled_from([None, "m1"])),
    st.builds(StreamStart, stream_id=stream_ids, message_id=st.sampled_from([None, "m2"])),
    st.builds(StreamToken, token=small_text, stream_id=stream_ids, seq=seqs),
    st.builds(StreamComplete, stream_id=stream_ids, metadata=st.just({"tokenCount": 1})),
    st.builds(StreamInterrupted, stream_id=stream_ids, partial_response=small_text),
    st.builds(
        ErrorMessage,
        code=st.sampled_from([None, "stream_not_found", "rate_limited"]),
        client_message_id=st.sampled_from([None, "u1"]),
        stream_id=stream_ids,
    ),
    st.builds(Suggestions, suggestions=st.lists(small_text, max_size=2)),
    st.builds(UnknownMessage, type=st.just("mystery")),
    st.just("lost"),
    st.just("lost-resumable"),
)


@settings(max_examples=400, deadline=None)
@given(frames=st.lists(any_frame, max_size=30))
def test_any_frame_sequence_keeps_the_state_consistent(
    frames: list[ServerMessage | UnknownMessage | str],
) -> None:
    conv = make()
    conv.add_user_message("1", client_message_id="u1", queued=False)
    conv.add_user_message("2", client_message_id="u2", queued=True)
    finished_ids: list[int] = []
    for frame in frames:
        if frame == "lost":
            events = conv.connection_lost(resumable=False)
        elif frame == "lost-resumable":
            events = conv.connection_lost(resumable=True)
        else:
            assert not isinstance(frame, str)
            events = conv.apply(frame)
        finished_ids += [id(e.message) for e in finished(events)]
        for event in events:
            if isinstance(event, TokenAppended):
                (owner,) = [m for m in conv.messages if m.id == event.message_id]
                assert owner.is_streaming
    answers = assistant(conv)
    # An answer finishes at most once, and only finished answers stop streaming.
    assert len(finished_ids) == len(set(finished_ids))
    for message in answers:
        assert message.is_streaming == (message.status == "streaming")
        assert message.is_streaming == (id(message) not in finished_ids)
    # One message per stream id, and the open streams are exactly the streaming messages.
    with_ids = [m.stream_id for m in answers if m.stream_id is not None]
    assert len(with_ids) == len(set(with_ids))
    assert conv.open_streams == [m for m in answers if m.is_streaming]
    assert conv.ignored >= sum(isinstance(f, UnknownMessage) for f in frames)
