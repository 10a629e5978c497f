"""Cleaning a message before it is read: whitespace, quotes and dashes normalised, then
keyword typos corrected ("suplier", "warehose", "anomolies").

A word of five letters or more one edit (Damerau) away from exactly one keyword of
:mod:`.vocabulary` is corrected to it, unless it is another form of a known word ("planes",
"stored") or part of a place or of one of the user's node names.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence

from .. import gazetteer
from .courtesy import without_emoticons, without_particles
from .gates import Rewrites
from .learner import LEARNER_REWRITES, in_english_order, towns_before_postpositions
from .names import _damerau_at_most_one, _find_names, _Names
from .tables import read_sql, read_tables
from .vocabulary import _CORRECTABLE, _DEMONYM_BEFORE_TYPE, _DEMONYMS, _TYPE_RE, _TYPES, _VOCAB


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_deletes() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for word in _CORRECTABLE:
        for variant in _deletes(word) | {word}:
            table.setdefault(variant, set()).add(word)
    return table


_DELETES = _build_deletes()
# Long keywords take two edits ("bottlnek" is bottleneck): every way of deleting two letters.
_LONG = 8
# Only words with no English neighbour two edits away ("connection" has "correction",
# "currency" has "currently").
_TWO_EDIT_TARGETS = frozenset(
    [
        "bottleneck",
        "bottlenecks",
        "utilization",
        "utilisation",
        "anomalies",
        "distribution",
        "distributor",
        "distributors",
        "manufacturer",
        "manufacturers",
        "manufacturing",
        "warehouse",
        "warehouses",
        "vulnerabilities",
        "vulnerability",
        "pharmaceuticals",
        "pharmaceutical",
        "transportation",
        "simulation",
        "simulations",
        "geopolitical",
        "earthquake",
        "disconnect",
        "inventory",
        "overloaded",
    ]
)
_DELETES_TWICE: dict[str, set[str]] = {}
for _word in (w for w in _CORRECTABLE if w in _TWO_EDIT_TARGETS):
    for _once in _deletes(_word) | {_word}:
        for _twice in _deletes(_once) | {_once}:
            _DELETES_TWICE.setdefault(_twice, set()).add(_word)


def _damerau(a: str, b: str) -> int:
    """The optimal-string-alignment distance between two short words."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _two_edits(low: str) -> str | None:
    """The one long keyword two edits from ``low`` with its first letter, else None."""
    if len(low) < _LONG:
        return None
    candidates: set[str] = set()
    for once in _deletes(low) | {low}:
        for twice in _deletes(once) | {once}:
            candidates |= _DELETES_TWICE.get(twice, set())
    # a typo of a long word drops or swaps letters more than it adds them
    hits = {
        c for c in candidates if c[0] == low[0] and len(low) <= len(c) and _damerau(low, c) <= 2
    }
    hits = {c for c in hits if not _inflection(low, c)}
    return hits.pop() if len(hits) == 1 else None


def _inflection(word: str, keyword: str) -> bool:
    """Whether ``word`` looks like another form of ``keyword`` rather than a typo of it
    ("supplied"/"supplier", "names"/"named", "updates"/"update")."""
    if word[-1] not in "sd":
        return False
    if len(word) == len(keyword):
        return word[:-1] == keyword[:-1]
    return word[:-1] == keyword


_INFLECTIONS = (("s", ""), ("es", ""), ("ed", ""), ("d", ""), ("ing", ""), ("ing", "e"))


def _correct_word(word: str) -> str | None:
    """The keyword ``word`` is a typo of, or None (unknown, known, or ambiguous)."""
    low = word.lower()
    if len(low) < 5 or low in _VOCAB or not low.isalpha():
        return None
    for suffix, restore in _INFLECTIONS:
        # "planes", "places", "stored": another form of a known word, not a typo.
        if low.endswith(suffix) and low[: -len(suffix)] + restore in _VOCAB:
            return None
    candidates: set[str] = set()
    for variant in _deletes(low) | {low}:
        candidates |= _DELETES.get(variant, set())
    hits = sorted(c for c in candidates if _damerau_at_most_one(low, c) and not _inflection(low, c))
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        # Prefer the candidate with the same first letter and length ("warehose" -> warehouse).
        same = [h for h in hits if h[0] == low[0] and abs(len(h) - len(low)) <= 1]
        if len(same) > 1:
            # "retailr": retailer (same last letter) rather than retail.
            same = [h for h in same if h[-1] == low[-1]]
        return same[0] if len(same) == 1 else None
    return _two_edits(low) or _letters_left_out(low)


# node types typed fast, letters left out ("supplr", "retailr", "warehse", "distributr")
_SHORTENED_TYPES = ("supplier", "warehouse", "manufacturer", "distributor", "retailer", "factory")


def _letters_left_out(low: str) -> str | None:
    """The one node type ``low`` is written as with letters left out: its first two letters
    and its last, the rest in order, and most of its length; else None."""
    hits = [
        word
        for word in _SHORTENED_TYPES
        if low[:2] == word[:2]
        and low[-1] == word[-1]
        and len(low) >= 0.7 * len(word)
        and len(low) < len(word)
        and _in_order(low, word)
    ]
    return hits[0] if len(hits) == 1 else None


def _in_order(short: str, word: str) -> bool:
    letters = iter(word)
    return all(char in letters for char in short)


_WS = re.compile(r"[ \t\u00a0]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


# Emoji and pictographs (with their joiners, variation selectors and skin tones).
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u2300-\u23ff\ufe0f\u200d"
    "\u20e3]+(?:\\s*[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]+)*"
)


def _without_emoji(text: str) -> str:
    """An emoji after words ends their sentence ("add a supplier in Shenzhen 🚀 and a ..."
    reads "... Shenzhen. and a ..."); elsewhere it is only dropped. Arrows stay: they link."""

    def replace(match: re.Match[str]) -> str:
        arrow = match.group().replace("\ufe0f", "").strip()
        if arrow in ("→", "⇒", "➡", "⟶"):
            return " -> "  # "LA warehouse ➡️ Austin store"
        if arrow == "↔":
            return " <-> "
        before = text[: match.start()].rstrip()
        return ". " if before and before[-1].isalnum() else " "

    return _EMOJI.sub(replace, text)


# Punctuation said aloud, as dictation software leaves it ("... fifteen thousand units full
# stop connect rotterdam to it"); "a period of two weeks" is a period.
_SPOKEN_PUNCTUATION = (
    (re.compile(r"\s+comma\b", re.IGNORECASE), ","),
    (re.compile(r"\s+semicolon\b", re.IGNORECASE), ";"),
    (re.compile(r"\s+question\s+mark\b", re.IGNORECASE), "?"),
    (re.compile(r"\s+exclamation\s+(?:mark|point)\b", re.IGNORECASE), "!"),
    (re.compile(r"\s+new\s+(?:line|paragraph)\b", re.IGNORECASE), "\n"),
    (
        re.compile(
            r"(?<!\ba)(?<!\bthe)(?<!\bthat)(?<!\bthis)(?<!\bsame)(?<!\bgrace)\s+(?:full\s+stop"
            r"|period)\b(?!\s+(?:of|for|when|where|in|during)\b)",
            re.IGNORECASE,
        ),
        ".",
    ),
)


# Courtesy around a request, said the long way ("I wonder, would you be so kind as to tell
# me which ...", "Would you mind undoing that?", "..., if that's alright."): the request is
# what is left. A gerund after "mind" is the verb ("undoing" -> "undo").
_WRAPPER = re.compile(
    r"(?:(?<=^)|(?<=[.!?;]\s)|(?<=\n))[^\w]*"
    r"(?:(?:i\swonder(?:ed)?|i\swas\swondering|i\sam\swondering|i'?m\swondering)(?:\s(?:if|whether))?"
    r"[\s,]+)?"
    r"(?:(?:would|could|can|will|might)\s(?:you|u)\s(?:please\s|kindly\s|possibly\s|perhaps\s|maybe"
    r"\s|also\s)*(?:be\s(?:so\s)?kind\s(?:enough\s)?(?:as\s)?to\s|be\sable\sto\s|mind\s)"
    r"|(?:would|is)\sit\sbe\spossible\s(?:for\syou\s)?to\s|is\sit\spossible\s(?:for\syou\s)?to\s"
    r"|might\si\s(?:also\s)?ask\syou\sto\s|may\si\s(?:also\s)?ask\syou\sto\s"
    r"|do\syou\sthink\syou\scould\s|i'?d\sbe\sgrateful\sif\syou\scould\s"
    # the formal letter: "I should be obliged if you would first record ...", "Would you be
    # good enough to explain ..."
    r"|i\s(?:should|would|shall)\sbe\s(?:most\s|very\s|much\s)?(?:obliged|grateful|glad)\sif\syou"
    r"\s(?:would|could|will|can)\s(?:kindly\s|please\s)?|(?:would|will|could)\syou\sbe\sgood\senough"
    r"\sto\s|(?:would|will|could)\syou\skindly\s|i\sshould\slike\sto\sknow\s)"
    r"(?P<verb>(?:also\s)?[a-z]+ing\b)?",
    re.IGNORECASE,
)
_COURTESY_TAIL = re.compile(
    r",?\s*(?:if\s(?:that'?s|it'?s|that\sis|it\sis)\s(?:alright|all\sright|ok|okay|possible|fine"
    r"|not\stoo\smuch\s(?:trouble|bother))|if\syou\s(?:don'?t|do\snot)\smind|if\syou\splease"
    r"|if\s(?:it|that)\s(?:isn'?t|is\snot|wouldn'?t\sbe|would\snot\sbe)\stoo\smuch\s(?:trouble|bother"
    r"|to\sask)"
    r"|if\spossible|when\syou\s(?:get|have)\sa\s(?:chance|moment|minute)|while\syou'?re\sat\sit)"
    r"(?=\s*(?:[.!?;,]|$))",
    re.IGNORECASE,
)
_TELL_ME = re.compile(
    r"(?:(?<=^)|(?<=[.!?;,]\s))(?:(?:could|can|would|will)\syou\s(?:also\s|please\s|kindly\s)*)?"
    r"(?:please\s)?(?:tell|show|let)\s(?:me|us)\s(?:know\s)?"
    r"(?=(?:which|what|where|how|who|if|whether)\b)",
    re.IGNORECASE,
)
_GERUNDS = {
    "undoing": "undo",
    "redoing": "redo",
    "adding": "add",
    "removing": "remove",
    "deleting": "delete",
    "connecting": "connect",
    "linking": "link",
    "marking": "mark",
    "setting": "set",
    "running": "run",
    "showing": "show",
    "telling": "tell",
    "listing": "list",
    "creating": "create",
    "changing": "change",
    "renaming": "rename",
    "updating": "update",
    "checking": "check",
    "making": "make",
    "putting": "put",
    "giving": "give",
    "simulating": "simulate",
    "comparing": "compare",
    "explaining": "explain",
    "switching": "switch",
    "moving": "move",
    "reverting": "revert",
    "disconnecting": "disconnect",
}


def _unwrapped(text: str) -> str:
    """``text`` without courtesy wrappers around its requests."""

    def verb(match: re.Match[str]) -> str:
        said = match.group("verb")
        if not said:
            return ""
        also = "also " if said.lower().startswith("also ") else ""
        word = said[len(also) :]
        return also + _GERUNDS.get(word.lower(), word)

    text = _WRAPPER.sub(verb, text)
    text = _COURTESY_TAIL.sub("", text)
    return _TELL_ME.sub("", text)


# "heyyy", "sooo", "pleeease": a letter held for emphasis (three or more), said once
_HELD_LETTER = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)
# "80.000 stems", "200.000": thousands written the European way (never a decimal with three
# places in this domain)
_EUROPEAN_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:\.\d{3})+)(?![\d.,]*\d)")


# "the plant from before", "the supplier from earlier": the one already talked about
_FROM_BEFORE = re.compile(
    r"\s(?:from|of)\s(?:before|earlier|last\stime|the\sstart)\b", re.IGNORECASE
)


# "What's our total capacity, and how much of it is in Germany?": the capacity there
_HOW_MUCH_OF_IT = re.compile(
    r"\bhow\smuch\sof\s(?:it|that|this|those|them|the\stotal)\s(?:is|sits|are|lies|comes)\s(?=in\s|at\s)",
    re.IGNORECASE,
)
# "- Fresno back to operational", "Kotka back online": a status said without a verb
_BACK_TO = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*•]\s+|\d+[.)]\s+)?)"
    r"(?!(?:We|I|It|They|Things|Everything|All|That|This)\b)"
    r"(?P<node>[A-Z][\w'-]*(?:\s[A-Z][\w'-]*){0,3}"
    r"(?:\s(?:plant|warehouse|wh|dc|store|supplier|hub))?)\s+(?:is\s+)?back\s+(?:to\s+)?"
    r"(?:normal|operational|online|up|running)\b",
    re.MULTILINE,
)
# "add that too, with a link from the bakery": the new node's link, said as a noun
_WITH_A_LINK = re.compile(
    r",?\s+(?:with|and)\s+(?:a|an|the)\s+(?:link|connection|lane|route|feed)\s+(?P<dir>from|to)\s+",
    re.IGNORECASE,
)


_KIND_OF_SHORTHAND = {
    "stores": "store",
    "shops": "store",
    "warehouses": "warehouse",
    "whs": "warehouse",
    "dcs": "distribution center",
    "suppliers": "supplier",
    "sups": "supplier",
    "plants": "plant",
    "factories": "plant",
}
_SIZED_ITEM = re.compile(
    r"(?P<town>[a-z][a-z'-]*(?:\s[a-z][a-z'-]*){0,2})\s+(?P<size>\d[\d.,]*\s?k?)", re.I
)


def _one_of_kind(kind: str) -> str:
    """ "suppliers" -> "supplier", "factories" -> "factory": the kind said of one node."""
    if kind.lower().endswith("ies"):
        return kind[:-3] + "y"
    return kind[:-1] if kind.lower().endswith("s") else kind


def _sized_towns(match: re.Match[str]) -> str:
    """ "stores wichita 4k & little rock 3k": each town with its size."""
    items = [(i["town"], i["size"]) for i in _SIZED_ITEM.finditer(match["items"])]
    return _adds_at_towns(match, items)


def _counted_towns(match: re.Match[str]) -> str:
    """ "2 stores, amsterdam + rotterdam": the towns alone."""
    items = [(i, "") for i in re.split(r"\s*(?:&|,|\+|\band\b)\s*", match["items"]) if i]
    return _adds_at_towns(match, items)


def _adds_at_towns(match: re.Match[str], items: Sequence[tuple[str, str]]) -> str:
    """One add of the kind ``match`` names per (town, size) item, when every item is a town;
    else the words as said."""
    kind = _KIND_OF_SHORTHAND[match["kind"].lower()]
    towns = [gazetteer.lookup(town) for town, _size in items]
    if len(items) < 2 or any(t is None or t.city is None for t in towns):
        return match.group()
    return ", and ".join(
        f"a {kind} in {t.city}" + (f", {size}" if size else "")
        for (_town, size), t in zip(items, towns, strict=True)
        if t
    )


