"""The rules that change nodes: add one (its type, place, name and capacity; a place with
one typo is accepted, an unknown one asked about), remove some, update their capacity,
inventory, utilisation, status or location ("set", "mark", "move ... to"), and a node with
its new status said without a verb ("Berlin Plant back to normal").

Relative changes ("increase capacity *by* 2,000") are asked about: the twin sets exact values.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from .. import gazetteer
from ..commands import Clarification, Command, NodeRef, Place
from .numbers import _DIGITS, _NUMBER, _PERCENT_RE, parse_number
from .outcomes import (
    _QUESTION,
    _STATUS_REPORT,
    _ask,
    _cmd,
    _first,
    _listed,
    _Outcome,
    _place_phrase,
    _whole,
)
from .references import _Ref, _Step
from .vocabulary import (
    _ADD_INTENT,
    _ADD_VERB_RE,
    _STATUS_RE,
    _TYPE_LABEL,
    _TYPE_RE,
    _TYPES,
)

_UNKNOWN_PLACE = re.compile(
    r"\b(?:in|at|near|located\sin|based\sin|from|to)\s+(?:the\s+)?"
    r"(?P<place>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})"
)


_CAPACITY_RE = re.compile(
    rf"(?:\b(?:capacity|cap)\b(?:\s+(?:of|is|at|to|=|should\sbe|will\sbe|around|about|for|roughly"
    rf"|approximately|approx\.?|some|nearly|almost|maybe|circa|max(?:imum)?|of\sabout))*\s*:?\s*"
    rf"(?:up\sto\s|around\s|about\s|approximately\s|roughly\s|~)?(?P<a>{_NUMBER})"
    rf"|(?P<b>{_NUMBER})[\s-]?(?:units?|pallets?|items?|pcs|pieces|skus?|tons?|tonnes?|mt\b"
    # the ways goods are counted: "8,000 cartons", "2k cases", "40 TEU"
    rf"|cartons?|box(?:es)?|cases|crates?|bags?|sacks?|bales?|drums?|barrels?|bottles?|cans|kegs?"
    rf"|containers?|teu|rolls?|reels?|kgs?|kilos?|kilograms?|lit(?:re|er)s?|hl|hectolit(?:re|er)s?"
    rf"|m3|cbm|cubic\smet\w+"
    rf"|m2|m²|sqm|square\smet\w+|pairs?|met(?:er|re)s?|yards?|gallons?|piece|ream|reams"
    # livestock, counted by the head ("5,000 head", "2,000 cattle")
    rf"|head|cattle|livestock|sheep"
    # ("300 t, for the local trade": tonnes, said short at the end of the item)
    rf"|t(?=\s?/\s?(?:month|mo|year|yr|week|wk|day|quarter)|\s*(?:[,;)]|\.(?!\d)|$)))\b"
    rf"|(?P<c>{_NUMBER})\s+(?:of\s+)?capacity\b"
    # "2,500 blades", "50,000 boxes": what the node counts, any plural noun but a time, a
    # share or the nodes themselves
    # ("1.5 million stems", "2m stems")
    rf"|(?P<f>\d{{2,}}[\d,.]*\s?k?|\d[,.]\d{{3}}(?:[,.]\d{{3}})*|\d\s?k"
    rf"|\d+(?:[.,]\d+)?\s?(?:million|thousand|mn|m))\s(?!(?:days|weeks|months|years|hours|hrs|minutes|mins|seconds|percent"
    rf"|pcs|times|people|staff|employees|workers|trucks|lines|shifts|sites|nodes|stores|shops"
    rf"|warehouses|suppliers|plants|factories|dcs|links|lanes|routes|alerts|scenarios|simulations"
    rf"|ports|miles|kms|kilometres|kilometers|dollars|euros|pounds|rupees|yen|usd|eur)\b)"
    rf"(?:[a-z]+\s)?[a-z]{{3,}}s\b(?!\s(?:of|ago|late|behind|early|delay))"
    rf"|\b(?:holds?|holding|stores?|storing|handles?|handling|room\sfor|space\sfor|capacity\sfor"
    rf"|can\stake|fits?|sized\sfor|throughput\sof|capable\sof|able\sto\s(?:make|produce|hold|take)"
    rf"|output\sof)\s+(?:up\sto\s|about\s|around\s|maybe\s"
    rf"|roughly\s|approximately\s|nearly\s|almost\s|some\s|over\s|under\s)?"
    rf"(?P<d>{_NUMBER})"
    # "12,000 castings a month", "eight thousand bottles per month": an output rate.
    rf"|(?<![a-z])(?P<e>{_NUMBER})(?:\s*/|\s+(?:[a-z]+\s+){{0,2}}?(?:a|per|/|each|every)"
    # ("14,000 L/month", "9k t/yr", "6,000 head/month": a unit, then the rate)
    rf"|\s?[a-z]{{1,10}}\s?/)\s?(?:month|week|year|day|mo|annum|yr|wk)\b)"
    # "every month 30.000 towel we produce", "monthly 50.000 kg": the rate said first
    rf"|\b(?:every\s(?:month|week|year|day)|monthly|weekly|yearly|annually|per\s(?:month|week|year"
    rf"|day))\s(?:about\s|around\s|roughly\s)?(?P<g>{_NUMBER})\b(?!\s*(?:%|percent|days?|weeks?"
    rf"|months?|years?|hours?|times|trucks?|shipments?|deliveries|orders?|containers?))",
    re.IGNORECASE,
)


_UPDATE_VERB = re.compile(
    r"\b(?:update\w*|change\w*|set|sets|setting|modify|edit|increase\w*|decrease\w*|raise\w*"
    r"|lower\w*|reduce\w*|bump\w*|boost\w*|adjust\w*|mark\w*|flag\w*|(?<!what\sit\s)(?<!what\swe\s)(?<!what\sthey\s)move\w*|relocat\w*"
    r"|transfer\w*|shift\w*|make|put|scale\w*|expand\w*|grow|shrink|restock\w*|refill\w*"
    r"|now|give(?!\s(?:me|us)\b)|up(?=\s(?:the|its|their|our|my)\s)"
    # "Switch Port Harcourt Distribution Center to offline", "flip it back to operational"
    r"|(?:switch|flip|turn)(?=\s.{1,60}?\s(?:back\s)?to\s(?:operational|degraded|disrupted|offline|online"
    r"|active|normal)\b)"
    # "Drop it to 400": a lower capacity, not a removal
    r"|drop(?=\s(?:it|them|[§¤]+|the\s[\w§¤]+)?\s?(?:down\s)?to\s\d)"
    # "record the Bandung supplier as offline": its status, for the record
    r"|(?:record|log|note|register|list|show)(?=\s.{1,60}?\sas\s(?:operational|degraded|disrupted|offline"
    r"|online|down)\b)"
    # "Omaha goes up to 18,000": its new size, said as what happens to it
    r"|(?:goes|go|going|went|moves?|jumps?|rises?|falls?)\s(?:up|down)(?=\s(?:to|by)\s\d)"
    # "Cut it to 18,000", "trim Leeds back to 9k": a lower capacity, not a link cut
    r"|(?:cut|trim)(?=\s(?:it|them|[§¤]+|the\s[\w§¤]+(?:\s[\w§¤]+)?)\s(?:back\s|down\s)?to\s\d)"
    # "take Suwon up to 16,000 units", "take it down to 9k"
    r"|take(?=\s(?:it|them|[§¤]+|the\s[\w§¤]+(?:\s[\w§¤]+)?)\s(?:up|down)\sto\s\d))\b"
)
_STATE_VERB = re.compile(
    r"\b(?:is|are|was|were|has\sbeen|have\sbeen|had\sbeen|went|goes|gone|got|became"
    r"|becomes|now|currently|just|been|mark\w*|flag\w*|set|put|take|took|bring|brought)\b"
)
_FIELD_CAPACITY = re.compile(
    r"\bcapacity\b|\bcapacities\b|\bsize\b|\bcap\b|\bcapped\b|\blimited\sto\b"
    r"|\b(?:maxes|tops)\sout\b"
)
_FIELD_INVENTORY = re.compile(
    r"\binventory\b|\binv\b|\brestock\w*|\breplenish\w*|\brefill\w*|\bstock(?:\slevels?)?\b|\bon\shand\b"
    # ("9,000 units in stock", not "9,000 units in Braga")
    r"|\bunits\sin\s(?:stock|storage|hand|the\s(?:warehouse|store|dc|depot))\b"
)
_FIELD_UTILIZATION = re.compile(r"\butili[sz]ation\b|\butili[sz]ed\b|\bload\b")
_FIELD_STATUS = re.compile(r"\bstatus\b|\bstate\b")


_STATUS_VERB = re.compile(
    r"\b(?:(?P<offline>shut\s(?:down|off)|close|take\s(?:\S+\s){1,4}offline|pause|suspend"
    r"|deactivate|turn\soff|switch\soff|mothball)"
    r"|(?P<operational>reopen|re-open|restart|restore|reactivate|re-activate|turn\son"
    r"|bring\s(?:\S+\s){1,4}(?:back\s)?online|bring\s(?:\S+\s){1,4}back))\b"
)
_RELATIVE = re.compile(
    r"\b(?:by|with)\s(?:another\s|an\sextra\s|additional\s)?(?:\d|[a-z]+\s(?:thousand|hundred))"
    r"|\b(?:doubl|tripl|halv|halve)\w*|\b(?:another|additional|extra|more)\s\d"
    # "make it 20% bigger"
    r"|\d\s?(?:%|per\s?cent)\s(?:bigger|larger|smaller|higher|lower|more|less)\b"
    r"|\bby\s(?:a\s)?half\b|\bin\shalf\b"
    # "give Parma 2,000 more": a number and "more" after it
    r"|\d[\d,.]*\s?(?:k|thousand)?\s(?:(?:units?|a\smonth)\s)?(?:more|extra|fewer|less)\b"
)
_GROWN_OR_CUT = re.compile(
    r"^\W*(?:(?:please|pls|ok|okay|so|and|now|can\syou|could\syou)\W+)*(?:bump|raise|increase|boost"
    r"|grow|expand|cut|reduce|decrease|lower|trim|shrink|scale\s(?:up|down)|drop)\s"
)
_MULTIPLIER = re.compile(r"\b(?:doubl\w*|tripl\w*|quadrupl\w*|halv\w*|half)\b")
_UP = re.compile(
    r"\b(?:increas\w*|rais\w*|up|bump\w*|grow\w*|boost\w*|expand\w*|add\w*|extend\w*|more"
    r"|another|extra|additional|plus)\b"
)
_DOWN = re.compile(
    r"\b(?:cut\w*|reduc\w*|decreas\w*|lower\w*|drop\w*|shrink\w*|trim\w*|less|fewer|minus|down"
    r"|remov\w*|take\s(?:off|away))\b"
)


def _relative_change(m: str) -> tuple[str, float] | None:
    """("capacity_factor", 2.0) for "double it", ("capacity_delta", -2000) for "cut its
    capacity by 2k"; None when the words give no exact change."""
    multiplier = _MULTIPLIER.search(m)
    if multiplier is not None:
        word = multiplier.group()
        factor = 2.0 if word.startswith("doubl") else 3.0 if word.startswith("tripl") else 4.0
        return ("capacity_factor", 0.5 if word.startswith(("halv", "half")) else factor)
    sign = -1.0 if _DOWN.search(m) else 1.0 if _UP.search(m) else 0.0
    sized = re.search(r"\d\s?(?:%|per\s?cent)\s(?P<way>bigger|larger|smaller)\b", m)
    if sized is not None:
        # "make it 20% bigger" ("the smaller one" alone says which node, not which way)
        sign = -1.0 if sized.group("way") == "smaller" else 1.0
    if not sign:
        return None
    percent = _PERCENT_RE.search(m)
    if percent is not None:
        value = parse_number(percent.group("num"))
        return None if value is None else ("capacity_factor", 1 + sign * value / 100)
    amount = re.search(
        r"\b(?:by|with|add|another|extra|additional|plus|minus)\s(?:another\s|an\sextra\s)?"
        # (the number ends on a digit: "up by 1,500, we're ..." is 1,500)
        r"(?P<n>\d(?:[\d,.]*\d)?\s?(?:k|m|thousand)?|[a-z]+\s(?:thousand|hundred))"
        r"|(?P<m>\d(?:[\d,.]*\d)?\s?(?:k|m|thousand)?)\s(?:more|extra|additional|fewer|less)\b",
        m,
    )
    if amount is None:
        return None
    value = parse_number(amount.group("n") or amount.group("m"))
    return None if value is None else ("capacity_delta", sign * value)


