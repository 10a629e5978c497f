"""What one step names, found before any intent is read: the user's node names, node ids
("sup-3"), places (the gazetteer), a "called ..." name clause, pronouns ("it", "them", "that
warehouse") and node-type words tied to a place ("the Rotterdam warehouse").

:func:`_analyse` masks names and ids as "§" and places as "¤" in a lower-case copy of the step
of the same length, so that words inside them ("Berlin *Plant*", "*Port* Klang") do not
trigger intents; :class:`_Step` carries the step with what was found, for the intent rules.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field

from .. import gazetteer
from ..commands import NodeRef, Place
from .names import _EMPTY_NAMES, _find_names, _name_words, _Names
from .vocabulary import _DEFAULT_NAME_WORD, _TYPE_RE, _TYPES

_ID_RE = re.compile(
    r"(?<![\w-])(?:[A-Za-z]{1,12}[-_]\d[\w-]*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"
    r"-[0-9a-f]{12})(?![\w-])"
)
_NOT_IDS = frozenset({"covid-19", "x-1", "b-2"})
#: The twin's alert ids ("acknowledge alert-3"): never a node's, so never a node reference.
_ALERT_ID = re.compile(r"alert-\d+", re.IGNORECASE)
#: "truckers strike on the BR-116", "closures along the A-7": a road's number, not a node id
_ROAD_BEFORE = re.compile(
    r"\b(?:(?:on|along|off)\sthe|via|highway|road|route|motorway|interstate|freeway)\s$",
    re.IGNORECASE,
)
_PRONOUN_RE = re.compile(
    r"\b(?:(?P<plural>them|those(?:\stwo|\sones|\snodes)?|these(?:\stwo|\sones|\snodes)?"
    r"|each\s(?:one|of\sthem)|all\sof\sthem"
    r"|both\sof\sthem|both(?=\s*(?:$|[.,;!?)]|\s(?:to|from|with|by|as)\b))|they"
    # "compare all three", "link Pune to the four": a count of the ones just talked about
    r"|(?:all|the)\s(?:three|four|five)(?=\s*(?:$|[.,;!?)]|\s(?:again|please|side|for)\b))"
    # "both get stock from the Berlin wh": "both" as the subject of a flow
    r"|both(?=\s(?:get|receive|take|buy|source|order|are\s(?:supplied|fed|served|stocked)"
    r"|will\s(?:get|be)|should\sget|need)\b))"
    r"|(?P<single>the\s(?:last|latest|newest|most\srecent)\s(?:thing|node|site|one|item)"
    r"(?:\s(?:that\s|which\s)?(?:i|we|you)\s(?:just\s)?(?:added|created|made|set\s?up|built))?"
    # ("Remove the one I just added": the newest node)
    r"|the\sone(?:\s(?:that|which))?\s(?:i|we|you)\s(?:just\s)?(?:added|created|made|set\s?up|built)"
    # ("that one in Reno" is the one there: see _ONE_AT)
    r"|it|its|it's|that\sone(?!\s(?:in|at|near|from)\s)|this\sone(?!\s(?:in|at|near|from)\s)|the\snew\sone"
    # "please put him into the system and connect him with the factory": a supplier is "he"
    # in German and many other languages
    r"|him|her(?=\s*(?:$|[.,;!?)]|\s(?:to|from|with|into|in|as|and|by|for)\b))"
    r"|that\s(?:node|site|facility|location)|this\s(?:node|site|facility|location)"
    r"|that(?=\s*(?:$|[.,;!?)]|\s(?:one(?!\s(?:in|at|near|from)\s)|to|from|with|as|and|by|for|offline"
    r"|online|node)\b))"
    # ("I've just been given access to this and ...", "I'm new to this": the tool, no node)
    r"|(?<!access\sto\s)(?<!new\sto\s)(?<!used\sto\s)(?<!with\sall\s)"
    r"this(?=\s*(?:$|[.,;!?)]|\s(?:one(?!\s(?:in|at|near|from)\s)|to|from|with|as|and|by|for)\b))))",
    re.IGNORECASE,
)
_PLACE_LINK = re.compile(
    r"^\s*(?:in|at|near|from|of|located\sin|based\sin|out\sof|over\sin|down\sin|up\sin"
    r"|on|around|outside)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


_NAME_CLAUSE = re.compile(
    r"\b(?:called|named|name\sit|call\sit|with\sthe\sname|titled|labell?ed)\s+"
    r"(?:[\"'](?P<quoted>[^\"']+)[\"']|(?P<plain>.+?))"
    r"(?=\s+(?:with|in|at|near|and|that|which|having|holding|for|located|based|capacity)\b"
    r"|\s*[,.;!?(]|\s*$)",
    re.IGNORECASE,
)
# A quoted phrase names the node: create 'Nordic Freight Hub' as a DC in Oslo.
_TERM = re.compile(
    r"(?:an?\s|the\s)?(?:bottlenecks?|single\spoints?\sof\sfailure|spofs?|utili[sz]ation|risks?"
    r"|anomal(?:y|ies)|cascades?|lead\stimes?|safety\sstock|capacity|inventory|resilience"
    r"|what[\s-]ifs?|simulations?|scenarios?"
    # "What exactly is a 'distribution center'?": a kind of node, quoted, names none
    r"|(?:" + _TYPES + r")s?|degraded|disrupted|offline|operational)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"(?<![\w'])[\"'](\w[^\"']{1,60}?)[\"'](?![\w'])")


@dataclass(slots=True)
class _Ref:
    start: int
    end: int
    ref: NodeRef
    bare_type: bool = False  # only a type was named ("the warehouse")


@dataclass(slots=True)
class _Step:
    """One step's text with what was found in it, ready for the intent rules."""

    text: str
    masked: str  # lower-case, node names/ids as "§", places as "¤", same length as text
    names: list[tuple[int, int, str, bool]]
    ids: list[tuple[int, int, str]]
    places: list[tuple[int, int, Place]]
    name_clause: tuple[int, int, str] | None
    fuzzy: bool = False
    known: _Names = _EMPTY_NAMES  # the user's node names, to resolve "the Rotterdam one"
    _refs: list[_Ref] | None = field(default=None)

    def has(self, pattern: re.Pattern[str]) -> bool:
        return pattern.search(self.masked) is not None

    def refs(self) -> list[_Ref]:
        if self._refs is None:
            self._refs = _node_refs(self)
        return self._refs

    def node_refs(self) -> list[_Ref]:
        """References to specific nodes (not bare types)."""
        return [r for r in self.refs() if not r.bare_type]

    def free_places(self) -> list[tuple[int, int, Place]]:
        """Places not used inside a node reference."""
        used = [(r.start, r.end) for r in self.refs() if r.ref.kind == "place"]
        return [p for p in self.places if not any(s <= p[0] < e for s, e in used)]

    def lone_place(self, *, city: bool = False) -> _Ref | None:
        """The one place the step names outside any node reference, as a reference to the
        user's node there ("Mark Newcastle degraded", "what feeds Pune?"); with ``city``, only
        a city (not a country or a region). None when there is none or more than one."""
        places = self.free_places()
        if len(places) != 1 or (city and places[0][2].city is None):
            return None
        start, end, place = places[0]
        return _Ref(start, end, NodeRef(self.text[start:end], "place", place=place))

    def types(self) -> list[tuple[int, int, str, str]]:
        """Node-type words: (start, end, type, surface)."""
        out = []
        for match in _TYPE_RE.finditer(self.masked):
            kind = match.lastgroup
            assert kind is not None
            out.append((match.start(), match.end(), kind, match.group()))
        return out


