"""The rules that link and unlink nodes: "connect A to B", "ship from A to B", "B is
supplied by A" (order reversed), "connect it to B and C" and "A to B and C to D" (one command
per pair), "disconnect A from B", and a link said without its verb ("the plant to the store").
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..commands import Command, NodeRef
from .outcomes import _SIMULATE, _ask, _cmd, _first, _listed, _Outcome
from .references import _Ref, _Step
from .scenarios import supposes_a_stop
from .vocabulary import _METHOD_RE, _NO_FLOW, _SCENARIO_RE, _STATUS_WORDS

# "Berlin Plant -> degraded" gives a new status, not a link: an arrow to a status or a number.
_NOT_A_TARGET = r"\s*(?:[\d$€£¥]|(?:" + "|".join(_STATUS_WORDS.values()) + r")\b)"

_DISCONNECT = re.compile(
    r"\b(?:disconnect\w*|unlink\w*|de-?link\w*|sever(?:s|ed|ing)?|detach\w*|decouple\w*|unhook\w*"
    r"|uncouple\w*|unpair\w*|untie\w*"
    # "cut it off from birmingham"
    r"|(?:cut|cuts|split|splits)\s(?:it|them|that|this|[§¤]+|the\s[\w§¤-]+(?:\s[\w§¤-]+)?)\soff\sfrom"
    r"|(?:cut|break|remove|delete|drop|kill|end|close|stop|terminate)\s(?:off\s)?(?:the\s|that\s"
    r"|this\s|any\s)?(?:\w+\s)?(?:link|connection|route|lane|edge|relationship|tie)s?"
    r"|(?:don'?t|do\snot|no\slonger)\s(?:need|want|use)\s(?:the\s|that\s|this\s|any\s)?(?:\w+\s)?"
    r"(?:link|connection|route|lane|tie)s?|get\srid\sof\s(?:the\s|that\s|this\s)?(?:\w+\s)?"
    r"(?:link|connection|route|lane|tie)s?"
    r"|stop\s(?:shipping|sending|supplying|delivering|routing)|no\slonger\s(?:ship|supply|send"
    r"|deliver|route)s?|(?:shouldn'?t|should\snot|mustn'?t|must\snot|don'?t|do\snot|no\slonger"
    r"|not)\s(?:be\s)?(?:\w+\s)?(?:link|connect|ship|suppl|feed|deliver|rout)\w*)\b",
    re.IGNORECASE,
)
_CONNECT = re.compile(
    r"\b(?:connect\w*|link\w*|hook\w*(?:\sup)?|wire\w*(?:\sup)?|tie\s|join\s|(?<![\dk]\s)(?<![\dk])(?<!thousand\s)(?<!hundred\s)(?<!million\s)(?<!dozen\s)pair\w*"
    r"|couple\s"
    r"|attach\w*|bridge\s"
    r"|(?:add|create|make|set\s?up|open|establish|draw|build)\s(?:a\s|an\s|the\s)?(?:new\s)?"
    r"(?:\w+\s)?(?:link|connection|route|lane|edge)"
    r"|route\s|ships?\s(?:goods\s|products\s|stuff\s)?from|shipping\s(?:goods\s)?from"
    r"|(?:ship(?:s|ping)?|send(?:s|ing)?|deliver(?:s|ing)?)\s(?:goods\s|products\s|stuff\s|parts\s"
    r"|everything\s|it\sall\s|all\sof\sit\s|(?:all\s)?(?:the|its|their|our)\s\w+\s"
    r"|(?:(?:refurbished|excess|surplus|returned|finished|spare)\s)?(?:stock|returns|orders|items"
    r"|freight|cargo)\s)?"
    r"(?:on\s|onward\s|over\s|out\s|straight\s|directly\s|direct\s|back\s)?(?:in)?to\s"
    r"(?!(?:trucks?|rail|sea|air|express|road|ocean|air\sfreight)\b)"  # "set shipping to truck"
    r"|(?:should|will|must|to)\s(?:also\s|now\s)?(?:supply|feed|deliver\sto|ship\sto|send\sto|serve)"
    r"|(?:goes|go|flows|moves|travels|heads)\s(?:north\s|south\s|east\s|west\s|straight\s|directly\s"
    r"|onward\s)?(?:to|into)\s(?=[§¤])"
    r"|(?:will|shall|should|is\sgoing\sto)\sbe\s(?:feeding|supplying|serving|shipping\sto|delivering\sto"
    r"|sending\sto)"
    r"|(?:have|let|make|get)\s[§¤\w\s]{1,50}?\s(?:feed|supply(?!\schains?\b)|serve|ship\sto|deliver\sto"
    r"|send\sto)\b"
    r"|supplies|feeds|delivers\sto|sends\sto|(?:also\s)?(?:supply|feed|ship|deliver)\sto\s(?=[§¤]|the\s)"
    # "Almaty warehouse is supplying it"
    r"|(?:is|are)\s(?:already\s|also\s)?(?:supplying|feeding|serving|stocking)\s(?=it\b|them\b|[§¤]|the\s)"
    r"|(?:supply|feed|deliver|delivers)\s(?=it\b|them\b|§)"
    r"|\b(?:feed|supply|restock|replenish)\s(?!chain)[§¤\w\s'-]{1,50}?\sfrom\s"
    r"|(?:is|are|gets|get|should\sbe)\s(?:supplied|fed"
    r"|served|delivered)\sby|(?:sources?|buys?|gets?|orders?)\s(?:\w+\s)?from"
    r"|(?:gets?|receives?)\s(?:a|its|their|the)\s(?:daily\s|weekly\s)?(?:delivery|deliveries|stock"
    r"|supplies|goods|shipments?)\sfrom)"
    r"|(?:->|→)(?!" + _NOT_A_TARGET + ")",
    re.IGNORECASE,
)


# "don't connect A to B" forbids a change (the negation rule asks); "A shouldn't ship to B"
# states that the link must go.
_DONT_LINK = re.compile(
    r"(?:^\W*|[,;:–—-]\s*|\b(?:but|and|though|just)\s+)(?:please\s+|pls\s+)?(?:don'?t|do\snot"
    r"|never)\s+(?:\w+\s+)?(?:connect|link|hook|join|attach|route|wire)"
)


# "cut Taipei -> Ho Chi Minh City": a lane written as an arrow after a verb of cutting
_CUT_ARROW = re.compile(
    r"(?:^|[:;,]\s*|\b(?:and|then|so|also|please|pls)\s)(?:cut|drop|remove|delete|kill|end|stop"
    r"|close|sever|scrap)\s(?:the\s)?(?:lane\s|link\s|route\s)?[^\s>]+(?:\s[^\s>]+){0,4}?\s*(?:->|→)"
)


def _rule_disconnect(step: _Step, m: str) -> _Outcome:
    if not (_DISCONNECT.search(m) or _CUT_ARROW.search(m)) or _DONT_LINK.search(m):
        return None
    if supposes_a_stop(m):
        return None  # "If supplier in Haiphong not deliver for 10 day, what happen?": a what-if
    return _two_nodes(step, "disconnect-nodes", "disconnect", {})


_ASKS_CONNECTIONS = re.compile(
    r"^\W*(?:what(?:'s|\sis|\sare)?|which|who|how\smany|is|are|does|do|list|show)\b.*"
    r"\b(?:connected|linked|attached|hooked\sup)\b"
    # "show me all the links", "list our connections": the links there are
    r"|^\W*(?:(?:and|so|ok|okay|now|can\syou|could\syou|please)\W+)*(?:show|list|display|give|see"
    r"|what\sare)\s(?:me\s|us\s)?(?:all\s)?(?:of\s)?(?:the\s|our\s|my\s)?(?:current\s)?(?:links"
    r"|connections|routes|lanes)\b"
    # "what's the weakest link?": an idiom for the riskiest part
    r"|\b(?:weak(?:est)?|strong(?:est)?)\s(?:links?|connections?)\b"
    # "how many links do we have now?": a count of the links, not a request for one
    r"|^\W*(?:(?:and|so|ok|okay|now)\W+)*(?:how\smany|what\snumber\sof|count\s(?:the|our|my))\s"
    r"(?:\w+\s)?(?:links|connections|routes|lanes)\b"
)


# "does Shanghai Supplier ship to Berlin Plant?" asks; "can it ship to ..." requests.
_ASKS_FACT = re.compile(r"^[^\w§¤]*(?:does|do|did|is|are|was|were)\s(?!you\b|u\b)")


_BARE_LINK_VERB = re.compile(
    r"^\W*(?:(?:and|then|now|also|pls|please|ok|okay)\W+)*(?:link|connect|hook\s?up|join|wire\sup)"
    r"(?:\s(?:up|em|'em|them(?:\sup)?|the\stwo|both|those(?:\stwo)?))?(?:\s(?:by|via)\s\w+)?\W*$"
)


def _rule_connect(step: _Step, m: str) -> _Outcome:
    if re.search(r"\b(?:moves|moving|relocates|relocating)\s(?:over\s)?to\s¤", m) and step.refs():
        return None  # "the lisbon pop-up moves to porto tmrw": the node moves, no link
    if re.search(r"\b(?:we|i|they)\s(?:buy|source|get|order|import)\s(?:\w+\s)?from\W*$", m):
        return None  # "It's the cinnamon peelers' cooperative we buy from": who it is
    if _NO_FLOW.search(m):
        return None  # "The Manchester store has nothing feeding it now": what is, said
    if re.search(
        r"\bto\s(?:our\s|the\s)?¤+\s(?:customers|clients|buyers|consumers|shoppers|markets?"
        r"|end[\s-](?:users|customers))\b",
        m,
    ):
        return None  # "From Istanbul warehouse to Germany customers we send": who buys, no node
    asks = _ASKS_FACT.match(m) and not re.search(r"->|→", m)  # "do A -> B" tells
    if not _CONNECT.search(m) or _ASKS_CONNECTIONS.search(m) or asks:
        return None
    # "Simulate a route disruption ..." is not a request to connect anything.
    if _SIMULATE.search(m) and _SCENARIO_RE.search(m) and "connect" not in m:
        return None
    params: dict[str, Any] = {}
    method = _first(_METHOD_RE, m)
    if method is not None:
        params["shipping_method"] = method
    if _BARE_LINK_VERB.match(m) and not step.node_refs() and not step.places:
        # "wh LA 20k, link": the verb alone joins the two nodes just talked about
        them = NodeRef("them", "pronoun")
        return _cmd(
            step, "connect-nodes", {**params, "source": them, "target": them, "by_tier": True}, 0.8
        )
    return _two_nodes(step, "connect-nodes", "connect", params)


_FROM_SOMETHING_ELSE = re.compile(r"\bfrom\s+(?:my|our|the|their|a)\s+[a-z]")
_TO_SOMETHING_ELSE = re.compile(r"\s+(?:to|into)\s+(?:my|our|the|their|a)\s+[a-z]")
_ELIDED_SOURCE = re.compile(
    r"^\W*(?:(?:please|pls|also|then|and)\s)*(?:connect|link|hook|tie|disconnect|unlink|unhook)"
    r"\w*(?:\s(?:up|it|back))?\s(?P<way>to|with|into|from)\s+(?:the\s+)?$"
)


_BOTH_WAYS = re.compile(
    r"\b(?:both\sways|both\sdirections|two[\s-]ways?|bi-?directional(?:ly)?|back\sand\sforth"
    r"|either\sway|each\sway|in\sboth\sdirections|mutually|(?:<->|↔))"
)
_IN_ORDER = re.compile(
    r"\b(?:in\s(?:that|this|the\ssame|this\sexact)\sorder|in\sorder|in\sa\schain"
    r"|one\safter\sanother|in\ssequence|sequentially)\b"
)
_ARROW = re.compile(r"\s*(?:->|→|=>|>)\s*")


_NEUTRAL = re.compile(
    r"\b(?:connect\w*|link\w*|hook\w*|join|attach\w*|tie|wire\w*|(?<!\d\s)(?<!\d)(?<!thousand\s)(?<!hundred\s)(?<!million\s)"
    r"(?<!dozen\s)pair\w*|couple)\b"
)
_FLOW = re.compile(
    # ("connect it to the Asia supplier": the noun says which node, not which way)
    r"->|→|=>|\b(?:suppl(?!iers?\b)\w*|feed\w*|fed|ship\w*|send\w*|deliver\w*|serv\w*|sourc\w*|buy\w*"
    r"|orders?|from|flow\w*|route\w*|one[\s-]way|downstream|upstream)\b"
)


def _plural(ref: NodeRef) -> bool:
    return ref.several


def _chain(step: _Step, refs: list[_Ref]) -> list[tuple[_Ref, _Ref]]:
    """ "A -> B -> C", "connect A, B and C in that order": each node to the next."""
    if len(refs) < 3:
        return []
    gaps = [step.masked[a.end : b.start] for a, b in itertools.pairwise(refs)]
    arrows = all(_ARROW.fullmatch(gap) for gap in gaps)
    if any(r.bare_type for r in refs) and not arrows:
        return []  # ("link mfg->wh->dc": kinds in an arrow chain are the user's nodes of them)
    listed = len(_listed(step, refs)) == len(refs) and _IN_ORDER.search(step.masked)
    if not (arrows or listed):
        return []
    return list(itertools.pairwise(refs))


def _cut_at(step: _Step, end: int) -> _Step:
    """The step's words up to ``end``, with what was found in them."""
    return _Step(
        step.text[:end],
        step.masked[:end],
        [n for n in step.names if n[1] <= end],
        [i for i in step.ids if i[1] <= end],
        [p for p in step.places if p[1] <= end],
        step.name_clause if step.name_clause is None or step.name_clause[1] <= end else None,
        step.fuzzy,
        step.known,
    )


