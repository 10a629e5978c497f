"""The outbox and the user messages' statuses, driven as ``copilot.py`` drives them, against a
model of our server, as a Hypothesis state machine.

The client sends (bounded queue), writes what the outbox allows, and reads frames back; the
connection drops at any moment (frames on the wire both ways are lost), time passes. The
server processes each ``clientMessageId`` once (a resend is acknowledged again), refuses for
its rate limit (``retryAfter``) while its bucket is empty, and then the connection's later
messages too until the refused one is back (``CopilotSession._admit``), refuses for good a
message it cannot take, and its frames may arrive twice. After every step: the queue is
bounded, nothing is processed twice, no message overtakes an earlier one, a refused one is
never processed, and the statuses follow the frames. At the end, a stable connection and
enough time deliver every message that was not refused, each exactly once and in order, and
every user message is ``delivered`` (or ``failed``, for those refused).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from omnitrack_realtime.client.conversation import Conversation
from omnitrack_realtime.client.outbox import Outbox, OutboxItem
from omnitrack_realtime.errors import QueueFull
from omnitrack_realtime.protocol import Acknowledgment, ErrorMessage

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LIMIT = 5
RETRY_AFTER = 1.0


@dataclass(frozen=True)
class Reply:
    """A frame on its way back to the client."""

    kind: str  # "ack", "rate_limited" or "refused"
    cmid: str


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.outbox = Outbox(limit=LIMIT)
        counter = itertools.count(1)
        self.conv = Conversation(new_id=lambda: f"id{next(counter)}", clock=lambda: T0)
        self.now = 0.0
        self.put_order: list[str] = []
        self.unwanted: set[str] = set()  # messages the server refuses for good
        self.wire: list[OutboxItem] = []  # written on this connection, not read yet
        self.back: list[Reply] = []  # the server's frames, not read yet
        self.processed: list[str] = []
        self.refused: list[str] = []
        self.acknowledged: set[str] = set()  # acknowledgments the client has read
        self.conversation_known = False
        # The server's rate limit: a bucket of `tokens`, one more per second of `now`.
        self.tokens = 1.0
        # Messages this connection had refused for the rate limit, until each is admitted.
        self.held: list[str] = []
        self.hold_until = 0.0  # the latest retryAfter deadline the client was given

    # ------------------------------------------------------------------ the client

    @precondition(lambda self: len(self.put_order) < 12)
    @rule(unwanted=st.booleans())
    def send(self, unwanted: bool) -> None:
        cmid = f"m{len(self.put_order) + 1}"
        item = OutboxItem(
            f"message {cmid}".encode(), cmid, needs_conversation=not self.conversation_known
        )
        try:
            self.outbox.put(item)
        except QueueFull:
            assert len(self.outbox) == LIMIT
            return  # copilot.py raises before adding the user message: nothing is lost
        self.conv.add_user_message(cmid, client_message_id=cmid, queued=True)
        self.put_order.append(cmid)
        if unwanted and len(self.unwanted) < 2:
            self.unwanted.add(cmid)

    @precondition(lambda self: self.outbox.pending)
    @rule()
    def write(self) -> None:
        for item in self.outbox.sendable(conversation_known=self.conversation_known, now=self.now):
            # Refused for now: nothing is written again before the time the server named.
            assert self.now >= self.hold_until
            self.wire.append(item)
            self.outbox.written_without_ack(item)
            assert item.client_message_id is not None
            self.conv.mark_sent(item.client_message_id)

    @precondition(lambda self: self.back)
    @rule(twice=st.booleans())
    def client_reads(self, twice: bool) -> None:
        reply = self.back.pop(0)
        self.read(reply)
        if twice:
            self.read(reply)  # the same frame again (a replay)

    def read(self, reply: Reply) -> None:
        """What ``CopilotClient._on_frame`` does with the frame."""
        if reply.kind == "ack":
            self.outbox.acknowledged(reply.cmid)
            self.conv.apply(Acknowledgment(client_message_id=reply.cmid, conversation_id="c"))
            self.acknowledged.add(reply.cmid)
            if not self.conversation_known:
                self.conversation_known = True  # queued messages get the id (_fill_conversation)
                self.outbox.rewrite(
                    lambda item: (
                        item
                        if item.written or not item.needs_conversation
                        else OutboxItem(item.payload, item.client_message_id)
                    )
                )
        elif reply.kind == "rate_limited":
            if self.outbox.rate_limited(reply.cmid, self.now + RETRY_AFTER) is not None:
                self.conv.mark_queued(reply.cmid)
                self.hold_until = max(self.hold_until, self.now + RETRY_AFTER)
                return
            self.outbox.failed(reply.cmid)  # no longer queued: copilot.py fails it
            self.conv.apply(
                ErrorMessage(error="later", code="rate_limited", client_message_id=reply.cmid)
            )
        else:
            self.outbox.failed(reply.cmid)
            self.conv.apply(
                ErrorMessage(
                    error="too long", code="message_too_long", client_message_id=reply.cmid
                )
            )

    @precondition(lambda self: self.acknowledged)
    @rule(data=st.data())
    def an_old_acknowledgment_again(self, data: st.DataObject) -> None:
        """An acknowledgment the client already read arrives again (our server acknowledges
        every resend of a processed message)."""
        self.read(Reply("ack", data.draw(st.sampled_from(sorted(self.acknowledged)))))

    # ------------------------------------------------------------------ the server

    @precondition(lambda self: self.wire)
    @rule()
    def server_reads(self) -> None:
        item = self.wire.pop(0)
        cmid = item.client_message_id
        assert cmid is not None
        if cmid in self.processed:
            reply = Reply("ack", cmid)  # a resend: acknowledged again, not processed again
        elif cmid in self.unwanted:
            self.refused.append(cmid)
            reply = Reply("refused", cmid)
        elif (self.held and self.held[0] != cmid) or self.tokens < 1:
            # Refused for the rate limit, or behind one refused: it must not overtake it.
            if cmid not in self.held:
                self.held.append(cmid)
            reply = Reply("rate_limited", cmid)
        else:
            self.tokens -= 1
            if cmid in self.held:
                self.held.remove(cmid)
            self.processed.append(cmid)
            reply = Reply("ack", cmid)
        self.back.append(reply)

    @precondition(lambda self: self.tokens < 1 or self.outbox.held_until is not None)
    @rule(seconds=st.sampled_from([0.25, 0.5, 1.0, 2.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.tokens = min(2.0, self.tokens + seconds)

    @precondition(lambda self: self.wire or self.back)
    @rule()
    def drop(self) -> None:
        self.held = []  # a new connection, a new session
        self.wire.clear()
        self.back.clear()
        self.outbox.connection_lost()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def bounded_once_in_order(self) -> None:
        assert len(self.outbox) <= LIMIT
        assert len(self.processed) == len(set(self.processed))
        assert not set(self.processed) & set(self.refused)
        # Nothing overtakes: everything sent before a processed message was processed (or
        # refused for good) before it.
        done = set(self.processed) | set(self.refused)
        last = max((self.put_order.index(c) for c in self.processed), default=-1)
        assert set(self.put_order[: last + 1]) <= done, "a message overtook an earlier one"
        assert self.processed == [c for c in self.put_order if c in self.processed]
        if not self.conversation_known:  # one message may start the conversation
            starters = [i for i in self.outbox if i.written and i.needs_conversation]
            assert len(starters) <= 1

    @invariant()
    def statuses_follow_the_frames(self) -> None:
        users = {m.client_message_id: m for m in self.conv.messages if m.role == "user"}
        assert list(users) == self.put_order  # none lost, none doubled
        queued = {item.client_message_id for item in self.outbox}
        for cmid, message in users.items():
            if cmid in self.refused and cmid not in self.processed and cmid not in queued:
                assert message.status == "failed"
            elif cmid in self.acknowledged:
                assert message.status == "delivered"
                assert cmid not in queued  # acknowledged: it left the queue
            else:
                assert message.status in ("queued", "sent")
                assert cmid in queued  # not delivered: still queued, never dropped

    def teardown(self) -> None:
        """A stable connection and time: everything not refused is delivered."""
        for _ in range(100):
            if not len(self.outbox) and not self.wire and not self.back:
                break
            self.time_passes(2.0)
            self.write()
            while self.wire:
                self.server_reads()
            while self.back:
                self.client_reads(twice=False)
        assert len(self.outbox) == 0
        assert self.processed == [c for c in self.put_order if c not in self.refused]
        for message in self.conv.messages:
            if message.role != "user":
                continue
            expected = "failed" if message.client_message_id in self.refused else "delivered"
            assert message.status == expected
        self.bounded_once_in_order()
        self.statuses_follow_the_frames()


OutboxMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None, derandomize=True
)
test_outbox_machine = OutboxMachine.TestCase