# Phrasings said again in the words the rules read, in this order (each rewrite may feed the next)
# who is made to ship, in "have X ship ...": a node's name, or its town and kind
_HAVE_SUBJECT = r"((?:the\s+|our\s+)?[A-Z][\w'-]*(?:\s(?:[A-Z][\w'-]*|(?i:" + _TYPES + r")))?)"
_PHRASING_TABLE: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    *LEARNER_REWRITES,
    # "we have two suppliers, they are small farmers groups. One is in Kisii, ...": who they
    # are, said between the count and the places, is background
    (
        re.compile(
            r"(?P<count>\b(?:two|three|four|five|six|[2-6])\s(?:[a-z]+\s)?(?i:" + _TYPES + r"))"
            r"\s*,\s*(?:they|these|those)\s(?:are|'re)\s(?:all\s)?(?:[\w-]+\s){0,4}?[\w-]+(?=\s*\.)",
            re.I,
        ),
        r"\g<count>",
    ),
    # "one more warehouse in Lviv for export in Poland": where the goods go next, not a
    # second place of the site
    (
        re.compile(
            r"\b(for\s(?:the\s)?exports?)\s(?:to|in|into|towards)\s[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?"
        ),
        r"\1",
    ),
    # "2nd sup toluca 8k -> plant too": a second supplier, new (a town and a size follow)
    (
        re.compile(
            r"^(?P<lead>\W*)(?:2nd|second|3rd|third)\s(?=(?:sup|supp|wh|dc|mfg|plant|store"
            r"|supplier|warehouse)\s+[a-z][\w'-]+(?:\s[a-z][\w'-]+)?\s+\d)",
            re.I | re.M,
        ),
        r"\g<lead>",
    ),
    # ("... -> plant too": the arrow's end, then a word that only says "as well")
    (re.compile(r"(->\s*[\w' -]+?)\s+(?:too|as\swell|also)\s*$", re.I | re.M), r"\1"),
    (
        re.compile(r"\b(could|would|can|will)\s+you\s+(?:possibly|perhaps|maybe)\s+", re.I),
        r"\1 you ",
    ),
    # "Could you possibly add all of those for me?": those
    (
        re.compile(r"\b(add|include|enter|create)\s+all\s+(?:of\s+)?(those|these|them)\b", re.I),
        r"\1 \2",
    ),
    # "What if Schiphol closes for 4 days?": an airport or port known by its own name is a
    # port to close (where it is, the gazetteer knows)
    (
        re.compile(
            r"(?<!\bport\sof\s)(?<!\bthe\s)\b(?P<hub>Schiphol|Heathrow|Gatwick|Changi|Narita|Haneda"
            r"|O'Hare|Jebel\sAli|Yantian|Tanjung\sPelepas|Maasvlakte|Felixstowe|Laem\sChabang)"
            r"(?=\s+(?:closes|closed|shuts|is\sclosed|is\sshut|goes\sdown|stops))",
            re.I,
        ),
        r"the port of \g<hub>",
    ),
    # "If the road from Jimma is closed for two weeks, what happens to our export?": the town
    # cut off (a what-if), not its node marked offline
    (
        re.compile(
            r"\bthe\s(?:main\s)?(?:road|roads|route|bridge|highway|rail\s?line|railway|pass)\s(?:from|to|out\sof"
            r"|into)\s(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s(?:is|are|gets?|will\sbe)\s(?:closed?|blocked"
            r"|cut|shut|washed\sout)\b"
        ),
        r"\g<town> is cut off",
    ),
    # "What would a two-week outage at Eldoret Supplier do to our throughput?": a what-if
    (
        re.compile(
            r"\bwhat\s(?:would|will|could|might)\s(?:an?\s)?(?:(?P<n>one|two|three|four|five|six|\d+)[\s-]"
            r"(?P<unit>day|week|month)\s)?(?:outage|failure|shutdown|stoppage|closure|strike)\s(?:at|of|in)\s"
            r"(?P<x>[^?.!]+?)\s(?:do|mean)\s(?:to|for)\b[^?.!]*",
            re.I,
        ),
        lambda m: f"what if {m['x']} fails" + (f" for {m['n']} {m['unit']}s" if m["n"] else ""),
    ),
    # "what does the bigger of the two suppliers feed?": the bigger supplier
    (
        re.compile(
            r"\bthe\s(?P<adj>bigger|larger|smaller|busier|biggest|largest|smallest|busiest)\s(?:one\s)?of"
            r"\s(?:the|our|those|these)\s(?:two|both|three|\d)\s(?P<kind>(?i:" + _TYPES + r"))\b",
            re.I,
        ),
        lambda m: f"the {m['adj']} {_one_of_kind(m['kind'])}",
    ),
    # "tell me which currency we are set to": the question in its own order
    (
        re.compile(
            r"\b(?P<wh>which|what)\s(?P<what>currency|region|industry|risk\s(?:profile|tolerance|appetite))"
            r"\s(?P<who>we|i)\s(?P<be>are|am|'re)\s",
            re.I,
        ),
        r"\g<wh> \g<what> \g<be> \g<who> ",
    ),
    # "12 thousands tons" (a learner's plural): twelve thousand
    (re.compile(r"(?<=\d)\s+(thousand|million|hundred)s\b", re.I), r" \1"),
    # "3. Plant (our winery) in Stellenbosch": the user's word for it, in brackets after ours
    (
        re.compile(
            r"(?P<kind>\b(?i:" + _TYPES + r"))\s*\((?:our|my|the)\s[\w'-]+(?:\s[\w'-]+)?\)"
            r"(?=\s+(?:in|at|near)\s)",
            re.I,
        ),
        r"\g<kind>",
    ),
    # "supplied from that same warehouse": that warehouse
    (
        re.compile(r"\b(?:that|this|the)\ssame\s(?=(?i:" + _TYPES + r")\b)", re.I),
        "that ",
    ),
    # "Call Ibadan Warehouse 'WH-West-1' and the Abuja one 'WH-North-1'": the second new name
    # is said as the first
    (
        re.compile(
            r"^(?P<first>\W*(?P<verb>call|rename|name)\s[^'\"‘“\n]+?\s(?:to\s|as\s)?['\"‘“][^'\"’”\n]+"
            r"['\"’”]\s+and\s+)(?=(?:the\s+)?[\w'-]+(?:\s[\w'-]+){0,2}?\s+['\"‘“])",
            re.I | re.M,
        ),
        r"\g<first>\g<verb> ",
    ),
    # "- supplier Coimbatore, yarn, 25,000 kg/month": what it sends, said between the town
    # and the size
    (
        re.compile(
            r"(?P<head>\b(?i:"
            + _TYPES
            + r")\s+[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?),\s*[a-z][a-z-]{2,15}"
            r",\s*(?=(?:about\s|around\s|~)?\d)"
        ),
        r"\g<head>, ",
    ),
    # ("We have two suppliers for textile, one is in Liberec ...": what they are for)
    (
        re.compile(
            r"(?P<count>\b(?:two|three|four|five|six|[2-6])\s(?:[a-z]+\s)?(?i:" + _TYPES + r"))"
            r"\s+for\s+(?:the\s+|our\s+)?[a-z]+(?:\s[a-z]+)?(?=\s*,\s*(?:one|the\sfirst)\b)",
            re.I,
        ),
        r"\g<count>",
    ),
    # "one in Kisii, they are bringing 12,000 kilo per month, and one in Nyeri": the size of
    # the one just said
    (
        re.compile(
            r"(?<=[A-Za-z]),\s*(?:they|it|he|she)\s(?:are\s|is\s)?(?:bring|bringing|brings|send|sending"
            r"|sends|deliver|delivering|delivers|supply|supplying|supplies|produce|producing|produces"
            r"|make|making|makes|give|gives|giving)\s(?:about\s|around\s|like\s|roughly\s)?"
            r"(?=\d[\d,.]*\s?k?(?:\s[a-z]+){0,3}\s*(?:[,.;]|$|\band\b))",
            re.I | re.M,
        ),
        ", ",
    ),
    # "The raw paprika we buy from two farmer cooperatives: one in Kecskemét, ...": what comes
    # from two suppliers (said so, the list after it reads as the sites, not as a link)
    (
        re.compile(
            r"\b(?:(?:we|i)\s+)?(?:buy|buys|bought|purchase|purchases|source|sources|get|take|taking)\s"
            r"(?:[a-z]+\s){0,3}?from\s(?P<n>two|three|four|2|3|4)\s(?:[a-z-]+\s){0,2}?[a-z-]+"
            r"(?=\s*[:,]\s*(?:one|the\sfirst)\s|\s*,\s*(?:please\s)?(?:add|put|make)\s(?:them|these|those)\b)",
            re.IGNORECASE,
        ),
        lambda m: m.group() if _TYPE_RE.search(m.group()) else f"comes from {m['n']} suppliers",
    ),
    # ("... from two suppliers: one in Kecskemét, ...": the list said after a colon, as after a
    # comma; "there every week": where, then how often)
    (
        re.compile(
            r"(\bfrom\s(?:two|three|four|2|3|4)\s(?:[a-z-]+\s){0,2}?[a-z-]+s)\s*:\s*(?=(?:one|the\sfirst)\s)",
            re.I,
        ),
        r"\1, ",
    ),
    # "We buy from a farmer co-op in Buon Ma Thuot, 6,000 tons a month": what the user buys
    # from is a supplier, whatever they call it
    (
        re.compile(
            r"\b(?P<verb>(?:buy|buys|bought|purchase|purchases|source|sources)\s(?:[a-z]+\s){0,3}?from\s"
            r"(?:a|an|one)\s)(?P<what>(?:[a-z][\w'-]*\s){0,2}[a-z][\w'-]*)(?=\s+(?:in|at|near)\s+[A-Z])",
            re.IGNORECASE,
        ),
        lambda m: m.group() if _TYPE_RE.search(m["what"]) else f"{m['verb']}supplier",
    ),
    # "Run an anomaly scan to close it out": to end the session, not to close a node
    (
        re.compile(
            r",?\s+(?:to|and)\s(?:close|wrap|round|finish|top)\s(?:it|this|things|us|the\s(?:audit|review"
            r"|session|day|meeting))\s(?:out|up|off)\b(?=\s*[.!?]?\s*$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "Can both of them be added as suppliers that send to the factory?": the request said in
    # the passive; "that send to ..." is their link
    (
        re.compile(
            r"\b(?:can|could|would|should)\s(?:both\s(?:of\s)?|all\s(?:of\s)?)?(?P<np>them|those|these|they"
            r"|both)\s(?:both\s|all\s)?be\s(?:added|entered|put\sin|set\sup|modell?ed)\sas\s"
            r"(?P<type>[\w-]+)(?:\s(?:that|which|who)\s(?P<verb>send|ship|deliver|supply|feed)\s)?",
            re.IGNORECASE,
        ),
        lambda m: (
            f"add {m['np'] if m['np'].lower() != 'they' else 'them'} as {m['type']}"
            + (f" and they {m['verb']} " if m["verb"] else "")
        ),
    ),
    # "anything risky about how it's set up?": the network, not a node
    (
        re.compile(
            r"\bhow\s(?:it'?s|it\sis|it\swas|everything'?s|everything\sis|things\sare)\s(?:all\s)?"
            r"(?:set\sup|built|organi[sz]ed|structured|laid\sout|wired(?:\sup)?)\b",
            re.IGNORECASE,
        ),
        "the network",
    ),
    # "Keep the backup, but bump Shizuoka to 14,000.": what stays as it is, then the change
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?]\s))(?:(?:ok|okay|so|fine|right)\W+)?(?:let'?s\s)?keep\s(?:the|our|my|that|this"
            r"|both|them|it)\b[^,.;!?]{0,40},\s*but\s+(?=[a-z])",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "Pune signed a new contract too, capacity 14,000.": what changed, then the new size
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<ref>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,2})\s(?:has\s|have\s|just\s)*"
            r"(?:signed|renegotiated|expanded|upgraded|added|installed|bought|built|extended|opened)"
            r"\b[^,.;!?\n]*,\s*(?:(?:so|and)\s)?(?:its\s|the\s|new\s)*(?:capacity|cap|size)\s(?:is\s|of\s|now\s"
            r"|should\sbe\s|to\s|goes\sto\s)*(?P<n>\d[\d,.]*(?:\s?k\b)?)",
            re.MULTILINE,
        ),
        r"set the capacity of \g<ref> to \g<n>",
    ),
    # "and a salmon farm in Trondheim as a supplier, 6,000 t": the site, as the kind it is
    (
        re.compile(
            r"\b(?:an?|our|one)\s(?:(?!(?:in|at)\b)[\w'-]+\s){1,3}?(?:in|at)\s(?P<town>[A-Z][\w'-]+"
            r"(?:\s[A-Z][\w'-]+)?)\s+as\s+(?:an?\s|our\s)?(?P<kind>" + _TYPES + r")\b",
            re.IGNORECASE,
        ),
        r"a \g<kind> in \g<town>",
    ),
    # "Hmm, I changed my mind on that link. Disconnect ...": the remark before the change
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?]\s))(?:(?:hmm+|ok|okay|so|actually|right)\W+)*i(?:'ve|\shave)?\s(?:just\s)?"
            r"(?:changed|change)\smy\smind(?:\s(?:on|about)\s[^.!?\n]{1,30})?[.!]\s+(?=\S)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "We've approved the capex to expand Calgary by 50%. Please reflect that.": the change
    (
        re.compile(
            r"\b(?:we'?ve|we\shave|we|i'?ve|i\shave|the\sboard\s(?:has\s)?)\s(?:just\s)?(?:approved|signed\soff|agreed"
            r"|decided|got\s(?:the\s)?(?:budget|approval))(?:\s(?:on\s)?(?:the\s|a\s)?[\w-]+(?:\s[\w-]+)?)??\s(?:to|for)\s"
            r"(?=(?:expand|grow|increase|raise|cut|reduce|lower|double|halve|shrink|close|remove|add)\b)",
            re.IGNORECASE,
        ),
        "",
    ),
    # "Last one for the file: list all sites ...": the label, then the request
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?]\s))(?:(?:ok|okay|and|so)\W+)?(?:the\s)?(?:(?:last|final|one\smore|another)\s"
            r"(?:one|thing|question|item|request|check|ask)|quick\s(?:check|question|one|note))"
            r"(?:\s(?:for|from|about|before|on)\s[^:\n]{1,30})?\s*:\s*(?=\S)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "For the audit file: list every supplier ...": who it is for, then the request
    (
        re.compile(
            r"^\W*(?:for|re)\s(?:the|our|my|this)\s(?:[\w-]+\s){0,3}?(?:file|record|records|report|audit"
            r"|board|deck|pack|meeting|review|minutes|team)\s*:\s*(?=\S)",
            re.IGNORECASE,
        ),
        "",
    ),
    # "Please add it, with coffee going from the roastery in Galway to it.", "Could you add it,
    # with the coffee going there from the roastery?": its link
    (
        re.compile(
            r",?\s+with\s+(?:the\s+|our\s+)?(?:[\w-]+\s+){0,2}?(?:going|coming|shipped|sent|flowing|moving)"
            r"\s+(?:from\s+(?P<source>[^,.!?;\n]{2,40}?)\s+(?:to|into)\s+(?P<target>it|there|them)\b"
            r"|(?:(?:over\s+)?(?:to\s+)?there|to\s+it)\s+from\s+(?P<source2>[^,.!?;\n]{2,40}?)"
            r"(?=\s*(?:[,.!?;]|$)))",
            re.IGNORECASE,
        ),
        lambda m: f", and connect {m['source'] or m['source2']} to {m['target'] or 'it'}",
    ),
    # "two little shops of our own, one in Bath and one in Swansea": whose they are
    (
        re.compile(
            r"(?<=[a-z])\s+of\s+(?:our|my)\s+(?:very\s+)?own\b(?=\s*[,:;.]|\s+(?:in|at)\b)", re.I
        ),
        "",
    ),
    # "The oils we use come from a company in Mombasa": a company the goods come from supplies
    (
        re.compile(
            r"\b(comes?|coming|came)\s+from\s+(?:a|an|one)\s+(?:(?:local|small|little|big|family|"
            r"trading)\s+)?(?:company|firm|business|outfit|partner|vendor)\s+(?=(?:in|at|near|based"
            r"|out\s+of|outside)\b)",
            re.IGNORECASE,
        ),
        r"\1 from a supplier ",
    ),
    # "Brisbane feeds the second warehouse, and that one feeds the last one": two links, the
    # second from the node the first one reached
    (
        re.compile(
            r",?\s+and\s+(?=(?:that\s+one|this\s+one|that|it|the\s+latter)\s+(?:then\s+)?(?:feeds|supplies"
            r"|ships\s+to|sends\s+to|serves|delivers\s+to|stocks)\b)",
            re.IGNORECASE,
        ),
        ". ",
    ),
    # "How much can that last one hold?": the last one
    (re.compile(r"\bthat\s+(last|first|second|third)\s+one\b", re.IGNORECASE), r"the \1 one"),
    # "Procurement is signing a backup supplier in Regina, ...": a new one, said (asked, it is
    # advice: "Should we get a backup supplier in Regina?")
    (
        re.compile(
            r"\b(a|an|one)\s+back-?up\s+(?=(?:suppliers?|vendors?|sources?)\s+(?:in|at|near)\s[^?\n]*(?:[.!\n]|$))",
            re.IGNORECASE,
        ),
        r"\1 new ",
    ),
    # "Our factory where the tea is dried and packed is in Nakuru": what is done there, said
    # between the site and its town
    (
        re.compile(
            r"\b(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:where|in\swhich|that|which)\s+[^,.;!?\n]{3,60}?\s+"
            r"(?=(?:is|are)\s+(?:in|at|near|based\sin|located\sin)\s+[A-Z])",
            re.IGNORECASE,
        ),
        r"\g<kind> ",
    ),
    # "Before the board pack goes out I need a couple of numbers. What's ...?": what the
    # questions are for, said first
    (
        re.compile(
            r"^\W*(?:before\s(?:the|our|my|this)\s[\w\s]{1,30}?\s(?:goes\sout|is\sdue|is\ssent),?\s+)?"
            r"(?:i|we)\s(?:need|want)\s(?:a\scouple\sof|a\sfew|some)\s(?:numbers|figures|stats|answers"
            r"|things|data\spoints)[.:!]\s*",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "Could you put the workshop in for me? I believe that's what you call a plant.": add it,
    # and the kind it is
    (
        re.compile(
            r"\bput\s+(?P<np>(?:the|our|my)\s+[\w-]+(?:\s[\w-]+)?)\s+in(?:\s+for\s+(?:me|us))?(?=\s*[.?!,]|$)",
            re.IGNORECASE,
        ),
        # (a kind said stays: "put the factory in"; else it is the node just described)
        lambda m: f"add {m['np']}" if _TYPE_RE.search(m["np"]) else "add it",
    ),
    (
        re.compile(r"\bthat'?s\s+what\s+(?:you|people|they)\s+call\s+(?=an?\s)", re.IGNORECASE),
        "that's called ",
    ),
    # "one in Lisbon and one in Porto, each sells about 1,000 bars a month": a size for each
    (
        re.compile(
            r",?\s+each\s+(?:one\s+)?(?:sells|makes|does|handles|holds|takes|moves|produces|ships)\s+"
            r"(?:about\s+|around\s+|roughly\s+|some\s+)?(?P<n>\d[\d,.]*\s?k?)(?P<rest>(?:\s(?!and\b)[a-z]+)*?)"
            r"(?=\s*[.,;]|$)",
            re.IGNORECASE,
        ),
        r", \g<n>\g<rest> each",
    ),
    # "Connect Hereford to Bristol both ways. Hmm, no, just one way, from Hereford.": both ways
    # taken back (the link as said first, one way)
    (
        re.compile(
            r",?\s+both\s+ways\s*[.!,;]?\s*(?:(?:hmm+|no|wait|actually|sorry|scratch\s+that)\W+)+"
            r"(?:just\s+|only\s+)?one[\s-]way(?:,?\s+from\s+[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)?(?=\s*[.!]|$)",
            re.IGNORECASE,
        ),
        "",
    ),
    # "two suppliers of steel, one in Monterrey ...": what they supply, said before the list
    (
        re.compile(r"\b((?i:" + _TYPES + r"))\s+of\s+[a-z]+(?:\s[a-z]+)?(?=\s*[,:])"),
        r"\1",
    ),
    # "Mark Port Harcourt offline, Kano too.": the same status for both
    (
        re.compile(
            r"\b(?P<verb>mark|set|flag|put)\s+(?P<a>[^,.;!?\n]+?)\s+(?P<st>offline|degraded|operational"
            r"|online|disrupted|down)\s*,\s*(?:and\s+)?(?P<b>(?:the\s+)?[A-Za-z][\w'-]*(?:\s[A-Za-z][\w'-]*){0,2}?)"
            r"\s+(?:too|as\s+well|also)\b",
            re.IGNORECASE,
        ),
        r"\g<verb> \g<a> and \g<b> \g<st>",
    ),
    # "Give the second warehouse 12,000 cases, and the last one 20,000.": the verb said once
    (
        re.compile(
            r"\b(?P<verb>give|set|make)\s+(?P<a>the\s+[\w\s]+?|[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)*)\s+"
            r"(?P<n1>\d[\d,.]*\s?k?)(?P<unit>\s(?!and\b)[a-z]+)?,?\s+and\s+(?P<b>the\s+(?:last|first|second"
            r"|third|other|new)\s+one|[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)\s+(?P<n2>\d[\d,.]*\s?k?)\b",
            re.IGNORECASE,
        ),
        r"\g<verb> \g<a> \g<n1>\g<unit>, and \g<verb> \g<b> \g<n2>\g<unit>",
    ),
    # "Sorry, I overreacted: not offline, degraded.": how the user owns the slip, then the fix
    (
        re.compile(
            r"^(?P<lead>\W*(?:sorry|oops|apologies)\W+)(?:i|we)\s+(?:overreacted|misspoke|got\s+(?:it|that)"
            r"\s+wrong|was\s+wrong|made\s+a\s+mistake|jumped\s+the\s+gun)\s*[:,.;-]\s*",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<lead>",
    ),
    # "add store santos 2k, from curitiba": fed from it, after the size
    (
        re.compile(
            r"(\b\d[\d,.]*\s?k?(?:\s[a-z]+)?),\s+from\s+(?=(?:the\s+)?[A-Za-z][\w'-]*(?:\s[A-Za-z][\w'-]*)?"
            r"\s*(?:[.;!?\n]|$))"
        ),
        r"\1, fed from ",
    ),
    # "stores in canberra n newcastle, both from sydney dc": the node they come from
    (
        re.compile(
            r"(,\s*)(both|all(?:\s(?:two|three|four))?|each)\s+from\s+(?!the\s|our\s)"
            r"(?=[\w'-]+(?:[ \t][\w'-]+)?[ \t](?:" + _TYPES + r")\b)",
            re.IGNORECASE,
        ),
        r"\1\2 from the ",
    ),
    # "- George: down to 2,200 t (hail damage)", "Durban status degraded (port congestion)": a
    # short reason in brackets after a new size or status is why, not another request (a
    # port congestion said so is no closure to simulate)
    (
        re.compile(
            r"(?P<said>\b(?:degraded|disrupted|offline|operational|online|down|closed|reopened"
            r"|\d[\d,.]*\s?(?:k|t|tonnes?|tons?|units?|kg|pallets?|[a-z]+/[a-z]+)?))\s*\((?P<why>[^()\d\n]{3,40})\)"
            r"(?=[ \t]*(?:[.,;!]|$))",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<said>",
    ),
    # "George: down to 2,200 t", "Durban cut to 6k": a node's new size, said as a list item
    (
        re.compile(
            r"(?<=[\w)])[ \t]*:[ \t]*(?=(?:(?:capacity|cap|size)\s+)?(?:down|up|cut|reduced|lowered"
            r"|raised|increased|dropped)\s+(?:to|by)\s+~?\d)",
            re.IGNORECASE,
        ),
        " ",
    ),
    (re.compile(r"\b(?:cut|dropped|trimmed)\s+(?=to\s+~?\d)", re.IGNORECASE), "down "),
    # "the soap goes there from the workshop", "Goods go from Braga Plant to Porto": the goods
    # said as the subject, the link's ends after "from" and "to" (or "there": the node just
    # talked about)
    (
        re.compile(
            r"\b(?:the\s+|our\s+|all\s+(?:the\s+|our\s+)?)?(?:[\w-]+\s+){0,2}?(?:goes|go|flows|flow"
            r"|moves|move|travels|travel)\s+(?:(?:(?:over\s+)?(?:to\s+)?there|to\s+it)\s+from\s+"
            r"(?P<source2>(?:the\s+)?[^,.!?;\n]{2,40}?)|from\s+(?P<source>(?:the\s+)?[^,.!?;\n]{2,40}?)"
            r"\s+(?:on\s+)?to\s+(?P<target>(?:the\s+)?[^,.!?;\n]{2,40}?))(?=\s*(?:[,.!?;]|$))",
            re.IGNORECASE,
        ),
        lambda m: f"connect {m['source'] or m['source2']} to {m['target'] or 'it'}",
    ),
    # "what if ... fails for two weeks? Actually, make it three weeks.": the duration taken back
    (
        re.compile(
            r"\bfor\s+(?:(?:about|around)\s+)?(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+"
            r"(?:days?|weeks?|months?)(?P<mid>[^.!?\n]*[.!?]\s+)(?:(?:actually|no|sorry|wait|hmm)\W+)+"
            r"(?:make\s+(?:it|that)\s+)(?P<new>(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
            r"\s+(?:days?|weeks?|months?))(?:\s+instead)?\W*$",
            re.IGNORECASE,
        ),
        lambda m: f"for {m['new']}{m['mid'].rstrip()}",
    ),
    # "compare it with the very first one": the first
    (re.compile(r"\bthe\svery\s(?=(?:first|last|latest)\b)", re.IGNORECASE), "the "),
    # "dc guadalajara 8k, from the wh": the size, then where its goods come from
    (
        re.compile(
            # ("dc mackay 8k off the townsville wh"; not "Take 10,000 off the Ottawa warehouse")
            r"(?:(?<=\dk)|(?<=\d)),\s+from\s+(?=(?:the|our)\s)|(?<=\dk),?\s+off\s+(?=(?:the|our)\s)",
            re.IGNORECASE,
        ),
        lambda m: (
            m.group()
            if re.search(r"\b(?:take|takes|knock|shave|cut)\s+\S+$", m.string[: m.start()], re.I)
            else ", fed from "
        ),
    ),
    # "sups: katowice 15k, szczecin 9k": a list headed by a kind said short
    (
        re.compile(r"\b(?P<kind>sups|supps|whs|mfgs)\s*:", re.IGNORECASE),
        lambda m: {"whs": "warehouses", "mfgs": "plants"}.get(m["kind"].lower(), "suppliers") + ":",
    ),
    # "tell me what Fromagerie Sarthe's capacity is now": the question inside the request
    (
        re.compile(
            r"\b(?:tell|show)\s(?:me|us)\swhat\s(?P<np>[^.!?,\n]{2,40}?)'s\s(?P<what>capacity|status|inventory"
            r"|utili[sz]ation)\s(?:is|looks\slike)\b",
            re.IGNORECASE,
        ),
        r"what is the \g<what> of \g<np>",
    ),
    # "And a 25% demand spike across North America for a month - which of the two costs more?":
    # a dash before a question ends the request
    (
        re.compile(r"\s[-–—]\s(?=(?:which|what|how|where|who|compare)\b)", re.IGNORECASE),
        ". ",
    ),
    # "tot wh cap?": the total, said short (not "tot ziens")
    (
        re.compile(
            r"\btot\b(?=\s+(?:wh|whs|warehouses?|dcs?|cap|capacity|sups?|suppliers?|plants?|mfgs?|units?"
            r"|nodes?|sites?|stores?)\b)",
            re.IGNORECASE,
        ),
        "total",
    ),
    # "Which of the last two is bigger?": the question, then the nodes it is about
    (
        re.compile(
            r"\bwhich\s+of\s+(?P<which>the\s(?:last|first)\s(?:two|three|four|2|3|4))\s+(?P<rest>(?:is|are|has"
            r"|have|runs?)\b[^?.!\n]*)",
            re.IGNORECASE,
        ),
        r"which \g<rest>, \g<which>",
    ),
    # "Next, all sites in Asia-Pacific, any type.": the list asked for, said short
    (
        re.compile(
            r"^\W*(?:(?:next|now|then|and|also|ok|okay)\W+)*(?=all\s(?:the\s)?(?:sites|nodes|facilities"
            r"|locations)\s(?:in|at|near)\s)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "list ",
    ),
    # "whats util on the dcs": the word said short
    (re.compile(r"\butil\b\.?", re.IGNORECASE), "utilization"),
    # "Setting up our tablet distribution. Add warehouses in ...": what the user is doing,
    # before the request (not a distribution centre to add)
    (
        re.compile(
            r"^\W*(?:(?:we'?re|we\sare|i'?m|i\sam|just|currently)\s)*(?:setting\sup|building|planning"
            r"|mapping|modell?ing|sorting\sout|working\son|putting\stogether)\s(?:our|the|my|a)\s"
            r"(?:[\w-]+\s){0,3}?(?:distribution|network|supply\schain|logistics)(?:\snetwork)?"
            r"\s*[.!:]\s+(?=\S)",
            re.IGNORECASE,
        ),
        "",
    ),
    # "To spread the load, add another plant in Naples": why, before the request
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?]\s))(?:in\sorder\s|so\sas\s)?to\s(?!the\b|our\b|my\b)[a-z][^,.;:!?\d]{2,60},\s+"
            r"(?=(?:please\s|pls\s|can\syou\s|could\syou\s|let'?s\s)?(?:add|connect|link|set|move|mark"
            r"|remove|delete|put|create|build|open|increase|raise|double|halve|cut|reduce|run"
            r"|simulate|rename|change|update|show|list|bump|lower|drop)\b)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "Can you post it to Slack? If not, just give me the overview here.": the alternative
    (re.compile(r"(?<=\?\s)(?:if\snot|otherwise|failing\sthat|if\syou\scan'?t)\W+", re.I), ""),
    # "dc guadalajara 15k + dc puebla 9k, both from the wh": both fed from it
    (
        re.compile(
            r",\s+(?P<both>both|all\s(?:of\s)?(?:them|three|four))\s+(?:from|off|out\sof)\s(?=the\s)",
            re.IGNORECASE,
        ),
        r", \g<both> fed from ",
    ),
    # "katowice sup short on steel, mark degraded": the node just named, marked
    (
        re.compile(
            r"(?:(?<=^)|(?<=[,;.]\s)|(?<=\band\s))(?P<verb>mark|set|flag|put)\s+"
            r"(?=(?:as\s)?(?:degraded|offline|disrupted|operational)\b)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<verb> it ",
    ),
    # "How many warehouses do we hold across all countries?": how many we have
    (re.compile(r"\b(how\s+many\s+\w+\s+do\s+(?:we|i))\s+hold\b", re.I), r"\1 have"),
    # "And the last one, how much does it hold?": its capacity, asked
    (
        re.compile(
            r"\bhow\s(?:much|many)\s(?:[\w-]+\s)?(?:does|do|can|will)\s(?P<np>[^?,.;]{1,40}?)\s(?:hold|store"
            r"|take|handle|carry|fit)\b",
            re.IGNORECASE,
        ),
        r"what is the capacity of \g<np>",
    ),
    # "And the two warehouses, what do they add up to?": their total, asked
    (
        re.compile(
            r"(?P<np>\b(?:the|our|all|both)\s[^,.;!?]{1,40}?),\s(?:so\s)?(?:what|how\smuch)\s(?:do|does)"
            r"\s(?:they|it|those|these)\s(?:add\sup\sto|come\sto|total|sum\sto)\b",
            re.IGNORECASE,
        ),
        r"what is the total of \g<np>",
    ),
    # "The second warehouse should hold 14,000 bikes.": its capacity, set
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>(?:the|our|that|this)\s[^.!?,]{1,40}?)\s(?:should|must|needs?\sto"
            r"|has\sto)\s(?:now\s)?(?:hold|handle|take|store)\s(?=\d)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"set the capacity of \g<np> to ",
    ),
    # "And going the other way, what does Memphis Plant ultimately reach?": the direction, said
    (
        re.compile(r"\b(?:and\s)?(?:going\s)?the\sother\sway(?:\s(?:round|around))?,?\s*", re.I),
        "",
    ),
    # "both sups feed it", "all the whs": several of a kind, said short
    (
        re.compile(
            r"\b(?P<det>both|all|all\sthe|the|two|three|four|our|my)\s+(?P<kind>sups|supps|whs|dcs|mfgs)\b",
            re.IGNORECASE,
        ),
        lambda m: (
            f"{m['det']} "
            + {"sups": "suppliers", "supps": "suppliers", "whs": "warehouses", "dcs": "DCs"}.get(
                m["kind"].lower(), "plants"
            )
        ),
    ),
    # "And the two DCs combined?": their total, asked without a verb
    (
        re.compile(
            r"^\W*(?:(?:and|so|what\sabout|how\sabout)\s+)?(?P<np>(?:the|our|all)\s(?:two\s|three\s|four\s"
            r"|both\s)?[\w\s-]{2,30}?)\s(?:combined|together|in\stotal|all\stogether)\W*$",
            re.IGNORECASE,
        ),
        r"what is the total capacity of \g<np>?",
    ),
    # "aguascalientes wh ok?": how a node is, asked in two words
    (
        re.compile(
            r"^\W*(?!(?:is|are|was|were|does|do|did|that|this|it|sounds?|looks?|all)\b)"
            r"(?P<np>[\w'-]+(?:\s[\w'-]+){0,3}?)\s(?:ok|okay|alright|all\sright|doing\sok|fine)\s*\?\s*$",
            re.IGNORECASE,
        ),
        r"how is \g<np>?",
    ),
    # "wats total dc cap?"
    (re.compile(r"\bwats\b", re.IGNORECASE), "what's"),
    # "Take 10,000 off the Ottawa warehouse": its capacity cut by that much
    (
        re.compile(
            r"\b(?:take|knock|shave|cut)\s(?P<n>\d[\d,.]*\s?k?)\s(?:units?\s|tonnes?\s|t\s)?off\s(?:of\s)?"
            r"(?P<np>[^,.;!?\n]+)",
            re.IGNORECASE,
        ),
        r"reduce \g<np> by \g<n>",
    ),
    # "For the board deck, what is ...": who the answer is for, before what is asked
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))for\s(?:the|my|our|a|an)\s(?:[\w'-]+\s){0,2}?(?:deck|pack|report|minutes"
            r"|meeting|record|slides?|presentation|memo|review|audit|board|boss|manager|cfo|ceo|team"
            r"|file|update)\b(?:\s(?:deck|pack|report|meeting|slides?|presentation|memo|review))?,?\s+"
            r"(?=\w)",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "For the board deck I need our total warehouse capacity": a figure asked for
    (
        re.compile(
            r"\b(?:i|we)\s(?:need|want|would\slike|'d\slike)\s(?:to\sknow\s|to\ssee\s)?(?=(?:our|the)\s"
            r"(?:total|combined|overall)\b)",
            re.IGNORECASE,
        ),
        "what is ",
    ),
    # "the packhouse in Thika: add it as a plant, ...": the request after the colon points back
    (
        re.compile(
            r":\s+(?=(?:please\s)?(?:add|remove|connect|link|mark|set|rename|enter|record)\s(?:it|them"
            r"|that|this)\b)",
            re.IGNORECASE,
        ),
        ". ",
    ),
    # "Last figure I need: total supplier capacity?", "One more thing: ...": a label for what
    # follows, never a request of its own ("I need" is no add)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?:and|ok|okay|so)\W+)?(?:(?:the\s|my\s|a\s)?(?:last|final|one\smore"
            r"|another|next|quick|first)\s(?:thing|question|figure|number|item|ask|request|check"
            r"|one)(?:\s(?:i|we)\s(?:need|want|have)(?:\sto\sknow)?)?(?:\sfor\syou)?)\s*:\s*",
            re.IGNORECASE | re.MULTILINE,
        ),
        "",
    ),
    # "what a distribution center is, compared with a warehouse?": two terms defined
    (
        re.compile(
            r"\bwhat\s(?:an?\s)?([a-z][a-z -]{2,30}?)\s(?:is|means),?\s(?:compared\s(?:with|to)"
            r"|versus|vs\.?|as\sopposed\sto|next\sto)\s(?:an?\s)?([a-z][a-z -]{2,30}?)(?=\W*$|\?)",
            re.I,
        ),
        r"what's the difference between a \1 and a \2",
    ),
    # "which single site would cost us the most if it went down?": the risks, not a what-if
    # about a node "it" names
    (
        re.compile(
            r"\b(which\s(?:single\s|one\s)?(?:site|node|location|facility|plant|supplier|warehouse"
            r"|one)\s(?:would|could|will|might)\s(?:cost|hurt|hit|damage|harm)\s(?:us\s)?(?:the\s)?"
            r"(?:most|worst|hardest))\s+if\s(?:it|that\sone)\s(?:went|goes|were|was|failed|fails)"
            r"(?:\s(?:down|offline|out|dark|under))?",
            re.I,
        ),
        r"\1",
    ),
    # "safi mfg degraded one line down": the status, then why, without a comma between
    (
        re.compile(
            r"\b(degraded|offline|disrupted)\s+(?=(?:one|a|two|three|half|\d+)\s(?:of\s(?:the|our)\s)?"
            r"(?:\w+\s)?(?:lines?|machines?|press(?:es)?|ovens?|kilns?|docks?|shifts?|belts?|boilers?)\b)",
            re.I,
        ),
        r"\1, ",
    ),
    # "Currency in dollars. No, euros, sorry.": an apology closing a taken-back value
    (
        re.compile(
            r"^(\W*no\W+[^.!?;]+?),\s*sorry(?=\W*$)|(?<=[.!?]\s)(no\W+[^.!?;]+?),\s*sorry\b", re.I
        ),
        r"\1\2",
    ),
    # "What's our total capacity, and how much of it is in Germany?": the capacity there
    (_HOW_MUCH_OF_IT, "how much capacity is "),
    # "we brew 50 000 hl per year. Please make a plant for us.": add it as one
    (
        re.compile(
            r"\b(?:make|create|set\s?up|put\s+in)\s+(?:a|an)\s+("
            + _TYPES
            + r")\s+for\s+(?:us|me)\b",
            re.I,
        ),
        r"add it as a \1",
    ),
    # "The warehouse in Prague we call now 'Praha Hub'.": a new name
    (
        re.compile(
            r"^(?P<ref>(?:the|our)\s[^.,;!?]{3,40}?)\s+we\s+(?:now\s+)?call\s+(?:it\s+)?(?:now\s+)?"
            r"[\"']?(?P<name>[A-Z][^\"'.!?]{1,40}?)[\"']?\s*[.!]?$",
            re.IGNORECASE,
        ),
        r"rename \g<ref> to \g<name>",
    ),
    # "Can you list all the nodes so I can tick them off against my sheet?": the user's own
    # purpose (their sheet, their report), not more of the request
    (
        re.compile(
            r",?\s+so\s+(?:that\s+)?(?:i|we)\s+can\s+(?:tick|check|compare|match|review|share"
            r"|report|verify|cross-check|double-check|copy|paste|print|present|show\s+(?:it|them)"
            r"\s+to)\b[^.?!;]*",
            re.I,
        ),
        "",
    ),
    # "Could you put those in?", "put it in the system": add what was described
    (
        re.compile(
            r"\bput\s+(that|this|it|them|those|these|him|her)\s+in(?:to)?\b"
            r"(?:\s+(?:the|our|my)\s+(?:system|twin|map|network|model|tool))?(?!\s+(?:as|the|a|an)\b)",
            re.I,
        ),
        r"add \1",
    ),
    # "For the board pack I need two numbers: our total ...": the lead only announces the
    # questions that follow
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))[^.!?:\n]{0,60}?\b(?:two|three|four|a\sfew|some|several|\d|a\scouple"
            r"\sof)\s+(?:quick\s+|simple\s+|short\s+)?(?:numbers|questions|things|figures|facts|stats"
            r"|data\spoints|items)\b[^.!?:\n]{0,30}:\s*",
            re.I,
        ),
        "",
    ),
    # "Could you add those, and ...": asked politely, the same request
    (
        re.compile(
            r"\b(?:can|could|would)\s+you\s+(?:please\s+)?(?=add\s+(?:those|these|them|that|this"
            r"|it)\b)",
            re.I,
        ),
        "please ",
    ),
    # "have them both get their tea from Bristol": they get it from Bristol
    (
        re.compile(
            r"\b(?:have|let|make)\s+them(?=(?:\s+both|\s+all)?\s+(?:get|take|buy|source|receive"
            r"|order)\b)",
            re.I,
        ),
        "they",
    ),
    (
        re.compile(
            r"\b(?:have|let|make)\s+(?=(?:it|both(?:\sof\sthem)?|those|these)(?:\s+both|\s+all)?"
            r"\s+(?:get|take|buy|source|receive|order)\b)",
            re.I,
        ),
        "",
    ),
    # "Have Monterrey supply the new plant", "have the Hamilton plant send the jars there": the
    # node named does it (one row per inflection)
    (re.compile(rf"\b(?:have|let|make)\s+{_HAVE_SUBJECT}\s+supply\b"), r"\1 supplies"),
    (re.compile(rf"\b(?:have|let|make)\s+{_HAVE_SUBJECT}\s+(ship|send|feed|deliver)\b"), r"\1 \2s"),
    # "add them both, with the roastery sending coffee to each of them": a flow of its own
    (
        re.compile(
            r",?\s+with\s+((?:the|our|my)\s+[\w-]+(?:\s[\w-]+)?|[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)\s+"
            r"(?:sending|shipping|supplying|delivering|feeding)\b"
        ),
        r", and \1 ships",
    ),
    # "Raise Austin Plant to 18,000 then, and ...": "then" closing a request says "so"
    (re.compile(r"(?<=\d)\s+then(?=\s*(?:[,.;!?]|$))", re.I), ""),
    # "1. Nagpur Warehouse up to 40,000 packs": a list item that resizes a node
    (
        re.compile(
            r"^(?P<lead>[ \t]*(?:\(?\d{1,2}[.)]|[-*•])?[ \t]*)(?P<head>(?!(?:add|set|take|bring"
            r"|scale|ramp|go|goes|going|is|are|it|we|they|demand|sales|orders|prices?|costs?)\b)"
            r"[A-Z][\w'.-]*"
            r"(?:\s[A-Z][\w'.-]*){0,3})\s+(?:up|down)\s+to\s+(?=\d(?![\d,.]*\s?%))",
            re.MULTILINE,
        ),
        r"\g<lead>set \g<head> capacity to ",
    ),
    # "4. Warehouse: Melbourne, 250,000 litres": a plan item naming the kind, then the town
    (
        re.compile(
            r"^(?P<lead>[ \t]*(?:\(?\d{1,2}[.)]|[-*•])[ \t]*)(?P<type>" + _TYPES + r"):\s+"
            r"(?=[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?\s*(?:,|\(|$))",
            re.I | re.M,
        ),
        r"\g<lead>add a \g<type> in ",
    ),
    # "show that the clay goes to the factory": the flow from the node just added
    (
        re.compile(
            r"\b(?:show|record|note|model|capture|mark\s+down)\s+that\s+(?:the\s+|our\s+)?[\w-]+\s+"
            r"(?:goes|go|comes|come|is\s+sent|gets\s+sent|ships|is\s+shipped)\s+to\b",
            re.I,
        ),
        "ship from it to",
    ),
    # "After factory the towels go to our warehouse": from the factory, in a learner's words
    (
        re.compile(
            r"^(\W*)after\s+(?:the\s+|our\s+)?(factory|plant|mill|supplier|warehouse)\s+"
            r"(?=(?:the|our)\s+\w+\s+(?:go|goes|are\s+sent|is\s+sent|ship|ships|is\s+going|are\s+going"
            r"|moves?|travels?)\s+to\b)",
            re.I | re.M,
        ),
        r"\1from the \2 ",
    ),
    # "we sell to one buyer in Surabaya, please make it distribution center 1.200 pieces": the
    # node just described, added as that kind
    (
        re.compile(
            r"(,\s*(?:please\s+|pls\s+|and\s+|so\s+)*)make\s+(?:it|him|her|them)\s+(?:an?\s+|as\s+(?:an?\s+)?)?"
            r"(?=(?:" + _TYPES + r")\b)",
            re.I,
        ),
        r"\1add it as a ",
    ),
    # "Is possible to create warehouse in Izmir ...?": a learner's "is it possible to"
    (re.compile(r"\bis\s+(?=possible\s+to\b)", re.I), "is it "),
    # "we have two supplier. One is in Daegu, ..., other one is in Gwangju": one counted list
    (
        re.compile(
            r"\b((?:two|three|four|2|3|4)\s+(?:[\w-]+\s+)?(?:" + _TYPES + r"))\.\s+"
            r"(?=(?:one|the\sfirst)\s+(?:is\s+)?(?:in|at)\b)",
            re.I,
        ),
        r"\1, ",
    ),
    # "Please make warehouse in Pyeongtaek, 30000 unit": a learner's "make" for "add"
    (
        re.compile(
            r"\b(?:make|do)\s+(?:a\s+|an\s+|new\s+|one\s+)?(?=(?:new\s+)?(?:"
            + _TYPES
            + r")\s+(?:in|at|near)\s)",
            re.I,
        ),
        "add a ",
    ),
    # "add wh jaipur 15k ship from delhi wh": where the new node's goods come from
    (
        re.compile(
            r"(\b\d(?:[\d,.]*\d)?\s?k?)\s+(?:ship(?:s|ped)?|sent|supplied|delivered)\s+from\s+",
            re.I,
        ),
        r"\1, fed from ",
    ),
    # "If supplier in Palu is stop two week": a learner's "stops"
    # (not "is shut", "is close to full": English as it is)
    (re.compile(r"\b(?:is|are)\s+(stop|fail)(?=\s)", re.I), r"\1s"),
    # "If supplier in Palu stops two week because of flood, ...": the stop is the case to play
    # out, the flood only why
    (
        re.compile(
            r"(\b(?:stops?|fails?|shuts?\s+down|halts?)\b[^.?!,;]*?),?\s+(?:because\s+of|due\s+to)"
            r"\s+[^.?!,;]+",
            re.I,
        ),
        r"\1",
    ),
    # "What is happen if ...": what happens
    (re.compile(r"\bwhat\s+(?:is|will)\s+happen\b", re.I), "what happens"),
    # "supplier in Adana, he give 50000 kg per month": its size, in a learner's words
    (
        re.compile(
            r",\s*(?:he|she|it|they)\s+(?:gives?|makes?|produces?|delivers?|has|have|sells?)\s+"
            r"(?=(?:about\s+|around\s+)?\d)",
            re.I,
        ),
        ", capacity ",
    ),
    # "And other supplier in Gaziantep": another one
    (
        re.compile(r"^(\W*)(?:and|also)\s+other\s+(?=[a-z]+\s+(?:in|at)\s)", re.I | re.M),
        r"\1add another ",
    ),
    # "mfg status?", "wh cap?": a figure of the one node of that kind, asked in shorthand
    (
        re.compile(
            r"^(\W*)(?P<kind>"
            + _TYPES
            + r")\s+(?P<what>status|details|info|capacity|cap|utili[sz]ation"
            r"|util|inventory|stock)\s*\?+\s*$",
            re.I | re.M,
        ),
        r"\1what is the \g<what> of the \g<kind>?",
    ),
    # "raise Da Nang Supplier to 12,000 so it can cover some of the gap": what it is for, said
    # after the request, asks nothing
    (
        re.compile(
            r"(?<=\w)\s+so\s+(?:that\s+)?(?:it|we|they|he|she|the\s\w+)\s+(?:can|could|will|would|may"
            r"|might)\s+[^.!?\n]*(?=[.!?]|$)",
            re.I | re.M,
        ),
        "",
    ),
    # "Nagoya supplier capacity, please change to 6500": the field, then the request
    (
        re.compile(r"\b(capacity|inventory|stock|status),\s+(?=(?:please|pls|kindly)\s)", re.I),
        r"\1 ",
    ),
    # "take their capacity up to 9,000 units": set it, said as a move
    (
        re.compile(
            r"\b(?:take|bring|push|move)\s+(?P<obj>[^.,;!?\n]{1,40}?)\s+(?:up|down)\s+to\s+(?=\d)",
            re.I,
        ),
        r"set \g<obj> to ",
    ),
    # "Please make his capacity 6500": a site is "he" in many languages
    (
        re.compile(
            r"\bhis\s+(?=(?:capacity|status|inventory|stock|size|name|utili[sz]ation)\b)", re.I
        ),
        "its ",
    ),
    # "curr cad pls", "ccy: eur": the currency, shortened
    (re.compile(r"\b(?:curr|ccy)\b\.?(?=\s*(?::|=|to\b)?\s*[A-Za-z]{3}\b)", re.I), "currency"),
    # "add 2nd sup saltillo 6k", "2nd sup adana 6k, also ships to konya": another one
    (re.compile(r"\badd\s+(?:a\s+)?(?:2nd|second|3rd|third)\s+(?=[a-z])", re.I), "add another "),
    (
        re.compile(
            r"^(\W*)(?:2nd|3rd|4th)\s+(?=(?:" + _TYPES + r")\s+[A-Za-z][\w'-]*\s+\d)",
            re.I | re.M,
        ),
        r"\1add another ",
    ),
    # "Please you can put the factory in the system?": please put it
    (
        re.compile(
            r"\b(please|pls|kindly)\s+(?:you\s+)?(?:can|could)\s+(?:you\s+)?(?=[a-z])", re.I
        ),
        r"\1 ",
    ),
    # "..., 40 thousand a month. Is a supplier, and he sends to the factory.": what it is, said
    # after it; the flow is what is asked
    (
        re.compile(
            r"(^|[.!?]\s+)(?:it\s+|he\s+|she\s+)?is\s+(?:a|an|our)\s+(?:"
            + _TYPES
            + r")\s*,?\s*(?:and\s+)?",
            re.I,
        ),
        r"\1",
    ),
    # "Now we have one warehouse in São Paulo": "now" opens the sentence, it changes nothing
    (re.compile(r"(^|[.!?]\s+)now,?\s+(?=(?:we|i|there|our|my)\b)", re.I), r"\1"),
    # "Nakuru capacity up to 30,000": a node's size said without a verb
    (
        re.compile(
            r"((?:^|\n)[ \t]*(?:[-*•]|\d+[.)])?\s*)"
            # ("Bilbao supplier capacity up to 15,000": the town, then the type)
            r"(?=[A-Z][\w-]+(?:\s(?:[A-Z][\w-]+|(?:"
            + _TYPES
            + r")))?\s+(?:capacity|cap)\s+(?:up|down)"
            r"\s+to\s+\d)"
        ),
        r"\1set ",
    ),
    # "add wh portoviejo 4k guayaqil ships to it too": the size ends the add, the flow follows
    (
        re.compile(
            r"(\b\d[\d,.]*\s?k\b)\s+(?=[a-z][a-z'-]+(?:\s(?:" + _TYPES + r"))?\s"
            r"(?:ships?|sends?|feeds|supplies|delivers?)\s(?:to\s)?(?:it|them|there)\b)",
            re.I,
        ),
        r"\1, ",
    ),
    # "two suppliers: Legazpi at 300 tonnes a month and Tacloban at 200": each town's size
    (
        re.compile(
            r"(?<=:)([^:\n]*?\b[A-Z][\w'-]+)\s+at\s+(?=\d[\d,.]*\s?k?\b(?!\s*%))"
            r"|(\b(?:and|,)\s+[A-Z][\w'-]+)\s+at\s+(?=\d[\d,.]*\s?k?\b(?!\s*%))"
        ),
        r"\1\2 ",
    ),
    # "The Bangkok DC can go back to operational": the change, said as permission
    (
        re.compile(
            r"\b(?:can|may|should|could)\s+(?:now\s+)?(?:go|be\s+(?:set|put|moved|switched))\s+back\s+"
            r"(?:to\s+)?(?=(?:operational|online|normal|active|running)\b)",
            re.I,
        ),
        "is back to ",
    ),
    # "Rionegro grower is down to 12,000 stems (frost)": the node's new size, said as news
    (
        re.compile(
            r"((?:^|\n)[ \t]*(?:[-*•]|\d+[.)]|[a-z][.)])?\s*(?:the\s+|our\s+)?)"
            r"([A-Z][\w-]+(?:\s[\w-]+)?)\s+(?:capacity\s+)?(?:is|'s|has\s+(?:gone|dropped|fallen"
            r"|come)|went|dropped|fell)\s+(?:now\s+)?(?:down|up)\s+to\s+(?=(?:about\s|around\s)?\d)"
        ),
        r"\1set \2 capacity to ",
    ),
    # "he sends to the factory": a supplier is "he" in many languages
    (
        re.compile(
            r"\b(?:he|she)\s+((?:also|too)\s+)?(?=(?:sends?|ships?|delivers?|supplies|feeds|gives?)\b)",
            re.I,
        ),
        r"it \1",
    ),
    # "distribution centre in Dar es Salaam, 12,000 kg, also from Mombasa": fed from it
    (re.compile(r",\s*(?:also|too)\s+from\s+(?=[A-Z])"), ", fed from "),
    # "store in Memphis, 2k, from St. Louis": a node said with where its goods come from
    (
        re.compile(
            r"(?P<head>\b(?i:" + _TYPES + r")\s+(?i:in|at)\s+[^\n;,]+(?:,\s*[^\n;,]*\d[^\n;,]*)?)"
            r",\s*(?i:from)\s+(?=(?:the\s+)?[A-Z])"
        ),
        r"\g<head>, fed from ",
    ),
    # "Fabric we buy from supplier in Haiphong, 30000 meter": a supplier described, to add
    (
        re.compile(
            # ("Let's start then: we buy cocoa from a supplier in Kumasi": after a lead too)
            r"(?:^|(?<=[.!?:]\s))(?P<lead>\W*(?:[\w-]+\s+){0,3}?)(?:we|i)\s+(?:buy|get|source|order)\s+"
            r"(?:it\s+|them\s+|(?:our\s+|the\s+|all\s+(?:our\s+|the\s+)?)?[a-z][\w-]+\s+)?"
            r"from\s+(?:a\s+|one\s+)?(?P<kind>supplier|vendor|co-?op\w*|cooperative|farm|mill)\s+"
            r"(?P<prep>in|at|near)\s",
            re.I | re.M,
        ),
        r"add a \g<kind> \g<prep> ",
    ),
    # "Please add it as a store that gets its coffee from the roastery": fed from it
    (
        re.compile(
            r"\b(?P<head>(?:as\s+)?(?:a|an|one)\s+(?i:" + _TYPES + r"))\s+(?:that|which|who)\s+"
            r"(?:gets|receives|buys|takes|sources|is\s+supplied\s+by|is\s+fed\s+by)"
            r"(?:\s+(?:its|their|all\s+its)\s+[\w-]+)?\s+(?:from\s+)?(?=(?:the|our|my)\s|[A-Z])",
            re.I,
        ),
        r"\g<head>, fed from ",
    ),
    # "a warehouse in Leipzig with 15,000, one in Dortmund with 18,000": each town's size, said
    # as the sizes of a list are
    (
        re.compile(r"\b((?i:in|at)\s+[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)\s+with\s+(?=\d)"),
        r"\1, ",
    ),
    # "Cotton we buy from Gaziantep supplier, 30000 kg": the same, its town said first
    (
        re.compile(
            r"^(?P<lead>\W*(?:[\w-]+\s+){0,3}?)(?:we|i)\s+(?:buy|get|source|order)\s+(?:it\s+|them\s+)?"
            r"from\s+(?:a\s+|one\s+|the\s+|our\s+)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+"
            r"(?P<kind>(?i:supplier|vendor|co-?op\w*|cooperative|farm|mill))(?=\s*,?\s*\d)",
            re.M,
        ),
        r"add a \g<kind> in \g<town>",
    ),
    # "please make connect from factory": a learner's "connect it from the factory"
    (
        # (with the other end said too, "from Shenzhen Parts until Penang Plant", it is both)
        re.compile(
            r"\bmake\s+(?:a\s+)?(?:connect|connection|link)\s+(from|to|with)\s+"
            r"(?![^,.;\n]*\b(?:to|until|till|and|with)\b)",
            re.I,
        ),
        r"connect it \1 ",
    ),
    # "new store in hyderabad, 3000 piece, take from chennai": a learner's bare verb, fed from
    (
        re.compile(r",\s*(?:and\s+)?(?:take|get|receive)\s+(?:goods\s+|stock\s+)?from\s+", re.I),
        ", fed from ",
    ),
    # "No wait, euros, not dollars.": a currency taken back is the currency to set
    (
        re.compile(
            r"^\W*(?:(?:no|nope|wait|sorry|oops|actually|hmm+|i\s+meant?)\W+)+(?=(?:in\s+)?(?:euros?"
            r"|(?:us\s|canadian\s|australian\s)?dollars?|pounds?(?:\ssterling)?|yen|yuan|rupees?|pesos?"
            r"|reais|lira|won|francs?|(?-i:[A-Z]{3}))\W*(?:,?\s*not\s+[\w\s]+?)?\W*$)",
            re.I,
        ),
        "currency ",
    ),
    # "Sorry, is not Semarang the store, is Yogyakarta": a learner's "the store is in
    # Yogyakarta, not Semarang"
    (
        re.compile(
            r"^(?P<lead>\W*(?i:(?:sorry|oops|no|wait|ah)\W+)*)(?i:it\s+)?(?i:is)\s+not\s+(?:in\s+)?"
            r"(?P<wrong>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?P<what>the\s+[a-z]+(?:\s[a-z]+)?)\W+"
            r"(?:it\s+)?is\s+(?:in\s+)?(?P<right>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)(?P<end>\W*)$"
        ),
        r"\g<lead>\g<what> is in \g<right>, not \g<wrong>\g<end>",
    ),
    # "... now is more small, only 16 thousand": a learner's new size
    (
        re.compile(
            r"\s+(?:now\s+)?(?:is|are|has\s+become|became)\s+(?:now\s+)?(?:more\s+small|smaller|more\s+big"
            r"|bigger|more\s+large|larger|less|more)\W+(?:only\s+|just\s+|now\s+|about\s+)*(?=\d)",
            re.I,
        ),
        " capacity now ",
    ),
    # "the factory send to him": a supplier or plant is "he" in many languages
    (
        re.compile(r"\b(sends?|ships?|delivers?|supplies|supply)\s+to\s+(?:him|her)\b", re.I),
        r"\1 to it",
    ),
    # "What mean 'degraded'?", "What is mean 'bottleneck'?": a learner's "what does X mean"
    (
        re.compile(
            r"\bwhat\s+(?:is\s+)?(?:mean|means|meaning)\s+(?:of\s+)?(?P<term>['\"‘“][^'\"’”]{1,40}['\"’”]"
            r"|[\w-]+(?:\s[\w-]+)?)(?=\s*[?.!]|\s*$)",
            re.I,
        ),
        r"what does \g<term> mean",
    ),
    # "I am have a shoes factory", "Please to add it": a learner's extra words
    (re.compile(r"\b(i|we)\s+(?:am|are|'m|'re)\s+(have|has)\b", re.I), r"\1 have"),
    (re.compile(r"\b(please|pls|kindly)\s+to\s+(?=[a-z])", re.I), r"\1 "),
    # "is need to make new store": a learner's "we need to"
    (re.compile(r"^(\W*)(?:is|it'?s)\s+need(?:ed)?\s+to\s+(?=\w)", re.I), r"\1we need to "),
    # "Hang on, not Brescia, Cremona.": a correction's lead
    (
        re.compile(
            r"(^|[.!?]\s+)(?:hang|hold)\s+on\b(?=\s*,\s*(?:not\b|it'?s\b|[A-Z]))", re.M | re.I
        ),
        r"\1Wait",
    ),
    # "Please help me add this factory": the request, not a question about help
    (
        re.compile(
            r"\b(?:please\s+)?help\s+(?:me|us)\s+(?:to\s+)?(?=(?:add|create|set\s+up|connect|link|put"
            r"|register|make|change|update|remove)\b)",
            re.I,
        ),
        "please ",
    ),
    # "If farmer in Nakhon Si Thammarat cannot send coconut 2 week because flood": the stop
    # is what to simulate, the flood only why
    (
        re.compile(
            r"(\b(?:cannot|can'?t|can\s+not|won'?t|will\s+not|doesn'?t|don'?t|stops?|stopped)\s+"
            r"(?:send|sending|deliver|delivering|ship|shipping|supply|supplying)\b[^,.;?]*?)\s+"
            r"(?:because|due\s+to|owing\s+to)\s+(?:of\s+)?(?:the\s+|a\s+|an\s+)?[a-z]+(?:\s[a-z]+)?"
            r"(?=\s*[,.;?])",
            re.I,
        ),
        r"\1",
    ),
    # "the distribution center in Munich is now 12000": the node by its town and kind
    (
        re.compile(
            r"\bthe\s+("
            + _TYPES
            + r")\s+in\s+([A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?=is\s+now\s+\d)",
            re.I,
        ),
        r"the \2 \1 ",
    ),
    # "..., they have closed one hall": part of a site closed is why its size fell
    (
        re.compile(
            r",\s+(?:they|we)\s+(?:have\s+|'ve\s+)?(?:closed|shut)\s+(?:one|a|two|three|some|part\s+of)"
            r"\b[^.;!?]*",
            re.I,
        ),
        "",
    ),
    # "kept in a big shed in Nairobi before they go out to the shops": when, not a link asked
    (
        re.compile(
            r",?\s+(?:before|until|till)\s+(?:they|it)\s+(?:go|goes|are\s+sent|is\s+sent|ship|ships)"
            r"\s+(?:out\s+)?to\s+(?:the\s+)?(?:shops|stores|customers|clients|market|retailers)\b",
            re.I,
        ),
        "",
    ),
    # "It holds around 20,000 bottles and gets the juice from Thika": its size, then its link
    (
        re.compile(
            r"(\b(?:it|they)\s+(?:holds?|has|have|can\s+(?:hold|take|store))\s[^.;]*?)\s+and\s+"
            r"(gets?|receives?|takes?)\s+(?=(?:[a-z]+\s+){0,3}?from\b)",
            re.I,
        ),
        r"\1. It \2 ",
    ),
    # "so please put it in: it holds around 20,000 bottles": what it is, a sentence of its own
    (
        re.compile(r":\s+(?=(?:it|they)\s+(?:holds?|has|have|gets?|takes?|can|is|are)\b)", re.I),
        ". ",
    ),
    # "2 stores, amsterdam + rotterdam": a count and a kind, then the towns
    (
        re.compile(
            r"\b(?:\d|two|three|four)\s+(?P<kind>stores|shops|warehouses|whs|dcs|suppliers|sups|plants"
            r"|factories)\s*[,:]\s*(?P<items>[a-z][a-z'-]*(?:\s[a-z][a-z'-]*)?"
            r"(?:\s*(?:&|,|\+|and)\s*[a-z][a-z'-]*(?:\s[a-z][a-z'-]*)?)+)(?=\s*(?:,|$|\.|;))",
            re.IGNORECASE,
        ),
        _counted_towns,
    ),
    # "tilburg wh 40k -> 45k": a node's size, from the old to the new
    (
        re.compile(
            # (sizes written as sizes, "40k", "40,000": not "Salvador Warehouse 201 to 30000")
            r"(?<!\bof\s)\b(?P<node>[a-z][a-z'-]+(?:\s[a-z][a-z'-]+)?\s(?:wh|dc|plant|store|sup"
            r"|supplier|warehouse|factory))\s+(?:\d+(?:\.\d+)?\s?k|\d{1,3}(?:,\d{3})+)\s*(?:->|→|=>)\s*"
            r"(?P<new>\d+(?:\.\d+)?\s?k|\d{1,3}(?:,\d{3})+)\b",
            re.IGNORECASE,
        ),
        r"set the capacity of \g<node> to \g<new>",
    ),
    # "stores wichita 4k & little rock 3k": a plural kind, then towns each with a size
    (
        re.compile(
            r"\b(?P<kind>stores|shops|warehouses|whs|dcs|suppliers|sups|plants|factories)\s+"
            r"(?P<items>[a-z][a-z'-]*(?:\s[a-z][a-z'-]*){0,2}\s+\d[\d.,]*\s?k?"
            r"(?:\s*(?:&|,|\+|and)\s*[a-z][a-z'-]*(?:\s[a-z][a-z'-]*){0,2}\s+\d[\d.,]*\s?k?)+)\b",
            re.IGNORECASE,
        ),
        _sized_towns,
    ),
    # ("..., and a store in Wrocław, 5k, both from lodz": the link of both, said after them)
    (
        re.compile(
            r"(?<=\d|k),\s*(?P<both>both|all\sthree|all\sof\sthem)\s+(?=(?:from|to|->|get|ship|feed)\b)",
            re.I,
        ),
        lambda m: f". {m['both'].capitalize()} ",
    ),
    # "The shop of Brussels is closed since one month, we must remove it.": the state, then
    # the request
    (
        re.compile(
            r",\s+(?:so\s+)?(?:we|i)\s+(?:must|need\s+to|have\s+to|should|want\s+to)\s+"
            r"(?=(?:remove|delete|drop|add|connect|disconnect|mark|set|update|change)\s+(?:it|them)\b)",
            re.I,
        ),
        ". Please ",
    ),
    # "Give me the overview so I can attach it", "raise Fukuoka Supplier to 9,000 so we have
    # some backup": why the user asks, not a request
    (
        re.compile(
            r",?\s+so\s+(?:that\s+)?(?:i|we)\s+(?:can\s+(?:attach|paste|share|send|forward|print|show"
            r"|present|copy|put|use|include|read|review|check)|have\s+(?:some|a|an|more|enough|extra)"
            r"|get\s+(?:some|a|more|enough|extra))\b[^.?!;]*",
            re.I,
        ),
        "",
    ),
    # "Could you draw that line between them, please?": the link, said as a drawing
    (
        re.compile(
            r"\bdraw\s+(?:that|a|the|this)\s+(?:line|link|arrow|connection)\s+between\s+(?=them\b|those\b)",
            re.I,
        ),
        "connect ",
    ),
    # "bump the Laredo warehouse to 36,000 as a buffer": what the change is for
    (
        re.compile(
            r"(?<=\d)\s+as\s+(?:a\s+|an\s+|some\s+)?(?:buffer|precaution|safety\s+(?:margin|net|stock)"
            r"|cushion|contingency|hedge|backup|test|trial)\b",
            re.I,
        ),
        "",
    ),
    # "they both send things to my workshop": what is sent, said vaguely, is no node
    (
        re.compile(
            r"\b(supply|supplies|ship|ships|send|sends|deliver|delivers)\s+(?:things|stuff|items"
            r"|everything|it\s+all|their\s+(?:goods|stuff|things))\s+(?=to\b)",
            re.I,
        ),
        r"\1 ",
    ),
    # "show that they supply the factory", "note that it ships to Lyon": the flow itself
    (
        re.compile(
            r"\b(?:show|note|record|say|mark)\s+that\s+(?=(?:they|it|he|she|both|[A-Z][\w-]+)\s+"
            r"(?:both\s+|all\s+)?(?:supply|supplies|ship|ships|send|sends|deliver|delivers|feed|feeds"
            # "show that they both get their soap from Moncton"
            r"|(?:get|gets|receive|receives|take|takes|buy|buys)\s(?:[a-z]+\s){0,3}?from)\b)"
        ),
        "",
    ),
    # "Is anything degraded right now?": whether any node is
    (
        re.compile(r"^(\W*)is\s+(?=anything\s+(?:degraded|down|offline|disrupted|not\s)\b)", re.I),
        r"\1",
    ),
    # "Could that go in as a warehouse": add it as one
    (re.compile(r"\b(?:could|can)\s+(that|it|this)\s+go\s+in\s+as\b", re.I), r"add \1 as"),
    # "can you set that up as our plant?": add it as one
    (re.compile(r"\bset\s+(that|it|this|them|those)\s+up\s+as\b", re.I), r"add \1 as"),
    # "no wait, not Leipzig - Dresden": a dash between the wrong value and the right one
    (re.compile(r"\b(not\s+[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)\s+[-–—]+\s+(?=[A-Z\d])"), r"\1, "),
    (_BACK_TO, r"\g<lead>set \g<node> back to operational"),
    # "how many node we have?", "how many factory": a learner's singular after "how many"
    (
        re.compile(
            r"\b(how\s+many\s+)(supplier|node|warehouse|plant|store|site|dc|link|connection"
            r"|retailer|shop|manufacturer|distributor|location|outlet|vendor|depot)\b(?!')",
            re.I,
        ),
        r"\1\2s",
    ),
    (re.compile(r"\b(how\s+many\s+)(factor|facilit)y\b", re.I), r"\1\2ies"),
    # "add sup in ahmedabad 12k n link to pune mfg": "n" is "and" before a verb
    (
        re.compile(
            r"(?<=\w)\s+n\s+(?=(?:link|connect|add|set|mark|ship|send|make|remove|delete|feed|put"
            r"|then|also|hook|change|update|bump|run|show|list)\b)"
        ),
        " and ",
    ),
    # "risk med": the medium risk profile
    (
        re.compile(r"\b(risk(?:\s+(?:profile|level|appetite))?\s*(?:[:=-]\s*|to\s+)?)med\b", re.I),
        r"\1medium",
    ),
)
# each scanned only where the words it needs are in the text (gates.py)
_PHRASINGS = Rewrites(_PHRASING_TABLE)
# "40 000 litres": thousands separated by a space
_SPACED_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})((?:[ \u00a0\u202f]\d{3})+)(?![\d,.]*\d)")