# ", the nuts get cracked before storage": a reason after the link, not more of its ends
# ("cut the direct link from Asheville to Savannah, it doesn't need both": a remark)
_REASON_AFTER = re.compile(
    r",\s+(?:the|our|their|since|as|because|so|that'?s"
    r"|(?:it|they|we|he|she)\s(?:doesn'?t|don'?t|does\snot|do\snot|isn'?t|aren'?t|won'?t|can'?t))\s",
    re.IGNORECASE,
)


def _two_nodes(step: _Step, intent: str, verb: str, params: dict[str, Any]) -> _Outcome:
    # "Nagpur Warehouse gets its stock from Indore Warehouse", "... gets its stock from the
    # plant": "its" is the node said before it, not another end (but "cut its link from
    # Esbjerg" names an end by it)
    said = [
        r
        for i, r in enumerate(step.refs())
        if not (re.match(r"its\b", step.masked[r.start :]) and i > 0)
    ]
    refs = [r for r in said if not r.bare_type]
    subject = None
    if len(refs) >= 2:
        # "Have the plant ship to the first and the last as well": the kind said as the
        # subject of the flow is its source (not left out for the two nodes named after it)
        subject = next(
            (
                r
                for r in step.refs()
                if r.bare_type
                and r.end <= refs[0].start
                and (
                    _SHIPS_TO.fullmatch(step.masked[r.end : refs[0].start])
                    # "Connect the plant to the first and the third warehouse"
                    or (
                        _LINKS_THE.fullmatch(step.masked[: r.start])
                        and re.fullmatch(
                            r"\s+(?:to|into|with)\s+(?:the\s+)?", step.masked[r.end : refs[0].start]
                        )
                    )
                )
            ),
            None,
        )
        if subject is None:
            # ("Have Rotterdam ship to the second and the third warehouse": a town, the user's
            # node there, as the subject of the flow)
            subject = next(
                (
                    _Ref(start, end, NodeRef(step.text[start:end], "place", place=place))
                    for start, end, place in step.free_places()
                    if end <= refs[0].start
                    and place.city
                    and _SHIPS_TO.fullmatch(step.masked[end : refs[0].start])
                ),
                None,
            )
        if subject is not None:
            refs = [subject, *refs]
    reason = _REASON_AFTER.search(step.masked)
    if (
        reason is not None
        and len([r for r in step.refs() if r.start < reason.start()])
        + len([p for p in step.places if p[0] < reason.start()])
        >= 2
    ):
        return _two_nodes(_cut_at(step, reason.start()), intent, verb, params)
    colon = step.masked.find(":")
    after = -1
    if 0 <= colon < step.masked.find("->") or 0 <= colon < step.masked.find("→"):
        # "now chain them: A -> B -> C": what follows the colon is the chain.
        after = colon
        refs = [r for r in refs if r.start > colon]
    if len(refs) < 2:
        # "connect Berlin Plant to the store": a bare type counts when a node is missing.
        every = [r for r in said if r.start > after]
        refs = every if len(every) > len(refs) else refs
    if len(said) == 4 and said[1].bare_type and said[1].ref == said[2].ref:
        # ("connect the workshop to the warehouse, and the warehouse to both shops": the kind
        # said twice ends one link and starts the next)
        refs = list(said)
    elif len(refs) == 2:
        # ("connect the Stavanger supplier to the Bergen plant, and the plant to Oslo": the
        # kind said again starts a second link, to the place after it)
        again = [r for r in said if r.bare_type and r.start > refs[1].end]
        if again and any(p[0] > again[0].end for p in step.places):
            refs = [*refs, again[0]]
    places_after = [p for p in step.places if p[0] > after]
    bare = sum(1 for r in refs if r.bare_type)  # ("A to the plant, and the plant to B")
    # ("Connect Burgos to the Zaragoza plant, and the plant to Valencia": two pairs, two towns;
    # so is "connect Bergamo to Modena, and Modena to Verona" where "Modena" names the user's
    # Modena Plant by its one word and the other towns are places)
    # ("connect Paarl to Stellenbosch Plant, and Stellenbosch Plant to Cape Town": a node said
    # twice ends one link and starts the next)
    repeated = any(a.ref == b.ref for a, b in itertools.pairwise(refs))
    two_pairs = (bare >= 1 or repeated) and len(refs) + len(places_after) >= 4
    if (len(refs) < 2 or bare == len(refs) or bare >= 2 or two_pairs) and len(refs) + len(
        places_after
    ) >= 2:
        # "taipei -> shenzhen", "connect Penang Supplier to Duisburg": a place is the user's
        # node there.
        used = [(r.start, r.end) for r in refs]
        places = [
            _Ref(start, end, NodeRef(step.text[start:end], "place", place=place))
            for start, end, place in places_after
            if not any(a <= start < b for a, b in used)
        ]
        refs = sorted([*refs, *places], key=lambda r: r.start)
    if not refs and len(places_after) == 1:
        start, end, place = places_after[0]  # "add him and connect to Braga": the node there
        refs = [_Ref(start, end, NodeRef(step.text[start:end], "place", place=place))]
    if intent == "connect-nodes" and _BOTH_WAYS.search(step.masked):
        params["bidirectional"] = True
    if (
        len(refs) == 1
        and _plural(refs[0].ref)
        # ("ship from the last two to my workshop": to a node not read, not among themselves;
        # nor "ship from the workshop to the last two")
        and not _TO_SOMETHING_ELSE.match(step.masked, refs[0].end)
        and not _FROM_SOMETHING_ELSE.search(step.masked, 0, refs[0].start)
    ):
        params.update(source=refs[0].ref, target=refs[0].ref)
        if _IN_ORDER.search(step.masked):
            params["chain"] = True  # "connect them in that order": each to the next
        return _cmd(step, intent, params, 0.75)
    chain = _chain(step, refs)
    if chain:
        return [
            c
            for a, b in chain
            for c in _cmd(step, intent, {**params, "source": a.ref, "target": b.ref}, 0.85)
        ]
    elided = _ELIDED_SOURCE.match(step.masked[: refs[0].start]) if len(refs) == 1 else None
    if elided is not None:
        # "add wh in antwerp + connect to chicago dc": the object left out is the last node;
        # "dc in el paso, link from dallas wh": linked from the node named, to the last one
        ends = {"source": NodeRef("it", "pronoun"), "target": refs[0].ref}
        if elided.group("way") == "from" and intent == "connect-nodes":
            ends = {"source": refs[0].ref, "target": NodeRef("it", "pronoun")}
        elif intent == "connect-nodes" and elided.group("way") != "to":
            # "Please add it and connect with Leon": which two, not which way goods go
            params["by_tier"] = True
        params.update(ends)
        return _cmd(step, intent, params, 0.8)
    if len(refs) < 2:
        if refs:
            label = refs[0].ref.text
            if refs[0].ref.kind in ("ordinal", "pronoun"):
                label = step.text[refs[0].start : refs[0].end]  # "the last two", not "-2:"
            word = "from" if verb == "disconnect" else "to"
            if verb == "connect" and _FROM_SOMETHING_ELSE.search(step.masked, 0, refs[0].start):
                # ("ship from the workshop to the last two": the source was not read)
                return _ask(step, f"Connect which node to {label}?", intent, 0.5)
            return _ask(step, f"{verb.capitalize()} {label} {word} which node?", intent, 0.5)
        return _ask(
            step,
            f"Which two nodes should I {verb}? For example: "
            f'"{verb} Shanghai Supplier {"from" if verb == "disconnect" else "to"} Berlin Plant".',
            intent,
            0.45,
        )
    targets = _listed(step, refs[1:])
    if len(refs) > 2 and len(targets) == len(refs) - 1 and (not refs[0].bare_type or subject):
        # "connect it to Berlin Plant and Chicago DC": one step per target.
        return [
            c
            for t in targets
            for c in _cmd(step, intent, {**params, "source": refs[0].ref, "target": t.ref}, 0.85)
        ]
    sources = _listed(step, refs[:-1])
    if (
        intent == "connect-nodes"
        and len(refs) > 2
        and len(sources) == len(refs) - 1
        and re.fullmatch(
            r"\s*(?:to|into|->|→)\s*(?:the\s+|our\s+)?",
            step.masked[sources[-1].end : refs[-1].start],
        )
    ):
        # "ship from Sheffield and Waterford to it", "connect A and B to C": one link from each
        return [
            c
            for a in sources
            for c in _cmd(step, intent, {**params, "source": a.ref, "target": refs[-1].ref}, 0.85)
        ]
    pairs = _pairs(step, refs)
    if len(pairs) > 1:
        # "connect A with B and B with C": one step per pair (each keeps its own words, so
        # that "Lille to the plant, and the plant to Rennes" is two links, not one chain).
        return [
            Command(c.intent, c.params, c.confidence, step.text[a.start : b.end])
            for a, b in pairs
            for c in _cmd(step, intent, {**params, "source": a.ref, "target": b.ref}, 0.85)
        ]
    source, target = refs[0], refs[1]
    # "connect A to B" / "ship from A to B" / "between A and B" keep their order; "B is
    # supplied by A" reverses it.
    between = step.masked[source.end : target.start]
    if re.search(
        r"\b(?:supplied|fed|served|delivered)\s+by\b|\b(?:sources?|buys?|gets?|orders?|receives?)\s"
        r"(?:\w+\s){0,3}?from\b",
        between,
    ) or (
        # "feed it from Busan Supplier", "ship to Berlin Plant from Shanghai": the goods come
        # from the second node.
        intent == "connect-nodes"
        and re.fullmatch(r"\W*(?:(?:directly|straight|only)\s+)?from\s+(?:the\s+)?\W*", between)
        and not re.search(r"\bfrom\b", step.masked[: source.start])
    ):
        source, target = target, source
        if not any(r.ref.kind == "pronoun" for r in (source, target)):
            # "Nagpur Warehouse gets its stock from Indore Warehouse": the source said last is
            # what "that one" means next
            params["said_last"] = "source"
    params.update(source=source.ref, target=target.ref)
    if intent == "connect-nodes" and _NEUTRAL.search(step.masked) and not _FLOW.search(step.masked):
        # "connect the warehouse to the supplier" says which two, not which way goods go.
        params["by_tier"] = True
    confidence = 0.9 if all(not r.bare_type for r in (source, target)) else 0.7
    return _cmd(step, intent, params, confidence)


