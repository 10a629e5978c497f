"""The handlers of the simulated scenarios: a named scenario, a port closure, a supplier
failure and a demand spike, each resolved to an area or nodes, run through
:func:`~..simulation.simulate`, and reported as a :class:`~.context.ScenarioRun`.
"""

from __future__ import annotations

from .. import answers
from ..commands import Place
from ..simulation import (
    SCENARIOS,
    SEVERITIES,
    STAGES,
    Area,
    ScenarioError,
    ScenarioRequest,
    simulate,
)
from .context import ActionResult, ScenarioRun, _Failed, _Step
from .resolution import _one
from .validation import _choice, _float, _place_words

_PERCENT_BY_SEVERITY = {"low": 15.0, "medium": 30.0, "high": 50.0, "critical": 100.0}


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
