"""Splitting a message into steps, in order: on numbered lists, ";", sentence ends, "then",
"after that", and on "and" / "," when what follows starts a new request ("..., connect it to
..."). A step that only names another node type ("add a supplier in Busan and a plant in
Ulsan") or another setting ("set currency to EUR and industry to fashion") reuses the verb.
"""

from __future__ import annotations

import re

from .. import gazetteer
from .courtesy import THANKS
from .numbers import parse_number
from .vocabulary import (
    _ADD_VERB_RE,
    _DEFAULT_NAME_WORD,
    _LINK_IN,
    _LINK_OUT,
    _TYPE_RE,
    _TYPES,
)

_VERBS = (
    r"add|create|make|build|open|set\s?up|establish|register|onboard|put|connect|link|hook"
    r"|disconnect|unlink|cut|remove|delete|drop|decommission|get\srid|kill|update|change|set"
    r"|mark|move|relocate|increase|decrease|raise|lower|reduce|bump|scan|check|find|identify"
    r"|calculate|compute|analy[sz]e|run|simulate|model|stress[\s-]test|show|give|list|tell"
    r"|enable|switch|use|what\sif|what\shappens|what\sabout|how\sabout|suppose|imagine|assess"
    r"|summari[sz]e|display|get|look|any|are\sthere|is\sthere|help|start|launch|ship|route"
    r"|evaluate|measure|also\sadd|then|take|have\s(?:it|them|that|this)|email|e-mail|book|sync"
    r"|have(?=\s[\w-]+(?:\s[\w-]+){0,3}\s(?:supply|feed|ship\sto|deliver\sto|send\sto|serve)\b)"
    r"|flag|double|halve|triple|call(?!\s(?:it|them|this|that)\b)|print|export|order|undo|rename|compare|explain|acknowledge|resolve|list"
    # what is out of scope is a step too ("set the currency to euros and file our taxes")
    r"|file|post|pay|phone|text|track|translate|schedule|buy|sell|hire|negotiate|tweet|notify"
    r"|invoice|reserve|charter|re-?run|redo|repeat|forward|send|share|whatsapp|message"
    # "Switch the currency to euros and ping the team on Slack"
    r"|ping|dm|slack|cc|loop\sin"
)
# Numbers may mark items in line ("1) x 2) y"); bullets and lettered sub-items ("   a. Antwerp")
# only at the start of a line, since " - " inside a line is punctuation.
_LIST_MARKER = re.compile(
    r"(?:^|(?<=\s))(?:\(?[1-9]\d?[.):]|step\s[1-9]\d?:?)\s+"
    r"|(?:^|(?<=\n))[ \t]*(?:[-*•]|\(?[a-j][.)])\s+"
    # "(i) Factory at Kurunegala\n(ii) Husk suppliers at ...": roman numerals opening lines
    r"|(?:^|(?<=\n))[ \t]*\(?(?:iii|ii|iv|ix|vi{0,3}|x|i)[.)]\s+",
    re.I,
)
# "Step 1: a supplier in Busan", "Second: Jakarta Supplier fails": the label of an item.
_ITEM_LABEL = re.compile(
    r"^\s*(?:[-*•]|\(?[1-9][.)]|step\s*[1-9]\d?\s*[:.)-]|(?:first|second|third|fourth|fifth"
    r"|sixth|last|finally|lastly)\s*:)\s*",
    re.I,
)
# "a) remove X b) connect Y c) scan": a list lettered in line, only when it starts at "a)".
_LETTERED = re.compile(r"(?:^|[\s:])\(?a\)\s")
_LETTER_MARKER = re.compile(r"(?:^|(?<=\s))\(?[a-j]\)\s+")
_HARD_SPLIT = re.compile(
    r"\s*(?:;|\n+|(?<!\bSt)(?<!\bMt)(?<!\bFt)(?<!\bDr)(?<!\bMr)(?<!\bvs)(?<!\bNo)(?<!\be\.g)"
    r"(?<!\bi\.e)(?<!\b[A-Za-z])(?<!^\d)(?<!\n\d)(?<!\s\d)(?<!^\d\d)(?<!\s\d\d)[.!?](?=\s+[A-Za-z])|,?\s+and\s+then\s+|,?\s+then\s+|,\s*then,?\s+"
    r"|,?\s+(?:and\s+)?after\s+that,?\s+|,?\s+and\s+afterwards,?\s+|,?\s+afterwards,?\s+"
    r"|,?\s+and\s+finally,?\s+|,\s*finally,?\s+|\s+finally,\s+|,\s*next,\s+|,?\s+and\s+next,?\s+"
    r"|,?\s+once\s+(?:that'?s|that\s+is)\s+done,?\s+|,?\s+followed\s+by\s+)\s*",
    re.IGNORECASE,
)
_SOFT_SPLIT = re.compile(
    rf"(?:(?:(?<=\d)|(?<=\dk))\s+(?=(?:connect|link|hook|remove|delete|rename|mark|move|ship|route)\s)|,\s*(?:and\s+)?|\s+and\s+(?:also\s+)?|\s+plus\s+|\s+[&+]\s+|\s+[-–—]+\s+(?:and\s+)?)"
    rf"(?=(?:please\s+|pls\s+|also\s+|just\s+|instead\s+|rather\s+|only\s+"
    rf"|(?:i'?d|we'?d)\s+(?:also\s+)?like\s+to\s+|(?:i|we)\s+(?:also\s+)?(?:want|need)\s+to\s+"
    rf"|can\s+you\s+|could\s+you\s+)?(?:{_VERBS})\b"
    # "Could you add those, and they both get their tea from Bristol?": a flow said of them
    r"|(?:they|both(?:\s+of\s+them)?)\s+(?:both\s+|all\s+)?(?:get|take|buy|source|receive|order)"
    r"\s(?:[\w-]+\s+){0,3}?from\b"
    # "..., and the new plant should ship to the first warehouse": a flow the node should have
    r"|(?:the\s+|our\s+)?(?:new\s+)?[\w-]+\s+(?:should|must|will|needs?\s+to|has\s+to)\s+(?:also\s+)?"
    r"(?:ship|send|supply|feed|deliver|get|take|buy|source)\b"
    # "..., and the roastery ships coffee to each of them"
    r"|(?:the|our|my)\s+[\w-]+\s+(?:ships|sends|supplies|feeds|delivers)\b"
    # "network summary and current settings"
    r"|(?:the\s+|our\s+)?(?:current\s+)?settings\W*$)",
    re.IGNORECASE,
)
# "I'm not sure how to read this, but is anything at risk?": what follows "but" is a request.
_BUT_REQUEST = re.compile(
    rf",\s*but\s+(?=(?:{_VERBS}|is|are|can|could|do|does|what|where|which|how|who)\b)",
    re.IGNORECASE,
)
_TYPE_ONLY = re.compile(
    r"(?:,\s*(?:and\s+)?|\s+and\s+(?:also\s+)?|\s+plus\s+|\s+[&+]\s+)(?=(?:(?:an?|another|one\smore|one"
    # ("mfg puebla 20k, both sups feed it": the kind the new node's link comes from)
    r"|also\san?|our|my|their|both|both\sthe|all\sthe)\s+(?:new\s+)?(?:[\w-]+\s+)?(?:"
    + _TYPES
    + r")\b"
    r"|(?:" + _TYPES + r")\s+(?:in|at|near)\s"
    # "Add a plant in Suwon, plus two warehouses: Incheon and Busan": several of another type
    r"|(?:two|three|four|five|six|[2-9])\s+(?:new\s+)?(?:[\w-]+\s+){0,2}?(?:" + _TYPES + r")e?s?\b"
    # "add sup lublin 20k, plant bydgoszcz 14k": a type, a town and a size
    r"|(?:" + _TYPES + r")\s+(?=[a-z][\w-]+(?:\s[a-z][\w-]+)?\s+\d)))",
    re.IGNORECASE,
)


