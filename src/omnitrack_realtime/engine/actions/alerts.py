"""The handlers that move alerts along: ``acknowledge-alert`` (active -> acknowledged) and
``resolve-alert`` (active or acknowledged -> resolved), for one alert by id, a node's
alerts, or all of them, narrowed by severity. Nothing to move is said, never pretended.
"""

from __future__ import annotations

from .. import answers
from ..twin import ALERT_SEVERITIES, Alert
from .context import ActionResult, _change, _Failed, _Step
from .resolution import _one
from .validation import _choice

#: intent -> (the status it sets, the statuses it moves from, the verb)
_MOVES = {
    "acknowledge-alert": ("acknowledged", ("active",), "acknowledge"),
    "resolve-alert": ("resolved", ("active", "acknowledged"), "resolve"),
}
_LISTED = 10


def _set_alert_status(step: _Step) -> ActionResult:
    status, movable_from, verb = _MOVES[step.intent]
    severity = step.params.get("severity")
    if severity is not None:
        severity = _choice(severity, ALERT_SEVERITIES, "severity")
    which = f"{severity} " if severity else ""
    open_words = " or ".join(movable_from)
    alert_id = step.params.get("alert")
    node = _one(step, "node", required=False)
    if alert_id is not None:
        alert = step.twin.get_alert(step.user_id, str(alert_id).strip())
        if alert is None:
            raise _Failed(f"There is no alert `{alert_id}`.", ("Show recent alerts",))
        if alert.status not in movable_from:
            raise _Failed(
                f"Alert `{alert.id}` is already {alert.status}; nothing changed.",
                ("Show recent alerts", "Scan for anomalies"),
            )
        if severity is not None and alert.severity != severity:
            raise _Failed(
                f"Alert `{alert.id}` is {alert.severity}, not {severity}; nothing changed.",
                ("Show recent alerts",),
            )
        chosen = [alert]
    else:
        chosen = [
            a
            for a in step.twin.list_alerts(
                step.user_id, severity=severity, node_id=node.id if node else None
            )
            if a.status in movable_from and (node is None or node.id in a.node_ids)
        ]
        where = f" on **{node.name}**" if node else ""
        if not chosen:
            raise _Failed(
                f"There are no {open_words} {which}alerts{where} to {verb}; nothing changed.",
                ("Show recent alerts", "Scan for anomalies"),
            )
        if node is None and not step.params.get("all") and len(chosen) > 1:
            raise _Failed(
                f"Which alert? {answers.plural(len(chosen), f'{which}alert')} "
                f"{'is' if len(chosen) == 1 else 'are'} {open_words}: "
                + ", ".join(f"`{a.id}` ({a.message})" for a in chosen[:5])
                + (" and more" if len(chosen) > 5 else "")
                + ".",
                (f"{verb.capitalize()} alert {chosen[0].id}", f"{verb.capitalize()} all alerts"),
            )
    changes = []
    moved: list[Alert] = []
    for alert in chosen:
        step.twin.set_alert_status(step.user_id, alert.id, status)
        moved.append(alert)
        changes.append(
            _change(
                "alert_updated",
                alertId=alert.id,
                status=status,
                previous=alert.status,
                nodeIds=list(alert.node_ids),
            )
        )
    return step.result(
        answers.alerts_moved(moved, status, listed=_LISTED),
        changes=changes,
        mentioned=[node.id] if node is not None else [],
    )
