"""Analyses of a twin: anomalies, risks, bottlenecks, utilization. Pure functions, no I/O.

Every function takes the nodes, connections (and alerts) as plain values and returns findings in
a stable order, so the same twin always gives the same answer.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from .twin import Alert, Connection, Node

__all__ = [
    "BOTTLENECK_UTILIZATION",
    "CLUSTER_HIGH_NODES",
    "CLUSTER_MIN_NODES",
    "CLUSTER_RADIUS_KM",
    "CRITICAL_UTILIZATION",
    "HIGH_UTILIZATION",
    "LOW_INVENTORY_RATIO",
    "PARTNER_TYPE",
    "SEVERITY_RANK",
    "SPOF_HIGH_CASCADE",
    "STALE_AFTER_MS",
    "STATUS_FACTOR",
    "TIER",
    "Bottleneck",
    "Finding",
    "UtilizationReport",
    "adjacency",
    "downstream",
    "downstream_counts",
    "find_bottlenecks",
    "haversine_km",
    "identify_risks",
    "link_graph",
    "node_distance_km",
    "reach_counts",
    "scan_anomalies",
    "upstream",
    "utilization_report",
]

#: Utilization over this is an anomaly and a risk (at CRITICAL_UTILIZATION+, a critical one).
HIGH_UTILIZATION = 0.9
CRITICAL_UTILIZATION = 0.98
#: Inventory under this share of capacity is an anomaly.
LOW_INVENTORY_RATIO = 0.10
#: A node that has not reported for this long is stale.
STALE_AFTER_MS = 24 * 3600 * 1000
#: CLUSTER_MIN_NODES+ nodes this close together are a cluster (high at CLUSTER_HIGH_NODES+).
CLUSTER_RADIUS_KM = 100.0
CLUSTER_MIN_NODES = 3
CLUSTER_HIGH_NODES = 5
#: A single point of failure with this many nodes downstream is a high risk.
SPOF_HIGH_CASCADE = 3
#: Nodes at this utilization or more, or not operational, are bottleneck candidates.
BOTTLENECK_UTILIZATION = 0.75
#: How much a node's status raises its bottleneck score.
STATUS_FACTOR = {"operational": 1.0, "degraded": 1.3, "disrupted": 1.6, "offline": 2.0}

#: Position of each node type in the flow of goods; goods flow from low tiers to high tiers.
TIER = {
    "supplier": 0,
    "manufacturer": 1,
    "warehouse": 2,
    "distribution_center": 3,
    "retailer": 4,
}

#: The type of node each type usually ships to (a store is fed by a distribution center).
PARTNER_TYPE = {
    "supplier": "manufacturer",
    "manufacturer": "warehouse",
    "warehouse": "distribution_center",
    "distribution_center": "retailer",
    "retailer": "distribution_center",
}

_EARTH_RADIUS_KM = 6371.0088
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def node_distance_km(a: Node, b: Node) -> float:
    return haversine_km(
        a.location.latitude, a.location.longitude, b.location.latitude, b.location.longitude
    )


@dataclass(frozen=True, slots=True)
class Finding:
    """One anomaly or risk: its kind, how bad, in words, the nodes concerned, advice, and a
    request the copilot understands that acts on it (``suggestion``, None when none fits)."""

    kind: str
    severity: str
    message: str
    node_ids: tuple[str, ...]
    recommendation: str
    suggestion: str | None = None


def _more_capacity(node: Node) -> str:
    """The request that gives a busy node 25 % headroom over its current load."""
    wanted = max(node.capacity + 1, round(node.capacity * node.utilization * 1.25, -2))
    return f"Set the capacity of {node.name} to {int(wanted):,}"


def _place_of(node: Node) -> str:
    return node.location.city or node.location.country or node.location.label


# ---------------------------------------------------------------------------- graph


def _flows(connection: Connection, tiers: dict[str, int]) -> list[tuple[str, str]]:
    """The directions goods move along an edge.

    A one-way edge moves goods source -> target. A two-way edge moves goods both ways in the
    network, but "downstream" means towards the customer: from the lower tier to the higher one
    (both ways between nodes of the same tier).
    """
    if not connection.bidirectional:
        return [(connection.source, connection.target)]
    a, b = connection.source, connection.target
    tier_a, tier_b = tiers.get(a, 0), tiers.get(b, 0)
    if tier_a < tier_b:
        return [(a, b)]
    if tier_b < tier_a:
        return [(b, a)]
    return [(a, b), (b, a)]


_Result = TypeVar("_Result")


class _Kept:
    """Results of pure functions of the network, kept while what they read of it is the same:
    a capacity or status change does not redraw the graph, so one turn's analyses, and the
    next turn's after such a change, build it once. A key is what the function reads of the
    nodes (their ids and types, names or places) and the identities of the link objects (the
    twin hands out the same immutable objects until the links change); an entry holds those
    links, so their ids cannot be reused while it is kept. Callers must not mutate a result."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[object, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, keep: object, compute: Callable[[], _Result]) -> _Result:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return cast(_Result, hit[1])
        value = compute()
        with self._lock:
            self._entries[key] = (keep, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


_GRAPHS = _Kept()
_REACHES = _Kept()
_SPOFS = _Kept()
_CLUSTERS = _Kept()
_REVERSED = _Kept()  # by the identity of a graph _GRAPHS keeps


def _shape(nodes: Sequence[Node], connections: Sequence[Connection]) -> Hashable:
    """What the flow graph reads of the network: node ids and types, and the links."""
    return (tuple((node.id, node.type) for node in nodes), tuple(map(id, connections)))


def adjacency(nodes: Sequence[Node], connections: Iterable[Connection]) -> dict[str, list[str]]:
    """Downstream neighbours of each node (see :func:`_flows`), in a stable order (shared
    between callers while the network's shape is the same: do not mutate it)."""
    links = tuple(connections)
    return _GRAPHS.get(_shape(nodes, links), links, lambda: _adjacency(nodes, links))


def downstream_counts(nodes: Sequence[Node], connections: Sequence[Connection]) -> dict[str, int]:
    """How many nodes each node feeds, directly or not (see :func:`reach_counts`)."""
    links = tuple(connections)
    return _REACHES.get(
        _shape(nodes, links),
        links,
        lambda: reach_counts(
            adjacency(nodes, links), {node.id: TIER.get(node.type, 0) for node in nodes}
        ),
    )


def _adjacency(nodes: Sequence[Node], connections: Iterable[Connection]) -> dict[str, list[str]]:
    tiers = {node.id: TIER.get(node.type, 0) for node in nodes}
    graph: dict[str, list[str]] = {node.id: [] for node in nodes}
    seen: set[tuple[str, str]] = set()

    def add(src: str, dst: str) -> None:
        if (src, dst) not in seen:
            seen.add((src, dst))
            graph[src].append(dst)

    for connection in connections:  # _flows, inlined: this loop is hot on big twins
        a, b = connection.source, connection.target
        tier_a, tier_b = tiers.get(a), tiers.get(b)
        if tier_a is None or tier_b is None:
            continue  # an edge to a node that is gone
        if not connection.bidirectional or tier_a < tier_b:
            add(a, b)
        elif tier_b < tier_a:
            add(b, a)
        else:
            add(a, b)
            add(b, a)
    return graph


def link_graph(nodes: Sequence[Node], connections: Iterable[Connection]) -> dict[str, list[str]]:
    """Where goods can move along the links as they are drawn: a one-way link
    ``source -> target`` one way, a two-way link both ways. Unlike :func:`adjacency`, no tier
    decides the direction of a two-way link: tracing what feeds a node follows every link
    that can bring goods in. Edges to nodes that are gone are skipped."""
    graph: dict[str, list[str]] = {node.id: [] for node in nodes}
    seen: set[tuple[str, str]] = set()
    for connection in connections:
        a, b = connection.source, connection.target
        if a not in graph or b not in graph:
            continue
        for src, dst in ((a, b), (b, a)) if connection.bidirectional else ((a, b),):
            if (src, dst) not in seen:
                seen.add((src, dst))
                graph[src].append(dst)
    return graph


def _reverse(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    """Upstream neighbours of each node (shared while the same graph comes: do not mutate)."""
    return _REVERSED.get(id(graph), graph, lambda: _reversed(graph))


def _reversed(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    reverse: dict[str, list[str]] = {node_id: [] for node_id in graph}
    for src, targets in graph.items():
        for dst in targets:
            reverse[dst].append(src)
    return reverse


def _reach(graph: dict[str, list[str]], starts: Iterable[str]) -> dict[str, int]:
    """Breadth-first: every node reachable from ``starts`` (excluded) with its hop count."""
    start_set = list(dict.fromkeys(starts))
    seen = dict.fromkeys(start_set, 0)
    frontier = start_set
    depth = 0
    while frontier:
        depth += 1
        nxt: list[str] = []
        for node_id in frontier:
            for neighbour in graph.get(node_id, ()):
                if neighbour not in seen:
                    seen[neighbour] = depth
                    nxt.append(neighbour)
        frontier = nxt
    return {node_id: hops for node_id, hops in seen.items() if node_id not in start_set}


def reach_counts(graph: dict[str, list[str]], tiers: dict[str, int]) -> dict[str, int]:
    """How many nodes each node feeds, directly or not, for every node at once.

    Bitsets (Python ints) propagated from the customer end up: visiting nodes from the
    highest tier down, every child of a higher tier is final when its parent is visited, so a
    flow whose edges all climb a tier settles in one pass; other edges (same-tier links,
    one-way returns) take a few more passes to reach the fixpoint. Near-linear where one
    search per node would be quadratic.
    """
    index = {node_id: i for i, node_id in enumerate(graph)}
    reach = dict.fromkeys(graph, 0)
    order = sorted(graph, key=lambda node_id: -tiers.get(node_id, 0))
    # Edges that do not climb a tier (same-tier links, one-way returns) need more passes.
    backward = any(
        tiers.get(child, 0) <= tiers.get(node_id, 0)
        for node_id, children in graph.items()
        for child in children
    )
    changed = True
    while changed:
        changed = False
        for node_id in order:
            bits = reach[node_id]
            for child in graph[node_id]:
                bits |= (1 << index[child]) | reach[child]
            bits &= ~(1 << index[node_id])
            if bits != reach[node_id]:
                reach[node_id] = bits
                changed = True
        changed = changed and backward
    return {node_id: bits.bit_count() for node_id, bits in reach.items()}


def downstream(graph: dict[str, list[str]], starts: Iterable[str]) -> dict[str, int]:
    """Nodes fed (directly or not) by ``starts``, with their distance in hops."""
    return _reach(graph, starts)


def upstream(graph: dict[str, list[str]], starts: Iterable[str]) -> dict[str, int]:
    """Nodes that feed ``starts``, with their distance in hops."""
    return _reach(_reverse(graph), starts)


# ---------------------------------------------------------------------------- anomalies


def scan_anomalies(
    nodes: Sequence[Node],
    connections: Sequence[Connection],
    *,
    now_ms: int,
    network_size: int | None = None,
) -> list[Finding]:
    """Utilization over 90 %, inventory under 10 % of capacity, no update for 24 h, isolated.

    ``nodes`` may be part of the network (``network_size`` nodes in all, default
    ``len(nodes)``); a lone node in a one-node network is not called isolated.
    """
    size = len(nodes) if network_size is None else network_size
    connected = {c.source for c in connections} | {c.target for c in connections}
    findings: list[Finding] = []
    for node in nodes:
        if node.utilization > HIGH_UTILIZATION:
            findings.append(
                Finding(
                    "high-utilization",
                    "critical" if node.utilization >= CRITICAL_UTILIZATION else "high",
                    f"{node.name} runs at {node.utilization:.0%} utilization",
                    (node.id,),
                    f"Shift load from {node.name} or raise its capacity",
                    _more_capacity(node),
                )
            )
        if node.capacity > 0 and node.inventory < LOW_INVENTORY_RATIO * node.capacity:
            findings.append(
                Finding(
                    "low-inventory",
                    "high" if node.inventory == 0 else "medium",
                    f"{node.name} holds {node.inventory:,} units, under 10% of its "
                    f"{node.capacity:,} capacity",
                    (node.id,),
                    f"Replenish {node.name}",
                    f"Set the inventory of {node.name} to {node.capacity // 2:,}",
                )
            )
        if now_ms - node.updated_at > STALE_AFTER_MS:
            hours = (now_ms - node.updated_at) // 3_600_000
            findings.append(
                Finding(
                    "stale-data",
                    "low",
                    f"{node.name} has not reported for {hours} hours",
                    (node.id,),
                    f"Check the data feed of {node.name}",
                    f"Show details of {node.name}",
                )
            )
        if node.id not in connected and size > 1:
            findings.append(
                Finding(
                    "isolated",
                    "medium",
                    f"{node.name} is not connected to any other node",
                    (node.id,),
                    f"Connect {node.name} to the network",
                    f"Show details of {node.name}",
                )
            )
    return findings


# ---------------------------------------------------------------------------- risks


def _single_points_of_failure(
    nodes: Sequence[Node], connections: Sequence[Connection]
) -> list[Finding]:
    """Nodes that are the only feeder of some node: if they fail, it has no supply."""
    links = tuple(connections)
    key = (_shape(nodes, links), tuple(node.name for node in nodes))
    return list(_SPOFS.get(key, links, lambda: _computed_spofs(nodes, links)))


def _computed_spofs(nodes: Sequence[Node], connections: Sequence[Connection]) -> list[Finding]:
    by_id = {node.id: node for node in nodes}
    feeders = _reverse(adjacency(nodes, connections))
    reach = downstream_counts(nodes, connections)
    dependants: dict[str, list[str]] = defaultdict(list)
    for node_id, sources in feeders.items():
        if len(sources) == 1 and TIER.get(by_id[node_id].type, 0) > 0:
            dependants[sources[0]].append(node_id)
    findings = []
    for node in nodes:
        fed = dependants.get(node.id)
        if not fed:
            continue
        cascade = reach[node.id]
        names = ", ".join(by_id[i].name for i in fed[:3])
        findings.append(
            Finding(
                "single-point-of-failure",
                "high" if cascade >= SPOF_HIGH_CASCADE else "medium",
                f"{node.name} is the only source of {names}"
                f"{' and more' if len(fed) > 3 else ''} ({cascade} "
                f"node{'' if cascade == 1 else 's'} downstream)",
                (node.id, *fed),
                f"Add a second source next to {node.name}",
                f"Add a {node.type.replace('_', ' ')} in {_place_of(node)}",
            )
        )
    return findings


@functools.lru_cache(maxsize=16)
def _near_pairs(coords: tuple[tuple[float, float], ...]) -> tuple[tuple[int, int], ...]:
    """Index pairs of the (latitude-sorted) points that lie within 100 km of each other.

    Swept in order of latitude: only points less than 100 km apart north-south are compared,
    and a cheap east-west bound skips most of those before the exact haversine distance.
    Memoized: nodes sit in gazetteer cities, so the set of distinct points rarely changes
    from one turn to the next, and this is the costly part of clustering.
    """
    km_per_degree = 111.19
    lat_window = CLUSTER_RADIUS_KM / km_per_degree
    cosines = [math.cos(math.radians(lat)) for lat, _ in coords]
    pairs = []
    for i, (lat1, lon1) in enumerate(coords):
        for j in range(i + 1, len(coords)):
            lat2, lon2 = coords[j]
            if lat2 - lat1 > lat_window:
                break
            dlon = abs(lon1 - lon2)
            dlon = min(dlon, 360.0 - dlon)
            # East-west, the distance is at least dlon at the wider of the two parallels.
            if dlon * km_per_degree * min(cosines[i], cosines[j]) > CLUSTER_RADIUS_KM * 1.01:
                continue
            if haversine_km(lat1, lon1, lat2, lon2) <= CLUSTER_RADIUS_KM:
                pairs.append((i, j))
    return tuple(pairs)


def _clusters(nodes: Sequence[Node]) -> list[Finding]:
    """Groups of 3+ nodes within 100 km of each other: one regional event hits them all.

    Single-linkage grouping (union-find) over the distinct points (many nodes share a city).
    """
    key = tuple(
        (n.id, n.location.latitude, n.location.longitude, n.location.city, n.location.country)
        for n in nodes
    )
    return list(_CLUSTERS.get(key, None, lambda: _computed_clusters(nodes)))


def _computed_clusters(nodes: Sequence[Node]) -> list[Finding]:
    points: dict[tuple[float, float], list[Node]] = defaultdict(list)
    for node in nodes:
        points[(node.location.latitude, node.location.longitude)].append(node)
    coords = tuple(sorted(points))
    parent = list(range(len(coords)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _near_pairs(coords):
        parent[find(i)] = find(j)
    groups: dict[int, list[Node]] = defaultdict(list)
    for index, point in enumerate(coords):
        groups[find(index)].extend(points[point])
    position = {node.id: i for i, node in enumerate(nodes)}
    for group in groups.values():
        group.sort(key=lambda node: position[node.id])  # network order, whatever the city
    findings = []
    for group in sorted(groups.values(), key=lambda group: position[group[0].id]):
        if len(group) < CLUSTER_MIN_NODES:
            continue
        place = group[0].location.city or group[0].location.label
        findings.append(
            Finding(
                "geographic-cluster",
                "high" if len(group) >= CLUSTER_HIGH_NODES else "medium",
                f"{len(group)} nodes within {CLUSTER_RADIUS_KM:.0f} km around {place}",
                tuple(node.id for node in group),
                f"Spread capacity away from {place}",
            )
        )
    return findings


def _not_operational(
    nodes: Sequence[Node], graph: dict[str, list[str]], alerts: Sequence[Alert]
) -> list[Finding]:
    """Nodes degraded (medium) or offline (high) that feed others: their supply is already
    cut or thin. A node an open critical alert names is left to that alert's finding."""
    by_id = {node.id: node for node in nodes}
    alerted = {
        node_id
        for alert in alerts
        if alert.severity == "critical" and alert.status == "active"
        for node_id in alert.node_ids
    }
    findings = []
    for node in nodes:
        fed = [i for i in graph.get(node.id, ()) if i in by_id]
        if node.status == "operational" or not fed or node.id in alerted:
            continue
        names = ", ".join(by_id[i].name for i in fed[:3])
        findings.append(
            Finding(
                "not-operational",
                "high" if node.status == "offline" else "medium",
                f"{node.name} is {node.status} and feeds {names}"
                f"{' and more' if len(fed) > 3 else ''}",
                (node.id, *fed),
                f"Bring {node.name} back, or find another source for what it feeds",
                f"What should I do about {node.name}?",
            )
        )
    return findings


def identify_risks(
    nodes: Sequence[Node], connections: Sequence[Connection], alerts: Sequence[Alert]
) -> list[Finding]:
    """Single points of failure, geographic clusters, high utilization, nodes degraded or
    offline that feed others, open critical alerts; the most severe first."""
    graph = adjacency(nodes, connections)
    findings = _single_points_of_failure(nodes, connections)
    findings += _clusters(nodes)
    for node in nodes:
        if node.utilization > HIGH_UTILIZATION:
            findings.append(
                Finding(
                    "high-utilization",
                    "high",
                    f"{node.name} runs at {node.utilization:.0%}, no headroom for a surge",
                    (node.id,),
                    f"Add capacity next to {node.name}",
                    _more_capacity(node),
                )
            )
    findings += _not_operational(nodes, graph, alerts)
    for alert in alerts:
        if alert.severity == "critical" and alert.status == "active":
            findings.append(
                Finding(
                    "open-critical-alert",
                    "critical",
                    f"Open critical alert {alert.id}: {alert.message}",
                    alert.node_ids,
                    f"Resolve alert {alert.id}",
                    "Show recent alerts",
                )
            )
    # Worst first (a stable sort keeps the kinds' order within a severity).
    findings.sort(key=lambda finding: -SEVERITY_RANK[finding.severity])
    return findings


# ---------------------------------------------------------------------------- bottlenecks


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A node that limits throughput: its load, its degree in the flow, and a score (0..)."""

    node: Node
    inbound: int
    outbound: int
    score: float
    reason: str


def find_bottlenecks(
    nodes: Sequence[Node], connections: Sequence[Connection], *, limit: int = 5
) -> list[Bottleneck]:
    """Rank nodes by load times how much of the flow passes through them.

    The score is utilization x (1 + number of downstream nodes / network size), raised for
    nodes not fully operational; only nodes at 75 %+ utilization or not operational count.
    """
    graph = adjacency(nodes, connections)
    reverse = _reverse(graph)
    reaches = downstream_counts(nodes, connections)
    size = max(1, len(nodes))
    ranked = []
    for node in nodes:
        if node.utilization < BOTTLENECK_UTILIZATION and node.status == "operational":
            continue
        reach = reaches[node.id]
        score = node.utilization * (1 + reach / size) * STATUS_FACTOR.get(node.status, 1.0)
        reasons = [f"{node.utilization:.0%} utilized"]
        if node.status != "operational":
            reasons.append(node.status)
        if reach:
            reasons.append(f"feeds {reach} node{'s' if reach != 1 else ''}")
        ranked.append(
            Bottleneck(
                node,
                len(reverse[node.id]),
                len(graph[node.id]),
                round(score, 3),
                ", ".join(reasons),
            )
        )
    ranked.sort(key=lambda b: (-b.score, b.node.id))
    return ranked[:limit]


# ---------------------------------------------------------------------------- utilization


@dataclass(frozen=True, slots=True)
class UtilizationReport:
    """Capacity-weighted utilization, overall and by node type."""

    overall: float
    by_type: dict[str, float]
    total_capacity: int
    used_capacity: int
    busiest: tuple[Node, ...]
    idlest: tuple[Node, ...]


def utilization_report(nodes: Sequence[Node], *, top: int = 3) -> UtilizationReport:
    total = sum(node.capacity for node in nodes)
    used = sum(node.capacity * node.utilization for node in nodes)
    by_type_cap: dict[str, int] = defaultdict(int)
    by_type_used: dict[str, float] = defaultdict(float)
    for node in nodes:
        by_type_cap[node.type] += node.capacity
        by_type_used[node.type] += node.capacity * node.utilization
    by_type = {
        node_type: (by_type_used[node_type] / cap if cap else 0.0)
        for node_type, cap in sorted(by_type_cap.items(), key=lambda kv: TIER.get(kv[0], 9))
    }
    ordered = sorted(nodes, key=lambda node: (-node.utilization, node.id))
    return UtilizationReport(
        overall=used / total if total else 0.0,
        by_type=by_type,
        total_capacity=total,
        used_capacity=round(used),
        busiest=tuple(ordered[:top]),
        # The idlest exclude the busiest, so a small network does not list a node twice.
        idlest=tuple(reversed(ordered[top:][-top:])),
    )