_BARE_THOUSANDS = re.compile(
    r"(?<![\w.$€£¥])(?P<n>\d[\d,.]*\s?(?:k|thousand))(?!\s*(?:%|percent|per\s?cent|days?|hours?"
    r"|weeks?|h|d)\b)\b",
    re.IGNORECASE,
)
# ("for what it moves": the goods it handles)
_MOVE = re.compile(
    r"\b(?:(?<!what\sit\s)(?<!what\swe\s)(?<!what\sthey\s)move\w*|relocat\w*|transfer\w*|shift\w*)\b"
)
_REMOVE = re.compile(
    r"^\W*(?:del|rm)\b|\brm(?=\s(?:it|them|that|this|the|[§¤]))|\b(?:remove\w*|delete\w*"
    # ("just drop it in odessa tx": put it there)
    r"|drop\w*(?!\s+(?:it|them|one|this|that)\s+(?:in|at|into|on)\s)|get\srid\sof|decommission\w*|eliminat\w*|scrap\w*"
    r"|kill\w*|erase\w*|discard\w*|trash\w*|axe|retire|close\sdown|wipe\sout|destroy\w*"
    r"|take\s(?:(?:it|that|this|them|those|that\sone|this\sone|the\s\w+)\s)?away"
    # "the helsinki one can go, we moved that volume to kaunas"
    r"|(?:can|could|may)\s(?:go|be\sremoved|be\sdropped)(?=\s*(?:[,.;!]|$|\s(?:now|too|as\swell)))"
    r"|take\s.*\bout\b|take\s.*\boff\s(?:the\s)?(?:map|network|list|books|twin)|rip\sout|ditch|dump|purge|nuke\w*|bin|toss\sout|strike\soff"
    # "please take that one off": off the network
    # ("take the store in Ottawa off, it's closing")
    r"|take\s(?:it|that|this|them|those|that\sone|this\sone|[§¤]+|the\s[\w§¤]+(?:\s[\w§¤]+)?"
    r"|the\s[\w§¤]+\s(?:in|at)\s[¤§]+)\soff(?=\s*(?:[.!,;]|$|\s(?:please|again|for\snow|too))))\b"
)