def _unshouted(text: str) -> str:
    """A message typed in capitals ("COLD STORE IN CALLAO 12000") in lower case, so that its
    words read as words rather than names; codes with digits ("DOH-DC2") stay."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12 or sum(c.isupper() for c in letters) < 0.85 * len(letters):
        return text
    return re.sub(r"[^\W\d_][\w'-]*", _unshouted_word, text)


def _unshouted_word(match: re.Match[str]) -> str:
    word = match.group()
    if re.search(r"\d", word):
        return word  # a code: "DOH-DC2"
    low = word.lower()
    if low in _VOCAB or len(low) < 3:
        return low
    # a place keeps its capital: the world table reads a town only written as a name
    town = gazetteer.lookup(word.title())
    if town is not None and town.city and gazetteer.fold(town.city) == gazetteer.fold(low):
        return word.title()
    return low


# Chat formatting around the words: `Guangzhou` in backticks, an @mention of the copilot, a
# shift log's time stamp ("07:30 — ack the Liberec one").
_CHAT_MARKUP = re.compile(
    r"`+|(?:^|(?<=\s))@copilot\b[\s,:]*|(?m:^\s*\d{1,2}[:.h]\d{2}\s*[—–-]+\s*)"
    # radio procedure ("Read back Stavanger status, over."); a line quoting the last answer
    r"|,\s*over(?:\sand\sout)?(?=\W*$)|(?m:^\s*>.*$)"
    # a ticket's key and fields: "OPS-1191 | Summary: ...", "Type: Question |"
    r"|(?m:^\s*[A-Z][A-Z0-9]+-\d+\s*\|\s*)|\b(?:Type|Priority|Status|Reporter):\s*\w+\s*\|\s*"
    r"|\bSummary:\s*"
)
_ASIDE_IN_BRACKETS = re.compile(r"\s*\((?=[^()]*\s[^()]*\s)(?![^()]*\d)[^()]*\)")
_READ_BACK = re.compile(r"\bread\sback\b", re.I)


# CJK punctuation that NFKC leaves as it is: a sentence and a list separator
_CJK_STOPS = str.maketrans({"\u3002": ". ", "\u3001": ", ", "\uff61": ". ", "\uff64": ", "})


def _narrowed(text: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII twins ("Taichung，capacity
    15,000。", "（Japan）"): what a Chinese or Japanese keyboard types inside English."""
    if all(ord(ch) < 0x3000 for ch in text):
        return text
    wide = "".join(
        unicodedata.normalize("NFKC", ch) if 0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000" else ch
        for ch in text
    )
    return re.sub(r"([.,]) (?=\s|$)", r"\1", wide.translate(_CJK_STOPS))


