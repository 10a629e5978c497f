"""Reading the pieces of a reply that are not requests on their own: the node a user points at
when answering "which one?" ("the Rotterdam one", "Antwerp", "the second"), and the new values
a correction gives ("no wait, Chennai not Mumbai", "I meant 5k", "make that a warehouse").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import gazetteer
from ..commands import NodeRef, Place
from .edits import _capacity
from .names import _EMPTY_NAMES, _name_index
from .numbers import parse_duration_hours, parse_number, parse_percent
from .references import _analyse, _Ref
from .vocabulary import (
    _CURRENCY_RE,
    _INDUSTRY_RE,
    _METHOD_RE,
    _RISK_LEVEL_RE,
    _SEVERITY_RE,
    _STATUS_RE,
)

__all__ = [
    "Correction",
    "read_correction",
    "read_reference",
    "read_scenario_values",
    "suggestions_for",
]


def read_reference(
    text: str, *, known_names: Iterable[str] = (), node_type: str | None = None
) -> NodeRef | None:
    """The node a short reply points at: a name, an id, "the Rotterdam one", an ordinal, a
    type with a place, or a bare place ("Rotterdam": the node of ``node_type`` there)."""
    names = _name_index(tuple(known_names)) if known_names else _EMPTY_NAMES
    step = _analyse(text, names)
    refs = [r.ref for r in step.node_refs() if r.ref.kind != "pronoun"]
    if refs:
        ref = refs[0]
        if ref.node_type is None and node_type is not None and ref.kind != "name":
            return NodeRef(ref.text, ref.kind, node_type, ref.place)
        return ref
    ordinal = re.search(
        r"\b(?P<ord>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)(?:\sone)?\b",
        step.masked,
    )
    if ordinal is not None:
        word = ordinal.group("ord")
        position = {"first": "1", "1st": "1", "second": "2", "2nd": "2", "third": "3"}.get(
            word, {"3rd": "3", "fourth": "4", "4th": "4", "fifth": "5", "5th": "5"}.get(word, "-1")
        )
        return NodeRef(position, "ordinal", node_type)
    if len(step.places) == 1:
        place = step.places[0][2]
        return NodeRef(text.strip(" .!?"), "place", node_type, place)
    return None


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction says the last change should have had."""

    place: Place | None = None
    replaces: Place | None = None  # the place said to be wrong ("..., not Mumbai")
    capacity: int | None = None
    replaces_capacity: int | None = None  # the size said to be wrong ("25,000 not 20,000")
    node_type: str | None = None
    node: NodeRef | None = None
    values: dict[str, Any] = field(default_factory=dict)  # setting or status values

    def empty(self) -> bool:
        return not (self.place or self.capacity or self.node_type or self.node or self.values)


_NOT_BEFORE = re.compile(r"\b(?:not|instead\sof|rather\sthan|no)\s+(?:the\s+|in\s+)?$")


