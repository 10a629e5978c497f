"""Status text for a queue held by the server's rate limit (the countdown's exact twin)."""

from __future__ import annotations

from omnitrack_realtime.tui.view import ConnectionView, status_line


def test_open_connection_held_by_the_rate_limit_says_so_with_the_queue() -> None:
    view = ConnectionView("open", queued=2, held_until=10.0)
    assert status_line(view, now=8.2) == (
        "● connected · 2 queued messages · rate limited, resending in 2 s"
    )
    assert status_line(view, now=10.0) == "● connected"  # the hold is over: sending again


def test_the_hold_is_only_shown_on_an_open_connection() -> None:
    view = ConnectionView("closed", queued=1, held_until=10.0)
    assert status_line(view, now=0.0) == "○ disconnected · 1 queued message"


def test_a_hold_for_a_server_restart_says_so() -> None:
    view = ConnectionView("open", queued=1, held_until=3.0, hold_reason="server restarting")
    assert status_line(view, now=2.5) == (
        "● connected · 1 queued message · server restarting, resending in 1 s"
    )
