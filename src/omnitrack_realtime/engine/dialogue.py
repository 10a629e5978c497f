"""A conversation's dialogue state, and the execution policy's pure decisions.

The state lives in the twin's ``twin_dialogue`` row of the conversation (a JSON object, so any
process can pick the conversation up); this module owns three of its keys:

``pending``
    The question the copilot asked and waits on: a ``clarification`` (a missing or ambiguous
    detail; the next reply may be just that detail) or a ``confirmation`` (a yes/no before a
    destructive or bulk change, with the exact commands, nodes by id, to run on "yes").
``last_command``
    The last change that worked, for corrections ("no wait, Chennai not Mumbai").
``last_setting``
    The setting last talked about, for "make it medium".
``last_step``
    The last simulation that ran, for follow-ups ("and a milder case, +20%?").
``added``
    The nodes the conversation's last adds created (command and node id, newest last), so a
    correction can fix the one it names even when it was not the last change.
``aliases``
    The user's own words for their nodes ("our bakery in Dundee" added as a plant: "the
    bakery" is Dundee Plant), word -> node name.
``listed``
    The nodes of the last enumeration: the turn's adds when it added several ("add
    warehouses in Leeds, York and Hull"), else the nodes a list or comparison showed. A
    position said without a type ("the second one", "the first two", "the last two") counts
    among them while the conversation still talks about them.
``that_one``
    When a turn added a node and then named others ("Add a plant in Hyderabad. It ships to
    the second warehouse and the third one."), "it" stays the new node but "that one" is the
    node named last: its id, then the context it was said in (it holds while that is the
    context).
``quiet``
    True when the last turn asked for something and nothing was done (a failure, a question,
    nothing understood): an "undo" then asks first, since the change it would revert is older
    than the one the user means.

The actions own the other keys (``journal`` for undo, ``simulations``, ``last_analysis``).
Pure: no I/O, no asyncio; :mod:`.copilot` drives it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .commands import ADD_INTENTS, Command, NodeRef, Place
from .language.fragments import Correction
from .language.vocabulary import _TYPE_RE, _TYPES

__all__ = [
    "DESTRUCTIVE_INTENTS",
    "DialogueState",
    "Pending",
    "aliases_said",
    "asks_back",
    "command_from_json",
    "command_to_json",
    "correct_command",
    "depends_on_earlier",
    "needs_confirmation",
    "node_slot",
    "same_place",
    "with_aliases",
]

_OWN_KEYS = (
    "pending",
    "last_command",
    "last_setting",
    "last_step",
    "added",
    "quiet",
    "simulated",
    "aliases",
    "listed",
    "adding",
    "that_one",
)


def _place_fields(place: Place) -> dict[str, Any]:
    # (not dataclasses.asdict, which deep-copies every field: this runs on every turn)
    return {
        "city": place.city,
        "country": place.country,
        "region": place.region,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "approximate": place.approximate,
    }


def _value_to_json(value: Any) -> Any:
    if isinstance(value, NodeRef):
        data = {
            "text": value.text,
            "kind": value.kind,
            "node_type": value.node_type,
            "place": _place_fields(value.place) if value.place is not None else None,
        }
        return {"$ref": data}
    if isinstance(value, Place):
        return {"$place": _place_fields(value)}
    if isinstance(value, tuple | list):
        return [_value_to_json(v) for v in value]
    return value


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "$ref" in value:
        data = dict(value["$ref"])
        place = data.pop("place", None)
        return NodeRef(**data, place=Place(**place) if place else None)
    if isinstance(value, dict) and "$place" in value:
        return Place(**value["$place"])
    if isinstance(value, list):
        return tuple(_value_from_json(v) for v in value)
    return value


def command_to_json(command: Command) -> dict[str, Any]:
    return {
        "intent": command.intent,
        "params": {k: _value_to_json(v) for k, v in command.params.items()},
        "confidence": command.confidence,
        "text": command.text,
    }


def command_from_json(data: Mapping[str, Any]) -> Command:
    params = {k: _value_from_json(v) for k, v in dict(data.get("params", {})).items()}
    return Command(
        str(data["intent"]), params, float(data.get("confidence", 1.0)), str(data.get("text", ""))
    )


@dataclass(slots=True)
class Pending:
    """A question waiting for the user's reply."""

    kind: Literal["clarification", "confirmation"]
    question: str
    intent: str | None = None
    text: str = ""  # the words of the step asked about
    commands: list[Command] = field(default_factory=list)  # what runs once it is answered
    slot: str | None = None  # the node parameter a "which one?" reply fills
    # what the same message asked of the node the question is about ("add another wh 10k,
    # fed by the mfg" asks where; the link runs once the warehouse is added)
    then: list[Command] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "question": self.question,
            "intent": self.intent,
            "text": self.text,
            "commands": [command_to_json(c) for c in self.commands],
            "slot": self.slot,
            "then": [command_to_json(c) for c in self.then],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pending:
        kind: Literal["clarification", "confirmation"] = (
            "confirmation" if data.get("kind") == "confirmation" else "clarification"
        )
        return cls(
            kind,
            str(data.get("question", "")),
            data.get("intent"),
            str(data.get("text", "")),
            [command_from_json(c) for c in data.get("commands", ())],
            data.get("slot"),
            [command_from_json(c) for c in data.get("then", ())],
        )


