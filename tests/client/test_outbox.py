"""Outbox: order, bounds, acknowledgment modes, resend after loss, one in flight while the
conversation is unknown (protocol.md, "delivery guarantees")."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from omnitrack_realtime.client.outbox import AckMode, Outbox, OutboxItem
from omnitrack_realtime.errors import ConfigurationError, QueueFull


def msg(cid: str, *, new_conversation: bool = False) -> OutboxItem:
    return OutboxItem(f"message {cid}".encode(), cid, needs_conversation=new_conversation)


def ping() -> OutboxItem:
    return OutboxItem(b'{"action":"ping"}', None)


def write_all(outbox: Outbox, *, conversation_known: bool = True) -> list[OutboxItem]:
    """What the driver does when open: write what is sendable, then report each write."""
    batch = outbox.sendable(conversation_known=conversation_known)
    for item in batch:
        assert item.written
        outbox.written_without_ack(item)
    return batch


def ids(items: list[OutboxItem]) -> list[str | None]:
    return [item.client_message_id for item in items]


def test_items_come_out_in_put_order() -> None:
    outbox = Outbox()
    for cid in "abc":
        outbox.put(msg(cid))
    assert ids(outbox.sendable(conversation_known=True)) == ["a", "b", "c"]
    assert outbox.sendable(conversation_known=True) == []  # already written
    assert len(outbox) == 3 and outbox.in_flight == 3 and outbox.pending == 0


def test_queue_full_raises_and_keeps_everything() -> None:
    outbox = Outbox(limit=2)
    outbox.put(msg("a"))
    outbox.put(msg("b"))
    with pytest.raises(QueueFull) as caught:
        outbox.put(msg("c"))
    assert caught.value.limit == 2
    assert "full (2 messages)" in str(caught.value)
    assert ids(list(outbox)) == ["a", "b"]


def test_in_flight_items_count_against_the_limit_until_delivered() -> None:
    outbox = Outbox(limit=1)
    outbox.put(msg("a"))
    write_all(outbox)
    with pytest.raises(QueueFull):
        outbox.put(msg("b"))
    outbox.acknowledged("a")
    outbox.put(msg("b"))


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_limit_must_be_a_positive_int(limit: object) -> None:
    with pytest.raises(ConfigurationError):
        Outbox(limit=limit)  # type: ignore[arg-type]


def test_putting_the_same_id_twice_is_a_bug() -> None:
    outbox = Outbox()
    item = msg("a")
    outbox.put(item)
    with pytest.raises(ValueError):
        outbox.put(item)
    with pytest.raises(ValueError):
        outbox.put(msg("a"))
    assert len(outbox) == 1


def test_frames_without_an_id_leave_once_written() -> None:
    outbox = Outbox()
    outbox.put(ping())
    outbox.put(msg("a"))
    outbox.put(ping())
    written = write_all(outbox)
    assert ids(written) == [None, "a", None]
    assert ids(list(outbox)) == ["a"]  # the message waits for its acknowledgment
    assert outbox.mode is AckMode.UNKNOWN


def test_acknowledgment_with_id_removes_that_item_and_sets_acking() -> None:
    outbox = Outbox()
    for cid in "abc":
        outbox.put(msg(cid))
    write_all(outbox)
    left = outbox.acknowledged("b")
    assert left is not None and left.client_message_id == "b"
    assert outbox.mode is AckMode.ACKING
    assert ids(list(outbox)) == ["a", "c"]
    assert outbox.acknowledged("b") is None  # a duplicate acknowledgment (a replay)
    assert outbox.acknowledged("unknown") is None


def test_acking_mode_keeps_written_messages_until_acknowledged() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    write_all(outbox)
    outbox.acknowledged("a")
    outbox.put(msg("b"))
    write_all(outbox)
    assert ids(list(outbox)) == ["b"]
    # An id-less acknowledgment from a server that echoes ids says nothing about ours.
    assert outbox.acknowledged(None) is None
    assert outbox.mode is AckMode.ACKING
    assert ids(list(outbox)) == ["b"]


def test_seed_server_first_idless_ack_removes_oldest_written_then_written_is_delivered() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    outbox.put(msg("b"))
    write_all(outbox)
    assert len(outbox) == 2  # mode unknown: kept until acknowledged
    left = outbox.acknowledged(None)
    assert left is not None and left.client_message_id == "a"
    assert outbox.mode is AckMode.SEED
    # "b" was written before the mode was known: its own acknowledgment removes it.
    assert ids(list(outbox)) == ["b"]
    assert ids([outbox.acknowledged(None)]) == ["b"]  # type: ignore[list-item]
    # From now on written counts as delivered.
    outbox.put(msg("c"))
    write_all(outbox)
    assert len(outbox) == 0
    assert outbox.acknowledged(None) is None


def test_idless_ack_with_nothing_written_returns_none() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    assert outbox.acknowledged(None) is None
    assert outbox.mode is AckMode.SEED
    assert len(outbox) == 1  # never written: still to send


def test_connection_lost_requeues_written_unacknowledged_in_order() -> None:
    outbox = Outbox()
    for cid in "abcd":
        outbox.put(msg(cid))
    write_all(outbox)
    outbox.acknowledged("b")
    assert outbox.connection_lost() == 3
    assert outbox.in_flight == 0 and outbox.pending == 3
    outbox.put(msg("e"))
    resent = outbox.sendable(conversation_known=True)
    assert ids(resent) == ["a", "c", "d", "e"]
    # Same payload and id: the server dedupes the resend.
    assert [item.payload for item in resent[:3]] == [b"message a", b"message c", b"message d"]


def test_connection_lost_with_nothing_written() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    assert outbox.connection_lost() == 0


def test_seed_mode_connection_lost_resends_only_what_was_never_acknowledged() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    write_all(outbox)
    outbox.acknowledged(None)  # seed
    outbox.put(msg("b"))
    outbox.put(msg("c"))
    assert outbox.connection_lost() == 0  # nothing written since: nothing to resend
    assert ids(write_all(outbox)) == ["b", "c"]
    assert len(outbox) == 0


def test_failed_removes_the_refused_message() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    outbox.put(msg("b"))
    write_all(outbox)
    left = outbox.failed("a")
    assert left is not None and left.client_message_id == "a"
    assert outbox.failed("a") is None
    assert ids(list(outbox)) == ["b"]


def test_one_conversation_starter_in_flight_while_conversation_unknown() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(ping())
    outbox.put(msg("b", new_conversation=True))
    assert ids(write_all(outbox, conversation_known=False)) == ["a"]
    # Nothing after it, not even the ping, until it is acknowledged: order is kept.
    assert outbox.sendable(conversation_known=False) == []
    outbox.acknowledged("a")
    assert ids(write_all(outbox, conversation_known=False)) == [None, "b"]
    assert outbox.sendable(conversation_known=False) == []


def test_known_conversation_opens_the_gate() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    assert ids(write_all(outbox, conversation_known=False)) == ["a"]
    # A seed server: the conversation id arrives with the answer, not the acknowledgment.
    assert ids(write_all(outbox, conversation_known=True)) == ["b"]


def test_items_before_the_starter_are_written_with_it() -> None:
    outbox = Outbox()
    outbox.put(ping())
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    assert ids(outbox.sendable(conversation_known=False)) == [None, "a"]


def test_refused_starter_opens_the_gate() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    write_all(outbox, conversation_known=False)
    outbox.failed("a")
    assert ids(write_all(outbox, conversation_known=False)) == ["b"]


def test_lost_connection_resends_the_starter_first_and_alone() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    write_all(outbox, conversation_known=False)
    assert outbox.connection_lost() == 1
    assert ids(write_all(outbox, conversation_known=False)) == ["a"]
    assert outbox.sendable(conversation_known=False) == []


def test_rewrite_fills_in_the_conversation_and_keeps_place() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    outbox.put(ping())
    write_all(outbox, conversation_known=False)

    def fill(item: OutboxItem) -> OutboxItem | None:
        if not item.needs_conversation or item.written:
            return item
        return dataclasses.replace(item, payload=item.payload + b" in c1", needs_conversation=False)

    outbox.rewrite(fill)
    # Still unknown as far as the driver says, but "b" no longer needs it.
    written = write_all(outbox, conversation_known=False)
    assert written == []  # the gate still holds for "a" until acknowledged
    outbox.acknowledged("a")
    written = write_all(outbox, conversation_known=False)
    assert [item.payload for item in written] == [b"message b in c1", b'{"action":"ping"}']
    assert outbox.acknowledged("b") is not None  # the replacement is indexed by its id
    assert len(outbox) == 0


def test_rewrite_can_drop_items() -> None:
    outbox = Outbox()
    for cid in "abc":
        outbox.put(msg(cid))
    outbox.rewrite(lambda item: None if item.client_message_id == "b" else item)
    assert ids(list(outbox)) == ["a", "c"]
    assert outbox.failed("b") is None
    outbox.put(msg("b"))  # the id is free again
    assert ids(list(outbox)) == ["a", "c", "b"]


def test_clear_returns_what_was_never_delivered() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    outbox.put(msg("b"))
    write_all(outbox)
    assert ids(outbox.clear()) == ["a", "b"]
    assert len(outbox) == 0
    outbox.put(msg("a"))  # ids are free again


def test_put_resets_the_written_flag() -> None:
    outbox = Outbox()
    item = OutboxItem(b"x", "a", written=True)
    outbox.put(item)
    assert ids(outbox.sendable(conversation_known=True)) == ["a"]


def test_effectively_once_across_repeated_drops() -> None:
    """The driver's loop over several drops: every message is written until acknowledged,
    each acknowledged exactly once, in order."""
    outbox = Outbox()
    sent: list[str | None] = []
    for cid in "abcdef":
        outbox.put(msg(cid))
    acked: list[str] = []
    for round_ in range(4):
        written = write_all(outbox)
        sent += ids(written)
        # The server acknowledges the first message it got in this connection, then drops.
        if written:
            first = written[0].client_message_id
            assert first is not None
            assert outbox.acknowledged(first) is not None
            acked.append(first)
        outbox.connection_lost()
        assert len(outbox) == 6 - round_ - 1
    assert acked == ["a", "b", "c", "d"]
    assert ids(list(outbox)) == ["e", "f"]


def test_seed_server_starters_go_one_per_acknowledgment_then_as_written() -> None:
    """A seed server's first id-less acknowledgment opens the gate; from then on written
    counts as delivered, so nothing is in flight to wait for (the seed's own behaviour)."""
    outbox = Outbox()
    for cid in "abc":
        outbox.put(msg(cid, new_conversation=True))
    assert ids(write_all(outbox, conversation_known=False)) == ["a"]
    assert outbox.sendable(conversation_known=False) == []
    outbox.acknowledged(None)
    assert outbox.mode is AckMode.SEED
    assert ids(write_all(outbox, conversation_known=False)) == ["b"]
    assert ids(write_all(outbox, conversation_known=False)) == ["c"]
    assert len(outbox) == 0


# ------------------------------------------------------------------ a model of the whole loop


class DeliveryModel(RuleBasedStateMachine):
    """The outbox driven as the io layer drives it, against a model of an acknowledging server
    that dedupes by clientMessageId, with drops at any moment: every message is processed
    exactly once, in order, and one session's messages land in one conversation."""

    def __init__(self) -> None:
        super().__init__()
        self.outbox = Outbox(limit=8)
        self.put_order: list[str] = []
        self.counter = 0
        self.wire: list[OutboxItem] = []  # written to the current connection, unprocessed
        self.acks: list[str] = []  # acknowledgments on their way back
        self.processed: list[str] = []
        self.conversations = 0  # conversations the server created
        self.client_knows = False

    @rule(starter=st.booleans())
    def send(self, starter: bool) -> None:
        cid = f"m{self.counter}"
        self.counter += 1
        needs = starter and not self.client_knows
        try:
            self.outbox.put(msg(cid, new_conversation=needs))
        except QueueFull:
            return
        self.put_order.append(cid)

    @rule()
    def send_ping(self) -> None:
        with contextlib.suppress(QueueFull):
            self.outbox.put(ping())

    @rule()
    def write(self) -> None:
        for item in self.outbox.sendable(conversation_known=self.client_knows):
            self.wire.append(item)
            self.outbox.written_without_ack(item)

    @rule()
    def server_processes_one(self) -> None:
        if not self.wire:
            return
        item = self.wire.pop(0)
        cid = item.client_message_id
        if cid is None:
            return
        if cid not in self.processed:
            self.processed.append(cid)
            if item.needs_conversation and self.conversations == 0:
                self.conversations += 1
            elif item.needs_conversation:
                self.conversations += 1  # a second conversation: the invariant below fails
        self.acks.append(cid)

    @rule()
    def client_receives_one_ack(self) -> None:
        if not self.acks:
            return
        cid = self.acks.pop(0)
        self.outbox.acknowledged(cid)
        if not self.client_knows:
            self.client_knows = True  # our acknowledgments carry the conversationId
            self.outbox.rewrite(
                lambda item: (
                    item if item.written else dataclasses.replace(item, needs_conversation=False)
                )
            )

    @rule()
    def drop(self) -> None:
        self.wire.clear()
        self.acks.clear()
        self.outbox.connection_lost()

    @invariant()
    def bounded_ordered_one_conversation(self) -> None:
        assert len(self.outbox) <= 8
        assert self.conversations <= 1
        assert self.processed == self.put_order[: len(self.processed)]
        if not self.client_knows:
            starters = [i for i in self.outbox if i.written and i.needs_conversation]
            assert len(starters) <= 1

    def teardown(self) -> None:
        # Whatever happened, a stable connection delivers the rest, each exactly once.
        for _ in range(100):
            if len(self.outbox) == 0:
                break
            self.write()
            while self.wire:
                self.server_processes_one()
            while self.acks:
                self.client_receives_one_ack()
        assert len(self.outbox) == 0
        assert self.processed == self.put_order


DeliveryModel.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_delivery_model = DeliveryModel.TestCase
