"""Execute :class:`~.commands.Command` objects on the twin: resolve node references, validate,
change the twin, and say what happened. Synchronous (SQLite), no asyncio.

:func:`execute` runs one step inside one twin transaction and returns an :class:`ActionResult`:
the answer, whether it worked, the changes and alerts to publish, and the nodes it mentioned
(what "it" means in the next step). Errors a user can cause (a missing node, a duplicate
connection, an invalid value) are failed results with a clear answer, never exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .. import answers
from ..analysis import (
    SEVERITY_RANK,
    find_bottlenecks,
    identify_risks,
    scan_anomalies,
    utilization_report,
)
from ..answers import Answer
from ..commands import INTENTS, Command, NodeRef, Place
from ..simulation import (
    SCENARIOS,
    SEVERITIES,
    STAGES,
    Area,
    ScenarioError,
    ScenarioRequest,
    simulate,
)
from ..twin import (
    ALERT_SEVERITIES,
    CURRENCIES,
    INDUSTRIES,
    NODE_STATUSES,
    REGIONS,
    RISK_PROFILES,
    SHIPPING_METHODS,
    Alert,
    Connection,
    Node,
    Twin,
)
from .context import ActionResult, ScenarioRun, _change, _Failed, _Step
from .resolution import _PLURAL_PRONOUNS, _many, _one, _partner, resolve_nodes
from .validation import _choice, _float, _int, _location, _node_type, _place_words, _require_place

__all__ = [
    "ADD_INTENT_TYPES",
    "DEFAULT_CAPACITY",
    "ActionResult",
    "ScenarioRun",
    "execute",
    "resolve_nodes",
]

#: The node type each add-* intent creates.
ADD_INTENT_TYPES = {
    "add-supplier": "supplier",
    "add-manufacturer": "manufacturer",
    "add-warehouse": "warehouse",
    "add-distributor": "distribution_center",
    "add-retailer": "retailer",
}
#: Capacity (units) of a new node when the user gives none.
DEFAULT_CAPACITY = {
    "supplier": 10_000,
    "manufacturer": 8_000,
    "warehouse": 20_000,
    "distribution_center": 15_000,
    "retailer": 2_000,
}
#: The word a default name ends with ("Berlin Plant", "Chicago Distribution Center").
_NAME_SUFFIX = {
    "supplier": "Supplier",
    "manufacturer": "Plant",
    "warehouse": "Warehouse",
    "distribution_center": "Distribution Center",
    "retailer": "Store",
}
#: A node's name is repeated in answers, lists and events: a whole message is not a name.
_MAX_NAME = 80
# Markdown's inline syntax: a name is shown inside answers, where these would restyle them or
# make links, so a name may not contain them.
_MARKDOWN_IN_NAME = re.compile(r"[*_`\[\]<>|\\~]")
#: One user's network at most: every turn loads it whole, so a client adding nodes forever
#: (5 per message) must not grow it, the twin's cache and the answers without bound.
MAX_NODES = 5_000
MAX_CONNECTIONS = 20_000
_PERCENT_BY_SEVERITY = {"low": 15.0, "medium": 30.0, "high": 50.0, "critical": 100.0}
_STATUS_ALERT = {"degraded": "medium", "disrupted": "high", "offline": "critical"}
#: New alerts one anomaly scan may raise (the most severe findings first).
_MAX_ALERTS_PER_SCAN = 10


# ---------------------------------------------------------------------------- resolution


# ---------------------------------------------------------------------------- validation


# ---------------------------------------------------------------------------- build


def _add_node(step: _Step) -> ActionResult:
    node_type = ADD_INTENT_TYPES[step.intent]
    label = answers.type_label(node_type)
    place = _require_place(step.params.get("place"), label)
    capacity = DEFAULT_CAPACITY[node_type]
    if step.params.get("capacity") is not None:
        capacity = _int(step.params["capacity"], "capacity", minimum=1)
    location, approximate = _location(place)
    if len(step.twin.list_nodes(step.user_id)) >= MAX_NODES:
        raise _Failed(
            f"Your network has {MAX_NODES:,} nodes, the most it can hold; remove some first.",
            ("Show my network summary", "List my nodes"),
        )
    name = str(step.params.get("name") or "").strip()
    if len(name) > _MAX_NAME:
        raise _Failed(
            f"A node's name is at most {_MAX_NAME} characters; give a shorter one.",
            (f"Add a {label} in {_place_words(place)} named {name[:40].strip()}",),
        )
    if _MARKDOWN_IN_NAME.search(name):
        plain = " ".join(_MARKDOWN_IN_NAME.sub(" ", name).split())
        raise _Failed(
            "A node's name can't contain `* _ [ ] < > | \\ ~` or backquotes (they are "
            "formatting in answers); letters, digits, spaces and `- ' & . , / ( ) #` are fine.",
            (f"Add a {label} in {_place_words(place)} named {plain}",) if plain else (),
        )
    if name:
        existing = step.twin.find_by_name(step.user_id, name)
        if existing is not None:
            raise _Failed(
                f"There is already a node called **{existing.name}** (`{existing.id}`); "
                "pick another name.",
                (
                    f"Add a {label} in {_place_words(place)} named {name} 2",
                    f"Show details of {existing.name}",
                ),
            )
    else:
        base = f"{location.city or _place_words(place)} {_NAME_SUFFIX[node_type]}"
        name, suffix = base, 2
        while step.twin.find_by_name(step.user_id, name) is not None:
            name, suffix = f"{base} {suffix}", suffix + 1
    node = step.twin.add_node(
        step.user_id, type=node_type, name=name, location=location, capacity=capacity
    )
    answer = answers.node_added(
        node,
        approximate=approximate,
        where_asked=_place_words(place),
        partner=_partner(step, node),
    )
    return step.result(
        answer,
        changes=[_change("node_added", node=node.to_dict())],
        mentioned=[node.id],
    )


def _remove_node(step: _Step) -> ActionResult:
    targets = _many(step, "node")
    changes = []
    texts = []
    removed_connections = 0
    for node in targets:
        removed = step.twin.remove_node(step.user_id, node.id)
        removed_connections += len(removed)
        changes.append(
            _change(
                "node_removed",
                nodeId=node.id,
                name=node.name,
                connections=[c.to_dict() for c in removed],
            )
        )
        texts.append((node, len(removed)))
    remaining = len(step.twin.list_nodes(step.user_id))
    if len(texts) == 1:
        answer = answers.node_removed(texts[0][0], texts[0][1], remaining)
    else:
        names = ", ".join(f"**{n.name}**" for n, _ in texts)
        answer = Answer(
            f"Removed {len(texts)} nodes ({names}) and {removed_connections} connections. "
            f"{remaining} nodes remain.",
            ("Identify risks", "Show the network summary"),
        )
    return step.result(answer, changes=changes)


def _update_node(step: _Step) -> ActionResult:
    targets = _many(step, "node")
    params = step.params
    fields = [
        k
        for k in ("capacity", "status", "place", "inventory", "utilization")
        if params.get(k) is not None
    ]
    if not fields:
        names = ", ".join(n.name for n in targets)
        raise _Failed(
            f"What should change on {names}? I can set capacity, status, location, inventory "
            "or utilization.",
            (
                f"Set the capacity of {targets[0].name} to 5,000",
                f"Mark {targets[0].name} as degraded",
            ),
        )
    results: list[tuple[Node, Node]] = []
    for node in targets:
        new: dict[str, Any] = {}
        if "capacity" in fields:
            new["capacity"] = _int(params["capacity"], "capacity", minimum=1)
        if "status" in fields:
            new["status"] = _choice(params["status"], NODE_STATUSES, "node status")
        if "place" in fields:
            new["location"], _ = _location(_require_place(params["place"], "node"))
        capacity = new.get("capacity", node.capacity)
        if "inventory" in fields:
            new["inventory"] = _int(params["inventory"], "inventory", minimum=0)
            if new["inventory"] > capacity:
                raise _Failed(
                    f"Inventory {new['inventory']:,} is over {node.name}'s capacity of "
                    f"{capacity:,} units."
                )
        if "utilization" in fields:
            new["utilization"] = _float(params["utilization"], "utilization", minimum=0, maximum=1)
        results.append((node, step.twin.update_node(step.user_id, node.id, **new)))
    alerts = []
    for before, after in results:
        severity = _STATUS_ALERT.get(after.status)
        if severity and before.status != after.status:
            alerts.append(
                step.twin.add_alert(
                    step.user_id,
                    severity=severity,
                    message=f"{after.name} is {after.status}",
                    node_ids=[after.id],
                    recommended_actions=[
                        f"Reroute supply around {after.name}",
                        f"Simulate the failure of {after.name} to see what depends on it",
                    ],
                )
            )
    answer = answers.node_updated(*results[0])
    if len(results) > 1:
        answer = Answer(
            "\n\n".join(answers.node_updated(b, a).text for b, a in results),
            answer.suggestions,
        )
    changes = [_change("node_updated", node=after.to_dict(), fields=fields) for _, after in results]
    return step.result(answer, changes=changes, alerts=alerts, mentioned=[a.id for _, a in results])


def _pair(step: _Step) -> tuple[Node, Node]:
    """The two ends of a (dis)connection. "Connect them" (one plural pronoun for both ends, or
    for the source alone) joins the last two nodes the conversation mentioned."""
    source_ref, target_ref = step.params.get("source"), step.params.get("target")
    if (
        isinstance(source_ref, NodeRef)
        and source_ref.kind == "pronoun"
        and source_ref.text.strip().lower() in _PLURAL_PRONOUNS
        and (target_ref is None or target_ref == source_ref)
    ):
        nodes = _many(step, "source")
        if len(nodes) < 2:
            raise _Failed(
                f'"{source_ref.text}" means only **{nodes[0].name}** here; which two nodes '
                "should I join?"
            )
        return nodes[-2], nodes[-1]
    source = _one(step, "source")
    target = _one(step, "target")
    assert source is not None and target is not None
    return source, target


def _connect(step: _Step) -> ActionResult:
    source, target = _pair(step)
    if source.id == target.id:
        raise _Failed(f"**{source.name}** cannot be connected to itself.")
    existing = step.twin.find_connection(step.user_id, source.id, target.id)
    if existing is not None:
        raise _Failed(
            f"**{source.name}** and **{target.name}** are already connected"
            + (f" (by {existing.shipping_method})." if existing.shipping_method else "."),
            (f"Disconnect {source.name} from {target.name}", f"Show details of {source.name}"),
        )
    method = step.params.get("shipping_method")
    if method is not None:
        method = _choice(method, SHIPPING_METHODS, "shipping method")
    bidirectional = bool(step.params.get("bidirectional", True))
    if len(step.twin.list_connections(step.user_id)) >= MAX_CONNECTIONS:
        raise _Failed(
            f"Your network has {MAX_CONNECTIONS:,} connections, the most it can hold; "
            "disconnect some first.",
            ("Show my network summary", f"Show details of {source.name}"),
        )
    connection = Connection(source.id, target.id, method, bidirectional)
    step.twin.add_connection(step.user_id, connection)
    return step.result(
        answers.connected(source, target, connection),
        changes=[_change("connection_added", connection=connection.to_dict())],
        # The source last: in "connect it to X", "it" stays the node being talked about.
        mentioned=[target.id, source.id],
    )


def _disconnect(step: _Step) -> ActionResult:
    source, target = _pair(step)
    if step.twin.remove_connection(step.user_id, source.id, target.id) == 0:
        raise _Failed(
            f"**{source.name}** and **{target.name}** are not connected.",
            (f"Show details of {source.name}", "Show the network summary"),
        )
    return step.result(
        answers.disconnected(source, target),
        changes=[_change("connection_removed", source=source.id, target=target.id)],
        mentioned=[target.id, source.id],
    )


# ---------------------------------------------------------------------------- configure


def _setting(
    field: str, key: str, allowed: Sequence[str], label: str
) -> Callable[[_Step], ActionResult]:
    """The handler of one set-* intent: validate ``params[key]`` and store it in ``field``."""

    def handler(step: _Step) -> ActionResult:
        value = step.params.get(key)
        if value is None:
            raise _Failed(f"Which {label.lower()}? Choose one of {', '.join(allowed)}.")
        new = _choice(value, allowed, label.lower())
        old = getattr(step.twin.get_settings(step.user_id), field)
        settings = step.twin.update_settings(step.user_id, **{field: new})
        change = _change(
            "settings_updated", field=field, old=old, new=new, settings=settings.to_dict()
        )
        shown = answers.region_label if field == "region" else str
        return step.result(
            answers.setting_changed(label, shown(old) if old else None, shown(new)),
            changes=[change] if old != new else [],
        )

    return handler


def _add_shipping_method(step: _Step) -> ActionResult:
    value = step.params.get("method")
    if value is None:
        raise _Failed(f"Which shipping method? Choose one of {', '.join(SHIPPING_METHODS)}.")
    method = _choice(value, SHIPPING_METHODS, "shipping method")
    node = _one(step, "node", required=False)
    count = 0
    if node is not None:
        count = step.twin.set_shipping_method(step.user_id, node.id, method)
        if count == 0:
            raise _Failed(
                f"**{node.name}** has no connections yet, so there is no lane to ship {method} on.",
                (f"Connect {node.name} to another node", "Show the network summary"),
            )
    settings = step.twin.get_settings(step.user_id)
    changes = []
    already = method in settings.shipping_methods
    if not already:
        settings = step.twin.update_settings(
            step.user_id, shipping_methods=(*settings.shipping_methods, method)
        )
        changes.append(
            _change(
                "settings_updated",
                field="shipping_methods",
                new=method,
                settings=settings.to_dict(),
            )
        )
    if node is None:
        answer = answers.shipping_method_added(method, settings, already=already)
        return step.result(answer, changes=changes)
    changes.append(
        _change("connections_updated", nodeId=node.id, shippingMethod=method, count=count)
    )
    answer = answers.shipping_method_added(method, settings, node=node, connections_changed=count)
    return step.result(answer, changes=changes, mentioned=[node.id])


# ---------------------------------------------------------------------------- analyze


def _scope(step: _Step) -> tuple[list[Node], str, list[str]]:
    """The nodes an analysis covers, a label for them, and the ids named by the user."""
    nodes = step.nodes()
    node = _one(step, "node", required=False)
    if node is not None:
        return [node], f"**{node.name}**", [node.id]
    node_type = step.params.get("node_type")
    if node_type:
        node_type = _node_type(node_type)
        return (
            [n for n in nodes if n.type == node_type],
            f"the {answers.type_label(node_type)}s",
            [],
        )
    return nodes, "the network", []


def _scan(step: _Step) -> ActionResult:
    scoped, label, mentioned = _scope(step)
    findings = scan_anomalies(
        scoped,
        step.twin.list_connections(step.user_id),
        now_ms=step.twin.clock(),
        network_size=len(step.nodes()),
    )
    findings.sort(key=lambda finding: -SEVERITY_RANK[finding.severity])  # worst first
    open_messages = step.twin.alert_messages(step.user_id)
    alerts: list[Alert] = []
    skipped = 0
    for finding in findings:
        if finding.severity == "low" or finding.message in open_messages:
            continue
        if len(alerts) >= _MAX_ALERTS_PER_SCAN:
            skipped += 1  # a first scan of a big twin must not flood /ws with alerts
        else:
            alerts.append(
                step.twin.add_alert(
                    step.user_id,
                    severity=finding.severity,
                    message=finding.message,
                    node_ids=finding.node_ids,
                    recommended_actions=[
                        action for action in (finding.recommendation, finding.suggestion) if action
                    ],
                )
            )
            open_messages.add(finding.message)
    return step.result(
        answers.anomalies(findings, label, alerts, skipped), alerts=alerts, mentioned=mentioned
    )


def _risks(step: _Step) -> ActionResult:
    scoped, label, mentioned = _scope(step)
    nodes = step.nodes()
    findings = identify_risks(
        nodes,
        step.twin.list_connections(step.user_id),
        step.twin.list_alerts(step.user_id, severity="critical", status="active"),
    )
    if len(scoped) != len(nodes):
        ids = {n.id for n in scoped}
        findings = [f for f in findings if ids.intersection(f.node_ids)]
    return step.result(answers.risks(findings, label), mentioned=mentioned)


def _bottlenecks(step: _Step) -> ActionResult:
    scoped, label, mentioned = _scope(step)
    found = find_bottlenecks(
        step.nodes(), step.twin.list_connections(step.user_id), limit=len(step.nodes())
    )
    ids = {n.id for n in scoped}
    found = [b for b in found if b.node.id in ids][:5]
    return step.result(
        answers.bottlenecks(found, label), mentioned=mentioned or [b.node.id for b in found[:1]]
    )


def _utilization(step: _Step) -> ActionResult:
    scoped, label, mentioned = _scope(step)
    return step.result(answers.utilization(utilization_report(scoped), label), mentioned=mentioned)


# ---------------------------------------------------------------------------- simulate


def _duration(step: _Step, default: float) -> float:
    value = step.params.get("duration_hours")
    if value is None:
        return default
    return _float(value, "duration (hours)", minimum=0.1, maximum=24 * 365 * 2)


def _target(step: _Step) -> tuple[Area | None, tuple[str, ...], str]:
    """Where a scenario strikes: an area, named nodes, and words for it ("at Rotterdam")."""
    node = _one(step, "node", required=False)
    if node is not None:
        return None, (node.id,), f"at **{node.name}**"
    place = step.params.get("place")
    if isinstance(place, Place):
        area = Area(
            _place_words(place),
            place.latitude,
            place.longitude,
            None if place.approximate else place.city,
            place.country,
            place.region,
        )
        return area, (), f"at {_place_words(place)}"
    return None, (), "across the network"


def _simulate(
    step: _Step, kind: str, *, severity: str, duration: float, percent: float = 30.0
) -> ActionResult:
    area, node_ids, where = _target(step)
    request = ScenarioRequest(kind, severity, duration, area, node_ids, percent)
    nodes = step.nodes()
    try:
        result = simulate(request, nodes, step.twin.list_connections(step.user_id))
    except ScenarioError as exc:
        raise _Failed(
            f"I can't run that simulation: {exc}.", ("Show the network summary", "help")
        ) from None
    scenario_id = step.twin.next_id(step.user_id, "sim")
    if kind == "supplier-failure" and not node_ids and result.direct:
        where = f"at **{result.direct[0].node.name}** (the supplier with the most dependants)"
    alert = None
    if result.alert_severity is not None:
        hit = result.overloaded if kind == "demand-spike" else result.affected
        summary = (
            f"{answers.plural(len(result.overloaded), 'node')} over capacity"
            if kind == "demand-spike"
            else f"{answers.plural(len(result.affected), 'node')} affected, "
            f"{answers.pct(result.capacity_share)} of capacity at risk"
        )
        short_where = where.replace("**", "").split(" (")[0]
        alert = step.twin.add_alert(
            step.user_id,
            severity=result.alert_severity,
            message=f"Simulation {scenario_id} ({kind.replace('-', ' ')} {short_where}): {summary}",
            node_ids=[i.node.id for i in hit[:10]],
            recommended_actions=result.recommendations,
        )
    run = ScenarioRun(scenario_id, kind, STAGES, len(result.affected))
    return step.result(
        answers.simulation(result, scenario_id, where, alert),
        alerts=[alert] if alert else [],
        scenario=run,
        mentioned=node_ids or tuple(i.node.id for i in result.direct[:1]),
    )


def _severity(step: _Step, default: str) -> str:
    value = step.params.get("severity")
    return default if value is None else _choice(value, SEVERITIES, "severity")


def _run_simulation(step: _Step) -> ActionResult:
    value = step.params.get("scenario")
    if value is None:
        raise _Failed(
            "Which scenario should I simulate? One of: "
            + ", ".join(s.replace("-", " ") for s in SCENARIOS)
            + ".",
            (
                "Simulate a natural disaster in Tokyo",
                "Simulate a supplier failure",
                "Simulate a demand spike of 40%",
            ),
        )
    kind = _choice(value, SCENARIOS, "scenario")
    severity = _severity(step, "medium")
    percent = step.params.get("percent")
    spike = (
        _PERCENT_BY_SEVERITY[severity]
        if percent is None
        else _float(percent, "percentage", minimum=1, maximum=1000)
    )
    return _simulate(step, kind, severity=severity, duration=_duration(step, 168.0), percent=spike)


def _port_closure(step: _Step) -> ActionResult:
    if step.params.get("place") is None and step.params.get("node") is None:
        raise _Failed(
            "Which port should close? Name a port city, e.g. *Rotterdam*.",
            (
                "What if the port of Rotterdam closes?",
                "What if the port of Shanghai closes for two weeks?",
            ),
        )
    return _simulate(
        step, "port-closure", severity=_severity(step, "high"), duration=_duration(step, 168.0)
    )


def _supplier_failure(step: _Step) -> ActionResult:
    return _simulate(
        step,
        "supplier-failure",
        severity=_severity(step, "critical"),
        duration=_duration(step, 336.0),
    )


def _demand_spike(step: _Step) -> ActionResult:
    percent = step.params.get("percent")
    spike = 30.0 if percent is None else _float(percent, "percentage", minimum=1, maximum=1000)
    return _simulate(
        step,
        "demand-spike",
        severity=_severity(step, "medium"),
        duration=_duration(step, 168.0),
        percent=spike,
    )


# ---------------------------------------------------------------------------- query


def _details(step: _Step) -> ActionResult:
    targets = _many(step, "node")
    parts = []
    for node in targets[:5]:
        by_id = {n.id: n for n in step.nodes()}
        neighbours: list[tuple[str, Node, Connection]] = []
        for conn in step.twin.list_connections(step.user_id):
            if not conn.touches(node.id):
                continue
            other = by_id.get(conn.target if conn.source == node.id else conn.source)
            if other is None:
                continue
            direction = "↔" if conn.bidirectional else ("→" if conn.source == node.id else "←")
            neighbours.append((direction, other, conn))
        alerts = [
            a
            for a in step.twin.list_alerts(step.user_id, status="active", node_id=node.id)
            if node.id in a.node_ids
        ]
        partner = None if neighbours else _partner(step, node)
        parts.append(answers.node_details(node, neighbours, alerts, partner))
    answer = Answer("\n\n".join(p.text for p in parts), parts[0].suggestions)
    return step.result(answer, mentioned=[n.id for n in targets])


def _summary(step: _Step) -> ActionResult:
    nodes = step.nodes()
    return step.result(
        answers.network_summary(
            nodes,
            len(step.twin.list_connections(step.user_id)),
            step.twin.get_settings(step.user_id),
            step.twin.status_counts(step.user_id),
            step.twin.count_alerts(step.user_id, status="active"),
        )
    )


def _alerts(step: _Step) -> ActionResult:
    severity = step.params.get("severity")
    if severity is not None:
        severity = _choice(severity, ALERT_SEVERITIES, "severity")
    limit = 5
    if step.params.get("limit") is not None:
        limit = _int(step.params["limit"], "number of alerts", minimum=1, maximum=50)
    found = step.twin.list_alerts(step.user_id, severity=severity, limit=limit)
    return step.result(answers.alerts_list(found, severity))


def _help(step: _Step) -> ActionResult:
    topic = step.params.get("topic")
    return step.result(answers.help_answer(str(topic) if topic else None))


_HANDLERS: dict[str, Callable[[_Step], ActionResult]] = {
    **dict.fromkeys(ADD_INTENT_TYPES, _add_node),
    "remove-node": _remove_node,
    "update-node": _update_node,
    "connect-nodes": _connect,
    "disconnect-nodes": _disconnect,
    "set-region": _setting("region", "region", REGIONS, "Region"),
    "set-industry": _setting("industry", "industry", INDUSTRIES, "Industry"),
    "set-currency": _setting("currency", "currency", CURRENCIES, "Currency"),
    "add-shipping-method": _add_shipping_method,
    "set-risk-profile": _setting("risk_profile", "level", RISK_PROFILES, "Risk profile"),
    "scan-anomalies": _scan,
    "identify-risks": _risks,
    "find-bottlenecks": _bottlenecks,
    "calculate-utilization": _utilization,
    "run-simulation": _run_simulation,
    "what-if-port-closure": _port_closure,
    "what-if-supplier-failure": _supplier_failure,
    "what-if-demand-spike": _demand_spike,
    "get-node-details": _details,
    "get-network-summary": _summary,
    "get-recent-alerts": _alerts,
    "help": _help,
}
assert set(_HANDLERS) == {i for group in INTENTS.values() for i in group}


def execute(
    command: Command,
    twin: Twin,
    user_id: str,
    conversation_id: str,
    *,
    earlier_mentions: Sequence[str] = (),
) -> ActionResult:
    """Run one step in one twin transaction; a failed step changes nothing.

    The conversation's context becomes the nodes this step mentioned, after
    ``earlier_mentions`` (those of the turn's earlier steps), so in "add a warehouse in Hamburg
    and a store in Lyon, then connect them", "them" is both new nodes and "it" the last one.
    """
    handler = _HANDLERS.get(command.intent)
    if handler is None:
        return ActionResult(command.intent, False, answers.unknown(command.text or command.intent))
    step = _Step(twin, user_id, conversation_id, command.intent, command.params)
    try:
        with twin.transaction():
            result = handler(step)
            if result.mentioned:
                earlier = [i for i in earlier_mentions if i not in result.mentioned]
                twin.set_context(user_id, conversation_id, [*earlier, *result.mentioned])
    except _Failed as failed:
        return ActionResult(command.intent, False, failed.answer)
    return result