@dataclass(slots=True)
class DialogueState:
    pending: Pending | None = None
    last_command: Command | None = None
    last_setting: str | None = None
    last_step: Command | None = None
    added: list[tuple[Command, str]] = field(default_factory=list)
    quiet: bool = False
    #: The conversation's last simulations, oldest first ("rerun the Sakai scenario").
    simulated: list[Command] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)
    #: Whether the last turn that changed the network added a node: the user is still
    #: building, and "it should be 25,000 not 20,000" fixes an add rather than changing a node.
    adding: bool = False
    #: The node "that one" means (the last named) and the context it holds in; see above.
    that_one: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DialogueState:
        pending = data.get("pending")
        last = data.get("last_command")
        step = data.get("last_step")
        try:
            return cls(
                Pending.from_json(pending) if isinstance(pending, dict) else None,
                command_from_json(last) if isinstance(last, dict) else None,
                data.get("last_setting") if isinstance(data.get("last_setting"), str) else None,
                command_from_json(step) if isinstance(step, dict) else None,
                [
                    (command_from_json(entry["command"]), str(entry["node"]))
                    for entry in data.get("added", ())
                ],
                bool(data.get("quiet", False)),
                [command_from_json(entry) for entry in data.get("simulated", ())],
                {str(k): str(v) for k, v in dict(data.get("aliases", {})).items()},
                [str(i) for i in data.get("listed", ())],
                bool(data.get("adding", False)),
                [str(i) for i in data.get("that_one", ())],
            )
        except (KeyError, TypeError, ValueError):
            return cls()  # a state written by another version: start afresh

    def snapshot(self) -> dict[str, Any]:
        """This module's keys as they would be written, to skip writing what did not change
        (compared as values: encoding them to compare cost more than the comparison)."""
        data: dict[str, Any] = {}
        self.merge_into(data)
        return data

    def merge_into(self, data: dict[str, Any]) -> None:
        """Write this module's keys into the conversation's state, keeping the others."""
        for key in _OWN_KEYS:
            data.pop(key, None)
        if self.pending is not None:
            data["pending"] = self.pending.to_json()
        if self.last_command is not None:
            data["last_command"] = command_to_json(self.last_command)
        if self.last_setting is not None:
            data["last_setting"] = self.last_setting
        if self.last_step is not None:
            data["last_step"] = command_to_json(self.last_step)
        if self.quiet:
            data["quiet"] = True
        if self.simulated:
            data["simulated"] = [command_to_json(c) for c in self.simulated[-5:]]
        if self.aliases:
            data["aliases"] = dict(self.aliases)
        if self.listed:
            data["listed"] = list(self.listed)
        if self.adding:
            data["adding"] = True
        if self.that_one:
            data["that_one"] = list(self.that_one)
        if self.added:
            data["added"] = [
                {"command": command_to_json(c), "node": node} for c, node in self.added[-5:]
            ]


_TENTATIVE = re.compile(
    r"^\W*(?:(?:hmm|so|ok|okay|well|and)\W+)*(?:(?:is|would)\s(?:it|that)\s(?:be\s)?(?:ok|okay"
    r"|alright|fine|possible)|can\swe|could\swe|may\swe|should\swe|shall\swe|do\syou\sthink\swe"
    r"|what\sif\swe|maybe\swe\sshould|i'?m\sthinking\sof|i\swonder\sif\swe)\b",
    re.IGNORECASE,
)

#: Changes that ask for a yes first unless the user named the node outright.
DESTRUCTIVE_INTENTS = frozenset({"remove-node"})


