"""The handlers of the analysis intents: anomaly scans (raising alerts for the most severe
findings), risks, bottlenecks and utilisation, over the network, one node or one node type.
Each is remembered as the conversation's last analysis (:mod:`.memory`), for ``explain``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import answers
from ..analysis import (
    SEVERITY_RANK,
    Finding,
    find_bottlenecks,
    identify_risks,
    scan_anomalies,
    utilization_report,
)
from ..twin import Alert, Node
from . import memory
from .context import ActionResult, _Step
from .resolution import _one
from .validation import _node_type

#: New alerts one anomaly scan may raise (the most severe findings first).
_MAX_ALERTS_PER_SCAN = 10


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


def _remember(step: _Step, topic: str, label: str, findings: Sequence[Finding]) -> None:
    """This analysis is the conversation's last (what "explain" explains)."""
    memory.record_analysis(
        step,
        topic=topic,
        scope=label.replace("**", ""),
        findings=[f"{f.severity}: {f.message}" for f in findings],
        node_ids=[i for f in findings[:5] for i in f.node_ids[:1]],
    )


def _scan(step: _Step) -> ActionResult:
    step.require_nodes("scan for anomalies")
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
    _remember(step, "anomaly", label, findings)
    return step.result(
        answers.anomalies(findings, label, alerts, skipped), alerts=alerts, mentioned=mentioned
    )


def _risks(step: _Step) -> ActionResult:
    step.require_nodes("assess for risks")
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
    _remember(step, "risk", label, findings)
    return step.result(answers.risks(findings, label), mentioned=mentioned)


def _bottlenecks(step: _Step) -> ActionResult:
    step.require_nodes("check for bottlenecks")
    scoped, label, mentioned = _scope(step)
    found = find_bottlenecks(
        step.nodes(), step.twin.list_connections(step.user_id), limit=len(step.nodes())
    )
    ids = {n.id for n in scoped}
    found = [b for b in found if b.node.id in ids][:5]
    memory.record_analysis(
        step,
        topic="bottleneck",
        scope=label.replace("**", ""),
        findings=[f"{b.node.name}: {b.reason} (score {b.score:.2f})" for b in found],
        node_ids=[b.node.id for b in found],
    )
    return step.result(
        answers.bottlenecks(found, label), mentioned=mentioned or [b.node.id for b in found[:1]]
    )


def _utilization(step: _Step) -> ActionResult:
    step.require_nodes("measure")
    scoped, label, mentioned = _scope(step)
    report = utilization_report(scoped)
    findings = [f"overall {answers.pct(report.overall)}"]
    findings += [f"{answers.type_label(t)}: {answers.pct(u)}" for t, u in report.by_type.items()]
    findings += [f"busiest: {n.name} {answers.pct(n.utilization)}" for n in report.busiest[:1]]
    memory.record_analysis(
        step,
        topic="utilization",
        scope=label.replace("**", ""),
        findings=findings,
        node_ids=[n.id for n in report.busiest],
    )
    return step.result(answers.utilization(report, label), mentioned=mentioned)