def _lower_same_length(text: str) -> str:
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _analyse(text: str, names: _Names) -> _Step:
    found_names = _find_names(text, names)
    if any(fuzzy for _s, _e, _n, fuzzy in found_names):
        # "La Chaux-de-Fonds supplies it": two words of a name inside a place the text names
        # is one reference to the node named after that place.
        for a, b in (span for span, _p in gazetteer.find_places(text)):
            inside = [h for h in found_names if h[3] and a <= h[0] and h[1] <= b]
            if len(inside) > 1 and len({h[2] for h in inside}) == 1:
                found_names = [h for h in found_names if h not in inside]
                found_names.append((a, b, inside[0][2], True))
        found_names.sort(key=lambda h: h[0])
    if found_names:
        # "not Los Angeles, Long Beach": a name found by one word of a town ("Angeles") names
        # the node by the whole town
        towns = [span for span, _p in gazetteer.find_places(text)]
        widened = []
        for start, end, name, fuzzy in found_names:
            around = next(
                ((a, b) for a, b in towns if a <= start and end <= b and b - a > end - start),
                None,
            )
            widened.append(
                (around[0], around[1], name, fuzzy) if around else (start, end, name, fuzzy)
            )
        found_names = widened
    ids = [
        (m.start(), m.end(), m.group())
        for m in _ID_RE.finditer(text)
        if m.group().lower() not in _NOT_IDS
        and not _ALERT_ID.fullmatch(m.group())
        and not _ROAD_BEFORE.search(text, 0, m.start())
        and not any(s <= m.start() < e for s, e, _n, _f in found_names)
    ]
    clause = _NAME_CLAUSE.search(text)
    name_clause: tuple[int, int, str] | None = None
    if clause is not None:
        group = "quoted" if clause.group("quoted") else "plain"
        value = clause.group(group).strip(" \"'")
        if value:
            name_clause = (clause.start(group), clause.end(group), value)
    else:
        quoted = _QUOTED.search(text)
        if quoted is not None and not _TERM.fullmatch(quoted.group(1).strip()):
            # (a quoted analysis term, "what does 'bottleneck' mean?", names no node)
            name_clause = (quoted.start(1), quoted.end(1), quoted.group(1).strip())
    taken = [(s, e) for s, e, _n, _f in found_names] + [(s, e) for s, e, _i in ids]
    if name_clause is not None:
        taken.append((name_clause[0], name_clause[1]))
    places = [
        (s, e, place)
        for (s, e), place in gazetteer.find_places(text)
        if not any(a <= s < b or s <= a < e for a, b in taken)
    ]
    if names.tokens:
        # "chiclayo sends to callao": a town in lower case that only the world table knows is
        # still a place when one of the user's nodes is named after it.
        spans = [(a, b) for a, b, _p in places] + taken
        for word in re.finditer(r"[^\W\d_][\w'-]{3,}", text):
            if any(a <= word.start() < b for a, b in spans):
                continue
            if gazetteer.fold(word.group()) not in names.tokens:
                continue
            town = gazetteer.lookup(word.group())
            if (
                town is not None
                and town.city
                and gazetteer.fold(town.city) == gazetteer.fold(word.group())
            ):
                places.append((word.start(), word.end(), town))
        places.sort(key=lambda p: p[0])
    chars = list(_lower_same_length(text))
    for start, end in taken:
        chars[start:end] = "§" * (end - start)
    for start, end, _place in places:
        chars[start:end] = "¤" * (end - start)
    return _Step(
        text=text,
        masked="".join(chars),
        names=found_names,
        ids=ids,
        places=places,
        name_clause=name_clause,
        fuzzy=any(f for _s, _e, _n, f in found_names),
        known=names,
    )