def needs_confirmation(command: Command, node_names: list[str], resolved: int) -> bool:
    """Whether a change must be confirmed: a removal whose node was not named outright (by
    its exact name or id), or any change of several nodes at once (``resolved`` > 1)."""
    if command.intent not in DESTRUCTIVE_INTENTS and command.intent != "update-node":
        return False
    if resolved > 1:
        return True
    if command.intent != "remove-node":
        return False
    if _TENTATIVE.match(command.text):
        return True  # "Is it OK if we remove the Bristol store?": asked, not told
    ref = command.params.get("node")
    if not isinstance(ref, NodeRef):
        return False
    if ref.kind == "id":
        return False
    if ref.kind == "name":
        # Named outright: the exact name, written in the words of the step ("the Rotterdam
        # one" resolves to Rotterdam Warehouse but does not name it; neither does a typo).
        if ref.text.casefold() not in {n.casefold() for n in node_names}:
            return True
        if not command.text:
            return False  # a command built by the engine itself, by its node's name
        if ref.text.casefold() not in command.text.casefold():
            return True
        # "Remove the Ulm plant": a town and a kind, said as a description, not the name
        # written as the name ("remove Ulm Plant")
        said = re.search(r"\bthe\s+(" + re.escape(ref.text) + r")\b", command.text, re.IGNORECASE)
        name = next((n for n in node_names if n.casefold() == ref.text.casefold()), ref.text)
        return said is not None and said.group(1) != name
    return True


def asks_back(text: str) -> bool:
    """Whether a failed step's answer is a question the user can answer ("Which warehouse:
    A or B?")."""
    first = text.strip().split("\n", 1)[0]
    return first.rstrip(" *_").endswith("?")


def depends_on_earlier(command: Command) -> bool:
    """Whether a step points back at an earlier one ("it", "them", "the last two")."""
    for value in command.params.values():
        for ref in value if isinstance(value, tuple) else (value,):
            if isinstance(ref, NodeRef) and ref.kind in ("pronoun", "ordinal"):
                return True
    return False


def node_slot(command: Command) -> str | None:
    for key in ("node", "source", "target"):
        value = command.params.get(key)
        if isinstance(value, NodeRef) and value.kind != "id":
            return key
    return None


def same_place(a: Place, b: Place) -> bool:
    if a.city and b.city:
        return a.city.casefold() == b.city.casefold()
    return (a.country or a.region) == (b.country or b.region)


def correct_command(last: Command, correction: Correction) -> Command | None:
    """``last`` with the values a correction gives, or None when none applies to it."""
    params = dict(last.params)
    intent = last.intent
    changed = False
    said = params.get("place")
    if correction.replaces is not None and not (
        isinstance(said, Place) and same_place(said, correction.replaces)
    ):
        # "Valencia not Barcelona" when the last change was not about Barcelona: that is not
        # the change to correct (undoing it would remove the wrong node).
        return None
    if intent.startswith("add-") and intent != "add-shipping-method":
        named = correction.node_type
        if (
            named is not None
            and ADD_INTENTS[named] != intent
            and (correction.capacity is not None or correction.place is not None)
        ):
            return None  # "the plant should be 6000" after adding a warehouse: another node
        if correction.place is not None:
            params["place"], changed = correction.place, True
        if correction.capacity is not None:
            params["capacity"], changed = correction.capacity, True
        if correction.node_type is not None:
            intent, changed = ADD_INTENTS[correction.node_type], True
    elif intent == "update-node":
        if correction.node is not None:
            params["node"], changed = correction.node, True  # "not that one, Busan"
        if correction.place is not None and "place" in params:
            params["place"], changed = correction.place, True  # the move went elsewhere
        elif correction.place is not None:
            # "mark the Paris store degraded" ... "sorry, I meant Lyon": the node in Lyon,
            # not the Paris store moved to Lyon
            where = correction.place
            label = where.city or where.country or where.region or ""
            params["node"], changed = NodeRef(label, "place", place=where), True
        if correction.capacity is not None and "capacity" in params:
            params["capacity"], changed = correction.capacity, True
        if "status" in correction.values:
            params["status"], changed = correction.values["status"], True
    elif intent in ("connect-nodes", "disconnect-nodes") and correction.node is not None:
        params["target"], changed = correction.node, True
    elif intent == "set-region" and correction.place is not None:
        params["region"], changed = correction.place.region, True
    else:
        key = {
            "set-currency": "currency",
            "set-industry": "industry",
            "set-risk-profile": "level",
            "add-shipping-method": "method",
        }.get(intent)
        if key is not None and key in correction.values:
            params[key], changed = correction.values[key], True
    return Command(intent, params, last.confidence, last.text) if changed else None


