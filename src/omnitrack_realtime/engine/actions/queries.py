"""The handlers that only read the twin: a node's details, the network summary, recent alerts
and help.
"""

from __future__ import annotations

from .. import answers
from ..answers import Answer
from ..twin import ALERT_SEVERITIES, Connection, Node
from .context import ActionResult, _Step
from .resolution import _many, _partner
from .validation import _choice, _int


def _details(step: _Step) -> ActionResult:
    targets = _many(step, "node")
    parts = []
    by_id = {n.id: n for n in step.nodes()}
    for node in targets[:5]:
        neighbours: list[tuple[Node, Connection]] = []
        for conn in step.twin.node_connections(step.user_id, node.id):
            other = by_id.get(conn.target if conn.source == node.id else conn.source)
            if other is not None:
                neighbours.append((other, conn))
        alerts = [
            a
            for a in step.twin.list_alerts(step.user_id, status="active", node_id=node.id)
            if node.id in a.node_ids
        ]
        partner = None if neighbours else _partner(step, node)
        parts.append(answers.node_details(node, neighbours, alerts, partner))
    answer = Answer("\n\n".join(p.text for p in parts), parts[0].suggestions)
    return step.result(answer, mentioned=[n.id for n in targets])


_SUMMARY_LISTED = 10


def _summary(step: _Step) -> ActionResult:
    nodes = step.nodes()
    connections = step.twin.list_connections(step.user_id)
    names = {n.id: n.name for n in nodes}
    return step.result(
        answers.network_summary(
            nodes,
            len(connections),
            step.twin.get_settings(step.user_id),
            step.twin.status_counts(step.user_id),
            step.twin.count_alerts(step.user_id, status="active"),
            listed=_SUMMARY_LISTED,
            links=[answers.link_words(c, names) for c in connections[:_SUMMARY_LISTED]],
        ),
        mentioned=[n.id for n in nodes[:_SUMMARY_LISTED]],
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
