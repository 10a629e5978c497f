"""Disruption scenarios on a twin: who is hit, how hard, what cascades. Pure, no I/O.

No randomness: the impact of a scenario is a function of the twin (locations by haversine,
the flow graph) and the request (type, place, severity, duration), so the same twin and the
same request always give the same result.

Model, in short: the scenario picks *directly hit* nodes and gives each a capacity loss
(0..1) from the scenario's base strength x the severity, fading with distance from the
centre of an area. Losses then flow downstream: a node loses 90 % of the mean loss of its
feeders (a node with two suppliers, one of them down, loses 45 %). A demand spike instead
raises utilization at the target nodes and, fading, at everything upstream of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import TIER, adjacency, downstream, haversine_km, reach_counts, upstream
from .twin import Connection, Node

__all__ = [
    "CASCADE_SHARE",
    "CITY_RADIUS_KM",
    "DISASTER_RADIUS_KM",
    "MIN_IMPACT",
    "PORT_RADIUS_KM",
    "SCENARIOS",
    "SEVERITIES",
    "SEVERITY_FACTOR",
    "STAGES",
    "STRENGTH",
    "Area",
    "NodeImpact",
    "ScenarioError",
    "ScenarioRequest",
    "SimulationResult",
    "simulate",
]

SCENARIOS = (
    "natural-disaster",
    "supplier-failure",
    "transportation-delay",
    "demand-spike",
    "quality-issue",
    "geopolitical",
    "cyber-attack",
    "labor-shortage",
)
#: The what-if kinds beyond the eight scenario types.
_EXTRA_KINDS = ("port-closure",)
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_FACTOR = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
#: Base strength of each kind: the capacity loss of a directly hit node at critical severity.
STRENGTH = {
    "natural-disaster": 1.0,
    "supplier-failure": 1.0,
    "transportation-delay": 0.5,
    "demand-spike": 0.0,
    "quality-issue": 0.6,
    "geopolitical": 0.7,
    "cyber-attack": 0.8,
    "labor-shortage": 0.5,
    "port-closure": 1.0,
}
#: Radius of an area scenario around a city, by severity (km).
DISASTER_RADIUS_KM = {"low": 50.0, "medium": 150.0, "high": 300.0, "critical": 500.0}
#: Radius of a city-wide scenario (other kinds), and of a port closure (km).
CITY_RADIUS_KM = 100.0
PORT_RADIUS_KM = 50.0
#: A node downstream loses this share of its feeders' mean loss.
CASCADE_SHARE = 0.9
#: Losses under this share are not counted as an impact.
MIN_IMPACT = 0.05

#: The steps a simulation reports through ``scenario_progress``.
STAGES = (
    "locating affected nodes",
    "computing direct impact",
    "tracing the cascade",
    "estimating recovery",
)


class ScenarioError(ValueError):
    """The request cannot be simulated as asked (e.g. a disaster with no place); the message
    says what is missing, in words for the user."""


@dataclass(frozen=True, slots=True)
class Area:
    """Where a scenario strikes. ``city`` None means the whole ``country`` (or ``region``)."""

    label: str
    latitude: float
    longitude: float
    city: str | None = None
    country: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ScenarioRequest:
    """What to simulate. ``kind`` is one of :data:`SCENARIOS` or ``port-closure``."""

    kind: str
    severity: str = "medium"
    duration_hours: float = 168.0
    area: Area | None = None
    node_ids: tuple[str, ...] = ()
    percent: float = 30.0  # demand spikes only


@dataclass(frozen=True, slots=True)
class NodeImpact:
    """How one node fares: capacity ``loss`` (0..1), or ``projected_utilization`` for demand."""

    node: Node
    loss: float
    hops: int  # 0 for a directly hit node
    projected_utilization: float | None = None


@dataclass(frozen=True, slots=True)
class SimulationResult:
    request: ScenarioRequest
    direct: tuple[NodeImpact, ...]
    cascade: tuple[NodeImpact, ...]
    capacity_at_risk: int  # units of capacity lost (demand: units of shortfall)
    capacity_share: float  # of the network's total capacity
    recovery_hours: float
    overloaded: tuple[NodeImpact, ...]  # demand spikes: nodes pushed over 100 %
    recommendations: tuple[str, ...]

    @property
    def affected(self) -> tuple[NodeImpact, ...]:
        return self.direct + self.cascade

    @property
    def alert_severity(self) -> str | None:
        """The severity of the alert this result deserves, or None when nothing is hit."""
        if self.request.kind == "demand-spike":
            if not self.overloaded:
                return None
            worst = max(i.projected_utilization or 0.0 for i in self.overloaded)
            return "critical" if worst >= 1.5 else "high" if worst >= 1.2 else "medium"
        if not self.affected:
            return None
        if self.capacity_share >= 0.3 or self.request.severity == "critical":
            return "critical"
        if self.capacity_share >= 0.1 or self.request.severity == "high":
            return "high"
        return "medium"


def _in_area(node: Node, area: Area, radius_km: float) -> float | None:
    """Distance-based closeness of a node to an area: 1 at the centre, None outside."""
    loc = node.location
    if area.city is None:
        if area.country is not None:
            return 1.0 if (loc.country or "").lower() == area.country.lower() else None
        if area.region is not None:
            return 1.0 if loc.region == area.region else None
    distance = haversine_km(area.latitude, area.longitude, loc.latitude, loc.longitude)
    if distance > radius_km:
        return None
    return max(0.3, 1.0 - 0.7 * distance / radius_km)


def _direct_targets(
    request: ScenarioRequest,
    nodes: Sequence[Node],
    connections: Sequence[Connection],
    graph: dict[str, list[str]],
) -> dict[str, float]:
    """Directly hit node ids with their closeness (0..1, how fully the blow lands)."""
    kind = request.kind
    by_id = {node.id: node for node in nodes}
    if request.node_ids:
        missing = [i for i in request.node_ids if i not in by_id]
        if missing:
            raise ScenarioError(f"no node {missing[0]} in the network")
        targets = dict.fromkeys(request.node_ids, 1.0)
        if kind == "port-closure":
            # A port closure hits everything near the named node, not just the node.
            anchor = by_id[request.node_ids[0]].location
            area = Area(anchor.label, anchor.latitude, anchor.longitude, anchor.city)
            for node in nodes:
                near = _in_area(node, area, PORT_RADIUS_KM)
                if near is not None:
                    targets.setdefault(node.id, near)
        return targets
    if request.area is not None:
        radius = {
            "natural-disaster": DISASTER_RADIUS_KM[request.severity],
            "port-closure": PORT_RADIUS_KM,
        }.get(kind, CITY_RADIUS_KM)
        area = request.area
        if kind == "geopolitical" and area.city is not None and area.country is not None:
            area = Area(area.label, area.latitude, area.longitude, None, area.country)
        targets = {}
        for node in nodes:
            near = _in_area(node, area, radius)
            if near is not None and _kind_applies(kind, node):
                targets[node.id] = near
        return targets
    if kind in ("natural-disaster", "geopolitical", "port-closure"):
        raise ScenarioError(f"a {kind.replace('-', ' ')} needs a place (a city, country or region)")
    if kind == "supplier-failure":
        suppliers = [node for node in nodes if node.type == "supplier"]
        if not suppliers:
            raise ScenarioError("there is no supplier in the network to fail")
        # The most damaging failure: the supplier with the most nodes downstream.
        reach = reach_counts(graph, {node.id: TIER.get(node.type, 0) for node in nodes})
        worst = max(suppliers, key=lambda n: (reach[n.id], n.capacity))
        return {worst.id: 1.0}
    if kind == "transportation-delay":
        receivers = {dst for targets in graph.values() for dst in targets}
        return {node.id: 1.0 for node in nodes if node.id in receivers}
    if kind == "cyber-attack":
        return {node.id: 0.5 for node in nodes}
    return {node.id: 1.0 for node in nodes if _kind_applies(kind, node)}


def _kind_applies(kind: str, node: Node) -> bool:
    """Which node types a network-wide scenario of this kind touches."""
    if kind == "quality-issue":
        return node.type in ("supplier", "manufacturer")
    if kind == "labor-shortage":
        return node.type in ("manufacturer", "warehouse", "distribution_center")
    if kind == "supplier-failure":
        return node.type == "supplier"
    if kind == "demand-spike":
        return node.type in ("retailer", "distribution_center")
    return True


def _recommend(request: ScenarioRequest, result_direct: Sequence[NodeImpact]) -> tuple[str, ...]:
    names = ", ".join(impact.node.name for impact in result_direct[:2]) or "the affected nodes"
    by_kind = {
        "natural-disaster": (
            f"Pre-position safety stock away from {names}",
            "Qualify backup suppliers in another region",
        ),
        "supplier-failure": (
            f"Qualify a second source for what {names} supplies",
            "Raise safety stock downstream for the outage",
        ),
        "transportation-delay": (
            "Switch urgent lanes to air or express",
            "Extend lead times in the plan",
        ),
        "demand-spike": (
            f"Raise capacity at {names}",
            "Rebalance inventory from idle warehouses",
        ),
        "quality-issue": (f"Quarantine output from {names}", "Tighten incoming inspection"),
        "geopolitical": (
            "Diversify sourcing to another country",
            "Review tariffs and trade-compliance exposure",
        ),
        "cyber-attack": (
            "Isolate affected systems and switch to manual processing",
            "Audit access to the planning systems",
        ),
        "labor-shortage": (f"Add temporary staff at {names}", "Shift volume to automated sites"),
        "port-closure": (
            "Reroute sea freight through the nearest open port",
            "Move urgent orders to air freight",
        ),
    }
    return by_kind.get(request.kind, ("Review the affected nodes",))


def simulate(
    request: ScenarioRequest, nodes: Sequence[Node], connections: Sequence[Connection]
) -> SimulationResult:
    """Run one scenario on a twin (raises :class:`ScenarioError` when it cannot)."""
    if request.kind not in SCENARIOS and request.kind not in _EXTRA_KINDS:
        raise ScenarioError(f"unknown scenario {request.kind!r}")
    if request.severity not in SEVERITIES:
        raise ScenarioError(f"unknown severity {request.severity!r}")
    if request.duration_hours <= 0:
        raise ScenarioError("the duration must be positive")
    if not nodes:
        raise ScenarioError("the network has no nodes yet")
    graph = adjacency(nodes, connections)
    by_id = {node.id: node for node in nodes}
    targets = _direct_targets(request, nodes, connections, graph)
    total_capacity = sum(node.capacity for node in nodes) or 1
    if request.kind == "demand-spike":
        return _demand_spike(request, nodes, graph, targets, total_capacity)

    strength = STRENGTH[request.kind] * SEVERITY_FACTOR[request.severity]
    if request.kind == "port-closure":
        strength = STRENGTH["port-closure"] * max(0.75, SEVERITY_FACTOR[request.severity])
    loss = {node_id: strength * closeness for node_id, closeness in targets.items()}
    if request.kind == "port-closure":
        # Nodes shipping by sea through the port lose that lane too.
        for connection in connections:
            if connection.shipping_method == "sea":
                for here, there in (
                    (connection.source, connection.target),
                    (connection.target, connection.source),
                ):
                    if here in targets and there not in loss:
                        loss[there] = strength * 0.6
    direct_ids = set(loss)
    hops = downstream(graph, direct_ids)
    feeders: dict[str, list[str]] = {node_id: [] for node_id in graph}
    for src, dsts in graph.items():
        for dst in dsts:
            feeders[dst].append(src)
    # Cascade in order of distance; a few passes settle cycles and multi-path diamonds.
    order = sorted(hops, key=lambda node_id: (hops[node_id], node_id))
    for _ in range(3):
        for node_id in order:
            sources = feeders[node_id]
            loss[node_id] = CASCADE_SHARE * sum(loss.get(s, 0.0) for s in sources) / len(sources)
    direct = sorted(
        (NodeImpact(by_id[i], round(loss[i], 3), 0) for i in direct_ids if loss[i] >= MIN_IMPACT),
        key=lambda impact: (-impact.loss, impact.node.id),
    )
    cascade = sorted(
        (NodeImpact(by_id[i], round(loss[i], 3), hops[i]) for i in order if loss[i] >= MIN_IMPACT),
        key=lambda impact: (impact.hops, -impact.loss, impact.node.id),
    )
    at_risk = sum(impact.node.capacity * impact.loss for impact in (*direct, *cascade))
    worst = max((impact.loss for impact in direct), default=0.0)
    return SimulationResult(
        request=request,
        direct=tuple(direct),
        cascade=tuple(cascade),
        capacity_at_risk=round(at_risk),
        capacity_share=at_risk / total_capacity,
        # Recovery outlasts the event: ramp-up grows with how hard the worst node was hit.
        recovery_hours=round(request.duration_hours * (1.0 + 0.5 * worst), 1),
        overloaded=(),
        recommendations=_recommend(request, direct),
    )


def _demand_spike(
    request: ScenarioRequest,
    nodes: Sequence[Node],
    graph: dict[str, list[str]],
    targets: dict[str, float],
    total_capacity: int,
) -> SimulationResult:
    if request.percent <= 0:
        raise ScenarioError("the demand spike must be a positive percentage")
    if not targets:
        targets = {node.id: 1.0 for node in nodes}
    by_id = {node.id: node for node in nodes}
    rise = request.percent / 100.0
    direct = [
        NodeImpact(by_id[i], 0.0, 0, round(by_id[i].utilization * (1 + rise * c), 3))
        for i, c in targets.items()
    ]
    feeding = upstream(graph, targets)
    cascade = [
        NodeImpact(by_id[i], 0.0, h, round(by_id[i].utilization * (1 + rise * 0.8**h), 3))
        for i, h in feeding.items()
    ]
    impacts = [*direct, *cascade]
    overloaded = sorted(
        (i for i in impacts if (i.projected_utilization or 0.0) > 1.0),
        key=lambda i: (-(i.projected_utilization or 0.0), i.node.id),
    )
    shortfall = sum(((i.projected_utilization or 0.0) - 1.0) * i.node.capacity for i in overloaded)
    return SimulationResult(
        request=request,
        direct=tuple(sorted(direct, key=lambda i: (-(i.projected_utilization or 0), i.node.id))),
        cascade=tuple(sorted(cascade, key=lambda i: (i.hops, i.node.id))),
        capacity_at_risk=round(shortfall),
        capacity_share=shortfall / total_capacity,
        recovery_hours=request.duration_hours,
        overloaded=tuple(overloaded),
        recommendations=_recommend(request, overloaded),
    )
