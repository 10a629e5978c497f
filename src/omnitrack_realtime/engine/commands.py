"""What the language layer hands the twin layer: typed commands, no I/O.

``language`` (the parser) turns a user's words into a :class:`ParseResult`; ``actions`` (the
twin layer) resolves node references against the twin and executes :class:`Command` objects.
The parser never sees the database; the twin layer never sees raw text beyond ``NodeRef.text``.

Parameter keys of :attr:`Command.params` by intent (all optional unless marked *required*):

Build
    ``add-supplier`` ``add-manufacturer`` ``add-warehouse`` ``add-distributor``
    ``add-retailer``: ``place`` (:class:`Place`, *required*), ``name`` (str), ``capacity``
    (int units).
    ``remove-node``: ``node`` (:class:`NodeRef`, *required*).
    ``update-node``: ``node`` (*required*), and at least one of ``capacity`` (int),
    ``status`` (operational|degraded|disrupted|offline), ``place`` (Place), ``inventory`` (int),
    ``utilization`` (float 0..1).
    ``connect-nodes``: ``source``, ``target`` (NodeRef, *required*), ``shipping_method``,
    ``bidirectional`` (bool, default False: goods flow ``source`` -> ``target``), ``by_tier``
    (bool: the words named the two nodes but not the flow, "connect the warehouse to the
    supplier": goods flow from the upstream tier, supplier > plant > warehouse > DC > store),
    ``said_last`` ("source" when the words named the source last, "X gets its stock from Y":
    then "that one" means the source next).
    ``disconnect-nodes``: ``source``, ``target`` (*required*).
    ``rename-node``: ``node`` (*required*), ``name`` (str, *required*).
    ``undo``: none (reverts the conversation's last change).
    ``redo``: none (makes the change the last undo reverted again).
Configure
    ``set-region``: ``region`` (asia-pacific|north-america|europe|latin-america|middle-east).
    ``set-industry``: ``industry`` (electronics|automotive|pharmaceuticals|food-beverage|
    fashion|chemicals). ``set-currency``: ``currency`` (an ISO code of :data:`~.twin.CURRENCIES`).
    ``add-shipping-method``: ``method`` (sea|air|rail|truck|express), ``node`` (NodeRef, to set
    it on that node's connections instead of the network). ``set-risk-profile``: ``level``
    (low|medium|high).
Analyze
    ``scan-anomalies``, ``identify-risks``, ``find-bottlenecks``, ``calculate-utilization``:
    ``node`` (NodeRef, to narrow to one node), ``node_type`` (str).
    ``explain``: ``node`` (NodeRef: why it is flagged), ``topic`` (str: an analysis or score,
    e.g. "risk", "bottleneck", "utilization", "anomaly", "simulation"; none: the last answer),
    ``since`` (first|previous: what changed in the last analysis since an earlier run of it).
    ``recommend``: ``node`` (NodeRef), ``goal`` (alternate-supplier|capacity|risk|close).
Simulate
    ``run-simulation``: ``scenario`` (natural-disaster|supplier-failure|transportation-delay|
    demand-spike|quality-issue|geopolitical|cyber-attack|labor-shortage), ``place``, ``node``,
    ``severity`` (low|medium|high|critical), ``duration_hours`` (float).
    ``what-if-port-closure``: ``place`` or ``node``, ``duration_hours``.
    ``what-if-supplier-failure``: ``node``, ``duration_hours``, ``severity`` (a partial failure:
    low 25%, medium 50%, high 75% of its capacity lost; critical, the default, all of it).
    ``what-if-demand-spike``: ``percent`` (float, 50 means +50%), ``node`` or ``place``,
    ``duration_hours``.
    ``compare-simulations``: ``count`` (int, default 2: the conversation's last simulations),
    or ``which`` (tuple of int: their positions in the conversation, 1 the first, -1 the last).
Query
    ``get-node-details``: ``node`` (*required*). ``get-network-summary``: none.
    ``get-recent-alerts``: ``severity``, ``limit`` (int). ``help``: ``topic`` (str).
    ``list-nodes``: any of ``node_type``, ``place`` (Place; ``places``, a tuple of two or more,
    for the nodes in any of them), ``status``, ``min_capacity``,
    ``max_capacity`` (int), ``min_utilization`` (float 0..1), ``not_status`` (all but that
    status), ``by`` (region|country|type: totals per group); the answer lists the matches
    with their count and total capacity.
    ``compare-nodes``: ``nodes`` (tuple of NodeRef, two or more) or ``node_type`` (all of it);
    ``most`` (busiest|biggest|smallest): the one asked for, talked about next ("it").
    ``trace-upstream``, ``trace-downstream``: ``node`` (*required*).
    ``get-settings``: ``setting`` (region|industry|currency|risk_profile|shipping_methods; none:
    all of them).
    ``acknowledge-alert``, ``resolve-alert``: ``alert`` (an alert id), or ``node`` (its
    alerts), or ``all`` (bool); ``severity`` narrows.

Dialogue outcomes (``metadata.intent`` values that are not commands, see docs/copilot.md):
:data:`DIALOGUE_INTENTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ADDED_TYPE",
    "ADD_INTENTS",
    "CHANGING_INTENTS",
    "DEFAULT_NAME_WORD",
    "DIALOGUE_INTENTS",
    "INTENTS",
    "NODE_TYPES",
    "SETTING_OF",
    "SIMULATION_INTENTS",
    "Act",
    "ActKind",
    "Clarification",
    "Command",
    "NodeRef",
    "ParseResult",
    "Place",
    "Step",
]

NODE_TYPES = ("supplier", "manufacturer", "warehouse", "distribution_center", "retailer")

#: Every intent of docs/copilot-domain.md, by group.
INTENTS = {
    "build": (
        "add-supplier",
        "add-manufacturer",
        "add-warehouse",
        "add-distributor",
        "add-retailer",
        "remove-node",
        "update-node",
        "connect-nodes",
        "disconnect-nodes",
        "rename-node",
        "undo",
        "redo",
    ),
    "configure": (
        "set-region",
        "set-industry",
        "set-currency",
        "add-shipping-method",
        "set-risk-profile",
    ),
    "analyze": (
        "scan-anomalies",
        "identify-risks",
        "find-bottlenecks",
        "calculate-utilization",
        "explain",
        "recommend",
    ),
    "simulate": (
        "run-simulation",
        "what-if-port-closure",
        "what-if-supplier-failure",
        "what-if-demand-spike",
        "compare-simulations",
    ),
    "query": (
        "get-node-details",
        "get-network-summary",
        "get-recent-alerts",
        "help",
        "list-nodes",
        "compare-nodes",
        "trace-upstream",
        "trace-downstream",
        "get-settings",
        "acknowledge-alert",
        "resolve-alert",
    ),
}

#: The add intent of each node type, and the node type each add intent creates.
ADD_INTENTS = {
    "supplier": "add-supplier",
    "manufacturer": "add-manufacturer",
    "warehouse": "add-warehouse",
    "distribution_center": "add-distributor",
    "retailer": "add-retailer",
}
ADDED_TYPE = {intent: node_type for node_type, intent in ADD_INTENTS.items()}
#: The word a node's default name ends with ("Berlin Plant", "Chicago Distribution Center").
DEFAULT_NAME_WORD = {
    "supplier": "Supplier",
    "manufacturer": "Plant",
    "warehouse": "Warehouse",
    "distribution_center": "Distribution Center",
    "retailer": "Store",
}
#: The setting each configure intent changes (a key of the twin's settings).
SETTING_OF = {
    "set-region": "region",
    "set-industry": "industry",
    "set-currency": "currency",
    "set-risk-profile": "risk_profile",
    "add-shipping-method": "shipping_methods",
}
#: The intents that run a simulation.
SIMULATION_INTENTS = frozenset(i for i in INTENTS["simulate"] if i != "compare-simulations")

#: Intents that change the twin (the others only read it, or simulate on a copy).
CHANGING_INTENTS = frozenset(
    (*INTENTS["build"], *INTENTS["configure"], "acknowledge-alert", "resolve-alert")
)

#: What a turn reports when it runs no command: asked a question, waits for a yes/no, was
#: told not to (or said no), cannot do it, did not understand, or was only courtesy.
DIALOGUE_INTENTS = (
    "clarification",
    "confirmation",
    "cancelled",
    "out-of-scope",
    "unknown",
    "smalltalk",
)


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved location. ``city`` is None when the user named only a country or a region
    (then the coordinates are a sensible representative city's, and ``approximate`` is True)."""

    city: str | None
    country: str | None
    region: str  # one of the five region ids of set-region
    latitude: float
    longitude: float
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class NodeRef:
    """How the user pointed at a node, to be resolved against the twin.

    ``kind``: ``"id"`` (``text`` is a node id), ``"name"`` (``text`` is a name or part of one),
    ``"place"`` (a node at ``place``, e.g. "the Rotterdam warehouse"), ``"pronoun"`` ("it",
    "that", "them": the last node(s) the conversation mentioned), ``"ordinal"`` (``text`` is a
    1-based position among the user's nodes of ``node_type`` (all nodes when None) in the
    order they were created, negative from the end: "the second warehouse" is ``"2"``, "the
    last store" ``"-1"``; "the last two" is ``"-2:"``, the last two nodes created, "the first
    two" ``"1:2"``, "the one I just added" ``"newest"``; "the
    bigger warehouse" is ``"max:capacity"``, "the smaller" ``"min:capacity"``, "the busiest"
    ``"max:utilization"``).
    ``node_type`` narrows the match when the words named a type.
    """

    text: str
    kind: Literal["id", "name", "place", "pronoun", "ordinal"] = "name"
    node_type: str | None = None
    place: Place | None = None

    @property
    def several(self) -> bool:
        """Whether it points at several nodes: "them", or a range of positions ("both
        stores", "the last two", "the first two")."""
        if self.kind == "pronoun":
            return self.text == "them"
        return (
            self.kind == "ordinal" and ":" in self.text and not self.text.startswith(("max", "min"))
        )


