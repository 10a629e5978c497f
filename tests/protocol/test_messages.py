"""Every wire struct: round trips through the codec, camelCase names, omitted defaults, and
the seed's own frames decoding as they are."""

from __future__ import annotations

import json
import typing
from typing import Any

import msgspec
import pytest

from omnitrack_realtime.protocol import (
    Acknowledgment,
    AssistantMessage,
    AttachmentInfo,
    AuthAction,
    AuthOk,
    CancelAction,
    ClientAction,
    Complete,
    DownloadAction,
    ErrorMessage,
    Event,
    EventAction,
    History,
    HistoryAction,
    HistoryEntry,
    MessageAction,
    PingAction,
    Pong,
    PublishAction,
    ReadAction,
    ReadReceipt,
    RequestQueued,
    ResumeAction,
    ServerMessage,
    StreamComplete,
    StreamInterrupted,
    StreamStart,
    StreamToken,
    SubscribeAction,
    Suggestions,
    Sync,
    SyncAction,
    Typing,
    TypingAction,
    UnsubscribeAction,
    UploadAck,
    UploadComplete,
    UploadEndAction,
    UploadReady,
    UploadStartAction,
    UserTyping,
    decode_client_action,
    decode_event,
    decode_event_action,
    decode_server_message,
    encode,
)

FULL_CLIENT: list[ClientAction] = [
    MessageAction(message="hi", conversation_id="c", streaming=False, client_message_id="m1"),
    CancelAction(conversation_id="c", stream_id="s"),
    ResumeAction(conversation_id="c", stream_id="s", after_seq=7),
    TypingAction(conversation_id="c"),
    ReadAction(conversation_id="c", message_id="m"),
    HistoryAction(conversation_id="c", limit=10, before="m9"),
    SyncAction(conversation_id="c", after_seq=12),
    AuthAction(token="t0k3n"),
    PingAction(),
    UploadStartAction(
        upload_id="u1", name="a.csv", content_type="text/csv", size=3, sha256="0" * 64
    ),
    UploadEndAction(upload_id="u1", sha256="0" * 64),
    DownloadAction(attachment_id="att-1", offset=60, length=60),
]

FULL_SERVER: list[ServerMessage] = [
    Acknowledgment(
        message="ok",
        timestamp=1,
        conversation_id="c",
        client_message_id="m1",
        message_id="u",
        queued=1,
        message_seq=3,
    ),
    Typing(timestamp=2, conversation_id="c"),
    AssistantMessage(
        content="x",
        conversation_id="c",
        timestamp=3,
        metadata={"intent": "add-supplier", "confidence": 0.95, "actionSuccess": True},
        message_id="a",
        client_message_id="m1",
        message_seq=4,
    ),
    StreamStart(
        conversation_id="c", timestamp=4, metadata={"intent": "i"}, stream_id="s", message_id="a"
    ),
    StreamToken(token="tok", conversation_id="c", timestamp=5, stream_id="s", seq=1),
    StreamComplete(
        conversation_id="c",
        timestamp=6,
        metadata={"tokenCount": 1},
        stream_id="s",
        client_message_id="m1",
        message_id="a",
        message_seq=4,
    ),
    StreamInterrupted(
        conversation_id="c",
        timestamp=7,
        error="e",
        partial_response="p",
        stream_id="s",
        seq=3,
        message_seq=4,
    ),
    Suggestions(suggestions=["a", "b"], conversation_id="c", timestamp=8),
    Complete(conversation_id="c", timestamp=9),
    ErrorMessage(
        error="bad",
        timestamp=10,
        code="rate_limited",
        conversation_id="c",
        client_message_id="m1",
        retry_after=1.5,
        stream_id="s",
    ),
    RequestQueued(message="wait", timestamp=11, position=2),
    UserTyping(conversation_id="c", user_id="u", timestamp=12),
    ReadReceipt(conversation_id="c", message_id="m", user_id="u", timestamp=13),
    History(
        conversation_id="c",
        messages=[
            HistoryEntry(message_id="m", role="user", content="q", timestamp=1, metadata={"k": 1})
        ],
    ),
    Sync(
        conversation_id="c",
        messages=[HistoryEntry(message_id="m", role="user", content="q", timestamp=1, seq=5)],
        pending=["m2"],
        seq=5,
        more=True,
        retry_after=0.5,
    ),
    AuthOk(expires_at=1_700_000_000_000),
    Pong(timestamp="2026-01-01T00:00:00Z"),
    UploadReady(upload_id="u1", offset=0, chunk_size=61440),
    UploadAck(upload_id="u1", offset=61440),
    UploadComplete(
        upload_id="u1",
        attachment=AttachmentInfo(
            attachment_id="att-1", name="a.csv", content_type="text/csv", size=3, sha256="0" * 64
        ),
    ),
]

