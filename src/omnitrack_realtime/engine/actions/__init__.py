"""Execute :class:`~.commands.Command` objects on the twin: resolve node references, validate,
change the twin, and say what happened. Synchronous (SQLite), no asyncio.

:func:`execute` runs one step inside one twin transaction and returns an :class:`ActionResult`:
the answer, whether it worked, the changes and alerts to publish, and the nodes it mentioned
(what "it" and "them" mean next, in the order the answer names them). Errors a user can
cause (a missing node, a duplicate connection, an invalid value) are failed results with a
clear answer, never exceptions. A successful change is journaled in the same transaction, so
``undo`` can revert it (:mod:`.memory`).

The modules, each importing only those above it:

* :mod:`.context`: the step a handler works with, its :class:`ActionResult`, and ``_Failed``;
* :mod:`.resolution`: which node(s) a reference points at (:func:`resolve_nodes`);
* :mod:`.validation`: parameter values checked and converted;
* :mod:`.memory`: what the twin layer keeps in a conversation's dialogue state (the undo
  journal, the simulations, the last analysis);
* :mod:`.settings`, :mod:`.analyses`, :mod:`.scenarios`, :mod:`.queries`, :mod:`.browse`,
  :mod:`.advice`, :mod:`.alerts`, :mod:`.undo`: the handlers, one family each;
* this module: the handlers that edit the network (next to the limits they check), the
  dispatch from intent to handler, and :func:`execute`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import answers
from ..analysis import TIER
from ..answers import Answer
from ..commands import ADDED_TYPE, CHANGING_INTENTS, DEFAULT_NAME_WORD, INTENTS, Command, NodeRef
from ..twin import (
    CURRENCIES,
    INDUSTRIES,
    NODE_STATUSES,
    REGIONS,
    RISK_PROFILES,
    SHIPPING_METHODS,
    Connection,
    Node,
    Twin,
)
from .advice import _explain, _recommend
from .alerts import _set_alert_status
from .analyses import _bottlenecks, _risks, _scan, _utilization
from .browse import _compare_nodes, _get_settings, _list_nodes, _trace
from .context import ActionResult, ScenarioRun, _change, _Failed, _Step
from .memory import record_change
from .queries import _alerts, _details, _help, _summary
from .resolution import _PLURAL_PRONOUNS, _by_place, _many, _one, _partner, resolve_nodes
from .scenarios import (
    _compare_simulations,
    _demand_spike,
    _port_closure,
    _run_simulation,
    _supplier_failure,
)
from .settings import _add_shipping_method, _setting
from .undo import _redo, _undo
from .validation import _choice, _float, _int, _location, _place_words, _require_place

__all__ = [
    "ADD_INTENT_TYPES",
    "DEFAULT_CAPACITY",
    "ActionResult",
    "ScenarioRun",
    "execute",
    "link_ends_spoken",
    "resolve_nodes",
]

#: The node type each add-* intent creates.
ADD_INTENT_TYPES = ADDED_TYPE
#: Capacity (units) of a new node when the user gives none.
DEFAULT_CAPACITY = {
    "supplier": 10_000,
    "manufacturer": 8_000,
    "warehouse": 20_000,
    "distribution_center": 15_000,
    "retailer": 2_000,
}
#: The word a default name ends with ("Berlin Plant", "Chicago Distribution Center").
#: A node's name is repeated in answers, lists and events: a whole message is not a name.
_MAX_NAME = 80
# Markdown's inline syntax: a name is shown inside answers, where these would restyle them or
# make links, so a name may not contain them.
_MARKDOWN_IN_NAME = re.compile(r"[*_`\[\]<>|\\~]")
#: One user's network at most: every turn loads it whole, so a client adding nodes forever
#: (5 per message) must not grow it, the twin's cache and the answers without bound.
MAX_NODES = 5_000
MAX_CONNECTIONS = 20_000
_STATUS_ALERT = {"degraded": "medium", "disrupted": "high", "offline": "critical"}


# ---------------------------------------------------------------------------- build
# Here rather than in a module of their own: they check MAX_NODES and MAX_CONNECTIONS, which
# callers (and the tests) set on this module.


def _check_name(
    step: _Step, name: str, retry: Callable[[str], str], *, node: Node | None = None
) -> None:
    """Refuse a name answers cannot show, or one another node has (``node`` may keep its
    own name in another case). ``retry(name)`` is a request that tries another name."""
    if not name:
        raise _Failed("What should the name be?", (retry("Midwest Hub"),))
    if len(name) > _MAX_NAME:
        raise _Failed(
            f"A node's name is at most {_MAX_NAME} characters; give a shorter one.",
            (retry(name[:40].strip()),),
        )
    if _MARKDOWN_IN_NAME.search(name):
        plain = " ".join(_MARKDOWN_IN_NAME.sub(" ", name).split())
        raise _Failed(
            "A node's name can't contain `* _ [ ] < > | \\ ~` or backquotes (they are "
            "formatting in answers); letters, digits, spaces and `- ' & . , / ( ) #` are fine.",
            (retry(plain),) if plain else (),
        )
    existing = step.twin.find_by_name(step.user_id, name)
    if existing is not None and (node is None or existing.id != node.id):
        raise _Failed(
            f"There is already a node called **{existing.name}** (`{existing.id}`); "
            "pick another name.",
            (retry(f"{name} 2"), f"Show details of {existing.name}"),
        )


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
    if name:
        _check_name(step, name, lambda n: f"Add a {label} in {_place_words(place)} named {n}")
    else:
        base = f"{location.city or _place_words(place)} {DEFAULT_NAME_WORD[node_type]}"
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
        seq = step.twin.node_seq(step.user_id, node.id)
        if seq is not None:
            step.seqs[node.id] = seq  # undo puts it back in its place in creation order
        removed = step.twin.remove_node(step.user_id, node.id)
        removed_connections += len(removed)
        changes.append(
            _change(
                "node_removed",
                nodeId=node.id,
                name=node.name,
                node=node.to_dict(),
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
                    kind="node-status",
                )
            )
    answer = answers.node_updated(*results[0])
    if len(results) > 1:
        answer = Answer(
            "\n\n".join(answers.node_updated(b, a).text for b, a in results),
            answer.suggestions,
        )
    changes = [
        _change("node_updated", node=after.to_dict(), before=before.to_dict(), fields=fields)
        for before, after in results
    ]
    return step.result(answer, changes=changes, alerts=alerts, mentioned=[a.id for _, a in results])


def _pair(step: _Step) -> tuple[Node, Node]:
    """The two ends of a (dis)connection. "Connect them" (one plural pronoun for both ends, or
    for the source alone) joins the last two nodes the conversation mentioned."""
    source_ref, target_ref = step.params.get("source"), step.params.get("target")
    pronoun = (
        isinstance(source_ref, NodeRef)
        and source_ref.kind == "pronoun"
        and source_ref.text.strip().lower() in _PLURAL_PRONOUNS
    )
    # ("connect the first two": a range of two positions)
    pair = isinstance(source_ref, NodeRef) and source_ref.kind == "ordinal" and source_ref.several
    if (pronoun or pair) and (target_ref is None or target_ref == source_ref):
        assert isinstance(source_ref, NodeRef)
        nodes = _many(step, "source")
        if len(nodes) < 2 or (pair and len(nodes) > 2):
            said = ", ".join(f"**{n.name}**" for n in nodes)
            raise _Failed(
                f'"{source_ref.text}" means {said} here; which two nodes should I join?'
                if pair
                else f'"{source_ref.text}" means only **{nodes[0].name}** here; which two nodes '
                "should I join?"
            )
        return nodes[-2], nodes[-1]
    try:
        source = _one(step, "source")
    except _Failed:
        target = _one(step, "target")
        assert target is not None
        return _other_than(step, "source", target), target
    try:
        target = _one(step, "target")
    except _Failed:
        assert source is not None
        return source, _other_than(step, "target", source)
    assert source is not None and target is not None
    if source.id == target.id:
        # "a plant in Ciudad Juárez, feeding El Paso" with no node in El Paso: the nearby
        # plant is not what "El Paso" means on the other end of its own link.
        keys = [("target", source), ("source", target)]
        # ("Coimbatore -> Tiruppur" with a plant in Tiruppur and none in Coimbatore: the end
        # said by the town the node is not in is the one to look for again)
        keys.sort(key=lambda pair: _in_the_town_said(step.params.get(pair[0]), source))
        for key, other in keys:
            ref = step.params.get(key)
            if isinstance(ref, NodeRef) and ref.kind == "place" and ref.place is not None:
                rest = [n for n in step.nodes() if n.id != other.id]
                found = _by_place(rest, ref.place)
                if len(found) != 1:
                    raise _Failed(
                        f"I can't find a node in {ref.text} to link **{other.name}** with.",
                        (f"Add a warehouse in {ref.text}", "List my nodes"),
                    )
                return (other, found[0]) if key == "target" else (found[0], other)
    return source, target


def _in_the_town_said(ref: object, node: Node) -> bool:
    """Whether ``ref`` names a town and ``node`` is in that very town."""
    return (
        isinstance(ref, NodeRef)
        and ref.place is not None
        and bool(ref.place.city)
        and (node.location.city or "").casefold() == (ref.place.city or "").casefold()
    )


def _other_than(step: _Step, key: str, other: Node) -> Node:
    """The end ``key`` names among the nodes other than ``other``: "the fab feeds it" with two
    plants, "it" one of them, is the other plant (a link joins two different nodes)."""
    ref = step.params.get(key)
    if isinstance(ref, NodeRef) and ref.node_type is not None and ref.kind != "pronoun":
        rest = [n for n in step.nodes() if n.id != other.id]
        try:
            return resolve_nodes(ref, step.twin, step.user_id, step.conversation_id, nodes=rest)[-1]
        except _Failed:
            pass
    node = _one(step, key)  # raises the original question, naming every candidate
    assert node is not None
    return node


def _connect(step: _Step) -> ActionResult:
    source, target = _pair(step)
    ends = {"source": source.id, "target": target.id}
    spoken = [ends[key] for key in link_ends_spoken(step.params)]
    if step.params.get("by_tier") and TIER.get(source.type, 0) > TIER.get(target.type, 0):
        # "connect the warehouse to the supplier": goods flow from the supplier.
        source, target = target, source
    if source.id == target.id:
        raise _Failed(f"**{source.name}** cannot be connected to itself.")
    existing = step.twin.find_connection(step.user_id, source.id, target.id)
    if existing is not None and step.params.get("bidirectional") and not existing.bidirectional:
        # "link them both ways" over a one-way link: the link now carries goods both ways.
        return _make_two_way(step, source, target, existing, spoken)
    if existing is not None:
        raise _Failed(
            f"**{source.name}** and **{target.name}** are already connected"
            + (f" (by {existing.shipping_method})." if existing.shipping_method else "."),
            (f"Disconnect {source.name} from {target.name}", f"Show details of {source.name}"),
            mentioned=(source.id, target.id),
        )
    method = step.params.get("shipping_method")
    if method is not None:
        method = _choice(method, SHIPPING_METHODS, "shipping method")
    bidirectional = bool(step.params.get("bidirectional", False))  # goods flow source -> target
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
        mentioned=spoken,
    )


def link_ends_spoken(params: Mapping[str, Any], *, disconnect: bool = False) -> tuple[str, str]:
    """The order a link step leaves its ends in the conversation's context, the last one being
    what "it" and "that one" mean next: in "connect it to X" (or "X feeds it") "it" stays the
    node being talked about, whichever way goods flow; with both ends named ("connect the new
    plant to the second warehouse"), the one named last."""
    if disconnect:
        # "Disconnect the first one from Fukuoka, then connect it to Nagoya": the node taken
        # off the link is the one talked about
        return ("target", "source")
    source = params.get("source")
    it = isinstance(source, NodeRef) and source.kind == "pronoun" and not source.node_type
    return (
        ("target", "source") if it or params.get("said_last") == "source" else ("source", "target")
    )


def _make_two_way(
    step: _Step, source: Node, target: Node, existing: Connection, spoken: list[str]
) -> ActionResult:
    step.twin.remove_connection(step.user_id, existing.source, existing.target)
    method = step.params.get("shipping_method") or existing.shipping_method
    if method is not None:
        method = _choice(method, SHIPPING_METHODS, "shipping method")
    connection = Connection(existing.source, existing.target, method, True)
    step.twin.add_connection(step.user_id, connection)
    return step.result(
        answers.connected(source, target, connection),
        changes=[
            _change(
                "connection_removed",
                source=existing.source,
                target=existing.target,
                connection=existing.to_dict(),
            ),
            _change("connection_added", connection=connection.to_dict()),
        ],
        mentioned=spoken,
    )


def _disconnect(step: _Step) -> ActionResult:
    source, target = _pair(step)
    ends = {"source": source.id, "target": target.id}
    removed = step.twin.connections_between(step.user_id, source.id, target.id)
    if not removed or step.twin.remove_connection(step.user_id, source.id, target.id) == 0:
        raise _Failed(
            f"**{source.name}** and **{target.name}** are not connected.",
            (f"Show details of {source.name}", "Show the network summary"),
        )
    return step.result(
        answers.disconnected(source, target, removed),
        changes=[
            _change("connection_removed", source=c.source, target=c.target, connection=c.to_dict())
            for c in removed
        ],
        mentioned=[ends[key] for key in link_ends_spoken(step.params, disconnect=True)],
    )


def _rename(step: _Step) -> ActionResult:
    node = _one(step, "node")
    assert node is not None
    name = " ".join(str(step.params.get("name") or "").split())
    _check_name(step, name, lambda n: f"Rename {node.name} to {n}", node=node)
    if name == node.name:
        raise _Failed(
            f"**{node.name}** (`{node.id}`) is already called that; nothing changed.",
            (f"Show details of {node.name}", "List my nodes"),
        )
    renamed = step.twin.update_node(step.user_id, node.id, name=name)
    return step.result(
        answers.node_renamed(node, renamed),
        changes=[
            _change(
                "node_renamed",
                nodeId=node.id,
                name=renamed.name,
                oldName=node.name,
                node=renamed.to_dict(),
            )
        ],
        mentioned=[node.id],
    )


# ---------------------------------------------------------------------------- dispatch

_HANDLERS: dict[str, Callable[[_Step], ActionResult]] = {
    **dict.fromkeys(ADD_INTENT_TYPES, _add_node),
    "remove-node": _remove_node,
    "update-node": _update_node,
    "connect-nodes": _connect,
    "disconnect-nodes": _disconnect,
    "rename-node": _rename,
    "undo": _undo,
    "redo": _redo,
    "acknowledge-alert": _set_alert_status,
    "list-nodes": _list_nodes,
    "compare-nodes": _compare_nodes,
    "trace-upstream": _trace,
    "trace-downstream": _trace,
    "get-settings": _get_settings,
    "compare-simulations": _compare_simulations,
    "explain": _explain,
    "recommend": _recommend,
    "resolve-alert": _set_alert_status,
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


#: The steps ``undo`` can revert: every change but an undo itself.
_JOURNALED = CHANGING_INTENTS - {"undo"}  # a redo is journaled: it can be undone again


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
        with twin.transaction(user_id):
            result = handler(step)
            if result.success and result.changes and command.intent in _JOURNALED:
                record_change(step, result)
            if result.mentioned:
                earlier = [i for i in earlier_mentions if i not in result.mentioned]
                context = [*earlier, *result.mentioned]
                if not earlier and len(result.mentioned) == 1:
                    # "add a supplier" ... "and a plant in Penang" ... "connect them": a turn
                    # about one node keeps the node before it, so "them" is both.
                    # ("the latter ..., set it to degraded" then "the former": the node before
                    # is the last other one, not the one this step named again)
                    old = twin.get_context(user_id, conversation_id)
                    before = [i for i in old if i not in context][-1:]
                    context = before + context
                twin.set_context(user_id, conversation_id, context)
    except _Failed as failed:
        return ActionResult(command.intent, False, failed.answer, mentioned=failed.mentioned)
    return result
