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
from omnitrack_realtime.server.eventlog import (
    LOST_EPOCH,
    LOST_TRIMMED,
    LoggedEvent,
    MemoryEventLog,
    Replay,
    SubscriberFeed,
    start_seq,
)
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


def test_an_ended_stream_replays_each_token_as_it_was_sent() -> None:
    stream = _stream()
    stream.begin({}, 1)
    live = [stream.add_token(text, 10 + n)[0] for n, text in enumerate(("Hé", "", " wörld", "!"))]
    stream.complete({}, [], 20, now=0.0)
    replayed = stream.attach(Sink(), after_seq=1, with_start=False)
    assert [f for f in replayed if isinstance(f, StreamToken)] == live[1:]
    assert stream.text == "Hé wörld!" and stream.token_count == 4


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


def test_the_registry_keeps_at_most_max_ended_ended_streams_oldest_first() -> None:
    clock = Clock()
    registry = StreamRegistry(retention=300, max_ended=20, clock=clock)
    running = registry.add(_stream())
    ended = []
    for number in range(100):
        stream = Stream(stream_id=f"e{number}", user_id="u", conversation_id="c", streaming=True)
        registry.add(stream)
        stream.complete({}, [], 0, now=clock.now)
        ended.append(stream)
    assert len(registry) <= 1 + 20 + 2  # a tenth of the bound between two purges
    registry.purge()
    assert len(registry) == 1 + 20
    assert registry.get("s1") is running  # never forgotten, however old
    assert [registry.get(s.stream_id) for s in ended[-20:]] == ended[-20:]
    assert registry.get("e79") is None


def _append(log: MemoryEventLog, user: str | None, n: int = 0, size: int = 10) -> LoggedEvent:
    return log.append(user, "a", {"n": n}, timestamp="t", origin="o", size=size)


def test_event_log_numbers_every_event_once_from_the_epochs_start() -> None:
    log = MemoryEventLog(clock=lambda: 1_700_000_000.0)
    first = _append(log, "alice")
    broadcast = _append(log, None)
    bob = _append(log, "bob")
    second = _append(log, "alice")
    assert first.seq == start_seq(1_700_000_000.0) + 1
    assert [broadcast.seq, bob.seq, second.seq] == [first.seq + 1, first.seq + 2, first.seq + 3]
    assert (first.prev, second.prev, broadcast.prev) == (0, first.seq, 0)
    assert first.id == f"evt-{first.seq}"
    replay = log.replay("alice", first.seq, log.epoch)
    assert [e.seq for e in replay.events] == [broadcast.seq, second.seq]
    assert replay.lost is None and replay.epoch == log.epoch


def test_event_log_says_when_history_was_trimmed() -> None:
    log = MemoryEventLog(capacity=3, broadcast_capacity=3)
    events = [_append(log, "alice", n) for n in range(5)]
    replay = log.replay("alice", events[0].seq, None)
    assert [e.data["n"] for e in replay.events] == [2, 3, 4]
    assert replay.lost == LOST_TRIMMED  # 1 was trimmed
    assert log.replay("alice", events[1].seq, None).lost is None
    assert log.replay("alice", events[4].seq, None) == Replay(log.epoch, (), None)


def test_event_log_remembers_a_forgotten_users_last_event() -> None:
    log = MemoryEventLog(max_users=1)
    alice = _append(log, "alice")
    _append(log, "bob")  # alice's channel goes, her top stays
    assert len(log) == 1
    replay = log.replay("alice", alice.seq - 1, None)
    assert replay.events == () and replay.lost == LOST_TRIMMED
    assert log.replay("alice", alice.seq, None).lost is None


def test_event_log_forgets_a_user_ttl_after_their_last_event() -> None:
    clock = Clock()
    log = MemoryEventLog(ttl=60, clock=clock)
    alice = _append(log, "alice")
    clock.now += 30
    bob = _append(log, "bob")
    clock.now += 31  # alice's last event is 61 s old, bob's 31 s
    assert log.replay("bob", bob.seq - 1, None).events == (bob,)
    assert len(log) == 1 and log.bytes == 10
    replay = log.replay("alice", alice.seq - 1, None)
    assert replay.events == () and replay.lost == LOST_TRIMMED  # said, not silently empty
    clock.now += 30
    _append(log, None)  # broadcasts do not expire (as in Redis)
    assert len(log) == 0 and log.bytes == 10


def test_event_log_another_epoch_is_lost_history_and_gets_the_whole_current_one() -> None:
    log = MemoryEventLog()
    events = [_append(log, "alice", n) for n in range(2)]
    replay = log.replay("alice", events[1].seq + 50, "an-old-epoch")
    assert replay.lost == LOST_EPOCH and [e.data["n"] for e in replay.events] == [0, 1]


def test_event_log_keeps_to_a_byte_budget_oldest_first() -> None:
    log = MemoryEventLog(max_bytes=10_000)
    for user in ("alice", "bob"):
        for n in range(8):
            _append(log, user, n, size=1000)
    assert log.bytes <= 10_000
    kept = log.replay("alice", 0, None).events
    assert 0 < len(kept) < 16  # alice's and bob's merged: the oldest went


def test_feed_sends_each_event_once_in_order_across_a_resume() -> None:
    log = MemoryEventLog()
    events = [_append(log, "alice", n) for n in range(6)]
    feed = SubscriberFeed(events[2].seq)
    assert feed.offer(events[3])  # live, before the client said where it was
    feed.hold()
    assert not feed.offer(events[4])  # arrives while the replay is fetched
    replay = log.replay("alice", events[0].seq, None).events  # 1..5 (3 already sent)
    sent = feed.resume(replay)
    assert [e.data["n"] for e in sent] == [1, 2, 4, 5]
    assert feed.cursor == events[5].seq and not feed.holding
    assert not feed.offer(events[5])  # a lagging live copy of what the replay sent


def test_feed_catch_up_moves_the_cursor_to_what_was_read() -> None:
    log = MemoryEventLog()
    events = [_append(log, "alice", n) for n in range(3)]
    feed = SubscriberFeed(events[0].seq)
    sent = feed.catch_up(log.replay("alice", events[0].seq, None).events, events[2].seq + 10)
    assert [e.data["n"] for e in sent] == [1, 2] and feed.cursor == events[2].seq + 10
    unknown = SubscriberFeed(None)
    assert unknown.offer(events[0]) and unknown.cursor == events[0].seq