_COUNT_OF_NODES = re.compile(
    r"\b(?:the\s|our\s|all\s)?(?P<n>two|three|four|five|six|seven|eight|nine|ten|[2-9]|10)\s"
    r"(?:(?:new|more|small|big|local|other)\s)?(?:(?:"
    + _TYPES
    + r")\b|[a-z-]+s\sas\s(?:"
    + _TYPES
    + r")\b)"
)


def _names_existing(step: _Step, m: str, type_start: int, type_end: int) -> bool:
    """Whether "the <type>" with a place ("the mill in kalamata", "the kalamata mill") names a
    node the user has there: a definite reference, not a new node."""
    before = m[max(0, type_start - 40) : type_start]
    definite = re.search(r"\bthe\s(?:[¤§\w-]+\s){0,3}$", before)
    if definite is None or not step.known.tokens:
        return False
    near = [
        p
        for s, e, p in step.places
        if (definite.start() + max(0, type_start - 40) <= s < type_start)
        or re.fullmatch(r"\s(?:in|at)\s", m[type_end:s])
    ]
    return any(p.city is not None and gazetteer.fold(p.city) in step.known.tokens for p in near)


_FIELD_OF_A_NODE = re.compile(
    r"\b(?:capacity|inventory|status|size|utili[sz]ation)\s+(?:of|for|at)\s+(?:the\s+|our\s+|my\s+)?[¤§]"
)
_NEW_NODE_SAID = re.compile(r"\b(?:add|create)\b|\b(?:new|another)\s(?:" + _TYPES + r")\b")
_ADD_AMOUNT_TO = re.compile(
    r"\badd\s(?:another\s|an\sextra\s)?\d[\d,.]*\s?k?(?:\s[a-z]+){0,2}\s(?:to|onto)\s"
    r"(?:[^,.;]*?(?:'s\s)?capacity\b|(?:the|our|its|it)\b)"
)


