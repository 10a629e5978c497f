"""The copilot's words: short Markdown answers and 2-4 follow-up suggestions. Pure.

Every function takes what an action did (nodes, findings, results) and returns an
:class:`Answer`. Answers name things (node names and ids), give numbers, and say what changed;
suggestions are phrased as requests the copilot understands, fitting the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .analysis import PARTNER_TYPE, Bottleneck, Finding, UtilizationReport
from .commands import INTENTS
from .simulation import NodeImpact, SimulationResult
from .twin import REGION_LABELS, Alert, Connection, Node, Settings

__all__ = [
    "EXPLAINABLE",
    "Answer",
    "Check",
    "Move",
    "Recommendation",
    "alerts_list",
    "alerts_moved",
    "analyses_compared",
    "anomalies",
    "bottlenecks",
    "clarification",
    "connected",
    "disconnected",
    "explanation",
    "explanation_key",
    "failure",
    "help_answer",
    "last_analysis_explained",
    "link_words",
    "network_recommendations",
    "network_summary",
    "no_nodes_listed",
    "node_added",
    "node_changes",
    "node_details",
    "node_explained",
    "node_list",
    "node_recommendations",
    "node_removed",
    "node_renamed",
    "node_totals",
    "node_updated",
    "nodes_compared",
    "pct",
    "plural",
    "redone",
    "region_label",
    "risks",
    "setting_changed",
    "settings_shown",
    "shipping_method_added",
    "simulation",
    "simulations_compared",
    "topic_explained",
    "traced",
    "type_label",
    "undone",
    "units",
    "unknown",
    "utilization",
]


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    suggestions: tuple[str, ...] = ()


def units(value: float) -> str:
    return f"{round(value):,}"


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def type_label(node_type: str) -> str:
    return node_type.replace("_", " ")


def plural(count: int, noun: str) -> str:
    """``"1 node"``, ``"2 nodes"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def region_label(region: str) -> str:
    return REGION_LABELS.get(region, region)


def _city(node: Node) -> str:
    """Where a node is, in one or two words: its city, else its country or region."""
    return node.location.city or node.location.country or region_label(node.location.region)


def _ref(node: Node) -> str:
    return f"**{node.name}** (`{node.id}`)"


def _hours(hours: float) -> str:
    if hours >= 48 and hours % 24 == 0:
        return f"{hours / 24:.0f} days"
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:g} hours"


def failure(text: str, suggestions: Sequence[str] = ()) -> Answer:
    """A step that did not work: what is wrong, and at least two ways on."""
    chosen = list(dict.fromkeys(suggestions))
    for fallback in ("Show the network summary", "help"):
        if len(chosen) < 2 and fallback not in chosen:
            chosen.append(fallback)
    return Answer(text, tuple(chosen[:4]))


def _connect_to(node: Node, partner: Node | None) -> str:
    """A request that links ``node`` into the network: to ``partner`` (the nearest node of
    the next tier) when there is one, else adding such a node next to it."""
    if partner is not None:
        return f"Connect {node.name} to {partner.name}"
    where = node.location.city or node.location.country or region_label(node.location.region)
    return f"Add a {type_label(PARTNER_TYPE[node.type])} in {where}"


def _from_findings(findings: Sequence[Finding], generic: Sequence[str]) -> tuple[str, ...]:
    """Up to two requests acting on the worst findings, then generic follow-ups: 2-4 in all."""
    specific = [f.suggestion for f in findings if f.suggestion]
    chosen = list(dict.fromkeys(specific))[:2]
    chosen += [g for g in generic if g not in chosen]
    return tuple(chosen[:4])


# ---------------------------------------------------------------------------- build


def node_added(
    node: Node, *, approximate: bool, where_asked: str | None = None, partner: Node | None = None
) -> Answer:
    loc = node.location
    text = (
        f"Added {_ref(node)}, a {type_label(node.type)} in {loc.label} "
        f"({region_label(loc.region)}), capacity {units(node.capacity)} units."
    )
    if approximate:
        text += (
            f"\n\nYou named only {where_asked or region_label(loc.region)}, so I placed it in "
            f"{loc.label}; say *move it to* and a city to change that."
        )
    return Answer(
        text,
        (
            _connect_to(node, partner),
            f"Set the shipping method of {node.name} to sea",
            f"Set the capacity of {node.name} to {units(node.capacity * 2)}",
            "Show the network summary",
        ),
    )


def node_removed(node: Node, removed_connections: int, remaining: int) -> Answer:
    links = (
        f"and its {plural(removed_connections, 'connection')}"
        if removed_connections
        else "(it had no connections)"
    )
    return Answer(
        f"Removed {_ref(node)}, a {type_label(node.type)} in {node.location.label}, "
        f"{links}. {plural(remaining, 'node')} remain{'s' if remaining == 1 else ''}.",
        ("Identify risks", "Scan for anomalies", "Show the network summary"),
    )


def node_changes(before: Node, after: Node) -> list[str]:
    """What differs between two versions of a node: ``["capacity 8,000 → 12,000 units"]``."""
    lines = []
    if before.name != after.name:
        lines.append(f"name {before.name} → {after.name}")
    if before.capacity != after.capacity:
        lines.append(f"capacity {units(before.capacity)} → {units(after.capacity)} units")
    if before.status != after.status:
        lines.append(f"status {before.status} → {after.status}")
    if before.location != after.location:
        lines.append(f"location {before.location.label} → {after.location.label}")
    if before.inventory != after.inventory:
        lines.append(f"inventory {units(before.inventory)} → {units(after.inventory)} units")
    if before.utilization != after.utilization:
        lines.append(f"utilization {pct(before.utilization)} → {pct(after.utilization)}")
    return lines


def node_updated(before: Node, after: Node) -> Answer:
    lines = node_changes(before, after)
    changes = "\n".join(f"- {line}" for line in lines) or "- nothing changed"
    suggestions = [f"Show details of {after.name}"]
    if after.status in ("disrupted", "offline"):
        suggestions.append(f"What if {after.name} fails?")
    suggestions += ["Find bottlenecks", "Calculate utilization"]
    return Answer(f"Updated {_ref(after)}:\n{changes}", tuple(suggestions[:4]))


def node_renamed(before: Node, after: Node) -> Answer:
    return Answer(
        f"Renamed **{before.name}** (`{after.id}`) to **{after.name}**.",
        (f"Show details of {after.name}", "List my nodes", "Undo"),
    )


def redone(intent: str, done: Sequence[str], problems: Sequence[str], left: int) -> Answer:
    """What a redo made again, what it could not, and how many more undos can be redone."""
    more = f"\n\n{plural(left, 'more undo')} can be redone." if left else ""
    not_done = "\n\nCould not redo: " + "; ".join(problems) + "." if problems else ""
    suggestions = (["Redo"] if left else []) + ["Undo", "Show the network summary"]
    if not done:
        return failure(
            f"I could not redo **{intent}**: the network has changed since.{not_done}{more}",
            suggestions,
        )
    lines = "\n".join(f"- {line}" for line in done)
    return Answer(f"Redid **{intent}**:\n{lines}{not_done}{more}", tuple(suggestions))