# A Markdown task list: "- [x] done item" was asked before, "- [ ] item" is asked now
_DONE_TASK = re.compile(r"^[ \t]*[-*]?[ \t]*\[[xX✓✔]\][^\n]*(?:\n|$)", re.MULTILINE)
_OPEN_TASK = re.compile(r"^([ \t]*[-*]?[ \t]*)\[ \][ \t]*", re.MULTILINE)
# "*Erdenet", "*50,000": a lone line correcting the message before, as chat users do
_STAR_CORRECTION = re.compile(r"^\s*\*(?!\*)\s*(?P<value>[^*\n]{1,40}?)\s*$")
# Scots and other spellings of English words ("fae", "tae", "oor", "pit the mill in")
_SPELLINGS = {
    "fae": "from",
    "frae": "from",
    "tae": "to",
    "oor": "our",
    "aboot": "about",
    "oot": "out",
    "pit": "put",
    "baith": "both",
    "cannae": "can't",
    "canna": "can't",
    "dinnae": "don't",
    "wouldnae": "wouldn't",
    "isnae": "isn't",
    "whit": "what",
    "ye": "you",
    "hoose": "house",
    "wee": "small",
    "aye": "yes",
    "an'": "and",
    "wi'": "with",
    "o'": "of",
    # letters swapped or left out of the small words ("thn wh aguascalientes, fed from teh mfg")
    "thn": "then",
    "teh": "the",
    "hte": "the",
    "adn": "and",
    "wiht": "with",
    "dwn": "down",
    "donw": "down",
    # the apostrophe left out of a question's first word
    "whats": "what's",
    "wheres": "where's",
    "hows": "how's",
    # typos of "another", which tells a second node of a kind from a detail of the first
    "anothr": "another",
    "anoter": "another",
    "antoher": "another",
    "annother": "another",
    "anohter": "another",
}
# SMS shorthand, in lower case only ("cn u", "frm", "rn"; "U.S.", "R&D" and "CN Rail" stay)
_SHORTHAND = {
    "frm": "from",
    "thru": "through",
    "cn": "can",
    "u": "you",
    "r": "are",
    "rn": "right now",
    "b4": "before",
    "pls": "please",
    "plz": "please",
    "w/": "with",
    "w/o": "without",
    "bcoz": "because",
    "bcz": "because",
    "coz": "because",
    "cuz": "because",
}
_SPELLING_RE = re.compile(
    r"(?<![\w'])("
    + "|".join(re.escape(w) for w in sorted(_SPELLINGS, key=len, reverse=True))
    + r")(?![\w'/.&-])",
    re.IGNORECASE,
)
_SHORTHAND_RE = re.compile(
    r"(?<![\w'./&-])("
    + "|".join(re.escape(w) for w in sorted(_SHORTHAND, key=len, reverse=True))
    + r")(?![\w'/.&-])"
)
# A thought sent in fragments, one per line: "ok and a store\nin swift current\n1500 tonnes"
_FRAGMENT_LINE = re.compile(
    r"(?<![.!?:;,\n])\n(?=[ \t]*(?:(?:in|at|from|to|for|with|of|near|by|and|but|like|or)\b|\d))"
)