def _rule_add(step: _Step, m: str) -> _Outcome:
    if _FIELD_OF_A_NODE.search(m) and not _NEW_NODE_SAID.search(m):
        return None  # "Please make capacity of Denizli factory 24000": the node there, changed
    verb = _ADD_VERB_RE.search(m)
    amount = _ADD_AMOUNT_TO.search(m)
    if amount is not None and _TYPE_RE.search(amount.group().split(" to ")[0]):
        amount = None  # "add 3 stores to the network": nodes
    if verb is None or amount is not None:
        return None  # ("add 5,000 units to the plant's capacity": more capacity, no new node)
    pointed = [(r.start, r.end) for r in step.refs() if r.ref.kind == "pronoun"]
    if any(s <= verb.start() < e for s, e in pointed):
        # "delete the store we just opened": that verb is inside a reference.
        verb = next(
            (
                v
                for v in _ADD_VERB_RE.finditer(m)
                if not any(s <= v.start() < e for s, e in pointed)
            ),
            None,
        )
        if verb is None:
            return None
    kinds = [t for t in step.types() if t[0] >= verb.start() or t[1] <= verb.start()]
    clause = step.name_clause
    kinds = [t for t in kinds if clause is None or not clause[0] <= t[0] < clause[1]]
    # "put 25k of capacity on the second warehouse": a type inside a reference to an existing
    # node is no new node.
    existing = [(r.start, r.end) for r in step.refs() if r.ref.kind in ("ordinal", "pronoun")]
    kinds = [t for t in kinds if not any(s <= t[0] < e for s, e in existing)]
    if not kinds:
        return None
    type_start, type_end, kind, surface = min(kinds, key=lambda t: abs(t[0] - verb.end()))
    intent = _ADD_INTENT[kind]
    label = _TYPE_LABEL[kind]
    if _names_existing(step, m, type_start, type_end):
        return None  # "make the kalamata mill 10000": the user's mill there, not a new one
    if re.match(r"^\W*is\sit\s(?:really\s)?(?:worth|wise|smart|a\sgood\sidea|sensible)\b", m):
        return None  # "is it worth adding a second plant?" asks for advice
    if re.match(r"^\W*(?:should|shall|would\sit|do|does|is\sit)\s(?:i|we|you|it)\b", m):
        return _ask(
            step,
            f"Do you want me to add a {label}? Say it as a request, e.g. "
            f'"add a {label} in Rotterdam", and I will.',
            intent,
            0.4,
        )
    params: dict[str, Any] = {}
    if clause is not None:
        params["name"] = clause[2]
    capacity = _capacity(step.text, clause)
    if capacity is None:
        # "add wh in dubai 15k": a round number with its thousands is the capacity.
        bare = _BARE_THOUSANDS.search(step.text)
        if bare is not None and (clause is None or not clause[0] <= bare.start() < clause[1]):
            capacity = parse_number(bare.group("n").lower())
    if capacity is None and step.places:
        # "warehouse in Denver next, 7,500": a number said last, after the place, is its size.
        # ("... Mendoza, Argentina (1,500)": in brackets too)
        # ("DC ROTTERDAM 15000": right after the place, in an ops shorthand)
        last = re.search(r"[,(\s]\s*(?P<n>\d{1,3}(?:,\d{3})+|\d{3,7})\s*\)?\W*$", step.text)
        if (
            last is not None
            and last.start() >= step.places[-1][1]
            and not _a_year(last.group("n"), step.text[: last.start("n")])
        ):
            capacity = parse_number(last.group("n"))
    if capacity is not None:
        params["capacity"] = _whole(capacity)
    places = [p for p in step.places if clause is None or not clause[0] <= p[0] < clause[1]]
    # "a co-op in Medellin, Colombia": the country names the city's country, not a second place.
    places = [
        p
        for i, p in enumerate(places)
        if not (
            i
            and p[2].city is None
            and places[i - 1][2].country == p[2].country
            and re.fullmatch(r"\s*,?\s*", step.masked[places[i - 1][1] : p[0]])
        )
    ]
    right_after = _UNKNOWN_PLACE.match(step.text, type_end + 1) if places else None
    if (
        right_after is not None
        and not any(s <= right_after.start("place") < e for s, e, _p in step.places)
        and not _TYPE_RE.fullmatch(right_after.group("place").lower())
        and gazetteer.lookup(right_after.group("place")) is None
    ):
        # "a warehouse at Foobarville, and Aalsmeer sends everything there": the place said
        # with the type is unknown; another place in the clause is not where it goes.
        places = []
    if not places:
        guess = _guess_place(step)
        if guess is not None:
            params["place"] = guess
            return _cmd(step, intent, params, 0.75)
        unknown = _UNKNOWN_PLACE.search(step.text)
        if unknown is not None and not _TYPE_RE.fullmatch(unknown.group("place").lower()):
            where = unknown.group("place")
            near = gazetteer.closest(where)
            if near is not None and near.city is not None:
                # "Shnzhn": offer the city, and a "yes" adds the node there.
                proposal = _cmd(step, intent, {**params, "place": near}, 0.7)[0]
                return Clarification(
                    f'I don\'t know "{where}". Did you mean {near.city}, {near.country}? '
                    f"(yes, or name the place of the new {label})",
                    intent,
                    0.45,
                    step.text,
                    proposal,
                )
            return _ask(
                step,
                f'I don\'t know where "{where}" is. Where should the new {label} be? '
                "Name a major city, a country or a region (e.g. Jakarta, Germany, Asia).",
                intent,
                0.45,
            )
        return _ask(
            step,
            f"Where should the new {label} be? Name a city, a country or a region "
            "(e.g. Jakarta, Germany or Asia).",
            intent,
            0.5,
        )
    plural = surface.endswith("s") and not surface.endswith("ss")
    several = plural or re.search(r"\b(?:two|three|four|five|both|each|one\sin)\b", m)
    if len(places) > 1 and several and "name" not in params:
        commands: list[Command] = []
        shared = _SIZE_EACH.search(step.text)
        if shared is not None and "capacity" not in params:
            # "Warehouses in Guadalajara and Puebla, 15,000 each": one size for all
            size = parse_number(shared.group("n"))
            params = {**params, "capacity": _whole(size)} if size else params
        for _s, end, place in places:
            # "Distribution centres in Sydney (30k) and Los Angeles (40k)": each its own size
            own = _OWN_SIZE.match(step.text, end)
            size = parse_number(own.group("n")) if own is not None else None
            sized = {**params, "capacity": _whole(size)} if size else params
            commands += _cmd(step, intent, {**sized, "place": place}, 0.85)
        return commands
    counted = _COUNT_OF_NODES.search(m)
    listed_one_by_one = re.search(r"\b(?:one|the\sfirst|the\sother)\s(?:in|at|near)\b", m)
    if len(places) == 1 and counted is not None and "name" not in params and not listed_one_by_one:
        # "add the three bakeries as stores in Leeds": that many nodes there
        count = int(parse_number(counted.group("n")) or 1)
        if 2 <= count <= 10:
            one = {**params, "place": places[0][2]}
            return [c for _ in range(count) for c in _cmd(step, intent, one, 0.85)]
    said_in = [p for p in places if re.search(r"\b(?:in|at|near|based\sin)\s+$", m[: p[0]])]
    if len(places) > 1 and said_in and said_in[0] is not places[0]:
        # "a second source for Lima: a supplier in Guayaquil": where it is, not what it serves
        places = [said_in[0], *[p for p in places if p is not said_in[0]]]
    params["place"] = places[0][2]
    if places[0][2].city is None:
        # "Hamburgg, Germany": a city with a typo beside its country is the city.
        guess = _guess_place(step)
        if guess is not None and guess.city is not None and guess.country == places[0][2].country:
            params["place"] = guess
            return _cmd(step, intent, params, 0.8)
    confidence = 0.95 if places[0][2].city else 0.85
    return _cmd(step, intent, params, confidence)


