"""The engine's intents as model tools: a declarative table, the JSON schemas made from it, and
tool calls turned back into :class:`~.commands.Command` objects. Pure: no I/O.

:data:`TOOLS` holds one :class:`Tool` per intent of :data:`~.commands.INTENTS`, each with a
description and its parameters (:class:`Param`: a type, allowed values, a range, whether it is
required), following the parameter keys in :mod:`.commands`' docstring. :func:`tool_schemas`
generates the ``tools`` list of an OpenAI-compatible chat-completions request from it, and
:func:`to_command` reads a call back: ``place`` values through the gazetteer into
:class:`~.commands.Place`, node references into :class:`~.commands.NodeRef` ("it" and
"them" are pronouns, ``sup-3`` an id, anything else a name), numbers and choices checked.

A tool's name is its intent with ``_`` for ``-`` (``add_supplier``): some servers' templates
and grammars accept only identifiers. :func:`to_command` accepts both spellings.

A call that does not fit (arguments that are not JSON, an unknown tool or parameter, a value
out of range) raises :class:`ToolCallError`, whose message is written for the model: the
planner sends it back as the tool's result so the model can correct the call.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import OmniTrackError
from .commands import INTENTS, NODE_TYPES, Command, NodeRef, Place
from .simulation import SCENARIOS, SEVERITIES
from .twin import (
    ALERT_SEVERITIES,
    CURRENCIES,
    INDUSTRIES,
    NODE_STATUSES,
    REGIONS,
    RISK_PROFILES,
    SHIPPING_METHODS,
)

__all__ = [
    "TOOLS",
    "Param",
    "ParamType",
    "Tool",
    "ToolCallError",
    "find_tool",
    "to_command",
    "tool_name",
    "tool_schemas",
]

#: How a parameter's value is given: JSON types, and three the engine resolves (``place``: a
#: place name, ``node``: a node reference, ``nodes``: a list of two or more node references).
ParamType = Literal["string", "integer", "number", "boolean", "place", "node", "nodes"]

_MAX_UNITS = 1_000_000_000
#: Words that point at the node(s) the conversation last talked about.
_PRONOUNS = frozenset(
    ("it", "that", "this", "them", "they", "those", "these", "both", "all of them")
)
#: A node id as the twin makes them: its type's prefix and a number (``sup-3``, ``wh-12``).
_NODE_ID = re.compile(r"(?:sup|mfg|wh|dc|ret|node)-\d+", re.IGNORECASE)


class ToolCallError(OmniTrackError):
    """A tool call the engine cannot run; ``problem`` says why, for the model to fix it."""

    def __init__(self, tool: str, problem: str) -> None:
        super().__init__(tool, problem)
        self.tool = tool
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.tool}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a tool. ``enum`` lists the allowed values of a string; ``minimum`` and
    ``maximum`` bound a number (inclusive)."""

    name: str
    type: ParamType
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def schema(self) -> dict[str, Any]:
        """This parameter's JSON schema."""
        if self.type == "nodes":
            return {
                "type": "array",
                "description": self.description,
                "items": {"type": "string"},
                "minItems": 2,
            }
        json_type = "string" if self.type in ("place", "node") else self.type
        schema: dict[str, Any] = {"type": json_type, "description": self.description}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True, slots=True)
class Tool:
    """One intent as a tool. ``needs_one_of``: at least one of these parameters must be given
    (beyond the required ones)."""

    intent: str
    description: str
    params: tuple[Param, ...] = ()
    needs_one_of: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return tool_name(self.intent)

    def schema(self) -> dict[str, Any]:
        """The tool's entry of a chat-completions ``tools`` list."""
        description = self.description
        if self.needs_one_of:
            description += " Give at least one of: " + ", ".join(self.needs_one_of) + "."
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.schema() for p in self.params},
                    "required": [p.name for p in self.params if p.required],
                    "additionalProperties": False,
                },
            },
        }


def tool_name(intent: str) -> str:
    """The tool name of an intent: ``add-supplier`` -> ``add_supplier``."""
    return intent.replace("-", "_")


# ---------------------------------------------------------------------------- the table
# Parameters several tools share, by what they mean there.


def _place(what: str = "where", *, required: bool = False) -> Param:
    return Param(
        "place",
        "place",
        f"{what}: a city, country or region (Rotterdam, Germany, Asia)",
        required,
    )


def _node(what: str, *, name: str = "node", required: bool = False) -> Param:
    return Param(
        name,
        "node",
        f"{what}: a node id (sup-3) or exact name, or 'it' / 'them' (the last node(s) named)",
        required,
    )


