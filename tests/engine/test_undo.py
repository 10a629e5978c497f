"""Undo: every changing step is journaled in its conversation's dialogue state, and ``undo``
reverts the newest entry, one per call, publishing the changes that revert it."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.actions import ActionResult
from omnitrack_realtime.engine.actions.memory import MAX_JOURNAL
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.twin import Twin
from omnitrack_realtime.seam import EngineRequest

from .twin_helpers import CONV, USER, Clock, build_network, make_twin, ok, place, ref, run


@pytest.fixture
def twin(tmp_path: Path) -> Twin:
    return make_twin(tmp_path, Clock())


@pytest.fixture
def network(twin: Twin) -> Twin:
    """Shanghai Supplier (sup-1) -> Berlin Plant (mfg-2) -> Rotterdam Warehouse (wh-3), built
    in another conversation, so this conversation's journal starts empty."""
    return build_network(twin, "setup")


def undo(twin: Twin, conversation: str = CONV) -> ActionResult:
    return run(twin, "undo", conversation)


def kinds(result: ActionResult) -> list[str]:
    return [c["change"] for c in result.changes]


def test_nothing_to_undo_is_an_honest_failed_answer(network: Twin) -> None:
    result = undo(network)
    assert not result.success and "nothing to undo" in result.answer.text
    assert result.changes == ()
    assert len(network.list_nodes(USER)) == 3


def test_undo_an_add_removes_the_node(twin: Twin) -> None:
    ok(run(twin, "add-supplier", place=place("Jakarta")))
    result = ok(undo(twin))
    assert twin.list_nodes(USER) == []
    assert kinds(result) == ["node_removed"]
    assert result.changes[0]["node"]["name"] == "Jakarta Supplier"
    assert "Undid your last change (**add-supplier**)" in result.answer.text
    assert "removed **Jakarta Supplier** (`sup-1`) again" in result.answer.text


def test_undo_a_remove_restores_the_node_with_its_id_links_and_place(network: Twin) -> None:
    before_nodes = network.list_nodes(USER)
    before_links = network.list_connections(USER)
    removed = ok(run(network, "remove-node", node=ref("Berlin Plant")))
    assert removed.changes[0]["node"]["id"] == "mfg-2"  # the whole node, for undo
    assert len(removed.changes[0]["connections"]) == 2
    result = ok(undo(network))
    assert network.list_nodes(USER) == before_nodes  # same id, fields, creation order
    assert sorted(network.list_connections(USER), key=str) == sorted(before_links, key=str)
    assert kinds(result) == ["node_added", "connection_added", "connection_added"]
    assert "restored **Berlin Plant** (`mfg-2`) with its 2 connections" in result.answer.text
    assert result.mentioned == ("mfg-2",)
    # Creation order survives: the restored plant is still the second node.
    second = ok(run(network, "get-node-details", node=ref("2", "ordinal")))
    assert second.mentioned == ("mfg-2",)


def test_undo_an_update_puts_the_changed_fields_back(network: Twin) -> None:
    before = network.get_node(USER, "mfg-2")
    updated = ok(run(network, "update-node", node=ref("Berlin Plant"), capacity=12_000))
    assert updated.changes[0]["before"]["capacity"] == 8_000
    result = ok(undo(network))
    after = network.get_node(USER, "mfg-2")
    assert after is not None and before is not None
    assert after.capacity == 8_000 and after.location == before.location
    assert kinds(result) == ["node_updated"]
    assert "capacity 12,000 → 8,000 units" in result.answer.text


def test_undo_a_status_change_resolves_the_alert_it_raised(network: Twin) -> None:
    marked = ok(run(network, "update-node", node=ref("Berlin Plant"), status="offline"))
    [alert] = marked.alerts
    result = ok(undo(network))
    assert network.get_node(USER, "mfg-2").status == "operational"  # type: ignore[union-attr]
    assert network.get_alert(USER, alert.id).status == "resolved"  # type: ignore[union-attr]
    assert kinds(result) == ["node_updated", "alert_updated"]