def undone(intent: str, done: Sequence[str], problems: Sequence[str], left: int) -> Answer:
    """What an undo reverted (``done``), what it could not (``problems``), and how many
    earlier changes can still be undone."""
    more = (
        f"\n\n{plural(left, 'earlier change')} can still be undone, one per *undo*." if left else ""
    )
    not_done = ""
    if problems:
        not_done = "\n\nCould not undo: " + "; ".join(problems) + "."
    suggestions = ["Undo"] if left else []
    suggestions += ["Show the network summary", "List my nodes"]
    if not done:
        return failure(
            f"I could not undo your last change (**{intent}**): the network has changed "
            f"since.{not_done}{more}",
            suggestions,
        )
    lines = "\n".join(f"- {line}" for line in done)
    return Answer(
        f"Undid your last change (**{intent}**):\n{lines}{not_done}{more}", tuple(suggestions)
    )


def connected(source: Node, target: Node, connection: Connection) -> Answer:
    arrow = connection.arrow
    method = f" by {connection.shipping_method}" if connection.shipping_method else ""
    suggestions = []
    if connection.shipping_method is None:
        suggestions.append(f"Set the shipping method of {source.name} to sea")
    suggestions += [
        f"What if {source.name} fails?",
        "Identify risks",
        "Show the network summary",
    ]
    return Answer(f"Connected {_ref(source)} {arrow} {_ref(target)}{method}.", tuple(suggestions))


def disconnected(source: Node, target: Node, removed: Sequence[Connection] = ()) -> Answer:
    names = {source.id: source.name, target.id: target.name}
    what = "; ".join(link_words(c, names) for c in removed)
    return Answer(
        f"Disconnected {_ref(source)} from {_ref(target)}" + (f" ({what})." if what else "."),
        (
            "Scan for anomalies",
            f"Show details of {target.name}",
            f"Connect {source.name} to {target.name}",
            "Show the network summary",
        ),
    )


# ---------------------------------------------------------------------------- configure


def setting_changed(label: str, old: str | None, new: str) -> Answer:
    was = f" (was {old})" if old and old != new else ""
    same = " It was already set to that." if old == new else ""
    return Answer(
        f"{label} set to **{new}**{was}.{same}",
        ("Show the network summary", "Identify risks", "Add a supplier in Shanghai"),
    )


def shipping_method_added(
    method: str,
    settings: Settings,
    *,
    node: Node | None = None,
    connections_changed: int = 0,
    already: bool = False,
) -> Answer:
    if node is not None:
        text = (
            f"Shipping method of {_ref(node)} set to **{method}** on its "
            f"{plural(connections_changed, 'connection')}."
        )
    elif already:
        text = f"**{method}** shipping was already enabled."
    else:
        text = f"Enabled **{method}** shipping."
    enabled = ", ".join(settings.shipping_methods)
    return Answer(
        f"{text} Network methods: {enabled}.",
        ("Simulate a transportation delay", "Show the network summary", "Identify risks"),
    )


# ---------------------------------------------------------------------------- analyze