def _not_negated(masked: str, spans: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """The spans not preceded by "not" ("Chennai, not Mumbai" keeps Chennai)."""
    kept = [
        span
        for span in spans
        if not re.search(
            r"\b(?:not|instead\sof|rather\sthan|no)\s+(?:the\s+|in\s+)?$", masked[: span[0]]
        )
    ]
    return kept or spans[-1:]


_OTHER_NODE = re.compile(
    r"\bnot\s(?:that|this|the\s(?:same|right))\s(?:one|node|site|place)\b|\bwrong\s(?:one|node|site)\b"
    r"|\bthe\sother\sone\b"
)


_NAME_BEFORE_NOT = re.compile(r"\b(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?),?\s+not\s")


def read_correction(text: str, *, known_names: Iterable[str] = ()) -> Correction:
    """The new values of "no wait, Chennai not Mumbai", "I meant 5k units", "make that a
    warehouse", "sorry, to Lyon Plant", "actually EUR"."""
    known = tuple(known_names)
    names = _name_index(known) if known else _EMPTY_NAMES
    step = _analyse(text, names)
    m = step.masked
    named = [(r.start, r.end) for r in step.node_refs() if r.ref.kind in ("name", "id")]
    # ("make the Shenzhen one 15k": Shenzhen names the node, it is no new place)
    places = [p for p in step.places if not any(s <= p[0] < e for s, e in named)]
    said = [p for p in places if not _NOT_BEFORE.search(m[: p[0]])]
    place = said[0][2] if said else None
    if place is None:
        # "the store should be in kuala lumpr not singapore": a city with a typo.
        guess = re.search(r"\b(?:in|at|to)\s+(?P<a>[a-z]+)(?:\s(?P<b>[a-z]+))?", m)
        if guess is not None:
            two = f"{guess.group('a')} {guess.group('b')}" if guess.group("b") else None
            place = (two and gazetteer.suggest(two)) or gazetteer.suggest(guess.group("a"))
    if place is None and places:
        # "no wait, Ferrara not Foggia": a town whose name is also a rare word ("ferrara", a
        # sword), written as a name where the new value is said
        before_not = _NAME_BEFORE_NOT.search(step.text)
        said_words = before_not.group("town").split() if before_not is not None else []
        said_town = next(
            (
                looked
                for words in (said_words, said_words[-1:])
                if words and (looked := gazetteer.lookup(" ".join(words))) is not None
            ),
            None,
        )
        place = said_town if said_town is not None and said_town.city is not None else None
    # ("the warehouse is not in São Paulo, is in Campinas": the words read as São Paulo
    # Warehouse, but the town is the one said to be wrong, not the node meant)
    wrong_in_name = [
        (r.start, r.end, town)
        for r in step.node_refs()
        if r.ref.kind == "name"
        and re.search(r"\b(?:in|at)\s+$", m[: r.start])
        and _NOT_BEFORE.search(m[: r.start])
        and (town := gazetteer.lookup(step.text[r.start : r.end])) is not None
    ]
    wrong = [p for p in places if _NOT_BEFORE.search(m[: p[0]])] or wrong_in_name
    replaces = wrong[0][2] if wrong and wrong[0][2] != place else None
    refs = [
        r
        for r in step.node_refs()
        if r.ref.kind in ("name", "id") and not any(r.start <= p[0] < r.end for p in wrong_in_name)
    ]
    if not refs and place is not None and _OTHER_NODE.search(m):
        # "not that one, Busan": the node there is the one meant, not a new place
        refs = [r for r in step.node_refs() if r.ref.kind == "place"] or [
            _Ref(0, 0, NodeRef(place.city or place.country or "", "place", place=place))
        ]
        place = None
    city = place.city.casefold() if place is not None and place.city else None
    there = [n for n in known if city and city in n.casefold()]
    if (
        not refs
        and len(there) == 1
        and re.search(r"\d", m)
        and not re.search(r"\b(?:in|to|at|into)\s+¤", m)
    ):
        # "Actually Duisburg is 5,000 tonnes a month": the size of the node there, not a move
        refs = [_Ref(0, 0, NodeRef(there[0], "name"))]
        place = None
    node = None
    if refs:
        spans = _not_negated(m, [(r.start, r.end, r.ref) for r in refs])
        node = spans[0][2]
    types = _not_negated(m, [(s, e, t) for s, e, t, _w in step.types()])
    node_type = types[0][2] if types and not refs else None
    wrong_size = re.search(
        r"\b(?:not|instead\sof|rather\sthan)\s+(\d(?:[\d,.]*\d)?\s?(?:k|m|thousand|million)?)(?![\w%])",
        m,
    )
    replaces_capacity = parse_number(wrong_size.group(1)) if wrong_size is not None else None
    sized = m[: wrong_size.start()] + m[wrong_size.end() :] if wrong_size is not None else m
    capacity = _capacity(sized, None)
    if capacity is None:
        number = re.search(
            r"(?<![\w.])(\d(?:[\d,.]*\d)?\s?(?:k|m|thousand|million)?)(?![\w%])", sized
        )
        capacity = parse_number(number.group(1)) if number is not None else None
    values: dict[str, Any] = {}
    for key, pattern in (
        ("currency", _CURRENCY_RE),
        ("industry", _INDUSTRY_RE),
        ("level", _RISK_LEVEL_RE),
        ("method", _METHOD_RE),
        ("status", _STATUS_RE),
    ):
        found = [(mt.start(), mt.end(), mt.lastgroup) for mt in pattern.finditer(m) if mt.lastgroup]
        if found:
            values[key] = str(_not_negated(m, found)[0][2]).replace("_", "-")
    if "currency" in values:
        values["currency"] = values["currency"].upper()
    return Correction(
        place=place,
        replaces=replaces,
        capacity=int(capacity) if capacity is not None else None,
        replaces_capacity=int(replaces_capacity) if replaces_capacity is not None else None,
        node_type=node_type,
        node=node,
        values=values,
    )


_PLURAL_LABEL = {
    "supplier": "suppliers",
    "manufacturer": "plants",
    "warehouse": "warehouses",
    "distribution_center": "distribution centers",
    "retailer": "stores",
}


def suggestions_for(text: str, *, known_names: Iterable[str] = ()) -> tuple[str, ...]:
    """Concrete requests close to a message nobody understood: about the node, the type or
    the place it names."""
    names = _name_index(tuple(known_names)) if known_names else _EMPTY_NAMES
    step = _analyse(text, names)
    out: list[str] = []
    named = [r.ref.text for r in step.node_refs() if r.ref.kind in ("name", "id")]
    if named:
        out += [f"Show details of {named[0]}", f"What feeds {named[0]}?"]
    types = step.types()
    place = step.places[0][2] if step.places else None
    where = (place.city or place.country or "") if place is not None else ""
    if types:
        kind = types[0][2]
        label = _PLURAL_LABEL[kind][:-1] if kind != "distribution_center" else "distribution center"
        out.append(f"Add a {label} in {where or 'Shanghai'}")
        out.append(f"List my {_PLURAL_LABEL[kind]}")
    elif where:
        out += [f"Add a warehouse in {where}", f"Simulate a natural disaster in {where}"]
    return tuple(dict.fromkeys(out))[:3]


def read_scenario_values(text: str) -> dict[str, Any]:
    """The scenario values a follow-up gives ("and a milder case, +20% for two weeks?"):
    ``percent``, ``duration_hours``, ``severity``, ``place``; empty when it gives none."""
    step = _analyse(text, _EMPTY_NAMES)
    values: dict[str, Any] = {}
    percent = parse_percent(text)
    if percent is not None:
        values["percent"] = percent
    hours = parse_duration_hours(text)
    if hours is not None:
        values["duration_hours"] = hours
    severity = _SEVERITY_RE.search(step.masked)
    if severity is not None and severity.lastgroup:
        values["severity"] = severity.lastgroup
    if step.places:
        values["place"] = step.places[0][2]
    return values