# "Sorry, is not Izmir": only the value that was wrong
_ONLY_WRONG = re.compile(
    r"\W*(?:(?:sorry|oops|no|wait|my\sbad|ah|oh|actually)\W+)*(?:it\s+|that\s+)?(?:is\s+|'s\s+|was\s+)?"
    r"not\s+(?:in\s+)?(?P<wrong>[^\W\d][\w'-]*(?:\s[^\W\d][\w'-]*)?)\W*",
    re.I,
)
_STATES_WHERE = re.compile(
    r"\W*(?:(?:the|our|my)\s+[\w-]+(?:\s[\w-]+)?|it)\s+(?:is|'s|should\sbe)\s+(?:in|at)\s", re.I
)


def _split(text: str) -> list[str]:
    """The steps of a message, in order."""
    pieces: list[str] = []
    numbered = (
        re.search(r"(?:^|[\s:])\(?1[.)]\s", text) is not None
        or re.search(r"(?:^|\n)[ \t]*\(?[1-9]\d?[.)]\s", text) is not None  # "4. Stores" goes on
        or re.search(r"(?:^|\n)[ \t]*\(?i[.)]\s", text) is not None  # "(i) Factory at ..."
    )
    lettered = _LETTERED.search(text) is not None
    for chunk in _HARD_SPLIT.split(text):
        if numbered or lettered:
            marker = _LIST_MARKER if numbered else _LETTER_MARKER
            chunk_parts = [p for p in marker.split(chunk) if p.strip()]
        else:
            chunk_parts = [_ITEM_LABEL.sub("", chunk, count=1)]
        for part in chunk_parts:
            pieces.extend(_soft_split(part))
    out: list[str] = []
    for piece in (p.strip(" ,.;:!?-") for p in pieces):
        if not piece:
            continue
        listed = _listed_nodes(piece) if ":" in piece else None
        if listed is not None and len(listed) > 1:
            # "..., plus two durum wheat suppliers: Foggia with 20,000 and Altamura with 12,000"
            out.extend(listed)
            continue
        if out and _INTERJECTION.fullmatch(out[-1]) and not _TAKE_BACK_START.match(piece):
            out[-1] = f"{out[-1]}, {piece}"  # "no wait, put it in Cape Town, not ..."
        elif out and (wrong := _ONLY_WRONG.fullmatch(out[-1])) and _STATES_WHERE.match(piece):
            # "Sorry, is not Izmir, the warehouse is in Mersin": the right value said next,
            # read as "the warehouse is in Mersin, not Izmir"
            out[-1] = f"{piece}, not {wrong.group('wrong')}"
        elif out and (
            (_FRAGMENT.match(piece) and not _sets_the_network_region(piece, out[-1]))
            or _QUALIFIER.match(piece)
            or _HOW_LONG.fullmatch(piece)
        ):
            # "Add warehouse. Location: Hamburg. Capacity: 12k." is one request, and so is
            # "alerts. critical only." and "connect A to B? By sea I think".
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return out