# "our bakery in Dundee", "my little roastery at Bergen": the user's word for the node there
_GENERIC = frozenset(
    [
        "one",
        "ones",
        "site",
        "sites",
        "place",
        "places",
        "network",
        "company",
        "business",
        "team",
        "office",
        "customer",
        "customers",
        "new",
        "main",
        "biggest",
        "other",
        "first",
        "second",
        "last",
    ]
)


# "Could you add our workshop as a plant?": the word said for it, the type it counts as
_AS_A_TYPE = re.compile(
    r"\b(?:our|my|the)\s+(?:(?:own|main|little|small|big|new|only)\s+)?"
    # ("Could you put our workshop in as a plant?")
    r"(?P<word>[a-z][a-z-]{3,})\s+(?:in\s+|down\s+)?as\s+(?:a|an|our|the)\s+(?:new\s+)?[a-z]+",
    re.IGNORECASE,
)


_GOODS_VERB_BEFORE = re.compile(
    r"\b(?:all|make|makes|made|produce|produces|extract|jar|jars|pack|packs|roast|roasts|brew|brews"
    r"|grow|grows|sell|sells|store|stores|keep|keeps|process|processes|bottle|bottles|ship|ships"
    # ("one plant for washing and drying the coffee in Adama": the goods, not the site)
    r"|wash|dry|dries|clean|sort|grade|mill|can|freeze|bag|making|producing|packing|roasting"
    r"|brewing|growing|selling|storing|keeping|processing|bottling|shipping|washing|drying"
    r"|cleaning|sorting|grading|milling|canning|freezing|bagging|cutting|curing)\s*$",
    re.IGNORECASE,
)


def aliases_said(
    message: str, city: str, node: str, node_type: str | None = None
) -> dict[str, str]:
    """The words ``message`` gives the node just added in ``city`` ("Please add our bakery
    in Dundee as a plant": "bakery" -> "Dundee Plant"), except the words for node types (but
    "Add our bodega in Valladolid as a plant" makes "bodega", a word for a warehouse, this
    plant's: the user said so)."""
    found: dict[str, str] = {}
    pattern = re.compile(
        r"\b(?:our|my|the|a|an)\s+(?:(?:own|main|little|small|big|new|only)\s+)?"
        # ("our growers' co-op in Uruapan": whose, then the word)
        r"(?:[a-z]+(?:'s|s')\s+)?(?:(?P<modifier>[a-z][a-z-]{3,})\s+)?"
        r"(?P<word>[a-z][a-z-]{3,})\s+(?:in|at|near|outside|out\sof)\s+" + re.escape(city) + r"\b",
        re.IGNORECASE,
    )
    for match in [*pattern.finditer(message), *_AS_A_TYPE.finditer(message)]:
        if _GOODS_VERB_BEFORE.search(message[: match.start()]):
            continue  # "We extract and jar all our honey in Hamilton": the goods, not the site
        word = match.group("word").lower()
        modifier = (match.groupdict().get("modifier") or "").lower()
        if modifier and _TYPE_RE.fullmatch(f"{modifier} {word}") is not None:
            continue  # "a distribution center in Munich": our kind, not the user's word
        typed = _TYPE_RE.fullmatch(word)
        other_kind = (
            typed is not None
            and node_type is not None
            and typed.lastgroup != node_type
            and re.search(r"\bas\s(?:an?\s|our\s)?(?:[a-z]+\s)?" + _TYPES + r"\b", message, re.I)
            is not None
        )
        if word not in _GENERIC and (typed is None or other_kind):
            found[word] = node
            if modifier and modifier not in _GENERIC and _TYPE_RE.fullmatch(modifier) is None:
                found[f"{modifier} {word}"] = node  # "our knitting unit": "the knitting unit"
    return found


def with_aliases(text: str, aliases: Mapping[str, str], names: set[str]) -> str:
    """``text`` with "the bakery" written as the node the user called so."""
    for word, node in aliases.items():
        if node in names:
            text = re.sub(
                r"\b(?:the|our|my)\s+" + re.escape(word) + r"\b(?!\s+(?:in|at|near)\s)",
                node,
                text,
                flags=re.IGNORECASE,
            )
    return text
