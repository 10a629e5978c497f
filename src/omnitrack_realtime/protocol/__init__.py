"""The wire protocol, pure: message structs, the codec, close codes. No I/O."""

from .closecodes import Disposition, classify_close, classify_status, retry_after_from_reason
from .codec import (
    UnknownMessage,
    decode_client_action,
    decode_event,
    decode_event_action,
    decode_server_message,
    encode,
    now_iso,
    now_ms,
    parse_timestamp,
)
from .copilot import *  # noqa: F403
from .copilot import __all__ as _copilot_all
from .events import *  # noqa: F403
from .events import __all__ as _events_all

__all__ = [
    "Disposition",
    "UnknownMessage",
    "classify_close",
    "classify_status",
    "decode_client_action",
    "decode_event",
    "decode_event_action",
    "decode_server_message",
    "encode",
    "now_iso",
    "now_ms",
    "parse_timestamp",
    "retry_after_from_reason",
    *_copilot_all,
    *[name for name in _events_all if name not in _copilot_all],
]
