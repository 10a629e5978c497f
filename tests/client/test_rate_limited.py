"""A message refused for the server's rate limit is kept (pure parts: outbox and conversation)."""

from __future__ import annotations

from omnitrack_realtime.client.conversation import Conversation
from omnitrack_realtime.client.outbox import Outbox, OutboxItem


def msg(cid: str, *, new_conversation: bool = False) -> OutboxItem:
    return OutboxItem(f"message {cid}".encode(), cid, needs_conversation=new_conversation)


def written(outbox: Outbox, *, now: float, conversation_known: bool = True) -> list[str | None]:
    batch = outbox.sendable(conversation_known=conversation_known, now=now)
    for item in batch:
        outbox.written_without_ack(item)
    return [item.client_message_id for item in batch]


def test_rate_limited_message_goes_back_in_its_place_and_holds_the_outbox() -> None:
    outbox = Outbox()
    for cid in ("a", "b", "c"):
        outbox.put(msg(cid))
    assert written(outbox, now=0.0) == ["a", "b", "c"]
    outbox.put(msg("d"))
    item = outbox.rate_limited("b", until=10.0)
    assert item is not None and item.client_message_id == "b" and not item.written
    assert outbox.held_until == 10.0 and outbox.pending == 2  # b and d
    assert written(outbox, now=9.99) == []  # nothing overtakes it, not even d
    assert outbox.sendable(conversation_known=True) == []  # no time given: still held
    outbox.rate_limited("c", until=10.5)  # a later refusal extends the hold
    assert written(outbox, now=10.0) == []
    assert written(outbox, now=10.5) == ["b", "c", "d"]  # in their places, same ids
    assert outbox.held_until is None
    assert [i.client_message_id for i in outbox] == ["a", "b", "c", "d"]  # none delivered yet


def test_an_earlier_deadline_never_shortens_the_hold() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    outbox.put(msg("b"))
    written(outbox, now=0.0)
    outbox.rate_limited("a", until=5.0)
    outbox.rate_limited("b", until=2.0)
    assert outbox.held_until == 5.0
    assert written(outbox, now=4.0) == []
    assert written(outbox, now=5.0) == ["a", "b"]


def test_rate_limited_unknown_or_delivered_message_holds_nothing() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    written(outbox, now=0.0)
    outbox.acknowledged("a")
    assert outbox.rate_limited("a", until=5.0) is None
    assert outbox.rate_limited("never", until=5.0) is None
    assert outbox.held_until is None


def test_a_rate_limited_first_message_may_start_the_conversation_again() -> None:
    outbox = Outbox()
    outbox.put(msg("a", new_conversation=True))
    outbox.put(msg("b", new_conversation=True))
    assert written(outbox, now=0.0, conversation_known=False) == ["a"]  # the gate
    outbox.rate_limited("a", until=1.0)
    assert written(outbox, now=0.5, conversation_known=False) == []
    assert written(outbox, now=1.0, conversation_known=False) == ["a"]  # a again, b waits


def test_clear_ends_the_hold() -> None:
    outbox = Outbox()
    outbox.put(msg("a"))
    written(outbox, now=0.0)
    outbox.rate_limited("a", until=5.0)
    assert [i.client_message_id for i in outbox.clear()] == ["a"]
    assert outbox.held_until is None


def test_conversation_requeues_a_sent_message_until_it_is_written_again() -> None:
    conversation = Conversation()
    message = conversation.add_user_message("hi", client_message_id="c1", queued=False)
    assert message.status == "sent"
    conversation.mark_queued("c1")
    assert message.status == "queued"
    conversation.mark_sent("c1")
    assert message.status == "sent"
    conversation.mark_delivered("c1")
    conversation.mark_queued("c1")  # delivered stays delivered
    assert message.status == "delivered"
    conversation.mark_queued("unknown")  # harmless