def test_undo_a_connect_and_a_disconnect(network: Twin) -> None:
    ok(run(network, "add-retailer", "setup", place=place("Paris")))
    ok(run(network, "connect-nodes", source=ref("wh-3", "id"), target=ref("Paris Store")))
    result = ok(undo(network))
    assert network.find_connection(USER, "wh-3", "ret-4") is None
    assert kinds(result) == ["connection_removed"]
    assert "removed the link Rotterdam Warehouse → Paris Store" in result.answer.text

    ok(run(network, "disconnect-nodes", source=ref("Shanghai"), target=ref("Berlin Plant")))
    result = ok(undo(network))
    restored = network.find_connection(USER, "sup-1", "mfg-2")
    assert restored is not None and not restored.bidirectional  # the direction it had
    assert kinds(result) == ["connection_added"]
    assert "restored the link Shanghai Supplier → Berlin Plant" in result.answer.text


def test_undo_a_rename(network: Twin) -> None:
    ok(run(network, "rename-node", node=ref("Berlin Plant"), name="Spree Works"))
    result = ok(undo(network))
    assert network.get_node(USER, "mfg-2").name == "Berlin Plant"  # type: ignore[union-attr]
    assert kinds(result) == ["node_renamed"]
    assert result.changes[0]["oldName"] == "Spree Works"
    assert "**Spree Works** (`mfg-2`) is called **Berlin Plant** again" in result.answer.text


@pytest.mark.parametrize(
    ("intent", "key", "value", "field", "original"),
    [
        ("set-currency", "currency", "EUR", "currency", "USD"),
        ("set-region", "region", "europe", "region", None),
        ("set-risk-profile", "level", "high", "risk_profile", "medium"),
        ("set-industry", "industry", "automotive", "industry", None),
    ],
)
def test_undo_a_setting(
    twin: Twin, intent: str, key: str, value: str, field: str, original: str | None
) -> None:
    ok(run(twin, intent, **{key: value}))
    result = ok(undo(twin))
    assert getattr(twin.get_settings(USER), field) == original
    assert kinds(result) == ["settings_updated"] and result.changes[0]["new"] == original


def test_undo_a_shipping_method_on_a_node_and_the_network(network: Twin) -> None:
    network.set_shipping_method(USER, "mfg-2", "truck")
    ok(run(network, "add-shipping-method", method="air", node=ref("Berlin Plant")))
    assert {c.shipping_method for c in network.list_connections(USER)} == {"air"}
    result = ok(undo(network))
    assert {c.shipping_method for c in network.list_connections(USER)} == {"truck"}
    assert network.get_settings(USER).shipping_methods == ("sea", "truck")
    assert kinds(result) == ["connections_updated", "settings_updated"]


def test_undo_an_acknowledged_alert(network: Twin) -> None:
    alert = network.add_alert(USER, severity="high", message="m", node_ids=["mfg-2"])
    ok(run(network, "acknowledge-alert", alert=alert.id))
    ok(undo(network))
    assert network.get_alert(USER, alert.id).status == "active"  # type: ignore[union-attr]


def test_repeated_undo_goes_further_back_one_step_each(twin: Twin) -> None:
    ok(run(twin, "add-supplier", place=place("Shanghai")))
    ok(run(twin, "add-manufacturer", place=place("Berlin")))
    ok(run(twin, "connect-nodes", source=ref("sup-1", "id"), target=ref("mfg-2", "id")))
    ok(run(twin, "set-currency", currency="EUR"))
    first = ok(undo(twin))
    assert twin.get_settings(USER).currency == "USD"
    assert "3 earlier changes can still be undone" in first.answer.text
    assert first.answer.suggestions[0] == "Undo"
    ok(undo(twin))
    assert twin.list_connections(USER) == [] and len(twin.list_nodes(USER)) == 2
    ok(undo(twin))
    assert [n.id for n in twin.list_nodes(USER)] == ["sup-1"]
    last = ok(undo(twin))
    assert twin.list_nodes(USER) == [] and "can still be undone" not in last.answer.text
    assert not undo(twin).success


def test_undo_a_multi_node_step_reverts_all_of_it(network: Twin) -> None:
    network.set_context(USER, CONV, ["sup-1", "wh-3"])
    ok(run(network, "update-node", node=ref("them", "pronoun"), status="degraded"))
    ok(undo(network))
    assert {n.status for n in network.list_nodes(USER)} == {"operational"}


def test_the_journal_is_per_conversation(network: Twin) -> None:
    ok(run(network, "set-currency", "a", currency="EUR"))
    assert not undo(network, "b").success
    assert network.get_settings(USER).currency == "EUR"
    ok(undo(network, "a"))
    assert network.get_settings(USER).currency == "USD"


