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
    ``connect-nodes``: ``source``, ``target`` (NodeRef, *required*), ``shipping_method``.
    ``disconnect-nodes``: ``source``, ``target`` (*required*).
Configure
    ``set-region``: ``region`` (asia-pacific|north-america|europe|latin-america|middle-east).
    ``set-industry``: ``industry`` (electronics|automotive|pharmaceuticals|food-beverage|
    fashion|chemicals). ``set-currency``: ``currency`` (USD|EUR|GBP|CNY|JPY).
    ``add-shipping-method``: ``method`` (sea|air|rail|truck|express), ``node`` (NodeRef, to set
    it on that node's connections instead of the network). ``set-risk-profile``: ``level``
    (low|medium|high).
Analyze
    ``scan-anomalies``, ``identify-risks``, ``find-bottlenecks``, ``calculate-utilization``:
    ``node`` (NodeRef, to narrow to one node), ``node_type`` (str).
Simulate
    ``run-simulation``: ``scenario`` (natural-disaster|supplier-failure|transportation-delay|
    demand-spike|quality-issue|geopolitical|cyber-attack|labor-shortage), ``place``, ``node``,
    ``severity`` (low|medium|high|critical), ``duration_hours`` (float).
    ``what-if-port-closure``: ``place`` or ``node``, ``duration_hours``.
    ``what-if-supplier-failure``: ``node``, ``duration_hours``.
    ``what-if-demand-spike``: ``percent`` (float, 50 means +50%), ``node`` or ``place``,
    ``duration_hours``.
Query
    ``get-node-details``: ``node`` (*required*). ``get-network-summary``: none.
    ``get-recent-alerts``: ``severity``, ``limit`` (int). ``help``: ``topic`` (str).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "INTENTS",
    "NODE_TYPES",
    "Clarification",
    "Command",
    "NodeRef",
    "ParseResult",
    "Place",
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
    ),
    "configure": (
        "set-region",
        "set-industry",
        "set-currency",
        "add-shipping-method",
        "set-risk-profile",
    ),
    "analyze": ("scan-anomalies", "identify-risks", "find-bottlenecks", "calculate-utilization"),
    "simulate": (
        "run-simulation",
        "what-if-port-closure",
        "what-if-supplier-failure",
        "what-if-demand-spike",
    ),
    "query": ("get-node-details", "get-network-summary", "get-recent-alerts", "help"),
}


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
    "that", "them": the last node(s) the conversation mentioned). ``node_type`` narrows the
    match when the words named a type.
    """

    text: str
    kind: Literal["id", "name", "place", "pronoun"] = "name"
    node_type: str | None = None
    place: Place | None = None


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

    ``intent`` is the guessed intent when there is one (the answer then carries it with
    ``actionSuccess: False``), else None (intent ``clarification``)."""

    question: str
    intent: str | None = None
    confidence: float = 0.5
    text: str = ""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the parser understood of one user message.

    Exactly one of: ``commands`` non-empty (1 to 5 steps, run in order), ``clarification``
    set, or neither (an unknown request: answer with a pointer to ``help``).
    """

    commands: tuple[Command, ...] = ()
    clarification: Clarification | None = None
    too_many_steps: bool = False  # more than 5 steps were asked; only the first 5 are here
