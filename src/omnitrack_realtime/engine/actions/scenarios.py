"""The handlers of the simulated scenarios: a named scenario, a port closure, a supplier
failure and a demand spike, each resolved to an area or nodes, run through
:func:`~..simulation.simulate`, reported as a :class:`~.context.ScenarioRun` and remembered
in the conversation (:mod:`.memory`); and the comparison of the last simulations.
"""

from __future__ import annotations

from typing import Any

from .. import answers
from ..commands import NodeRef, Place
from ..simulation import (
    SCENARIOS,
    SEVERITIES,
    STAGES,
    Area,
    ScenarioError,
    ScenarioRequest,
    SimulationResult,
    simulate,
)
from . import memory
from .context import ActionResult, ScenarioRun, _Failed, _Step
from .resolution import _one, resolve_nodes
from .validation import _choice, _float, _int, _place_words

_PERCENT_BY_SEVERITY = {"low": 15.0, "medium": 30.0, "high": 50.0, "critical": 100.0}


def _duration(step: _Step, default: float) -> float:
    value = step.params.get("duration_hours")
    if value is None:
        return default
    return _float(value, "duration (hours)", minimum=0.1, maximum=24 * 365 * 2)


def _target(step: _Step) -> tuple[Area | None, tuple[str, ...], str]:
    """Where a scenario strikes: an area, named nodes, and words for it ("at Rotterdam")."""
    ref = step.params.get("node")
    if isinstance(ref, NodeRef) and ref.kind == "ordinal" and ref.several:
        # "demand +25% at the stores": every node of that type
        several = resolve_nodes(
            ref, step.twin, step.user_id, step.conversation_id, nodes=step.nodes()
        )
        if len(several) > 1:
            kind = answers.type_label(several[0].type) if ref.node_type else "node"
            return None, tuple(n.id for n in several), f"at your {len(several)} {kind}s"
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
            kind="simulation",
        )
    _remember(step, result, scenario_id, where)
    run = ScenarioRun(scenario_id, kind, STAGES, len(result.affected))
    return step.result(
        answers.simulation(result, scenario_id, where, alert),
        alerts=[alert] if alert else [],
        scenario=run,
        mentioned=node_ids or tuple(i.node.id for i in result.direct[:1]),
    )


def _remember(step: _Step, result: SimulationResult, scenario_id: str, where: str) -> None:
    """Record the run for compare-simulations and explain (see :mod:`.memory`)."""
    request = result.request
    worst: dict[str, Any] | None = None
    if request.kind == "demand-spike":
        peak = max(result.affected, key=lambda i: i.projected_utilization or 0.0, default=None)
        if peak is not None:
            worst = {
                "id": peak.node.id,
                "name": peak.node.name,
                "utilization": peak.projected_utilization,
            }
    elif result.affected:
        hit = max(result.affected, key=lambda i: (i.loss, i.node.capacity))
        worst = {"id": hit.node.id, "name": hit.node.name, "loss": hit.loss}
    plain = where.replace("**", "")
    label = request.kind.replace("-", " ")
    findings = [
        f"{answers.plural(len(result.direct), 'node')} hit directly, "
        f"{len(result.cascade)} downstream",
        f"{answers.units(result.capacity_at_risk)} units "
        + ("of shortfall" if request.kind == "demand-spike" else "of capacity at risk")
        + f" ({answers.pct(result.capacity_share)} of the network)",
    ]
    if worst is not None:
        findings.append(f"worst hit: {worst['name']}")
    summary = {
        "id": scenario_id,
        "kind": request.kind,
        "where": plain,
        "severity": request.severity,
        "durationHours": request.duration_hours,
        "percent": request.percent if request.kind == "demand-spike" else None,
        "affected": len(result.affected),
        "capacityLost": result.capacity_at_risk,
        "share": round(result.capacity_share, 4),
        "overloaded": len(result.overloaded),
        "worst": worst,
    }
    analysis = memory.analysis_record(
        step,
        topic="simulation",
        scope=f"{label} {plain} (`{scenario_id}`)",
        findings=findings,
        node_ids=[i.node.id for i in result.affected[:5]],
    )
    memory.record_simulation(step, summary, analysis)


def _compare_simulations(step: _Step) -> ActionResult:
    count = 2
    if step.params.get("count") is not None:
        count = _int(step.params["count"], "number of simulations", minimum=2, maximum=5)
    recorded = memory.simulations(step)
    which = step.params.get("which")
    if which and len(recorded) >= 2:
        # "compare the first and the third": by their order in the conversation (-1 the last)
        positions = [
            _int(p, "simulation", minimum=-len(recorded), maximum=len(recorded)) for p in which
        ]
        if any(p == 0 for p in positions):
            raise _Failed("Simulations are counted from 1 (the first of this conversation).")
        chosen = [recorded[p - 1] if p > 0 else recorded[p] for p in positions]
        return step.result(answers.simulations_compared(chosen, asked=len(chosen)))
    if len(recorded) < 2:
        ran = (
            f"only one simulation (`{recorded[0].get('id')}`) has run"
            if recorded
            else "no simulation has run"
        )
        raise _Failed(
            f"There is nothing to compare: {ran} in this conversation. Run another first.",
            ("Simulate a supplier failure", "What if the port of Rotterdam closes?"),
        )
    return step.result(answers.simulations_compared(recorded[-count:], asked=count))


def _severity(step: _Step, default: str) -> str:
    value = step.params.get("severity")
    return default if value is None else _choice(value, SEVERITIES, "severity")


def _run_simulation(step: _Step) -> ActionResult:
    step.require_nodes("simulate on")
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
    step.require_nodes("simulate on")
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
    step.require_nodes("simulate on")
    return _simulate(
        step,
        "supplier-failure",
        severity=_severity(step, "critical"),
        duration=_duration(step, 336.0),
    )


def _demand_spike(step: _Step) -> ActionResult:
    step.require_nodes("simulate on")
    percent = step.params.get("percent")
    spike = 30.0 if percent is None else _float(percent, "percentage", minimum=1, maximum=1000)
    return _simulate(
        step,
        "demand-spike",
        severity=_severity(step, "medium"),
        duration=_duration(step, 168.0),
        percent=spike,
    )
