"""One readable line per event, as ``omnitrack listen`` and the events panel show them."""

from __future__ import annotations

from omnitrack_realtime.cli.render import event_line, event_severity, event_summary, redact_url


def test_alert_line_has_severity_and_message() -> None:
    data = {"severity": "HIGH", "message": "Port of Rotterdam congested"}
    assert event_severity("alert_notification", data) == "high"
    line = event_line("alert_notification", data, "2026-01-01T00:00:00.000Z")
    assert line == (
        "2026-01-01T00:00:00.000Z  alert_notification  [high]  Port of Rotterdam congested"
    )


def test_twin_update_summary_from_its_fields() -> None:
    data = {"action": "created", "entityType": "supplier", "name": "Shenzhen Parts"}
    assert event_summary("digital_twin_update", data) == "created supplier Shenzhen Parts"
    assert event_severity("digital_twin_update", data) is None


def test_other_payloads_become_short_json() -> None:
    assert event_summary("x", [1, 2]) == "[1,2]"
    assert event_summary("x", None) == ""
    assert event_summary("x", "a" * 300, limit=10) == "a" * 9 + "…"
    assert event_line("x", None) == "-  x"


def test_redact_url_drops_the_query() -> None:
    assert redact_url("ws://h:1/copilot?token=secret") == "ws://h:1/copilot?…"
    assert redact_url("ws://h:1/ws") == "ws://h:1/ws"


def test_engine_changes_are_described_one_by_one() -> None:
    data = {
        "intent": "multi-step",
        "changes": [
            {"change": "node_added", "node": {"id": "wh-2", "type": "warehouse", "name": "RW"}},
            {"change": "connection_added", "connection": {"source": "wh-2", "target": "sup-1"}},
            {"change": "connection_removed", "source": "a", "target": "b"},
            {"change": "connections_updated", "nodeId": "sup-1"},
        ],
    }
    assert event_summary("digital_twin_update", data) == (
        "node added warehouse RW; connection added wh-2 → sup-1; "
        "connection removed a → b; connections updated sup-1"
    )


def test_scenario_progress_summary() -> None:
    data = {"scenario": "port-closure", "progress": 40, "stage": "cascade"}
    assert event_summary("scenario_progress", data) == "port-closure 40% cascade"


def test_event_lines_from_the_server_cannot_drive_the_terminal_or_split_the_line() -> None:
    """Event fields come from the server: an escape sequence in them must not retitle, clear or
    rewrite the user's terminal, and a newline must not break 'one line per event'."""
    data = {"severity": "high", "message": "port\x1b]0;pwned\x07 closed\r\nsecond\x9b2J line"}
    line = event_line("alert\x1b[2J_notification", data, "2026-01-01T00:00:00.000Z\x1b[1A")
    assert not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in line), repr(line)
    assert "port\\x1b]0;pwned\\x07 closed\\nsecond\\x9b2J line" in line
    assert line.startswith("2026-01-01T00:00:00.000Z\\x1b[1A  alert\\x1b[2J_notification  [high]")
    # Printable text is untouched.
    assert event_line("x", {"message": "Café → 東京 ✓"}) == "-  x  Café → 東京 ✓"


def test_terminal_safe_keeps_windows_line_ends_as_line_ends() -> None:
    """An answer written with CRLF line ends prints as lines, not as '\\r' escapes; a lone
    carriage return (which could overwrite what the line showed) is still escaped."""
    from omnitrack_realtime.cli.render import terminal_safe

    assert terminal_safe("one\r\ntwo\r\n") == "one\ntwo\n"
    assert terminal_safe("safe\rEVIL") == "safe\\rEVIL"
    assert terminal_safe("one\r\ntwo", one_line=True) == "one\\ntwo"


def test_a_two_way_link_is_drawn_both_ways_as_in_the_answer() -> None:
    change = {"source": "wh-2", "target": "sup-1", "bidirectional": True}
    data = {"changes": [{"change": "connection_added", "connection": change}]}
    assert event_summary("digital_twin_update", data) == "connection added wh-2 ↔ sup-1"


def test_terminal_safe_shows_bidi_overrides_and_zero_width_characters_as_escapes() -> None:
    """A node name carrying U+202E (right-to-left override) or a zero-width space prints as
    the escape, not as reordered or invisibly different text."""
    from omnitrack_realtime.cli.render import terminal_safe

    assert terminal_safe("Added Lyon \u202etnalP") == "Added Lyon \\u202etnalP"
    assert terminal_safe("Rotter\u200bdam\u2066") == "Rotter\\u200bdam\\u2066"
    assert terminal_safe("\x1b[2Jok\n") == "\\x1b[2Jok\n"


def test_event_lines_escape_what_the_payload_carries() -> None:
    data = {"severity": "high", "message": "Port \u202eclosed\u200b\x1b[31m"}
    line = event_line("alert_notification", data, "t")
    assert line == "t  alert_notification  [high]  Port \\u202eclosed\\u200b\\x1b[31m"
