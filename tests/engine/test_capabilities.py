"""The twin layer's newer capabilities on a real SQLite twin with hand-built commands: listing,
comparing and tracing nodes, settings, explanations, recommendations, comparing simulations,
renaming, alerts, directed links, honest answers on an empty network, and what each step
mentions (what "it" and "them" mean next)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.twin import Twin

from .twin_helpers import CONV, USER, Clock, build_network, failed, make_twin, ok, place, ref, run


@pytest.fixture
def twin(tmp_path: Path) -> Twin:
    return make_twin(tmp_path, Clock())


@pytest.fixture
def network(twin: Twin) -> Twin:
    """Shanghai Supplier (sup-1) -> Berlin Plant (mfg-2) -> Rotterdam Warehouse (wh-3)."""
    return build_network(twin)


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
    # the found nodes by tier, then the traced node ("it" next turn)
    assert result.mentioned == ("wh-3", "mfg-2", "wh-6", "sup-1", "sup-5", "ret-4")


def test_trace_downstream_and_two_way_links(chain: Twin) -> None:
    result = ok(run(chain, "trace-downstream", node=ref("Shanghai Supplier")))
    assert result.mentioned == ("mfg-2", "wh-3", "ret-4", "wh-6", "sup-1")
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
        ("explain", {}),
        ("explain", {"node": ref("Berlin Plant")}),
        ("recommend", {}),
        ("recommend", {"node": ref("Berlin Plant"), "goal": "close"}),
    ],
)
def test_an_empty_network_is_said_to_be_empty(
    twin: Twin, intent: str, params: dict[str, object]
) -> None:
    result = failed(run(twin, intent, **params), "Your network is empty (no nodes yet)")
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


def test_explaining_a_topic_on_an_empty_network_says_it_is_empty_then_explains(twin: Twin) -> None:
    result = failed(run(twin, "explain", topic="risk"), "Your network is empty (no nodes yet)")
    assert "In general: **Risks** come from five checks" in result.answer.text


# ---------------------------------------------------------------------------- explain


@pytest.fixture
def busy(network: Twin) -> Twin:
    """The network plus Hamburg Warehouse (wh-4, 30%) fed by Berlin Plant; Rotterdam
    Warehouse at 95%."""
    ok(run(network, "add-warehouse", place=place("Hamburg")))
    ok(run(network, "connect-nodes", source=ref("Berlin Plant"), target=ref("wh-4", "id")))
    network.update_node(USER, "wh-3", utilization=0.95)
    network.update_node(USER, "wh-4", utilization=0.3)
    return network


def test_explain_a_node_rule_by_rule_with_numbers_and_thresholds(busy: Twin) -> None:
    result = ok(run(busy, "explain", node=ref("Rotterdam Warehouse")))
    text = result.answer.text
    assert text.startswith("**Rotterdam Warehouse** (`wh-3`) is flagged by 3 of 9 checks")
    assert "⚠ **utilization**: utilization 95% is over the 90% threshold" in text
    assert "⚠ **single source**: all its supply comes through Berlin Plant" in text
    assert "⚠ **bottleneck**: 95% utilized: score 0.95, rank 1 of 1 candidates" in text
    assert "✓ inventory: inventory 10,000 units is 50% of capacity, at or above the 10%" in text
    assert "✓ freshness: last report 0 hours ago, within the 24-hour limit" in text
    assert "✓ cluster: 0 other nodes within 100 km (3 together make a cluster)" in text
    assert result.mentioned == ("wh-3",)
    plant = ok(run(busy, "explain", node=ref("Berlin Plant"))).answer.text
    assert "⚠ **single point of failure**: Berlin Plant is the only source of" in plant
    assert "✓ bottleneck: not a candidate: under 75% utilization and operational" in plant


def test_explain_a_node_that_nothing_flags(twin: Twin) -> None:
    ok(run(twin, "add-supplier", place=place("Lima")))
    text = ok(run(twin, "explain", node=ref("Lima Supplier"))).answer.text
    assert "is not flagged by any of the" in text and "⚠" not in text


@pytest.mark.parametrize(
    ("topic", "facts"),
    [
        ("how is risk computed?", ("single point of failure", "3+ nodes", "100 km", "90%")),
        ("bottleneck score", ("75%+", "degraded 1.3", "offline 2", "top 5")),
        ("utilisation", ("Σ(capacity × utilization) ÷ Σ capacity", "90%")),
        ("anomalies", ("over 90%", "critical at 98%+", "under 10% of capacity", "24 hours")),
        ("the simulation", ("never changes the twin", "90% of its feeders' mean loss", "5%")),
        ("single point of failure", ("only feeder of another", "3+ nodes")),
        ("geographic cluster", ("3+ nodes within 100 km", "5+")),
        ("recommendations", ("never change the twin", "nearest first")),
    ],
)
def test_explain_a_topic_names_the_thresholds(
    network: Twin, topic: str, facts: tuple[str, ...]
) -> None:
    text = ok(run(network, "explain", topic=topic)).answer.text
    for fact in facts:
        assert fact in text, (fact, text)


def test_explain_an_unknown_topic_says_what_it_can_explain(network: Twin) -> None:
    failed(run(network, "explain", topic="the weather"), "I can explain risks")


def test_explain_the_last_analysis(busy: Twin) -> None:
    failed(run(busy, "explain"), "no analysis in this conversation")
    ok(run(busy, "identify-risks"))
    assert busy.get_dialogue(USER, CONV)["last_analysis"]["intent"] == "identify-risks"
    result = ok(run(busy, "explain"))
    text = result.answer.text
    assert "Your last analysis was **identify-risks** on the network." in text
    assert "- high: Rotterdam Warehouse runs at 95%" in text
    assert "How it works: **Risks** come from five checks" in text
    ok(run(busy, "find-bottlenecks"))
    text = ok(run(busy, "explain")).answer.text
    assert "**find-bottlenecks**" in text and "Rotterdam Warehouse: 95% utilized" in text
    ok(run(busy, "what-if-supplier-failure", node=ref("Shanghai Supplier")))
    text = ok(run(busy, "explain")).answer.text
    assert "**what-if-supplier-failure** on supplier failure at Shanghai Supplier (`sim-1`)" in (
        text
    )
    assert "How it works: A **simulation** never changes the twin" in text
    # The last analysis is per conversation.
    failed(run(busy, "explain", "elsewhere"), "no analysis in this conversation")


# ---------------------------------------------------------------------------- recommend


def test_recommend_for_a_busy_node_alternates_moves_and_risks(busy: Twin) -> None:
    before = (busy.list_nodes(USER), busy.list_connections(USER))
    result = ok(run(busy, "recommend", node=ref("Rotterdam Warehouse")))
    text = result.answer.text
    assert "1. **Hamburg Warehouse** (`wh-4`) in Hamburg, 413 km away: 9,000 units spare" in text
    assert "- move 4,000 units from **Rotterdam Warehouse** (`wh-3`) (95%) to **Hamburg" in text
    assert "Rotterdam Warehouse runs at 95%, no headroom for a surge (high)" in text
    assert result.changes == () and (busy.list_nodes(USER), busy.list_connections(USER)) == before
    assert result.mentioned == ("wh-4", "wh-3")  # "it" stays the node asked about
    assert "Set the capacity of Rotterdam Warehouse to 23,800" in result.answer.suggestions


def test_recommend_alternates_rank_by_distance_and_skip_busy_nodes(busy: Twin) -> None:
    ok(run(busy, "add-warehouse", place=place("Antwerp")))  # wh-5, nearest to Rotterdam
    ok(run(busy, "add-warehouse", place=place("Lisbon")))  # wh-6, far
    ok(run(busy, "add-warehouse", place=place("Brussels")))  # wh-7, near but busy
    busy.update_node(USER, "wh-7", utilization=0.8)
    result = ok(run(busy, "recommend", node=ref("Rotterdam Warehouse")))
    assert result.mentioned == ("wh-5", "wh-4", "wh-6", "wh-3")
    assert "Brussels" not in result.answer.text.split("**Rebalance")[0]


def test_recommend_alternate_suppliers_for_a_plant(busy: Twin) -> None:
    ok(run(busy, "add-supplier", place=place("Shenzhen")))
    ok(run(busy, "add-supplier", place=place("Prague")))
    result = ok(run(busy, "recommend", node=ref("Berlin Plant"), goal="alternate-supplier"))
    text = result.answer.text
    assert "operational suppliers under 75% utilization, nearest first" in text
    assert text.index("Prague Supplier") < text.index("Shenzhen Supplier")
    assert "Shanghai Supplier" not in text.split("**Alternates**")[1]  # it feeds the plant already
    assert result.answer.suggestions[0] == "Connect Prague Supplier to Berlin Plant"
    assert result.mentioned == ("sup-6", "sup-5", "mfg-2")


def test_recommend_closing_a_node_says_what_it_would_cut_off(busy: Twin) -> None:
    result = ok(run(busy, "recommend", node=ref("Berlin Plant"), goal="close"))
    text = result.answer.text
    assert "**If you close it**: 2 nodes downstream would be left with no supply " in text
    assert "(Rotterdam Warehouse, Hamburg Warehouse), 40,000 units of capacity" in text
    assert "Its load, 4,000 units, would need a new home" in text
    assert busy.get_node(USER, "mfg-2") is not None
    # A second plant feeding Rotterdam keeps it supplied.
    ok(run(busy, "add-manufacturer", place=place("Munich")))
    ok(run(busy, "connect-nodes", source=ref("Shanghai"), target=ref("Munich Plant")))
    ok(run(busy, "connect-nodes", source=ref("Munich Plant"), target=ref("wh-3", "id")))
    text = ok(run(busy, "recommend", node=ref("Berlin Plant"), goal="close")).answer.text
    assert "1 node downstream would be left with no supply (Hamburg Warehouse)" in text
    assert "1. **Munich Plant**" in text


def test_recommend_without_a_node_gives_the_top_three(busy: Twin) -> None:
    result = ok(run(busy, "recommend"))
    text = result.answer.text
    assert text.startswith("Top 3 recommendations")
    assert (
        "1. **Add a second source next to Shanghai Supplier**: Shanghai Supplier is the only"
        in (text)
    )
    assert (
        "2. **Add capacity next to Rotterdam Warehouse**: Rotterdam Warehouse runs at 95%" in text
    )
    assert result.mentioned == ("sup-1", "wh-3", "mfg-2")
    capacity = ok(run(busy, "recommend", goal="capacity")).answer.text
    assert "**Relieve Rotterdam Warehouse**: bottleneck: 95% utilized, score 0.95" in capacity


def test_recommend_on_a_calm_network_says_nothing_is_pressing(twin: Twin) -> None:
    ok(run(twin, "add-supplier", place=place("Lima")))
    assert "Nothing pressing" in ok(run(twin, "recommend")).answer.text
    failed(run(twin, "recommend", goal="close"), "Which node would you close?")
    failed(run(twin, "recommend", goal="world peace"), "not a valid goal")


# ---------------------------------------------------------------------------- compare-simulations


def test_simulations_are_recorded_in_the_conversation(busy: Twin) -> None:
    ok(run(busy, "what-if-supplier-failure", node=ref("Shanghai Supplier")))
    [record] = busy.get_dialogue(USER, CONV)["simulations"]
    assert record["id"] == "sim-1" and record["kind"] == "supplier-failure"
    assert record["affected"] == 4 and record["worst"]["name"] == "Shanghai Supplier"
    for _ in range(6):
        ok(run(busy, "run-simulation", scenario="cyber-attack"))
    kept = busy.get_dialogue(USER, CONV)["simulations"]
    assert [r["id"] for r in kept] == ["sim-3", "sim-4", "sim-5", "sim-6", "sim-7"]


def test_compare_the_last_two_simulations(busy: Twin) -> None:
    failed(run(busy, "compare-simulations"), "no simulation has run")
    ok(run(busy, "what-if-supplier-failure", node=ref("Shanghai Supplier")))
    failed(run(busy, "compare-simulations"), "only one simulation (`sim-1`)")
    ok(
        run(
            busy,
            "run-simulation",
            scenario="natural-disaster",
            place=place("Rotterdam"),
            severity="low",
        )
    )
    result = ok(run(busy, "compare-simulations"))
    text = result.answer.text
    assert (
        "| `sim-1` | supplier failure | at Shanghai Supplier | critical | 14 days | 4 nodes |"
        in (text)
    )
    assert (
        "| `sim-2` | natural disaster | at Rotterdam | low | 7 days | 1 node | 5,000 units" in text
    )
    assert "**`sim-1` (supplier failure at Shanghai Supplier) was worse**" in text
    assert "49,600 units of capacity at risk (86% of the network), 4 nodes affected; against " in (
        text
    )
    assert "5,000 units of capacity at risk (9% of the network), 1 node affected for `sim-2`" in (
        text
    )
    assert result.answer.suggestions[0] == "What should I do about Shanghai Supplier?"
    # Simulations of another conversation are not this one's.
    failed(run(busy, "compare-simulations", "elsewhere"), "no simulation has run")


def test_compare_more_simulations_than_were_run(busy: Twin) -> None:
    ok(run(busy, "what-if-demand-spike", percent=40))
    ok(run(busy, "what-if-supplier-failure", node=ref("Shanghai Supplier")))
    text = ok(run(busy, "compare-simulations", count=5)).answer.text
    assert "Only 2 simulations are recorded here" in text
    assert "| `sim-1` | demand spike | across the network |" in text and "units short" in text
    failed(run(busy, "compare-simulations", count=1), "not a valid number of simulations")


# ---------------------------------------------------------------------------- directed links


def test_connect_is_one_way_by_default_and_both_ways_when_asked(network: Twin) -> None:
    link = network.find_connection(USER, "sup-1", "mfg-2")
    assert link is not None and (link.source, link.bidirectional) == ("sup-1", False)
    ok(run(network, "add-retailer", place=place("Paris")))
    result = ok(
        run(
            network,
            "connect-nodes",
            source=ref("Paris Store"),
            target=ref("wh-3", "id"),
            bidirectional=True,
        )
    )
    assert "Connected **Paris Store** (`ret-4`) ↔ **Rotterdam Warehouse**" in result.answer.text
    assert result.changes[0]["connection"]["arrow"] == "↔"
    one_way = ok(run(network, "connect-nodes", source=ref("Paris Store"), target=ref("Shanghai")))
    assert "Connected **Paris Store** (`ret-4`) → **Shanghai Supplier**" in one_way.answer.text
    connection = one_way.changes[0]["connection"]
    assert (connection["bidirectional"], connection["arrow"]) == (False, "→")
    details = ok(run(network, "get-node-details", node=ref("Paris Store"))).answer.text
    assert "Paris Store ↔ Rotterdam Warehouse, Paris Store → Shanghai Supplier" in details


def test_disconnect_names_the_link_it_removed(network: Twin) -> None:
    # Written target first: the link removed is still drawn the way goods flowed.
    result = ok(run(network, "disconnect-nodes", source=ref("wh-3", "id"), target=ref("Berlin")))
    assert "(Berlin Plant → Rotterdam Warehouse)" in result.answer.text
    [change] = result.changes
    assert (change["source"], change["target"]) == ("mfg-2", "wh-3")
    assert change["connection"]["bidirectional"] is False


def test_explain_after_a_recommendation_explains_it(busy: Twin) -> None:
    ok(run(busy, "recommend", node=ref("Rotterdam Warehouse")))
    text = ok(run(busy, "explain")).answer.text
    assert "Your last analysis was **recommend** on Rotterdam Warehouse." in text
    assert "- alternate: Hamburg Warehouse, 413 km away, 9,000 units spare" in text
    assert "How it works: **Recommendations** never change the twin" in text


def test_a_list_filtered_by_utilization(network: Twin) -> None:
    network.update_node(USER, "wh-3", utilization=0.9)
    result = ok(run(network, "list-nodes", min_utilization=0.8))
    assert result.mentioned == ("wh-3",) and "at least 80% utilized" in result.answer.text