def _respelled(text: str) -> str:
    if _STAR_CORRECTION.match(text):
        return _STAR_CORRECTION.sub(lambda m: f"I meant {m.group('value')}", text)
    text = _SPELLING_RE.sub(lambda m: _SPELLINGS[m.group(1).lower()], text)
    return _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m.group(1)], text)


_SLASH_SENTENCE = re.compile(
    r"\s+/\s+(?=(?:is|are|was|what|how|why|where|which|who|can|could|does|do|and|also|add|set"
    r"|mark|make|connect|link|remove|show|list|run|simulate|what\sif|rename|bump|change)\b)",
    re.IGNORECASE,
)
_TILDE = re.compile(r"~+")


def _tilde(match: re.Match[str]) -> str:
    """A tilde is a mark to drop ("OK～"), except between digits ("5~10") and opening a diff
    line ("~ Lae cap 8000 -> 11000")."""
    text, start, end = match.string, match.start(), match.end()
    line_start = start == 0 or text[start - 1] == "\n"
    if line_start and text[end : end + 1] in (" ", "\t"):
        return match.group()
    if start > 0 and text[start - 1].isdigit() and text[end : end + 1].isdigit():
        return match.group()
    return " "


def _reversed_arrows(text: str) -> str:
    """ "Arandas <- Atotonilco", "Laredo WH <- Guadalajara WH <- Arandas": the same links
    written the other way round."""
    lines = []
    for line in text.split("\n"):
        if "<-" in line and "->" not in line and "<->" not in line:
            ends = [p.strip() for p in line.split("<-")]
            line = " -> ".join(reversed(ends))
        lines.append(line)
    return "\n".join(lines)