FULL_EVENT_ACTIONS: list[EventAction] = [
    SubscribeAction(channels=["alert_notification"], after_seq=4),
    UnsubscribeAction(channels=["digital_twin_update"]),
    PublishAction(event_type="alert_notification", data={"level": "high"}, user_id="u"),
    PingAction(),
]


def name(value: object) -> str:
    return type(value).__name__


def test_samples_cover_every_struct_of_each_union() -> None:
    assert {type(m) for m in FULL_CLIENT} == set(typing.get_args(ClientAction))
    assert {type(m) for m in FULL_SERVER} == set(typing.get_args(ServerMessage))
    assert {type(m) for m in FULL_EVENT_ACTIONS} == set(typing.get_args(EventAction))


@pytest.mark.parametrize("message", FULL_CLIENT, ids=name)
def test_client_actions_round_trip(message: ClientAction) -> None:
    assert decode_client_action(encode(message)) == message


@pytest.mark.parametrize("message", FULL_SERVER, ids=name)
def test_server_messages_round_trip(message: ServerMessage) -> None:
    assert decode_server_message(encode(message)) == message


@pytest.mark.parametrize("message", FULL_EVENT_ACTIONS, ids=name)
def test_event_actions_round_trip(message: EventAction) -> None:
    assert decode_event_action(encode(message)) == message


def test_event_round_trip() -> None:
    event = Event(type="scenario_progress", data={"pct": 50}, timestamp="2026", id="e1", seq=9)
    assert decode_event(encode(event)) == event
    assert json.loads(encode(Event(type="x"))) == {"type": "x"}  # defaults omitted


def walk_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in (key, *walk_keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in walk_keys(item)]
    return []


ALL: list[msgspec.Struct] = [*FULL_CLIENT, *FULL_SERVER, *FULL_EVENT_ACTIONS]


@pytest.mark.parametrize("message", ALL, ids=name)
def test_wire_names_are_camel_case(message: msgspec.Struct) -> None:
    wire = json.loads(encode(message))
    protocol_keys = [k for k in walk_keys(wire) if k not in ("metadata", "data")]
    assert all("_" not in key for key in protocol_keys), protocol_keys


def test_extension_fields_are_omitted_unless_set() -> None:
    """A seed peer never sees a field it does not know unless it carries a value."""
    assert json.loads(encode(StreamToken(token="a", conversation_id="c", timestamp=1))) == {
        "type": "stream_token",
        "token": "a",
        "conversationId": "c",
        "timestamp": 1,
    }
    assert json.loads(encode(ErrorMessage(error="x", timestamp=1))) == {
        "type": "error",
        "error": "x",
        "timestamp": 1,
    }
    assert json.loads(encode(PingAction())) == {"action": "ping"}


def test_message_action_carries_the_seed_fields_always() -> None:
    """The seed's server reads ``streaming`` and ``conversationId`` from every message."""
    assert json.loads(encode(MessageAction(message="hi"))) == {
        "action": "message",
        "message": "hi",
        "conversationId": None,
        "streaming": True,
        "clientMessageId": None,
    }