@dataclass(frozen=True, slots=True)
class Command:
    """One understood step: an intent from :data:`INTENTS` and its parameters."""

    intent: str
    params: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    text: str = ""  # the words this step came from


@dataclass(frozen=True, slots=True)
class Clarification:
    """The request was understood only in part: ask instead of guessing.

    ``intent`` is the guessed intent when there is one, else None. ``proposal`` is the
    command a "yes" runs when the question offers one ("Did you mean Shenzhen?")."""

    question: str
    intent: str | None = None
    confidence: float = 0.5
    text: str = ""
    proposal: Command | None = None


#: What a part of a message that is no command was: a yes or no (to a pending question),
#: a negated request, a correction of the last change ("no wait, Chennai not Mumbai"),
#: courtesy, something the copilot cannot do, or nothing understood.
ActKind = Literal["yes", "no", "cancelled", "correction", "smalltalk", "out-of-scope", "unknown"]


@dataclass(frozen=True, slots=True)
class Act:
    """A dialogue act: part of a message that asks for no command. ``topic`` says what an
    out-of-scope or negated request was about ("book trucks", "add a supplier in Busan")."""

    kind: ActKind
    text: str = ""
    topic: str = ""


#: One step of a message, in the order the user wrote it.
Step = Command | Clarification | Act


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the parser understood of one user message.

    ``steps`` are the message's parts in order: commands to run, at most one clarification
    (the unclear part: the understood parts still run) and dialogue acts. Older callers
    build it from ``commands`` and ``clarification`` alone: :meth:`ordered` then gives the
    commands followed by the clarification. Neither set: an unknown request.
    """

    commands: tuple[Command, ...] = ()
    clarification: Clarification | None = None
    too_many_steps: bool = False  # more than MAX_STEPS were asked; only the first are here
    steps: tuple[Step, ...] = ()

    def ordered(self) -> tuple[Step, ...]:
        if self.steps:
            return self.steps
        if self.clarification is not None and not self.commands:
            return (self.clarification,)
        return (*self.commands, *((self.clarification,) if self.clarification else ()))
