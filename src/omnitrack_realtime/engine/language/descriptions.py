"""Descriptions read as the nodes they describe: "We make furniture in Poznań and sell through
stores in Berlin and Paris. Please model that", "our paper we buy from a mill in Tampere",
"Our flour comes from a mill in York, 20 tonnes a week" ... "please add the mill". Each type
word with the places said after it, and the type a verb implies (make -> plant, buy from ->
supplier). Pure; the parser decides when a description is a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import gazetteer
from ..commands import ADDED_TYPE, DEFAULT_NAME_WORD, Command
from .cleaning import _clean
from .edits import _UNKNOWN_PLACE, _capacity
from .names import _EMPTY_NAMES, _name_index, _Names
from .numbers import parse_number
from .references import _analyse
from .rules import _read_clause
from .vocabulary import _ADD_INTENT, _TYPES

#: "add a <word>": the type word of each add intent.
_TYPE_WORD = {intent: DEFAULT_NAME_WORD[t].lower() for intent, t in ADDED_TYPE.items()}
_DEFAULT_SUFFIX = {intent: DEFAULT_NAME_WORD[t] for intent, t in ADDED_TYPE.items()}


# "We make furniture in Poznań and sell through stores in Berlin and Paris. Please model
# that": every node the description names.
_MODEL_THAT = re.compile(
    r"^\W*(?:(?:please|pls|kindly|and|just|then|so|ok|okay|now|can\syou|could\syou)\s+)*(?:(?:model|map"
    r"|set\s?up|build|create|add|put\s+in|enter|capture|mirror|represent|replicate)\s+(?:that|this"
    r"|them|those|these|it\sall|all\sthat|all\sof\sthat|all\sof\sit|everything"
    r"|both\sthe\s\w+\sand\s(?:that|the)\s(?:arrangement|link|connection|route|lane|flow))(?:\s+up)?"
    r"|set\s(?:that|this|them|those|it\sall|all\sthat|everything)\s+up"
    # "Put them also please": several nodes said before, put in
    r"|put\s+(?:them|those|these|them\sall|all\sof\sthem)(?:\s+(?:in|also|too|as\swell))*)\b"
    r"(?:\s+(?:in\s+(?:the\s+)?(?:twin|system|network|model)|for\sme|please|too|first|also"
    r"|as\swell))*"
    r"(?:\W+(?:(?:one|a|an|two|three|four|five|\d+)\s+(?:[\w-]+\s+)?(?:"
    + _TYPES
    + r")(?:\s*(?:,|and|&|plus)\s*)?)+)?\W*$",
    re.IGNORECASE,
)
_BOUGHT_FROM = re.compile(
    r"\b(?:buy|buys|bought|source|sources|sourced|get|gets|import|imports|order|orders)\b[^.;]{0,40}?"
    r"\bfrom\s(?:an?\s|the\s|our\s)?(?:[\w-]+\s)?$",
    re.IGNORECASE,
)
_AND_THAT_LINK = re.compile(
    r"\band\s(?:that|the)\s(?:arrangement|link|connection|route|lane|flow)\b", re.IGNORECASE
)
_IMPLIED_TYPE = (
    (
        "manufacturer",
        re.compile(
            r"\b(?:make|makes|made|making|produce|produces|producing|manufacture|manufactures"
            r"|manufacturing|assemble|assembles|assembling|roast|roasts|roasting|brew|brews|brewing"
            r"|bottle|bottles|bottling|build|builds|building|mill|mills)\b[^.;]*?\b(?:in|at)\s",
            re.IGNORECASE,
        ),
    ),
    (
        "supplier",
        re.compile(
            r"\b(?:buy|buys|bought|purchas\w*|source|sources|sourced|import|imports|get|gets)\b"
            r"[^.;]*?\bfrom\s"
            # "The raw nut we buy in Angoche and Monapo": bought there, a supplier there
            r"|\b(?:buy|buys|bought|purchas\w*|source|sources|sourced)\b[^.;]*?\b(?:in|at)\s"
            r"|\b(?:supplied|provided|delivered)\sby\b[^.;]*?\b(?:in|at)\s",
            re.IGNORECASE,
        ),
    ),
)


_ADD_THEM_AS = re.compile(
    r"^\W*(?:(?:please|pls|could\syou|can\syou|would\syou|and|so|then)\s+)*(?:add|create|put\sin"
    r"|enter|model|set\s?up|register)\s(?:them|those|these|both|all\s(?:of\s)?(?:them|three|four|five))"
    r"(?:\sall)?\sas\s(?:\w+\s)?(?P<type>(?:" + _TYPES + r"))\b",
    re.IGNORECASE,
)


def _cities_in(text: str) -> list[str]:
    """The cities a text names, in order, each once, as written."""
    out: list[str] = []
    for (start, end), place in gazetteer.find_places(text):
        said = text[start:end]
        if place.city and said not in out:
            out.append(said)
    return out


_CLAUSE_END = re.compile(
    r"[.;]|\b(?:and|but)\s(?:we|i|our|they)\b|\b(?:sell|buy|make|ship|roast|brew|produce"
    r"|manufactur|assembl|source|import|send|deliver|distribut|store|keep|hold|bottl|process)\w*\b"
    # "a DC in Rotterdam, 12,000 boxes, supplied from Callao": where its goods come from
    r"|\b(?:supplied|fed|served|stocked|shipped|sent|delivered)\s(?:by|from)\b|\bfrom\b",
    re.IGNORECASE,
)


def _described_nodes(text: str, names: _Names) -> list[str]:
    """The adds a description asks for: each type word with the places said after it
    ("stores in Berlin and Paris"), and the places a verb gives a type ("we make furniture in
    Poznań": a plant there)."""
    step = _analyse(text, names)
    kinds = step.types()
    # (a town read as a node's name only because of its town, "one in Saint John" with Saint
    # John Store among the nodes this message adds, is a place; "the Tema plant" is a node)
    bare_towns = [
        (r.start, r.end, town)
        for r in step.refs()
        if r.ref.kind == "name"
        and (town := gazetteer.lookup(text[r.start : r.end])) is not None
        and town.city
    ]
    places = sorted(
        [(s, e, p) for s, e, p in step.places if p.city or p.country] + bare_towns,
        key=lambda place: place[0],
    )
    adds: list[tuple[int, str]] = []  # (where the place is said, the add)
    taken: set[int] = set()
    for index, (_start, end, kind, _surface) in enumerate(kinds):
        stop = kinds[index + 1][0] if index + 1 < len(kinds) else len(text)
        gap = _CLAUSE_END.search(text[end:stop])
        if gap is not None:
            stop = end + gap.start()
        for p_start, p_end, place in places:
            if end <= p_start < stop and p_start not in taken:
                if place.city is None and any(
                    q.country == place.country for _s, _e, q in places if q.city
                ):
                    continue  # "in Medellín, Colombia": the country is the city's
                taken.add(p_start)
                role = kind
                if _BOUGHT_FROM.search(text[max(0, _start - 60) : _start]):
                    role = "supplier"  # "our paper we buy from a mill in Tampere": a supplier
                adds.append(
                    (p_start, f"add a {_TYPE_WORD[_ADD_INTENT[role]]} in {text[p_start:p_end]}")
                )
    for kind, verb in _IMPLIED_TYPE:
        for said in verb.finditer(text):
            # ("made in Ho Chi Minh City and our apparel in Dhaka": the verb carries on)
            clause_end = re.search(r"[.;]|\bbut\b|\band\s(?:we|i|they)\s", text[said.end() :])
            stop = said.end() + (clause_end.start() if clause_end else len(text))
            for p_start, p_end, _place in places:
                if said.end() <= p_start < stop and p_start not in taken:
                    if any(said.end() <= s < p_start for s, _e, _k, _w in kinds):
                        continue
                    taken.add(p_start)
                    adds.append(
                        (p_start, f"add a {_TYPE_WORD[_ADD_INTENT[kind]]} in {text[p_start:p_end]}")
                    )
    size = _capacity(text, None) if len(adds) == 1 or _EACH_OF_THEM.search(text) else None
    if size is not None:
        # "we also have a packaging vendor in Guangzhou, 12k/mo": the one node's size;
        # "growers in Nyeri and Kisii, roughly 3,000 kg a day each": every node's
        return [f"{add}, capacity {size:.0f}" for _at, add in sorted(adds)]
    # "a small warehouse in Limerick (I believe it holds about 4,000 bars) and from there out
    # to two shops, one in Dublin and one in Waterford": a size said between one place and the
    # next is that node's
    ordered = sorted(adds)
    starts = [at for at, _add in ordered]
    sized = []
    for index, (at, add) in enumerate(ordered):
        end = next((e for s, e, _p in places if s == at), at)
        until = starts[index + 1] if index + 1 < len(starts) else len(text)
        own = _capacity(text[end:until], None)
        sized.append(f"{add}, capacity {own:.0f}" if own is not None else add)
    return sized


# "3,000 kg a day each": one size for every node said ("each month" is no such thing)
_EACH_OF_THEM = re.compile(
    r"\b(?:each|apiece)\b(?!\s(?:month|week|day|year|quarter|season)\b)", re.IGNORECASE
)


def described_adds(text: str, *, known_names: Iterable[str] = ()) -> list[Command]:
    """The nodes a message describes without asking for them ("Our flour comes from a mill
    in York, roughly 20 tonnes a week"), as the adds that would create them; for a later
    "please add the mill"."""
    names = _name_index(tuple(known_names)) if known_names else _EMPTY_NAMES
    return _adds_described(_clean(text), names)


def _adds_described(text: str, names: _Names) -> list[Command]:
    """The adds a cleaned description stands for: every node it names, or the one node with
    its size ("..., roughly 20 tonnes a week")."""
    several = _described_nodes(text, names)
    if len(several) <= 1:
        one = _described_node(text, names)
        several = [one] if one is not None else several
    out: list[Command] = []
    for add in several:
        read = _read_clause(add, names)
        if isinstance(read, list):
            out += [c for c in read if c.intent in _DEFAULT_SUFFIX]
    return out


def _described_node(text: str, names: _Names) -> str | None:
    """The add a description asks for ("our importer in London, a distribution center in
    your terms"): the one place it names, the last node type it names, and its size."""
    places = gazetteer.find_places(text)
    cities_in = {p.country for _, p in places if p.city}
    # "in San Antonio, Chile": the country said after the city is the same place.
    places = [(span, p) for span, p in places if p.city or p.country not in cities_in]
    kinds = [t[2] for t in _analyse(text, names).types()]
    unknown = _UNKNOWN_PLACE.search(text) if kinds and not places else None
    if unknown is not None:
        # "Our bonded warehouse is in Waigaoqiao": the add, so that it asks where that is
        size = _capacity(text, None)
        amount = f", capacity {size:.0f}" if size else ""
        word = _TYPE_WORD[_ADD_INTENT[kinds[-1]]]
        return f"add a {word} in {unknown.group('place')}{amount}"
    if len({p.city or p.country for _, p in places}) != 1 or not kinds:
        return None
    (start, end), place = places[0]
    said = _analyse(text, names).types()
    before = [t for t in said if t[1] <= start]
    right_after = [t for t in said if re.fullmatch(r"\s+", text[end : t[0]])]
    if right_after:
        # "Warehouse ships to Izmir distribution center, capacity 6,000": the kind said right
        # after the town is the node's
        kinds = [right_after[0][2]]
    elif before:
        # "held in a bonded warehouse at Glasgow, ..., to which the distillery ships": the
        # type said just before the place is the node's
        kinds = [before[-1][2]]
    where = text[start:end]
    if place.city and place.country and place.country.casefold() in text[end:].casefold()[:40]:
        where = f"{where}, {place.country}"  # "San Antonio, Chile" is not the one in Texas
    size = _capacity(text, None) or size_beside_place(text, end)
    amount = f", capacity {size:.0f}" if size else ""
    return f"add a {_TYPE_WORD[_ADD_INTENT[kinds[-1]]]} in {where}{amount}"


# "a distribution center in Laredo of 25,000", "in Laredo, 25k", "in Laredo with 25,000"
_SIZE_BESIDE_PLACE = re.compile(
    r"(?:,\s*|\s(?:of|with)\s+)(?:about\s|around\s|roughly\s)?(?P<n>\d[\d,.]*\d(?:\s?k)?|\d\s?k)\b"
    r"(?!\s?(?:%|percent|days?|weeks?|months?|years?|km|miles))",
    re.IGNORECASE,
)


def size_beside_place(text: str, end: int) -> float | None:
    """A bare number said right after the place that ends at ``end``: the node's size."""
    beside = _SIZE_BESIDE_PLACE.match(text, end)
    size = parse_number(beside.group("n").replace(" ", "")) if beside is not None else None
    return size if size is not None and size >= 1 else None