_SIZE_EACH = re.compile(
    # ("1,000 bars a month each": a unit and a period before it)
    r"(?P<n>\d[\d,.]*\s?k?)\s*(?:[a-z]{1,12}\s+)?(?:(?:a|per|every|/)\s?(?:month|week|day|year"
    r"|mo|wk|yr)\s+)?(?:each|apiece|a\spiece)\b",
    re.IGNORECASE,
)
# ("(25,000 kg)": a "k" that begins a unit is no thousand; "Calgary 30,000": a size said right
# after the town)
_OWN_SIZE = re.compile(
    r"\s*(?:\(|,\s*|-\s*)?(?P<n>\d(?:[\d,.]*\d)?(?:\s?k(?![a-z]))?)\s*(?:units?)?\)?", re.IGNORECASE
)
_PLACE_AFTER = re.compile(
    r"\b(?:in|at|near|from|to|located\sin|based\sin|out\sof)\s+(?:the\s+)?"
    r"(?P<one>[A-Za-z][\w'-]+)(?:\s+(?P<two>[A-Za-z][\w'-]+))?",
    re.IGNORECASE,
)


def _guess_place(step: _Step) -> Place | None:
    """A place named with one typo after "in"/"at"/"near" ("add a supplier in Jakrta"), or
    a town right after the node type in a terse add, in lower case though its name is also
    a word ("new supplier chihuahua 30k") or with a typo ("add suplier agadr 12k")."""
    for match in _PLACE_AFTER.finditer(step.text):
        one, two = match.group("one"), match.group("two")
        typed = two is not None and _TYPE_RE.fullmatch(two.lower()) is not None
        for candidate in ((f"{one} {two}",) if two else ()) + (one,):
            # ("a plant in agadr", not "in pasta factory": a word before a type is the node's)
            place = gazetteer.suggest(candidate, world=not typed)
            if place is not None:
                return place
    kind = _TYPE_RE.search(step.text)
    after = _TOWN_AFTER_TYPE.match(step.text, kind.end()) if kind is not None else None
    if after is not None:
        # ("add suplier agadr 12k": a typo there too)
        town = after.group("town")
        place = gazetteer.town_in_lower_case(town) or gazetteer.suggest(town, world=True)
        if place is not None and place.city is not None:
            return place
    return None


_TOWN_AFTER_TYPE = re.compile(r"\s+(?P<town>[a-z][a-z'-]{3,})(?=\s*(?:\d|,|$))")


def _a_year(number: str, before: str) -> bool:
    """Whether ``number``, said after ``before``, is a year ("since 2015", "in 2019")."""
    return re.fullmatch(r"(?:19|20)\d\d", number.strip()) is not None and (
        re.search(r"\b(?:since|from|in|until|till|by|of)\s$", before, re.IGNORECASE) is not None
    )


def _capacity(text: str, clause: tuple[int, int, str] | None) -> float | None:
    for match in _CAPACITY_RE.finditer(text):
        if clause is not None and clause[0] <= match.start() < clause[1]:
            continue
        raw = next(g for g in (match.group(k) for k in "abcdefg") if g)
        if _a_year(raw, text[: match.start()]):
            continue  # "We make since 2015 bicycles in Apeldoorn": a year, not a size
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw.strip()):
            raw = raw.replace(".", "")  # "9.000 units": a capacity is never a fraction
        value = parse_number(raw)
        if value is not None and value >= 1:
            return _whole(value)
    return None


_EVERYTHING = re.compile(
    r"\b(?:everything|it\sall|all\sof\sit|all\s(?:the\s|my\s|our\s)?(?:nodes|sites)|the\swhole"
    r"\s(?:network|thing|twin)|every\snode)\b"
)


def _rule_remove(step: _Step, m: str) -> _Outcome:
    if not _REMOVE.search(m):
        return None
    if re.search(r"\bdrop\w*\s(?:it|them|[§¤]+|the\s[\w§¤]+)?\s?(?:down\s)?to\s\d", m):
        return None  # "Drop it to 400": its capacity
    refs = step.node_refs()
    if not refs and _EVERYTHING.search(m):
        # "remove everything", "delete all the nodes": every node (confirmed first)
        return _cmd(step, "remove-node", {"node": NodeRef("1:", "ordinal")}, 0.8)
    if not refs:
        bare = [r for r in step.refs() if r.bare_type]
        if bare:
            refs = bare
    if not refs:
        if step.places:
            place = step.places[0][2]
            ref = NodeRef(_place_phrase(place), "place", place=place)
            return _cmd(step, "remove-node", {"node": ref}, 0.6)
        return _ask(step, "Which node should I remove? Give its name or id.", "remove-node")
    confidence = 0.9 if not refs[0].bare_type else 0.65
    listed = _listed(step, refs)
    if len(listed) > 1:
        return [c for r in listed for c in _cmd(step, "remove-node", {"node": r.ref}, 0.85)]
    return _cmd(step, "remove-node", {"node": refs[0].ref}, confidence)


_RENAME = re.compile(r"\brenam\w*|\bchange\s(?:the\s|its\s|their\s)?names?\b")


_OUTPUT_STATED = re.compile(
    r"[§¤]+\s(?:now\s|actually\s|really\s)?(?:manages|produces|makes|handles|does|turns\sout|puts\sout"
    r"|outputs|can\s(?:do|make|produce|handle|manage)"
    # "The company in Bari can send me about 500 litres a month": what it can supply
    r"|can\s(?:send|supply|deliver|ship|give|sell)(?:\s(?:me|us))?)\s(?:about\s|around\s|roughly\s|some\s|up\sto\s"
    r"|nearly\s|close\sto\s)?\d"
)
_MAKE_IT = re.compile(
    r"^[^\w§¤]*(?:(?:ok|okay|so|and|then|hmm+|pls|please|now)[^\w§¤]+)*(?:(?:can|could|would)\syou\s)?"
    r"(?:please\s)?(?:make|give)\s(?:it|that|this|[§¤]+|the\s[§¤\w]+(?:\s[§¤\w]+)?)\s(?:to\s)?"
    rf"(?P<n>{_NUMBER})(?:\s?(?:units?|pallets?|tonnes?|tons?|t|pieces|pcs|cases|boxes|bags))?"
    r"(?:\s(?:instead|now|then|too|please|pls|a\smonth|per\smonth|/mo|a\sweek|per\sweek))*"
    r"(?:[,;]\s.*)?[^\w§¤]*$"
)


