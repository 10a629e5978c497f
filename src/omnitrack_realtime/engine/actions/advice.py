"""The handlers that advise without changing anything: ``explain`` (why a node is or is not
flagged, how an analysis works, or what the conversation's last analysis found) and
``recommend`` (alternates, load moves and what closing a node would cut off; or the
network's top actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import answers
from ..analysis import (
    BOTTLENECK_UTILIZATION,
    CLUSTER_MIN_NODES,
    CLUSTER_RADIUS_KM,
    HIGH_UTILIZATION,
    LOW_INVENTORY_RATIO,
    SEVERITY_RANK,
    STALE_AFTER_MS,
    Finding,
    adjacency,
    downstream,
    find_bottlenecks,
    identify_risks,
    node_distance_km,
    upstream,
)
from ..answers import Check, Move, Recommendation
from ..twin import Alert, Connection, Node
from . import memory
from .context import ActionResult, _Failed, _Step
from .resolution import _one
from .validation import _choice

#: Under this utilization a node has load to spare for its busier peers.
UNDER_UTILIZED = 0.5
#: Load moves aim to bring nodes to this utilization (a bottleneck starts above it).
TARGET_UTILIZATION = BOTTLENECK_UTILIZATION
#: Bottlenecks the list shows (a node ranked lower is not called one).
_TOP_BOTTLENECKS = 5
_GOALS = ("alternate-supplier", "capacity", "risk", "close")


def _critical_alerts(step: _Step) -> list[Alert]:
    return step.twin.list_alerts(step.user_id, severity="critical", status="active")


# ---------------------------------------------------------------------------- explain


def _explain(step: _Step) -> ActionResult:
    topic = step.params.get("topic")
    key = answers.explanation_key(str(topic)) if topic else None
    if topic and key is None:
        raise _Failed(
            f'I can\'t explain "{topic}"; I can explain {answers.EXPLAINABLE}.',
            ("How is risk computed?", "Explain bottlenecks", "Explain the last analysis"),
        )
    if not step.nodes():
        general = f"\n\nIn general: {answers.explanation(key)}" if key else ""
        raise _Failed(
            "Your network is empty (no nodes yet), so there is nothing of yours to explain."
            + general,
            ("Add a supplier in Shanghai", "Add a manufacturer in Berlin", "help"),
        )
    node = _one(step, "node", required=False)
    if node is not None:
        return step.result(answers.node_explained(node, _checks(step, node)), mentioned=[node.id])
    if key is not None:
        return step.result(answers.topic_explained(key))
    last = memory.last_analysis(step)
    if last is None:
        raise _Failed(
            "There is no analysis in this conversation to explain yet. Run one, or ask how "
            "one works (*how is risk computed?*).",
            ("Identify risks", "Find bottlenecks", "How is risk computed?"),
        )
    since = step.params.get("since")
    if since is not None:
        earlier = memory.earlier_analysis(step, last, first=since == "first")
        if earlier is None:
            raise _Failed(
                f"Your last analysis (**{last.get('intent', 'analysis')}**) is the first of its "
                "kind in this conversation, so there is nothing to compare it with yet: run it "
                "again after a change.",
                (str(last.get("intent", "Identify risks")).replace("-", " ").capitalize(),),
            )
        return step.result(
            answers.analyses_compared(earlier, last),
            mentioned=[str(i) for i in last.get("nodeIds", [])],
        )
    return step.result(
        answers.last_analysis_explained(last), mentioned=[str(i) for i in last.get("nodeIds", [])]
    )


def _checks(step: _Step, node: Node) -> list[Check]:
    """Every analysis rule applied to one node, flagged or not, with its numbers."""
    nodes = step.nodes()
    connections = step.twin.list_connections(step.user_id)
    checks: list[Check] = []
    util = node.utilization
    checks.append(
        Check(
            "utilization",
            util > HIGH_UTILIZATION,
            f"utilization {answers.pct(util)} is "
            + (
                f"over the {answers.pct(HIGH_UTILIZATION)} threshold: an anomaly, and a risk "
                "(no headroom for a surge)"
                if util > HIGH_UTILIZATION
                else f"within the {answers.pct(HIGH_UTILIZATION)} threshold"
            ),
        )
    )
    share = node.inventory / node.capacity if node.capacity else 0.0
    low = node.capacity > 0 and node.inventory < LOW_INVENTORY_RATIO * node.capacity
    checks.append(
        Check(
            "inventory",
            low,
            f"inventory {answers.units(node.inventory)} units is {answers.pct(share)} of "
            f"capacity, {'under' if low else 'at or above'} the "
            f"{answers.pct(LOW_INVENTORY_RATIO)} threshold",
        )
    )
    hours = (step.twin.clock() - node.updated_at) / 3_600_000
    limit = STALE_AFTER_MS / 3_600_000
    stale = hours > limit
    checks.append(
        Check(
            "freshness",
            stale,
            f"last report {hours:.0f} hours ago, {'over' if stale else 'within'} the "
            f"{limit:.0f}-hour limit",
        )
    )
    links = sum(1 for c in connections if c.touches(node.id))
    isolated = links == 0 and len(nodes) > 1
    checks.append(
        Check(
            "connectivity",
            isolated,
            "no link to any other node: isolated"
            if isolated
            else f"{answers.plural(links, 'link')}",
        )
    )
    risks = identify_risks(nodes, connections, _critical_alerts(step))
    checks += _risk_checks(node, nodes, risks)
    checks.append(_bottleneck_check(node, nodes, connections))
    return checks


def _risk_checks(node: Node, nodes: Sequence[Node], risks: Sequence[Finding]) -> list[Check]:
    checks = []
    source = [f for f in risks if f.kind == "single-point-of-failure" and f.node_ids[0] == node.id]
    fed_by_one = [
        f for f in risks if f.kind == "single-point-of-failure" and node.id in f.node_ids[1:]
    ]
    if source:
        checks.append(Check("single point of failure", True, source[0].message))
    else:
        checks.append(
            Check(
                "single point of failure",
                False,
                "no node depends on it alone",
            )
        )
    if fed_by_one:
        by_id = {n.id: n for n in nodes}
        feeder = by_id.get(fed_by_one[0].node_ids[0])
        checks.append(
            Check(
                "single source",
                True,
                f"all its supply comes through {feeder.name if feeder else 'one node'}: if "
                "that fails, it has none",
            )
        )
    cluster = [f for f in risks if f.kind == "geographic-cluster" and node.id in f.node_ids]
    if cluster:
        checks.append(Check("cluster", True, cluster[0].message))
    else:
        near = sum(
            1 for n in nodes if n.id != node.id and node_distance_km(n, node) <= CLUSTER_RADIUS_KM
        )
        checks.append(
            Check(
                "cluster",
                False,
                f"{answers.plural(near, 'other node')} within {CLUSTER_RADIUS_KM:.0f} km "
                f"({CLUSTER_MIN_NODES} together make a cluster)",
            )
        )
    down = [f for f in risks if f.kind == "not-operational" and f.node_ids[0] == node.id]
    if down:
        checks.append(Check("status", True, down[0].message))
    alerts = [f for f in risks if f.kind == "open-critical-alert" and node.id in f.node_ids]
    checks.append(
        Check(
            "critical alerts",
            bool(alerts),
            "; ".join(f.message for f in alerts[:2]) if alerts else "no open critical alert",
        )
    )
    return checks


def _bottleneck_check(
    node: Node, nodes: Sequence[Node], connections: Sequence[Connection]
) -> Check:
    if node.utilization < BOTTLENECK_UTILIZATION and node.status == "operational":
        return Check(
            "bottleneck",
            False,
            f"not a candidate: under {answers.pct(BOTTLENECK_UTILIZATION)} utilization "
            "and operational",
        )
    ranked = find_bottlenecks(nodes, connections, limit=len(nodes))
    rank = next(i for i, b in enumerate(ranked, start=1) if b.node.id == node.id)
    found = ranked[rank - 1]
    return Check(
        "bottleneck",
        rank <= _TOP_BOTTLENECKS,
        f"{found.reason}: score {found.score:.2f}, rank {rank} of {len(ranked)} candidates"
        + ("" if rank <= _TOP_BOTTLENECKS else f" (the top {_TOP_BOTTLENECKS} are listed)"),
    )


# ---------------------------------------------------------------------------- recommend


@dataclass(frozen=True, slots=True)
class _Closure:
    cut_off: tuple[Node, ...]
    still_fed: int
    load: int


def _spare(node: Node) -> int:
    """Units a node can take on before it reaches the target utilization."""
    return max(0, round(node.capacity * (TARGET_UTILIZATION - node.utilization)))


def _alternates(
    node: Node, nodes: Sequence[Node], node_type: str, exclude: set[str]
) -> list[tuple[Node, float, int]]:
    """Operational nodes of ``node_type`` with room under the target, nearest first."""
    found = [
        (n, node_distance_km(node, n), _spare(n))
        for n in nodes
        if n.type == node_type
        and n.id not in exclude
        and n.status == "operational"
        and n.utilization < TARGET_UTILIZATION
    ]
    found.sort(key=lambda item: (item[1], item[0].id))
    return found[:3]


def _moves(node: Node, nodes: Sequence[Node]) -> list[Move]:
    """Load to shift between ``node`` and its nearest peers of the same type: off it when it
    is over the target, onto it when it is under-utilized."""
    peers = [n for n in nodes if n.type == node.type and n.id != node.id]
    peers.sort(key=lambda n: (node_distance_km(node, n), n.id))
    moves: list[Move] = []
    if node.utilization > TARGET_UTILIZATION:
        excess = round(node.capacity * (node.utilization - TARGET_UTILIZATION))
        for peer in peers:
            if excess <= 0 or len(moves) == 3:
                break
            if peer.status != "operational" or peer.utilization >= UNDER_UTILIZED:
                continue
            amount = min(excess, _spare(peer))
            if amount > 0:
                moves.append(Move(node, peer, amount))
                excess -= amount
    elif node.utilization < UNDER_UTILIZED and node.status == "operational":
        room = _spare(node)
        for peer in peers:
            if room <= 0 or len(moves) == 3:
                break
            if peer.utilization <= TARGET_UTILIZATION:
                continue
            amount = min(room, round(peer.capacity * (peer.utilization - TARGET_UTILIZATION)))
            if amount > 0:
                moves.append(Move(peer, node, amount))
                room -= amount
    return moves


def _closure(node: Node, nodes: Sequence[Node], connections: Sequence[Connection]) -> _Closure:
    """What closing ``node`` would do downstream: the nodes left with no path of supply from
    any source (a node nothing feeds), and how many downstream still have another."""
    graph = adjacency(nodes, connections)
    below = downstream(graph, [node.id])
    without = {k: [d for d in v if d != node.id] for k, v in graph.items() if k != node.id}
    fed = {d for targets in without.values() for d in targets}
    roots = [k for k in without if k not in fed and k not in below]
    supplied = set(downstream(without, roots)) | set(roots)
    by_id = {n.id: n for n in nodes}
    order = sorted(below, key=lambda i: (below[i], i))
    cut = tuple(by_id[i] for i in order if i not in supplied)
    return _Closure(cut, len(below) - len(cut), round(node.capacity * node.utilization))


def _recommend(step: _Step) -> ActionResult:
    goal = step.params.get("goal")
    if goal is not None:
        goal = _choice(goal, _GOALS, "goal")
    nodes = step.require_nodes("recommend")
    node = _one(step, "node", required=False)
    connections = step.twin.list_connections(step.user_id)
    if node is None:
        if goal == "close":
            raise _Failed(
                "Which node would you close? Name it, e.g. *should we close Berlin Plant?*",
                ("List my nodes", "Show the network summary"),
            )
        return _recommend_network(step, nodes, connections, goal)
    exclude = {node.id}
    alternate_type = node.type
    if goal == "alternate-supplier" and node.type != "supplier":
        alternate_type = "supplier"
        graph = adjacency(nodes, connections)
        exclude |= set(upstream(graph, [node.id]))  # its suppliers already
    alternates = (
        _alternates(node, nodes, alternate_type, exclude)
        if goal in (None, "alternate-supplier", "close")
        else []
    )
    moves = _moves(node, nodes) if goal in (None, "capacity", "close") else []
    risks = []
    if goal in (None, "risk"):
        risks = [
            f
            for f in identify_risks(nodes, connections, _critical_alerts(step))
            if node.id in f.node_ids
        ][:3]
    closure = _closure(node, nodes, connections) if goal == "close" else None
    answer = answers.node_recommendations(
        node,
        alternates=alternates,
        alternate_type=alternate_type,
        moves=moves,
        risks=risks,
        closure=None if closure is None else (closure.cut_off, closure.still_fed, closure.load),
        target=TARGET_UTILIZATION,
    )
    findings = [
        f"alternate: {other.name}, {answers.units(km)} km away, {answers.units(spare)} units spare"
        for other, km, spare in alternates
    ]
    findings += [
        f"move {answers.units(m.units)} units from {m.source.name} to {m.target.name}"
        for m in moves
    ]
    findings += [f"{f.severity}: {f.message}" for f in risks]
    if closure is not None:
        findings.insert(
            0, f"closing it leaves {answers.plural(len(closure.cut_off), 'node')} without supply"
        )
    memory.record_analysis(
        step,
        topic="recommend",
        scope=node.name,
        findings=findings,
        node_ids=[node.id, *(n.id for n, _, _ in alternates)],
    )
    return step.result(answer, mentioned=[*(n.id for n, _, _ in alternates), node.id])


def _recommend_network(
    step: _Step, nodes: Sequence[Node], connections: Sequence[Connection], goal: str | None
) -> ActionResult:
    """The top three actions for the network, from its risks, bottlenecks and load gaps."""
    candidates: list[tuple[int, int, Recommendation]] = []
    order = 0

    def add(severity: str, rec: Recommendation) -> None:
        nonlocal order
        candidates.append((-SEVERITY_RANK[severity], order, rec))
        order += 1

    if goal in (None, "risk", "alternate-supplier"):
        for finding in identify_risks(nodes, connections, _critical_alerts(step)):
            if goal == "alternate-supplier" and finding.kind != "single-point-of-failure":
                continue
            add(
                finding.severity,
                Recommendation(
                    finding.recommendation,
                    f"{finding.message} ({finding.severity} risk)",
                    finding.node_ids[0] if finding.node_ids else None,
                    finding.suggestion,
                ),
            )
    if goal in (None, "capacity"):
        for found in find_bottlenecks(nodes, connections, limit=3):
            busy = found.node
            wanted = max(
                busy.capacity + 1, round(busy.capacity * busy.utilization / TARGET_UTILIZATION, -2)
            )
            severity = (
                "high"
                if busy.utilization > HIGH_UTILIZATION or busy.status != "operational"
                else "medium"
            )
            add(
                severity,
                Recommendation(
                    f"Relieve {busy.name}",
                    f"bottleneck: {found.reason}, score {found.score:.2f}",
                    busy.id,
                    f"Set the capacity of {busy.name} to {int(wanted):,}",
                ),
            )
        for busy in sorted(nodes, key=lambda n: -n.utilization):
            if busy.utilization <= HIGH_UTILIZATION:
                break
            for move in _moves(busy, nodes)[:1]:
                add(
                    "medium",
                    Recommendation(
                        f"Move {answers.units(move.units)} units of load from {move.source.name} "
                        f"to {move.target.name}",
                        f"{move.source.name} runs at {answers.pct(move.source.utilization)}, "
                        f"{move.target.name} at {answers.pct(move.target.utilization)} "
                        f"({answers.units(node_distance_km(move.source, move.target))} km apart)",
                        move.source.id,
                        f"Compare {move.source.name} and {move.target.name}",
                    ),
                )
    candidates.sort(key=lambda item: (item[0], item[1]))
    chosen: list[Recommendation] = []
    seen: set[str | None] = set()
    for _, _, rec in candidates:
        if rec.node_id in seen and rec.node_id is not None:
            continue  # one action per node: the most severe
        seen.add(rec.node_id)
        chosen.append(rec)
        if len(chosen) == 3:
            break
    answer = answers.network_recommendations(chosen, goal, target=TARGET_UTILIZATION)
    memory.record_analysis(
        step,
        topic="recommend",
        scope="the network",
        findings=[f"{r.action}: {r.why}" for r in chosen],
        node_ids=[r.node_id for r in chosen if r.node_id],
    )
    return step.result(answer, mentioned=[r.node_id for r in chosen if r.node_id])