_NODE_TYPE = Param("node_type", "string", "only nodes of this type", enum=NODE_TYPES)
_DURATION = Param(
    "duration_hours", "number", "how long it lasts, in hours", minimum=0.1, maximum=24 * 365 * 2
)
_ALERT_SEVERITY = Param("severity", "string", "only alerts of this severity", enum=ALERT_SEVERITIES)
_ADD = (
    ("add-supplier", "supplier"),
    ("add-manufacturer", "manufacturer (plant, factory)"),
    ("add-warehouse", "warehouse"),
    ("add-distributor", "distribution center"),
    ("add-retailer", "retailer (store)"),
)


def _add_tool(intent: str, label: str) -> Tool:
    return Tool(
        intent,
        f"Add a {label} node to the network.",
        (
            _place("where the node is", required=True),
            Param("name", "string", "the node's name (default: the city and the type)"),
            Param("capacity", "integer", "capacity in units", minimum=1, maximum=_MAX_UNITS),
        ),
    )


def _analysis(intent: str, description: str) -> Tool:
    return Tool(intent, description, (_node("narrow the analysis to this node"), _NODE_TYPE))


def _alert_tool(intent: str, verb: str) -> Tool:
    return Tool(
        intent,
        f"{verb} alerts: one by its id, a node's alerts, or all of them (optionally of one "
        "severity).",
        (
            Param("alert", "string", "an alert id"),
            _node("the node whose alerts are meant"),
            Param("all", "boolean", "true: every active alert"),
            _ALERT_SEVERITY,
        ),
    )


