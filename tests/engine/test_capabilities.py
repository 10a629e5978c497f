"""The twin layer's newer capabilities on a real SQLite twin with hand-built commands: listing,
comparing and tracing nodes, settings, explanations, recommendations, comparing simulations,
renaming, alerts, directed links, honest answers on an empty network, and what each step
mentions (what "it" and "them" mean next)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.actions import ActionResult
from omnitrack_realtime.engine.twin import Twin

from .twin_helpers import CONV, USER, Clock, make_twin, place, ref, run


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


# ---------------------------------------------------------------------------- list-nodes


@pytest.fixture
def europe(network: Twin) -> Twin:
    """The network plus Hamburg Warehouse (wh-4, 5,000, degraded), Paris Store (ret-5)."""
    ok(run(network, "add-warehouse", place=place("Hamburg"), capacity=5_000))
    ok(run(network, "update-node", node=ref("Hamburg Warehouse"), status="degraded"))
    ok(run(network, "add-retailer", place=place("Paris")))
    return network


def test_list_nodes_by_type_with_count_and_total_capacity(europe: Twin) -> None:
    result = ok(run(europe, "list-nodes", node_type="warehouses"))
    text = result.answer.text
    assert "You have **2 warehouses**, total capacity **25,000 units**" in text
    assert "1. **Rotterdam Warehouse** (`wh-3`): warehouse, Rotterdam, operational" in text
    assert "2. **Hamburg Warehouse** (`wh-4`): warehouse, Hamburg, degraded, 5,000 units" in text
    assert result.mentioned == ("wh-3", "wh-4")  # "them" next turn: the listed nodes, in order
    assert europe.get_context(USER, CONV) == ("wh-3", "wh-4")


def test_list_nodes_by_place_status_and_capacity(europe: Twin) -> None:
    in_europe = ok(run(europe, "list-nodes", place=place("Europe")))
    assert in_europe.mentioned == ("mfg-2", "wh-3", "wh-4", "ret-5")
    assert "You have **4 nodes in Europe**" in in_europe.answer.text
    germany = ok(run(europe, "list-nodes", place=place("Germany")))
    assert germany.mentioned == ("mfg-2", "wh-4")
    assert ok(run(europe, "list-nodes", place=place("Hamburg"))).mentioned == ("wh-4",)
    degraded = ok(run(europe, "list-nodes", status="Degraded"))
    assert "**1 degraded node**" in degraded.answer.text and degraded.mentioned == ("wh-4",)
    big = ok(run(europe, "list-nodes", min_capacity=9_000, max_capacity=15_000))
    assert big.mentioned == ("sup-1",)
    assert "**1 node of 9,000 to 15,000 units**" in big.answer.text
    everything = ok(run(europe, "list-nodes"))
    assert len(everything.mentioned) == 5 and "total capacity **45,000 units**" in (
        everything.answer.text
    )
    failed(run(europe, "list-nodes", status="sleepy"), "not a valid node status")


def test_list_nodes_names_at_most_twenty(twin: Twin) -> None:
    for index in range(23):
        ok(run(twin, "add-retailer", place=place("Lyon"), name=f"Shop {index}", capacity=100))
    result = ok(run(twin, "list-nodes", node_type="retailer"))
    assert "**23 retailers**, total capacity **2,300 units**" in result.answer.text
    assert "… and 3 more" in result.answer.text and len(result.mentioned) == 20


def test_list_nodes_says_honestly_when_nothing_matches(europe: Twin, twin: Twin) -> None:
    none_in_asia = ok(run(europe, "list-nodes", node_type="warehouse", place=place("Asia")))
    text = none_in_asia.answer.text
    assert "You have no warehouses in Asia-Pacific." in text
    assert "Your 2 warehouses: Rotterdam Warehouse (Rotterdam, operational)" in text
    no_dcs = ok(run(europe, "list-nodes", node_type="dc"))
    assert "You have no distribution centers." in no_dcs.answer.text
    assert "Your network has 1 supplier, 1 manufacturer, 2 warehouses and 1 retailer" in (
        no_dcs.answer.text
    )
    assert no_dcs.mentioned == ()
    empty = ok(run(twin, "list-nodes", user="nobody"))
    assert "your network has no nodes yet" in empty.answer.text


# ---------------------------------------------------------------------------- compare-nodes


def test_compare_two_nodes_says_which_is_bigger_and_busier(europe: Twin) -> None:
    europe.update_node(USER, "wh-4", utilization=0.8)
    result = ok(
        run(europe, "compare-nodes", nodes=(ref("Rotterdam Warehouse"), ref("Hamburg Warehouse")))
    )
    text = result.answer.text
    assert (
        "| **Rotterdam Warehouse** | warehouse | Rotterdam | operational | 20,000 | 50% |" in text
    )
    assert "| **Hamburg Warehouse** | warehouse | Hamburg | degraded | 5,000 | 80% |" in text
    assert "**Rotterdam Warehouse** is bigger (20,000 vs 5,000 units)" in text
    assert "**Hamburg Warehouse** is busier (80% vs 50%)" in text
    assert result.mentioned == ("wh-3", "wh-4")


def test_compare_counts_links_in_and_out_by_direction(network: Twin) -> None:
    result = ok(run(network, "compare-nodes", nodes=(ref("Shanghai"), ref("Berlin Plant"))))
    assert "| 0 / 1 |" in result.answer.text  # the supplier only ships out
    assert "| 1 / 1 |" in result.answer.text  # the plant takes in and ships out


def test_compare_a_whole_type_and_errors(europe: Twin) -> None:
    result = ok(run(europe, "compare-nodes", node_type="warehouse"))
    assert "Comparing your 2 warehouses" in result.answer.text
    assert result.mentioned == ("wh-3", "wh-4")
    failed(run(europe, "compare-nodes", node_type="supplier"), "only one to compare")
    failed(run(europe, "compare-nodes", node_type="dc"), "no distribution centers")
    failed(run(europe, "compare-nodes"), "Which nodes should I compare?")
    failed(
        run(europe, "compare-nodes", nodes=(ref("Berlin Plant"), ref("Atlantis"))),
        'matching "Atlantis"',
    )


# ---------------------------------------------------------------------------- trace


@pytest.fixture
def chain(network: Twin) -> Twin:
    """Shanghai Supplier -> Berlin Plant -> Rotterdam Warehouse -> Paris Store, plus Osaka
    Supplier -> Berlin Plant and a two-way Rotterdam Warehouse <-> Antwerp Warehouse."""
    ok(run(network, "add-retailer", place=place("Paris")))  # ret-4
    ok(run(network, "add-supplier", place=place("Osaka")))  # sup-5
    ok(run(network, "add-warehouse", place=place("Antwerp")))  # wh-6
    ok(run(network, "connect-nodes", source=ref("wh-3", "id"), target=ref("Paris Store")))
    ok(run(network, "connect-nodes", source=ref("Osaka Supplier"), target=ref("Berlin Plant")))
    ok(
        run(
            network,
            "connect-nodes",
            source=ref("Antwerp Warehouse"),
            target=ref("wh-3", "id"),
            bidirectional=True,
        )
    )
    return network


def test_trace_upstream_follows_link_direction_by_tier(chain: Twin) -> None:
    result = ok(run(chain, "trace-upstream", node=ref("Paris Store")))
    text = result.answer.text
    assert "**Paris Store** (`ret-4`) is fed by **5 nodes**" in text
    assert "- tier 1 (direct): Rotterdam Warehouse (warehouse, Rotterdam)" in text
    assert "- tier 2: Berlin Plant (manufacturer, Berlin), Antwerp Warehouse" in text
    assert "- tier 3: Shanghai Supplier (supplier, Shanghai), Osaka Supplier" in text
    assert result.mentioned == ("wh-3", "mfg-2", "wh-6", "sup-1", "sup-5")


def test_trace_downstream_and_two_way_links(chain: Twin) -> None:
    result = ok(run(chain, "trace-downstream", node=ref("Shanghai Supplier")))
    assert result.mentioned == ("mfg-2", "wh-3", "ret-4", "wh-6")
    # The two-way link carries goods both ways: Antwerp is fed by Rotterdam and feeds it.
    antwerp_up = ok(run(chain, "trace-upstream", node=ref("Antwerp Warehouse")))
    assert antwerp_up.mentioned[0] == "wh-3"
    assert "tier 1 (direct): Rotterdam Warehouse" in antwerp_up.answer.text
    # A one-way link does not carry goods backwards: nothing feeds a supplier.
    none = ok(run(chain, "trace-upstream", node=ref("Shanghai Supplier")))
    assert "Nothing feeds **Shanghai Supplier**" in none.answer.text
    assert none.mentioned == ("sup-1",)  # "it" stays the traced node
    store = ok(run(chain, "trace-downstream", node=ref("Paris Store")))
    assert "feeds nothing" in store.answer.text
    failed(run(chain, "trace-upstream"), "Which node?")


# ---------------------------------------------------------------------------- get-settings


def test_get_settings_one_or_all(twin: Twin) -> None:
    everything = ok(run(twin, "get-settings")).answer.text
    assert "- region: not set" in everything and "- currency: **USD**" in everything
    assert "- risk profile: **medium**" in everything
    assert "- shipping methods: **sea, truck**" in everything
    ok(run(twin, "set-region", region="europe"))
    assert (
        "Your region is **Europe**." in ok(run(twin, "get-settings", setting="region")).answer.text
    )
    for written in ("risk_profile", "risk profile", "risk"):
        text = ok(run(twin, "get-settings", setting=written)).answer.text
        assert text == "Your risk profile is **medium**."
    methods = ok(run(twin, "get-settings", setting="shipping")).answer.text
    assert methods == "Your shipping methods are **sea, truck**."
    assert "not set yet" in ok(run(twin, "get-settings", setting="industry")).answer.text
    failed(run(twin, "get-settings", setting="weather"), "not a valid setting")


# ---------------------------------------------------------------------------- empty network


@pytest.mark.parametrize(
    ("intent", "params"),
    [
        ("scan-anomalies", {}),
        ("identify-risks", {}),
        ("find-bottlenecks", {}),
        ("calculate-utilization", {}),
        ("run-simulation", {"scenario": "cyber-attack"}),
        ("run-simulation", {}),
        ("what-if-port-closure", {"place": place("Rotterdam")}),
        ("what-if-supplier-failure", {}),
        ("what-if-demand-spike", {"percent": 20}),
    ],
)
def test_an_empty_network_is_said_to_be_empty(
    twin: Twin, intent: str, params: dict[str, object]
) -> None:
    result = failed(run(twin, intent, **params), "Your network has no nodes yet")
    assert "Add a supplier in Shanghai" in result.answer.suggestions


def test_the_summary_names_the_nodes(twin: Twin) -> None:
    assert "empty: it has no nodes yet" in ok(run(twin, "get-network-summary")).answer.text
    for index in range(12):
        ok(run(twin, "add-retailer", place=place("Lyon"), name=f"Shop {index}"))
    ok(run(twin, "add-supplier", place=place("Osaka")))
    result = ok(run(twin, "get-network-summary"))
    assert "- nodes: Shop 0 (retailer, Lyon), Shop 1 (retailer, Lyon)" in result.answer.text
    assert "Shop 9 (retailer, Lyon) and 3 more" in result.answer.text
    assert len(result.mentioned) == 10 and result.mentioned[0] == "ret-1"
