"""What HTTP handshake statuses and WebSocket close codes mean for a client (docs/protocol.md).

Pure data and two classifiers; the client's reconnect engine acts on the :class:`Disposition`.
"""

from __future__ import annotations

import enum
import re

__all__ = [
    "AUTH_EXPIRED",
    "FORBIDDEN",
    "RATE_LIMITED",
    "Disposition",
    "classify_close",
    "classify_status",
    "retry_after_from_reason",
]

#: Application close codes of the protocol.
AUTH_EXPIRED = 4401
FORBIDDEN = 4403
RATE_LIMITED = 4429

NORMAL = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
UNSUPPORTED_DATA = 1003
ABNORMAL = 1006
INVALID_DATA = 1007
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
MANDATORY_EXTENSION = 1010
INTERNAL_ERROR = 1011
SERVICE_RESTART = 1012
TRY_AGAIN_LATER = 1013


class Disposition(enum.Enum):
    """What a client should do after a failed handshake or a closed connection."""

    DONE = "done"  # normal close: do not reconnect
    RETRY = "retry"  # reconnect with backoff
    REFRESH_AUTH = "refresh_auth"  # fetch a fresh token, retry once, then stop
    RATE_LIMITED = "rate_limited"  # reconnect, not sooner than retry-after
    TOO_LARGE = "too_large"  # the last send was too big: fail it, then reconnect
    TERMINAL = "terminal"  # stop: retrying cannot help


_CLOSE = {
    NORMAL: Disposition.DONE,
    GOING_AWAY: Disposition.RETRY,
    ABNORMAL: Disposition.RETRY,
    INTERNAL_ERROR: Disposition.RETRY,
    SERVICE_RESTART: Disposition.RETRY,
    TRY_AGAIN_LATER: Disposition.RETRY,
    POLICY_VIOLATION: Disposition.TERMINAL,
    UNSUPPORTED_DATA: Disposition.TERMINAL,
    INVALID_DATA: Disposition.TERMINAL,
    PROTOCOL_ERROR: Disposition.TERMINAL,
    MANDATORY_EXTENSION: Disposition.TERMINAL,
    MESSAGE_TOO_BIG: Disposition.TOO_LARGE,
    AUTH_EXPIRED: Disposition.REFRESH_AUTH,
    FORBIDDEN: Disposition.TERMINAL,
    RATE_LIMITED: Disposition.RATE_LIMITED,
}


def classify_close(code: int | None) -> Disposition:
    """Disposition for a close code; ``None`` (no close frame) is an abnormal drop."""
    if code is None:
        return Disposition.RETRY
    return _CLOSE.get(code, Disposition.RETRY)


def classify_status(status: int) -> Disposition:
    """Disposition for an HTTP status that rejected the WebSocket handshake."""
    if status == 401:
        return Disposition.REFRESH_AUTH
    if status == 429:
        return Disposition.RATE_LIMITED
    if status >= 500 or status in (404, 408):
        # 404 often means a proxy or server that is starting; retrying with backoff is harmless.
        return Disposition.RETRY
    return Disposition.TERMINAL


_RETRY_AFTER = re.compile(r"retry-after=(\d+(?:\.\d+)?)", re.IGNORECASE)


def retry_after_from_reason(reason: str) -> float | None:
    """The ``retry-after=N`` seconds a 4429 close reason carries, if any."""
    match = _RETRY_AFTER.search(reason)
    return float(match[1]) if match else None