_LIST_GAP = re.compile(r"\s*(?:,|and|&|,\s*and)\s*")


def _node_refs(step: _Step) -> list[_Ref]:
    refs: list[_Ref] = [_Ref(s, e, NodeRef(n, "name")) for s, e, n, _f in step.names]
    refs += [_Ref(s, e, NodeRef(i, "id")) for s, e, i in step.ids]
    if step.name_clause is not None:
        clause_span = (step.name_clause[0], step.name_clause[1])
    else:
        clause_span = (-1, -1)
    for match in _PRONOUN_RE.finditer(step.masked):
        if clause_span[0] <= match.start() < clause_span[1]:
            continue
        word = "them" if match.group("plural") else match.group().lower()
        if word in ("it", "it's") and _DUMMY_IT.match(step.masked, match.start()):
            continue  # "It's October and I'm already panicking": no node meant
        if word in ("its", "it's"):
            word = "it"
        if _LAST_ADDED.search(word):
            # "the last one I added": the newest node, whatever was talked about since.
            refs.append(_Ref(match.start(), match.end(), NodeRef("newest", "ordinal")))
            continue
        refs.append(_Ref(match.start(), match.end(), NodeRef(word, "pronoun")))
    pairs = (
        _ORDINAL_PAIR.finditer(step.masked)
        if not re.search(r"\b(?:compar\w*|diff|runs?|scenarios?|simulations?|sims?)\b", step.masked)
        else ()
    )  # ("compare the first and the third": runs, not nodes)
    for match in pairs:
        kind = _type_of(match.group("type")) if match.group("type") else None
        for group in ("a", "b"):
            word = match.group(group).split()[-1]
            position = "-1" if word == "last" else _ORDINAL_WORDS[word]
            at, until = match.span(group)
            if group == "b" and kind is not None:
                until = match.end("type")
            if not any(r.start <= at < r.end for r in refs):
                refs.append(_Ref(at, until, NodeRef(position, "ordinal", node_type=kind)))
    for match in _ORDINAL_ONE.finditer(step.masked):
        # "remove the first one": the first node created.
        position = _ORDINAL_WORDS[match.group("ord")]
        refs.append(_Ref(match.start(), match.end(), NodeRef(position, "ordinal")))
    for match in _ALL_OF_TYPE.finditer(step.masked):
        # "remove both stores", "all the warehouses": every node of that type.
        kind = _type_of(match.group("type"))
        preceding = step.masked[: match.start()]
        changing = re.search(
            r"\b(?:remove|delete|drop|rid\sof|disconnect|mark|set|update|connect|link|hook|have"
            r"|supplies|feeds|ships\sto|serves|stocks)\b",
            preceding,
        )
        # "all three shops", "both stores": a count says it is every one of them
        counted = re.match(r"(?:both|all\s(?:two|three|four|five|six|\d+))\b", match.group())
        if kind is not None and (counted or changing):
            refs.append(_Ref(match.start(), match.end(), NodeRef("1:", "ordinal", node_type=kind)))
    for match in _ALL_THERE.finditer(step.masked):
        # "mark the sites in India degraded", "set both Indian sites to degraded": every node
        # (of that type) at that place
        if any(r.start <= match.start() < r.end for r in refs):
            continue
        if not re.search(
            r"\b(?:remove|delete|drop|rid\sof|disconnect|mark|set|update|change|switch|take|put"
            r"|bring|flag|raise|lower|cut|bump|increase|decrease|reduce|double|halve)\b",
            step.masked[: match.start()],
        ):
            continue
        p_start = match.start("place")
        place = next((pl for st, _e, pl in step.places if st == p_start), None)
        kind = _type_of(match.group("type")) if match.group("type") else None
        if place is not None:
            refs.append(
                _Ref(
                    match.start(),
                    match.end(),
                    NodeRef("1:", "ordinal", node_type=kind, place=place),
                )
            )
    for match in _EXTREME_ONE.finditer(step.masked):
        # "give the smaller one 2,000 more": of the nodes just talked about
        if not any(r.start <= match.start() < r.end for r in refs):
            word = f"the {match.group('adj')} one"
            refs.append(_Ref(match.start(), match.end(), NodeRef(word, "pronoun")))
    for match in _FORMER.finditer(step.masked):
        word = "the other" if match.group("which") == "former" else "it"
        refs.append(_Ref(match.start(), match.end(), NodeRef(word, "pronoun")))
    for match in _OTHER.finditer(step.masked):
        if not any(r.start <= match.start() < r.end for r in refs):
            # ("the other one" stays itself: see copilot._pinned_that_one)
            said = " ".join(match.group(0).lower().split())
            refs.append(_Ref(match.start(), match.end(), NodeRef(said, "pronoun")))
    for match in _ONE_AT.finditer(step.masked):
        # "the one in Lyon": the user's node there.
        p_start = match.start("place")
        place = next((pl for st, _e, pl in step.places if st == p_start), None)
        if place is not None and not any(r.start <= p_start < r.end for r in refs):
            known = _known_at(step, p_start, match.end("place"), None)
            text = step.text[match.start() : match.end()]
            ref = NodeRef(known, "name") if known else NodeRef(text, "place", place=place)
            refs.append(_Ref(match.start(), match.end(), ref))
    for match in _LAST_FEW.finditer(step.masked):
        # "the last two", "the last 3 warehouses": the nodes created last, in order; "the
        # first two": the first ones.
        count = _ORDINAL_WORDS.get(match.group("count"), match.group("count"))
        kind = _type_of(match.group("type")) if match.group("type") else None
        span = f"1:{count}" if match.group("end") == "first" else f"-{count}:"
        refs.append(_Ref(match.start(), match.end(), NodeRef(span, "ordinal", node_type=kind)))
    for start, end, kind, _surface in step.types():
        if clause_span[0] <= start < clause_span[1]:
            continue
        if any(r.start <= start < r.end for r in refs):
            continue
        named = next(
            (
                i
                for i, r in enumerate(refs)
                if r.ref.kind == "name" and r.end < start and not step.masked[r.end : start].strip()
            ),
            None,
        )
        if named is not None and _type_of(refs[named].ref.text.split()[-1]) == kind:
            # "Both ship to Bursa factory": the town named the user's Bursa Plant, and the
            # type word after it is that node's, not a node of its own
            refs[named] = dataclasses.replace(refs[named], end=end)
            continue
        extreme = _EXTREME.search(step.masked[:start])
        if extreme is not None:
            # "the bigger warehouse", "the newest store", "the older store"
            position = _EXTREME_WORDS[extreme.group("adj")]
            refs.append(_Ref(extreme.start(), end, NodeRef(position, "ordinal", node_type=kind)))
            continue
        ordinal = _ORDINAL.search(step.masked[:start])
        if ordinal is not None:
            # "the second warehouse": the user's second warehouse, in creation order.
            position = _ORDINAL_WORDS[ordinal.group("ord")]
            refs.append(_Ref(ordinal.start(), end, NodeRef(position, "ordinal", node_type=kind)))
            continue
        pointer = _POINTER.search(step.masked[:start])
        place_ref = _place_for_type(step, start, end)
        just_added = _JUST_ADDED.match(step.masked, end) if place_ref is None else None
        if just_added is not None:
            # "the warehouse I just added": the node the conversation just mentioned.
            span = step.text[start : just_added.end()]
            refs.append(_Ref(start, just_added.end(), NodeRef(span, "pronoun", node_type=kind)))
        elif pointer is not None and place_ref is None:
            # "that warehouse", "the new plant": the node the conversation just mentioned.
            span = step.text[pointer.start() : end]
            refs.append(_Ref(pointer.start(), end, NodeRef(span, "pronoun", node_type=kind)))
        elif place_ref is not None:
            p_start, p_end, place = place_ref
            span_start, span_end = min(start, p_start), max(end, p_end)
            text = step.text[span_start:span_end]
            known = _known_at(step, p_start, p_end, kind)
            if known is not None:
                # "the store of Sydney" is the user's "Sydney Store".
                ref = NodeRef(known, "name", node_type=kind)
            else:
                ref = NodeRef(text, "place", node_type=kind, place=place)
            refs.append(_Ref(span_start, span_end, ref))
        elif (name_start := _name_start(step, start)) is not None:
            # "Goldfields Depot", no such node: a name of its own, never "the only warehouse"
            text = step.text[name_start:end]
            refs.append(_Ref(name_start, end, NodeRef(text, "name", node_type=kind)))
        else:
            word = _DEFAULT_NAME_WORD[kind]
            refs.append(_Ref(start, end, NodeRef(word, "name", node_type=kind), True))
    for p_start, p_end, place in step.places:
        # "the Rotterdam one": the user's node there (by name when one name has the place).
        before = _THE_PLACE_ONE.search(step.masked, 0, p_start)
        after = _ONE.match(step.masked, p_end)
        if before is None or after is None or any(r.start <= p_start < r.end for r in refs):
            continue
        known = _known_at(step, p_start, p_end, None)
        text = step.text[p_start : after.end()]
        ref = NodeRef(known, "name") if known else NodeRef(text, "place", place=place)
        refs.append(_Ref(before.start(), after.end(), ref))
    by_name = [r for r in refs if r.ref.kind == "name"]
    for p_start, p_end, place in step.places:
        # "Mark Kano and Port Harcourt offline": a town listed with a node named by its name is
        # the user's node there, as the name is
        if not place.city or any(r.start <= p_start < r.end for r in refs):
            continue
        if any(
            _LIST_GAP.fullmatch(step.masked[p_end : r.start])
            or _LIST_GAP.fullmatch(step.masked[r.end : p_start])
            for r in by_name
        ):
            ref = NodeRef(step.text[p_start:p_end], "place", place=place)
            refs.append(_Ref(p_start, p_end, ref))
    refs.sort(key=lambda r: r.start)
    for i, (earlier, later) in enumerate(itertools.pairwise(refs), 1):
        # "Compare the first warehouse with the second one": the second warehouse
        if (
            later.ref.kind == "ordinal"
            and later.ref.node_type is None
            and later.ref.text.lstrip("-").isdigit()
            and earlier.ref.kind == "ordinal"
            and earlier.ref.node_type is not None
            and re.search(r"\bone\W*$", step.masked[later.start : later.end])
        ):
            typed = dataclasses.replace(later.ref, node_type=earlier.ref.node_type)
            refs[i] = _Ref(later.start, later.end, typed)
    typed_ordinal = next(
        (r for r in refs if r.ref.kind == "ordinal" and r.ref.node_type is not None), None
    )
    if typed_ordinal is not None:
        # "The third warehouse gets its stock from the second.": the second warehouse
        for match in _ORDINAL_ALONE.finditer(step.masked, typed_ordinal.end):
            if not any(r.start <= match.start() < r.end for r in refs):
                position = _ORDINAL_WORDS[match.group("ord")]
                ref = NodeRef(position, "ordinal", node_type=typed_ordinal.ref.node_type)
                refs.append(_Ref(match.start(), match.end(), ref))
        refs.sort(key=lambda r: r.start)
    return refs