# "Pavlodar supplier now gives 35000, not 30000", "Omaha is now 18,000": a node's new size
_NOW_GIVES = re.compile(
    r"^[^\w§¤]*(?:(?:ok|okay|so|and|sorry|actually)[^\w§¤]+)*(?:the\s)?[§¤]+(?:\s[\w§¤]+)?\s"
    r"(?:(?:now|can\snow|now\scan|now\sis|is\snow)\s(?:giving|gives?|produc(?:es?|ing)|mak(?:es?|ing)"
    r"|does|doing|deliver(?:s|ing)?|suppl(?:ies|ying|y)|handl(?:es?|ing)|hold(?:s|ing)?|ship(?:s|ping)?)"
    r"|(?:is|'s)\snow)\s(?:about\s|around\s|~)?"
    rf"(?P<n>{_NUMBER})(?![\d%])(?:\s?(?:units?|pallets?|tonnes?|tons?|t|pieces|pcs|cases|boxes|bags|kg))?"
    r"(?:,?\s(?:not|instead\sof)\s[\d,.]+k?)?(?:[,;]\s.*)?[^\w§¤]*$"
)


def _rule_update(step: _Step, m: str) -> _Outcome:
    if _STATUS_REPORT.search(m):
        return None  # "a status update on everything" asks for the status
    if re.search(r"\b(?:is|are|was)\s(?:the|our)\sones?\s(?:that|which|who|with)\b", m):
        return None  # "Istanbul is the one that's degraded": which one, not a change
    if re.match(r"^\W*(?:[\w']+\W+){0,2}?(?:we|i|they)\s(?:also\s|now\s|mainly\s)?make\b", m):
        return None  # "We make nitrile gloves in Hat Yai": what they make, not a change
    sized = _MAKE_IT.match(m) or _NOW_GIVES.match(m)
    if sized is not None:
        # "make poznan 8k instead", "ok can you make it 10,000?": a node and its new size
        refs = step.node_refs()
        lone = step.lone_place(city=True)
        ref = refs[0].ref if len(refs) == 1 else lone.ref if lone is not None and not refs else None
        value = parse_number(sized.group("n"))
        if ref is not None and value is not None and value > 0:
            return _cmd(step, "update-node", {"node": ref, "capacity": int(value)}, 0.85)
    if _RENAME.search(m) and step.node_refs():
        return _ask(
            step,
            "I can't rename a node yet. I can change its capacity, status, inventory or "
            "location, or remove it and add one with the new name.",
            "update-node",
            0.4,
        )
    # "Mark Istanbul operational again, they fixed the furnace": "they" are people there;
    # "Raise Regina's capacity to 22,000, we signed a second contract with them": "them" is
    # in the reason, said of the town named before it
    lone = step.lone_place(city=True)
    refs = [
        r
        for r in step.node_refs()
        if not (
            m[r.start : r.end] == "they"
            and re.search(r"(?:,|\bbecause|\bsince|\bas|\bso)\s*$", m[: r.start])
        )
        and not (
            r.ref.kind == "pronoun"
            and lone is not None
            and lone.start < r.start
            and re.search(
                r"(?:,|\bbecause|\bsince|\bas)\s*(?:we|i|they|he|she)\s[^,;]*$", m[: r.start]
            )
        )
    ]
    if (
        not refs
        and lone is not None
        and not step.types()
        and not _MOVE.search(m)
        and not re.search(r"\b(?:region|industry|currency|risk)\b", m)
    ):
        refs = [lone]  # "Mark Newcastle degraded", "Bump Duisburg to 36,000 t/month"
    if len(refs) > 1 and all(r.ref.kind in ("name", "id", "place") for r in refs):
        # "Mark Modena Store offline and Brescia Supplier degraded": each its own status
        each_own = _each_with_its_status(step, m, refs)
        if each_own is not None:
            return each_own
    towns = [p for p in step.free_places() if p[2].city is not None]
    each_town = bool(
        not refs
        and len(towns) > 1
        and not step.types()
        and not _MOVE.search(m)
        and all(_TOWNS_LISTED.fullmatch(m[a[1] : b[0]]) for a, b in itertools.pairwise(towns))
    )
    if each_town:
        at_towns = [_Ref(a, b, NodeRef(step.text[a:b], "place", place=p)) for a, b, p in towns]
        said_between = any(_STATUS_RE.search(m[a[1] : b[0]]) for a, b in itertools.pairwise(towns))
        if said_between and not re.match(r"\s*(?:too|as\swell|also)\b", m[towns[-1][1] :]):
            # "mark Pune degraded, Lyon offline": each town with its own new status
            each_town = False
            each_own = _each_with_its_status(step, m, at_towns)
            if each_own is not None:
                return each_own
        else:
            # "set Lyon and Pune to degraded", "take Nagpur offline and Chennai as well",
            # "mark Pune offline, Lyon too": the same change to the node at each town
            refs = at_towns
    if re.search(r"\b(?:one|another)\s(?:more\s)?(?:in|at|near|out\sof)\s¤", m):
        return None  # "put in one in Matara, 2,500 kg": another node there, not a change
    output = _OUTPUT_STATED.search(m)
    if output is not None and len(refs) == 1 and not _QUESTION.match(m):
        # "the press in Leipzig manages about 40,000 copies a month": its size, stated
        size = _capacity(step.text[output.start() :], None)
        if size is not None:
            return _cmd(step, "update-node", {"node": refs[0].ref, "capacity": _whole(size)}, 0.8)
    verb = _UPDATE_VERB.search(m)
    asks = _QUESTION.match(m) or re.match(
        # ("Also, what's the status of Kano Supplier now?")
        r"^\W*(?:(?:also|and|so|ok|okay|then|btw|oh)\W+)*(?:what|which|how|where)(?:'s|\sis|\sare)?\b",
        m,
    )
    if asks and (verb is None or verb.group() == "now"):
        # "is Berlin Plant operational?", "what's its utilization right now?" ask, not tell
        return None
    if verb is None:
        # "mfg cap to 9.5k": the field and its new value say the change without a verb.
        verb = re.search(
            r"\b(?:cap|capacity|inventory|inv|stock|status)\s?(?:to|=|:|->)\s?(?=\w)"
            # "guadalajara wh to 18k": the node, then its new size
            r"|(?<=[§¤])(?:\s(?:" + _TYPES + r"))?\s(?:(?:up|down|back)\s)?(?:to|->|→|=)\s?(?=\d)",
            m,
        )
    state = _STATE_VERB.search(m)
    status = _first(_STATUS_RE, m)
    imperative = _STATUS_VERB.search(m)
    if imperative is not None and refs:
        status = imperative.lastgroup
        verb = imperative
    fields: dict[str, Any] = {}
    field_named = False
    # "increase the plant's capacity by 5,000", "give the plant 5,000 more": the one node of
    # that type (resolved later) is the node changed, and by how much
    changed = refs or [r for r in step.refs() if r.bare_type][:1]
    if not refs and changed and re.search(r"\d", m):
        refs = changed  # "Make the mill 24,000 bales": a size for the one mill
    relative = _RELATIVE.search(m)
    if relative is None and _GROWN_OR_CUT.match(m) and re.search(r"\d\s?%|\bper\s?cent\b", m):
        # "bump it 20%": a node grown by a share of itself, said without "by"
        relative = _GROWN_OR_CUT.match(m)
    if relative is None and re.search(r"\badd\s(?:another\s|an\sextra\s)?\d", m) and changed:
        # "add 2,000 to its capacity", "add 2k to the Rotterdam one"
        relative = _FIELD_CAPACITY.search(m) or re.search(r"\bto\s", m)
    multiplied = not _FIELD_INVENTORY.search(m) and (
        _MULTIPLIER.search(m) is not None
        or (relative is not None and re.match(r"^\W*add\s", m) is not None)
        or (relative is not None and re.search(r"\bunits\b|\bup\sby\b|\bdown\sby\b", m) is not None)
        # "give Parma 2,000 more", "Give the smaller one another 6,000": a number of more is
        # more capacity
        or (
            relative is not None and re.search(r"\b(?:another|additional|extra)\s\d", m) is not None
        )
        or (
            relative is not None
            and re.search(r"\d\s?k?\s(?:more|extra|fewer|less)\b", m) is not None
        )
        # "bump lyon by 20%", "raise Pune by 5k": a node grown or cut is its capacity; so is
        # one made bigger or smaller
        or (relative is not None and re.search(r"\b(?:bigger|larger|smaller)\b", m) is not None)
        or (
            relative is not None
            and _GROWN_OR_CUT.match(m) is not None
            and not _FIELD_UTILIZATION.search(m)
        )
    )
    if (
        relative is not None
        and changed
        and (_FIELD_CAPACITY.search(m) or _FIELD_INVENTORY.search(m) or multiplied)
    ):
        what = "capacity" if _FIELD_CAPACITY.search(m) or multiplied else "inventory"
        node = changed[0].ref
        change = _relative_change(m) if what == "capacity" else None
        if change is not None:
            # "double it", "add 2,000 to its capacity": the engine makes it exact.
            return _cmd(step, "update-node", {"node": node, change[0]: change[1]}, 0.85)
        return _ask(
            step,
            f"What should the new {what} of {node.text} be? I set exact values, e.g. "
            f'"set the {what} of {node.text} to 12,000".',
            "update-node",
        )
    if _FIELD_CAPACITY.search(m):
        field_named = True
        value = _number_after(m, _FIELD_CAPACITY)
        if value is not None:
            fields["capacity"] = _whole(value)
    if _FIELD_INVENTORY.search(m):
        field_named = True
        value = _number_after(m, _FIELD_INVENTORY)
        if value is not None:
            fields["inventory"] = _whole(value)
    if _FIELD_UTILIZATION.search(m) and (verb is not None or (state and _PERCENT_RE.search(m))):
        field_named = True
        pct = _PERCENT_RE.search(m) or re.search(
            r"\b(?P<num>\d+(?:\.\d+)?)\s(?:percentage\s)?points?\b", m
        )
        sign = -1.0 if _DOWN.search(m) else 1.0 if _UP.search(m) else 0.0
        by = pct is not None and re.search(r"\bby\s(?:another\s|an?\s)?$", m[: pct.start()])
        if pct is not None and sign and by:
            # "reduce Lyon's utilization by 10%": ten points down from what it is (a share of
            # capacity changes in points; the answer shows both values)
            value = parse_number(pct.group("num"))
            if value is not None:
                fields["utilization_delta"] = round(sign * value / 100, 4)
        elif pct is not None:
            value = parse_number(pct.group("num"))
            if value is not None:
                fields["utilization"] = round(value / 100, 4)
        else:
            value = _number_after(m, _FIELD_UTILIZATION)
            if value is not None:
                fields["utilization"] = value / 100 if value > 1 else value
    status_match = _STATUS_RE.search(m)
    named = status_match is not None and re.search(r"\bstatus\W*$", m[: status_match.start()])
    if status is not None and (verb is not None or state is not None or named):
        fields["status"] = status
    elif _FIELD_STATUS.search(m) and verb is not None:
        field_named = True
    if _MOVE.search(m):
        field_named = True
        moved_to = [
            p
            for p in step.free_places()
            if re.search(r"\b(?:to|in|into)\s+(?:the\s+)?$", m[: p[0]])
        ]
        if moved_to:
            fields["place"] = moved_to[0][2]
    if not fields and not field_named and verb is not None and refs:
        # "raise Guadalajara Plant to 14,000 units": a number of units is a capacity.
        units = re.search(
            r"\bto\s+(?P<n>[\d][\d,.]*\s?(?:k|thousand)?)\s*(?:units?)?"
            r"(?:\W*(?:please|pls|thanks|thx|asap|now|today|instead|then|again|for\snow))?\W*$"
            r"|\bup\sto\s+(?P<up>[\d][\d,.]*\s?(?:k|thousand)?)\b",
            m,
        )
        if units is not None or re.search(r"\d\s?(?:k\s)?units\b", m) or _capacity(step.text, None):
            value = _capacity(step.text, None)
            if value is None and units is not None:
                value = parse_number(units.group("n") or units.group("up"))
            if value is not None:
                fields["capacity"] = _whole(value)
    if not fields and not (field_named and verb is not None):
        if refs and re.search(r"\b(?:update|modify|edit|change|adjust)\b", m):
            node = refs[0].ref
            return _ask(
                step,
                f"What should I change about {node.text}: its capacity, status, inventory or "
                f'location? For example: "set the capacity of {node.text} to 5,000".',
                "update-node",
            )
        return None
    if not refs:
        if not (verb is not None and (fields or field_named)):
            return None
        bare = [r for r in step.refs() if r.bare_type]
        if bare and fields:
            return _cmd(step, "update-node", {"node": bare[0].ref, **fields}, 0.6)
        return _ask(step, "Which node should I update? Give its name or id.", "update-node")
    node = refs[0].ref
    if not fields:
        return _ask(
            step,
            f"What should I change about {node.text}: its capacity, status, inventory or "
            "location? For example: "
            f'"set the capacity of {node.text} to 5,000".',
            "update-node",
        )
    if verb is None and not fields.get("status") and "utilization" not in fields:
        # "Chicago DC: capacity 20,000" states a value; anything else without a verb is not
        # an update.
        # The node may be any reference ("the NYC store has only 300 units left").
        subject = m[: refs[0].start] + "§" + m[refs[0].end :]
        if not (
            ("capacity" in fields or "inventory" in fields)
            and re.match(
                # "cap Chicago DC 25k": a field, the node and the value, in an ops shorthand.
                r"^\W*(?:(?:capacity|cap|inventory|inv|stock)\s+(?:of\s+|for\s+|at\s+)?(?:the\s)?§+"
                r"\s*(?::|=|->|→|to|at|is)?\s*\d"
                r"|(?:the\s)?§+(?:'s)?\s*(?:capacity|cap|inventory|inv|stock)\s*\d"
                # "Limerick is capped at 4000 from next month": the new limit, stated
                r"|(?:the\s)?§+\s(?:is|are|will\sbe|gets|got)\s(?:now\s)?(?:capped|limited)\s(?:at|to)\s\d"
                r"|(?:the\s)?(?:§+|it|they|that|this(?:\sone)?)(?:'s)?\s*"
                r"(?:(?:capacity|inventory|stock)\s*)?(?::|-|,|=|→|now|has|have|holds?"
                r"|is\sat|should\s(?:have|hold|be)|needs?|gets?|will\s(?:have|hold)))",
                subject,
            )
        ):
            return None
        return _cmd(step, "update-node", {"node": node, **fields}, 0.75)
    listed = refs if each_town else _listed(step, refs)
    return [c for r in listed for c in _cmd(step, "update-node", {"node": r.ref, **fields}, 0.9)]