def test_message_action_defaults_when_decoding_a_seed_frame() -> None:
    action = decode_client_action(b'{"action":"message","message":"hi","conversationId":null}')
    assert action == MessageAction(message="hi")
    assert action.streaming is True and action.client_message_id is None


def test_auth_action_never_shows_its_token() -> None:
    action = AuthAction(token="s3cr3t")
    assert "s3cr3t" not in repr(action)
    assert "s3cr3t" not in str(action)
    assert json.loads(encode(action)) == {"action": "auth", "token": "s3cr3t"}


def test_encode_accepts_plain_dicts_and_returns_utf8_bytes() -> None:
    data = encode({"action": "ping", "note": "héllo"})
    assert isinstance(data, bytes)
    assert json.loads(data.decode("utf-8")) == {"action": "ping", "note": "héllo"}


SEED_FRAMES = [
    (
        '{"type":"acknowledgment","message":"Message received. Processing...",'
        '"timestamp":1234567890}',
        Acknowledgment(message="Message received. Processing...", timestamp=1234567890),
    ),
    ('{"type":"typing","timestamp":1234567890}', Typing(timestamp=1234567890)),
    (
        '{"type":"message","content":"I\'ve added a new supplier in Asia.",'
        '"conversationId":"conv-123","timestamp":1234567890,'
        '"metadata":{"intent":"add-supplier","confidence":0.95,"actionSuccess":true}}',
        AssistantMessage(
            content="I've added a new supplier in Asia.",
            conversation_id="conv-123",
            timestamp=1234567890,
            metadata={"intent": "add-supplier", "confidence": 0.95, "actionSuccess": True},
        ),
    ),
    (
        '{"type":"stream_start","conversationId":"conv-123","timestamp":1234567890,'
        '"metadata":{"intent":"add-supplier","confidence":0.95}}',
        StreamStart(
            conversation_id="conv-123",
            timestamp=1234567890,
            metadata={"intent": "add-supplier", "confidence": 0.95},
        ),
    ),
    (
        '{"type":"stream_token","token":"I\'ve ","conversationId":"conv-123",'
        '"timestamp":1234567890}',
        StreamToken(token="I've ", conversation_id="conv-123", timestamp=1234567890),
    ),
    (
        '{"type":"stream_complete","conversationId":"conv-123","timestamp":1234567890,'
        '"metadata":{"tokenCount":42,"actionSuccess":true}}',
        StreamComplete(
            conversation_id="conv-123",
            timestamp=1234567890,
            metadata={"tokenCount": 42, "actionSuccess": True},
        ),
    ),
    (
        '{"type":"stream_interrupted","conversationId":"conv-123","timestamp":1234567890,'
        '"error":"Connection lost","partialResponse":"I\'ve added a new supp"}',
        StreamInterrupted(
            conversation_id="conv-123",
            timestamp=1234567890,
            error="Connection lost",
            partial_response="I've added a new supp",
        ),
    ),
    (
        '{"type":"suggestions","suggestions":["View supplier details","Add another supplier",'
        '"Run supply chain analysis"],"conversationId":"conv-123","timestamp":1234567890}',
        Suggestions(
            suggestions=[
                "View supplier details",
                "Add another supplier",
                "Run supply chain analysis",
            ],
            conversation_id="conv-123",
            timestamp=1234567890,
        ),
    ),
    (
        '{"type":"error","error":"Failed to process request","timestamp":1234567890}',
        ErrorMessage(error="Failed to process request", timestamp=1234567890),
    ),
]


@pytest.mark.parametrize(("raw", "expected"), SEED_FRAMES, ids=lambda v: getattr(v, "type", ""))
def test_the_seed_readmes_frames_decode(raw: str, expected: ServerMessage) -> None:
    assert decode_server_message(raw) == expected
    assert decode_server_message(raw.encode()) == expected


def test_minimal_frames_of_every_server_type_decode_with_defaults() -> None:
    for message in FULL_SERVER:
        tag = json.loads(encode(message))["type"]
        decoded = decode_server_message(json.dumps({"type": tag}))
        assert type(decoded) is type(message)