_FRAGMENT = re.compile(
    r"(?:location|place|city|country|region|where|capacity|size|units|name|called|named"
    r"|inventory|stock|status|severity|duration|method|shipping)\s*[:=]"
    # "..., like 5k units a month rn": the size of the node just said
    r"|(?:like|about|around|roughly|approx\w*|maybe|~)?\s*\d[\d,.]*\s?k?\s*(?:[a-z]+\s)?"
    r"(?:a|per|/)\s?(?:month|mo|week|wk|year|yr)\b[^,;]*$",
    re.IGNORECASE,
)


def _sets_the_network_region(piece: str, before: str) -> bool:
    """ "- store in Toluca, 3k\n- region: Latin America": the region of the network, not
    of a node whose place was already said."""
    return bool(re.match(r"(?:region|country)\s*[:=]", piece, re.I)) and bool(
        gazetteer.find_places(before)
    )


# "What if Taipei fails. Two weeks.": how long the step before lasts
_HOW_LONG = re.compile(
    r"(?:for\s)?(?:about\s|around\s|roughly\s)?(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|a\scouple\sof|\d+)\s(?:days?|weeks?|months?|hours?)",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"(?:just|only)\s+(?:the\s+)?(?:last|latest|most\srecent|newest|top|first|critical|high"
    r"|medium|low|severe|major|minor)\b"
    r"|(?:the\s+)?(?:critical|high|medium|low|severe|major|minor)(?:[\s-]+(?:severity|priority))?"
    r"(?:\s+(?:ones|alerts))?\s+only\b"
    r"|(?:one[\s-]way|both\sways|two[\s-]way|bi-?directional)\W*$"
    r"|(?:by|via)\s+(?:sea|air|rail|train|truck|road|ocean|express|courier)\b"
    r"(?:\s+(?:i\s+think|i\s+guess|probably|please|pls|maybe))?\W*$",
    re.IGNORECASE,
)


_SETTING_ONLY = re.compile(
    r"(?:,\s*(?:and\s+)?|\s+and\s+)(?=(?:the\s+|our\s+|my\s+)?(?:region|industry|currency"
    r"|risk(?:\s(?:profile|tolerance|appetite|level))?)\s+(?:(?:to|=|:|as)\s)?(?=\w))",
    re.IGNORECASE,
)


# "add a warehouse in Lyon but don't connect it yet": the negated part is a step of its own.
_BUT_NOT = re.compile(
    r"(?:(?:,\s*|\s+)(?:but|and|though)\s+|\s+[-–—]+\s+|,\s*)(?=(?:please\s+)?(?:don'?t|do\snot"
    r"|not\s(?:yet|now)|no\sneed|never|hold\soff|leave\s(?:it|them|that)\s)\b)"
    # "what is a single point of failure, and do I have any?": a second question.
    r"|,\s*and\s+(?=(?:do|does|did|are|is|can|what|which|where|how|who)\s)"
    # "mark Phoenix Warehouse degraded and what's our bottleneck now?"
    r"|\s+and\s+(?=(?:what(?:'s|\sis|\sare)|where\sis|where'?s|how\smany|how\smuch|which)\s)"
    # "no need to add anything, just checking: is Ulsan Plant ok?"
    r"|,?\s*just\s(?:checking|asking|wondering|curious)\s*[:,]?\s+"
    # "a distribution center in Sevilla and other in Barcelona": the same type again.
    r"|\s+and\s+(?=(?:one|another(?:\sone)?|other|the\sother(?:\sone)?|one\smore)\s+(?:in|at|near)\s)",
    re.IGNORECASE,
)
# "a DC in Montreal that Toronto supplies": the object relative, said the way the link rules
# read it ("supplied by Toronto").
_OBJECT_RELATIVE = re.compile(
    r"\b(?:that|which)\s+(?!(?:also|then|now|will|can|should|would|could|it|we|you|i)\b)"
    r"(?P<who>(?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,3}?)\s+(?:supplies|feeds|serves|stocks"
    r"|restocks|ships\sto|delivers\sto|sends\sto|will\s(?:supply|feed|serve|stock))"
    r"(?=\W*$|\s*[,.;]|\s+and\b)",
    re.IGNORECASE,
)


_SAME_CHANGE = re.compile(
    r"(?:,\s*(?:and\s+)?|\s+and\s+)(?=(?:the\s+other(?:\s+one)?|that\s+one|the\s+[\w-]+\s+one"
    r"|[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})\s+to\s+\d)"
)


# "Bump Duisburg to 36k, the new blast furnace is online", "delete the store, Boulder won't open
# until spring": a statement after the request is a clause of its own (the reason).
_STATEMENT_AFTER = re.compile(
    r",\s+(?=(?i:the|our|my|their|its|this|that)\s(?:[\w-]+\s){0,3}(?i:is|are|was|were|has|have"
    r"|had|will|won'?t|isn'?t|aren'?t|can'?t|just)\s"
    r"|[A-Z][\w-]+(?:\s[A-Z][\w-]+)?\s(?i:won'?t|will|is|isn'?t|was|wasn'?t|can'?t|doesn'?t|has"
    r"|hasn'?t|opens?|closes?)\s"
    # "add our factory in Braga, we produce the shoes there": what is made there
    r"|(?i:we|they)\s(?i:also\s|mainly\s|mostly\s|only\s|still\s|currently\s)?(?i:produce|make"
    r"|manufacture|assemble|build|grow|roast"
    r"|brew|sew|bake|pack|process)\s"
    # "It holds about 4,000 blankets, and the mill supplies it": a flow of its own
    r"|(?i:and\s)?(?i:the|our|my)\s[\w-]+(?:\s[\w-]+)?\s(?i:supplies|feeds|ships\sto|sends\sto"
    r"|serves|delivers\sto|stocks|fills)\s(?i:it|them|both)\b)"
)