# "@Musanze", "#add", "#rename @Huye DC -> Southern Hub": a chat's tags and mentions
_TAGS = re.compile(r"(?<![\w.@&])[@#](?=[A-Za-z])")
_RENAME_ARROW = re.compile(r"^(\W*rename\s+.+?)\s*(?:->|→)\s*", re.IGNORECASE | re.MULTILINE)


# "from factory Surabaya", "Supplier Medan is send the beans": the type said before the town,
# as Indonesian, Turkish or Spanish put it, where a node is meant (after "from"/"to", or as
# the subject of a flow)
_TYPE_THEN_TOWN = re.compile(
    r"(?:(?P<lead>\b(?i:from|to|into|by)\s+(?:the\s+)?)|(?:^|(?<=[.!?]\s)))"
    r"(?P<kind>(?i:factory|plant|supplier|warehouse|store|shop|distribution\scent(?:er|re)|dc|mill))"
    r"\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)"
    r"(?=(?(lead)\s*(?:[.,;!?]|$)|(?!))|\s+(?i:is|are|was|will|send|sends|ship|ships|give|gives"
    r"|take|takes|supply|supplies|deliver|delivers|get|gets)\b)",
    re.MULTILINE,
)


def _town_then_type(match: re.Match[str]) -> str:
    town = match.group("town")
    if gazetteer.lookup(town) is None:
        return match.group()
    lead = match.group("lead") or ""
    the = "the " if lead and not lead.rstrip().lower().endswith("the") else ""
    return f"{lead}{the}{town} {match.group('kind').lower()}"


# "Quick numbers for the board pack: what's our total ...?", "And the Atlanta DC: where does
# its stock originate?": a label, then a question
_LABELLED_QUESTION = re.compile(
    r"(?:^|(?<=[.!?]\s))(?P<label>[^:.!?\n]{3,60}?):[ \t]+(?=(?:what|what's|which|where|how|who"
    r"|why|when|is|are|does|do|did|can|could"
    # ("I need one number for the board pack: our total warehouse capacity")
    r"|(?:our|the)\s(?:total|combined|overall)|total)\b)",
    re.IGNORECASE | re.MULTILINE,
)


def _labelled_question(match: re.Match[str]) -> str:
    """A label that names a site or a kind stays, read with the question ("Lyon: how full is
    it?"); any other label goes."""
    label = match["label"]
    names = (
        gazetteer.find_places(label)
        or _TYPE_RE.search(label.lower())
        or re.search(r"\s[A-Z][\w'-]+", label)
    )
    return match.group() if names else ""


# "1. Growers (suppliers)", "Packhouse (plant): Cape Town, 12,000 t": the user's word for a
# heading, with our kind in brackets after it (a town said so keeps its place); "- refinery
# (plant) in Dumai, 60,000 t/month": an item said so
_OWN_WORD_THEN_KIND = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*•]|\d+[.)]|\(?[a-z][.)])?[ \t]*)"
    r"(?P<own>[A-Za-z][\w'-]*(?:[ \t][\w'-]+){0,2})"
    r"[ \t]*\((?P<kind>(?i:" + _TYPES + r"))\)(?=[ \t]*(?::|$)|[ \t]+(?:in|at|near)[ \t])",
    re.MULTILINE,
)


def _own_word_then_kind(match: re.Match[str]) -> str:
    town = gazetteer.lookup(match["own"])
    said = f"{match['kind']} in {match['own']}" if town is not None else match["kind"]
    return f"{match['lead']}{said}"


def _clean(text: str) -> str:
    text = read_sql(_narrowed(text))
    if "<-" in text:
        text = _reversed_arrows(text)
    # "regina->calgry->saskatoon": an arrow written against the words
    text = re.sub(r"(?<=\w)\s*(?:-+>|→)\s*(?=\w)|(?<=\w)(?:-+>|→)(?=\s)", " -> ", text)
    if "@" in text or "#" in text:
        text = _RENAME_ARROW.sub(r"\1 to ", _TAGS.sub("", text))
    # "set Puerto Plata capacity to 300k / is it ok status-wise?": a slash between spaces ends
    # a sentence
    # (but "the link Berlin Plant / Chicago DC" names two nodes)
    text = _SLASH_SENTENCE.sub(". ", text)
    if "[" in text:
        text = _OPEN_TASK.sub(r"\1", _DONE_TASK.sub("", text))
    if "\n" in text and not re.search(r"^[ \t]*(?:[-*•]|\d+[.)]|\(?[a-z][.)])\s", text, re.M):
        text = _FRAGMENT_LINE.sub(" ", text)
    text = _respelled(text)
    if ":" in text:
        text = _LABELLED_QUESTION.sub(_labelled_question, text)
    text = _READ_BACK.sub("show", _CHAT_MARKUP.sub("", text))
    # "Kazanlak (the Valley of the Roses, most people have never heard of it)": an aside in
    # brackets, three words or more and no number, says nothing to act on
    text = _ASIDE_IN_BRACKETS.sub("", text)
    text = _unshouted(text)
    text = _HELD_LETTER.sub(r"\1", text)
    text = _FROM_BEFORE.sub("", text)
    if "(" in text:
        text = _OWN_WORD_THEN_KIND.sub(_own_word_then_kind, text)
    if "\n" in text:
        text = _type_headed_items(text)
    text = _TYPE_DASH.sub(r"\1\2: ", text)
    text = towns_before_postpositions(text)
    text = _PHRASINGS.apply(text)
    text = in_english_order(text)
    text = _TYPE_THEN_TOWN.sub(_town_then_type, text)
    text = _WITH_A_LINK.sub(
        lambda m: ", fed by " if m.group("dir").lower() == "from" else ", shipping to ", text
    )
    text = _SPACED_THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\s", ",", m.group(2)), text)
    text = _EUROPEAN_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(".", ","), text)
    for spoken, mark in _SPOKEN_PUNCTUATION:
        text = spoken.sub(mark, text)
    text = without_emoticons(text.translate(_QUOTES))
    text = _without_emoji(text).replace("\r\n", "\n").replace("\r", "\n")
    text = without_particles(_TILDE.sub(_tilde, text))
    # "ambos -> Posadas": both, in Spanish and Portuguese
    text = re.sub(r"\bamb[oa]s\b", "both", text, flags=re.IGNORECASE)
    text = read_tables(text)
    text = _unwrapped(text)
    text = _own_type_words(text)
    # "the Colombian supplier" is the supplier in Colombia
    text = _DEMONYM_BEFORE_TYPE.sub(
        lambda m: f"{m.group('type')} in {_DEMONYMS[m.group('adj').lower()]}", text
    )
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


# "1. Plant - Kericho factory, 900 t/month": the kind, a dash, then where (as "Plant: ...")
_TYPE_DASH = re.compile(
    r"^([ \t]*(?:\d+[.)]|[-*•]|\(?[a-z][.)])?[ \t]*)(" + _TYPES + r")[ \t]+[-–—][ \t]+(?=[A-Z])",
    re.IGNORECASE | re.MULTILINE,
)
# "2. Suppliers (smallholder leaf):" above "   a. Kisii - 400 t/month": a kind heading its items
_TYPE_HEADING = re.compile(
    r"^[ \t]*(?:\d+[.)]|[-*•])?[ \t]*(?P<type>"
    + _TYPES
    + r")(?:[ \t]*\([^)\n]*\))?[ \t]*:?[ \t]*$",
    re.IGNORECASE,
)
_SUB_ITEM = re.compile(
    r"^[ \t]*(?:\(?[a-z][.)]|[-*•]|\d+[.)]|[ivx]+[.)])[ \t]+(?P<town>[A-Z][\w'. -]*?)[ \t]*"
    r"(?:[-–—:,][ \t]*)?(?P<size>\d[^\n]*)?$"
)