#: One tool per intent of :data:`~.commands.INTENTS`, in the same order.
TOOLS: tuple[Tool, ...] = (
    # build
    *(_add_tool(intent, label) for intent, label in _ADD),
    Tool(
        "remove-node",
        "Remove a node and its connections. The engine may answer that it needs the user's "
        "confirmation first.",
        (_node("the node to remove", required=True),),
    ),
    Tool(
        "update-node",
        "Change a node's capacity, status, location, inventory or utilization.",
        (
            _node("the node to change", required=True),
            Param("capacity", "integer", "new capacity in units", minimum=1, maximum=_MAX_UNITS),
            Param("status", "string", "new status", enum=NODE_STATUSES),
            _place("move the node there"),
            Param("inventory", "integer", "units in stock", minimum=0, maximum=_MAX_UNITS),
            Param("utilization", "number", "share of capacity in use, 0..1", minimum=0, maximum=1),
        ),
        needs_one_of=("capacity", "status", "place", "inventory", "utilization"),
    ),
    Tool(
        "connect-nodes",
        "Link two nodes: goods flow from source to target (both ways if bidirectional).",
        (
            _node("where goods come from", name="source", required=True),
            _node("where goods go to", name="target", required=True),
            Param("shipping_method", "string", "how goods travel", enum=SHIPPING_METHODS),
            Param("bidirectional", "boolean", "true: goods flow both ways (default false)"),
        ),
    ),
    Tool(
        "disconnect-nodes",
        "Remove the link between two nodes.",
        (
            _node("one end of the link", name="source", required=True),
            _node("the other end", name="target", required=True),
        ),
    ),
    Tool(
        "rename-node",
        "Give a node a new name.",
        (
            _node("the node to rename", required=True),
            Param("name", "string", "the new name", required=True),
        ),
    ),
    Tool("undo", "Revert the conversation's last change to the network."),
    Tool("redo", "Make again the change the last undo reverted."),
    # configure
    Tool(
        "set-region",
        "Set the network's home region.",
        (Param("region", "string", "the region", required=True, enum=REGIONS),),
    ),
    Tool(
        "set-industry",
        "Set the network's industry.",
        (Param("industry", "string", "the industry", required=True, enum=INDUSTRIES),),
    ),
    Tool(
        "set-currency",
        "Set the currency amounts are shown in.",
        (Param("currency", "string", "the currency", required=True, enum=CURRENCIES),),
    ),
    Tool(
        "add-shipping-method",
        "Add a shipping method to the network, or to one node's connections.",
        (
            Param("method", "string", "the shipping method", required=True, enum=SHIPPING_METHODS),
            _node("set it on this node's connections instead of the network"),
        ),
    ),
    Tool(
        "set-risk-profile",
        "Set how much risk the network tolerates.",
        (Param("level", "string", "the risk tolerance", required=True, enum=RISK_PROFILES),),
    ),
    # analyze
    _analysis("scan-anomalies", "Find nodes whose numbers look wrong or unusual."),
    _analysis("identify-risks", "Score nodes by risk: single points of failure, status, load."),
    _analysis("find-bottlenecks", "Find the nodes that limit the network's flow."),
    _analysis("calculate-utilization", "Report how loaded nodes are."),
    Tool(
        "explain",
        "Explain why a node is flagged, how an analysis or score works, or the last answer.",
        (
            _node("the node to explain"),
            Param(
                "topic",
                "string",
                "an analysis or score: risk, bottleneck, utilization, anomaly, simulation",
            ),
            Param(
                "since",
                "string",
                "compare the last analysis with its first or previous run in this conversation",
                enum=("first", "previous"),
            ),
        ),
    ),
    Tool(
        "recommend",
        "Recommend what to do about a node or the network.",
        (
            _node("the node to advise on"),
            Param(
                "goal",
                "string",
                "what the advice is about",
                enum=("alternate-supplier", "capacity", "risk", "close"),
            ),
        ),
    ),
    # simulate (on a copy: the network does not change)
    Tool(
        "run-simulation",
        "Simulate a disruption scenario on a copy of the network.",
        (
            Param("scenario", "string", "the kind of disruption", enum=SCENARIOS),
            _place("where it happens"),
            _node("the node it hits"),
            Param("severity", "string", "how bad it is", enum=SEVERITIES),
            _DURATION,
        ),
    ),
    Tool(
        "what-if-port-closure",
        "Simulate closing the port at a place (or a node's port).",
        (_place("where the port is"), _node("the node whose port closes"), _DURATION),
    ),
    Tool(
        "what-if-supplier-failure",
        "Simulate a supplier failing.",
        (_node("the supplier that fails"), _DURATION),
    ),
    Tool(
        "what-if-demand-spike",
        "Simulate demand rising at a node or a place.",
        (
            Param(
                "percent", "number", "the rise in percent, 50 means +50%", minimum=1, maximum=1000
            ),
            _node("where demand rises"),
            _place("where demand rises"),
            _DURATION,
        ),
    ),
    Tool(
        "compare-simulations",
        "Compare the conversation's last simulations.",
        (
            Param(
                "count",
                "integer",
                "how many of the last simulations (default 2)",
                minimum=2,
                maximum=10,
            ),
        ),
    ),
    # query
    Tool(
        "get-node-details",
        "Show one node: type, place, capacity, status, load, links, alerts.",
        (_node("the node", required=True),),
    ),
    Tool("get-network-summary", "Summarize the whole network."),
    Tool(
        "get-recent-alerts",
        "List recent alerts.",
        (_ALERT_SEVERITY, Param("limit", "integer", "at most this many", minimum=1, maximum=50)),
    ),
    Tool(
        "help",
        "Say what the copilot can do, or define a term (statuses, utilization, bottleneck...).",
        (Param("topic", "string", "a term or a group of requests"),),
    ),
    Tool(
        "list-nodes",
        "List the nodes that match, with their count and total capacity.",
        (
            _NODE_TYPE,
            _place("only nodes there"),
            Param("status", "string", "only nodes with this status", enum=NODE_STATUSES),
            Param("min_capacity", "integer", "only nodes with at least this capacity", minimum=0),
            Param("max_capacity", "integer", "only nodes with at most this capacity", minimum=0),
            Param(
                "by",
                "string",
                "totals per region, country or node type instead of the list",
                enum=("region", "country", "type"),
            ),
        ),
    ),
    Tool(
        "compare-nodes",
        "Compare two or more nodes side by side, or all nodes of a type.",
        (
            Param(
                "nodes",
                "nodes",
                "the nodes to compare: ids or exact names, two or more",
            ),
            _NODE_TYPE,
            Param(
                "most",
                "string",
                "the one asked for: the busiest, the biggest or the smallest",
                enum=("busiest", "biggest", "smallest"),
            ),
        ),
        needs_one_of=("nodes", "node_type"),
    ),
    Tool(
        "trace-upstream",
        "Show what feeds a node, tier by tier.",
        (_node("the node", required=True),),
    ),
    Tool(
        "trace-downstream",
        "Show what a node supplies and who depends on it.",
        (_node("the node", required=True),),
    ),
    Tool(
        "get-settings",
        "Show the network's settings.",
        (
            Param(
                "setting",
                "string",
                "one setting (default: all of them)",
                enum=("region", "industry", "currency", "risk_profile", "shipping_methods"),
            ),
        ),
    ),
    _alert_tool("acknowledge-alert", "Acknowledge"),
    _alert_tool("resolve-alert", "Resolve"),
)