# "how loaded are the plants, where's the bottleneck, and are there any alerts?": questions
# listed with commas, each its own step.
_NEXT_QUESTION = re.compile(
    r"(?:,|\s+[-–—]+)\s*(?:and\s+)?(?=(?:how|where|what|why|when)(?:'s|s)?\s|(?:is|are)\s+there\s|any\s)",
    re.IGNORECASE,
)
_ASKS = re.compile(r"\b(?:how|what|where|which|why|when|who|is|are|any)\b", re.IGNORECASE)


def _questions(text: str) -> list[str]:
    """The questions of a list of them; a lead without a question of its own ("In a nutshell,
    what ...") or a condition ("If Shanghai Supplier went down, how ...") stays with the
    question after it."""
    out: list[str] = []
    for piece in _NEXT_QUESTION.split(text):
        if out and (not _ASKS.search(out[-1]) or _CONDITION.match(out[-1])):
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return out


# "If Shanghai Supplier went down, how much would be at risk?": one question on a condition
_CONDITION = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay)\W+)*(?:if|suppose|supposing|assuming|say|imagine|when"
    r"|once|in\scase|should)\b",
    re.IGNORECASE,
)


# "... and it goes to our plant in bangkok": the link to the next node is a step of its own.
_AND_IT_GOES = re.compile(
    r",?\s+and\s+(?=it\s+(?:goes|ships|sends|delivers|feeds|supplies)\s+(?:to|into)\s+(?:our|the|a|an)\s)",
    re.IGNORECASE,
)
# "what if singapore port is shut for a week compare that with the last one": no comma said
_THEN_COMPARE = re.compile(
    r"(?<=[a-z0-9])\s+(?=compare\s(?:that|it|this|them|those|these)\s(?:with|to|against)\b)",
    re.IGNORECASE,
)
# "..., we produce the shoes there, capacity 5,000": the size said after a statement.
_SIZE_AFTER = re.compile(r",\s*(?:capacity|size)\b(?:[^,;]|(?<=\d),(?=\d))*$", re.IGNORECASE)
# "no wait, don't do that": a take-back of its own, not the rest of an interjection.
_TAKE_BACK_START = re.compile(
    r"\W*(?:just\s)?(?:don'?t|do\snot|never|cancel|keep|leave|scratch|forget|stop|hang\son"
    r"|hold\son)\b",
    re.IGNORECASE,
)
# "correction, the warehouse is in Penang, not Kuala Lumpur": the word before the comma only
# says how the statement after it is meant.
_INTERJECTION = re.compile(
    r"\W*(?:(?:no|nope|sorry|oops|whoops|wait|actually|correction|my\s(?:bad|mistake)|scusa|hmm+)\W*)+",
    re.IGNORECASE,
)


# "returns flow back from the warehouse, so link them both ways": the part before ", so" is
# the reason for the request after it.
_SO = re.compile(r",\s*so\s+(?=\w)", re.IGNORECASE)


# "add a supplier in Gdansk feeding the Hamburg warehouse": the new node's link, a step of its
# own (only after an add: "what's connected to X" asks).
_PARTICIPLE = re.compile(
    # ("what feeds the Madrid store": a question, not a node and its link; "factory is sending
    # to there": a verb, not a participle)
    rf"(?<!\bwhat)(?<!\bwho)(?<!\bwhich)(?<!\bis)(?<!\bare),?\s+(?:(?:and\s+)?(?:also|then)\s+)?"
    rf"(?=(?:{_LINK_OUT}|{_LINK_IN})\s)",
    re.IGNORECASE,
)


# "supplier in Chennai, 9,000 units, feeding Pune": a node said without a verb is an add.
_TYPE_AT = re.compile(
    r"^\W*(?:[\w-]{1,12}:\s*)?(?:(?:ok|okay|so|now|then|and|also|next|a|an|one|new|our|my"
    r"|next\sis|then\scomes|then\sthere'?s|after\sthat|(?:we|i)(?:\salso)?\s(?:have|got|run|own))"
    r"[\s:,]+)*"
    r"(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at|near)\s",
    re.IGNORECASE,
)


