"""The handlers that browse the network without changing it: list nodes by type, place,
status and capacity; compare nodes side by side; trace what feeds a node or what it feeds,
following the direction of the links; and show the settings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from .. import answers
from ..analysis import downstream, link_graph, upstream
from ..commands import NodeRef, Place
from ..twin import NODE_STATUSES, Connection, Node
from .context import ActionResult, _Failed, _Step
from .resolution import _by_place, _one, resolve_nodes
from .validation import _choice, _float, _int, _node_type, _place_words

#: Nodes a list names (the rest are counted).
LISTED = 20
#: Nodes a comparison shows side by side.
COMPARED = 10
#: Nodes a trace names.
TRACED = 20

_SETTINGS = ("region", "industry", "currency", "risk_profile", "shipping_methods")
_SETTING_WORDS = {
    "risk": "risk_profile",
    "risk-level": "risk_profile",
    "risk-appetite": "risk_profile",
    "shipping": "shipping_methods",
    "shipping-method": "shipping_methods",
    "methods": "shipping_methods",
    "sector": "industry",
}


def _links_in_out(connections: Iterable[Connection]) -> tuple[Counter[str], Counter[str]]:
    """How many links bring goods into / take goods out of each node (a two-way link counts
    both ways at both ends)."""
    inbound: Counter[str] = Counter()
    outbound: Counter[str] = Counter()
    for c in connections:
        outbound[c.source] += 1
        inbound[c.target] += 1
        if c.bidirectional:
            outbound[c.target] += 1
            inbound[c.source] += 1
    return inbound, outbound


# ---------------------------------------------------------------------------- list


def _list_nodes(step: _Step) -> ActionResult:
    params = step.params
    nodes = step.nodes()
    words: list[str] = []
    tests: list[Callable[[Node], bool]] = []
    node_type = None
    if params.get("node_type"):
        node_type = _node_type(params["node_type"])
        tests.append(lambda n: n.type == node_type)
    if params.get("status") is not None:
        status = _choice(params["status"], NODE_STATUSES, "node status")
        words.append(status)
        tests.append(lambda n: n.status == status)
    if params.get("not_status") is not None:
        excluded = _choice(params["not_status"], NODE_STATUSES, "node status")
        words.append(f"not {excluded}")
        tests.append(lambda n: n.status != excluded)
    low = high = None
    if params.get("min_capacity") is not None:
        low = _int(params["min_capacity"], "minimum capacity", minimum=0)
        tests.append(lambda n: n.capacity >= low)
    if params.get("max_capacity") is not None:
        high = _int(params["max_capacity"], "maximum capacity", minimum=0)
        tests.append(lambda n: n.capacity <= high)
    busy = params.get("min_utilization")
    if busy is not None:
        above = _float(busy, "minimum utilization", minimum=0, maximum=1)
        tests.append(lambda n: n.utilization >= above)
    kind = answers.type_label(node_type) if node_type else "node"
    noun = " ".join([*words, kind])  # "degraded warehouse"
    qualifier = ""  # " in Europe of at least 5,000 units"
    matches = [n for n in nodes if all(test(n) for test in tests)]
    place = params.get("place")
    places = [p for p in params.get("places") or () if isinstance(p, Place)]
    if len(places) > 1:
        # "the sites in Europe and Asia": the nodes in any of them
        inside = {n.id for p in places for n in _by_place(matches, p)}
        matches = [n for n in matches if n.id in inside]
        said = [_place_words(p) for p in places]
        qualifier += f" in {', '.join(said[:-1])} or {said[-1]}"
    elif isinstance(place, Place):
        matches = _by_place(matches, place)
        qualifier += f" in {_place_words(place)}"
    if low is not None and high is not None:
        qualifier += f" of {low:,} to {high:,} units"
    elif low is not None:
        qualifier += f" of at least {low:,} units"
    elif high is not None:
        qualifier += f" of at most {high:,} units"
    if busy is not None:
        qualifier += f" at least {answers.pct(float(busy))} utilized"
    group = params.get("by")
    if matches and group is not None:
        group = _choice(group, ("region", "country", "type"), "grouping")
        return step.result(
            answers.node_totals(matches, noun, qualifier, group),
            mentioned=[n.id for n in matches[:LISTED]],
        )
    if matches:
        return step.result(
            answers.node_list(matches, noun, qualifier, listed=LISTED),
            mentioned=[n.id for n in matches[:LISTED]],
        )
    same_type = [n for n in nodes if node_type is None or n.type == node_type]
    return step.result(answers.no_nodes_listed(noun, qualifier, kind, same_type, nodes))


# ---------------------------------------------------------------------------- compare


def _compare_nodes(step: _Step) -> ActionResult:
    refs = step.params.get("nodes")
    chosen: list[Node] = []
    scope = ""
    if refs:
        for ref in (refs,) if isinstance(refs, NodeRef | str) else tuple(refs):
            for node in resolve_nodes(
                ref, step.twin, step.user_id, step.conversation_id, nodes=step.nodes()
            ):
                if node not in chosen:
                    chosen.append(node)
    elif step.params.get("node_type"):
        node_type = _node_type(step.params["node_type"])
        chosen = [n for n in step.nodes() if n.type == node_type]
        scope = f"{answers.type_label(node_type)}s"
        if not chosen:
            raise _Failed(
                f"You have no {scope} to compare.",
                ("List my nodes", "Show the network summary"),
            )
    else:
        raise _Failed(
            "Which nodes should I compare? Name two or more, or a type (*compare the warehouses*).",
            ("Compare the warehouses", "List my nodes"),
        )
    if len(chosen) < 2:
        only = chosen[0]
        raise _Failed(
            f"There is only one to compare: **{only.name}** (`{only.id}`). Name another.",
            (f"Show details of {only.name}", "List my nodes"),
        )
    inbound, outbound = _links_in_out(step.twin.list_connections(step.user_id))
    mentioned = [n.id for n in chosen[:COMPARED]]
    most = _MOST.get(str(step.params.get("most", "")))
    if most is not None:
        # "Which warehouse is the busiest, and what does it ship to?": "it" is that one
        key, largest = most
        winner = (max if largest else min)(chosen, key=key)
        mentioned = [i for i in mentioned if i != winner.id] + [winner.id]
    return step.result(
        answers.nodes_compared(chosen, inbound, outbound, scope=scope, shown=COMPARED),
        mentioned=mentioned,
    )


_MOST: dict[str, tuple[Callable[[Node], float], bool]] = {
    "busiest": (lambda n: n.utilization, True),
    "biggest": (lambda n: float(n.capacity), True),
    "smallest": (lambda n: float(n.capacity), False),
}


# ---------------------------------------------------------------------------- trace


def _trace(step: _Step) -> ActionResult:
    node = _one(step, "node")
    assert node is not None
    up = step.intent == "trace-upstream"
    nodes = step.nodes()
    graph = link_graph(nodes, step.twin.list_connections(step.user_id))
    hops = (upstream if up else downstream)(graph, [node.id])
    position = {n.id: i for i, n in enumerate(nodes)}
    by_id = {n.id: n for n in nodes}
    found = [by_id[i] for i in sorted(hops, key=lambda i: (hops[i], position[i]))]
    tiers: dict[int, list[Node]] = {}
    for other in found:
        tiers.setdefault(hops[other.id], []).append(other)
    answer = answers.traced(node, tiers, upstream=up, listed=TRACED)
    # The traced node last: after "what feeds Lyon Plant?", "it" is still Lyon Plant and
    # "them" the nodes found.
    shown = [n.id for n in found[:TRACED]]
    return step.result(answer, mentioned=[*shown, node.id])


# ---------------------------------------------------------------------------- settings


def _get_settings(step: _Step) -> ActionResult:
    settings = step.twin.get_settings(step.user_id)
    value = step.params.get("setting")
    if value is None:
        return step.result(answers.settings_shown(settings, None))
    word = str(value).strip().lower().replace(" ", "-").replace("_", "-")
    field = _SETTING_WORDS.get(word) or _choice(value, _SETTINGS, "setting")
    return step.result(answers.settings_shown(settings, field))