def _each_with_its_status(step: _Step, m: str, refs: list[_Ref]) -> list[Command] | None:
    """One status change per node when each is said with its own status right after it, the
    nodes listed one after another ("A offline and B degraded"); None otherwise."""
    own = [_STATUS_AFTER_TOWN.match(m, r.end) for r in refs]
    between = [m[a.end : b.start] for a, b in itertools.pairwise(refs)]
    if not all(own) or not all(_TOWNS_LISTED.fullmatch(gap) for gap in between):
        return None
    return [
        c
        for r, said in zip(refs, own, strict=True)
        if said is not None
        for c in _cmd(
            step,
            "update-node",
            {"node": r.ref, "status": _first(_STATUS_RE, said.group("status"))},
            0.85,
        )
    ]


_STATUS_AFTER_TOWN = re.compile(
    r"\s*(?:(?:to|is|as)\s+)?(?P<status>degraded|offline|disrupted|down|operational|online)\b"
)
# between towns said as one list: "Lyon and Pune", "Pune offline, Lyon", "A, B and C"
_TOWNS_LISTED = re.compile(
    r"\s*(?:(?:degraded|offline|disrupted|down|operational|online)\s*)?(?:,\s*and|,|and|&|plus"
    r"|as\swell\sas)\s*"
)