def _findings_list(findings: Sequence[Finding], limit: int = 8) -> str:
    lines = [f"- **{f.severity}** {f.message}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"- … and {len(findings) - limit} more")
    return "\n".join(lines)


def anomalies(
    findings: Sequence[Finding],
    scope: str,
    new_alerts: Sequence[Alert],
    skipped_alerts: int = 0,
) -> Answer:
    if not findings:
        return Answer(
            f"No anomalies in {scope}: utilization, inventory, freshness and connectivity "
            "are all within bounds.",
            ("Identify risks", "Find bottlenecks", "Run a demand spike simulation"),
        )
    alert_note = ""
    if new_alerts:
        alert_note = f"\n\nRaised {plural(len(new_alerts), 'new alert')}"
        if skipped_alerts:
            alert_note += f" for the most severe; {skipped_alerts} more not alerted"
        alert_note += "."
    return Answer(
        f"Found {len(findings)} anomal{'ies' if len(findings) != 1 else 'y'} in {scope}:\n"
        f"{_findings_list(findings)}{alert_note}",
        _from_findings(findings, ("Show recent alerts", "Identify risks", "Find bottlenecks")),
    )


def risks(findings: Sequence[Finding], scope: str) -> Answer:
    if not findings:
        return Answer(
            f"No significant risks in {scope}: no single points of failure, no clusters "
            "within 100 km, no node over 90% and no open critical alert.",
            ("Run a natural disaster simulation", "Find bottlenecks", "Scan for anomalies"),
        )
    return Answer(
        f"Found {len(findings)} risk{'s' if len(findings) != 1 else ''} in {scope}:\n"
        f"{_findings_list(findings)}",
        _from_findings(findings, ("Run a supplier failure simulation", "Find bottlenecks")),
    )


def bottlenecks(found: Sequence[Bottleneck], scope: str) -> Answer:
    if not found:
        return Answer(
            f"No bottlenecks in {scope}: every node is under 75% utilization and operational.",
            ("Calculate utilization", "Run a demand spike simulation", "Identify risks"),
        )
    lines = [
        f"{rank}. {_ref(b.node)}: {b.reason} (score {b.score:.2f})"
        for rank, b in enumerate(found, start=1)
    ]
    top = found[0].node
    return Answer(
        f"Top {len(found)} bottleneck{'s' if len(found) != 1 else ''} in {scope}:\n"
        + "\n".join(lines),
        (
            f"Set the capacity of {top.name} to {units(top.capacity * 1.5)}",
            f"What if demand rises 20% at {top.name}?",
            "Calculate utilization",
        ),
    )


def utilization(report: UtilizationReport, scope: str) -> Answer:
    if report.total_capacity == 0:
        return Answer(
            f"There are no nodes in {scope} to measure.",
            ("Add a supplier in Shanghai", "help"),
        )
    lines = [
        f"Utilization of {scope}: **{pct(report.overall)}** "
        f"({units(report.used_capacity)} of {units(report.total_capacity)} units).",
    ]
    lines += [f"- {type_label(t)}: {pct(u)}" for t, u in report.by_type.items()]
    if report.busiest:
        busiest = ", ".join(f"{n.name} {pct(n.utilization)}" for n in report.busiest)
        lines.append(f"\nBusiest: {busiest}.")
    if report.idlest:
        idlest = ", ".join(f"{n.name} {pct(n.utilization)}" for n in report.idlest)
        lines.append(f"Most idle: {idlest}.")
    return Answer(
        "\n".join(lines),
        ("Find bottlenecks", "Run a demand spike simulation", "Scan for anomalies"),
    )


# ---------------------------------------------------------------------------- explain


@dataclass(frozen=True, slots=True)
class Check:
    """One analysis rule applied to one node: its name, whether it flags the node, and the
    numbers against the threshold in words."""

    rule: str
    flagged: bool
    detail: str


def _explanations() -> dict[str, str]:
    """How each analysis works, in words, with the thresholds the code uses."""
    from . import analysis as a
    from . import simulation as sim

    factors = ", ".join(f"{status} {factor:g}" for status, factor in a.STATUS_FACTOR.items())
    severities = ", ".join(f"{s} {f:g}" for s, f in sim.SEVERITY_FACTOR.items())
    radii = "–".join(f"{r:.0f}" for r in sim.DISASTER_RADIUS_KM.values())
    spof = (
        f"a **single point of failure** is a node that is the only feeder of another, "
        f"following the flow of goods (a one-way link carries goods source → target; a two-way "
        f"link from the lower tier to the higher: supplier, manufacturer, warehouse, "
        f"distribution center, retailer); high when {a.SPOF_HIGH_CASCADE}+ nodes are "
        f"downstream of it, else medium"
    )
    cluster = (
        f"a **geographic cluster** is {a.CLUSTER_MIN_NODES}+ nodes within "
        f"{a.CLUSTER_RADIUS_KM:.0f} km of each other, which one regional event would hit "
        f"together (high at {a.CLUSTER_HIGH_NODES}+)"
    )
    return {
        "anomaly": (
            "An **anomaly scan** checks every node against four rules: utilization over "
            f"{pct(a.HIGH_UTILIZATION)} (critical at {pct(a.CRITICAL_UTILIZATION)}+, else "
            f"high); inventory under {pct(a.LOW_INVENTORY_RATIO)} of capacity (high when "
            f"empty, else medium); no report for {a.STALE_AFTER_MS // 3_600_000} hours (low); "
            "and no link at all in a network of more than one node (medium). Findings of "
            "medium severity or worse raise alerts, at most 10 per scan, never twice."
        ),
        "risk": (
            f"**Risks** come from five checks: {spof}; {cluster}; utilization over "
            f"{pct(a.HIGH_UTILIZATION)} (high: no headroom for a surge); a node that feeds "
            "others and is degraded (medium) or offline (high); and open critical alerts "
            "(critical). They are listed worst first."
        ),
        "single-point-of-failure": spof[0].upper() + spof[1:] + ".",
        "cluster": cluster[0].upper() + cluster[1:] + ".",
        "bottleneck": (
            "A **bottleneck** is a busy node that many others depend on. Candidates are nodes "
            f"at {pct(a.BOTTLENECK_UTILIZATION)}+ utilization or not operational; each scores "
            "utilization × (1 + nodes downstream ÷ network size) × a status factor "
            f"({factors}). The top 5 scores are listed."
        ),
        "utilization": (
            "**Utilization** is the share of a node's capacity in use. For the network or a "
            "node type it is weighted by capacity: Σ(capacity × utilization) ÷ Σ capacity, so "
            f"big nodes count more. Over {pct(a.HIGH_UTILIZATION)} is an anomaly and a risk; "
            f"{pct(a.BOTTLENECK_UTILIZATION)}+ makes a node a bottleneck candidate."
        ),
        "simulation": (
            "A **simulation** never changes the twin. The scenario picks the nodes it hits "
            f"directly: near a city (within {sim.CITY_RADIUS_KM:.0f} km; a natural disaster "
            f"{radii} km by severity, a port closure {sim.PORT_RADIUS_KM:.0f} km), a whole "
            "country or region, or the named nodes. Each loses capacity: the scenario's "
            f"strength × a severity factor ({severities}), fading to 30% at the edge of the "
            "area. Losses cascade downstream along the flow of goods: a node loses "
            f"{pct(sim.CASCADE_SHARE)} of its feeders' mean loss, so a second healthy feeder "
            f"halves it; losses under {pct(sim.MIN_IMPACT)} are ignored. Capacity at risk is "
            "Σ capacity × loss; recovery is the duration × (1 + half the worst direct loss). "
            "A demand spike instead raises utilization at its targets and, 20% less per hop, "
            "upstream; nodes pushed over 100% are short."
        ),
        "recommend": (
            "**Recommendations** never change the twin. For a node: alternates of the same "
            "type (or suppliers, for an alternate supplier) that are operational and under "
            f"{pct(a.BOTTLENECK_UTILIZATION)} utilization, nearest first; load to move "
            f"between it and its nearest peers, from over {pct(a.BOTTLENECK_UTILIZATION)} to "
            "under 50%, sized to bring them towards "
            f"{pct(a.BOTTLENECK_UTILIZATION)}; its risks; and for closing it, the downstream "
            "nodes that would be left with no supply. For the network: the three most severe "
            "actions from the risks, the bottlenecks and the load gaps, one per node."
        ),
    }


#: Words that name each explainable topic.
_EXPLANATION_WORDS = {
    "single-point-of-failure": ("single point", "spof", "single source", "only source"),
    "cluster": ("cluster", "geographic", "concentrat"),
    "anomaly": ("anomal", "odd", "unusual", "scan", "stale", "inventory", "isolated"),
    "bottleneck": ("bottleneck", "throughput", "choke", "constraint"),
    "utilization": ("utiliz", "utilis", "load", "busy", "capacity"),
    "simulation": ("simul", "scenario", "what-if", "what if", "cascade", "disaster", "impact"),
    "recommend": ("recommend", "advice", "advise", "suggest"),
    "risk": ("risk", "expos", "vulnerab", "danger"),
}
#: The topics in words, for "I can explain ...".
EXPLAINABLE = (
    "risks, single points of failure, clusters, anomalies, bottlenecks, utilization, "
    "simulations and recommendations"
)


def explanation_key(topic: str) -> str | None:
    """Which explanation a topic asks for (``"how is risk scored"`` -> ``"risk"``)."""
    words = topic.lower().replace("_", " ")
    for key, stems in _EXPLANATION_WORDS.items():
        if any(stem in words for stem in stems):
            return key
    return None


def explanation(key: str) -> str:
    return _explanations()[key]


_EXPLAIN_NEXT = {
    "anomaly": "Scan for anomalies",
    "risk": "Identify risks",
    "single-point-of-failure": "Identify risks",
    "cluster": "Identify risks",
    "bottleneck": "Find bottlenecks",
    "utilization": "Calculate utilization",
    "simulation": "Simulate a supplier failure",
    "recommend": "What should I do?",
}


def topic_explained(key: str) -> Answer:
    return Answer(
        explanation(key),
        (_EXPLAIN_NEXT[key], "Explain the last analysis", "help"),
    )


def node_explained(node: Node, checks: Sequence[Check]) -> Answer:
    """Why a node is or is not flagged, rule by rule, flagged rules first."""
    flagged = [c for c in checks if c.flagged]
    if flagged:
        head = (
            f"{_ref(node)} is flagged by {len(flagged)} of {len(checks)} checks "
            f"({node.status}, {pct(node.utilization)} utilized):"
        )
    else:
        head = (
            f"{_ref(node)} is not flagged by any of the {len(checks)} checks "
            f"({node.status}, {pct(node.utilization)} utilized):"
        )
    lines = [head]
    lines += [f"- ⚠ **{c.rule}**: {c.detail}" for c in flagged]
    lines += [f"- ✓ {c.rule}: {c.detail}" for c in checks if not c.flagged]
    suggestions = [f"What should I do about {node.name}?"] if flagged else []
    suggestions += [f"What feeds {node.name}?", f"What if {node.name} fails?", "Identify risks"]
    return Answer("\n".join(lines), tuple(suggestions[:4]))


def last_analysis_explained(last: Mapping[str, Any]) -> Answer:
    """The conversation's last analysis (as :mod:`.actions.memory` keeps it): what it found,
    then how it works."""
    intent = str(last.get("intent", "analysis"))
    scope = str(last.get("scope", "the network"))
    findings = [str(f) for f in last.get("findings", []) if f]
    more = int(last.get("more") or 0)
    key = str(last.get("topic", ""))
    lines = [f"Your last analysis was **{intent}** on {scope}."]
    if findings:
        lines.append("It found:")
        lines += [f"- {f}" for f in findings]
        if more:
            lines.append(f"- … and {more} more")
    else:
        lines.append("It found nothing to flag.")
    if key in _EXPLANATION_WORDS:
        lines.append(f"\nHow it works: {explanation(key)}")
    return Answer(
        "\n".join(lines),
        (_EXPLAIN_NEXT.get(key, "Identify risks"), "What should I do?", "Show recent alerts"),
    )


def analyses_compared(earlier: Mapping[str, Any], last: Mapping[str, Any]) -> Answer:
    """What changed between two runs of the same analysis in a conversation: the findings
    gone, the new ones and those still there (each run keeps its first few findings)."""
    intent = str(last.get("intent", "analysis"))
    before = [str(f) for f in earlier.get("findings", []) if f]
    now = [str(f) for f in last.get("findings", []) if f]
    gone = [f for f in before if f not in now]
    new = [f for f in now if f not in before]
    kept = [f for f in now if f in before]
    total_before = len(before) + int(earlier.get("more") or 0)
    total_now = len(now) + int(last.get("more") or 0)
    lines = [
        f"**{intent}** then and now: {plural(total_before, 'finding')} before, "
        f"{plural(total_now, 'finding')} now."
    ]
    if not gone and not new:
        lines.append("Nothing changed in what it found.")
    if gone:
        lines.append("No longer found:")
        lines += [f"- {f}" for f in gone]
    if new:
        lines.append("New:")
        lines += [f"- {f}" for f in new]
    if kept:
        lines.append("Still there:")
        lines += [f"- {f}" for f in kept]
    return Answer("\n".join(lines), ("What should I do?", "Explain the last analysis"))


# ---------------------------------------------------------------------------- recommend


@dataclass(frozen=True, slots=True)
class Move:
    """Load to shift: ``units`` of it from ``source`` to ``target`` (same node type)."""

    source: Node
    target: Node
    units: int


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One action for the network: what to do, why (the numbers), the node it is about,
    and a request the copilot understands that acts on it."""

    action: str
    why: str
    node_id: str | None
    suggestion: str | None


def node_recommendations(
    node: Node,
    *,
    alternates: Sequence[tuple[Node, float, int]],
    alternate_type: str,
    moves: Sequence[Move],
    risks: Sequence[Finding],
    closure: tuple[Sequence[Node], int, int] | None,
    target: float,
) -> Answer:
    """Advice about one node (nothing is changed): ``alternates`` (node, km, spare units),
    load ``moves``, its ``risks`` and what closing it would cut off (``closure``: the nodes
    left without supply, how many downstream keep another source, its load in units)."""
    lines = [f"Recommendations for {_ref(node)} (nothing changes until you ask):"]
    suggestions: list[str] = []
    kind = type_label(alternate_type)
    if closure is not None:
        cut, still_fed, load = closure
        if cut:
            names = ", ".join(n.name for n in cut[:8]) + (
                f" and {len(cut) - 8} more" if len(cut) > 8 else ""
            )
            lines.append(
                f"\n**If you close it**: {plural(len(cut), 'node')} downstream would be left "
                f"with no supply ({names}), {units(sum(n.capacity for n in cut))} units of "
                "capacity."
            )
        else:
            lines.append(
                "\n**If you close it**: no node would be left without supply"
                + (
                    f"; {plural(still_fed, 'node')} downstream keep another source."
                    if still_fed
                    else "; nothing depends on it downstream."
                )
            )
        spare = sum(s for _, _, s in alternates)
        home = (
            f"the {plural(len(alternates), kind)} below have {units(spare)} units to spare"
            if alternates
            else f"no operational {kind} under {pct(target)} utilization could take it"
        )
        lines.append(f"Its load, {units(load)} units, would need a new home: {home}.")
    if alternates:
        lines.append(
            f"\n**Alternates** (operational {kind}s under {pct(target)} utilization, "
            "nearest first):"
        )
        for rank, (other, km, spare) in enumerate(alternates, start=1):
            lines.append(
                f"{rank}. {_ref(other)} in {_city(other)}, {units(km)} km away: "
                f"{units(spare)} units spare ({pct(other.utilization)} utilized)"
            )
        best = alternates[0][0]
        if alternate_type != node.type:
            suggestions.append(f"Connect {best.name} to {node.name}")
        else:
            suggestions.append(f"Compare {node.name} and {best.name}")
    elif closure is not None or alternate_type != node.type:
        if closure is None:
            lines.append(f"\nNo operational {kind} under {pct(target)} utilization to turn to.")
        suggestions.append(f"Add a {kind} in {_city(node)}")
    if moves:
        lines.append("\n**Rebalance load**:")
        for move in moves:
            lines.append(
                f"- move {units(move.units)} units from {_ref(move.source)} "
                f"({pct(move.source.utilization)}) to {_ref(move.target)} "
                f"({pct(move.target.utilization)})"
            )
    if risks:
        lines.append("\n**Risks**:")
        lines += [f"- {f.recommendation}: {f.message} ({f.severity})" for f in risks]
        suggestions += [f.suggestion for f in risks if f.suggestion][:1]
    more_capacity = f"Set the capacity of {node.name} to "
    if (
        moves
        and node.utilization > target
        and not any(s.startswith(more_capacity) for s in suggestions)
    ):
        suggestions.append(
            more_capacity + units(round(node.capacity * node.utilization / target, -2))
        )
    if len(lines) == 1:
        lines.append(
            f"Nothing to recommend: it is {node.status}, {pct(node.utilization)} utilized, "
            "with no risk on it and no load to move."
        )
    suggestions += [f"What if {node.name} fails?", f"Explain {node.name}", "Identify risks"]
    return Answer("\n".join(lines), tuple(list(dict.fromkeys(suggestions))[:4]))


def network_recommendations(
    chosen: Sequence[Recommendation], goal: str | None, *, target: float
) -> Answer:
    """The network's top actions, with the numbers behind each (nothing is changed)."""
    if not chosen:
        what = {
            "risk": "no risk to act on",
            "alternate-supplier": "no single point of failure to back up",
            "capacity": f"no bottleneck (every node under {pct(target)} and operational) and "
            "no load to move",
        }.get(
            goal or "",
            f"no risks, no bottleneck (every node under {pct(target)} and operational) and "
            "no load to move",
        )
        return Answer(
            f"Nothing pressing: {what}.",
            ("Run a natural disaster simulation", "Scan for anomalies", "Calculate utilization"),
        )
    lines = [
        f"Top {len(chosen)} recommendation{'s' if len(chosen) != 1 else ''} "
        "(nothing changes until you ask):"
    ]
    for rank, rec in enumerate(chosen, start=1):
        lines.append(f"{rank}. **{rec.action}**: {rec.why}.")
    suggestions = [r.suggestion for r in chosen if r.suggestion]
    suggestions += ["Identify risks", "Find bottlenecks"]
    return Answer("\n".join(lines), tuple(list(dict.fromkeys(suggestions))[:4]))


# ---------------------------------------------------------------------------- simulate

_KIND_LABEL = {
    "natural-disaster": "Natural disaster",
    "supplier-failure": "Supplier failure",
    "transportation-delay": "Transportation delay",
    "demand-spike": "Demand spike",
    "quality-issue": "Quality issue",
    "geopolitical": "Geopolitical event",
    "cyber-attack": "Cyber attack",
    "labor-shortage": "Labor shortage",
    "port-closure": "Port closure",
}


def _impact_line(impact: NodeImpact) -> str:
    if impact.projected_utilization is not None:
        return (
            f"- {_ref(impact.node)}: {pct(impact.node.utilization)} → "
            f"{pct(impact.projected_utilization)}"
        )
    where = "direct" if impact.hops == 0 else f"{impact.hops} hop{'s' if impact.hops > 1 else ''}"
    return f"- {_ref(impact.node)}: −{pct(impact.loss)} capacity ({where})"


def simulation(
    result: SimulationResult, scenario_id: str, target: str, alert: Alert | None
) -> Answer:
    request = result.request
    label = _KIND_LABEL.get(request.kind, request.kind)
    head = f"**{label}** {target}"
    if request.kind == "demand-spike":
        head = f"**Demand spike** of +{request.percent:g}% {target}"
    lines = [
        f"{head}, severity {request.severity}, for {_hours(request.duration_hours)} "
        f"(`{scenario_id}`):"
    ]
    if request.kind == "demand-spike":
        if result.overloaded:
            lines.append(
                f"{plural(len(result.overloaded), 'node')} pushed over capacity, shortfall "
                f"{units(result.capacity_at_risk)} units:"
            )
            lines += [_impact_line(i) for i in result.overloaded[:6]]
        else:
            busiest = max(
                result.affected, key=lambda i: i.projected_utilization or 0.0, default=None
            )
            peak = pct(busiest.projected_utilization or 0.0) if busiest else "0%"
            lines.append(f"The network absorbs it: the busiest node peaks at {peak}.")
    elif not result.affected:
        lines.append("No node of the network is affected.")
    else:
        lines.append(
            f"{plural(len(result.direct), 'node')} hit directly, {len(result.cascade)} downstream; "
            f"{units(result.capacity_at_risk)} units of capacity at risk "
            f"({pct(result.capacity_share)} of the network). Estimated recovery: "
            f"{_hours(result.recovery_hours)}."
        )
        lines += [_impact_line(i) for i in result.affected[:6]]
        if len(result.affected) > 6:
            lines.append(f"- … and {len(result.affected) - 6} more")
    if alert is not None:
        lines.append(f"\nRaised alert `{alert.id}` ({alert.severity}).")
    if result.recommendations and (result.affected and alert is not None):
        lines.append("Recommended: " + "; ".join(result.recommendations) + ".")
    suggestions = []
    if result.overloaded:
        top = result.overloaded[0]
        need = (top.projected_utilization or 1.0) * top.node.capacity * 1.1
        suggestions.append(f"Set the capacity of {top.node.name} to {units(round(need, -2))}")
    elif result.direct:
        suggestions.append(f"Show details of {result.direct[0].node.name}")
    suggestions += ["Identify risks", "Show recent alerts", "Find bottlenecks"]
    return Answer("\n".join(lines), tuple(suggestions[:4]))


def _sim_loss(record: Mapping[str, Any]) -> str:
    """The table cell: units lost (or short, for demand) and the share of the network."""
    lost = units(float(record.get("capacityLost") or 0))
    share = pct(float(record.get("share") or 0.0))
    short = " short" if record.get("kind") == "demand-spike" else ""
    return f"{lost} units{short} ({share})"


def _peak(record: Mapping[str, Any]) -> float:
    """A demand spike's busiest node's projected utilization (0 when not recorded)."""
    worst = record.get("worst")
    if record.get("kind") != "demand-spike" or not isinstance(worst, Mapping):
        return 0.0
    return float(worst.get("utilization") or 0.0)


def _sim_impact(record: Mapping[str, Any]) -> str:
    """The impact in words: "12,000 units of capacity at risk (30%), 3 nodes affected"."""
    lost = units(float(record.get("capacityLost") or 0))
    share = pct(float(record.get("share") or 0.0))
    affected = plural(int(record.get("affected") or 0), "node")
    if record.get("kind") == "demand-spike":
        over = plural(int(record.get("overloaded") or 0), "node")
        peak = _peak(record)
        busiest = f", the busiest node at {pct(peak)}" if peak else ""
        return f"a shortfall of {lost} units ({share}), {over} over capacity{busiest}"
    return f"{lost} units of capacity at risk ({share} of the network), {affected} affected"


def _sim_name(record: Mapping[str, Any]) -> str:
    kind = str(record.get("kind", "scenario"))
    label = _KIND_LABEL.get(kind, kind).lower()
    if kind == "demand-spike" and record.get("percent"):
        label += f" +{float(record['percent']):g}%"
    return f"`{record.get('id', '?')}` ({label} {record.get('where', '')})".replace(" )", ")")


def simulations_compared(records: Sequence[Mapping[str, Any]], *, asked: int = 2) -> Answer:
    """The conversation's last simulations side by side (``records`` as
    :mod:`.actions.memory` keeps them, oldest first), and which hit hardest and why."""
    lines = []
    if asked > len(records):
        lines.append(f"Only {len(records)} simulations are recorded here; comparing them all.\n")
    lines += [
        "| simulation | scenario | where | severity | duration | affected | capacity lost |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for record in records:
        kind = str(record.get("kind", ""))
        hours = float(record.get("durationHours") or 0)
        lines.append(
            f"| `{record.get('id', '?')}` | {_KIND_LABEL.get(kind, kind).lower()} | "
            f"{record.get('where', '')} | {record.get('severity', '')} | {_hours(hours)} | "
            f"{plural(int(record.get('affected') or 0), 'node')} | {_sim_loss(record)} |"
        )

    def weight(record: Mapping[str, Any]) -> tuple[float, float, int, float]:
        # (two spikes the network absorbs: the one that loads its busiest node more)
        return (
            float(record.get("capacityLost") or 0),
            float(record.get("share") or 0),
            int(record.get("affected") or 0),
            _peak(record),
        )

    ranked = sorted(records, key=weight, reverse=True)
    worst, mildest = ranked[0], ranked[-1]
    if weight(worst) == weight(mildest):
        verdict = f"They hit equally hard: {_sim_impact(worst)} each."
    else:
        verdict = (
            f"**{_sim_name(worst)} was worse**: {_sim_impact(worst)}; against "
            f"{_sim_impact(mildest)} for {_sim_name(mildest)}."
        )
        hit = worst.get("worst")
        if isinstance(hit, Mapping) and hit.get("name"):
            verdict += f" Its worst-hit node: **{hit['name']}**."
    lines.append(f"\n{verdict}")
    suggestions = ["Identify risks", "Find bottlenecks", "Show recent alerts"]
    hit = worst.get("worst")
    if isinstance(hit, Mapping) and hit.get("name"):
        suggestions.insert(0, f"What should I do about {hit['name']}?")
    return Answer("\n".join(lines), tuple(suggestions[:4]))


# ---------------------------------------------------------------------------- query


def link_words(connection: Connection, names: Mapping[str, str]) -> str:
    """A link as answers show it: ``A → B`` (goods flow one way) or ``A ↔ B`` (both ways)."""
    source = names.get(connection.source, connection.source)
    target = names.get(connection.target, connection.target)
    return f"{source} {connection.arrow} {target}"


def node_details(
    node: Node,
    neighbours: Sequence[tuple[Node, Connection]],
    alerts: Sequence[Alert],
    partner: Node | None = None,
) -> Answer:
    loc = node.location
    lines = [
        f"{_ref(node)}: {type_label(node.type)} in {loc.label} ({region_label(loc.region)}), "
        f"{loc.latitude:.2f}, {loc.longitude:.2f}",
        f"- status: {node.status}",
        f"- capacity: {units(node.capacity)} units; inventory {units(node.inventory)} "
        f"({pct(node.inventory / node.capacity if node.capacity else 0)})",
        f"- utilization: {pct(node.utilization)}",
    ]
    if neighbours:
        links = ", ".join(
            link_words(conn, {node.id: node.name, other.id: other.name})
            + (f" ({conn.shipping_method})" if conn.shipping_method else "")
            for other, conn in neighbours[:8]
        )
        more = f" and {len(neighbours) - 8} more" if len(neighbours) > 8 else ""
        lines.append(f"- connections ({len(neighbours)}): {links}{more}")
    else:
        lines.append("- connections: none")
    if alerts:
        lines.append(f"- open alerts: {', '.join(f'`{a.id}` {a.severity}' for a in alerts[:5])}")
    suggestions = []
    if not neighbours:
        suggestions.append(_connect_to(node, partner))
    suggestions += [
        f"What if {node.name} fails?" if node.type == "supplier" else "Find bottlenecks",
        f"Set the capacity of {node.name} to {units(node.capacity * 2)}",
        "Scan for anomalies",
    ]
    return Answer("\n".join(lines), tuple(suggestions[:4]))


def network_summary(
    nodes: Sequence[Node],
    connection_count: int,
    settings: Settings,
    status_counts: Mapping[str, int],
    active_alerts: int,
    *,
    listed: int = 10,
    links: Sequence[str] = (),
) -> Answer:
    """The network at a glance; names the first ``listed`` nodes (in creation order) and
    ``links`` (each already in words, ``A → B``)."""
    if not nodes:
        return Answer(
            "Your network is empty: it has no nodes yet. Start by adding a supplier, a factory "
            "and a warehouse.",
            ("Add a supplier in Shanghai", "Add a manufacturer in Berlin", "help"),
        )
    by_type: dict[str, int] = {}
    for node in nodes:
        by_type[node.type] = by_type.get(node.type, 0) + 1
    types = ", ".join(plural(count, type_label(t)) for t, count in by_type.items())
    statuses = ", ".join(f"{count} {s}" for s, count in status_counts.items() if count)
    capacity = sum(node.capacity for node in nodes)
    mean_util = sum(node.utilization for node in nodes) / len(nodes)
    regions = sorted({region_label(node.location.region) for node in nodes})
    configured = [
        f"region {region_label(settings.region) if settings.region else 'not set'}",
        f"industry {settings.industry or 'not set'}",
        f"currency {settings.currency}",
        f"risk profile {settings.risk_profile}",
        f"shipping {', '.join(settings.shipping_methods)}",
    ]
    named = ", ".join(
        f"{node.name} ({type_label(node.type)}, {_city(node)})" for node in nodes[:listed]
    )
    if len(nodes) > listed:
        named += f" and {len(nodes) - listed} more"
    linked = ""
    if links:
        linked = "- links: " + ", ".join(links[:listed])
        if connection_count > min(listed, len(links)):
            linked += f" and {connection_count - min(listed, len(links))} more"
        linked += "\n"
    return Answer(
        f"**{plural(len(nodes), 'node')}** ({types}) and "
        f"**{plural(connection_count, 'connection')}** across "
        f"{', '.join(regions)}.\n"
        f"- nodes: {named}\n"
        f"{linked}"
        f"- status: {statuses}\n"
        f"- total capacity {units(capacity)} units, mean utilization {pct(mean_util)}\n"
        f"- active alerts: {active_alerts}\n"
        f"- settings: {'; '.join(configured)}",
        ("Scan for anomalies", "Identify risks", "Calculate utilization", "Show recent alerts"),
    )


def _node_line(node: Node) -> str:
    return (
        f"{_ref(node)}: {type_label(node.type)}, {_city(node)}, {node.status}, "
        f"{units(node.capacity)} units, {pct(node.utilization)} utilized"
    )


def _names(nodes: Sequence[Node], limit: int = 5) -> str:
    """``"A (Berlin, operational), B (Paris, degraded) and 3 more"``."""
    shown = [f"{n.name} ({_city(n)}, {n.status})" for n in nodes[:limit]]
    more = len(nodes) - limit
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def node_list(nodes: Sequence[Node], noun: str, qualifier: str, *, listed: int = 20) -> Answer:
    """The nodes matching a list request ("degraded warehouse" + " in Europe"): their
    count, total capacity, and the first ``listed``."""
    total = sum(n.capacity for n in nodes)
    lines = [
        f"You have **{plural(len(nodes), noun)}{qualifier}**, total capacity "
        f"**{units(total)} units**:",
        *(f"{i}. {_node_line(n)}" for i, n in enumerate(nodes[:listed], start=1)),
    ]
    if len(nodes) > listed:
        lines.append(f"- … and {len(nodes) - listed} more")
    first = nodes[0]
    suggestions = [f"Show details of {first.name}"]
    if len(nodes) >= 2:
        suggestions.insert(0, f"Compare {first.name} and {nodes[1].name}")
    suggestions += ["Calculate utilization", "Find bottlenecks"]
    return Answer("\n".join(lines), tuple(suggestions[:4]))


def node_totals(nodes: Sequence[Node], noun: str, qualifier: str, group: str) -> Answer:
    """The nodes matching a list request, totalled per region, country or type."""

    def key(node: Node) -> str:
        if group == "region":
            return region_label(node.location.region)
        if group == "country":
            return node.location.country or "unknown country"
        return type_label(node.type)

    totals: dict[str, list[Node]] = {}
    for node in nodes:
        totals.setdefault(key(node), []).append(node)
    ranked = sorted(totals.items(), key=lambda kv: -sum(n.capacity for n in kv[1]))
    whole = sum(n.capacity for n in nodes) or 1
    lines = [
        f"You have **{plural(len(nodes), noun)}{qualifier}**, total capacity "
        f"**{units(whole)} units**, by {group}:",
        "",
        f"| {group} | nodes | capacity | share |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {len(members)} | {units(sum(n.capacity for n in members))} | "
            f"{pct(sum(n.capacity for n in members) / whole)} |"
            for name, members in ranked
        ),
    ]
    return Answer("\n".join(lines), ("List my nodes", "Calculate utilization", "Identify risks"))


def no_nodes_listed(
    noun: str, qualifier: str, kind: str, same_type: Sequence[Node], everything: Sequence[Node]
) -> Answer:
    """Nothing matched a list request: say so, and what there is instead (the nodes of that
    type, else what the network holds)."""
    if not everything:
        return Answer(
            f"You have no {noun}s{qualifier}: your network has no nodes yet.",
            ("Add a supplier in Shanghai", "Add a manufacturer in Berlin", "help"),
        )
    if same_type:
        instead = f"Your {plural(len(same_type), kind)}: {_names(same_type)}."
    else:
        counts: dict[str, int] = {}
        for node in everything:
            counts[node.type] = counts.get(node.type, 0) + 1
        have = [plural(c, type_label(t)) for t, c in counts.items()]
        joined = have[0] if len(have) == 1 else ", ".join(have[:-1]) + " and " + have[-1]
        instead = f"Your network has {joined}."
    suggestions = [f"Add a {kind if kind != 'node' else 'supplier'} in Shanghai"]
    suggestions += ["List my nodes", "Show the network summary"]
    return Answer(f"You have no {noun}s{qualifier}. {instead}", tuple(suggestions))


def nodes_compared(
    nodes: Sequence[Node],
    inbound: Mapping[str, int],
    outbound: Mapping[str, int],
    *,
    scope: str = "",
    shown: int = 10,
) -> Answer:
    """Nodes side by side (one row each), then which is bigger and which is busier."""
    head = f"Comparing your {len(nodes)} {scope}" if scope else f"Comparing {len(nodes)} nodes"
    rows = [
        f"{head}:",
        "",
        "| node | type | city | status | capacity | utilization | inventory | links in / out |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for n in nodes[:shown]:
        name = n.name.replace("|", "/")
        stock = pct(n.inventory / n.capacity) if n.capacity else "0%"
        rows.append(
            f"| **{name}** | {type_label(n.type)} | {_city(n)} | {n.status} | "
            f"{units(n.capacity)} | {pct(n.utilization)} | {units(n.inventory)} ({stock}) | "
            f"{inbound.get(n.id, 0)} / {outbound.get(n.id, 0)} |"
        )
    if len(nodes) > shown:
        rows.append(f"\n… and {len(nodes) - shown} more (the verdict below covers them all).")
    biggest = max(nodes, key=lambda n: n.capacity)
    busiest = max(nodes, key=lambda n: n.utilization)
    if len(nodes) == 2:
        a, b = nodes
        if a.capacity == b.capacity:
            size = f"Both have {units(a.capacity)} units of capacity"
        else:
            small = b if biggest is a else a
            size = (
                f"**{biggest.name}** is bigger ({units(biggest.capacity)} vs "
                f"{units(small.capacity)} units)"
            )
        if a.utilization == b.utilization:
            load = f"both run at {pct(a.utilization)}"
        else:
            idle = b if busiest is a else a
            load = (
                f"**{busiest.name}** is busier ({pct(busiest.utilization)} vs "
                f"{pct(idle.utilization)})"
            )
        verdict = f"{size}; {load}."
    else:
        verdict = (
            f"Biggest: **{biggest.name}** ({units(biggest.capacity)} units); busiest: "
            f"**{busiest.name}** ({pct(busiest.utilization)})."
        )
    rows.append(f"\n{verdict}")
    return Answer(
        "\n".join(rows),
        (
            f"Show details of {busiest.name}",
            f"What should I do about {busiest.name}?",
            "Find bottlenecks",
        ),
    )


def traced(
    node: Node, tiers: Mapping[int, Sequence[Node]], *, upstream: bool, listed: int = 20
) -> Answer:
    """What feeds ``node`` (``upstream``) or what it feeds, tier by tier (1 = direct)."""
    count = sum(len(found) for found in tiers.values())
    if not count:
        text = (
            f"Nothing feeds {_ref(node)}: no link brings goods into it."
            if upstream
            else f"{_ref(node)} feeds nothing: no link takes goods out of it."
        )
        partner_type = "supplier" if upstream else PARTNER_TYPE[node.type]
        return Answer(
            text,
            (
                f"Add a {type_label(partner_type)} in {_city(node)}",
                f"Show details of {node.name}",
                "Show the network summary",
            ),
        )
    verb = "is fed by" if upstream else "feeds"
    capacity = sum(n.capacity for found in tiers.values() for n in found)
    lines = [
        f"{_ref(node)} {verb} **{plural(count, 'node')}** ({units(capacity)} units of "
        f"capacity), {'upstream' if upstream else 'downstream'} along the links:"
    ]
    left = listed
    for tier in sorted(tiers):
        found = tiers[tier]
        label = "tier 1 (direct)" if tier == 1 else f"tier {tier}"
        if left <= 0:
            lines.append(f"- {label}: {plural(len(found), 'node')}")
            continue
        names = ", ".join(f"{n.name} ({type_label(n.type)}, {_city(n)})" for n in found[:left])
        more = f" and {len(found) - left} more" if len(found) > left else ""
        lines.append(f"- {label}: {names}{more}")
        left -= len(found)
    first = tiers[min(tiers)][0]
    suggestion = f"What if {first.name} fails?" if upstream else f"What if {node.name} fails?"
    return Answer(
        "\n".join(lines),
        (suggestion, f"Show details of {first.name}", "Identify risks"),
    )


_SETTING_NAMES = {
    "region": "region",
    "industry": "industry",
    "currency": "currency",
    "risk_profile": "risk profile",
    "shipping_methods": "shipping methods",
}


def settings_shown(settings: Settings, field: str | None) -> Answer:
    """One setting (``field``) or all of them."""
    values = {
        "region": region_label(settings.region) if settings.region else None,
        "industry": settings.industry,
        "currency": settings.currency,
        "risk_profile": settings.risk_profile,
        "shipping_methods": ", ".join(settings.shipping_methods) or None,
    }
    suggestions = []
    if settings.region is None:
        suggestions.append("Set the region to Europe")
    if settings.industry is None:
        suggestions.append("Set the industry to electronics")
    suggestions += ["Set the currency to EUR", "Show the network summary"]
    if field is not None:
        value = values[field]
        name = _SETTING_NAMES[field]
        verb = "are" if field == "shipping_methods" else "is"
        text = f"Your {name} {verb} **{value}**." if value else f"Your {name} is not set yet."
        return Answer(text, tuple(suggestions[:4]))
    lines = ["Your settings:"]
    lines += [
        f"- {_SETTING_NAMES[key]}: {f'**{value}**' if value else 'not set'}"
        for key, value in values.items()
    ]
    return Answer("\n".join(lines), tuple(suggestions[:4]))


def alerts_list(alerts: Sequence[Alert], severity: str | None) -> Answer:
    which = f"{severity} " if severity else ""
    if not alerts:
        return Answer(
            f"No {which}alerts. Scans and simulations raise alerts when they find problems.",
            ("Scan for anomalies", "Run a supplier failure simulation", "Identify risks"),
        )
    lines = [f"Latest {len(alerts)} {which}alert{'s' if len(alerts) != 1 else ''}:"]
    for alert in alerts:
        lines.append(f"- `{alert.id}` **{alert.severity}** ({alert.status}): {alert.message}")
    return Answer(
        "\n".join(lines),
        ("Identify risks", "Scan for anomalies", "Show the network summary"),
    )


def alerts_moved(alerts: Sequence[Alert], status: str, *, listed: int = 10) -> Answer:
    """Alerts acknowledged or resolved (``alerts`` as they were before)."""
    verb = status.capitalize()
    lines = [f"{verb} {plural(len(alerts), 'alert')}:"]
    lines += [f"- `{a.id}` **{a.severity}** (was {a.status}): {a.message}" for a in alerts[:listed]]
    if len(alerts) > listed:
        lines.append(f"- … and {len(alerts) - listed} more")
    return Answer(
        "\n".join(lines),
        ("Show recent alerts", "Scan for anomalies", "Undo"),
    )


_HELP_EXAMPLES = {
    "build": (
        "Add a supplier in Shanghai with capacity 5,000",
        "Add a warehouse in Rotterdam and then connect it to Shanghai Supplier",
        "Set the status of Berlin Plant to degraded",
        "Remove the Rotterdam warehouse",
    ),
    "configure": (
        "Set the region to Europe",
        "Our industry is automotive",
        "Use EUR",
        "Add air shipping",
        "Set the risk profile to high",
    ),
    "analyze": ("Scan for anomalies", "Identify risks", "Find bottlenecks", "How busy are we?"),
    "simulate": (
        "Simulate an earthquake in Tokyo, critical, for two weeks",
        "What if the port of Rotterdam closes for 10 days?",
        "What if Shanghai Supplier fails?",
        "What if demand jumps 40%?",
    ),
    "query": ("Tell me about Berlin Plant", "Show the network summary", "Show recent alerts"),
}


#: Word stems that point a help topic at a group of intents.
_HELP_TOPICS = {
    "build": ("build", "add", "node", "connect", "remove", "update", "network"),
    "configure": ("config", "setting", "region", "industry", "currency", "shipping", "profile"),
    "analyze": ("analy", "anomal", "risk", "bottleneck", "utiliz", "utilis"),
    "simulate": ("simul", "what if", "what-if", "scenario", "disaster", "closure", "spike"),
    "query": ("query", "detail", "summary", "overview", "alert", "status"),
}


#: Short definitions for "what does X mean?" (matched as words of the help topic).
_GLOSSARY = {
    "operational": "**operational**: the node works normally.",
    "degraded": "**degraded**: the node works at reduced capacity (a problem, not an outage).",
    "disrupted": "**disrupted**: the node is badly impaired; shipments through it are at risk.",
    "offline": "**offline**: the node does not work at all; nothing flows through it.",
    "utilization": "**utilization**: how much of a node's capacity is in use (0-100%); "
    "above 90% is flagged as an anomaly.",
    "bottleneck": "**bottleneck**: a busy node that many others depend on, where a slowdown "
    "holds up everything downstream.",
    "anomaly": "**anomaly**: utilization over 90%, inventory under 10% of capacity, data older "
    "than 24 hours, or a node with no connections.",
    "cascade": "**cascade**: how a failure spreads to the nodes downstream of it.",
    "single point of failure": "**single point of failure**: a node whose loss cuts others "
    "off from all their supply.",
    # the kinds of node, for users new to the words
    "supplier": "**supplier**: where materials or parts come from (a farm, a mine, a vendor); "
    "the start of the chain.",
    "manufacturer": "**manufacturer** (plant, factory): where goods are made from what the "
    "suppliers send.",
    "warehouse": "**warehouse**: where goods are stored, often for weeks, until they are needed.",
    "distribution center": "**distribution center** (DC): a warehouse built for flow rather "
    "than storage: goods come in and leave again within days, sorted for the stores or "
    "customers they go to.",
    "retailer": "**retailer** (store, shop): where goods are sold to customers; the end of "
    "the chain.",
    "capacity": "**capacity**: how much a node can handle per period (units, tonnes, pairs: "
    "whatever you count in).",
    "upstream": "**upstream**: the nodes that feed a node, directly or through others "
    "(ask *what feeds X?*).",
    "downstream": "**downstream**: the nodes a node feeds, directly or through others (ask "
    "*what does X supply?*).",
    "risk profile": "**risk profile**: how cautious the risk findings are (low, medium or "
    "high); higher flags more.",
    "what if": "**what-if**: a simulation of an event (a port closure, a supplier failure, a "
    "demand spike) that shows what it would hit; nothing in your network changes.",
}
_GLOSSARY_ALIASES = {
    "utilisation": "utilization",
    "anomalies": "anomaly",
    "bottlenecks": "bottleneck",
    "suppliers": "supplier",
    "plant": "manufacturer",
    "plants": "manufacturer",
    "factory": "manufacturer",
    "factories": "manufacturer",
    "manufacturers": "manufacturer",
    "warehouses": "warehouse",
    "dc": "distribution center",
    "dcs": "distribution center",
    "centre": "distribution center",
    "store": "retailer",
    "stores": "retailer",
    "shop": "retailer",
    "retailers": "retailer",
    "simulation": "what if",
    "scenario": "what if",
}


def help_answer(topic: str | None) -> Answer:
    words = (topic or "").lower()
    terms = {_GLOSSARY_ALIASES.get(word, word) for word in words.replace("-", " ").split()}
    defined = [text for term, text in _GLOSSARY.items() if term in terms or term in words]
    groups = [g for g, stems in _HELP_TOPICS.items() if any(stem in words for stem in stems)]
    if defined and not groups:
        return Answer(
            "\n".join(defined),
            ("Scan for anomalies", "Show the network summary", "help"),
        )
    chosen = groups or list(INTENTS)
    lines = [*defined, ""] if defined else []
    lines.append("I manage your supply-chain twin in plain English. Try:")
    for group in chosen:
        lines.append(f"\n**{group.capitalize()}**")
        lines += [f"- {example}" for example in _HELP_EXAMPLES[group]]
    return Answer(
        "\n".join(lines),
        ("Show the network summary", "Add a supplier in Shanghai", "Scan for anomalies"),
    )


def unknown(text: str) -> Answer:
    shown = text.strip()
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return Answer(
        f"I did not understand *{shown}*. I can build, configure, analyze and simulate your "
        "supply-chain network; type **help** to see what I can do.",
        ("help", "Show the network summary", "Add a supplier in Shanghai"),
    )


#: A complete example request for a guessed intent, offered beside a clarifying question.
_EXAMPLE_FOR = {
    "add-supplier": "Add a supplier in Shanghai",
    "add-manufacturer": "Add a manufacturer in Berlin",
    "add-warehouse": "Add a warehouse in Rotterdam",
    "add-distributor": "Add a distribution center in Chicago",
    "add-retailer": "Add a retailer in Paris",
    "run-simulation": "Simulate a natural disaster in Tokyo",
    "what-if-port-closure": "What if the port of Rotterdam closes?",
    "what-if-demand-spike": "What if demand rises 30%?",
}


def clarification(question: str, intent: str | None) -> Answer:
    suggestions = ["help", "Show the network summary"]
    example = _EXAMPLE_FOR.get(intent or "")
    if example is not None:
        suggestions.insert(0, example)
    return Answer(question, tuple(suggestions))