def _type_headed_items(text: str) -> str:
    """A kind heading its own list of towns ("Suppliers:" then "a. Kisii - 400 t/month"),
    written as one item ("Suppliers: Kisii 400 t/month, Kakamega 250 t/month")."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        heading = _TYPE_HEADING.match(lines[index])
        items: list[str] = []
        ahead = index + 1
        while heading is not None and ahead < len(lines):
            item = _SUB_ITEM.match(lines[ahead])
            if item is None or gazetteer.lookup(item.group("town")) is None:
                break
            items.append(f"{item.group('town')} {item.group('size') or ''}".strip())
            ahead += 1
        if heading is not None and items:
            lead = lines[index][: heading.start("type")]
            out.append(f"{lead}{heading.group('type')}: {', '.join(items)}")
            index = ahead
            continue
        out.append(lines[index])
        index += 1
    return "\n".join(out)


# "Add growers as suppliers: ... Link both growers to the packhouse", "a packer (plant) in
# Ica": the user's own word for a kind of node, said once, stands for it in the message
_OWN_TYPE_WORD = re.compile(
    r"\b(?P<word>[a-z][a-z-]{3,}?)(?P<plural>e?s)?\s+(?:\((?:an?\s|the\s)?(?P<bracket>(?:"
    + _TYPES
    + r")\b)\)|as\s(?:our\s|an?\s|the\s)?(?P<as>(?:"
    + _TYPES
    + r")\b))",
    re.IGNORECASE,
)
_TYPE_SAID_AS = {
    "supplier": "supplier",
    "manufacturer": "plant",
    "warehouse": "warehouse",
    "distribution_center": "distribution center",
    "retailer": "store",
}
_NOT_OWN_WORDS = frozenset(
    {"them", "these", "those", "this", "that", "both", "each", "also", "well"}
)


def _own_type_words(text: str) -> str:
    """``text`` with the user's own word for a kind of node, defined in it ("growers as
    suppliers", "packer (plant)"), written as that kind everywhere else in it."""
    if " as " not in text and "(" not in text:
        return text
    for said in _OWN_TYPE_WORD.finditer(text):
        word = said.group("word").lower()
        kind = _TYPE_RE.fullmatch((said.group("bracket") or said.group("as")).lower())
        if (
            kind is None
            or kind.lastgroup is None
            or word in _NOT_OWN_WORDS
            or word in _VOCAB
            or _TYPE_RE.fullmatch(word + (said.group("plural") or "")) is not None
        ):
            continue
        as_type = _TYPE_SAID_AS[kind.lastgroup]
        head, tail = text[: said.end()], text[said.end() :]
        own = re.compile(rf"\b{re.escape(word)}(e?s)?\b", re.IGNORECASE)
        parts: list[str] = []
        last = 0
        for used in own.finditer(tail):
            parts += [tail[last : used.start()], as_type + ("s" if used.group(1) else "")]
            last = used.end()
        return head + "".join(parts) + tail[last:]
    return text


_AFTER_A_TYPE = re.compile(
    # ("2 dcs: toronto 15k, montrael 10k": each town may carry its size)
    r"\b(?:" + _TYPES + r")\s*(?::\s*|\s+)"
    r"(?:[A-Za-z-]+(?:\s+\d[\d,.]*\s?k?)?\s*(?:,|\+|&|\band\b)\s*)*$",
    re.IGNORECASE,
)
_BEFORE_A_TYPE = re.compile(r"\s+(?:" + _TYPES + r")\b", re.IGNORECASE)
_BEFORE_A_PLACE = re.compile(
    # ("sup puebla 12k + another celaya 8k": another of the same kind, at a town)
    r"\b(?:in|at|near|from|out\sof|based\sin|port\sof|another|one\smore)\s+$",
    re.IGNORECASE,
)
# "what if pireaus port closes": a city with a typo before the word for its port
_BEFORE_A_PORT = re.compile(r"\s+(?:port|harbou?r|docks|terminal|airport)\b", re.IGNORECASE)


# "mfg san antono 9k": a town of two words, the first a usual start of one, the second misspelt
_TWO_WORD_TOWN = re.compile(
    r"\b(?:san|santa|santo|sao|são|saint|st|new|port|porto|puerto|los|las|el|la|le|rio|nova|novo"
    r"|ho|da|kuala|hong|tel|abu|buenos|belo|cape|fort|mar|ciudad|villa|south|north|east|west"
    r"|kota|bandar|ras|al)\s+[A-Za-z]{4,}\b",
    re.IGNORECASE,
)


def _two_word_towns(text: str) -> str:
    """``text`` with a two-word town spelt right when one slip made it unknown."""
    for pair in reversed(list(_TWO_WORD_TOWN.finditer(text))):
        if pair.group().split()[-1].lower() in _VOCAB:
            continue  # "a new warehouse": a word of ours, no town (and no search to pay for)
        if gazetteer.lookup(pair.group()) is not None or gazetteer.find_places(pair.group()):
            continue
        place = gazetteer.suggest(pair.group())
        if place is not None and place.city and " " in place.city:
            text = text[: pair.start()] + place.city + text[pair.end() :]
    return text


# "wh izmr 15k": a short town with a letter left out, between a type word and a size
_SHORT_SLIP = re.compile(r"\b(?:" + _TYPES + r")\s+(?P<town>[a-z]{4})(?=\s+\d)", re.IGNORECASE)


def _short_town_slips(text: str) -> str:
    """A four-letter word where a town goes, one letter short of exactly one town's name
    ("izmr" is Izmir); words of four letters are too often words to guess more widely."""

    def fixed(match: re.Match[str]) -> str:
        word = match.group("town")
        if word.casefold() in _VOCAB or gazetteer.lookup(word) is not None:
            return match.group()
        towns = {
            place.city
            for i in range(1, len(word) + 1)
            for letter in "abcdefghijklmnopqrstuvwxyz"
            if (place := gazetteer.lookup((word[:i] + letter + word[i:]).title())) is not None
            and place.city
        }
        if len(towns) != 1:
            return match.group()
        return match.group()[: match.start("town") - match.start()] + towns.pop()

    return _SHORT_SLIP.sub(fixed, text) if _SHORT_SLIP.search(text) else text


_LIST_JOINER = r"\s*(?:,\s*(?:and\s+)?|and\s+|n\s+|&\s*|\+\s*)"


def _correct(text: str, names: _Names) -> tuple[str, int]:
    """``text`` with keyword typos fixed, and how many words were fixed."""
    text = _short_town_slips(_two_word_towns(text))
    found = gazetteer.find_places(text)
    # the towns spelt right, for a misspelt one after them in a list (of the same country)
    towns = [(e, p.country) for (_s, e), p in found if p.city]
    protected: list[tuple[int, int]] = [(s, e) for (s, e), _p in found]
    protected += [(s, e) for s, e, _n, _f in _find_names(text, names) if not _f]
    parts: list[str] = []
    fixes = 0
    last = 0
    town_ended = -1  # where the last town put right ended
    for match in re.finditer(r"[A-Za-z]{5,}", text):
        start, end = match.span()
        if match.group().lower() in names.tokens or match.group().lower() in _DEMONYMS:
            continue  # ("brazilian" is Brazil's, not Brasília misspelt)
        if any(s <= start < e for s, e in protected):
            continue
        fixed = _correct_word(match.group())
        # ("stores in bilbao and sevile": the next town of a list after one spelt right)
        listed_after = max(((e, c) for e, c in towns if e <= start), default=None)
        if not re.match(r"\s*(?:[,.;:!?)]|$|and\b|&|\+)", text[end:]):
            listed_after = None  # ("Taichung, and raise Rotterdam ...": a verb, not a town)
        next_in_list = (
            listed_after is not None
            and listed_after[0] > town_ended
            and re.fullmatch(_LIST_JOINER, text[listed_after[0] : start]) is not None
        )
        # ("rm the sevile store": a town misspelt between "the" and a node type)
        the_town_kind = bool(
            re.search(r"\bthe\s+$", text[max(0, start - 5) : start], re.I)
        ) and bool(_BEFORE_A_TYPE.match(text, end))
        # "wh madird 15k", "2 stores: barcelna + bilbao": a node type, then its places
        # ("sup mersn 12k": the shorthand is a type only before a word)
        after_a_type = fixed is None and bool(
            _AFTER_A_TYPE.search(text[max(0, start - 60) : start])
            or re.search(r"\bsups?\s+$", text[max(0, start - 10) : start], re.I)
        )
        if (
            fixed is None
            and (
                _BEFORE_A_PLACE.search(text[:start])
                or _BEFORE_A_PORT.match(text, end)
                # "regina->calgry->saskatoon": a chain names places
                or re.search(r"(?:->|→)\s*$", text[max(0, start - 4) : start])
                # "stores in canberra n newcastle": the next town of a list
                or re.fullmatch(_LIST_JOINER, text[town_ended:start])
                or next_in_list
                or the_town_kind
                or re.match(r"\s*(?:->|→)", text[end : end + 4])
                # (a town ends the item: "warehouse feeds a DC" is no town)
                or (after_a_type and re.match(r"\s*(?:\d|[,+&;:.)(]|and\b|$)", text[end:]))
            )
        ):
            # "a packaging vendor in guangzou": a city with one typo, where a place is said
            # (a word before a node type is what the node is: "in pasta factory"; a town of
            # the world table whose name is also a word is no typo: "manta" is Manta, not Malta)
            place = gazetteer.town_in_lower_case(match.group())
            if place is None:
                place = gazetteer.suggest(
                    match.group(),
                    world=not _BEFORE_A_TYPE.match(text, end),
                    # ("plant toowomba 20k/mo": a type before, a size after; a town of 50,000)
                    shorthand=after_a_type and re.match(r"\s*\d", text[end:]) is not None,
                )
            fixed = place.city if place is not None and place.city else None
            if the_town_kind and fixed is not None and fixed.lower() == match.group().lower():
                fixed = None  # ("the central store": a word, not a town misspelt)
            only_listed = next_in_list and not (
                _BEFORE_A_PLACE.search(text[:start]) or after_a_type or the_town_kind
            )
            if (
                only_listed
                and place is not None
                and listed_after is not None
                and place.country != listed_after[1]
            ):
                # ("in Osaka, strong": a list of towns is of one country, Sorong is not)
                fixed = None
            if fixed is not None:
                parts.append(text[last:start])
                parts.append(fixed)
                last = town_ended = end
                fixes += 1
                continue
            # ("rockhamton -> toowomba": no town of the tables, but one of the user's nodes)
        if fixed is None:
            before_a_type = _BEFORE_A_TYPE.match(text, end) is not None
            fixed = _one_typo_from(match.group().lower(), names, shortest=5 if before_a_type else 6)
        if fixed is None:
            continue
        parts.append(text[last:start])
        parts.append(fixed.capitalize() if match.group()[0].isupper() else fixed)
        last = end
        fixes += 1
    parts.append(text[last:])
    return "".join(parts), fixes


def _one_typo_from(word: str, names: _Names, *, shortest: int = 6) -> str | None:
    """The word of one of the user's node names that ``word`` misspells by one letter
    ("regina->calgry" when the user has Calgary Warehouse), if exactly one is that close; a
    letter left out or doubled counts from ``shortest`` letters (five right before a type
    word: "publa sup" is Puebla Supplier's)."""
    if len(word) < 5 or word in _VOCAB or not word.isalpha():
        return None
    if any(word.endswith(s) and word[: -len(s)] + r in _VOCAB for s, r in _INFLECTIONS):
        return None  # "warehouses", "supplies": words of ours, not a town misspelt
    # a letter left out or doubled ("calgry"), or two letters swapped ("qiuto"); a letter
    # changed is too often another word ("leads" is not "Leeds")
    by_start = _tokens_by_start(names.tokens)
    close = {
        token
        for size in (len(word) - 1, len(word), len(word) + 1)
        for token in by_start.get((word[0], size), ())
        if (len(word) >= shortest and size != len(word) and _damerau(word, token) == 1)
        or (size == len(word) and _swapped(word, token))
    }
    return close.pop() if len(close) == 1 else None


@functools.lru_cache(maxsize=8)
def _tokens_by_start(tokens: frozenset[str]) -> dict[tuple[str, int], tuple[str, ...]]:
    """The words of the user's node names (less ours) by first letter and length: a twin of
    1,000 nodes has thousands, and a typo is looked for among a handful of them."""
    index: dict[tuple[str, int], list[str]] = {}
    for token in tokens:
        if token and token not in _VOCAB:
            index.setdefault((token[0], len(token)), []).append(token)
    return {key: tuple(found) for key, found in index.items()}


def _swapped(word: str, other: str) -> bool:
    """Whether ``other`` is ``word`` with two neighbouring letters swapped."""
    diffs = [i for i in range(len(word)) if word[i] != other[i]]
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and word[diffs[0]] == other[diffs[1]]
        and word[diffs[1]] == other[diffs[0]]
    )


# "Genoa, no, La Spezia", "14,000, actually make it 12,500": the user took a value back
# inside the sentence; the later one stands.
_TAKEN_BACK = (
    r"\W*(?:(?:hmm+|uh+|um+|er+|ah)\W+)?(?:no|nope|sorry|oops|i\s+mean[t]?|or\s+rather|rather|actually|wait|correction"
    r"|make\s+(?:that|it))\W+(?:(?:actually|i\s+mean[t]?|make\s+(?:that|it)|wait|sorry|oops|no|nope|in|at"
    r"|to|from)\W+)*"
)
_TAKEN_BACK_GAP = re.compile(rf"^{_TAKEN_BACK}$", re.IGNORECASE)
_NUMBER_TAKEN_BACK = re.compile(
    # (any one word for the unit: "15,000 hides... no wait, 12,000")
    # ("15,000 tonnes of latex a month. No wait, make it 12,000.")
    rf"\b\d[\d,.]*(?:\s?(?:k|m|thousand))?(?:\s?[a-z]+(?:\sof\s[a-z]+)?)?"
    rf"(?:\s(?:a|per)\s(?:month|week|year|day))?[,.;]?(?={_TAKEN_BACK}\d)"
    rf"{_TAKEN_BACK}(?=\d)",
    re.IGNORECASE,
)


_STATUS_TAKEN_BACK = re.compile(
    # ("Set the factory to degraded. No, not degraded, disrupted")
    rf"\b(?P<said>operational|degraded|offline|disrupted|online|down|up)(?:{_TAKEN_BACK})"
    r"(?:not\s+(?P=said)\W+)?(?=(?:operational|degraded|offline|disrupted|online|down|up)\b)",
    re.IGNORECASE,
)


# "Set currency to NZD... no, AUD obviously", "risk profile cautious, no, balanced": a setting's
# value taken back
# "high is too aggressive for our lenders; make it medium": the value turned down, then the one
# wanted
_VALUE_TURNED_DOWN = re.compile(
    r"\b(?:low|medium|high|conservative|cautious|balanced|moderate|aggressive)\s(?:is|seems|feels"
    r"|sounds)\s(?:too|a\sbit|way\stoo|far\stoo)\s[\w-]+(?:\s(?:for|with)\s[^;,.!?]+)?\s*[;,.]\s*(?=\w)",
    re.IGNORECASE,
)
# ("Set the currency to zloty, no, euros": a currency by its name)
_MONEY_WORDS = (
    r"zloty|zlotys|euros?|dollars?|pounds?|sterling|yen|yuan|renminbi|rupees?|francs?|pesos?"
    r"|reais|real|won|lira|rand|krona|kronor|krone|kroner|ringgit|baht|dong|rupiah|dirhams?"
    r"|riyals?|shekels?|naira|shillings?|forint|koruna|lei|leu"
)
_SETTING_TAKEN_BACK = re.compile(
    rf"\b(?:(?-i:[A-Z]{{3}})|conservative|cautious|balanced|moderate|aggressive|{_MONEY_WORDS})"
    rf"(?:\.\.\.|…)?(?:{_TAKEN_BACK})(?=(?:(?-i:[A-Z]{{3}})|conservative|cautious|balanced|moderate"
    rf"|aggressive|(?:{_MONEY_WORDS}))\b)",
    re.IGNORECASE,
)


# "the link between Zurich and Geneva two-way for returns, sorry, I mean Zurich and Lausanne":
# the pair said again replaces the pair said first.
_PAIR_TAKEN_BACK = re.compile(
    r"\b(?P<head>between\s)(?P<a>[^,;.]+?)\sand\s(?P<b>[^,;.]+?)(?P<mid>\s[^,;.]*?)?,?\s+(?:sorry|no"
    r"|oops|wait)\W+(?:i\smean[t]?|make\sthat|rather|i\sshould\shave\ssaid)\s(?:between\s)?"
    r"(?P<c>[^,;.]+?)\sand\s(?P<d>[^,;.]+?)(?=\s*(?:[;.,]|$))",
    re.IGNORECASE,
)


# "Connect Trabzon to Samsun... no, scratch that, connect the Giresun plant to Samsun": what
# was said before "scratch that" in the sentence is taken back
_SCRATCH_THAT = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))"
    # ("Remove X. Wait, no, scratch that, keep it.": nothing but interjections before it, so
    # the sentence before is what is taken back)
    r"(?!\W*(?:(?:wait|no|nah|sorry|oops|hmm+|ok|okay|actually|oh|ah|um+)\W+)*(?:scratch|forget"
    r"|ignore|strike|cancel|disregard)\s)[^.!?\n]*?(?:\.\.\.|…|[,;-])\s*(?:(?:no|nah|wait|sorry|oops)\W+)*"
    r"(?:scratch|forget|ignore|strike|cancel|disregard)\s+(?:that|this)\b[,.!;:]?\s*(?=\S)",
    re.IGNORECASE,
)
# "Add a supplier in Ordu, 6,000 tonnes a season - sorry, Trabzon, not Ordu.": the town said
# to be wrong earlier in the sentence is replaced by the right one
_RIGHT_NOT_WRONG = re.compile(
    r"\s*[-–—,;.]?\s*(?i:(?:sorry|no|wait|oops|i\s+mean[t]?|actually|correction"
    # ("Scratch that, Johannesburg, not Durban": the town replaced, the rest kept)
    r"|(?:scratch|strike)\s+that)\W+)+"
    r"(?P<right>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?),?\s+not\s+(?:in\s+)?(?P<wrong>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)"
    # ("DC in Durban, 5,000 cases, sorry, Johannesburg, not Durban, fed by Cape Town.")
    r"(?=\s*[.!]?\s*$|\s*[.!,]\s)",
    re.MULTILINE,
)