_LINKS_THE = re.compile(
    r"\W*(?:(?:please|pls|now|then|also|and|ok|okay)\s+)*(?:connect|link|hook\s?up|tie)\s+(?:the\s+|our\s+)?"
)
_SHIPS_TO = re.compile(
    r"\s+(?:(?:also|then|now|should|will|can|to)\s+)*(?:ship|ships|supply|supplies|feed|feeds|send|sends"
    r"|deliver|delivers|serve|serves)\s+(?:(?:goods|stock|products)\s+)?(?:to|into)?\s*(?:the\s+|both\s+)?"
)
_LINK_WORD = re.compile(r"\s*(?:to|with|and|->|→|-)\s*(?:the\s+)?", re.IGNORECASE)
_LIST_GAP = re.compile(r"\s*(?:,|and|&|,\s*and|;)\s*(?:(?:then\s+)?(?:also\s+)?)(?:the\s+)?")


def _pairs(step: _Step, refs: list[_Ref]) -> list[tuple[_Ref, _Ref]]:
    """Pairs of nodes listed as "A to B and C to D" (empty unless there are two or more)."""
    if len(refs) < 4 or len(refs) % 2:
        return []
    if any(
        r.bare_type and not re.search(r"\b(?:the|our)\s+$", step.masked[: r.start]) for r in refs
    ):
        return []  # ("Lille to the plant, and the plant to Rennes": "the plant" is one node)
    pairs = []
    for i in range(0, len(refs), 2):
        a, b = refs[i], refs[i + 1]
        if not _LINK_WORD.fullmatch(step.masked[a.end : b.start]):
            return []
        if i + 2 < len(refs) and not _LIST_GAP.fullmatch(step.masked[b.end : refs[i + 2].start]):
            return []
        pairs.append((a, b))
    return pairs


def _rule_bare_link(step: _Step, m: str) -> _Outcome:
    """ "(and) the plant to the store": a connection said without its verb."""
    refs = step.refs()
    if len(refs) != 2:
        return None
    a, b = refs
    rest = m[: a.start] + " " + m[a.end : b.start] + " " + m[b.end :]
    if not re.fullmatch(
        r"\W*(?:(?:and|also|then|now|ok|okay|so|next|plus)\W+)*(?:the\s+)?\W*(?:to|->|→|with|<->|↔)"
        r"\W+(?:the\s+)?\W*(?:(?:too|as\swell|please|pls|both\sways|two[\s-]ways?|bi-?directional"
        r"|in\sboth\sdirections|one[\s-]way)\W*)*",
        rest,
    ):
        return None
    params: dict[str, Any] = {"source": a.ref, "target": b.ref}
    if _BOTH_WAYS.search(m):
        params["bidirectional"] = True
    return _cmd(step, "connect-nodes", params, 0.6)
