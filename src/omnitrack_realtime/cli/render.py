"""Plain-text rendering shared by the terminal faces (``omnitrack listen``, ``chat``, the TUI).

Pure functions: no I/O, no terminal codes. The callers decide where the text goes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..text import escape_unsafe

__all__ = [
    "SEVERITY_STYLES",
    "event_line",
    "event_severity",
    "event_summary",
    "redact_url",
    "terminal_safe",
]

#: Rich style per alert severity, from calm to loud; unknown severities use ``info``.
SEVERITY_STYLES: Mapping[str, str] = {
    "info": "cyan",
    "low": "green",
    "medium": "yellow",
    "warning": "yellow",
    "high": "bold red",
    "critical": "bold white on red",
}


def terminal_safe(text: str, *, one_line: bool = False) -> str:
    """``text`` from the server, safe to print: control characters (an escape sequence could
    retitle, clear or rewrite the user's terminal), zero-width characters (two names that look
    alike but differ) and bidirectional overrides (text shown in another order than it is
    stored) are written as ``\\x1b``/``\\u202e``-style escapes
    (:func:`omnitrack_realtime.text.escape_unsafe`). Newlines and tabs are kept unless
    ``one_line`` (then ``\\n``, ``\\t``)."""
    return escape_unsafe(text, one_line=one_line)


def event_severity(event_type: str, data: Any) -> str | None:
    """The severity of an alert event (lower case), or ``None`` for other events."""
    if not isinstance(data, Mapping):
        return None
    severity = data.get("severity")
    if isinstance(severity, str) and severity:
        return severity.lower()
    return "info" if event_type == "alert_notification" else None


def _short(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_summary(event_type: str, data: Any, *, limit: int = 120) -> str:
    """What happened, in one short human sentence-ish line (no timestamp, no type)."""
    if isinstance(data, Mapping):
        for key in ("message", "title", "summary", "description"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return _short(value, limit)
        changes = data.get("changes")
        if isinstance(changes, list) and changes:
            described = [_describe_change(c) for c in changes if isinstance(c, Mapping)]
            if described:
                return _short("; ".join(described), limit)
        if event_type == "scenario_progress" and "progress" in data:
            scenario = data.get("scenario") or data.get("scenarioId") or "scenario"
            stage = data.get("stage") or data.get("status") or ""
            return _short(f"{scenario} {data['progress']}% {stage}".strip(), limit)
        if event_type == "digital_twin_update":
            entity = data.get("entity") or data.get("entityType") or data.get("kind")
            change = data.get("change") or data.get("action") or data.get("operation")
            name = data.get("name") or data.get("id") or data.get("entityId")
            words = [str(w) for w in (change, entity, name) if w]
            if words:
                return _short(" ".join(words), limit)
    if data is None:
        return ""
    return _short(data, limit)


def _describe_change(change: Mapping[str, Any]) -> str:
    """``node_added supplier Singapore Supplier``, ``connection_added wh-2 → sup-1``."""
    words = [str(change.get("change", "changed")).replace("_", " ")]
    node = change.get("node")
    connection = change.get("connection")
    if isinstance(node, Mapping):
        words += [str(node[key]) for key in ("type", "name") if node.get(key)]
    elif isinstance(connection, Mapping):
        # The same arrow as the answer: ↔ for a link that carries goods both ways.
        arrow = "↔" if connection.get("bidirectional") else "→"
        words.append(f"{connection.get('source', '?')} {arrow} {connection.get('target', '?')}")
    elif change.get("source") or change.get("target"):
        words.append(f"{change.get('source', '?')} → {change.get('target', '?')}")
    elif change.get("nodeId"):
        words.append(str(change["nodeId"]))
    return " ".join(words)


def event_line(event_type: str, data: Any, timestamp: str | None = None) -> str:
    """One readable line per event, as ``omnitrack listen`` prints it."""
    severity = event_severity(event_type, data)
    parts = [timestamp or "-", event_type]
    if severity is not None:
        parts.append(f"[{severity}]")
    summary = event_summary(event_type, data)
    if summary:
        parts.append(summary)
    return terminal_safe("  ".join(parts), one_line=True)  # every part came from the server


def redact_url(url: str) -> str:
    """The URL without its query string (it may carry a token) or credentials
    (``user:password@``), for messages and logs; ``?…`` marks a dropped query."""
    head, sep, _query = url.partition("?")
    scheme, scheme_sep, rest = head.partition("://")
    if scheme_sep:
        authority, slash, path = rest.partition("/")
        head = f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
    return f"{head}?…" if sep else head
