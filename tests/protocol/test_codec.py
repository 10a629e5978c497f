"""The codec's edges: error reasons safe to send back, unknown types and fields, deep
nesting, and timestamps in every form peers send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnitrack_realtime.errors import OmniTrackError, ProtocolError
from omnitrack_realtime.protocol import (
    AssistantMessage,
    History,
    HistoryEntry,
    MessageAction,
    StreamToken,
    UnknownMessage,
    decode_client_action,
    decode_event,
    decode_event_action,
    decode_server_message,
    now_iso,
    now_ms,
    parse_timestamp,
)

Decoder = Callable[[bytes], Any]
ALL_DECODERS: list[Decoder] = [
    decode_client_action,
    decode_server_message,
    decode_event,
    decode_event_action,
]


def reason(decoder: Decoder, data: bytes | str) -> str:
    with pytest.raises(ProtocolError) as caught:
        decoder(data)  # type: ignore[arg-type]
    assert isinstance(caught.value, OmniTrackError)
    assert caught.value.reason == str(caught.value)
    assert caught.value.__cause__ is not None  # translated at the edge, cause kept
    return caught.value.reason


# ------------------------------------------------------------------ error reasons


@pytest.mark.parametrize("decoder", ALL_DECODERS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("data", [b"{", b"", b"not json", b"\xff\xfe", b"{'a': 1}"])
def test_malformed_json(decoder: Decoder, data: bytes) -> None:
    assert reason(decoder, data) == "Invalid JSON"


@pytest.mark.parametrize(
    ("decoder", "frame"),
    [
        (decode_client_action, b'{"action":"ping"}'),
        (decode_event_action, b'{"action":"ping"}'),
        (decode_server_message, b'{"type":"pong"}'),
        (decode_event, b'{"type":"pong"}'),
    ],
)
def test_one_frame_is_one_object(decoder: Decoder, frame: bytes) -> None:
    decoder(frame)
    assert reason(decoder, frame + b" x") == "Invalid JSON"
    assert reason(decoder, frame + frame) == "Invalid JSON"


@pytest.mark.parametrize("decoder", ALL_DECODERS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("data", [b"[]", b'"text"', b"42", b"null"])
def test_not_an_object(decoder: Decoder, data: bytes) -> None:
    assert reason(decoder, data).startswith("Invalid message: Expected `object`")


def test_missing_tag() -> None:
    assert reason(decode_client_action, b"{}") == "Missing required field 'action'"
    assert reason(decode_event_action, b'{"type":"x"}') == "Missing required field 'action'"
    assert reason(decode_server_message, b'{"action":"x"}') == "Missing required field 'type'"
    assert reason(decode_event, b"{}") == "Missing required field 'type'"


def test_unknown_client_actions_are_errors_on_the_server_side() -> None:
    assert reason(decode_client_action, b'{"action":"teleport"}') == "Unknown action 'teleport'"
    # /ws actions are not /copilot actions and vice versa.
    assert reason(decode_client_action, b'{"action":"subscribe"}') == "Unknown action 'subscribe'"
    assert reason(decode_event_action, b'{"action":"resume"}') == "Unknown action 'resume'"


def test_missing_required_fields_name_the_field() -> None:
    assert reason(decode_client_action, b'{"action":"message"}') == (
        "Missing required field 'message'"
    )
    assert reason(decode_client_action, b'{"action":"resume","streamId":"s"}') == (
        "Missing required field 'conversationId'"
    )
    assert reason(decode_event_action, b'{"action":"publish"}') == (
        "Missing required field 'eventType'"
    )
    assert reason(decode_server_message, b'{"type":"history","messages":[{"role":"x"}]}') == (
        "Missing required field 'messageId' in $.messages[0]"
    )


def test_mistyped_fields_say_where() -> None:
    text = reason(decode_server_message, b'{"type":"stream_token","seq":"3"}')
    assert text.startswith("Invalid message:") and "$.seq" in text
    text = reason(decode_event_action, b'{"action":"subscribe","channels":"alerts"}')
    assert "$.channels" in text
    text = reason(decode_client_action, b'{"action":"message","message":1}')
    assert "$.message" in text
    assert "$.seq" in reason(decode_server_message, b'{"type":"stream_token","seq":true}')


def test_reasons_never_carry_a_python_exception_text() -> None:
    for data in (b"{", b"[]", b'{"action":"message"}', b'{"action":"auth","token":5}'):
        text = reason(decode_client_action, data)
        assert "Traceback" not in text and "msgspec" not in text


# ------------------------------------------------------------------ unknown types and fields


def test_unknown_server_types_are_not_errors() -> None:
    assert decode_server_message(b'{"type":"hologram","x":[1,2]}') == UnknownMessage("hologram")
    assert decode_server_message('{"type":"it\'s `odd` é"}') == UnknownMessage("it's `odd` é")


def test_unknown_fields_are_ignored_everywhere() -> None:
    assert decode_server_message(b'{"type":"stream_token","token":"a","shiny":{"b":1}}') == (
        StreamToken(token="a")
    )
    assert decode_client_action(b'{"action":"message","message":"m","extra":[1]}') == (
        MessageAction(message="m")
    )
    event = decode_event(b'{"type":"agent_status","data":1,"timestamp":"t","future":true}')
    assert (event.type, event.data) == ("agent_status", 1)


def test_any_event_type_string_is_allowed() -> None:
    assert decode_event(b'{"type":"made_up_type"}').type == "made_up_type"


def test_type_must_be_a_string() -> None:
    assert "$.type" in reason(decode_server_message, b'{"type":5}')
    assert "$.type" in reason(decode_server_message, b'{"type":null}')


# ------------------------------------------------------------------ deep nesting


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("decoder", "prefix"),
    [
        (decode_server_message, b'{"type":"message","metadata":{"a":'),
        (decode_server_message, b'{"type":"unknown_kind","data":'),
        (decode_event, b'{"type":"x","data":'),
        (decode_event_action, b'{"action":"publish","eventType":"x","data":'),
    ],
)
def test_deep_nesting_is_a_protocol_error_not_a_crash(decoder: Decoder, prefix: bytes) -> None:
    data = prefix + nested(200_000) + b"}" * prefix.count(b"{")
    assert reason(decoder, data) == "Invalid message: nested too deeply"


def test_moderate_nesting_is_fine() -> None:
    data = b'{"type":"message","metadata":{"a":' + nested(50) + b"}}"
    message = decode_server_message(data)
    assert isinstance(message, AssistantMessage)


# ------------------------------------------------------------------ timestamps


def test_now_ms_is_integer_milliseconds() -> None:
    value = now_ms()
    assert isinstance(value, int)
    parsed = parse_timestamp(value)
    assert parsed is not None
    assert abs(parsed - datetime.now(UTC)) < timedelta(minutes=5)


def test_now_iso_is_utc_iso8601_with_z() -> None:
    value = now_iso()
    assert value.endswith("Z")
    parsed = parse_timestamp(value)
    assert parsed is not None and parsed.tzinfo is not None


MOMENT = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        int(MOMENT.timestamp() * 1000),  # our servers: ms
        MOMENT.timestamp(),  # seconds, float
        MOMENT.timestamp() * 1000.0,  # ms, float
        "2026-03-04T05:06:07.890Z",
        "2026-03-04T05:06:07.890+00:00",
        "2026-03-04T07:06:07.890+02:00",
        "2026-03-04T05:06:07.890",  # naive: taken as UTC
    ],
)
def test_timestamps_in_every_form(value: int | float | str) -> None:
    parsed = parse_timestamp(value)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert abs(parsed - MOMENT) < timedelta(milliseconds=1)


def test_seconds_as_the_seed_readme_shows() -> None:
    assert parse_timestamp(1234567890) == datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)


def test_offsets_are_kept() -> None:
    parsed = parse_timestamp("2026-03-04T07:06:07+02:00")
    assert parsed is not None and parsed.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


@pytest.mark.parametrize("value", [None, True, False, "", "yesterday", "2026-13-45", 1e300, -1e300])
def test_unreadable_timestamps_are_none(value: Any) -> None:
    assert parse_timestamp(value) is None


@given(st.integers(min_value=1_000_000_000, max_value=253_402_300_799))  # 2001 .. 9999
def test_seconds_and_milliseconds_agree(seconds: int) -> None:
    expected = datetime.fromtimestamp(seconds, UTC)
    assert parse_timestamp(seconds) == parse_timestamp(seconds * 1000) == expected


def test_history_entries_keep_their_timestamps_raw() -> None:
    message = decode_server_message(
        b'{"type":"history","conversationId":"c","messages":[{"messageId":"m","role":"user",'
        b'"content":"q","timestamp":"2026-01-01T00:00:00Z"}]}'
    )
    assert message == History(
        conversation_id="c",
        messages=[
            HistoryEntry(message_id="m", role="user", content="q", timestamp="2026-01-01T00:00:00Z")
        ],
    )
