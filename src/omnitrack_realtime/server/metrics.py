"""Server counters and gauges, rendered as Prometheus text (exposition format 0.0.4).

Plain dictionaries, no client library: the server is one asyncio thread, so no locking. Known
metrics carry help text and a type; any other name works too (``inc`` makes a counter, ``set`` a
gauge). Rendered names are prefixed ``omnitrack_``; counters also get the ``_total`` suffix.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["KNOWN_METRICS", "Metrics"]

KNOWN_METRICS: Mapping[str, tuple[str, str]] = {
    "connections": ("gauge", "Open WebSocket connections, by channel."),
    "messages_in": ("counter", "Frames received from clients, by channel."),
    "messages_out": ("counter", "Frames sent to clients, by channel."),
    "auth_failures": (
        "counter",
        "Rejected handshakes, in-band auth attempts and /api/twin requests, by status and where.",
    ),
    "rate_limited": (
        "counter",
        "Requests refused by a rate limit, by what was asked (message, replay, history).",
    ),
    "streams_started": ("counter", "Streamed answers started."),
    "streams_completed": ("counter", "Streamed answers completed."),
    "streams_interrupted": ("counter", "Streamed answers interrupted (cancel, error, shutdown)."),
    "slow_consumers_closed": ("counter", "Connections closed 1013 for not reading fast enough."),
    "outbound_buffer_peak_bytes": (
        "gauge",
        "The most bytes one connection has had waiting to be written (bounded by the limit).",
    ),
    "events_published": ("counter", "Events published on /ws."),
    "events_refused": (
        "counter",
        "Events not published because the event log (Redis) was unavailable.",
    ),
    "events_lost_notices": (
        "counter",
        "events_lost frames sent on /ws (history a client asked for was gone), by reason.",
    ),
    "event_log_available": (
        "gauge",
        "1 while the shared event log can be written, 0 while degraded (Redis unreachable).",
    ),
    "limits_shared": (
        "gauge",
        "1 while the per-user limits are shared by every process (Redis), 0 while each process "
        "applies its own (Redis unreachable: fail open).",
    ),
    "presence_shared": (
        "gauge",
        "1 while typing indicators and read receipts reach the other processes (Redis pub/sub).",
    ),
    "presence_dropped": (
        "counter",
        "Presence signals read from Redis and dropped, by reason (malformed, unsigned, "
        "bad_signature).",
    ),
    "backplane_dropped": (
        "counter",
        "Events read from Redis and dropped, by reason (malformed, reserved, unsigned, "
        "bad_signature).",
    ),
}

_PREFIX = "omnitrack_"
_LabelKey = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _format_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Metrics:
    """Counters and gauges keyed by name and labels."""

    def __init__(self) -> None:
        self._values: dict[str, dict[_LabelKey, float]] = {}
        self._types: dict[str, str] = {}

    def _series(self, name: str, kind: str) -> dict[_LabelKey, float]:
        self._types.setdefault(name, KNOWN_METRICS.get(name, (kind, ""))[0])
        return self._values.setdefault(name, {})

    def inc(self, name: str, value: float = 1, **labels: str) -> None:
        """Add ``value`` to ``name`` (a counter, or a gauge such as ``connections`` with -1)."""
        series = self._series(name, "counter")
        key = tuple(sorted(labels.items()))
        series[key] = series.get(key, 0) + value

    def dec(self, name: str, value: float = 1, **labels: str) -> None:
        """Subtract ``value`` from the gauge ``name``."""
        self.inc(name, -value, **labels)

    def set(self, name: str, value: float, **labels: str) -> None:
        """Set the gauge ``name`` to ``value``."""
        self._series(name, "gauge")[tuple(sorted(labels.items()))] = value

    def get(self, name: str, **labels: str) -> float:
        """The current value of one series (0 when never touched)."""
        return self._values.get(name, {}).get(tuple(sorted(labels.items())), 0)

    def total(self, name: str) -> float:
        """The sum of every series of ``name``, whatever its labels."""
        return sum(self._values.get(name, {}).values())

    def stats(self) -> dict[str, float]:
        """Totals per metric name (for logs and tests)."""
        return {name: sum(series.values()) for name, series in self._values.items()}

    def render(self) -> str:
        """Every metric in Prometheus text format 0.0.4 (known metrics always appear)."""
        lines: list[str] = []
        names = sorted(set(KNOWN_METRICS) | set(self._values))
        for name in names:
            kind = self._types.get(name) or KNOWN_METRICS[name][0]
            help_text = KNOWN_METRICS.get(name, (kind, f"{name} ({kind})."))[1]
            full = _PREFIX + name + ("_total" if kind == "counter" else "")
            lines.append(f"# HELP {full} {help_text}")
            lines.append(f"# TYPE {full} {kind}")
            series = self._values.get(name) or {(): 0}
            for labels, value in sorted(series.items()):
                label_text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
                suffix = f"{{{label_text}}}" if label_text else ""
                lines.append(f"{full}{suffix} {_format_value(value)}")
        return "\n".join(lines) + "\n"