# Capitalised words right before a type word: a node name ("Goldfields Depot").
_NAMED_BEFORE = re.compile(r"(?<![\w'-])(?P<words>(?:[A-Z][\w'-]*\s+){1,3})$")
# ... but not sentence openers, verbs or adjectives said of any node ("Rename", "Main").
_NOT_NAME_TEXT = (
    "a an the our my your their its this that these those and or but then also please pls "
    "so ok okay now next first second third last new old main central big small large "
    "primary secondary regional local national global other same current existing only "
    "backup cold north south east west northern southern eastern western upper lower add "
    "create connect link remove delete drop rename call make set mark update move show list "
    "what which where who how is are does do did can could would should will shall why when "
    "tell give get put run simulate compare trace feed feeds supply supplies ship ships "
    "send sends no not yes hi hey hello dear thanks sorry i we you it they he she both all "
    "each every any some more most less few many one two three four five "
    # verbs that open a request about a capacity or a status ("Increase factory capacity")
    "increase decrease raise reduce bump cut double halve lift boost change adjust "
    "kindly flag mark put take restore reopen close open "
)
_NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split())


def _name_start(step: _Step, start: int) -> int | None:
    """Where the capitalised words of a name before the type word at ``start`` begin
    ("Rename Goldfields Depot": at "Goldfields"), or None when there are none."""
    named = _NAMED_BEFORE.search(step.text[:start])
    if named is None or not re.fullmatch(
        r"(?:[^\W\d_]|['\s-])+", step.masked[named.start("words") : start]
    ):
        return None
    words = list(re.finditer(r"\S+", step.text[named.start("words") : start]))
    kept = [w for w in words]
    while kept and kept[0].group().lower() in _NOT_NAME_WORDS:
        kept.pop(0)  # "Rename", "Connect", "The": not part of the name
    if not kept or any(w.group().lower() in _NOT_NAME_WORDS for w in kept):
        return None
    return named.start("words") + kept[0].start()