# "before I change anything, what's our total capacity?": the lead clause is context.
_LEAD_CLAUSE = re.compile(
    # ("After factory the towels go to our warehouse in Istanbul, ...": where goods go next,
    # a learner's description, not when)
    # ("Just to confirm before I sign off: which settings ...": a lead said with a colon)
    r"^\W*(?:just\s)?(?:to\s(?:confirm|check|be\ssure|double[\s-]check|recap)\s)?"
    r"(?:before|after|once|while|since|when|as)\s(?![^,:?]*\b(?:go|goes|ship|ships|send|sends"
    r"|move|moves)\s+(?:on\s+)?to\b)[^,:?]{1,50}[,:]\s+(?=\w)",
    re.IGNORECASE,
)
_THERE_IS_AFTER = re.compile(
    r",\s*(?:as\s+|since\s+|because\s+)?(?=there(?:'s|\s+is|\s+are|\s+was|\s+were|\s+has\s+been)\s)",
    re.IGNORECASE,
)
# "mark Visakhapatnam degraded, port congestion": the cause named after a new status, in a
# few words and no verb
_CAUSE_AFTER_STATUS = re.compile(
    r"\b(?:degraded|offline|disrupted|down|operational|online|back\sup)\s*[,;:\u2013\u2014-]\s*"
    r"(?!(?:add|connect|link|remove|delete|set|mark|and|then|also|plus|simulate|what|run|show"
    r"|list|make|change|update|rename|disconnect|it|its|same|both|too"
    # ("mark Little Rock degraded, thx": the thanks is said, not the cause)
    rf"|{THANKS}|please|pls|cheers)\b)"
    r"(?=(?:(?:a|an|the|some|heavy|major|bad|big)\s+)?[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,5}"
    r"\s*[.!]?\s*$)",
    re.IGNORECASE,
)
_TERSE_STATUS = re.compile(
    r"^\W*[\w' -]{2,30}?\s(?:is\s|now\s|is\snow\s)?(?:degraded|offline|disrupted|down)"
    r"\s*[,;:\u2013\u2014-]",
    re.IGNORECASE,
)
_SETTING_AFTER_CHANGE = re.compile(
    r"\s*(?:&|\band\b|,)\s*(?=(?:the\s+)?(?:currency|industry)\s+(?:to\s+)?[a-z]{3}\b)", re.I
)
_SETTING_WORD = re.compile(r"\b(?:currency|industry|region|risk)\b", re.I)
# the verbs that tell a node to change (also what makes "Pune offline?" a request, in parser)
_CHANGE_VERBS = (
    r"mark|set|flag|change|update|put|switch|take|bring|move|reduce|lower|raise|cut|bump|increase"
    r"|decrease|double|halve"
)
_CHANGE_VERB = re.compile(
    rf"^\W*(?:(?:please|pls|ok|okay|now|so|and)\W+)*(?:{_CHANGE_VERBS})\b", re.IGNORECASE
)
# the purpose said after a request: "so it isn't single-sourced", "so that we have a backup"
_PURPOSE_AFTER = re.compile(
    r"(?:that\s+)?(?:it|we|they|there|the\s+\w+|our\s+\w+)\s+(?!(?:have|has)\s+to\b)"
    r"(?:is|isn't|is\s+not|are|aren't|has|have|hasn't|don't|doesn't|won't|will|would|can|"
    r"can't|could|'s|'re|no\s+longer|never|always|gets?|stays?|keeps?|becomes?)\b"
    r"(?![^.;]*\b(?:need|needs|should|must|want|wants)\b)",
    re.IGNORECASE,
)
_FLOW_WORD = re.compile(
    r"\b(?:ship(?:s|ping)?|send(?:s|ing)?|deliver(?:s|ing)?|suppl(?:ies|ying)|feed(?:s|ing)?|"
    r"fed|supplied)\s+(?:to|from|by|into)?\b",
    re.IGNORECASE,
)
# "Ahead of the board pack: what's our total warehouse capacity?": what it is for, no request
_PURPOSE_FIRST = re.compile(
    r"^\W*(?:ahead\sof|before|after|for|in\sprep\w*\sfor|regarding|re)\s[^,:?]{1,50}:\s+"
    r"(?=(?:what|how|which|where|who|is|are|can|could|do|does|give|show)\b)",
    re.IGNORECASE,
)
# "my boss is asking, what currency are we on?": a question after a remark.
_THEN_ASKS = re.compile(
    r",\s+(?=what(?:'s|\sis|\sare)?\s(?:our\s|the\s|my\s)?(?:currency|region|industry|risk|settings"
    r"|total|capacity)\b|what\s(?:currency|region|industry)\b)",
    re.IGNORECASE,
)
# "next a warehouse in Rotterdam and a DC in Lyon": nodes said without a verb are adds.
_BARE_NODE = re.compile(
    r"^\W*(?:(?:next|then|now|also|and|plus|first|second|finally|lastly|ok|okay|so|right|alright)"
    r"[\s,-]+)*(?=(?:an?|one"
    r"|another|a\snew|a\ssecond)\s+(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at|near)\s)",
    re.IGNORECASE,
)


# "add a warehouse in Guangzhou and let Shenzhen Plant ship to it": the new node's link, said
# with a pronoun after an add, is a step of its own (the pronoun then names the new node).
_FLOW_TO_IT = re.compile(
    r"(?:,\s*(?:and\s+)?|\s+and\s+)(?=(?:(?:let|have|make|get)\s+)?(?:[\w'-]+\s+){0,4}?"
    r"(?:is\s+|are\s+|will\s+|should\s+|can\s+|to\s+)?(?:ships?|shipping|send(?:s|ing)?"
    r"|deliver(?:s|ing)?|suppl(?:y|ies|ying)|feed(?:s|ing)?|serv(?:e|es|ing))\s+(?:to\s+|into\s+)?"
    r"(?:it|them)\b|it\s+(?:will\s+|should\s+|can\s+)?(?:ships?|send|sends|delivers?|suppl(?:y|ies)"
    r"|feeds?|serves?)\s"
    # "..., and Aalsmeer sends everything there": the new node is "there"
    r"|(?:[\w'-]+\s+){1,3}?(?:sends?|ships?|delivers?|moves?|trucks?)\s+(?:(?:everything|all(?:\sof\sit)?"
    r"|it\sall|(?:its|their|the)\s+\w+|\w+)\s+)?(?:over\s+)?there\b)",
    re.IGNORECASE,
)


