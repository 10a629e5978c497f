"""Analyses on hand-built twins: every rule's threshold on both sides, stable order."""

from __future__ import annotations

import random
from dataclasses import replace

from omnitrack_realtime.engine.analysis import (
    TIER,
    adjacency,
    downstream,
    find_bottlenecks,
    haversine_km,
    identify_risks,
    link_graph,
    reach_counts,
    scan_anomalies,
    upstream,
    utilization_report,
)
from omnitrack_realtime.engine.twin import Alert, Connection, Location, Node

from .twin_helpers import T0, node

HOUR = 3_600_000


def test_haversine_matches_known_distances() -> None:
    assert abs(haversine_km(51.5074, -0.1278, 48.8566, 2.3522) - 343.5) < 2  # London-Paris
    assert haversine_km(10, 20, 10, 20) == 0
    assert abs(haversine_km(0, 0, 0, 180) - 20015) < 5  # half the equator


def test_scan_anomalies_flags_each_rule_and_spares_healthy_nodes() -> None:
    nodes = [
        node("busy", "Berlin", utilization=0.95),
        node("edge", "Berlin", utilization=0.9, name="at the threshold"),  # > 0.9 only
        node("empty", "Paris", inventory=99, capacity=1000),
        node("stale", "London", updated_at=T0 - 25 * HOUR),
        node("alone", "Tokyo"),
        node("fine", "Paris"),
    ]
    links = [Connection(a, "fine") for a in ("busy", "edge", "empty", "stale")]
    found = {(f.kind, f.node_ids) for f in scan_anomalies(nodes, links, now_ms=T0)}
    assert found == {
        ("high-utilization", ("busy",)),
        ("low-inventory", ("empty",)),
        ("stale-data", ("stale",)),
        ("isolated", ("alone",)),
    }
    stale = next(f for f in scan_anomalies(nodes, links, now_ms=T0) if f.kind == "stale-data")
    assert "25 hours" in stale.message


def test_a_lone_node_is_not_isolated_unless_part_of_a_bigger_network() -> None:
    lone = [node("a", "Tokyo")]
    assert scan_anomalies(lone, [], now_ms=T0) == []
    found = scan_anomalies(lone, [], now_ms=T0, network_size=3)
    assert [f.kind for f in found] == ["isolated"]


def test_downstream_follows_tiers_on_two_way_edges_and_direction_on_one_way() -> None:
    nodes = [
        node("s", "Shanghai", type="supplier"),
        node("m", "Suzhou", type="manufacturer"),
        node("w", "Rotterdam", type="warehouse"),
        node("r", "Berlin", type="retailer"),
        node("x", "Paris", type="retailer"),
    ]
    links = [
        Connection("m", "s"),  # written backwards, but goods flow supplier -> manufacturer
        Connection("m", "w"),
        Connection("w", "r"),
        Connection("x", "w", bidirectional=False),  # a one-way return lane
    ]
    graph = adjacency(nodes, links)
    assert downstream(graph, ["s"]) == {"m": 1, "w": 2, "r": 3}
    assert upstream(graph, ["r"]) == {"w": 1, "m": 2, "x": 2, "s": 3}


def test_link_graph_follows_links_as_drawn() -> None:
    nodes = [
        node("s", "Shanghai", type="supplier"),
        node("m", "Suzhou", type="manufacturer"),
        node("w", "Rotterdam", type="warehouse"),
        node("x", "Paris", type="warehouse"),
    ]
    links = [
        Connection("s", "m", bidirectional=False),
        Connection("m", "w", bidirectional=False),
        Connection("x", "w", bidirectional=True),  # both ways, whatever the tiers
        Connection("w", "gone", bidirectional=False),  # to a node that is gone: skipped
    ]
    graph = link_graph(nodes, links)
    assert graph == {"s": ["m"], "m": ["w"], "w": ["x"], "x": ["w"]}
    assert upstream(graph, ["x"]) == {"w": 1, "m": 2, "s": 3}
    assert downstream(graph, ["m"]) == {"w": 1, "x": 2}


def test_risks_single_point_of_failure_cluster_utilization_and_critical_alerts() -> None:
    nodes = [
        node("s", "Shanghai", type="supplier"),
        node("m", "Suzhou", type="manufacturer"),
        node("w", "Rotterdam", type="warehouse"),
        node("a", "Amsterdam", type="warehouse"),
        node("h", "The Hague", type="retailer", utilization=0.93),
    ]
    links = [Connection("s", "m"), Connection("m", "w")]
    alerts = [
        Alert("alert-1", "critical", "fire", ("w",), "active", T0),
        Alert("alert-2", "critical", "old fire", ("w",), "resolved", T0),
        Alert("alert-3", "high", "smoke", ("w",), "active", T0),
    ]
    findings = identify_risks(nodes, links, alerts)
    kinds = [(f.kind, f.node_ids) for f in findings]
    assert ("single-point-of-failure", ("s", "m")) in kinds
    assert ("single-point-of-failure", ("m", "w")) in kinds
    assert ("geographic-cluster", ("w", "a", "h")) in kinds  # all within 100 km of Rotterdam
    assert ("high-utilization", ("h",)) in kinds
    assert [f.message for f in findings if f.kind == "open-critical-alert"] == [
        "Open critical alert alert-1: fire"
    ]
    assert not any(f.kind == "geographic-cluster" and "s" in f.node_ids for f in findings)
    assert identify_risks(nodes, links, alerts) == findings  # deterministic