_JUST_ADDED = re.compile(
    r"\s+(?:(?:that|which)\s+)?(?:i|we|you)\s+(?:just\s+|recently\s+|only\s+just\s+)?"
    r"(?:added|created|made|set\s?up|opened|built|put\sin)\b"
)
_THE_PLACE_ONE = re.compile(r"\b(?:the|that|our|my)\s+$")
_ONE = re.compile(r"(?:'s)?\s+one\b(?!\s+(?:of|more)\b)")


def _known_at(step: _Step, start: int, end: int, kind: str | None) -> str | None:
    """The one known node name that has all the words of the place at ``start:end`` (and, when
    ``kind`` is given, a word of that node type), else None."""
    owners = step.known.owners
    if not owners:
        return None
    found = {owners.get(word) for word in _name_words(step.text[start:end])}
    if len(found) != 1:
        return None
    name = found.pop()
    if name is None:
        return None
    if kind is not None:
        typed = [m.lastgroup for m in _TYPE_RE.finditer(name)]
        if kind not in typed and not name.lower().endswith(_DEFAULT_NAME_WORD[kind]):
            return None
    return name


_ORDINAL_WORDS = {
    "first": "1",
    "1st": "1",
    "second": "2",
    "2nd": "2",
    "third": "3",
    "3rd": "3",
    "fourth": "4",
    "4th": "4",
    "fifth": "5",
    "5th": "5",
    "sixth": "6",
    "6th": "6",
    "middle": "middle",
    "last": "-1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
}
_ORDINAL = re.compile(
    r"\b(?:the|our|my)\s(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th"
    # ("What feeds the last warehouse?": the newest warehouse, whatever was talked about)
    r"|middle|last)\s+(?:new\s+|other\s+)?$"
)
_EXTREME_WORDS = {
    "bigger": "max:capacity",
    "biggest": "max:capacity",
    "larger": "max:capacity",
    "largest": "max:capacity",
    "smaller": "min:capacity",
    "smallest": "min:capacity",
    "busier": "max:utilization",
    "busiest": "max:utilization",
    "newer": "-1",
    "newest": "-1",
    "latest": "-1",
    "older": "1",
    "oldest": "1",
    "earliest": "1",
}
_EXTREME = re.compile(
    r"\b(?:the|our|my)\s(?P<adj>bigger|biggest|larger|largest|smaller|smallest|busier|busiest"
    r"|newer|newest|older|oldest|earliest)"
    # "the bigger of the two remaining warehouses"
    r"(?:\s(?:of|among)\s(?:the|our)\s(?:two\s|three\s|four\s)?(?:remaining\s|other\s|last\s)?)?\s*$"
)
_EXTREME_ONE = re.compile(
    r"\bthe\s(?P<adj>bigger|biggest|larger|largest|smaller|smallest|busier|busiest|fuller|fullest"
    # "Mark the older one degraded" after comparing two plants
    r"|newer|newest|older|oldest|earliest|latest)"
    r"\sone\b"
)
_ALL_OF_TYPE = re.compile(
    r"\b(?:both|all(?:\sthe|\sour|\smy|\sof\sthe|\sof\sour)?|every)\s(?:\w+\s)?(?P<type>"
    + _TYPES
    + r")\b"
)
_ALL_THERE = re.compile(
    r"\b(?:both|all(?:\sthe|\sour|\smy|\sof\sthe|\sof\sour)?|every|the|our)\s(?:(?:sites|nodes|locations"
    r"|facilities)|(?P<type>" + _TYPES + r"))(?<=s)\s(?:in|at)\s(?:the\s)?(?P<place>¤+)"
)
_OTHER = re.compile(r"\bthe\sother(?:\sone)?\b(?!\s+(?:in|at|near|from|of)\b)")
# "connect the former to the latter": of the two nodes talked about last, the earlier and the
# later one.
_FORMER = re.compile(r"\bthe\s(?P<which>former|latter)(?:\sone)?\b")
_ONE_AT = re.compile(r"\b(?:the|that)\sone\s(?:in|at|near|from)\s(?P<place>¤+)")
# "it's" as a dummy subject: the time, the weather, a feeling.
_DUMMY_IT = re.compile(
    r"it\s(?:ok|okay|alright|fine|possible|worth|better|best|wise|necessary|a\sgood\sidea|break"
    r"|breaks|crack|snap|go\swrong)\b"
    # "I do hope I'm going about it the right way": the task, not a node
    r"|it\s(?:the\sright\sway|the\swrong\sway|right(?!\s(?:away|now|after|there|here|next|to))"
    r"|wrong|correctly)\b"
    r"|it's\s(?:(?:already|just|so|really|too|been|getting|going|about|almost|nearly|only)\b"
    r"|(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|night"
    r"|time|late|early|hard|difficult|crazy|busy|fine|great|good|bad|true|clear|weird|funny"
    r"|a\s(?:bit|lot|long|mess|nightmare|pain|good|great|bad)|the\s(?:end|start|first|last))\b)"
)
_LAST_ADDED = re.compile(r"\s(?:i|we|you)\s(?:just\s)?(?:added|created|made|set\s?up|built)$")
_ORDINAL_ONE = re.compile(
    r"\b(?:the|our|my)\s(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|middle)\sone\b"
)
# an ordinal whose kind was said before it, ending the clause ("... from the second.")
_ORDINAL_ALONE = re.compile(
    r"\bthe\s(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)"
    r"(?=\s*(?:$|[.,;!?]|\s(?:and|too|as\swell|instead)\b))"
)
_LAST_FEW = re.compile(
    r"\bthe\s(?P<end>last|latest|first)\s(?P<count>two|three|four|five|[2-5])"
    r"(?:\s(?:new\s)?(?P<type>" + _TYPES + r")"
    r"|\s(?:nodes|ones|sites|locations|facilities)(?:\s(?:we|i)\s(?:just\s)?added)?"
    r"|\s(?:we|i)\s(?:just\s)?added)?"
    r"(?=\s*(?:$|[.,;:!?)]|\s(?:to|and|from|with|in|as|together|too|up|on|offline|online|degraded"
    r"|operational|disrupted|down|go|goes|are|should|need|must|get|will|can|back|both\sways|both\sdirections|two-way|each\sway"
    # ("have the last two warehouses supply it")
    r"|supply|ship|feed|send|deliver|serve|stock)\b))"
)
# "connect the first and the last": two positions said alone, one beside the other
_ORDINAL_PAIR = re.compile(
    r"\bthe\s(?P<a>first|second|third|last)\s(?:and|to|with|into)\s"
    r"(?P<b>the\s(?:first|second|third|last)|(?:first|second|third|last)(?=\s(?:" + _TYPES + r")))"
    # ("the first and second warehouses": of that type, both)
    r"(?:\s(?P<type>" + _TYPES + r"))?(?=\s*(?:$|[.,;!?]|\s(?:one|ones)\b)|\s)"
)