# "connect Bonded Hub to a new DC in Beijing": the new node is added first, then linked.
_NEW_END = re.compile(
    r"\b(?P<prep>to|from|with|into)\s+(?:a|an)\s+(?P<node>(?:new\s+|second\s+|another\s+)?"
    r"(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at|near)\s+"
    r"[^,.;!?]+?)(?=\s*(?:[,.;!?]|$|\s(?:and|then|by|via|with)\s))"
    r"|\b(?P<prep2>to|into)\s+(?:our|the)\s+(?P<node2>(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at"
    r"|near)\s+[^,.;!?]+?)\s+(?:which|that)\s+(?:you\s+|we\s+)?(?:need|have|should|must)\s+to"
    r"\s+add(?:\s+(?:too|as\swell|also))?(?=\s*(?:[,.;!?]|$))"
    # "The second warehouse feeds a new DC in Manchester": the verb carries the direction
    r"|\b(?P<prep3>feeds|supplies|serves|stocks)\s+(?:a|an)\s+(?P<node3>(?:new\s+|second\s+"
    r"|another\s+)?(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at|near)\s+"
    r"[^,.;!?]+?)(?=\s*(?:[,.;!?]|$|\s(?:and|then|by|via|with)\s))",
    re.IGNORECASE,
)
_SIZE_FIRST = re.compile(
    r"^,\s*(?:about\s|around\s|roughly\s|~)?\d[\d,.]*\s?k?(?:\s(?!and\b|then\b)[a-z]+){0,2}",
    re.IGNORECASE,
)
# "the second plant gets parts from a supplier in San Luis Potosí": a link to a new node
_LINKISH = re.compile(
    r"\b(?:gets?|getting|receives?|buys?|sources?|orders?|takes?)\s(?:\w+\s){0,2}?from\s(?:a|an)\s"
    r"|\b(?:supplied|fed|served|stocked)\s(?:by|from)\s(?:a|an)\s"
    r"|\b(?:ships?|sends?|delivers?|supplies|feeds)\s(?:\w+\s)?(?:to\s)?(?:a|an)\s(?:new\s)?"
    # "it goes to our plant in bangkok which you need to add too": a node not added yet
    r"|\b(?:goes|go|ships?|sends?|delivers?)\s(?:to|into)\s(?:our|the)\s(?=[^,.;!?]+\s(?:which|that)\s"
    r"(?:you\s|we\s)?(?:need|have|should|must)\sto\sadd\b)",
    re.IGNORECASE,
)
_LINK_VERB = re.compile(
    r"^\W*(?:please\s+)?(?:connect|link|hook\s+up|attach|join|tie)\b", re.IGNORECASE
)


# "Add our main factories: Ho Chi Minh City (60k pairs/month) and Dhaka (45k)"
_LISTED_NODES = re.compile(
    r"^\W*(?:(?:please|pls|also|and|then|now|next)\s+)*(?:(?:add|create|set\s?up|onboard|register"
    r"|enter|put\sin)\s+)?(?:(?:our|the|my|these|those|two|three|four|five|new|main|key|other"
    r"|following)\s+)*(?:(?!(?:add|create)\b)[a-z][\w-]*\s+){0,2}?(?P<type>"
    + _TYPES
    + r")\s*(?:are|is)?\s*:\s*"
    r"(?P<items>[^:;]+?)\W*$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(
    r"^\s*(?P<place>[^\d(),;:-]+?)\s*(?:(?:[-–(:,]\s*|\s)(?:(?:with|at|of)\s)?(?:about\s|around\s|~)?(?P<size>\d[\d,.]*\s?(?:k|m"
    r"|thousand|million)?)\b[^)]*\)?)?\s*$",
    re.IGNORECASE,
)


def _listed_nodes(text: str) -> list[str] | None:
    """One add per place of a list of nodes of one type, each with its size; None when some
    item is not a place (the list is read the ordinary way)."""
    listed = _LISTED_NODES.match(text)
    if listed is None:
        return None
    kind = _TYPE_RE.fullmatch(listed.group("type"))
    if kind is None or kind.lastgroup is None:
        return None
    word = _DEFAULT_NAME_WORD[kind.lastgroup]
    said = listed.group("items")
    # "sups: katowice 15k, szczecin 9k, both feed the mfg": the link said after the list
    link = _LINK_AFTER_LIST.search(said)
    if link is not None:
        said = said[: link.start()]
    # "Dortmund, Leipzig and Kassel. 12,000 units each.": one size for every one
    each = _EACH_SIZE_AFTER.search(said)
    each_size = parse_number(each.group("n").replace(",", "")) if each is not None else None
    if each is not None:
        said = said[: each.start()]
    items = [i for i in re.split(r",(?![^()]*\))(?!\d{3}\b)|;|\band\b|&", said) if i.strip()]
    adds: list[str] = []
    for item in items:
        found = _LIST_ITEM.match(item)
        if found is None or gazetteer.lookup(found.group("place")) is None:
            return None
        size = parse_number(found.group("size").replace(",", "")) if found.group("size") else None
        size = size or each_size
        amount = f", capacity {size:.0f}" if size else ""
        adds.append(f"add a {word} in {found.group('place').strip()}{amount}")
    if adds and link is not None:
        adds.append(link.group("link"))
    return adds or None


_LINK_AFTER_LIST = re.compile(
    r"[,;]\s*(?P<link>(?:and\s)?(?:both|all(?:\s(?:of\s)?(?:them|three|four))?|each(?:\sof\sthem)?|they)"
    r"\s+(?:\w+\s+)?(?:feed|feeds|feeding|supply|supplies|supplying|ship|ships|shipping|send|sends"
    r"|sending|deliver|delivers|delivering|go|going|get|gets|are)\b.*)$",
    re.IGNORECASE,
)
_EACH_SIZE_AFTER = re.compile(
    r"[.,;]?\s+(?:about\s|around\s|roughly\s)?(?P<n>\d[\d,.]*(?:\s?k\b)?)\s*(?:[a-z/]+\s){0,3}?(?:each|apiece)\W*$",
    re.IGNORECASE,
)
_TYPE_FIRST = re.compile(
    r"^\W*(?:(?:a|an|new|and|also|then|plus|next)\s+)*(?:" + _TYPES + r")\s+",
    re.IGNORECASE,
)


