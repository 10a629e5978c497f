"""Counters and gauges, and their Prometheus text."""

from __future__ import annotations

from omnitrack_realtime.server.metrics import KNOWN_METRICS, Metrics


def _samples(text: str) -> dict[str, str]:
    """Sample lines as {'name{labels}': 'value'}."""
    samples: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = value
    return samples


def test_known_metrics_render_with_help_type_and_zero() -> None:
    text = Metrics().render()
    assert text.endswith("\n")
    for name, (kind, _) in KNOWN_METRICS.items():
        full = f"omnitrack_{name}" + ("_total" if kind == "counter" else "")
        assert f"# TYPE {full} {kind}\n" in text
        assert f"# HELP {full} " in text
        assert _samples(text)[full] == "0"


def test_counters_and_labelled_gauges() -> None:
    metrics = Metrics()
    metrics.inc("messages_in", channel="copilot")
    metrics.inc("messages_in", 2, channel="copilot")
    metrics.inc("messages_in", channel="ws")
    metrics.inc("connections", channel="ws")
    metrics.inc("connections", channel="ws")
    metrics.dec("connections", channel="ws")
    samples = _samples(metrics.render())
    assert samples['omnitrack_messages_in_total{channel="copilot"}'] == "3"
    assert samples['omnitrack_messages_in_total{channel="ws"}'] == "1"
    assert samples['omnitrack_connections{channel="ws"}'] == "1"
    assert metrics.get("messages_in", channel="copilot") == 3
    assert metrics.total("messages_in") == 4
    assert metrics.stats()["connections"] == 1


def test_set_and_unknown_names() -> None:
    metrics = Metrics()
    metrics.set("event_buffer_size", 12.5)
    metrics.inc("custom_things")
    text = metrics.render()
    assert "# TYPE omnitrack_event_buffer_size gauge" in text
    assert _samples(text)["omnitrack_event_buffer_size"] == "12.5"
    assert _samples(text)["omnitrack_custom_things_total"] == "1"


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.inc("auth_failures", reason='bad "token"\\\n')
    assert 'omnitrack_auth_failures_total{reason="bad \\"token\\"\\\\\\n"} 1' in metrics.render()


def test_labels_are_sorted_for_a_stable_key() -> None:
    metrics = Metrics()
    metrics.inc("messages_out", channel="ws", kind="event")
    metrics.inc("messages_out", kind="event", channel="ws")
    samples = _samples(metrics.render())
    assert samples['omnitrack_messages_out_total{channel="ws",kind="event"}'] == "2"
