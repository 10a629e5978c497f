"""The one place where untrusted JSON becomes typed messages, and typed messages become JSON.

Decoders raise :class:`~omnitrack_realtime.errors.ProtocolError` with a short reason that is
safe to send back to the peer (never a raw exception text). Encoders return UTF-8 bytes meant
for *text* frames (``websockets``: ``send(data, text=True)``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from ..errors import ProtocolError
from .copilot import ClientAction, ServerMessage, Timestamp
from .events import Event, EventAction

__all__ = [
    "UnknownMessage",
    "decode_client_action",
    "decode_event",
    "decode_event_action",
    "decode_server_message",
    "encode",
    "now_iso",
    "now_ms",
    "parse_timestamp",
]


class UnknownMessage(msgspec.Struct, frozen=True):
    """A well-formed server frame of a ``type`` this version does not know (ignored, counted)."""

    type: str


class _TypeOnly(msgspec.Struct):
    type: str | None = None


_server_decoder = msgspec.json.Decoder(ServerMessage)
_client_decoder = msgspec.json.Decoder(ClientAction)
_event_decoder = msgspec.json.Decoder(Event)
_event_action_decoder = msgspec.json.Decoder(EventAction)
_type_decoder = msgspec.json.Decoder(_TypeOnly)
_encoder = msgspec.json.Encoder()

_UNKNOWN_TAG = re.compile(r"^Invalid value '(?P<value>.*)' - at `\$\.(?P<field>action|type)`$")
_MISSING_FIELD = re.compile(
    r"^Object missing required field `(?P<field>[^`]+)`(?: - at `(?P<path>[^`]+)`)?$"
)


def encode(message: msgspec.Struct | dict[str, Any]) -> bytes:
    """Encode a message (a protocol struct or a plain dict) as compact JSON."""
    return _encoder.encode(message)


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "Invalid message: nested too deeply"
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        return "Invalid JSON"
    text = str(exc)
    if match := _UNKNOWN_TAG.match(text):
        return f"Unknown {match['field']} '{match['value']}'"
    if match := _MISSING_FIELD.match(text):
        where = f" in {match['path']}" if match["path"] else ""
        return f"Missing required field '{match['field']}'{where}"
    return f"Invalid message: {text}"


def _decode(decoder: msgspec.json.Decoder[Any], data: str | bytes) -> Any:
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ProtocolError(_reason(exc)) from exc


def decode_client_action(data: str | bytes) -> ClientAction:
    """Decode a client frame of the ``/copilot`` channel (server side, strict)."""
    result: ClientAction = _decode(_client_decoder, data)
    return result


def decode_event_action(data: str | bytes) -> EventAction:
    """Decode a client frame of the ``/ws`` channel (server side, strict)."""
    result: EventAction = _decode(_event_action_decoder, data)
    return result


def decode_server_message(data: str | bytes) -> ServerMessage | UnknownMessage:
    """Decode a server frame of the ``/copilot`` channel (client side, lenient).

    A frame of an unknown ``type`` comes back as :class:`UnknownMessage`; a frame that is not
    JSON, not an object, has no ``type`` or has a known type with mistyped fields raises
    :class:`ProtocolError`.
    """
    try:
        result: ServerMessage = _server_decoder.decode(data)
        return result
    except msgspec.ValidationError as exc:
        if _UNKNOWN_TAG.match(str(exc)):
            head = _decode(_type_decoder, data)
            return UnknownMessage(type=str(head.type))
        raise ProtocolError(_reason(exc)) from exc
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ProtocolError(_reason(exc)) from exc


def decode_event(data: str | bytes) -> Event:
    """Decode a server frame of the ``/ws`` channel (client side)."""
    result: Event = _decode(_event_decoder, data)
    return result


def now_ms() -> int:
    """The protocol's timestamp for ``/copilot``: integer milliseconds since the epoch."""
    return int(datetime.now(UTC).timestamp() * 1000)


def now_iso() -> str:
    """The protocol's timestamp for ``/ws`` envelopes: ISO-8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Epoch numbers above this are milliseconds (it is the year 33658 in seconds).
_MS_THRESHOLD = 1e12


def parse_timestamp(value: Timestamp) -> datetime | None:
    """Read a timestamp in any form peers send: epoch ms, epoch s, or ISO-8601; ``None`` if
    absent or unreadable (a bad timestamp is never worth dropping a message for)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
