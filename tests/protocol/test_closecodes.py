"""Close codes and handshake statuses classified as protocol.md's tables say."""

from __future__ import annotations

import pytest

from omnitrack_realtime.protocol import (
    Disposition,
    classify_close,
    classify_status,
    retry_after_from_reason,
)
from omnitrack_realtime.protocol.closecodes import AUTH_EXPIRED, FORBIDDEN, RATE_LIMITED

D = Disposition


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (1000, D.DONE),
        (1001, D.RETRY),
        (1006, D.RETRY),
        (1011, D.RETRY),
        (1012, D.RETRY),
        (1013, D.RETRY),
        (1008, D.TERMINAL),
        (1003, D.TERMINAL),
        (1007, D.TERMINAL),
        (1002, D.TERMINAL),
        (1010, D.TERMINAL),
        (1009, D.TOO_LARGE),
        (4401, D.REFRESH_AUTH),
        (4403, D.TERMINAL),
        (4429, D.RATE_LIMITED),
    ],
)
def test_close_codes_follow_the_protocol_table(code: int, expected: Disposition) -> None:
    assert classify_close(code) is expected


def test_no_close_frame_is_an_abnormal_drop() -> None:
    assert classify_close(None) is D.RETRY


@pytest.mark.parametrize("code", [1004, 1005, 1014, 1015, 3000, 4000, 4500, 4999])
def test_unknown_close_codes_retry_with_backoff(code: int) -> None:
    assert classify_close(code) is D.RETRY


def test_application_code_constants() -> None:
    assert (AUTH_EXPIRED, FORBIDDEN, RATE_LIMITED) == (4401, 4403, 4429)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, D.REFRESH_AUTH),
        (403, D.TERMINAL),
        (429, D.RATE_LIMITED),
        (500, D.RETRY),
        (502, D.RETRY),
        (503, D.RETRY),
        (504, D.RETRY),
        (404, D.RETRY),
        (408, D.RETRY),
        (400, D.TERMINAL),
        (426, D.TERMINAL),
        (301, D.TERMINAL),
    ],
)
def test_handshake_statuses(status: int, expected: Disposition) -> None:
    assert classify_status(status) is expected


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("retry-after=5", 5.0),
        ("rate limited; Retry-After=2.5", 2.5),
        ("too many connections (retry-after=30) slow down", 30.0),
        ("RETRY-AFTER=0", 0.0),
        ("", None),
        ("rate limited", None),
        ("retry-after=", None),
        ("retry-after=soon", None),
    ],
)
def test_retry_after_from_reason(reason: str, expected: float | None) -> None:
    assert retry_after_from_reason(reason) == expected
