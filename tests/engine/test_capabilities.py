"""The twin layer's newer capabilities on a real SQLite twin with hand-built commands: listing,
comparing and tracing nodes, settings, explanations, recommendations, comparing simulations,
renaming, alerts, directed links, honest answers on an empty network, and what each step
mentions (what "it" and "them" mean next)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.actions import ActionResult
from omnitrack_realtime.engine.twin import Twin

from .twin_helpers import USER, Clock, make_twin, place, ref, run


@pytest.fixture
def twin(tmp_path: Path) -> Twin:
    return make_twin(tmp_path, Clock())


@pytest.fixture
def network(twin: Twin) -> Twin:
    """Shanghai Supplier (sup-1) -> Berlin Plant (mfg-2) -> Rotterdam Warehouse (wh-3)."""
    ok(run(twin, "add-supplier", place=place("Shanghai")))
    ok(run(twin, "add-manufacturer", place=place("Berlin"), name="Berlin Plant"))
    ok(run(twin, "add-warehouse", place=place("Rotterdam")))
    ok(run(twin, "connect-nodes", source=ref("Shanghai Supplier"), target=ref("Berlin Plant")))
    ok(run(twin, "connect-nodes", source=ref("Berlin Plant"), target=ref("wh-3", "id")))
    return twin


def ok(result: ActionResult) -> ActionResult:
    assert result.success, result.answer.text
    assert 2 <= len(result.answer.suggestions) <= 4, result.answer.suggestions
    return result


def failed(result: ActionResult, *facts: str) -> ActionResult:
    assert not result.success, result.answer.text
    for fact in facts:
        assert fact in result.answer.text, result.answer.text
    assert result.changes == () and result.alerts == ()
    assert 1 <= len(result.answer.suggestions) <= 4
    return result


# ---------------------------------------------------------------------------- rename


def test_rename_a_node(network: Twin) -> None:
    result = ok(run(network, "rename-node", node=ref("Berlin Plant"), name="  Spree   Works "))
    assert network.get_node(USER, "mfg-2").name == "Spree Works"  # type: ignore[union-attr]
    assert "Renamed **Berlin Plant** (`mfg-2`) to **Spree Works**" in result.answer.text
    [change] = result.changes
    assert (change["change"], change["name"], change["oldName"]) == (
        "node_renamed",
        "Spree Works",
        "Berlin Plant",
    )
    assert result.mentioned == ("mfg-2",)
    # A change of case is a rename of its own.
    ok(run(network, "rename-node", node=ref("it", "pronoun"), name="SPREE WORKS"))


def test_rename_validates_like_an_add(network: Twin) -> None:
    failed(
        run(network, "rename-node", node=ref("Berlin Plant"), name="rotterdam warehouse"),
        "already a node called **Rotterdam Warehouse**",
    )
    failed(run(network, "rename-node", node=ref("Berlin Plant"), name="x" * 81), "at most 80")
    result = failed(
        run(network, "rename-node", node=ref("Berlin Plant"), name="**Bold**"), "can't contain"
    )
    assert result.answer.suggestions[0] == "Rename Berlin Plant to Bold"
    failed(run(network, "rename-node", node=ref("Berlin Plant")), "What should the name be?")
    failed(run(network, "rename-node", node=ref("Berlin Plant"), name="Berlin Plant"), "already")
    assert network.get_node(USER, "mfg-2").name == "Berlin Plant"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------- alerts


def test_acknowledge_and_resolve_an_alert_by_id(network: Twin) -> None:
    alert = network.add_alert(USER, severity="high", message="Berlin is hot", node_ids=["mfg-2"])
    result = ok(run(network, "acknowledge-alert", alert=alert.id))
    assert network.get_alert(USER, alert.id).status == "acknowledged"  # type: ignore[union-attr]
    assert "Acknowledged 1 alert" in result.answer.text and "Berlin is hot" in result.answer.text
    assert result.changes[0] == {
        "change": "alert_updated",
        "alertId": alert.id,
        "status": "acknowledged",
        "previous": "active",
        "nodeIds": ["mfg-2"],
    }
    failed(run(network, "acknowledge-alert", alert=alert.id), "already acknowledged")
    ok(run(network, "resolve-alert", alert=alert.id))
    assert network.get_alert(USER, alert.id).status == "resolved"  # type: ignore[union-attr]
    failed(run(network, "resolve-alert", alert=alert.id), "already resolved")
    failed(run(network, "resolve-alert", alert="alert-99"), "no alert `alert-99`")


def test_alerts_of_a_node_all_alerts_and_severity(network: Twin) -> None:
    a = network.add_alert(USER, severity="high", message="a", node_ids=["mfg-2"])
    b = network.add_alert(USER, severity="low", message="b", node_ids=["mfg-2"])
    c = network.add_alert(USER, severity="high", message="c", node_ids=["wh-3"])
    result = ok(run(network, "acknowledge-alert", node=ref("Berlin Plant")))
    assert {ch["alertId"] for ch in result.changes} == {a.id, b.id}
    assert result.mentioned == ("mfg-2",)
    high = ok(run(network, "resolve-alert", all=True, severity="high"))
    assert {ch["alertId"] for ch in high.changes} == {a.id, c.id}
    assert network.get_alert(USER, b.id).status == "acknowledged"  # type: ignore[union-attr]
    failed(
        run(network, "acknowledge-alert", node=ref("Rotterdam Warehouse")),
        "no active alerts on **Rotterdam Warehouse**",
    )


def test_alerts_without_a_choice_ask_which_or_take_the_only_one(network: Twin) -> None:
    failed(run(network, "acknowledge-alert"), "no active alerts to acknowledge")
    only = network.add_alert(USER, severity="medium", message="only")
    assert ok(run(network, "acknowledge-alert")).changes[0]["alertId"] == only.id
    network.add_alert(USER, severity="medium", message="one")
    network.add_alert(USER, severity="medium", message="two")
    failed(run(network, "acknowledge-alert"), "Which alert?", "one", "two")
    assert ok(run(network, "acknowledge-alert", all=True)).changes