# "Add a DC in Toulouse, fed by Marseille. Wait, no, fed by the Lyon plant, not Marseille.":
# the relation said again with the right end, the wrong one named after "not"
_RELATION_NOT_WRONG = re.compile(
    r"\s*[-–—,;.]?\s*(?i:(?:sorry|no|wait|oops|i\s+mean[t]?|actually|correction)\W+)+"
    r"(?P<rel>(?i:fed\s+by|fed\s+from|supplied\s+by|shipping\s+to|ships\s+to|from|to))\s+"
    r"(?P<right>[^,.;!?]+?),?\s+not\s+(?:the\s+)?(?P<wrong>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)"
    r"(?=\s*[.!]?\s*$|\s*[.!]\s)",
    re.MULTILINE,
)


def _relation_not_wrong(text: str) -> str:
    said = _RELATION_NOT_WRONG.search(text)
    if said is None:
        return text
    before = text[: said.start()]
    wrong = re.search(
        rf"\b{re.escape(said.group('rel'))}\s+(?:the\s+)?(?P<w>{re.escape(said.group('wrong'))})\b",
        before,
        re.IGNORECASE,
    )
    if wrong is None:
        return text
    fixed = before[: wrong.start("w")] + said.group("right") + before[wrong.end("w") :]
    return fixed + text[said.end() :]


# "Connect Guntur to Chennai. Actually no, not Chennai, Kochi.": the wrong town first
_NOT_WRONG_BUT_RIGHT = re.compile(
    r"\s*[-–—,;.]?\s*(?i:(?:sorry|no|wait|oops|actually|correction|hmm+|um+|oh|ah)\W+)+"
    r"(?i:not)\s+(?:in\s+)?(?P<wrong>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?),?\s+(?i:but\s+)?(?:in\s+)?"
    r"(?P<right>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)(?:,?\s+(?i:sorry))?(?=\s*[.!]?\s*$|\s*[.!,]\s)",
    re.MULTILINE,
)


def _right_not_wrong(text: str) -> str:
    text = _relation_not_wrong(text)
    for said in itertools.chain(
        _RIGHT_NOT_WRONG.finditer(text), _NOT_WRONG_BUT_RIGHT.finditer(text)
    ):
        before = text[: said.start()]
        wrong = re.search(rf"\b{re.escape(said.group('wrong'))}\b", before)
        if wrong is None or gazetteer.lookup(said.group("right")) is None:
            continue
        fixed = before[: wrong.start()] + said.group("right") + before[wrong.end() :]
        return fixed + text[said.end() :]
    return text


def _self_corrected(text: str) -> str:
    """``text`` with values the user took back in the same breath removed."""
    scratched = _SCRATCH_THAT.sub("", text)
    if scratched != text:
        # "And add a warehouse in Ostrava, 10,000 - scratch that, no warehouse in Ostrava.": the
        # take-back said again after it
        scratched = re.sub(
            r"(?:^|(?<=[.!?]\s))no\s(?:new\s)?(?:" + _TYPES + r")\b[^.!?]*[.!?]?\s*",
            "",
            scratched,
            flags=re.IGNORECASE | re.MULTILINE,
        ).strip()
    text = _right_not_wrong(scratched)
    text = _PAIR_TAKEN_BACK.sub(
        lambda m: f"{m.group('head')}{m.group('c')} and {m.group('d')}{m.group('mid') or ''}", text
    )
    text = _NUMBER_TAKEN_BACK.sub("", text)
    text = _STATUS_TAKEN_BACK.sub("", text)  # "mark Ulsan degraded, no, offline"
    text = _SETTING_TAKEN_BACK.sub("", text)
    text = _VALUE_TURNED_DOWN.sub("", text)
    places = gazetteer.find_places(text)
    for ((start, end), old), ((later, _e), new) in itertools.pairwise(places):
        if (
            old != new
            and _TAKEN_BACK_GAP.match(text[end:later])
            and not re.search(r"\b(?:not|no)\s+(?:in\s+)?$", text[:start], re.IGNORECASE)
        ):
            # ("Sorry, not Zaria, I meant Katsina" already says which one is wrong.)
            taken = text[start:end]
            rest = re.sub(rf",?\s*not\s+(?:in\s+)?{re.escape(taken)}\b", "", text[later:], count=1)
            return _self_corrected(text[:start] + rest)
    return text


# Romanised Hindi as Indian planners mix it into English ("Delhi mein ek DC add karo, aur
# Mumbai Warehouse ko usse connect karo"): its function words, read as English ones. Only in a
# message with two or more of its markers, since some are English words elsewhere.
_HINGLISH_MARKERS = re.compile(
    r"\b(?:kar\s?do|karo|karna|kijiye|kariye|mein|hai|hain|aur|usko|usse|isko|isse|unko|unse|bhi"
    r"|naya|nayi|naye|kya|ke\sliye|ho\sjaye|ho\sjaaye|chahiye|wala|wali|abhi|yaar|theek)\b",
    re.IGNORECASE,
)
_HINGLISH_WORDS = (
    (r"\b(?:usko|usse|isko|isse)\b", "it"),
    (r"\b(?:unko|unse)\b", "them"),
    (r"\baur\b", "and"),
    (r"\bbhi\b", "also"),
    (r"\bek\b", "a"),
    (r"\b(?:naya|nayi|naye)\b", "new"),
    (r"\bkya\b", "what"),
    (r"\bke\sliye\b", "for"),
    (r"\b(?:fail|down|band)\sho\s(?:jaye|jaaye|jata|jaata|gaya)\b", "fails"),
    (r"\b(?:kar\s?do|karo|karna|kijiye|kariye|kar\sdijiye)\b", ""),
    (r"\bse\b", "with"),
    (r"\bko\b", ""),
)


def _hinglish(text: str) -> str:
    """``text`` with romanised Hindi function words in English, when it has them."""
    if len({m.group().lower() for m in _HINGLISH_MARKERS.finditer(text)}) < 2:
        return text
    # "Delhi mein": "in Delhi" (Hindi puts the preposition after the place).
    for (start, end), _place in reversed(gazetteer.find_places(text)):
        after = re.match(r"\s+mein\b", text[end:], re.IGNORECASE)
        if after is not None:
            text = f"{text[:start]}in {text[start:end]}{text[end + after.end() :]}"
    for pattern, english in _HINGLISH_WORDS:
        text = re.sub(pattern, english, text, flags=re.IGNORECASE)
    # Hindi puts the verb last ("Mumbai Warehouse it connect"): first, as in English.
    parts = re.split(r"(\s*(?:,\s*(?:and\s+)?|\band\b|[.;!?])\s*)", _WS.sub(" ", text))
    return "".join(_VERB_LAST.sub(r"\g<verb> \g<rest>", part) for part in parts).strip()


_VERB_LAST = re.compile(
    r"^(?P<rest>\S.*?)\s+(?P<verb>add|connect|link|disconnect|remove|delete|update|set|change"
    r"|double|halve|increase|decrease|reduce|raise|show|list|simulate|check|mark|rename)"
    r"(?:\s+(?:please|pls|na|jaldi))?\s*$",
    re.IGNORECASE,
)


# Spanish mixed into English ("y un warehouse en Monterrey, 10k", "cuántas stores tengo?"):
# its function words and the domain's nouns, read as English, in a message with two or more of
# its markers (some, like "en" and "y", mean other things elsewhere).
_SPANISH_MARKERS = re.compile(
    r"\b(?:y|en|un|una|al\smes|por\smes|necesito|quiero|tengo|tenemos|cu[aá]nt[oa]s|tiendas?"
    r"|almac[eé]n(?:es)?|proveedor(?:es)?|f[aá]bricas?|por\sfavor|hola|gracias|tambi[eé]n|pero"
    r"|d[oó]lares|conect[ae]\w*|agreg[ae]\w*|añad[ei]\w*|elimin[ae]\w*|borr[ae]\w*|mi|mis|nuestr[oa]s?"
    r"|desde|hacia|para|con|del|abre|todav[ií]a)\b",
    re.IGNORECASE,
)
_SPANISH_WORDS = (
    (r"\bcu[aá]nt[oa]s\b", "how many"),
    (r"\btengo\b", "do I have"),
    (r"\btenemos\b", "do we have"),
    (r"\bal\smes\b|\bpor\smes\b|\bmensuales\b", "a month"),
    (r"\btiendas\b", "stores"),
    (r"\btienda\b", "store"),
    (r"\balmac[eé]nes\b", "warehouses"),
    (r"\balmac[eé]n\b", "warehouse"),
    (r"\bproveedores\b", "suppliers"),
    (r"\bproveedor\b", "supplier"),
    (r"\bf[aá]bricas?\b|\bplantas?\b", "plant"),
    (r"\bd[oó]lares\b", "dollars"),
    (r"\bpor\sfavor\b", "please"),
    (r"\bhola\b", "hello"),
    (r"\bgracias\b", "thanks"),
    (r"\btambi[eé]n\b", "also"),
    (r"\bno\sconect(?:es|en|ar)\b", "don't connect"),
    (r"\bconect(?:a|ar|e|en)\b", "connect"),
    (r"\b(?:agreg|añad)(?:a|ar|e|en|i[rd])\b", "add"),
    (r"\b(?:elimin|borr)(?:a|ar|e|en)\b", "remove"),
    (r"\bdesde\b", "from"),
    (r"\bhacia\b", "to"),
    (
        r"\bnecesito\s(?:armar|crear|montar|hacer)\s(?:mi|nuestra|la)\sred\b",
        "let's build the network",
    ),
    (r"\ben\b", "in"),
    (r"\by\b", "and"),
    (r"\b(?:un|una)\b", "a"),
)


def _spanglish(text: str) -> str:
    """``text`` with Spanish function words and domain nouns in English, when it has them."""
    if len({m.group().lower() for m in _SPANISH_MARKERS.finditer(text)}) < 2:
        return text
    for pattern, english in _SPANISH_WORDS:
        text = re.sub(pattern, english, text, flags=re.IGNORECASE)
    return text


# French mixed into English ("on a aussi un supplier de thé à Marseille, il ship direct à la
# brasserie de Lyon"): its function words and nouns read as English, in a message with two or
# more of its markers (one "à" or "et" alone is a name's or a typo's).
_FRENCH_MARKERS = re.compile(
    r"(?<![\w'-])(?:on\sa|aussi|une?|à|et|il|elle|les|mais|stp|svp|merci|notre|nos|avec|pour"
    r"|encore|c'est|quoi|là|des|du|bouteilles|semaine|mois|salut|bonjour|on\spasse|genre|cet"
    r"|cette|d'une?|viennent|vient|signé|beaucoup|contrat|négocie)(?![\w'-])",
    re.IGNORECASE,
)
_FRENCH_WORDS = (
    (r"\bon\spasse\sen\b", "switch to"),
    (r"\bon\sa\saussi\b", "we also have"),
    (r"\bon\sa\b", "we have"),
    (r"\b(?:s'il\s(?:te|vous)\spla[iî]t|stp|svp)\b", "please"),
    (r"\bbouteilles\b", "bottles"),
    (r"\bsemaine\b", "week"),
    (r"\bpar\smois\b|/mois\b", "a month"),
    (r"\bmois\b", "months"),
    (r"\bbrasseries?\b|\busines?\b", "plant"),
    (r"\bentrep[ôo]ts?\b", "warehouse"),
    (r"\bfournisseurs?\b", "supplier"),
    (r"\bmagasins?\b|\bboutiques?\b", "store"),
    (r"\b(?:viennent|vient)\sd(?:'|e\s)(?:une?\s)?", "come from a "),
    (r"(?<![\w'-])les(?![\w'-])", "the"),
    (r"\baussi\b", "also"),
    (r"\bmais\b", "but"),
    (r"\bavec\b", "with"),
    (r"\bpour\b", "for"),
    (r"\bnotre\b|\bnos\b", "our"),
    (r"\bencore\b", "still"),
    (r"\bmerci(?:\sbeaucoup)?\b", "thanks"),
    (r"\bsalut\b", "hi"),
    # "il ship direct à la brasserie": to; "un wh à Paris": in
    (
        r"\b((?:ship|ships|send|sends|deliver|delivers|livre|envoie)(?:\s(?:direct|directement))?)\s"
        r"à\s(?:la\s|le\s|l')?",
        r"\1 to the ",
    ),
    (r"(?<![\w'-])à(?![\w'-])", "in"),
    (r"(?<![\w'-])et(?![\w'-])", "and"),
    (r"(?<![\w'-])il(?![\w'-])|(?<![\w'-])elle(?![\w'-])", "it"),
    (r"(?<![\w'-])(?:une?|d'une?)(?![\w'-])", "a"),
    (r"\bde\s(?=th[ée]\b|caf[ée]\b|sucre\b|verre\b)", "of "),  # "un supplier de thé"
)
# "la brasserie de Lyon": the place (capitalised) after the node's type
_TYPE_DE_PLACE = re.compile(r"\b(plant|warehouse|supplier|store|wh|dc)\sde\s(?=[A-ZÀ-Ý])")


def _franglais(text: str) -> str:
    """``text`` with French function words and nouns in English, when it has them."""
    if len({m.group().lower() for m in _FRENCH_MARKERS.finditer(text)}) < 2:
        return text
    for pattern, english in _FRENCH_WORDS:
        text = re.sub(pattern, english, text, flags=re.IGNORECASE)
    return _TYPE_DE_PLACE.sub(r"\1 in ", text)


# Singlish ("eh can show me all my DCs or not", "add another DC in surabaya can? 8k", "very
# jialat or not"): its sentence-final particles and "can?" / "or not?" questions that ask for
# something, read as plain English.
_SINGLISH_MARKER = re.compile(
    r"\b(?:lah|leh|lor|meh|hor|sia|jialat|shiok|alamak|walao)\b|\bcan\s*\?|\bor\snot\s*\?|\bor\snot\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SINGLISH = (
    (r"\s+(?:lah|leh|lor|meh|hor|sia)\b(?=\s*(?:[.!?,;]|$))", ""),
    (r"^(\W*)(?:eh|wah|aiyah|aiyo|alamak|walao)\b\W*", r"\1"),
    (
        r"^(\W*(?:(?:ok|okay|so|then)\W+)*)can\s(?=(?:show|give|list|add|tell|check|help|run"
        r"|connect|set|make|mark)\b)",
        r"\1",
    ),
    (r"\s*\bcan\s+or\s+not\s*\?|\s*\bcan\s*\?", " please."),
    (r"\s*\bor\s+not\s*(?:\?|$)", "?"),
    (r"\s+how\s*\?", "?"),  # "if shenzhen down 3 weeks how?"
)


def _singlish(text: str) -> str:
    """``text`` with Singlish particles read as plain English, when it has them."""
    if _SINGLISH_MARKER.search(text) is None:
        return text
    for pattern, english in _SINGLISH:
        text = re.sub(pattern, english, text, flags=re.IGNORECASE | re.MULTILINE)
    return text


# Taglish (Tagalog mixed into English: "Then yung mango farms, supplier in General Santos, 8k
# kg, supplies the Davao plant po", "Pa-add din po ng stores in Hong Kong"): its particles and
# function words read as English, in a message with two or more of its markers.
_TAGALOG_MARKERS = re.compile(
    r"\b(?:po|yung|ang|ng|din|rin|naman|pala|lang|sige|salamat|pa-?add|mali|ako|kasi|tapos|opo"
    r"|natin|namin|kami|tayo|ba|na\sba|diba)\b",
    re.IGNORECASE,
)
_TAGALOG_WORDS = (
    (r"\bpa-?add\b", "add"),
    (r"\bpa-?remove\b", "remove"),
    (r"\bpa-?connect\b", "connect"),
    (r"\bmali\sako\b", "my mistake"),
    (r"\bsige\b", "ok"),
    (r"\btapos\b", "then"),
    (r"\b(?:yung|ang)\b", "the"),
    (r"\b(?:din|rin)\b", "also"),
    (r"\s*\b(?:po|opo|naman|pala|lang|kasi|ba|diba)\b", ""),
    (r"\bng\s", ""),
)


def _taglish(text: str) -> str:
    """``text`` with Tagalog particles and function words read as English, when it has them."""
    if len({m.group().lower() for m in _TAGALOG_MARKERS.finditer(text)}) < 2:
        return text
    for pattern, english in _TAGALOG_WORDS:
        text = re.sub(pattern, english, text, flags=re.IGNORECASE)
    return text