def _number_after(m: str, field_re: re.Pattern[str]) -> float | None:
    match = field_re.search(m)
    assert match is not None
    rest = m[match.end() :]
    # "increase the capacity of Berlin Plant to 15,000": the value follows "to"/"at"/":".
    number = re.search(rf"(?:\bto\b|\bat\b|=|:|\bof\b|\bis\b|\bbe\b)?\s*(?P<n>{_NUMBER})", rest)
    while number is not None:
        value = parse_number(number.group("n"))
        # ("set sorocaba capacity 20%": a share is no amount of units; the rule asks)
        share = field_re is not _FIELD_UTILIZATION and re.match(
            r"\s?(?:%|per\s?cent\b|pct\b)", rest[number.end() :]
        )
        if value is not None and not share and number.group("n").lower() not in ("a", "an"):
            return value
        number = re.search(rf"(?<![\w.])(?P<n>{_NUMBER})", rest[number.end() :])
    # "300 units left in stock", "5k units of inventory": the number before the field word.
    before = re.findall(
        rf"(?<![\w.])({_DIGITS}\s?k?)\s+(?:units?\s+|items?\s+|pallets?\s+)?"
        r"(?:(?:left|remaining|of)\s+)?(?:in\s+|on\s+)?$",
        m[: match.start()],
    )
    if before:
        return parse_number(before[-1])
    # "bump its capacity to 9k" and "set Acme's capacity to 2500 units" are covered above;
    # a number before the field word ("a 5,000 unit capacity") is the last resort.
    return None


def _rule_status_statement(step: _Step, m: str) -> _Outcome:
    """ "Berlin Plant back to normal": a node and its new status, nothing else ("Kisii
    degraded": the user's node in that town)."""
    refs = step.node_refs()
    if not refs:
        there = step.lone_place(city=True)
        refs = [there] if there is not None else []
    match = _STATUS_RE.search(m)
    if len(refs) != 1 or match is None or match.lastgroup is None or _QUESTION.match(m):
        return None
    after = m[match.end() :]
    reason = re.search(r"\s*(?:[-–—,;:(]|\bbecause\b|\bdue\sto\b|\bafter\b|\bsince\b)", after)
    if reason is not None:
        after = after[: reason.start()]  # "atlanta wh degraded, forklift down": the why
    if not re.sub(
        r"[\W§¤]|\b(?:the|is|now)\b", "", m[refs[0].end : match.start()]
    ) and not re.match(r"\s+or\b", after):
        # "madison wharehouse degraded forklifts down til fri": the node, its status right
        # after it, then why, without a comma
        after = ""
    rest = m[: refs[0].start] + m[refs[0].end : match.start()] + after
    # "Berlin Plant -> degraded" and "Berlin Plant: offline" say it with an arrow or a colon.
    # "berlin plant fixed, operational again": words of repair may come with it.
    if re.fullmatch(
        r"\W*(?:(?:the|is|now|again|already|just|so|and|ok|fully|fixed|repaired|sorted|still"
        r"|finally|back|to)\b\W*)*",
        rest,
    ):
        return _cmd(step, "update-node", {"node": refs[0].ref, "status": match.lastgroup}, 0.75)
    return None
