"""Every intent executed on a real SQLite twin with hand-built commands: the twin change, the
answer's key facts, success, suggestions; and the error paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.engine import actions
from omnitrack_realtime.engine.actions import execute
from omnitrack_realtime.engine.commands import INTENTS, Command
from omnitrack_realtime.engine.twin import Twin

from .twin_helpers import (
    CONV,
    T0,
    USER,
    Clock,
    build_network,
    failed,
    make_twin,
    ok,
    place,
    ref,
    run,
)

pytestmark = pytest.mark.usefixtures("twin_backend")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def twin(tmp_path: Path, clock: Clock) -> Twin:
    return make_twin(tmp_path, clock)


@pytest.fixture
def network(twin: Twin) -> Twin:
    """Shanghai Supplier (sup-1) -> Berlin Plant (mfg-2) -> Rotterdam Warehouse (wh-3)."""
    return build_network(twin)


def test_every_intent_has_a_handler(twin: Twin) -> None:
    for intent in (i for group in INTENTS.values() for i in group):
        result = execute(Command(intent, {}), twin, USER, CONV)
        assert result.intent == intent
        assert "Action not found" not in result.answer.text


# ---------------------------------------------------------------------------- build


@pytest.mark.parametrize(
    ("intent", "node_type", "name", "capacity"),
    [
        ("add-supplier", "supplier", "Jakarta Supplier", 10_000),
        ("add-manufacturer", "manufacturer", "Jakarta Plant", 8_000),
        ("add-warehouse", "warehouse", "Jakarta Warehouse", 20_000),
        ("add-distributor", "distribution_center", "Jakarta Distribution Center", 15_000),
        ("add-retailer", "retailer", "Jakarta Store", 2_000),
    ],
)
def test_add_node_with_defaults(
    twin: Twin, intent: str, node_type: str, name: str, capacity: int
) -> None:
    result = ok(run(twin, intent, place=place("Jakarta")))
    [node] = twin.list_nodes(USER)
    assert (node.type, node.name, node.capacity, node.location.country) == (
        node_type,
        name,
        capacity,
        "Indonesia",
    )
    assert node.status == "operational" and node.updated_at == T0
    assert name in result.answer.text and f"{capacity:,}" in result.answer.text
    assert result.changes[0]["change"] == "node_added"
    assert result.changes[0]["node"]["id"] == node.id
    assert result.mentioned == (node.id,)
    # Nothing to connect it to yet: the first suggestion builds the next tier next to it.
    assert result.answer.suggestions[0].startswith("Add a ")
    assert result.answer.suggestions[0].endswith(" in Jakarta")
    assert twin.get_context(USER, CONV) == (node.id,)


def test_add_node_suggests_connecting_it_to_the_nearest_next_tier_node(network: Twin) -> None:
    ok(run(network, "add-manufacturer", place=place("Tokyo"), name="Tokyo Plant"))
    result = ok(run(network, "add-supplier", place=place("Osaka")))
    assert result.answer.suggestions[0] == "Connect Osaka Supplier to Tokyo Plant"


def test_add_node_with_name_and_capacity(twin: Twin) -> None:
    result = ok(run(twin, "add-supplier", place=place("Shanghai"), name="Acme", capacity=5000))
    node = twin.find_by_name(USER, "acme")
    assert node is not None and node.capacity == 5000
    assert "**Acme**" in result.answer.text and "5,000" in result.answer.text


def test_add_node_refuses_a_name_over_80_characters(twin: Twin) -> None:
    # A 1,900-character "name" was stored and repeated in every later answer that lists nodes.
    failed(
        run(twin, "add-warehouse", place=place("Berlin"), name="A" * 1900),
        "at most 80 characters",
    )
    assert twin.list_nodes(USER) == []
    ok(run(twin, "add-warehouse", place=place("Berlin"), name="B" * 80))


def test_a_users_network_has_a_size_limit(twin: Twin, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every turn loads a user's whole network: adding nodes forever must stop somewhere.
    monkeypatch.setattr(actions, "MAX_NODES", 3)
    monkeypatch.setattr(actions, "MAX_CONNECTIONS", 1)
    for city in ("Berlin", "Paris", "Rome"):
        ok(run(twin, "add-warehouse", place=place(city)))
    failed(run(twin, "add-warehouse", place=place("Oslo")), "3 nodes, the most it can hold")
    ok(run(twin, "connect-nodes", source=ref("Berlin Warehouse"), target=ref("Paris Warehouse")))
    failed(
        run(twin, "connect-nodes", source=ref("Paris Warehouse"), target=ref("Rome Warehouse")),
        "1 connections, the most",
    )
    assert len(twin.list_nodes(USER)) == 3 and len(twin.list_connections(USER)) == 1


def test_add_node_in_a_region_picks_a_city_and_says_which(twin: Twin) -> None:
    result = ok(run(twin, "add-supplier", place=place("Asia")))
    [node] = twin.list_nodes(USER)
    assert node.location.city is not None and node.location.region == "asia-pacific"
    assert "You named only Asia-Pacific" in result.answer.text
    assert node.location.city in result.answer.text


def test_default_names_never_collide(twin: Twin) -> None:
    ok(run(twin, "add-warehouse", place=place("Rotterdam")))
    second = ok(run(twin, "add-warehouse", place=place("Rotterdam")))
    assert [n.name for n in twin.list_nodes(USER)] == [
        "Rotterdam Warehouse",
        "Rotterdam Warehouse 2",
    ]
    assert "Rotterdam Warehouse 2" in second.answer.text


def test_a_name_with_markdown_is_refused_with_a_plain_suggestion(twin: Twin) -> None:
    result = failed(
        run(twin, "add-supplier", place=place("Paris"), name="**Evil** [x](http://e.vil)"),
        "can't contain",
    )
    assert twin.list_nodes(USER) == []
    assert result.answer.suggestions[0] == "Add a supplier in Paris named Evil x (http://e.vil)"
    ok(run(twin, "add-supplier", place=place("Paris"), name="Müller & Söhne (Paris) #2"))


def test_add_node_errors(twin: Twin) -> None:
    failed(run(twin, "add-supplier"), "Where should the supplier be?")
    failed(run(twin, "add-supplier", place=place("Tokyo"), capacity=-5), "not a valid capacity")
    failed(run(twin, "add-supplier", place=place("Tokyo"), capacity="lots"), "not a valid capacity")
    ok(run(twin, "add-supplier", place=place("Tokyo"), name="Acme"))
    failed(run(twin, "add-retailer", place=place("Paris"), name="ACME"), "already a node called")
    assert len(twin.list_nodes(USER)) == 1


def test_remove_node_removes_its_connections(network: Twin) -> None:
    result = ok(run(network, "remove-node", node=ref("Berlin Plant")))
    assert [n.id for n in network.list_nodes(USER)] == ["sup-1", "wh-3"]
    assert network.list_connections(USER) == []
    assert "Berlin Plant" in result.answer.text and "2 connections" in result.answer.text
    assert "2 nodes remain" in result.answer.text
    assert result.changes[0]["change"] == "node_removed"
    assert len(result.changes[0]["connections"]) == 2


def test_remove_them_removes_every_mentioned_node(network: Twin) -> None:
    ok(run(network, "disconnect-nodes", source=ref("Berlin"), target=ref("Rotterdam")))
    result = ok(run(network, "remove-node", node=ref("them", "pronoun")))
    assert [n.id for n in network.list_nodes(USER)] == ["sup-1"]
    assert len(result.changes) == 2


def test_remove_missing_node_fails_and_lists_nodes(network: Twin) -> None:
    failed(run(network, "remove-node", node=ref("Atlantis")), 'matching "Atlantis"', "sup-1")
    assert len(network.list_nodes(USER)) == 3


def test_update_node_fields(network: Twin, clock: Clock) -> None:
    clock.now += 5000
    result = ok(
        run(
            network,
            "update-node",
            node=ref("Berlin", "place", "manufacturer"),
            capacity=12_000,
            inventory=3_000,
            utilization=0.8,
            place=place("Munich"),
        )
    )
    node = network.get_node(USER, "mfg-2")
    assert node is not None
    assert (node.capacity, node.inventory, node.utilization) == (12_000, 3_000, 0.8)
    assert node.location.city == "Munich" and node.updated_at == T0 + 5000
    text = result.answer.text
    assert "capacity 8,000 → 12,000" in text and "Berlin, Germany → Munich, Germany" in text
    assert result.changes[0]["fields"] == ["capacity", "place", "inventory", "utilization"]


def test_status_change_to_disrupted_raises_an_alert(network: Twin) -> None:
    result = ok(run(network, "update-node", node=ref("Berlin Plant"), status="Disrupted"))
    [alert] = result.alerts
    assert (alert.severity, alert.node_ids) == ("high", ("mfg-2",))
    assert alert.recommended_actions
    assert "status operational → disrupted" in result.answer.text
    again = ok(run(network, "update-node", node=ref("it", "pronoun"), status="disrupted"))
    assert again.alerts == ()  # no new alert for the same status


@pytest.mark.parametrize(
    ("params", "fact"),
    [
        ({"status": "exploded"}, "not a valid node status"),
        ({"capacity": 0}, "not a valid capacity"),
        ({"utilization": 1.5}, "not a valid utilization"),
        ({"inventory": 9_000}, "over Berlin Plant's capacity"),
        ({}, "What should change on Berlin Plant?"),
    ],
)
def test_update_node_invalid_values_change_nothing(
    network: Twin, params: dict[str, Any], fact: str
) -> None:
    before = network.get_node(USER, "mfg-2")
    failed(run(network, "update-node", node=ref("Berlin Plant"), **params), fact)
    assert network.get_node(USER, "mfg-2") == before


def test_connect_with_shipping_method_and_pronoun(network: Twin) -> None:
    ok(run(network, "add-retailer", place=place("Paris")))
    result = ok(
        run(
            network,
            "connect-nodes",
            source=ref("it", "pronoun"),
            target=ref("Rotterdam", "place", "warehouse"),
            shipping_method="Rail",
        )
    )
    connection = network.find_connection(USER, "ret-4", "wh-3")
    assert connection is not None and connection.shipping_method == "rail"
    assert "Paris Store" in result.answer.text and "by rail" in result.answer.text
    assert result.changes[0]["change"] == "connection_added"
    assert network.get_context(USER, CONV) == ("wh-3", "ret-4")  # "it" is still the store


def test_connect_errors(network: Twin) -> None:
    failed(
        run(network, "connect-nodes", source=ref("Berlin Plant"), target=ref("Shanghai")),
        "already connected",
    )
    failed(
        run(network, "connect-nodes", source=ref("Berlin Plant"), target=ref("Berlin Plant")),
        "itself",
    )
    failed(
        run(
            network,
            "connect-nodes",
            source=ref("Shanghai"),
            target=ref("wh-3", "id"),
            shipping_method="teleport",
        ),
        "not a valid shipping method",
    )
    failed(run(network, "connect-nodes", source=ref("Shanghai")), "Which node?")
    assert len(network.list_connections(USER)) == 2


def test_disconnect(network: Twin) -> None:
    result = ok(run(network, "disconnect-nodes", source=ref("Rotterdam"), target=ref("Berlin")))
    assert network.find_connection(USER, "mfg-2", "wh-3") is None
    assert "Disconnected" in result.answer.text
    failed(
        run(network, "disconnect-nodes", source=ref("Rotterdam"), target=ref("Berlin")),
        "are not connected",
    )


def test_references_by_id_partial_name_and_ambiguity(network: Twin) -> None:
    ok(run(network, "add-supplier", place=place("Singapore")))
    assert ok(run(network, "get-node-details", node=ref("SUP-1", "id"))).mentioned == ("sup-1",)
    assert ok(run(network, "get-node-details", node=ref("singapore"))).mentioned == ("sup-4",)
    assert ok(run(network, "get-node-details", node=ref("the Berlin factory"))).mentioned == (
        "mfg-2",
    )
    failed(
        run(network, "get-node-details", node=ref("supplier")),
        "could mean 2 nodes",
        "Shanghai Supplier",
        "Singapore Supplier",
    )


def test_a_bare_type_means_the_only_node_of_that_type(network: Twin) -> None:
    # Berlin Plant's name does not contain "factory", Rotterdam Warehouse's does contain
    # "warehouse": both are found because each is the only node of its type.
    factory = ref("factory", node_type="manufacturer")
    assert ok(run(network, "get-node-details", node=factory)).mentioned == ("mfg-2",)
    the_warehouse = ref("the warehouse", node_type="warehouse")
    assert ok(run(network, "get-node-details", node=the_warehouse)).mentioned == ("wh-3",)
    failed(
        run(network, "get-node-details", node=ref("store", node_type="retailer")),
        "You have no retailer yet",
    )


def test_a_bare_type_with_several_nodes_asks_which_naming_them(network: Twin) -> None:
    ok(run(network, "add-retailer", place=place("Sydney")))
    ok(run(network, "add-retailer", place=place("Melbourne"), name="Collins Street Shop"))
    # "Sydney Store" contains the word "store", but so could any other store: still ask.
    failed(
        run(network, "get-node-details", node=ref("store", node_type="retailer")),
        "You have 2 retailers",
        "Sydney Store",
        "Collins Street Shop",
        "Which one",
    )


def test_pronoun_without_context_asks_for_a_name(network: Twin) -> None:
    failed(
        run(network, "remove-node", "fresh-conversation", node=ref("it", "pronoun")),
        "nothing was mentioned yet",
    )


def test_context_is_per_conversation_and_per_user(network: Twin) -> None:
    ok(run(network, "get-node-details", "a", node=ref("Shanghai")))
    ok(run(network, "get-node-details", "b", node=ref("Berlin")))
    assert ok(run(network, "get-node-details", "a", node=ref("it", "pronoun"))).mentioned == (
        "sup-1",
    )
    failed(run(network, "get-node-details", "a", user="someone-else", node=ref("Shanghai")))


# ---------------------------------------------------------------------------- configure


@pytest.mark.parametrize(
    ("intent", "key", "value", "field", "stored", "shown"),
    [
        ("set-region", "region", "Europe", "region", "europe", "**Europe**"),
        ("set-industry", "industry", "food beverage", "industry", "food-beverage", "food-beverage"),
        ("set-currency", "currency", "eur", "currency", "EUR", "**EUR** (was USD)"),
        ("set-risk-profile", "level", "HIGH", "risk_profile", "high", "(was medium)"),
    ],
)
def test_settings(
    twin: Twin, intent: str, key: str, value: str, field: str, stored: str, shown: str
) -> None:
    result = ok(run(twin, intent, **{key: value}))
    assert getattr(twin.get_settings(USER), field) == stored
    assert shown in result.answer.text
    assert result.changes[0]["field"] == field and result.changes[0]["new"] == stored
    again = ok(run(twin, intent, **{key: value}))
    assert again.changes == () and "already" in again.answer.text


@pytest.mark.parametrize(
    ("intent", "key"),
    [
        ("set-region", "region"),
        ("set-industry", "industry"),
        ("set-currency", "currency"),
        ("set-risk-profile", "level"),
        ("add-shipping-method", "method"),
    ],
)
def test_settings_reject_invalid_values(twin: Twin, intent: str, key: str) -> None:
    failed(run(twin, intent, **{key: "mars"}), "'mars' is not a valid")
    failed(run(twin, intent), "Which")


def test_add_shipping_method_to_network_and_to_a_node(network: Twin) -> None:
    result = ok(run(network, "add-shipping-method", method="air"))
    assert network.get_settings(USER).shipping_methods == ("sea", "truck", "air")
    assert "Enabled **air**" in result.answer.text
    assert "already enabled" in ok(run(network, "add-shipping-method", method="air")).answer.text
    result = ok(run(network, "add-shipping-method", method="rail", node=ref("Berlin Plant")))
    assert {c.shipping_method for c in network.list_connections(USER)} == {"rail"}
    assert "2 connections" in result.answer.text
    ok(run(network, "add-supplier", place=place("Tokyo")))
    failed(
        run(network, "add-shipping-method", method="express", node=ref("Tokyo")),
        "has no connections",
    )
    assert "express" not in network.get_settings(USER).shipping_methods


# ---------------------------------------------------------------------------- analyze


def test_scan_anomalies_raises_alerts_once(network: Twin, clock: Clock) -> None:
    network.update_node(USER, "mfg-2", utilization=0.97)
    network.update_node(USER, "wh-3", inventory=100)
    ok(run(network, "add-retailer", place=place("Paris")))
    clock.now += 25 * 3_600_000  # every node is now stale too (low severity: no alert)
    result = ok(run(network, "scan-anomalies"))
    text = result.answer.text
    assert "Berlin Plant runs at 97% utilization" in text
    assert "Rotterdam Warehouse holds 100 units" in text
    assert "Paris Store is not connected" in text
    assert "has not reported for 25 hours" in text
    kinds = {a.message.split(" ")[0] for a in result.alerts}
    assert kinds == {"Berlin", "Rotterdam", "Paris"}  # stale data is low: no alert
    assert {a.severity for a in result.alerts} <= {"medium", "high", "critical"}
    again = ok(run(network, "scan-anomalies"))
    assert again.alerts == ()  # the same anomalies are already open alerts


def test_scan_anomalies_on_one_node_and_clean_network(network: Twin) -> None:
    result = ok(run(network, "scan-anomalies", node=ref("Berlin Plant")))
    assert "No anomalies in **Berlin Plant**" in result.answer.text
    result = ok(run(network, "scan-anomalies", node_type="warehouse"))
    assert "the warehouses" in result.answer.text


def test_identify_risks(network: Twin) -> None:
    result = ok(run(network, "identify-risks"))
    assert "Shanghai Supplier is the only source of Berlin Plant" in result.answer.text
    narrowed = ok(run(network, "identify-risks", node=ref("Rotterdam")))
    assert "Shanghai Supplier is the only source" not in narrowed.answer.text
    assert "Berlin Plant is the only source of Rotterdam Warehouse" in narrowed.answer.text


def test_find_bottlenecks_and_utilization(network: Twin) -> None:
    assert "No bottlenecks" in ok(run(network, "find-bottlenecks")).answer.text
    network.update_node(USER, "mfg-2", utilization=0.9)
    result = ok(run(network, "find-bottlenecks"))
    assert "1. **Berlin Plant**" in result.answer.text and "90% utilized" in result.answer.text
    assert result.mentioned == ("mfg-2",)
    report = ok(run(network, "calculate-utilization"))
    # (10,000 x .5 + 8,000 x .9 + 20,000 x .5) / 38,000
    assert "**58%** (22,200 of 38,000 units)" in report.answer.text
    assert "manufacturer: 90%" in report.answer.text


# ---------------------------------------------------------------------------- simulate


def test_run_simulation_natural_disaster(network: Twin) -> None:
    result = ok(
        run(
            network,
            "run-simulation",
            scenario="natural disaster",
            place=place("Shanghai"),
            severity="high",
            duration_hours=336,
        )
    )
    text = result.answer.text
    assert "**Natural disaster** at Shanghai, severity high, for 14 days (`sim-1`)" in text
    assert "Shanghai Supplier" in text and "Berlin Plant" in text
    assert result.scenario is not None and result.scenario.scenario_id == "sim-1"
    assert result.scenario.affected == 3
    [alert] = result.alerts
    assert alert.node_ids[0] == "sup-1" and alert.recommended_actions
    assert network.list_alerts(USER) == [alert]
    assert network.list_nodes(USER)[0].status == "operational"  # a simulation changes no node


def test_simulations_are_deterministic(network: Twin) -> None:
    params: dict[str, Any] = {
        "scenario": "cyber-attack",
        "severity": "critical",
        "duration_hours": 48,
    }
    first = ok(run(network, "run-simulation", **params)).answer.text
    second = ok(run(network, "run-simulation", **params)).answer.text
    assert first.replace("sim-1", "sim-2").replace("alert-1", "alert-2") == second


def test_run_simulation_errors(network: Twin) -> None:
    failed(run(network, "run-simulation"), "Which scenario")
    failed(run(network, "run-simulation", scenario="meteor"), "not a valid scenario")
    failed(
        run(network, "run-simulation", scenario="natural-disaster"),
        "a natural disaster needs a place",
    )
    failed(
        run(network, "run-simulation", scenario="cyber-attack", severity="apocalyptic"),
        "not a valid severity",
    )
    failed(run(network, "run-simulation", scenario="cyber-attack", duration_hours=-1))
    assert network.list_alerts(USER) == []


def test_what_if_port_closure(network: Twin) -> None:
    result = ok(run(network, "what-if-port-closure", place=place("Rotterdam"), duration_hours=240))
    assert "**Port closure** at Rotterdam" in result.answer.text
    assert "10 days" in result.answer.text and "Rotterdam Warehouse" in result.answer.text
    assert result.alerts
    failed(run(network, "what-if-port-closure"), "Which port")


def test_what_if_supplier_failure(network: Twin) -> None:
    result = ok(run(network, "what-if-supplier-failure", node=ref("Shanghai")))
    text = result.answer.text
    assert "**Supplier failure** at **Shanghai Supplier**" in text
    assert "−100% capacity (direct)" in text and "−90% capacity (1 hop)" in text
    assert result.alerts[0].severity == "critical"
    guessed = ok(run(network, "what-if-supplier-failure"))
    assert "the supplier with the most dependants" in guessed.answer.text


def test_what_if_demand_spike(network: Twin) -> None:
    network.update_node(USER, "wh-3", utilization=0.8)
    result = ok(run(network, "what-if-demand-spike", percent=40, node=ref("Rotterdam")))
    text = result.answer.text
    assert "**Demand spike** of +40% at **Rotterdam Warehouse**" in text
    assert "80% → 112%" in text and "shortfall 2,400 units" in text
    assert result.alerts[0].severity == "medium"
    calm = ok(run(network, "what-if-demand-spike", percent=10))
    assert "absorbs it" in calm.answer.text and calm.alerts == ()
    failed(run(network, "what-if-demand-spike", percent=-20), "not a valid percentage")


# ---------------------------------------------------------------------------- query


def test_get_node_details(network: Twin) -> None:
    network.add_alert(USER, severity="high", message="m", node_ids=["mfg-2"])
    result = ok(run(network, "get-node-details", node=ref("Berlin Plant")))
    text = result.answer.text
    assert "**Berlin Plant** (`mfg-2`): manufacturer in Berlin, Germany (Europe)" in text
    assert "capacity: 8,000 units" in text
    # connect-nodes links one way by default: goods flow source -> target.
    assert (
        "connections (2): Shanghai Supplier → Berlin Plant, Berlin Plant → Rotterdam Warehouse"
        in text
    )
    assert "`alert-1` high" in text
    failed(run(network, "get-node-details"), "Which node?")


def test_get_network_summary(network: Twin, twin: Twin) -> None:
    ok(run(network, "set-region", region="europe"))
    network.update_node(USER, "wh-3", status="offline")
    text = ok(run(network, "get-network-summary")).answer.text
    assert "**3 nodes** (1 supplier, 1 manufacturer, 1 warehouse)" in text
    assert "**2 connections**" in text and "Asia-Pacific, Europe" in text
    assert "2 operational, 1 offline" in text and "region Europe" in text
    empty = ok(run(twin, "get-network-summary", user="nobody"))
    assert "empty" in empty.answer.text


def test_network_summary_counts_in_the_singular(twin: Twin) -> None:
    ok(run(twin, "add-supplier", place=place("Jakarta")))
    ok(run(twin, "add-warehouse", place=place("Singapore")))
    ok(
        run(
            twin, "connect-nodes", source=ref("Jakarta Supplier"), target=ref("Singapore Warehouse")
        )
    )
    text = ok(run(twin, "get-network-summary")).answer.text
    assert "**2 nodes**" in text and "**1 connection** across" in text


def test_get_recent_alerts(network: Twin) -> None:
    assert "No alerts" in ok(run(network, "get-recent-alerts")).answer.text
    for i in range(7):
        network.add_alert(USER, severity="critical" if i % 2 else "low", message=f"m{i}")
    result = ok(run(network, "get-recent-alerts"))
    assert "Latest 5 alerts" in result.answer.text and "m6" in result.answer.text
    assert "m1" not in result.answer.text
    critical = ok(run(network, "get-recent-alerts", severity="Critical", limit=2))
    assert "Latest 2 critical alerts" in critical.answer.text
    assert "m5" in critical.answer.text and "m3" in critical.answer.text
    failed(run(network, "get-recent-alerts", limit=0), "not a valid number of alerts")


def test_help(twin: Twin) -> None:
    everything = ok(run(twin, "help")).answer.text
    assert all(f"**{group.capitalize()}**" in everything for group in INTENTS)
    for topic in ("simulate", "simulations", "what-if scenarios"):
        simulate = ok(run(twin, "help", topic=topic)).answer.text
        assert "**Simulate**" in simulate and "**Build**" not in simulate
    assert "**Configure**" in ok(run(twin, "help", topic="currency")).answer.text
    assert "**Build**" in ok(run(twin, "help", topic="the weather")).answer.text


def test_a_failing_step_rolls_back_its_partial_changes(network: Twin) -> None:
    ok(run(network, "update-node", node=ref("Shanghai"), capacity=1000))
    ok(run(network, "get-node-details", node=ref("Shanghai")))
    ok(run(network, "get-node-details", node=ref("Berlin Plant")))
    # "them" = Berlin Plant only here; make a two-node context, then fail on the second node.
    network.set_context(USER, CONV, ["mfg-2", "sup-1"])
    failed(run(network, "update-node", node=ref("them", "pronoun"), inventory=5000))
    assert network.get_node(USER, "mfg-2").inventory == 4000  # type: ignore[union-attr]


def test_analyses_narrow_to_a_node_type_however_it_is_written(network: Twin) -> None:
    ok(run(network, "add-distributor", place=place("Chicago")))
    for written in ("distribution_center", "distribution-center", "Distribution Center", "DCs"):
        result = ok(run(network, "calculate-utilization", node_type=written))
        assert "the distribution centers" in result.answer.text
        assert "15,000 units" in result.answer.text
    failed(run(network, "calculate-utilization", node_type="spaceport"), "not a valid node type")


def test_connect_them_joins_the_last_two_mentioned_nodes(network: Twin) -> None:
    network.set_context(USER, CONV, [])  # a new conversation: nothing talked about yet
    ok(run(network, "add-retailer", place=place("Lyon")))
    store = network.get_context(USER, CONV)
    them = ref("them", "pronoun")
    execute(  # a later step of the same turn: the turn's earlier mentions are kept
        Command("get-node-details", {"node": ref("Rotterdam Warehouse")}),
        network,
        USER,
        CONV,
        earlier_mentions=store,
    )
    assert network.get_context(USER, CONV) == (*store, "wh-3")
    result = ok(run(network, "connect-nodes", source=them, target=them, shipping_method="truck"))
    assert network.find_connection(USER, "ret-4", "wh-3") is not None
    assert "Lyon Store" in result.answer.text
    ok(run(network, "disconnect-nodes", source=them))
    assert network.find_connection(USER, "ret-4", "wh-3") is None
    network.set_context(USER, CONV, ["wh-3"])
    failed(run(network, "connect-nodes", source=them, target=them), "which two nodes")


def test_one_scan_raises_at_most_ten_alerts_worst_first(twin: Twin) -> None:
    cities = ["Paris", "Lyon", "Berlin", "Hamburg", "Tokyo", "Osaka", "Madrid", "Rome"]
    cities += ["Milan", "Vienna", "Prague", "Warsaw", "Oslo", "Dublin", "Lisbon"]
    for city in cities:
        ok(run(twin, "add-retailer", place=place(city)))
    twin.update_node(USER, "ret-15", utilization=0.99)  # critical: alerted first
    first = ok(run(twin, "scan-anomalies"))
    assert len(first.alerts) == 10
    assert first.alerts[0].severity == "critical" and first.alerts[0].node_ids == ("ret-15",)
    assert "Raised 10 new alerts for the most severe; 6 more not alerted." in first.answer.text
    second = ok(run(twin, "scan-anomalies"))
    assert len(second.alerts) == 6
    assert ok(run(twin, "scan-anomalies")).alerts == ()


def test_analyses_accept_common_words_for_node_types(network: Twin) -> None:
    for written, label in (
        ("plants", "manufacturers"),
        ("stores", "retailers"),
        ("depot", "warehouses"),
    ):
        assert f"the {label}" in ok(run(network, "find-bottlenecks", node_type=written)).answer.text


def test_help_defines_a_term_and_shows_a_topics_requests(twin: Twin) -> None:
    term = ok(run(twin, "help", topic="degraded")).answer.text
    assert term.startswith("**degraded**: the node works at reduced capacity")
    assert "Try:" not in term
    topic = ok(run(twin, "help", topic="bottleneck analysis")).answer.text
    assert topic.startswith("**bottleneck**:")
    assert "**Analyze**" in topic and "Find bottlenecks" in topic and "**Build**" not in topic
    everything = ok(run(twin, "help")).answer.text
    assert all(f"**{group.capitalize()}**" in everything for group in INTENTS)


# ---------------------------------------------------------------------------- ordinals


def test_ordinals_count_nodes_of_a_type_in_creation_order(network: Twin) -> None:
    ok(run(network, "add-warehouse", place=place("Hamburg")))
    ok(run(network, "add-warehouse", place=place("Antwerp")))
    second = ok(run(network, "get-node-details", node=ref("2", "ordinal", "warehouse")))
    assert second.mentioned == ("wh-4",)  # Rotterdam wh-3, Hamburg wh-4, Antwerp wh-5
    last = ok(run(network, "get-node-details", node=ref("-1", "ordinal", "warehouse")))
    assert last.mentioned == ("wh-5",)
    # "the first one" right after talk of warehouses only: the first warehouse
    first_one = ok(run(network, "get-node-details", node=ref("1", "ordinal")))
    assert first_one.mentioned == ("wh-3",)
    # after talk of nodes of several kinds: the first node created
    ok(run(network, "get-node-details", node=ref("sup-1", "id")))
    first_node = ok(run(network, "get-node-details", node=ref("1", "ordinal")))
    assert first_node.mentioned == ("sup-1",)
    failed(
        run(network, "get-node-details", node=ref("4", "ordinal", "warehouse")),
        "You have 3 warehouses",
        "no fourth one",
    )
    failed(run(network, "get-node-details", node=ref("1", "ordinal", "retailer")), "no retailer")


def test_the_last_two_nodes_created(network: Twin) -> None:
    ok(run(network, "add-retailer", place=place("Paris")))
    both = ref("-2:", "ordinal")
    assert ok(run(network, "get-node-details", node=both)).mentioned == ("wh-3", "ret-4")
    last = ref("-1:", "ordinal")
    result = ok(run(network, "connect-nodes", source=ref("-2", "ordinal"), target=last))
    assert network.find_connection(USER, "wh-3", "ret-4") is not None
    assert "Rotterdam Warehouse" in result.answer.text
    failed(run(network, "get-node-details", node=ref("-2:", "ordinal", "retailer")), "fewer")
