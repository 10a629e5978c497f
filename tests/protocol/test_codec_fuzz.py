"""A brief fuzz of the codec (the one place untrusted JSON becomes objects): whatever a peer
sends, a decoder returns a message or raises :class:`ProtocolError`, never anything else, and
what it returns encodes again to the same message.

Inputs: arbitrary bytes and text; arbitrary JSON; and, to get past the tag check into the
typed fields, JSON objects with a known ``type``/``action`` and arbitrary values for the
known field names (the wire's camelCase ones). Seeded (``derandomize``) and a few hundred
examples each, so CI runs them in about a second.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnitrack_realtime.errors import ProtocolError
from omnitrack_realtime.protocol import (
    ClientAction,
    Event,
    ServerMessage,
    UnknownMessage,
    decode_client_action,
    decode_event,
    decode_event_action,
    decode_server_message,
    encode,
)
from omnitrack_realtime.protocol.events import EventAction

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

Decoder = Callable[[Any], Any]
DECODERS: list[tuple[Decoder, list[type[msgspec.Struct]], str]] = [
    (decode_server_message, list(typing.get_args(ServerMessage)), "type"),
    (decode_client_action, list(typing.get_args(ClientAction)), "action"),
    (decode_event_action, list(typing.get_args(EventAction)), "action"),
    (decode_event, [Event], "type"),
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _tag(struct: type[msgspec.Struct]) -> str | None:
    tag = struct.__struct_config__.tag
    return tag if isinstance(tag, str) else None


def _typed_frames(structs: list[type[msgspec.Struct]], tag_field: str) -> st.SearchStrategy[Any]:
    """Objects with a known tag and arbitrary values for that message's known fields."""

    def frame(struct: type[msgspec.Struct]) -> st.SearchStrategy[dict[str, Any]]:
        tag = _tag(struct)
        names = [n for n in struct.__struct_encode_fields__ if tag is None or n != tag_field]
        fields = st.fixed_dictionaries({}, optional={name: json_values for name in names})
        if tag is None:  # an untagged struct (the /ws event envelope): "type" is a field
            return fields
        return fields.map(lambda f: {tag_field: tag, **f})

    return st.sampled_from(structs).flatmap(frame)


def decode_or_refuse(decoder: Decoder, data: str | bytes) -> Any:
    """The contract: a message, or ProtocolError (any other exception fails the test)."""
    try:
        return decoder(data)
    except ProtocolError as exc:
        assert exc.reason and len(exc.reason) < 500
        return None


def assert_round_trip(decoder: Decoder, message: Any) -> None:
    if message is None or isinstance(message, UnknownMessage):
        return
    assert decoder(encode(message)) == message


@FUZZ
@given(data=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text_decode_or_raise_protocol_error(data: bytes | str) -> None:
    for decoder, _structs, _tag_field in DECODERS:
        decode_or_refuse(decoder, data)


@FUZZ
@given(value=json_values)
def test_any_json_decodes_or_raises_protocol_error(value: Any) -> None:
    data = json.dumps(value).encode()
    for decoder, _structs, _tag_field in DECODERS:
        assert_round_trip(decoder, decode_or_refuse(decoder, data))


@FUZZ
@given(data=st.data())
def test_known_messages_with_any_field_values(data: st.DataObject) -> None:
    for decoder, structs, tag_field in DECODERS:
        frame = data.draw(_typed_frames(structs, tag_field))
        raw = json.dumps(frame)
        message = decode_or_refuse(decoder, raw)
        assert_round_trip(decoder, message)
        # A frame cut anywhere is refused, never a crash.
        cut = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        decode_or_refuse(decoder, raw[:cut])
