"""Entity-first reading of a step the rules left unread.

The rules read sentence shapes. A user describing the network in their own words ("beans come
from an importer in Oslo, 5,000 kg, and a co-op in Trondheim", "the cafes in Stavanger and
Tromsø get everything from the roastery") writes shapes no rule has seen, and each new writer
brings new ones. This reader ignores the shape and looks at what the step names and how those
names relate:

* the **sites it introduces**: a word for what a site is (the node-type words, and the roles
  people give their partners: importer, grower, co-op, café, ...), a new place for it, and
  maybe a size;
* the **nodes it points at**: the user's nodes by name or place, "the mill", "it", "both";
* a **verb of flow** between them, whose direction says which side ships to which
  ("supplies", "goes to", "sells to" carry goods away from the subject; "comes from", "buys
  from", "is fed by" bring them to it).

It then says the step again in the plain words the rules read ("add a supplier in Oslo,
capacity 5000", "ship from Oslo Supplier to the plant"), so that what it finds goes through the
same rules, validation, references and confirmation as everything else. It only adds nodes and
links, never removes or changes one, and reads nothing from a question, a negation, a
hypothetical, a correction or a plan for later: those stay with the rules (which ask or decline).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ..commands import DEFAULT_NAME_WORD, Place
from .mood import Mood, mood
from .names import _Names
from .numbers import _NUMBER, parse_number
from .references import _analyse
from .rules import PLANNED
from .vocabulary import _ADD_VERB_RE, _NO_FLOW, _TYPE_RE

__all__ = ["read_frames", "read_what_if"]

# What people call a site by its role, beyond the node-type words of the vocabulary: words that
# say what a partner does, not what kind of building it is.
_ROLE_PATTERNS = {
    "supplier": (
        r"importers?|exporters?|growers?|farms?|farmers?|co-?ops?|co-?operatives?|cooperatives?"
        r"|orchards?|plantations?|estates?|ginner(?:y|ies)|maltings|quarr(?:y|ies)|wholesalers?"
        r"|traders?|merchants?|collectors?|spinners?|spinning\smills?|dye\s?houses?|dye\s?works|smallholders?|hatcher(?:y|ies)|fisher(?:y|ies)|vineyards?|ranch(?:es)?"
        r"|collection\s(?:cent(?:re|er)s?|points?)|buying\s(?:stations?|points?)"
        r"|(?:raw\smaterials?|parts|component|ingredients?|packaging)\s(?:makers?|vendors?)"
    ),
    "manufacturer": (
        r"workshops?|ateliers?|winer(?:y|ies)|tanner(?:y|ies)|bakehouses?|central\skitchens?"
        r"|(?:production|processing|assembly)\s(?:units?|halls?|sites?)|weaving\smills?"
    ),
    "warehouse": r"godowns?|cold\srooms?|3pls?|third[\s-]party\swarehouses?|storerooms?",
    "distribution_center": r"wholesale\shubs?|dispatch\s(?:cent(?:re|er)s?|hubs?)",
    "retailer": (
        r"caf[eé]s?|coffee\sshops?|restaurants?|kiosks?|stalls?|supermarkets?|pharmac(?:y|ies)"
        r"|dealers(?:hips?)?|dealerships?|franchises?|salons?|market\sstalls?|counters?"
    ),
}
_ROLE_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{t}>{p})" for t, p in _ROLE_PATTERNS.items()) + r")\b",
    re.IGNORECASE,
)
_PLURAL = re.compile(r"(?:s|ies|es)$|maltings$", re.IGNORECASE)

# Verbs of flow. Out: the subject's goods go to the object. In: the subject's come from it.
# A few words may stand between the verb and its preposition ("sends its finished oil to").
_GAP = r"(?:\s+[\w'-]+){0,4}?"
_FLOW_OUT = re.compile(
    r"\b(?:suppl(?:y|ies|ying)|feed(?:s|ing)?|serv(?:e|es|ing)|stock(?:s|ing)?"
    r"|(?:ship|send|deliver|sell|distribute|truck|forward|move|pass|export|route|give|provide"
    r"|bring|brings|take|takes)"
    rf"(?:s|es|ing|ed)?(?:{_GAP}\s+(?:on\s)?(?:to|into|for)|{_GAP}(?=\s+there\b))"
    r"|sent\b(?:\s+[\w'-]+){0,4}?\s+to|(?:go|goes|going|went)\s(?:on\s|out\s|straight\s|direct(?:ly)?\s)?to"
    r"|ends?\sup\s(?:at|in|with)|provid(?:e|es|ing))\b",
    re.IGNORECASE,
)
_FLOW_IN = re.compile(
    r"\b(?:(?:come|comes|coming|came)\s(?:in\s)?from"
    rf"|(?:get|gets|getting|got|buy|buys|buying|bought|source|sources|sourcing|sourced|receive"
    rf"|receives|receiving|order|orders|ordering|import|imports|importing|draw|draws|take|takes"
    rf"|pull|pulls){_GAP}\s+from"
    r"|(?:is|are|gets?|being)?\s?(?:fed|supplied|served|stocked|restocked|replenished|sourced"
    r"|delivered|shipped)\s(?:by|from|out\sof)"
    r"|arrives?\sfrom"
    # "Both from Colombo warehouse by sea": the verb left out after a subject that points back
    r"|(?<=both\s)from|(?<=all\s)from|(?<=each\s)from)\b",
    re.IGNORECASE,
)
# Words that make a described site a new one ("a co-op in Trondheim", "our cafés in ...").
_NEW_CUE = re.compile(
    r"\b(?:add|adding|put|include|enter|record|a|an|another|one|new|second|2nd|third|3rd|two"
    r"|three|four|five|several|some|our|my|we\s(?:have|got|use|run|own|rent|buy|get|source|work)"
    r"|there(?:'s|\sis|\sare)|plus|also)\b",
    re.IGNORECASE,
)
_NUMBER_TOKEN = re.compile(rf"(?<![\w.:])({_NUMBER})(?![\w:])", re.IGNORECASE)
_NOT_A_SIZE_AFTER = re.compile(
    r"^\s*(?:%|per\s?cent|percent|days?|weeks?|wks?|hours?|hrs?|h\b|years?|yrs?|am\b|pm\b"
    r"|minutes?|mins?|o'clock|times|x\b|st\b|nd\b|rd\b|th\b)",
    re.IGNORECASE,
)
_EACH_SIZE = re.compile(
    r"\beach\s(?:[a-z]+\s){0,3}?(?P<a>\d[\d,.]*\s?(?:k|thousand)?)(?![\d%])"
    r"|(?P<b>\d[\d,.]*\s?k?)\s*(?:[a-z]{1,12}\s+)?(?:each|apiece)\b",
    re.IGNORECASE,
)
_PLURAL_POINTER = re.compile(
    r"\b(?:(?:they|them|these|those)(?:\sboth|\sall)?|both(?:\sof\sthem)?|each\sof\sthem"
    r"|the\s(?:two|three|four|five)(?:\sof\sthem)?|all\s(?:two|three|four|five)"
    r"|all\sof\sthem)\b",
    re.IGNORECASE,
)
_COUNT = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5}
_SINGLE_POINTER = re.compile(r"^\W*(?:it|there|this\sone|that\sone|this|that)\W*$", re.I)
_PAST_OR_OTHER = re.compile(
    r"\b(?:used\sto|last\s(?:year|month|week|time)|years?\sago|in\s(?:19|20)\d\d|once|never"
    r"|visited|worked\s(?:at|for|in)|competitors?|rivals?)\b",
    re.IGNORECASE,
)
_AND_PLACE = re.compile(
    # ("one is in Denizli with 30,000 kg, other one is in Adana": the size of the one before,
    # then the next)
    # (a size with its period: "one in Kisii, 12,000 kg per month, and one in Nyeri")
    r"^\s*(?:(?:with\s|of\s|,\s*)?(?:about\s|around\s)?\d[\d,.]*\s?(?:k|m)?(?:\s[a-z]{1,12})?"
    r"(?:\s?(?:per|a|an|each|every|/)\s?(?:month|week|day|year|quarter|mo|wk|yr))?\s*)?"
    r"(?:,\s*)?(?:and|&|\+|or|as\swell\sas|plus|,)\s*(?:(?:the\s)?other\s(?:one\s)?|one\s|another\s)?"
    r"(?:is\s)?(?:in\s|at\s)?$"
)
_SIZED_FROM = re.compile(r"\d[\d,.]*\s?(?:k|m)?(?:\s[a-z]{1,12})?\s+(?P<from>from)\s", re.I)
# "mill to Kotka also.": two nodes and "to", nothing else
_BARE_TO = re.compile(
    r"^\W*(?:(?:and|also|then|now|plus)\s+)?(?:the\s+|our\s+)?[^\s,]+(?:\s[^\s,]+)?\s(?P<to>to|into)"
    r"\s(?:the\s+|our\s+)?[^\s,]+(?:\s[^\s,]+)?(?:\s+(?:also|too|as\swell))?\W*$",
    re.IGNORECASE,
)
_THEN_TO = re.compile(r",\s+(?:and\s+)?(?:also\s+)?(?P<to>to|into)\s+(?=\S)", re.I)
_LIST_OPENS = re.compile(r"[^.:\n]{0,40}?:\s*")
_FIRST_IN_LIST = re.compile(r"\s*(?:(?:one|the\s+first|first)\s+)?(?:(?:in|at)\s+)?", re.I)
_NEXT_IN_LIST = re.compile(
    r"[^.\n:]*?(?:,|\band\b|&|\+|;)\s*(?:and\s+)?(?:(?:(?:the\s+)?other|another|one|the\s+second)\s+)?"
    r"(?:(?:one\s+)?(?:in|at)\s+)?",
    re.IGNORECASE,
)
_OPENS_THE_STEP = re.compile(
    r"\W*(?:(?:and|also|plus|then|next|ok|okay|so|now)\W+)*(?:new\s+|second\s+|2nd\s+)?", re.I
)
_US = re.compile(
    r"\W*(?:(?:straight|direct(?:ly)?|right)\s+)?(?:from\s+|to\s+)?(?:us|me|our\s+place)\W*", re.I
)
_PLACE_GAP = re.compile(
    r"^\s*,?\s*(?:[\w'-]+\s+){0,3}?(?:in|at|near|outside|around|of|from|by|based\sin|located\sin"
    r"|just\soutside|close\sto)\s+(?:the\s)?$|^\s*[,:–-]\s*$|^\s*$"
    # "one warehouse, depo we say, in Izmir": a short aside between commas
    r"|^\s*,(?:\s*[^\W\d]+){1,4}\s*,\s*(?:in|at|near|based\sin|located\sin)\s+(?:the\s)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Site:
    """A new node the step introduces: its type, where, its size, and where it was said."""

    node_type: str
    place_text: str
    place: Place
    capacity: float | None
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"{self.place.city or self.place_text} {DEFAULT_NAME_WORD[self.node_type]}"

    def clause(self) -> str:
        word = DEFAULT_NAME_WORD[self.node_type].lower()
        size = f", capacity {self.capacity:.0f}" if self.capacity is not None else ""
        return f"add a {word} in {self.place_text}{size}"


def read_frames(
    text: str, names: _Names, recent: tuple[str, ...] = (), *, building: bool = False
) -> list[str] | None:
    """The step said again in the rules' words, or None when it introduces no site and
    relates no two nodes. ``recent`` are the nodes the message added before this step, in
    order (what "both" and "them" point back at). A site only described ("our proveedor is
    in Monterrey, 7k a month") is added only while ``building`` (the user has a network or
    said they are setting one up); otherwise it takes a verb of adding or a flow."""
    step = _analyse(text, names)
    masked = step.masked
    if mood(masked) is not Mood.COMMAND or _PAST_OR_OTHER.search(text) or PLANNED.search(masked):
        return None
    if masked.rstrip().endswith("?") or _NO_FLOW.search(masked):
        return None  # ("has nothing feeding it now": no flow, said)
    roles = _roles(masked)
    flow = _flow(masked)
    asked = _ADD_VERB_RE.search(masked) is not None
    links: list[str] = []
    if flow is not None:
        # the sites as the flow would have them, to see whether both of its sides are said
        sites = _sites(text, step.places, roles, names, asked=True, building=True)
        start, end, outward = flow
        left = _side(text[:start], 0, sites, roles, names, recent)
        clause = max(text.rfind(",", 0, start), text.rfind(";", 0, start))
        if clause > 0:
            # "a warehouse in Utrecht, 20000 bags, Venlo is sending to there": the subject
            # is the one said right before the verb, when that clause names one
            said = text[clause + 1 : start]
            nearest = _side(said, clause + 1, sites, roles, names, recent)
            pointer = re.search(r"\b(?:it|they|them|both|these|those|he|she)\b", said, re.I)
            if nearest and pointer is None:
                left = nearest  # ("..., 500 tonnes a year, they deliver": "they" is the site)
        arrow = "->" in masked[start:end] or "→" in masked[start:end]
        if (
            arrow
            and not left
            and recent
            and re.fullmatch(r"\W*(?:also|and|then|plus)?\W*", text[:start], re.I)
        ):
            left = [recent[-1]]  # "soles supplier in Zapopan, 30k, also -> plant": that one
        right = _side(text[end:], end, sites, roles, names, recent)
        if left and right:
            asked = True  # "a grower near Kecskemét, 500 tonnes, delivers to the mill"
            sources, targets = (left, right) if outward else (right, left)
            links = [f"ship from {a} to {b}" for a in sources for b in targets if a != b]
    sites = _sites(text, step.places, roles, names, asked=asked, building=building)
    if flow is not None and not flow[2] and not _side(text[: flow[0]], 0, [], roles, names, ()):
        # "The yarn comes from a spinner in Galashiels": what sends goods to the user is their
        # supplier, whatever it is called
        sites = [
            dataclasses.replace(site, node_type="supplier") if site.start > flow[0] else site
            for site in sites
        ]
    if (
        flow is not None
        and not flow[2]
        and not sites
        and building
        and not _side(text[: flow[0]], 0, [], roles, names, ())
    ):
        # "The malt is coming from Brno, ..., 20 000 tonnes": goods that come from a town
        # where the user has nothing come from a supplier there
        for start, end, place in step.places:
            gap = text[flow[1] : start]
            if (
                place.city
                and re.fullmatch(r"\s*(?:the\s+)?", gap)
                and not names.named_after(place.city)
            ):
                limit = next((p[0] for p in step.places if p[0] > start), len(text))
                size = _sized(text, end, limit)
                sites = [_Site("supplier", text[start:end], place, size, start, end)]
                break
    each = _EACH_SIZE.search(text)
    if each is not None and len(sites) > 1:
        # "3 cafés in Faro, Braga and Coimbra, each can take 1 t": one size for all
        size = parse_number(each.group("a") or each.group("b"))
        sites = [
            dataclasses.replace(site, capacity=site.capacity or size) if size else site
            for site in sites
        ]
    clauses = [site.clause() for site in sites] + links
    return clauses or None


def _roles(masked: str) -> list[tuple[int, int, str, bool]]:
    """Words naming what a site is: (start, end, node type, plural)."""
    found = [
        (m.start(), m.end(), m.lastgroup or "", bool(_PLURAL.search(m.group())))
        for pattern in (_TYPE_RE, _ROLE_RE)
        for m in pattern.finditer(masked)
    ]
    found.sort()
    kept: list[tuple[int, int, str, bool]] = []
    for role in found:
        if kept and role[0] < kept[-1][1]:
            if role[1] - role[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = role  # the longer of two overlapping words ("coffee shop")
            continue
        kept.append(role)
    return kept


def _flow(masked: str) -> tuple[int, int, bool] | None:
    """The verb of flow the step says (its span, and whether goods leave the subject)."""
    found = [(m.start(), m.end(), True) for m in _FLOW_OUT.finditer(masked)]
    found += [(m.start(), m.end(), False) for m in _FLOW_IN.finditer(masked)]
    if not found:
        arrow = re.search(r"\s*(?:->|→|=>)\s*", masked)
        if arrow is not None and masked.count("->") + masked.count("→") <= 1:
            return arrow.start(), arrow.end(), True  # "both -> Posadas"
        # "new DC Nicosia 1500 from Ashdod", "add new store in Mbeya 3000 from the Dar
        # warehouse": a site said with its size, then where its goods come from
        bare = _SIZED_FROM.search(masked)
        if bare is not None:
            found = [(bare.start("from"), bare.end("from"), False)]
        bare_to = _BARE_TO.match(masked)
        if bare_to is not None and len(masked.split()) <= 7:
            return bare_to.start("to"), bare_to.end("to"), True  # "mill to Kotka also."
        onward = _THEN_TO.search(masked)
        if not found and onward is not None:
            # "Limestone supplier in Choibalsan, 120,000 tonnes, to the plant", "..., also into
            # Belluno": where its goods go, the verb left out
            found = [(onward.start("to"), onward.end("to"), True)]
    if len(found) != 1:
        return None  # none, or several flows in one step: the rules split or ask
    return found[0]


def _sites(
    text: str,
    places: list[tuple[int, int, Place]],
    roles: list[tuple[int, int, str, bool]],
    names: _Names,
    *,
    asked: bool,
    building: bool,
) -> list[_Site]:
    """The new sites a step introduces: each role word with the new places said with it."""
    sites: list[_Site] = []
    used: set[int] = set()
    for index, (start, end, node_type, plural) in enumerate(roles):
        limit = roles[index + 1][0] if index + 1 < len(roles) else len(text)
        at: list[tuple[int, int, Place]] = []
        # "Prepreg supplier have 2: Matsuyama (Japan) 8,000 rolls, Kaohsiung 5,000 rolls",
        # "DC in China 2 place: Guangzhou 500 ton, Kunming 300 ton": the places listed after
        # a colon, each with its size
        colon = _LIST_OPENS.match(text, end, limit)
        listing = colon is not None
        begin = colon.end() if colon is not None else end
        for said in places:
            if said[0] in used or not said[0] >= begin or said[0] >= limit:
                continue
            gap = text[at[-1][1] if at else begin : said[0]]
            if listing:
                if said[2].city is None:
                    continue  # "Matsuyama (Japan)": the country of the town before
                first = _FIRST_IN_LIST.fullmatch(gap)
                if (at and not _NEXT_IN_LIST.fullmatch(gap)) or (not at and first is None):
                    break
                at.append(said)
                continue
            if not at and not _PLACE_GAP.match(gap):
                break
            listed = _AND_PLACE.match(gap) and (plural or not re.fullmatch(r"\s*,\s*", gap))
            if at and not listed:
                if said[2].city is None and re.fullmatch(r"\s*,\s*", gap):
                    continue  # "Columbus, Ohio": the state or country of the town before
                break
            at.append(said)
        if not at:
            before = [p for p in places if p[1] <= start and p[0] not in used]
            if before and re.fullmatch(r"\s+", text[before[-1][1] : start]):
                opening = text[: before[-1][0]]
                if re.search(r"\b(?:an?|another|one|new)\s+$", opening, re.IGNORECASE) or (
                    _OPENS_THE_STEP.fullmatch(opening) and _sized(text, end, limit) is not None
                ):
                    at = [before[-1]]  # "an Oslo importer", "Munich warehouse 3,000 pairs"
        if not at:
            continue
        opening = text[max(0, start - 40) : start]
        said_new = _NEW_CUE.search(opening) or _sized(text, at[-1][1], limit) is not None
        if not (asked or (building and said_new)):
            continue
        for place_start, place_end, place in at:
            if place.city is None or _known_there(place, node_type, names, opening):
                continue
            used.add(place_start)
            nxt = next((p[0] for p in at if p[0] > place_start), limit)
            sites.append(
                _Site(
                    node_type,
                    text[place_start:place_end],
                    place,
                    _sized(text, place_end, nxt),
                    start,
                    place_end,
                )
            )
    return sites


def _sized(text: str, start: int, end: int) -> float | None:
    """The first size said between ``start`` and ``end`` (not a duration, share or year)."""
    for match in _NUMBER_TOKEN.finditer(text, start, end):
        token = match.group(1)
        if not any(ch.isdigit() for ch in token) and not re.search(
            r"thousand|hundred|million|lakh", token, re.IGNORECASE
        ):
            continue  # "one", "two": counts of sites, not sizes
        if _NOT_A_SIZE_AFTER.match(text[match.end() :]):
            continue
        value = parse_number(token)
        if value is None or (re.fullmatch(r"(?:19|20)\d\d", token) and value < 2100):
            continue
        return value
    return None


def _known_there(place: Place, node_type: str, names: _Names, opening: str) -> bool:
    """Whether the user already has a node of this type at this place (then the words point
    at it, unless they say another one)."""
    if re.search(r"\b(?:another|second|2nd|third|3rd|new|one\smore)\b", opening, re.I):
        return False
    word = DEFAULT_NAME_WORD[node_type].casefold()
    city = (place.city or "").casefold()
    return any(
        name.casefold().startswith(city) and name.casefold().endswith(word)
        for name in names.by_words.values()
    )


def _side(
    text: str,
    offset: int,
    sites: list[_Site],
    roles: list[tuple[int, int, str, bool]],
    names: _Names,
    recent: tuple[str, ...],
) -> list[str]:
    """The nodes one side of a flow names, in the words the rules resolve."""
    inside = [s for s in sites if offset <= s.start < offset + len(text)]
    if inside:
        return [s.name for s in inside]
    if re.fullmatch(r"\W*(?:and\s+)?all\W*", text, re.I) and recent:
        return list(recent)  # "all send to packing house"
    pointer = _PLURAL_POINTER.search(text)
    if pointer is not None:
        words = pointer.group().casefold().split()
        if "all" in words and not any(w in _COUNT for w in words) and recent:
            return list(recent)  # "they all get their pots from us": every one just added
        count = next((_COUNT[w] for w in words if w in _COUNT), 2)
        typed = [r for r in roles if pointer.end() <= r[0] - offset <= pointer.end() + 1]
        if typed:
            # "Both suppliers ship to Kochi": the two suppliers, not the plant added after
            word = DEFAULT_NAME_WORD[typed[0][2]].casefold()
            of_type = tuple(n for n in recent if n.casefold().endswith(word))
            if len(of_type) >= count:
                return list(of_type[-count:])
            # "Ahmedabad supplies both plants" after two suppliers were added: the user's two
            # plants, as the words say them
            return [text[pointer.start() : typed[0][1] - offset].strip()]
        if len(recent) >= count:
            return list(recent[-count:])
        return ["them"]
    if _SINGLE_POINTER.match(text) or re.fullmatch(r"\W*(?:to\s)?(?:it|there)\W*", text, re.I):
        return ["it"]
    if _US.fullmatch(text):
        return ["the plant"]  # "they all get their pots straight from us": the user's own plant
    step = _analyse(text, names)
    refs = step.node_refs()
    if len(refs) == 1:
        ref = refs[0]
        if ref.ref.kind == "pronoun" and len(text.split()) > 4:
            return []  # "... from Ethiopia and Colombia and roast it in Hamburg": not its end
        return [text[ref.start : ref.end]]
    alone = step.lone_place(city=True) if not refs else None
    town = alone.ref.place if alone is not None else None
    if alone is not None and town is not None and names.named_after(town.city):
        return [text[alone.start : alone.end]]  # "delivered from Hohenems": the node there
    if not refs:
        typed = [r for r in roles if offset <= r[0] < offset + len(text)]
        before = text[: typed[0][0] - offset] if len(typed) == 1 else ""
        if (
            len(typed) == 1
            and (
                re.search(r"\b(?:the|our|my|that|this)\s+(?:[\w'-]+\s+)?$", before, re.IGNORECASE)
                or (
                    re.fullmatch(r"\W*(?:to\s+|from\s+)?", before)
                    # "Factory is sending there": an article left out, an auxiliary after
                    and re.fullmatch(
                        r"\W*(?:(?:is|are|was|were|will|also|now|then|always|usually)\b\W*)*",
                        text[typed[0][1] - offset :],
                        re.IGNORECASE,
                    )
                )
            )
        ):
            node_type = typed[0][2]
            # "the roastery", "our mill": the one node of that type, as the rules resolve it
            return [f"the {DEFAULT_NAME_WORD[node_type].lower()}"]
    return []


# A what-if said in the user's own words: "if" (or "what happens if", "suppose"), a node, and
# something that stops it ("if Chumphon farm stop 2 week", "what happens if the St Austell
# merchant doesn't deliver for a fortnight").
_WHAT_IF_OPENS = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay|now|also)\W+)*(?:what\s(?:if|(?:happens?|would\shappen"
    r"|will\shappen)\b[^?]{0,40}?\bif|(?:would|will|does|could)\s[^?]{0,30}?\bif"
    # "What is happening when the farmer in Zwolle has bad harvest ...?"
    r"|(?:is|will\sbe|would\sbe)\shappening\s(?:when|if))"
    # "What would it cost us if ...", "how bad would it be if ...", "how much do we lose if"
    r"|how\s(?:much|bad|badly|hard|many)\s[^?]{0,40}?\bif"
    r"|if|suppose|supposing|imagine|in\scase|assuming)\b",
    re.IGNORECASE,
)
_STOPS = re.compile(
    r"\b(?:stops?|stopped|halts?|shuts?(?:\sdown)?|fails?|failed|goes\s(?:down|offline|dark|bust"
    r"|under|quiet|silent)|is\s(?:down|out|offline|shut)|breaks?\sdown|(?:does\s?n[o']?t|do\s?n[o']?t|can'?t"
    r"|cannot|could\s?n[o']?t|won'?t|will\snot|is\sunable\sto|are\sunable\sto)\s(?:come|arrive"
    r"|deliver|ship|supply|send|produce|work|run|operate|get\sthrough)|delivers?\snothing"
    r"|gets?\scut\soff|runs?\sdry|dries\sup|has\s(?:a\s)?bad\s(?:harvest|season|month|year)"
    r"|gives?\snothing|sends?\snothing|ships?\snothing"
    r"|loses?\spower|dies|died|is\sdead|goes\saway|closes|closed|is\sclosed|burns\sdown)\b",
    re.IGNORECASE,
)
_FOR_A_WHILE = re.compile(
    r"\b(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\scouple\sof|a\sfew|\d+)\s*"
    r"-?\s*(?:days?|weeks?|wks?|months?|mths?|fortnights?|hours?|hrs?)|a\sfortnight)\b",
    re.IGNORECASE,
)


def read_what_if(text: str, names: _Names) -> str | None:
    """A what-if about one node of the user's said in the rules' words ("what if Chumphon
    fails for 2 week"), or None when the step is no such what-if or names no node."""
    opens = _WHAT_IF_OPENS.match(text)
    stops = _STOPS.search(text, opens.end()) if opens is not None else None
    if opens is None or stops is None:
        return None
    subject = text[opens.end() : stops.start()]
    step = _analyse(subject, names)
    refs = [r for r in step.node_refs() if r.ref.kind != "pronoun"]
    if len(refs) == 1:
        node = subject[refs[0].start : refs[0].end]
    else:
        alone = step.lone_place(city=True) if not refs else None
        town = alone.ref.place if alone is not None else None
        if alone is None or town is None or not names.named_after(town.city):
            return None
        node = subject[alone.start : alone.end]
    lasting = _FOR_A_WHILE.search(text, stops.start())
    return f"what if {node} fails" + (f" for {lasting.group()}" if lasting else "")