_BY_NAME = {tool.name: tool for tool in TOOLS}
assert [t.intent for t in TOOLS] == [i for group in INTENTS.values() for i in group]


def find_tool(name: str) -> Tool | None:
    """The tool called ``name`` (``add_supplier`` or ``add-supplier``), else None."""
    return _BY_NAME.get(tool_name(name.strip()))


def tool_schemas() -> list[dict[str, Any]]:
    """The ``tools`` list of a chat-completions request: one function per intent."""
    return [tool.schema() for tool in TOOLS]


# ---------------------------------------------------------------------------- tool calls


def to_command(
    name: str, arguments: str | Mapping[str, Any], *, text: str = "", confidence: float = 1.0
) -> Command:
    """The command a tool call asks for (raises :class:`ToolCallError` when it does not fit).

    ``arguments`` is the call's JSON text (or the object already decoded); ``text`` becomes
    :attr:`Command.text` (the user's words).
    """
    tool = find_tool(name)
    if tool is None:
        raise ToolCallError(name, "there is no such tool; call one of the tools you were given")
    values = _decode(tool, arguments)
    known = {p.name: p for p in tool.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ToolCallError(
            tool.name, f"unknown parameter(s) {', '.join(unknown)}; its parameters: {allowed}"
        )
    params: dict[str, Any] = {}
    for param in tool.params:
        value = values.get(param.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if param.required:
                raise ToolCallError(tool.name, f"{param.name} is required ({param.description})")
            continue
        params[param.name] = _convert(tool, param, value)
    if tool.needs_one_of and not any(key in params for key in tool.needs_one_of):
        raise ToolCallError(tool.name, "give at least one of " + ", ".join(tool.needs_one_of))
    return Command(tool.intent, params, confidence, text)


def _decode(tool: Tool, arguments: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(arguments, Mapping):
        return arguments
    if not arguments.strip():  # some servers send "" for a call without arguments
        return {}
    try:
        value = json.loads(arguments)
    except ValueError as exc:
        raise ToolCallError(
            tool.name, f"the arguments are not valid JSON ({exc}); send one JSON object"
        ) from None
    if not isinstance(value, dict):
        raise ToolCallError(tool.name, "the arguments must be one JSON object")
    return value


def _convert(tool: Tool, param: Param, value: Any) -> Any:
    converters = {
        "string": _string,
        "integer": _integer,
        "number": _number,
        "boolean": _boolean,
        "place": _place_value,
        "node": _node_ref,
        "nodes": _node_refs,
    }
    try:
        return converters[param.type](param, value)
    except ValueError as exc:
        raise ToolCallError(tool.name, f"{param.name}: {exc}") from None


def _string(param: Param, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {json.dumps(value)}")
    text = str(value).strip()
    if not param.enum:
        return text
    wanted = _norm(text)
    for option in param.enum:
        if _norm(option) == wanted:
            return option
    raise ValueError(f"{text!r} is not allowed; choose one of {', '.join(param.enum)}")


def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "-").replace("_", "-")


def _number(param: Param, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {json.dumps(value)}")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    if not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {json.dumps(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    low, high = param.minimum, param.maximum
    if low is not None and high is not None and not low <= number <= high:
        raise ValueError(f"{_show(number)} is out of range: from {_show(low)} to {_show(high)}")
    if low is not None and number < low:
        raise ValueError(f"{_show(number)} is out of range: at least {_show(low)}")
    if high is not None and number > high:
        raise ValueError(f"{_show(number)} is out of range: at most {_show(high)}")
    return number


def _show(number: float) -> str:
    return f"{int(number):,}" if number == int(number) else f"{number:g}"


def _integer(param: Param, value: Any) -> int:
    number = _number(param, value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {number:g}")
    return int(number)


def _boolean(param: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected true or false, got {json.dumps(value)}")


def _place_value(param: Param, value: Any) -> Place:
    from .gazetteer import lookup  # the gazetteer is big: load it only when needed

    text = _string(param, value)
    place = lookup(text)
    if place is None:
        raise ValueError(
            f"unknown place {text!r}; give a major city, a country or a region (or ask the user)"
        )
    return place


def _node_ref(param: Param, value: Any) -> NodeRef:
    text = _string(param, value)
    if text.lower() in _PRONOUNS:
        return NodeRef(text.lower(), "pronoun")
    if _NODE_ID.fullmatch(text):
        return NodeRef(text.lower(), "id")
    return NodeRef(text)


def _node_refs(param: Param, value: Any) -> tuple[NodeRef, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) < 2:
        raise ValueError("expected a list of two or more node ids or names")
    return tuple(_node_ref(param, item) for item in value)
