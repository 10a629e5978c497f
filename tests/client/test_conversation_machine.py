"""The conversation reducer against a model server, as a Hypothesis state machine.

Two servers are modelled. Ours names the message every answer is for (``clientMessageId``),
numbers tokens (``streamId``/``seq``) and may do anything the wire allows: acknowledge twice,
start answers in any order and several at once, duplicate and swap tokens, replay a whole
answer (a resend), lose the connection (resumable or not) while it goes on producing, refuse
a resume, cancel a turn before it began. A seed server names nothing and answers one message
at a time, in order. Between them, the client sends, writes and is rate limited at any moment.

After every step: no user message is lost or duplicated and each has the status its frames
gave it; every answer is attached to the question the server answered (in the order they
opened), with exactly the text the client received; only open answers stream. At the end, a
stable connection answers everything: nothing streams, nothing waits, every acknowledged
message is delivered.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from omnitrack_realtime.client.conversation import (
    INTERRUPTED_MARKER,
    Conversation,
    ConversationEvent,
    ReplyFinished,
)
from omnitrack_realtime.protocol import (
    Acknowledgment,
    AssistantMessage,
    ErrorMessage,
    Pong,
    ServerMessage,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    Suggestions,
    Typing,
    UnknownMessage,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CONVERSATION = "conv-1"
WORDS = ["a", "b ", "c", " d", "ef", "g"]


@dataclass
class Turn:
    """One answer as the model server produces it and the client should show it."""

    cmid: str
    stream_id: str | None
    words: list[str]
    produced: int = 0  # tokens the server has produced
    delivered: int = 0  # tokens the client has applied (in seq order, no gap)
    held: set[int] = field(default_factory=set)  # seqs delivered early, waiting for a gap
    ended: str | None = None  # server side: "complete" or "interrupted"
    shown: str | None = None  # what the client shows: None (streaming), "complete", ...
    partial: int = 0  # tokens in the stream_interrupted's partialResponse
    message_id: str | None = None  # a whole (non-streamed) answer's stored id

    def text(self, count: int) -> str:
        return "".join(self.words[:count])


class ConversationMachine(RuleBasedStateMachine):
    """The reducer (``self.conv``) and, beside it, what it should show (the model)."""

    def __init__(self) -> None:
        super().__init__()
        counter = itertools.count(1)
        self.conv = Conversation(new_id=lambda: f"id{next(counter)}", clock=lambda: T0)
        self.named = True
        self.connected = True
        self.sent: list[str] = []  # clientMessageIds, in sending order
        self.status: dict[str, str] = {}  # the user messages' expected status
        self.queued_ahead: dict[str, int] = {}  # the last `queued` acknowledged
        self.turns: dict[str, Turn] = {}  # by clientMessageId, once started
        self.refused: set[str] = set()
        self.replies: list[str | None] = []  # expected reply_to of each answer, in order
        self.expected: list[Turn | None] = []  # per answer: its turn (None: an apology)
        self.finished: list[int] = []  # id() of every message a ReplyFinished carried
        self.words = itertools.cycle(WORDS)
        # Whether the client has seen the server name a message (an acknowledgment or answer).
        self.names_seen = False

    # ------------------------------------------------------------------ helpers

    def apply(self, *frames: ServerMessage | UnknownMessage) -> None:
        for frame in frames:
            self.record(self.conv.apply(frame))

    def record(self, events: list[ConversationEvent]) -> None:
        for event in events:
            if isinstance(event, ReplyFinished):
                self.finished.append(id(event.message))

    def awaiting(self) -> list[str]:
        return [
            c
            for c in self.sent
            if c not in self.turns and c not in self.refused and self.status[c] != "failed"
        ]

    def open_turns(self) -> list[Turn]:
        return [t for t in self.turns.values() if t.shown is None]

    def token(self, turn: Turn, seq: int) -> StreamToken:
        if not self.named:
            return StreamToken(token=turn.words[seq - 1])
        return StreamToken(
            token=turn.words[seq - 1], stream_id=turn.stream_id, seq=seq, conversation_id=None
        )

    def deliver_token(self, turn: Turn, seq: int) -> None:
        """The client receives token ``seq`` (maybe again, maybe early)."""
        self.apply(self.token(turn, seq))
        if turn.shown is not None:
            return  # an ended answer takes no more text
        if seq == turn.delivered + 1:
            turn.delivered = seq
            while turn.delivered + 1 in turn.held:
                turn.held.discard(turn.delivered + 1)
                turn.delivered += 1
        elif seq > turn.delivered + 1:
            turn.held.add(seq)

    def whole(self, turn: Turn) -> AssistantMessage:
        return AssistantMessage(
            content=turn.text(turn.produced),
            conversation_id=CONVERSATION,
            message_id=turn.message_id,
            client_message_id=turn.cmid if self.named else None,
        )

    def end_frame(self, turn: Turn) -> ServerMessage:
        named = {"stream_id": turn.stream_id, "client_message_id": turn.cmid} if self.named else {}
        if turn.ended == "complete":
            return StreamComplete(metadata={"tokenCount": turn.produced}, **named)
        return StreamInterrupted(
            error="Cancelled", partial_response=turn.text(turn.produced), **named
        )

    def deliver_end(self, turn: Turn) -> None:
        self.apply(self.end_frame(turn))
        if turn.shown is not None:
            return
        # Held tokens are flushed at the end; with no gap left that is everything produced.
        if turn.ended == "complete":
            turn.delivered = max([turn.delivered, *turn.held])
            turn.held.clear()
            turn.shown = "complete"
        else:
            turn.partial = turn.produced
            turn.shown = "interrupted"

    # ------------------------------------------------------------------ setup

    @initialize(named=st.booleans())
    def choose_server(self, named: bool) -> None:
        self.named = named

    # ------------------------------------------------------------------ what may happen now

    def with_status(self, status: str) -> list[str]:
        return [c for c in self.sent if self.status[c] == status]

    def ackable(self) -> list[str]:
        if not self.connected:
            return []
        if not self.named:  # a seed server acknowledges in order, without ids
            return self.with_status("sent")[:1]
        return [c for c in self.sent if self.status[c] in ("sent", "delivered")]

    def refusable(self) -> list[str]:
        if not (self.named and self.connected):
            return []
        return [c for c in self.awaiting() if self.status[c] == "sent"]

    def startable(self) -> list[str]:
        if not self.connected:
            return []
        delivered = [c for c in self.awaiting() if self.status[c] == "delivered"]
        if self.named:
            return delivered  # any order, several at once: the names must still hold
        if self.open_turns() or not delivered:
            return []
        return [delivered[0]] if delivered[0] == self.awaiting()[0] else []

    def running(self) -> list[Turn]:
        return [t for t in self.turns.values() if t.ended is None]

    # ------------------------------------------------------------------ client side

    @precondition(lambda self: len(self.sent) < 6)  # later steps go to the answers
    @rule(written=st.booleans(), acknowledged=st.booleans())
    def send(self, written: bool, acknowledged: bool) -> None:
        cmid = f"u{len(self.sent) + 1}"
        self.conv.add_user_message(cmid, client_message_id=cmid, queued=not written)
        self.sent.append(cmid)
        self.status[cmid] = "sent" if written else "queued"
        if written and acknowledged and cmid in self.ackable():
            self.acknowledge_one(cmid, None)

    @precondition(lambda self: self.with_status("queued"))
    @rule()
    def write_oldest_queued(self) -> None:
        cmid = self.with_status("queued")[0]
        self.conv.mark_sent(cmid)
        self.status[cmid] = "sent"

    @precondition(lambda self: self.named and self.connected and self.with_status("sent"))
    @rule(data=st.data())
    def rate_limited(self, data: st.DataObject) -> None:
        """The server refused a written message for now: the client queues it again (the
        error itself never reaches the reducer: copilot.py keeps it)."""
        cmid = data.draw(st.sampled_from(self.with_status("sent")))
        self.conv.mark_queued(cmid)
        self.status[cmid] = "queued"

    # ------------------------------------------------------------------ server: intake

    def acknowledge_one(self, cmid: str, queued: int | None) -> None:
        if self.named:
            self.apply(
                Acknowledgment(conversation_id=CONVERSATION, client_message_id=cmid, queued=queued)
            )
            self.names_seen = True
            if queued and cmid in self.awaiting():
                self.queued_ahead[cmid] = queued
        else:
            self.apply(Acknowledgment(message="Message received"))
        self.status[cmid] = "delivered"

    @precondition(lambda self: self.ackable())
    @rule(data=st.data(), queued=st.sampled_from([None, 1, 2]))
    def acknowledge(self, data: st.DataObject, queued: int | None) -> None:
        """An acknowledgment (ours: of any message written, maybe again, maybe queued)."""
        self.acknowledge_one(data.draw(st.sampled_from(self.ackable())), queued)

    @precondition(lambda self: self.refusable())
    @rule(data=st.data())
    def refuse(self, data: st.DataObject) -> None:
        """A message refused for good (too long): an error naming it, the apology answers it."""
        cmid = data.draw(st.sampled_from(self.refusable()))
        self.apply(ErrorMessage(error="too long", code="message_too_long", client_message_id=cmid))
        self.refused.add(cmid)
        self.status[cmid] = "failed"
        self.queued_ahead.pop(cmid, None)
        self.replies.append(cmid)
        self.expected.append(None)

    # ------------------------------------------------------------------ server: answers

    @precondition(lambda self: self.startable())
    @rule(
        data=st.data(),
        how=st.sampled_from(["stream", "stream", "stream", "whole", "cancelled", "bare-cancel"]),
        newest=st.booleans(),
    )
    def start(self, data: st.DataObject, how: str, newest: bool) -> None:
        startable = self.startable()
        cmid = startable[-1] if newest else data.draw(st.sampled_from(startable))
        turn = Turn(
            cmid,
            f"s-{cmid}" if self.named else None,
            [next(self.words) for _ in range(data.draw(st.integers(0, 4)))],
        )
        self.turns[cmid] = turn
        self.queued_ahead.pop(cmid, None)
        self.replies.append(cmid)
        self.expected.append(turn)
        named = {"client_message_id": cmid} if self.named else {}
        self.names_seen = self.names_seen or self.named
        if how == "whole":
            turn.stream_id = None
            turn.message_id = f"m-{cmid}" if self.named else None
            turn.produced = turn.delivered = len(turn.words)
            turn.ended = turn.shown = "complete"
            self.apply(self.whole(turn))
            return
        if how == "bare-cancel" and self.named:
            # A queued turn cancelled before it began: our server opens it first, another
            # server may not; the interruption alone must still answer its question.
            self.apply(StreamInterrupted(error="Cancelled", stream_id=turn.stream_id, **named))
            turn.ended = turn.shown = "interrupted"
            return
        self.apply(StreamStart(stream_id=turn.stream_id, conversation_id=CONVERSATION, **named))
        if how in ("cancelled", "bare-cancel"):
            turn.ended = "interrupted"
            self.deliver_end(turn)

    @precondition(lambda self: self.running())
    @rule(data=st.data(), again=st.booleans(), swapped=st.booleans())
    def produce(self, data: st.DataObject, again: bool, swapped: bool) -> None:
        """The server produces a token (delivered when connected), or repeats one it sent."""
        turn = data.draw(st.sampled_from(self.running()))
        if again and self.named and self.connected and turn.produced:
            self.deliver_token(turn, data.draw(st.integers(1, turn.produced)))
            return
        if turn.produced >= len(turn.words):
            return
        if swapped and self.named and self.connected and turn.produced + 2 <= len(turn.words):
            turn.produced += 2  # the second arrives first: held until the first fills the gap
            self.deliver_token(turn, turn.produced)
            self.deliver_token(turn, turn.produced - 1)
            return
        turn.produced += 1
        if self.connected:
            self.deliver_token(turn, turn.produced)

    @precondition(lambda self: self.running())
    @rule(data=st.data(), complete=st.booleans())
    def end(self, data: st.DataObject, complete: bool) -> None:
        turn = data.draw(st.sampled_from(self.running()))
        if complete:
            while turn.produced < len(turn.words):  # the rest of the answer first
                turn.produced += 1
                if self.connected:
                    self.deliver_token(turn, turn.produced)
        turn.ended = "complete" if complete else "interrupted"
        if self.connected:
            self.deliver_end(turn)

    @precondition(lambda self: self.named and self.connected and self.turns)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """A resend of an answered message: acknowledgment, then the whole answer again."""
        turn = data.draw(st.sampled_from(list(self.turns.values())))
        self.apply(
            Acknowledgment(
                message="Message already received.",
                conversation_id=CONVERSATION,
                client_message_id=turn.cmid,
            )
        )
        if turn.message_id is not None:
            self.apply(self.whole(turn))  # the stored message, by its id
            return
        self.apply(
            StreamStart(
                stream_id=turn.stream_id,
                conversation_id=CONVERSATION,
                client_message_id=turn.cmid,
            )
        )
        for seq in range(1, turn.produced + 1):
            self.deliver_token(turn, seq)
        if turn.ended is not None:
            self.deliver_end(turn)

    # Frames between answers; once the client has sent all it will, also what is left to do.
    @precondition(lambda self: self.connected and (self.open_turns() or len(self.sent) >= 6))
    @rule(frame=st.sampled_from(["typing", "suggestions", "pong", "unknown", "stray"]))
    def noise(self, frame: str) -> None:
        if frame == "typing":
            self.apply(Typing(conversation_id=CONVERSATION))
        elif frame == "suggestions":
            self.apply(Suggestions(suggestions=["next"], conversation_id=CONVERSATION))
        elif frame == "pong":
            self.apply(Pong())
        elif frame == "unknown":
            self.apply(UnknownMessage(type="mystery"))
        elif self.named and self.names_seen:
            # An error about no message: our server names the ones about messages, so this
            # one answers no question and cuts no answer (once the client knows the server
            # names messages; before that it cannot tell it from a seed server's).
            self.apply(ErrorMessage(error="Internal server error", code="internal_error"))
            self.replies.append(None)
            self.expected.append(None)

    # ------------------------------------------------------------------ the connection

    @precondition(lambda self: self.named and self.connected and self.open_turns())
    @rule(resumable=st.booleans())
    def drop(self, resumable: bool) -> None:
        self.record(self.conv.connection_lost(resumable=resumable))
        self.connected = False
        for turn in self.open_turns():
            if not resumable:
                turn.held.clear()  # shown as they are, gap and all
                turn.shown = "dropped"

    @precondition(lambda self: not self.connected)
    @rule(data=st.data())
    def reconnect(self, data: st.DataObject) -> None:
        self.connected = True
        actions = {a.stream_id: a for a in self.conv.resume_actions()}
        open_turns = self.open_turns()
        assert set(actions) == {t.stream_id for t in open_turns}
        for turn in open_turns:
            assert actions[turn.stream_id].after_seq == turn.delivered
            if data.draw(st.booleans(), label="the server lost the stream"):
                self.apply(
                    ErrorMessage(
                        error="Stream not found",
                        code="stream_not_found",
                        conversation_id=CONVERSATION,
                        stream_id=turn.stream_id,
                    )
                )
                turn.held.clear()
                turn.shown = "dropped"
                continue
            for seq in range(turn.delivered + 1, turn.produced + 1):
                self.deliver_token(turn, seq)
            if turn.ended is not None:
                self.deliver_end(turn)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def no_user_message_lost_or_doubled(self) -> None:
        users = [m for m in self.conv.messages if m.role == "user"]
        assert [m.client_message_id for m in users] == self.sent
        assert [m.status for m in users] == [self.status[c] for c in self.sent]

    @invariant()
    def answers_attach_to_their_questions(self) -> None:
        answers = [m for m in self.conv.messages if m.role == "assistant"]
        assert [m.reply_to for m in answers] == self.replies
        for message, turn in zip(answers, self.expected, strict=True):
            assert message.is_streaming == (message.status == "streaming")
            if turn is None:
                assert message.status == "error"
                continue
            assert message.content == self.shown_text(turn), turn
            assert (
                message.status
                == {
                    None: "streaming",
                    "complete": "complete",
                    "interrupted": "interrupted",
                    "dropped": "interrupted",
                }[turn.shown]
            )

    def shown_text(self, turn: Turn) -> str:
        if turn.shown == "interrupted":
            delivered = turn.delivered + len(turn.held)
            return turn.text(max(turn.partial, delivered)) + INTERRUPTED_MARKER
        if turn.shown == "dropped":
            return turn.text(turn.delivered) + INTERRUPTED_MARKER
        return turn.text(turn.delivered)

    @invariant()
    def only_open_answers_stream_and_each_ends_once(self) -> None:
        streaming = [m for m in self.conv.messages if m.is_streaming]
        assert self.conv.open_streams == streaming
        assert len(self.finished) == len(set(self.finished))
        assert self.conv.awaiting_reply == self.awaiting()
        for message in self.conv.messages:
            cmid = message.client_message_id
            if message.role == "user" and cmid is not None and "queued" in message.metadata:
                assert cmid in self.awaiting()
                assert message.metadata["queued"] == self.queued_ahead[cmid]

    def teardown(self) -> None:
        """A stable connection answers everything that is left."""
        if not self.connected:
            self.reconnect_all()
        for cmid in self.sent:
            if self.status[cmid] == "queued":
                self.conv.mark_sent(cmid)
                self.status[cmid] = "sent"
        for cmid in self.sent:
            if self.status[cmid] == "sent":
                if self.named:
                    self.apply(Acknowledgment(conversation_id=CONVERSATION, client_message_id=cmid))
                else:
                    self.apply(Acknowledgment(message="Message received"))
                self.status[cmid] = "delivered"
        for turn in self.open_turns():
            if turn.ended is None:
                turn.ended = "complete"
                turn.produced = len(turn.words)
            for seq in range(turn.delivered + 1, turn.produced + 1):
                self.deliver_token(turn, seq)
            self.deliver_end(turn)
        for cmid in self.awaiting():
            turn = Turn(cmid, f"s-{cmid}" if self.named else None, ["x", "y"])
            self.turns[cmid] = turn
            self.replies.append(cmid)
            self.expected.append(turn)
            named = {"client_message_id": cmid} if self.named else {}
            self.apply(StreamStart(stream_id=turn.stream_id, **named))
            turn.produced = 2
            self.deliver_token(turn, 1)
            self.deliver_token(turn, 2)
            turn.ended = "complete"
            self.deliver_end(turn)
        self.no_user_message_lost_or_doubled()
        self.answers_attach_to_their_questions()
        self.only_open_answers_stream_and_each_ends_once()
        assert not any(m.is_streaming for m in self.conv.messages)
        assert self.conv.awaiting_reply == [] and self.conv.open_streams == []
        for cmid in self.sent:  # every message acknowledged is delivered (or was refused)
            assert self.status[cmid] in ("delivered", "failed")
        answered = [r for r in self.replies if r is not None]
        assert sorted(answered) == sorted(self.sent)  # one answer per question

    def reconnect_all(self) -> None:
        self.connected = True
        for turn in self.open_turns():
            for seq in range(turn.delivered + 1, turn.produced + 1):
                self.deliver_token(turn, seq)
            if turn.ended is not None:
                self.deliver_end(turn)


ConversationMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, derandomize=True
)
test_conversation_machine = ConversationMachine.TestCase
