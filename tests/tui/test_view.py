"""The chat UI's pure rules: status text, streaming marker, input history."""

from __future__ import annotations

from omnitrack_realtime.tui.view import (
    STREAMING_MARKER,
    ConnectionView,
    InputHistory,
    message_markdown,
    shorten,
    status_line,
)


def test_status_connected_hides_queue_count() -> None:
    assert status_line(ConnectionView("open", queued=3), now=0) == "● connected"


def test_status_connecting() -> None:
    assert "connecting" in status_line(ConnectionView("connecting"), now=0)


def test_status_reconnecting_counts_down_and_shows_attempt() -> None:
    view = ConnectionView("reconnecting", attempt=2, max_attempts=5, retry_at=10.0)
    assert status_line(view, now=6.2) == "◌ reconnecting in 4 s (attempt 2 of 5)"
    assert status_line(view, now=9.5) == "◌ reconnecting in 1 s (attempt 2 of 5)"
    assert status_line(view, now=10.0) == "◌ reconnecting… (attempt 2 of 5)"


def test_status_reconnecting_forever_has_no_total() -> None:
    view = ConnectionView("reconnecting", attempt=7, max_attempts=None, retry_at=None)
    assert status_line(view, now=0) == "◌ reconnecting… (attempt 7)"


def test_status_offline_shows_queued_messages() -> None:
    view = ConnectionView("reconnecting", attempt=1, max_attempts=5, queued=2)
    assert status_line(view, now=0).endswith("· 2 queued messages")
    one = ConnectionView("closed", queued=1)
    assert status_line(one, now=0) == "○ disconnected · 1 queued message"


def test_status_failed_says_why() -> None:
    view = ConnectionView("failed", error="gave up after 5 attempts")
    assert status_line(view, now=0) == "✖ failed: gave up after 5 attempts"
    assert status_line(ConnectionView("failed"), now=0) == "✖ failed"
    assert status_line(ConnectionView("idle"), now=0) == "○ not connected"


def test_streaming_message_carries_the_marker_until_complete() -> None:
    assert message_markdown("I've added", is_streaming=True) == f"I've added{STREAMING_MARKER}"
    assert message_markdown("I've added", is_streaming=False) == "I've added"
    # A name with a right-to-left override or a zero-width space shows as the escape.
    assert message_markdown("Added Lyon \u202etnalP", is_streaming=False) == (
        "Added Lyon \\u202etnalP"
    )
    assert message_markdown("Rotter\u200bdam", is_streaming=False) == "Rotter\\u200bdam"


def test_history_walks_back_and_restores_the_draft() -> None:
    history = InputHistory()
    for line in ("first", "second", "second", "  ", "third"):
        history.push(line)
    assert history.entries == ["first", "second", "third"]
    assert history.previous("draft") == "third"
    assert history.previous("third") == "second"
    assert history.previous("second") == "first"
    assert history.previous("first") == "first"  # stays at the oldest
    assert history.following() == "second"
    assert history.following() == "third"
    assert history.following() == "draft"
    assert history.following() == "draft"


def test_history_is_bounded_and_empty_history_keeps_the_text() -> None:
    history = InputHistory(limit=2)
    assert history.previous("typed") == "typed"
    for line in ("a", "b", "c"):
        history.push(line)
    assert history.entries == ["b", "c"]


def test_the_status_line_fits_its_width_shortening_the_reason_first() -> None:
    reason = "could not connect to ws://localhost:3001/copilot after 5 retries; last error: x"
    view = ConnectionView("failed", error=reason, queued=2, retry_at=30.0, hint="Ctrl-R retries")
    whole = status_line(view, now=0.0)
    assert whole == f"✖ failed: {reason} · retrying in 30 s · 2 queued messages · Ctrl-R retries"
    assert status_line(view, now=0.0, width=len(whole)) == whole
    assert status_line(view, now=0.0, width=80) == (
        "✖ failed: could not… · retrying in 30 s · 2 queued messages · Ctrl-R retries"
    )
    # Narrower: the reason goes, then the hint; the state and the counts stay.
    assert status_line(view, now=0.0, width=50) == "✖ failed · retrying in 30 s · 2 queued messages"
    assert len(status_line(view, now=0.0, width=20)) <= 20


def test_the_reconnecting_line_drops_its_hint_before_its_countdown() -> None:
    view = ConnectionView(
        "reconnecting", attempt=3, max_attempts=5, retry_at=4.0, queued=1, hint="Ctrl-R retries now"
    )
    assert status_line(view, now=0.0) == (
        "◌ reconnecting in 4 s (attempt 3 of 5) · 1 queued message · Ctrl-R retries now"
    )
    assert status_line(view, now=0.0, width=60) == (
        "◌ reconnecting in 4 s (attempt 3 of 5) · 1 queued message"
    )


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("could not connect to the server", 20) == "could not connect…"
    assert shorten("short", 20) == "short"
    assert shorten("unbreakable-long-word", 10) == "unbreakab…"
    assert shorten("a: b c", 5) == "a: b…"  # "b" is whole: the next character is a space
    assert shorten("anything", 1) == "…"
