"""The pure stream registry and event log: replay, live following, retention, numbering."""

from __future__ import annotations

from omnitrack_realtime.protocol import (
    AssistantMessage,
    Complete,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    Suggestions,
)
from omnitrack_realtime.server.eventlog import EventLogs
from omnitrack_realtime.server.streams import Stream, StreamRegistry, StreamState


class Sink:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.frames.append(data)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _stream(streaming: bool = True) -> Stream:
    return Stream(stream_id="s1", user_id="u", conversation_id="c", streaming=streaming)


def test_a_stream_numbers_its_tokens_and_ends_with_merged_metadata() -> None:
    stream = _stream()
    assert stream.begin({"intent": "i", "confidence": 0.5}, 1) == [stream.start_frame()]
    frames = [stream.add_token(text, 2)[0] for text in ("a", " b")]
    assert [(f.seq, f.token) for f in frames if isinstance(f, StreamToken)] == [(1, "a"), (2, " b")]
    end = stream.complete({"actionSuccess": True}, ["next"], 3, now=5.0)
    assert [type(frame) for frame in end] == [StreamComplete, Suggestions]
    complete = end[0]
    assert isinstance(complete, StreamComplete)
    assert complete.metadata == {
        "intent": "i",
        "confidence": 0.5,
        "actionSuccess": True,
        "tokenCount": 2,
        "suggestions": ["next"],  # also in the closing metadata (extension)
    }
    assert stream.text == "a b" and stream.state is StreamState.COMPLETE


def test_attach_replays_after_seq_and_follows_only_while_running() -> None:
    stream = _stream()
    stream.begin({}, 1)
    for text in ("a", "b", "c"):
        stream.add_token(text, 1)
    late = Sink()
    frames = stream.attach(late, after_seq=1, with_start=False)
    assert [f.seq for f in frames if isinstance(f, StreamToken)] == [2, 3]
    assert late in stream.followers
    stream.detach(late)
    assert late not in stream.followers

    stream.interrupt("Cancelled", 2, now=1.0)
    after = Sink()
    frames = stream.attach(after)
    assert [type(f) for f in frames] == [StreamStart, *[StreamToken] * 3, StreamInterrupted]
    interrupted = frames[-1]
    assert isinstance(interrupted, StreamInterrupted)
    assert (interrupted.partial_response, interrupted.seq) == ("abc", 3)
    assert after not in stream.followers


def test_a_non_streamed_turn_ends_as_message_suggestions_complete() -> None:
    stream = _stream(streaming=False)
    assert stream.begin({"intent": "i"}, 1) == []
    assert stream.add_token("whole", 1) == []
    stream.message_id = "m1"
    frames = stream.complete({"actionSuccess": False}, ["x"], 2, now=0.0)
    assert [type(f) for f in frames] == [AssistantMessage, Suggestions, Complete]
    message = frames[0]
    assert isinstance(message, AssistantMessage)
    assert (message.content, message.message_id) == ("whole", "m1")


def test_the_registry_keeps_ended_streams_for_the_retention_only() -> None:
    clock = Clock()
    registry = StreamRegistry(retention=300, clock=clock)
    running, ended = (
        _stream(),
        Stream(stream_id="s2", user_id="u", conversation_id="c", streaming=True),
    )
    registry.add(running)
    registry.add(ended)
    ended.complete({}, [], 0, now=clock.now)
    assert registry.running_in("u", "c") == [running]
    assert registry.running_in("other", "c") == []
    clock.now += 300
    assert registry.get("s2") is ended
    clock.now += 1
    assert registry.get("s2") is None
    assert registry.get("s1") is running  # a running stream never expires
    assert registry.purge() == 0 and len(registry) == 1


def test_event_logs_number_per_user_and_replay_by_channel() -> None:
    logs = EventLogs(capacity=3, max_users=2)
    alice = logs.get("alice")
    for event_type in ("a", "b", "a", "a"):
        seq = alice.next_seq()
        alice.record(seq, event_type, f"{seq}".encode())
    assert alice.since(0, {"a"}) == [b"3", b"4"]  # seq 1 fell out of the buffer of 3
    assert alice.since(2, {"a", "b"}) == [b"3", b"4"]
    assert logs.get("bob").next_seq() == 1
    logs.get("carol")  # over max_users: the least recently used (alice) is forgotten
    assert logs.get("alice").seq == 0


def test_event_logs_never_forget_a_live_user() -> None:
    live = {"alice"}
    logs = EventLogs(capacity=3, max_users=2, is_live=live.__contains__)
    logs.get("alice").next_seq()
    logs.get("bob")
    logs.get("carol")  # over max_users: bob goes, not alice (least recently used but live)
    assert logs.get("alice").seq == 1 and len(logs) == 2
    live.add("carol")
    logs.get("dave").next_seq()  # the others are live: kept over the limit, dave too
    assert len(logs) == 3 and logs.get("dave").seq == 1
    live.clear()
    logs.get("erin")
    assert len(logs) == 2


def test_event_logs_keep_to_a_byte_budget_oldest_frames_first() -> None:
    # 10,000 users x 1,000 events x a few KiB each is gigabytes: the buffers share a budget.
    logs = EventLogs(capacity=1000, max_users=100, max_bytes=10_000)
    for user in ("alice", "bob"):
        for _ in range(8):
            log = logs.get(user)
            logs.record(log, log.next_seq(), "a", b"x" * 1000)
    assert logs.bytes <= 10_000
    # The least recently active user's oldest frames went first; every numbering stays.
    assert len(logs.get("bob").since(0, {"a"})) == 8
    assert 0 < len(logs.get("alice").since(0, {"a"})) < 8
    assert (logs.get("alice").seq, logs.get("bob").seq) == (8, 8)
    assert logs.bytes == 1000 * (len(logs.get("alice").recent) + 8)