def test_reads_failures_and_no_op_steps_are_not_journaled(network: Twin) -> None:
    ok(run(network, "get-node-details", node=ref("Berlin Plant")))
    assert not run(network, "remove-node", node=ref("Atlantis")).success
    ok(run(network, "set-currency", currency="USD"))  # already USD: nothing changed
    assert not undo(network).success


def test_the_journal_keeps_the_last_twenty_changes(twin: Twin) -> None:
    for index in range(MAX_JOURNAL + 3):
        ok(run(twin, "add-retailer", place=place("Paris"), name=f"Shop {index}"))
    assert len(twin.get_dialogue(USER, CONV)["journal"]) == MAX_JOURNAL
    for _ in range(MAX_JOURNAL):
        ok(undo(twin))
    assert [n.name for n in twin.list_nodes(USER)] == ["Shop 0", "Shop 1", "Shop 2"]
    assert not undo(twin).success


def test_the_journal_leaves_other_dialogue_keys_alone(twin: Twin) -> None:
    twin.update_dialogue(USER, CONV, lambda state: state.update(pending={"q": "Which city?"}))
    ok(run(twin, "add-supplier", place=place("Lima")))
    ok(undo(twin))
    assert twin.get_dialogue(USER, CONV)["pending"] == {"q": "Which city?"}


def test_undo_says_what_it_could_not_revert(network: Twin) -> None:
    ok(run(network, "update-node", node=ref("Berlin Plant"), capacity=9_000))
    ok(run(network, "remove-node", "other", node=ref("Berlin Plant")))  # meanwhile, elsewhere
    result = undo(network)
    assert not result.success and "could not undo" in result.answer.text.lower()
    assert "Berlin Plant" in result.answer.text
    assert not undo(network).success  # the entry that could not apply is gone


def test_undo_of_a_remove_when_the_name_is_taken_again(network: Twin) -> None:
    ok(run(network, "remove-node", node=ref("wh-3", "id")))
    ok(run(network, "add-warehouse", "other", place=place("Hamburg"), name="Rotterdam Warehouse"))
    result = undo(network)
    assert not result.success and "has that name now" in result.answer.text


def test_undo_removing_two_linked_nodes_restores_the_link_between_them(network: Twin) -> None:
    links = sorted(network.list_connections(USER), key=str)
    network.set_context(USER, CONV, ["sup-1", "mfg-2"])
    ok(run(network, "remove-node", node=ref("them", "pronoun")))
    assert [n.id for n in network.list_nodes(USER)] == ["wh-3"]
    result = ok(undo(network))
    assert [n.id for n in network.list_nodes(USER)] == ["sup-1", "mfg-2", "wh-3"]
    assert sorted(network.list_connections(USER), key=str) == links
    assert result.mentioned == ("mfg-2", "sup-1")


def test_redo_makes_undone_changes_again_in_order_until_a_new_change(tmp_path: Path) -> None:
    engine = SupplyChainEngine(tmp_path / "redo.db", clock=Clock())
    try:
        for text in ("add a supplier in Lyon", "add a warehouse in Paris", "connect them"):
            engine.run_turn(EngineRequest(USER, "c", text))
        for _ in range(2):
            assert (
                engine.run_turn(EngineRequest(USER, "c", "undo")).start_metadata["intent"] == "undo"
            )
        assert [n.name for n in engine.twin.list_nodes(USER)] == ["Lyon Supplier"]
        redo = engine.run_turn(EngineRequest(USER, "c", "redo"))
        assert redo.start_metadata["intent"] == "redo"
        assert redo.end_metadata["actionSuccess"] is True
        assert [n.name for n in engine.twin.list_nodes(USER)] == [
            "Lyon Supplier",
            "Paris Warehouse",
        ]
        engine.run_turn(EngineRequest(USER, "c", "redo that"))
        assert len(engine.twin.list_connections(USER)) == 1
        nothing = engine.run_turn(EngineRequest(USER, "c", "redo"))
        assert nothing.end_metadata["actionSuccess"] is False
        assert "nothing to redo" in nothing.text
        # a redo can be undone like any change, and a new change ends what can be redone
        # (after a turn that changed nothing, an undo asks first)
        engine.run_turn(EngineRequest(USER, "c", "undo"))
        engine.run_turn(EngineRequest(USER, "c", "yes"))
        assert engine.twin.list_connections(USER) == []
        engine.run_turn(EngineRequest(USER, "c", "add a store in Lille"))
        assert "nothing to redo" in engine.run_turn(EngineRequest(USER, "c", "redo")).text
        assert engine.twin.list_connections(USER) == []
    finally:
        engine.close()