def _terse_node(text: str) -> bool:
    """Whether ``text`` opens with a node said as type and place ("dc dallas, fed from LA")."""
    typed = _TYPE_FIRST.match(text)
    if typed is None:
        return False
    places = gazetteer.find_places(text[typed.end() :])
    return bool(places) and places[0][0][0] == 0


# "add our main yarn supplier, a spinning mill in Bursa, ...": the words after the comma
# describe the same node (its type is the one said first).
_APPOSITIVE = re.compile(
    r"(?P<head>\b(?:"
    + _TYPES
    + r"))\s*,\s*(?:an?|the|our|my)\s(?:[\w-]+\s){0,2}?(?:"
    + _TYPES
    + r")\s(?=(?:in|at|near|based\sin|out\sof)\s)",
    re.IGNORECASE,
)


# "What is happening when the farmer in Zwolle has bad harvest and give nothing for three
# weeks?": one what-if, its "and" joins what happens
_WHAT_IF_START = re.compile(
    r"^\W*(?:what\s(?:if|happens|is\shappening|would\shappen|will\shappen)|if|suppose)\b", re.I
)
_WHAT_IF_STOPS = re.compile(
    r"\band\s(?:give|gives|deliver|delivers|send|sends|ship|ships)\s(?:nothing|no\w*|less)\b"
    r"|\band\s(?:stop|stops|close|closes|shut|shuts)\s(?:for|during)\b",
    re.I,
)


# "Also two stores, one in Rio de Janeiro and one in Belo Horizonte, each one 5 thousand": a
# counted list of sites is one step (the frame reader reads it whole)
_COUNTED_LIST = re.compile(
    r"\b(?:two|three|four|2|3|4)\s+(?:[\w-]+\s+)?(?:" + _TYPES + r")(?:\s+of\s+(?:our|my)\s+own)?"
    r",?\s+one\s+(?:is\s+)?(?:in|at)\s+[^.;]*?"
    # ("two supplier, one is in Denizli with 30.000 kg, other one is in Adana")
    r"(?:\band\s+|,\s*)(?:one|the\sother|another|other)(?:\sone)?\s+(?:is\s+)?(?:in|at)\s",
    re.IGNORECASE,
)