def _type_of(word: str) -> str | None:
    match = _TYPE_RE.fullmatch(word)
    return match.lastgroup if match is not None else None


_POINTER = re.compile(
    r"\b(?:that|this|the\s(?:new|newest|latest|last|same|one\si\sjust\sadded)|said)\s+(?:new\s+)?$"
)


_DETERMINER_BEFORE = re.compile(r"\b(?:the|our|my|their|that|this|its)\s+$")
_QUALIFIER_GAP = re.compile(r"\s+(?:[a-z][\w-]*\s+){1,2}")
_NOT_QUALIFIERS = frozenset(
    [
        "and",
        "or",
        "to",
        "from",
        "in",
        "at",
        "with",
        "for",
        "of",
        "by",
        "then",
        "is",
        "are",
        "was",
        "were",
        "to",
        "into",
        "via",
        "than",
        "as",
        "but",
        "not",
        "new",
        "ships",
        "supplies",
        "feeds",
        "sends",
        "serves",
        "delivers",
        "gets",
        "takes",
    ]
)


def _place_for_type(step: _Step, start: int, end: int) -> tuple[int, int, Place] | None:
    """The place a type word is tied to: "the Rotterdam warehouse", "the warehouse in
    Rotterdam", "our Jakarta vendor"."""
    for p_start, p_end, place in step.places:
        gap = step.text[p_end:start]
        if p_end <= start and re.fullmatch(r"(?:'s)?\s*(?:-\s*)?", gap):
            return p_start, p_end, place
        if (
            p_end <= start
            and _DETERMINER_BEFORE.search(step.masked[:p_start])
            and (qualifier := _QUALIFIER_GAP.fullmatch(gap.lower())) is not None
            and not set(qualifier.group().split()) & _NOT_QUALIFIERS
        ):
            # "the Leicester returns warehouse", "our Rotterdam cold-storage warehouse"
            return p_start, p_end, place
        if p_start >= end and _PLACE_LINK.match(step.text[end:p_start]):
            return p_start, p_end, place
    return None