def test_two_nodes_close_together_are_not_a_cluster() -> None:
    nodes = [node("w", "Rotterdam"), node("a", "Amsterdam"), node("b", "Berlin")]
    assert not [f for f in identify_risks(nodes, [], []) if f.kind == "geographic-cluster"]


def test_bottlenecks_rank_by_load_reach_and_status() -> None:
    nodes = [
        node("s", "Shanghai", type="supplier", utilization=0.8),
        node("m", "Suzhou", type="manufacturer", utilization=0.8),
        node("w", "Rotterdam", type="warehouse", utilization=0.95),
        node("r", "Berlin", type="retailer", utilization=0.2),
        node("o", "Paris", type="retailer", utilization=0.3, status="offline"),
    ]
    links = [Connection("s", "m"), Connection("m", "w"), Connection("w", "r")]
    ranked = find_bottlenecks(nodes, links)
    assert [b.node.id for b in ranked] == ["s", "w", "m", "o"]  # r is idle and operational
    assert ranked[0].outbound == 1 and "feeds 3 nodes" in ranked[0].reason
    assert "offline" in ranked[-1].reason
    assert find_bottlenecks(nodes, links, limit=1) == ranked[:1]


def test_utilization_is_capacity_weighted() -> None:
    nodes = [
        node("a", "Berlin", type="warehouse", capacity=3000, utilization=0.9),
        node("b", "Paris", type="warehouse", capacity=1000, utilization=0.1),
        node("c", "Tokyo", type="supplier", capacity=1000, utilization=0.5),
        node("d", "Tokyo", type="retailer", capacity=1000, utilization=0.0),
    ]
    report = utilization_report(nodes, top=2)
    assert round(report.overall, 4) == round((2700 + 100 + 500) / 6000, 4)
    assert report.by_type == {"supplier": 0.5, "warehouse": 0.7, "retailer": 0.0}
    assert [n.id for n in report.busiest] == ["a", "c"]
    assert [n.id for n in report.idlest] == ["d", "b"]
    assert utilization_report([]).overall == 0.0


def test_reach_counts_equal_one_search_per_node() -> None:
    rng = random.Random(7)
    types = list(TIER)
    cities = ["Berlin", "Paris", "Tokyo", "Shanghai", "Rotterdam"]
    for _ in range(30):
        nodes = [node(f"n{i}", rng.choice(cities), type=rng.choice(types)) for i in range(12)]
        links = [
            Connection(rng.choice(nodes).id, rng.choice(nodes).id, bidirectional=rng.random() < 0.7)
            for _ in range(18)
        ]
        links = [c for c in links if c.source != c.target]
        graph = adjacency(nodes, links)
        tiers = {n.id: TIER[n.type] for n in nodes}
        expected = {n.id: len(downstream(graph, [n.id])) for n in nodes}
        assert reach_counts(graph, tiers) == expected


def test_clusters_span_the_antimeridian_and_ignore_far_points() -> None:
    def at(node_id: str, lat: float, lon: float) -> Node:
        base = node(node_id, "Tokyo")
        return replace(base, location=Location(None, "Fiji", "asia-pacific", lat, lon))

    nodes = [
        at("a", -17.0, 179.9),
        at("b", -17.0, -179.9),  # 21 km east of a, across the date line
        at("c", -17.3, 179.95),
        at("d", -17.0, 178.0),  # 200 km west: not part of it
    ]
    [cluster] = [f for f in identify_risks(nodes, [], []) if f.kind == "geographic-cluster"]
    assert cluster.node_ids == ("a", "b", "c")


def test_analyses_kept_for_the_same_network_shape_follow_every_change() -> None:
    """The graph and the findings built from it are kept while the network's shape is the
    same; a link or a node added, a name or a place changed, gives fresh ones."""
    from omnitrack_realtime.engine.analysis import adjacency, identify_risks
    from omnitrack_realtime.engine.twin import Connection, Location, Node

    def node(node_id: str, kind: str, city: str, lat: float) -> Node:
        where = Location(city, "X", "europe", lat, 0.0)
        return Node(node_id, kind, f"{city} {kind}", where, 100, "operational", 50, 0.5, 0)

    nodes = [node("s1", "supplier", "A", 0.0), node("m1", "manufacturer", "B", 5.0)]
    links = [Connection("s1", "m1")]
    first = identify_risks(nodes, links, [])
    assert adjacency(nodes, links) is adjacency(list(nodes), list(links))  # kept
    assert [f.kind for f in first] == ["single-point-of-failure"]
    # a capacity change keeps the graph, and the findings read the node as it is now
    busier = [nodes[0], replace(nodes[1], utilization=0.95)]
    assert adjacency(busier, links) is adjacency(nodes, links)
    assert "high-utilization" in [f.kind for f in identify_risks(busier, links, [])]
    # a second source: no single point of failure any more
    more = [*nodes, node("s2", "supplier", "C", 9.0)]
    more_links = [*links, Connection("s2", "m1")]
    assert adjacency(more, more_links)["s2"] == ["m1"]
    assert [f.kind for f in identify_risks(more, more_links, [])] == []
    # a rename shows in the kept finding's words
    renamed = [replace(nodes[0], name="Renamed"), nodes[1]]
    assert "Renamed" in identify_risks(renamed, links, [])[0].message