def _soft_split(text: str) -> list[str]:
    if _COUNTED_LIST.search(text) and not _ADD_VERB_RE.match(text):
        return [text]
    text = _THEN_COMPARE.sub(", and ", text)
    goes = _AND_IT_GOES.search(text) if _ADD_VERB_RE.search(text) else None
    if goes is not None:
        # "add our supplier in ho chi minh city ... and it goes to our plant in bangkok"
        return [*_soft_split(text[: goes.start()]), *_soft_split(text[goes.end() :])]
    same = _APPOSITIVE.search(text)
    if (
        same is not None
        and _ADD_VERB_RE.search(text[: same.start()])
        and not gazetteer.find_places(text[: same.start()])
    ):
        text = f"{text[: same.end('head')]} {text[same.end() :]}"
    listed = _listed_nodes(text)
    if listed is not None:
        return listed
    text = _OBJECT_RELATIVE.sub(r"supplied by \g<who>", text)
    linkish = _LINKISH.search(text) and not re.match(r"^\W*(?:we|i|our|my)\b", text, re.I)
    new_end = _NEW_END.search(text) if _LINK_VERB.match(text) or linkish else None
    if new_end is not None:
        # ("link it to a new warehouse": "it" was the node before the new one)
        head = re.sub(r"\bit\b", "the other", text[: new_end.start()], count=1)
        if new_end.group("prep2"):
            head = re.sub(r"\bgo(?:es)?\s*$", "ships ", head)  # "it goes to ...": a link
        prep = new_end.group("prep") or new_end.group("prep2") or new_end.group("prep3")
        node = new_end.group("node") or new_end.group("node2") or new_end.group("node3")
        rest = text[new_end.end() :]
        size = _SIZE_FIRST.match(rest)
        if size is not None:  # "..., 5,000 crates": the new node's size
            node, rest = f"{node}{size.group()}", rest[size.end() :]
        linked = f"{head}{prep} it{rest}"
        return [f"add a {node}", *_soft_split(linked)]
    setting = _SETTING_AFTER_CHANGE.search(text)
    if (
        setting is not None
        # ("guadalajara wh to 18k pls, currency mxn": a new size said without a verb)
        and (
            _CHANGE_VERB.match(text) or re.search(r"\s(?:to|->|→|=)\s?\d", text[: setting.start()])
        )
        and not _SETTING_WORD.search(text[: setting.start()])
    ):
        # "bump puebla to 12k & currency mxn pls": a setting said after a change to a node
        return [*_soft_split(text[: setting.start()]), *_soft_split(text[setting.end() :])]
    why = _THERE_IS_AFTER.search(text)
    if why is not None and _CHANGE_VERB.match(text):
        # "Mark the first warehouse degraded, there's a strike at the port": why, not a
        # second request (nor a what-if about the port)
        return [*_soft_split(text[: why.start()]), f"because {text[why.end() :]}"]
    cause = _CAUSE_AFTER_STATUS.search(text)
    if (
        cause is not None
        # ("laredo degraded, customs backlog at the bridge": a status said tersely)
        and (_CHANGE_VERB.match(text) or _TERSE_STATUS.match(text))
        and not gazetteer.find_places(text[cause.end() :])
    ):
        # (the cause is why, not a scenario to run: "port congestion" is no port closure)
        return _soft_split(text[: cause.end()].rstrip(" ,;:\u2013\u2014-"))
    purpose = _PURPOSE_FIRST.match(text)
    if purpose is not None:
        return _soft_split(text[purpose.end() :])
    lead = _LEAD_CLAUSE.match(text)
    if lead is not None:
        return [f"because {text[: lead.end()].rstrip(', ')}", *_soft_split(text[lead.end() :])]
    asks = _THEN_ASKS.search(text)
    if asks is not None:
        return [*_soft_split(text[: asks.start()]), *_soft_split(text[asks.end() :])]
    bare = _BARE_NODE.match(text)
    if bare is not None:  # ("another" counts as an add verb, but says no verb here)
        text = "add " + text[bare.end() :]
    # ("plant in regina 8k, winnipeg feeds it": a node said without a verb is an add too)
    said_an_add = _ADD_VERB_RE.search(text) or _TYPE_AT.match(text)
    flow = _FLOW_TO_IT.search(text) if said_an_add else None
    if flow is not None and (
        _ADD_VERB_RE.search(text[: flow.start()]) or _TYPE_AT.match(text[: flow.start()])
    ):
        return [*_soft_split(text[: flow.start()]), *_soft_split(text[flow.end() :])]
    if (
        _ADD_VERB_RE.search(text) or _TYPE_AT.match(text) or _terse_node(text)
    ) and _PARTICIPLE.search(text):
        head, tail = _PARTICIPLE.split(text, maxsplit=1)
        link, *more = _TYPE_ONLY.split(tail)
        # "..., a plant in Kulim fed by it, and a warehouse in Singapore fed by the plant": the
        # next node after the link is an add of its own; "..., fed by Duisburg, shipping to
        # Antwerp": one link each.
        adds = [piece for node in more for piece in _soft_split(f"add {node.strip()}")]
        links = [piece for part in _PARTICIPLE.split(link) for piece in _soft_split(part)]
        return [*_soft_split(head), *links, *adds]
    reason, so, request = _SO.split(text, maxsplit=1)[0], _SO.search(text), ""
    if (
        so is not None
        and _PURPOSE_AFTER.match(text[so.end() :])
        and not _ADD_VERB_RE.search(text[so.end() :])
        and (_ADD_VERB_RE.search(reason) or _FLOW_WORD.search(reason) or _LINK_VERB.match(reason))
    ):
        # "..., shipping to the Ibadan plant, so it isn't single-sourced any more": why the
        # request is made, not a request of its own
        return _soft_split(reason)
    if so is not None:
        request = text[so.end() :]
        return [f"because {reason}", *_soft_split(request)]
    out: list[str] = []
    said = _STATEMENT_AFTER.split(text)
    if len(said) > 1 and _INTERJECTION.fullmatch(said[0]):
        said = [f"{said[0]}, {said[1]}", *said[2:]]  # "correction, the warehouse is in ..."
    for i in range(1, len(said)):
        size = _SIZE_AFTER.search(said[i])
        if size is not None and not gazetteer.find_places(said[i][: size.start()]):
            # ("the factory is in Modena, capacity 50000": the size of the node said here)
            # "add our factory in Braga, we produce shoes there, capacity 5,000": its size
            said[i - 1] = f"{said[i - 1]}{size.group()}"
            said[i] = said[i][: size.start()]
    asked = text.rstrip().endswith("?")
    parts = [
        p
        for stated in said
        for negated in _BUT_NOT.split(stated)
        for piece in _BUT_REQUEST.split(negated)
        for question in (_questions(piece) if asked else [piece])
        for p in (
            [question]
            if _WHAT_IF_START.match(question) and _WHAT_IF_STOPS.search(question)
            else _SOFT_SPLIT.split(question)
        )
    ]
    if re.match(r"\s*(?:set|change|make|update|raise|lower|bump|increase|decrease)\b", text, re.I):
        # "set Rotterdam Warehouse to 30k and the other one to 20k": the verb again.
        parts = [
            piece if i == 0 else f"{text.split()[0]} {piece}"
            for part in parts
            for i, piece in enumerate(_SAME_CHANGE.split(part))
        ]
    if re.match(
        r"\s*(?:set|change|switch|make|update|(?:the\s+|our\s+)?(?:currency|region|industry|risk)\b)",
        text,
        re.IGNORECASE,
    ):
        # "set currency to EUR and industry to fashion": the second setting reuses the verb
        # ("currncy eur, risk med": said without one).
        parts = [
            piece if i == 0 else f"set {piece}"
            for part in parts
            for i, piece in enumerate(_SETTING_ONLY.split(part))
        ]
    for part in parts:
        # "add a supplier in Busan and a plant in Ulsan": the second part reuses the verb.
        sub = _TYPE_ONLY.split(part)
        said_first = (
            _ADD_VERB_RE.search(sub[0])
            or _TYPE_AT.match(sub[0])
            or (_TYPE_FIRST.match(sub[0]) and len(sub[0].split()) <= 4)  # "wh calgry + dc in ..."
        )
        if len(sub) > 1 and said_first and _TYPE_RE.search(sub[0]):
            out.append(sub[0])
            out.extend(f"add {s.strip()}" for s in sub[1:])
        else:
            out.append(part)
    return out
