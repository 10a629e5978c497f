"""A language learner's English read in English order: the rewrites for the shapes learners'
first languages give their sentences (a verb last, postpositions after a town, "for month",
"make the connection with", "the warehouse of Aqaba"), applied by :mod:`.cleaning` before the
rules read a message. Pure text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import gazetteer
from .vocabulary import _TYPE_RE, _TYPES

__all__ = ["LEARNER_REWRITES", "in_english_order", "towns_before_postpositions"]


# A learner's word order: "Please you add this", "Please add also this one", "for month"
def _at_a_town(render: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """A learner rewrite that applies only where its ``town`` group names a town ("Goods from
    factory to ...": "Goods" is what goes, not a town)."""

    def rewrite(match: re.Match[str]) -> str:
        return render(match) if gazetteer.lookup(match["town"]) is not None else match.group()

    return rewrite


LEARNER_REWRITES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # ("... going there for export": where, then what for)
    (re.compile(r"\bthere\sfor\s(?:the\s)?exports?\b", re.I), "there"),
    # "From factory the balls are going there": a learner's kind without its article
    (
        re.compile(
            r"\b(?P<lead>from|to|into)\s+(?P<kind>factory|plant|warehouse|mill|workshop)\b"
            r"(?!\s(?:floor|gate|price|prices|level|direct|outlet|in|at|near|of)\b)",
            re.I,
        ),
        r"\g<lead> the \g<kind>",
    ),
    # A Swahili speaker's English, the subject said again as a pronoun: "All of them they are
    # sending the green leaves to the factory", "the tea it is going to our warehouse", "If the
    # supplier of Kisii he stop to bring the leaves"; a count before a singular: "we have two
    # supplier, ..."
    (
        re.compile(
            r"(?:^|(?<=[.!?,;]\s)|(?<=\bif\s)|(?<=\bwhen\s))(?P<np>(?:all|both)\sof\sthem"
            r"|(?:the|our|my)\s(?:[\w'-]+\s){0,3}?[\w'-]+)\s(?:they|it|he|she)\s"
            r"(?=(?:are|is|have|has|was|were|will|stop|stops|stopped)\b)",
            re.I | re.M,
        ),
        r"\g<np> ",
    ),
    # "..., now they are bringing 11,000 kilo. Please change for me.": change it
    (
        re.compile(
            r"\b(?P<verb>change|update|correct|fix|adjust)\s+for\s+me(?=\W*$)",
            re.I | re.M,
        ),
        r"\g<verb> it",
    ),
    (
        re.compile(
            r"\b(?P<n>two|three|four|five|six|[2-6])\s(?P<kind>supplier|warehouse|plant|factory|store"
            r"|shop|retailer|distributor|manufacturer)(?=\s*(?:[,.;:!?]|$|\s(?:in|at|and|one|they)\b))",
            re.I | re.M,
        ),
        r"\g<n> \g<kind>s",
    ),
    # A Greek speaker's English: "Which is the capacity of the Heraklion?" (ποια είναι), a
    # town with its article ("The Chania has 1500 tons"), "please put them also: one in ..."
    (
        re.compile(
            r"\bwhich\s(?P<be>is|are)\s(?=(?:the\s)?(?:actual\s|current\s)?(?:capacity|status|size"
            r"|utili[sz]ation|inventory|risk|location)\b)",
            re.I,
        ),
        r"what \g<be> ",
    ),
    (
        re.compile(
            r"\b[Tt]he\s(?P<town>[A-Z][\w'-]+)(?=\s(?:has|have|is|are|had|was|\d)|\s*[?.,!]"
            r"|\s+and\b)"
        ),
        _at_a_town(lambda m: m["town"]),
    ),
    # (the request before the list it asks for, "..., please put them also: one in Chania,
    # and one in Heraklion", reads as the list said after what it describes)
    (
        re.compile(r",?\s*(?:please\s)?(?:put|add)\s(?:them|these|those)\s(?:also|too)\s*:", re.I),
        ":",
    ),
    # ("please make them as supplier: one is in Kecskemét ...": add them as suppliers)
    (
        re.compile(r"\bmake\s(?P<np>them|these|those)\sas\s(?P<kind>[a-z]+?)s?\s*:", re.I),
        r"add \g<np> as \g<kind>s:",
    ),
    # A Hungarian speaker's English: "From the factory we send there the ready powder every
    # week. Please make this also."
    (
        re.compile(
            r"\b(?P<verb>send|ship|deliver|bring|sell)\sthere\s(?P<what>(?:the|our)\s[a-z]+(?:\s[a-z]+)?)"
            r"(?=\s(?:every|each|daily|weekly|monthly|too|also)\b|\s*[.,;!]|\s*$)",
            re.I,
        ),
        r"\g<verb> \g<what> there",
    ),
    (
        re.compile(r"\bmake\s(?P<np>this|that|it|them|these|those)\s(?=(?:also|too)\b)", re.I),
        r"add \g<np> ",
    ),
    (
        re.compile(r"\b(?:please\s)?put\s(?P<np>them|it|these|those)\salso\b", re.I),
        r"please add \g<np>",
    ),
    # A Ukrainian speaker's English: "Both of them is delivering to fabric" (фабрика: the
    # factory), "Connect please fabric with this warehouse", "it must to take oil from fabric",
    # "What will be if ...? Make please the simulation." (the question asked again)
    (
        re.compile(
            r"\b(?P<lead>to|from|with|our|please|into|for)\s+(?:the\s+)?fabric\b"
            r"(?!\s(?:from|suppliers?|mills?|shops?|stores?|warehouses?|makers?|of)\b)",
            re.I,
        ),
        lambda m: f"{m['lead']} {'' if m['lead'].lower() == 'our' else 'the '}factory",
    ),
    (
        re.compile(
            r"\b(?P<verb>connect|link|add|remove|delete|make|show|put|set|change|mark|run)\s+please\b"
            r"(?=\s+[a-z])",
            re.I,
        ),
        r"please \g<verb>",
    ),
    (re.compile(r"\b(must|should|can|will)\s+to\s+(?=[a-z])", re.I), r"\1 "),
    (
        re.compile(
            r"(?<=\?)\s+(?:please\s)?(?:make|do|run)\s(?:please\s)?(?:the|a|this|it|that)"
            r"(?:\s(?:simulation|calculation|analysis|scenario))?(?:\s(?:please|for\sme))?\W*$",
            re.I | re.M,
        ),
        "",
    ),
    # A Czech speaker's English: "one is in Liberec with 15 000 metres per month and second one
    # in Brno", "From the fabric are the seats going to warehouse in Pardubice, there is place
    # for 30 000 pieces. Please make also this connection.", "mark the supplier in Brno like
    # degraded", "Which from the two suppliers is bigger?"
    (re.compile(r"\band\s+(?:the\s+)?second\s+one\s+(?:is\s+)?in\b", re.I), "and one in"),
    (
        re.compile(r"\bfrom\s+(?P<a>the\s+\w+)\s+are\s+(?P<b>the\s+\w+)\s+going\s+to\b", re.I),
        r"from \g<a> \g<b> are going to",
    ),
    (re.compile(r",?\s*there\s+is\s+place\s+for\s+(?=\d)", re.I), ", with room for "),
    (
        re.compile(
            r"(?<=[.!]\s)please\s+make\s+(?:also\s+)?(?:this|the|that)\s+connection(?:\s+also|\s+too)?\W*$",
            re.I | re.M,
        ),
        "",
    ),
    (
        re.compile(
            r"\b(?P<verb>mark|set|put)\s+(?P<what>[^,.;]{1,40}?)\s+like\s+(?P<st>degraded|offline|operational"
            r"|disrupted)\b",
            re.I,
        ),
        r"\g<verb> \g<what> \g<st>",
    ),
    (re.compile(r"\bwhich\s+from\s+(?=the\s|those\s|these\s|our\s)", re.I), "which of "),
    # An Amharic speaker's English: "Jimma and Hawassa, both of them are giving the coffee to
    # Adama plant. Please you make connection.", "He take the coffee from Addis warehouse."
    (
        re.compile(
            r"(?<=[A-Za-z]),\s+(?:both|all)\s+of\s+them\s+(?=(?:are|is|ship|send|give|giving|deliver"
            r"|supply|bring)\w*\b)",
            re.I,
        ),
        " both ",
    ),
    (
        re.compile(r"\b(?:are|is)\s+giving\s+(?:the\s+[a-z]+\s+)?to\b", re.I),
        "ship to",
    ),
    (re.compile(r"\b(?:he|she)\s+take\s+(?=the\b)", re.I), "it takes "),
    (
        re.compile(
            r"(?<=[.!]\s)please\s+(?:you\s+)?make\s+(?:the\s+)?connections?\W*$", re.I | re.M
        ),
        "",
    ),
    # A Tagalog speaker's English: "The factory will send the products on the warehouse" (sa:
    # to, on, at)
    (
        re.compile(
            r"\b(?P<verb>(?:will\s)?(?:send|sends|sending|deliver|delivers|delivering|ship|ships"
            r"|shipping|bring|brings|bringing))\s(?P<what>(?:the|our|all|its|their)\s(?:[a-z]+\s){0,2}?)?"
            r"on\s(?=(?:the|our)\s)",
            re.I,
        ),
        lambda m: f"{m['verb']} {m['what'] or ''}to ",
    ),
    # A Persian speaker's English: "Why Sirjan supplier is in risk? Please explain me.": the
    # question asked again
    (
        re.compile(
            r"(?<=\?)\s+(?:please\s)?explain\s(?:me|to\sme|us|for\sme)(?:\s(?:please|more|again))?\W*$",
            re.I | re.M,
        ),
        "",
    ),
    (
        re.compile(r"\bexplain\sme\s(?=(?:the|how|why|what|which|an?|this|that)\b)", re.I),
        "explain ",
    ),
    # A Dutch speaker's English: "Also have we a warehouse in Venlo, with place for 15.000
    # bikes" (the verb second), "around the 6.000 pieces" (rond de), "The shop in Nijmegen goes
    # not so good" (gaat niet zo goed)
    (
        re.compile(
            r"\b(?P<lead>also|now|then|here|further|besides|today|there)\s(?P<verb>have|has|are|is|do"
            r"|make|sell|buy|get|send|ship)\s(?P<who>we|i|they)\b(?!\s*\?)",
            re.I,
        ),
        lambda m: f"{m['lead']} {m['who']} {m['verb']}",
    ),
    (re.compile(r"\bwith\s(?:a\s)?place\sfor\s(?=\d)", re.I), "with room for "),
    (re.compile(r"\b(around|about|circa|roughly)\sthe\s(?=\d)", re.I), r"\1 "),
    (
        re.compile(r"\b(?:goes|go|going)\snot\s(?:so\s|too\s|very\s)?(?:good|well)\b", re.I),
        "is struggling",
    ),
    # A Thai speaker's English: "I have factory make coconut milk at Surat Thani, can make
    # 15,000 can per month"
    (
        re.compile(
            r"\b(?P<who>i|we)\s+have\s+(?:a\s+|one\s+)?(?P<kind>factory|plant|warehouse|shop|store)\s+"
            r"(?:make|makes|making|produce|producing)\s+(?:[a-z]+\s+){1,3}?(?:at|in)\s+(?=[A-Z])",
            re.I,
        ),
        lambda m: f"{m['who']} have a {m['kind']} in ",
    ),
    (
        re.compile(r"(?<=\d)\s+can\s+(?=(?:per|a|each|every|/)\s?(?:month|week|day|year)\b)", re.I),
        " cans ",
    ),
    # "Two little shops sell my candles, one in Ballarat and one in Bendigo": where we sell
    (
        re.compile(
            r"^(\W*)(?P<n>two|three|four|2|3|4)\s+(?:little\s+|small\s+)?(?P<kind>shops|stores)\s+sell\s+"
            r"(?:my|our)\s+[a-z]+\s*,",
            re.I | re.M,
        ),
        lambda m: f"{m[1]}We sell through {m['n']} {m['kind']},",
    ),
    # An Italian speaker's English: "Both they deliver at the factory", "Allora, please add
    # also the warehouse in Verona, ..., the factory is sending there all the tiles", "the center
    # of Munich now is only 12000"
    (
        re.compile(r"\b(both\s+they\s+(?:deliver|send|ship|supply|bring))\s+(?:at|in)\b", re.I),
        r"\1 to",
    ),
    (re.compile(r"^(\W*)(?:allora|dunque|ecco|quindi|va\s+bene)\W+", re.I | re.M), r"\1"),
    (
        re.compile(
            r"\b(?:is|are)\s+(?:sending|shipping|delivering)\s+there\s+(?:all\s+)?(?:the\s+)?[a-z]+\b",
            re.I,
        ),
        "ships there",
    ),
    (re.compile(r"\b(?:now\s+is|is\s+now)\s+only\s+(?=\d)", re.I), "is now "),
    (re.compile(r"\bthe\s+cent(?:er|re)\s+of\s+(?=[A-Z])"), "the distribution center in "),
    # A French speaker's English: "Lyon is delivering the both" (les deux), "What is happening
    # if the supplier of Taichung stop during two weeks?" (pendant)
    (re.compile(r"\bthe\s+both\b", re.I), "both"),
    (
        re.compile(
            r"\b(?:is|are)\s+(?P<verb>deliver|supply|send|ship|serv)(?:e)?ing\s+(?:to\s+)?(?=both\b|them\b)",
            re.I,
        ),
        lambda m: {
            "deliver": "delivers to ",
            "supply": "supplies ",
            "send": "sends to ",
            "ship": "ships to ",
            "serv": "serves ",
        }[m["verb"].lower()],
    ),
    (
        re.compile(
            r"\bduring\s+(?=(?:\d+|one|two|three|four|five|six|a|an)\s+(?:days?|weeks?|months?)\b)",
            re.I,
        ),
        "for ",
    ),
    (re.compile(r"\bwhat\s+is\s+happening\s+if\b", re.I), "what happens if"),
    # A Hindi speaker's English: "What you are suggesting I should do for it?"
    (
        re.compile(
            r"\bwhat\s+(?:you|u)\s+(?:are|r)\s+(?:suggesting|recommending|advising)\b", re.I
        ),
        "what do you suggest",
    ),
    # A German speaker's English: "connect him with the Werk", "The steel we become from a
    # supplier" (bekommen), "From Chemnitz go the discs to there", "Please make also a
    # distribution centre", "What happens when Duisburg delivers nothing ...?" (wenn)
    (re.compile(r"\b(?:the|this|our|that|das|unser(?:e|em)?)\s+Werk\b", re.I), "the plant"),
    (
        re.compile(
            r"\b(?P<verb>become|becomes|became)\s+(?=(?:the\s+[a-z]+\s+|[a-z]+\s+)?from\b)", re.I
        ),
        lambda m: {"become": "get ", "becomes": "gets ", "became": "got "}[m["verb"].lower()],
    ),
    (
        re.compile(
            r"\b(?P<lead>[Ff]rom\s+[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:go|goes|come|comes)\s+"
            r"(?P<what>the\s+[a-z]+)\s+to\s+(?P<there>there\b|it\b)?"
        ),
        lambda m: f"{m['lead']} {m['what']} go to {'it' if m['there'] else ''}",
    ),
    (
        re.compile(r"\b(?P<verb>make|create|add|build|put)\s+also\s+(?=(?:a|an|one)\s)", re.I),
        lambda m: f"also {m['verb']} ",
    ),
    (re.compile(r"\bwhat\s+(happens|would\s+happen|happen)\s+when\b", re.I), r"what \1 if"),
    # A Vietnamese speaker's English, without articles or plurals: "we buy from farmer co-op
    # in Buon Ma Thuot, 6,000 ton one month", "Two co-op is supplier"
    (
        re.compile(
            r"\bfrom\s+(?!(?:a|an|the|our|my|their|its|one|each|every|both)\b)"
            r"(?P<what>(?:[a-z][\w-]*\s){0,2}[a-z][\w-]*)\s+in\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,2})"
        ),
        # (not "it gets from warehouse in Almaty": a kind of ours said bare is the one we have)
        _at_a_town(
            lambda m: (
                m.group() if _TYPE_RE.search(m["what"]) else f"from a {m['what']} in {m['town']}"
            )
        ),
    ),
    (
        re.compile(r"(?<=\d)(?P<unit>\s?[a-z]+)?\s+one\s+(?P<period>month|week|day|year)\b", re.I),
        lambda m: f"{m['unit'] or ''} a {m['period']}",
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?:two|both)\s+[a-z][\w-]*\s+is\s+(?:a\s+)?(?=(?:" + _TYPES + r")\b)",
            re.I,
        ),
        "the two are ",
    ),
    # A Spanish speaker's English: "one is in Monterrey with 20,000 and the other in Saltillo
    # with 12,000", "the supplier of Monterrey or the of Saltillo" (el de Saltillo)
    (re.compile(r"\bone\s+is\s+in\b", re.I), "one in"),
    (
        re.compile(r"\s*(?:,\s*)?\b(?:and\s+)?(?:the\s+)?other\s+(?:one\s+)?(?:is\s+)?in\b", re.I),
        # (only after "one in ...": "connect the other in Lyon" points back)
        lambda m: (
            ", and one in"
            if re.search(r"\bone\s+(?:is\s+)?in\b", m.string[: m.start()], re.I)
            else m.group()
        ),
    ),
    # A Korean speaker's English: "Raw material supplier is two." (how many, said last)
    (
        re.compile(
            r"\b(?:(?:raw\s+material|main|our|the)\s+)?(?P<kind>supplier|warehouse|factory|plant|store"
            r"|shop|distributor|distribution\s+cent(?:er|re))s?\s+(?:is|are)\s+(?P<n>two|three|four|2|3|4)\b",
            re.I,
        ),
        lambda m: f"We have {m['n']} {m['kind']}s",
    ),
    (re.compile(r"\bthe\s+of\s+(?=[A-Z])"), "the one in "),
    # ("a distribution center in Laredo of 25,000": its size)
    (
        re.compile(
            r"\b(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+of\s+(?=\d[\d,.]*\s?k?\b(?!\s*%))"
        ),
        _at_a_town(lambda m: f"{m['town']}, "),
    ),
    # A Japanese speaker's English, objects and articles left out: "Please register as plant",
    # "Steel material is coming from Nagoya, 20000 pieces", "About warehouse, we are using one in
    # Kobe", "Production capacity is 15000 pieces per month." (the size of what was just said)
    (
        re.compile(
            r"\b(register|add|enter|record|put)\s+as\s+(?=(?:a\s+|an\s+)?(?:" + _TYPES + r")\b)",
            re.I,
        ),
        r"\1 it as ",
    ),
    (
        re.compile(
            r"\b(is|are)\s+coming\s+from\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?),\s*(?=(?:about\s+|around\s+)?\d)"
        ),
        _at_a_town(lambda m: f"{m[1]} coming from a supplier in {m['town']}, "),
    ),
    (
        re.compile(
            r"^(?P<lead>\W*)(?:about|regarding|as\s+for)\s+(?:the\s+)?(?P<kind>"
            + _TYPES
            + r"),\s+we\s+"
            r"(?:are\s+using|use|have|are\s+having)\s+one\s+(?=in|at|near)",
            re.I | re.M,
        ),
        r"\g<lead>we have a \g<kind> ",
    ),
    (
        re.compile(
            r"(?<=[a-z])\.\s+(?:the\s+|its\s+)?(?:production\s+|storage\s+|monthly\s+)?capacity\s+is\s+(?=\d)",
            re.I,
        ),
        ", capacity ",
    ),
    # A Russian speaker's English, without articles: "I want make model of our supply chain
    # here", "factory is in Karaganda", "Both they are delivering on factory", "from factory goes
    # there", "make please distribution center in Astana"
    (
        re.compile(
            r"\b(want|need|would\s+like)\s+(?:to\s+)?make\s+(?:a\s+|the\s+)?model\s+of\s+", re.I
        ),
        r"\1 to model ",
    ),
    (
        re.compile(
            r"(^|[.,;]\s*)(?=(?i:" + _TYPES + r")\s+(?:is|are)\s+(?:in|at|near)\s+[A-Z])", re.M
        ),
        r"\1our ",
    ),
    (
        re.compile(
            r"\b(deliver\w*|send\w*|ship\w*|suppl\w*|go|goes|going)\s+on\s+(?=(?:the\s+)?(?:"
            + _TYPES
            + r")\b)",
            re.I,
        ),
        r"\1 to ",
    ),
    (
        re.compile(
            r"\bfrom\s+(?:the\s+|our\s+)?(?P<kind>"
            + _TYPES
            + r")\s+(?:it\s+)?(?:goes|go|is\s+going|are\s+going)"
            r"\s+(?:to\s+)?there\b",
            re.I,
        ),
        r"the \g<kind> ships there",
    ),
    (re.compile(r"\b(make|add|create|put)\s+please\b(?=\s+[a-z])", re.I), r"please \1"),
    # An Arabic speaker's English: "the both take from the warehouse of Aqaba" (both get their
    # goods from the Aqaba warehouse), "is not 10,000, is 12,000" (a size taken back)
    (re.compile(r"\bthe\s+both\b", re.I), "both"),
    (re.compile(r"\b(both|all|each)\s+(?:of\s+them\s+)?take\s+from\b", re.I), r"\1 get from"),
    (
        re.compile(
            r"\bthe\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+of\s+(?:the\s+)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)"
        ),
        _at_a_town(lambda m: f"the {m['town']} {m['kind']}"),
    ),
    (
        re.compile(
            r"\bis\s+not\s+(?P<old>\d[\d,.]*\s?k?),?\s+(?:but\s+)?(?:it\s+|(?:the\s+)?(?:correct|right)"
            r"(?:\s+(?:one|number|figure|capacity))?\s+)?is\s+(?P<new>\d[\d,.]*\s?k?)\b",
            re.I,
        ),
        r"is \g<new>, not \g<old>",
    ),
    # A Portuguese or Spanish speaker's prepositions: "around of 30 thousand" (cerca de), "make
    # the connection with the factory" (fazer a conexão com), "also sending for the factory"
    # (para), "The warehouse not stay in Campinas, stay in Ribeirão Preto" (não fica em)
    (re.compile(r"\b(around|about|approximately|more\s+or\s+less)\s+of\s+(?=\d)", re.I), r"\1 "),
    (
        re.compile(
            r"\b(?:make|give|do|put)\s+(?:the|a)\s+(?:connection|link)\s+(?:with|to)\s+(?=the\s|our\s)",
            re.I,
        ),
        "connect it to ",
    ),
    (
        re.compile(
            r"\b(sending|send|sends|shipping|ship|ships|delivering|deliver|delivers)\s+for\s+"
            r"(?=the\s|our\s)",
            re.I,
        ),
        r"\1 to ",
    ),
    (re.compile(r"\bnot\s+(?:stay|stays|staying|is\s+staying)\s+in\b", re.I), "is not in"),
    (
        re.compile(r"(?<=[a-z]),\s*(?:but\s+)?(?:stay|stays|is\s+staying)\s+in\b", re.I),
        ", it is in",
    ),
    (re.compile(r"\b(please|pls|kindly)\s+you\s+(?=[a-z])", re.IGNORECASE), r"\1 "),
    (
        re.compile(
            r"\b(add|connect|link|put|include|enter|remove|delete|mark|set|change|update)\s+"
            r"(also|too)\s+(?=(?:this|that|it|them|these|those|the)\b)",
            re.IGNORECASE,
        ),
        r"also \1 ",
    ),
    (
        re.compile(
            r"(?<=\d)((?:\s?[a-z]{1,12}){0,2})\s+(?:for|in\s+the|in|per\s+the)\s+(month|week|year|day)\b",
            re.I,
        ),
        r"\1 a \2",
    ),
    # "two winkels, I mean stores, in Groningen": the word said again in English
    (
        re.compile(
            r"\b[\w-]+,\s*i\s+mean(?:t)?\s+([\w-]+(?:\s[\w-]+)?),?\s+(?=(?:in|at|near)\b)", re.I
        ),
        r"\1 ",
    ),
    # "Please you add it like plant": as a plant
    (
        re.compile(
            r"\b(add|put|enter|register|record|include)\s+(it|this|that|them|these|those)\s+"
            r"(?:like|how)\s+(?:a\s+|an\s+)?(?=[a-z])",
            re.IGNORECASE,
        ),
        r"\1 \2 as a ",
    ),
    # A learner's verb last, as Turkish, Japanese or Hindi put it: "This factory please add",
    # "Both to Bursa factory send", "From Bursa factory to there go", "Kayseri supplier how
    # much capacity have?"
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>(?:this|that|these|those|the|our|my)\s[^.!?,\n]{1,40}?"
            r"|[A-Z][\w'-]*(?:\s[\w'-]+){0,3}?)(?<!\sto)\s+(?:please|pls|kindly)\s+"
            r"(?P<verb>add|remove|delete|connect|link|register|enter)\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"please \g<verb> \g<np>",
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))from\s(?P<a>[^.!?,\n]{1,40}?)\s(?P<dest>to\s[^.!?,\n]{1,40}?)"
            r"(?:\s(?:we|i|they))?\s+(?:go|goes|send|sends|ship|ships|deliver|delivers)\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<a> ships \g<dest>",
    ),
    # ("From Kayseri factory goods going there": the goods said, "to" left out; "From factory
    # goes there": not even the goods)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))from\s(?P<a>[^.!?,\n]{1,40}?)\s(?:(?:the\s)?(?:goods|products|stock"
            r"|materials?|things|cargo)\s(?:is\s|are\s)?(?:going|go|goes|sent|shipped)\s"
            r"(?:to\s)?(?P<dest>there|it|[^.!?,\n]{1,40}?)|(?:is\s|are\s)?(?:going|goes|sent|shipped)"
            r"\s(?:to\s)?(?P<near>there|it|to\s[^.!?,\n]{1,40}?))\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: f"{m['a']} ships to {m['dest'] or m['near'].removeprefix('to ')}",
    ),
    # ("From factory this also connect": the source before its postposition, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=,\s))from\s(?P<a>[^.!?,\n]{1,40}?)\s(?:this|that|it|him|her)\s"
            r"(?:also\s|too\s)?(?:please\s)?(?:connect|link)(?:\s+(?:please|also|too))?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"connect \g<a> to it",
    ),
    # ("Please add, from factory goods to there going": the destination, then the verb)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=,\s))from\s(?P<a>[^.!?,\n]{1,40}?)\s(?:(?:the\s)?(?:goods|products"
            r"|stock|materials?|things|cargo)\s)?to\s(?P<dest>there|it|[^.!?,\n]{1,40}?)\s(?:is\s|are\s)?"
            r"(?:going|go|goes|sent|shipped|sending)\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<a> ships to \g<dest>",
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<subj>[^.!?,\n]{1,40}?)\s+(?P<dest>to\s[^.!?,\n]{1,40}?)\s+"
            r"(?:(?:is|are)\s(?:giving|sending|going|shipping|delivering|supplying)"
            r"|go|send|ship|deliver|supply|give|gives)\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<subj> ship \g<dest>",
    ),
    # ("Denizli factory capacity how much is now?": a node's figure, the question word last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>[^.!?,\n]{1,40}?)\s+(?P<what>capacity|inventory|stock"
            r"|utili[sz]ation|status)\s+(?:how\s+(?:much|many|big)|what)\s*(?:is|are|was|were|has|have)?"
            # ("Gaziantep supplier capacity how much was, I forgot?")
            r"\s*(?P<when>now|currently|today)?\s*(?:,\s*[^?.!\n]{0,30})?\?",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: f"what is the {m['what']} of {m['np']}{' ' + m['when'] if m['when'] else ''}?",
    ),
    # ("Factory from towels Istanbul warehouse to going": each end before its postposition,
    # as Turkish puts them, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=,\s))(?P<a>(?:the\s)?[\w-]+(?:\s[\w-]+)?)\s+from\s+(?:[\w-]+\s+)?"
            r"(?P<b>[^.!?,\n]{1,40}?)\s+to\s+(?:is\s+|are\s+)?(?:please\s+)?(?:going|goes|go|sending"
            # ("Factory from warehouse to please connect")
            r"|send|shipping|ship|(?P<link>connect|link))(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: (
            f"connect {_without_goods(m['a'])} to {m['b']}"
            if m["link"]
            else f"{_without_goods(m['a'])} ships to {m['b']}"
        ),
    ),
    # ("Both of them our factory to are sending": the destination before its postposition)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<subj>(?:both|all|each)(?:\sof\sthem)?|they|these|those)\s+"
            r"(?P<dest>(?:our\s|the\s)?[\w-]+(?:\s[\w-]+)?)\s+to\s+(?:is\s+|are\s+)?(?:sending|giving"
            r"|going|shipping|supplying|delivering|send|give|go|ship|supply|deliver)\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<subj> ship to \g<dest>",
    ),
    # ("This one also to factory connect please": the subject, the other end, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<subj>this(?:\sone)?|that(?:\sone)?|it)\s+(?:also\s+)?to\s+(?P<np>[^.!?,\n]{1,40}?)"
            r"\s+(?:also\s+)?(?:connect|link)(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"connect \g<subj> to \g<np>",
    ),
    # ("Adana supplier also add and factory to connect please", "Also add, also factory to
    # connect": the other end before "to connect", the verb last)
    (
        re.compile(
            r"(?:\b(?P<lead>and|also|,)\s+|^)(?:also\s+)?(?:(?:it|this|him|her)\s+)?(?P<np>(?:the\s)?[\w-]+(?:\s[\w-]+)?)\s+(?:to|with)"
            r"\s+(?:also\s+)?(?:connect|link)(?P<end>\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: f"{m['lead'] or ''} connect it to {m['np']}{m['end'] or ''}".lstrip(),
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?!(?i:please|pls|also|then|and|so)\b)(?P<np>[A-Z][\w-]*(?:\s[\w-]+){0,2}?)"
            r"\s+(?:also\s+)?add(?=\s+and\s+connect\b)",
            re.MULTILINE,
        ),
        r"add \g<np>",
    ),
    # ("factory with it connect": both ends, then the verb)
    (
        re.compile(
            r"\b(?P<a>(?:the\s)?[\w-]+)\s+with\s+(?P<b>it|them|this|that|(?:the\s)?[\w-]+)\s+(?:please\s+)?"
            r"(?:connect|link)(?:\s+(?:also|too|please))*\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"connect \g<a> with \g<b>",
    ),
    # ("Factory to warehouse please connect": both ends first, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=\band\s)|(?<=,\s))(?!(?:and|also|then|please|so)\b)"
            r"(?P<a>(?:the\s)?[\w-]+(?:\s[\w-]+)?)\s+to\s+"
            r"(?P<b>(?:the\s)?[\w-]+"
            r"(?:\s[\w-]+)?)\s+(?:please\s+)?(?:connect|link)(?:\s+(?:also|too|please))*\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"connect \g<a> to \g<b>",
    ),
    # ("Please add and with Istanbul warehouse connect": the link's verb last)
    (
        re.compile(
            r"\b(?P<and>and\s+)?(?P<way>with|to)\s+(?P<np>[^.!?,\n]{1,40}?)\s+(?:please\s+)?(?:connect"
            r"|link)(?:\s+(?:also|too|please))*\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: f"{m['and'] or ''}connect it {m['way'].lower()} {m['np']}",
    ),
    # ("All suppliers together how much capacity?": the total, asked verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>all\s[^.!?,\n]{1,40}?)\s+(?:together|in\stotal|total)\s+how\s+"
            r"(?:much|many)\s+(?P<what>capacity|inventory|stock)\s*(?:is|are|have|has)?\s*\?",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"what is the total \g<what> of \g<np>?",
    ),
    # ("Factory we have in Bursa, 15 thousand piece": the object first, as Turkish says it)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<kind>(?i:" + _TYPES + r"))\s+(?:we|i)\s+(?:also\s+)?"
            r"(?:have|has|got|own|run)\s+(?=(?:in|at|near)\s)",
            re.MULTILINE,
        ),
        r"We have a \g<kind> ",
    ),
    # ("Istanbul in we have warehouse also", put by `_postpositions` as "in Istanbul we have
    # warehouse also": the kind after who has it)
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?,]\s))in\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:(?:we|i)\s+"
            r"(?:also\s+)?(?:have|keep|run|own"
            r"|operate|use|got|need)\s+(?:also\s+)?(?:an?\s+|one\s+|our\s+)?(?P<kind>(?i:"
            + _TYPES
            + r"))"
            # ("in Istanbul our warehouse also there is", "in Denizli our towel factory there is")
            r"|(?:our|a|an|one)\s+(?:[a-z][\w-]*\s+){0,2}?(?P<kind2>(?i:"
            + _TYPES
            + r"))\s+(?:also\s+)?(?:there\s+)?(?:is|are))"
            r"(?:\s+also)?\b",
            re.MULTILINE,
        ),
        lambda m: f"we have a {m['kind'] or m['kind2']} in {m['town']}",
    ),
    # ("we buy Usak from supplier", "Kahramanmaras from also other supplier": the town before
    # its postposition, then the kind)
    (
        re.compile(
            r"\b(?P<town>[A-Z][\w'-]+)\s+from\s+(?:also\s+)?(?:(?:an?|one|other|another)\s+)?"
            r"(?P<kind>(?i:" + _TYPES + r"))\b",
        ),
        _at_a_town(
            lambda m: f"from a {m['kind']} in {m['town']}"
        ),  # ("Goods from factory to ...": what goes, not a town)
    ),
    # ("Bursa in warehouse also add", "Ankara in distribution center also add")
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?,]\s))(?P<town>[A-Z][\w'-]+)\s+in\s+(?:an?\s+|one\s+)?(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:also\s+)?(?:please\s+)?add\b",
            re.MULTILINE,
        ),
        r"add a \g<kind> in \g<town>",
    ),
    # ("Factory this warehouse to connect please", "Istanbul warehouse this center to send",
    # "Bursa warehouse this center is feeding": the source, the destination, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<a>(?:the\s)?[\w-]+(?:\s[\w-]+)?)\s+(?P<b>(?:this|that|the)\s[\w-]+"
            r"(?:\s(?!(?:to|is)\b)[\w-]+)?)\s+(?:to|is)\s+(?:please\s+)?(?:connect|link|send|sending|ship|shipping"
            r"|feed|feeding|supply|supplying)(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<a> ships to \g<b>",
    ),
    # ("Bursa in factory we have": the town before its postposition, the kind, then who has it)
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?,]\s))(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+in\s+(?:also\s+)?"
            r"(?:an?\s+|one\s+)?(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:also\s+)?(?:we|i)\s+(?:also\s+)?(?:have|keep|run|own"
            r"|operate|use|got)\b",
            re.MULTILINE,
        ),
        r"we have a \g<kind> in \g<town>",
    ),
    # ("We Bursa in towel factory have": who has it, the town before its postposition, what
    # the site makes, the kind, the verb last)
    (
        re.compile(
            r"\b(?i:we|i)\s+(?:also\s+)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+in\s+(?:also\s+)?"
            r"(?P<what>(?:[\w-]+\s+){0,2}?)(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:also\s+)?(?:have|has|own"
            r"|run|keep|operate)\b",
        ),
        r"we have a \g<what>\g<kind> in \g<town>",
    ),
    # ("there supplier 12,000 kg monthly give": who is there and how much it gives)
    (
        re.compile(
            r"\bthere\s+(?:is\s+)?(?:an?\s+)?(?P<kind>(?i:" + _TYPES + r"))\s+(?P<n>\d[\d,.]*\s?k?)"
            r"(?P<unit>(?:\s+[a-z]+){0,3}?)\s+(?:give|gives|make|makes|produce|produces|deliver|delivers"
            r"|send|sends|supply|supplies|has|have)\b",
            re.IGNORECASE,
        ),
        r"there is a \g<kind>, \g<n>\g<unit>",
    ),
    # ("Adana in also second supplier is, 9,000 kg": the town before its postposition, "is" last)
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?,]\s))(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+in\s+(?:also\s+)?"
            r"(?:(?i:a|an|one|second|another|other|a\ssecond)\s+)?(?P<kind>(?i:" + _TYPES + r"))\s+"
            r"(?:also\s+)?(?:(?i:there\s+)?(?i:is|are))\b",
            re.MULTILINE,
        ),
        r"there is also a \g<kind> in \g<town>",
    ),
    # ("Both supplier please add": the ones just described, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?,]\s))(?P<det>both|all|these|those)\s+(?P<kind>"
            + _TYPES
            + r")\s+(?:please\s+)?"
            r"(?:also\s+)?add\b(?:\s+please)?",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"please add \g<det> as \g<kind>",
    ),
    # ("Warehouse add, 50 thousand towel": the kind just described, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=,\s))(?P<kind>" + _TYPES + r")\s+(?:also\s+)?(?:please\s+)?add"
            r"(?:\s+please)?(?=\s*[,.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"add the \g<kind>",
    ),
    # ("Also in Istanbul warehouse we have": the town, the kind, then who has it)
    (
        re.compile(
            r"\bin\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:(?i:one|a|an|also)\s+)*(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:(?i:also)\s+)?(?i:we|i)\s+(?:also\s+)?(?:have|keep|run|own|operate|use"
            r"|got)\b",
        ),
        _at_a_town(lambda m: f"we have a {m['kind']} in {m['town']}"),
    ),
    # ("..., 6,000 piece, from Istanbul warehouse take": where its goods come from, verb last)
    (
        re.compile(
            r",\s*from\s+(?P<np>[^.!?,\n]{1,40}?)\s+(?:take|takes|get|gets|receive|receives|buy|buys"
            r"|come|comes)(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r", fed from \g<np>",
    ),
    # ("Istanbul warehouse now more big, new shelf we put": how it changed, said)
    (
        re.compile(r"\b(?:is\s+)?now\s+(?:more\s+big|more\s+large|bigger|larger)\b", re.IGNORECASE),
        "has grown",
    ),
    # ("Capacity 25,000 make please": the new size, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:its\s+|the\s+)?capacity\s+(?P<n>\d[\d,.]*(?:\s?k\b)?)\s+(?:please\s+)?"
            r"(?:make|do|set|put|change)(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"make its capacity \g<n>",
    ),
    # ("Cotton Gaziantep supplier from we buy": the goods, the town, the kind and its
    # postposition, then the verb)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<goods>[A-Za-z][\w-]*\s+)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+"
            r"(?P<kind>(?i:"
            + _TYPES
            + r"))\s+from\s+(?i:we|i)\s+(?:also\s+)?(?P<verb>(?i:buy|get|source"
            r"|order|take))\b",
            re.MULTILINE,
        ),
        _at_a_town(
            lambda m: (
                f"we {m['verb'].lower()} {(m['goods'] or '').lower()}from a {m['kind']} in "
                f"{m['town']}"
            )
        ),
    ),
    # ("Denizli factory from goods there are going": where the goods go, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<source>[^.!?,\n]{1,40}?)\s+from\s+(?:the\s+)?(?:goods|products|stock|towels?"
            r"|cargo)\s+(?:to\s+)?there\s+(?:is\s+|are\s+)?(?:going|go|goes|sent|shipped)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<source> ships there",
    ),
    # ("Adana supplier 15000 not, 18000 it is": the wrong size, then the right one)
    (
        re.compile(
            r"(?P<np>\b[\w-]+(?:\s[\w-]+){0,2}?)\s+(?P<wrong>\d[\d,.]*\s?k?)\s+not,?\s+(?P<right>\d[\d,.]*\s?k?)"
            r"\s+(?:it\s+is|is|it'?s)\b",
            re.IGNORECASE,
        ),
        r"\g<np> is \g<right>, not \g<wrong>",
    ),
    # ("in Bursa one store add please": the town said first, then the kind and the verb)
    (
        re.compile(
            r"\bin\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:(?i:one|a|an|also)\s+)*(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:(?i:also|please)\s+)*(?i:add)\b(?:\s+(?i:please))?",
        ),
        _at_a_town(lambda m: f"add a {m['kind']} in {m['town']}"),
    ),
    # ("Istanbul warehouse from it is supplied": where its goods come from, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>[^.!?,\n]{1,40}?)\s+from\s+(?P<subj>it|this|they)\s+(?:is|are)\s+"
            r"(?P<verb>fed|supplied|stocked|served|delivered)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<subj> is \g<verb> from \g<np>",
    ),
    # ("Cotton from Gaziantep supplier coming": the goods, where they come from, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<goods>[A-Za-z][\w-]*(?:\s[a-z][\w-]*)?)\s+from\s+(?P<town>[A-Z][\w'-]+"
            r"(?:\s[A-Z][\w'-]+)?)\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:is\s+|are\s+)?(?:coming|comes|come)\b",
            re.MULTILINE,
        ),
        _at_a_town(lambda m: f"{m['goods']} comes from a {m['kind']} in {m['town']}"),
    ),
    # ("Also Adana supplier there is, 25,000 kg": the town and kind first, "there is" last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?i:also|and)\s+)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:(?i:also)\s+)?(?i:there)\s+(?i:is|are)\b",
            re.MULTILINE,
        ),
        _at_a_town(lambda m: f"there is also a {m['kind']} in {m['town']}"),
    ),
    # ("After factory, products to Istanbul warehouse going": where the goods go next)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))after\s+(?:the\s+|our\s+)?(?P<source>[\w-]+(?:\s[\w-]+)?),\s*(?P<goods>products"
            r"|goods|towels?|stock|everything)\s+(?:to|into)\s+(?P<target>[^.!?,\n]{1,40}?)\s+(?:is\s+|are\s+)?"
            r"(?:going|go|goes|sent|shipped)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        lambda m: f"{m['goods']} go to {_kind_in_town(m['target'])}",
    ),
    # ("... to the warehouse in Istanbul. Warehouse capacity 30,000 piece.": its size)
    (
        re.compile(
            r"(?P<head>\b(?P<kind>"
            + _TYPES
            + r")\s+in\s+[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\.\s+(?P<again>"
            + _TYPES
            + r")\s+capacity\s+(?:is\s+)?(?P<size>\d[\d,.]*\s?k?(?:\s+[a-z]+)?)\s*\.",
            re.IGNORECASE,
        ),
        lambda m: (
            f"{m['head']}, capacity {m['size']}."
            if m["kind"].lower() == m["again"].lower()
            else m.group()
        ),
    ),
    # ("Cotton from Adana supplier we take": the goods, the town and kind, who takes them)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<goods>[A-Za-z][\w-]*)\s+from\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+"
            r"(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?i:we|i)\s+(?:also\s+)?(?i:take|buy|get|receive|order)\b",
            re.MULTILINE,
        ),
        _at_a_town(lambda m: f"we buy {m['goods'].lower()} from a {m['kind']} in {m['town']}"),
    ),
    # ("Also this supplier add": the one just described, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?i:also|and)\s+)?(?P<np>(?i:this|that|these|those))\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?:(?i:also|please)\s+)*(?i:add)\b",
            re.MULTILINE,
        ),
        r"add \g<np> \g<kind>",
    ),
    # ("Our warehouse Mersin port near is": where it is, the verb last)
    (
        re.compile(
            r"\b(?i:our|the)\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+"
            r"(?:(?i:port|city|centre|center|airport)\s+)?(?i:near|in|at|next\sto|close\sto)\s+(?i:is|are)\b",
        ),
        _at_a_town(lambda m: f"we have a {m['kind']} in {m['town']}"),
    ),
    # ("..., 12,000, Istanbul warehouse from is fed": where its goods come from, verb last)
    (
        re.compile(
            r",\s*(?P<np>[^.!?,\n]{1,40}?)\s+from\s+(?:is|are)\s+(?:fed|supplied|stocked|served)\b",
            re.IGNORECASE,
        ),
        r", fed from \g<np>",
    ),
    # ("Growers in Nakuru (2,500 t) and Eldoret (1,800 t) as suppliers, ...": a list of sites,
    # the kind said after it)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?:our|the|and|also)\s+)?[A-Za-z][\w'-]*(?:\s[a-z][\w'-]*)?\s+in\s+"
            r"(?P<list>[A-Z](?:(?!\b(?:add|put|create|enter)\b)[^.!?:\n])*?\d"
            r"(?:(?!\b(?:add|put|create|enter)\b)[^.!?:\n])*?\band\s[A-Z][^.!?:\n]*?)\s+as\s+(?P<kind>"
            + _TYPES
            + r")(?=\s*(?:[,.;!]|$))",
            re.MULTILINE,
        ),
        r"\g<kind>: \g<list>",
    ),
    # ("Cotton yarn we from Adana buy": who buys, where from, the verb last)
    (
        re.compile(
            r"\b(?P<who>(?i:we|i))\s+from\s+(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?P<verb>(?i:buy|get|take"
            r"|order|source))\b",
        ),
        _at_a_town(lambda m: f"{m['who']} {m['verb']} from a supplier in {m['town']}"),
    ),
    # ("Adana supplier 50000 kg monthly give": the site and what it gives, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?P<kind>(?i:"
            + _TYPES
            + r"))\s+"
            r"(?P<size>\d[\d,.]*\s?k?(?:\s+[a-z]+){0,2}?)\s+(?i:give|gives|send|sends|make|makes|produce"
            r"|produces|deliver|delivers)\b",
            re.MULTILINE,
        ),
        _at_a_town(lambda m: f"there is a {m['kind']} in {m['town']}, {m['size']}"),
    ),
    # ("Mersin port near one warehouse we have": where it is, then who has it)
    (
        re.compile(
            r"\b(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:(?i:port|city|airport|centre|center)\s+)?"
            r"(?i:near|in|at)\s+(?:(?i:one|a|an)\s+)?(?P<kind>(?i:" + _TYPES + r"))\s+(?i:we|i)\s+"
            r"(?:also\s+)?(?i:have|keep|run|own)\b",
        ),
        _at_a_town(lambda m: f"we have a {m['kind']} in {m['town']}"),
    ),
    # ("This center goods directly factory from takes": where its goods come from, verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<subj>(?:this|that)\s[\w-]+|it)\s+(?:(?:goods|products|stock)\s+)?"
            r"(?:directly\s+|straight\s+)?(?P<np>[^.!?,\n]{1,30}?)\s+from\s+(?:takes|gets|receives|buys)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"it is fed from the \g<np>",
    ),
    # ("2 week send cannot": the verb, then "cannot" after it)
    (
        re.compile(
            r"\b(?P<verb>send|deliver|ship|supply|work|produce|give)\s+(?:can\s?not|can'?t)\b",
            re.IGNORECASE,
        ),
        r"cannot \g<verb>",
    ),
    # ("This factory system to please add": into the twin, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>(?:this|that|it)(?:\s[\w-]+)?)\s+(?:the\s+|our\s+)?(?:system|twin"
            r"|network|model)\s+(?:to|in|into)\s+(?:please\s+)?(?:also\s+)?add(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"please add \g<np>",
    ),
    # ("This as plant add please": the kind, then the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>this|that|it|him|her)\s+(?:also\s+)?as\s+(?:an?\s+)?(?P<kind>[\w-]+)\s+"
            r"(?:please\s+)?(?:also\s+)?add(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"please add \g<np> as a \g<kind>",
    ),
    # ("Cotton supplier two we have: Adana ..., Gaziantep ...": the count after the kind)
    (
        re.compile(
            r"\b(?P<kind>"
            + _TYPES
            + r")\s+(?P<n>two|three|four|five|2|3|4|5)\s+(?:we\s+|i\s+)?(?:have|has"
            r"|got|use)\s*:",
            re.IGNORECASE,
        ),
        lambda m: f"we have {m['n']} {_plural(m['kind'])}:",
    ),
    # ("It Izmir warehouse from is fed": where it gets its goods, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<subj>it|this|they|these)\s+(?P<np>[^.!?,\n]{1,40}?)\s+from\s+(?:is\s+|are\s+)?"
            r"(?P<verb>fed|supplied|stocked|served|delivered)\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"\g<subj> is \g<verb> from \g<np>",
    ),
    # ("This please add as plant": the kind it is added as, the verb before it)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>this|that|it|him|her)\s+(?:please\s+)?(?:also\s+)?add\s+as\s+"
            r"(?:an?\s+)?(?P<kind>[\w-]+)(?:\s+please)?\s*(?=[.!]|$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"please add \g<np> as a \g<kind>",
    ),
    # ("Cotton from Denizli come, there is supplier": where the goods come from, the verb last;
    # the article a learner leaves out)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<goods>[A-Za-z][\w-]*(?:\s[a-z][\w-]*)?)\s+from\s+(?P<town>[A-Z][\w'-]+"
            r"(?:\s[A-Z][\w'-]+)?)\s+(?:come|comes|coming)\b",
            re.MULTILINE,
        ),
        r"\g<goods> comes from \g<town>",
    ),
    (
        re.compile(r"\bthere\s+(?:is|are)\s+(?=(?i:" + _TYPES + r")\b)", re.IGNORECASE),
        "there is a ",
    ),
    # ("This also to Bursa factory send": the new node's destination, the verb last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:this|it|he|she)\s+(?:also\s+)?to\s+(?P<np>[^.!?,\n]{1,40}?)\s+(?:is\s+)?"
            r"(?:send|sends|sending|go|goes|going|ship|ships|shipping|give|gives|giving|deliver|delivers)"
            r"\b",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"it ships to \g<np>",
    ),
    # ("Finished plates, warehouse in Nagoya we keep": the place, then who has it)
    (
        re.compile(
            r"(?:(?<=^)|(?<=[.!?,]\s))(?P<kind>(?i:" + _TYPES + r"))\s+(?P<where>(?i:in|at|near)\s+"
            r"[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:we|i)\s+(?:also\s+)?(?:have|keep|run|own|operate"
            r"|use|got)\b",
            re.MULTILINE,
        ),
        r"we have a \g<kind> \g<where>",
    ),
    # ("Also supplier two: one is in Konya 9000 piece, other in Kayseri": a count said after
    # the type, put before it; then, as for "two suppliers: one in ...", the nodes listed
    # without a verb are added)
    (
        re.compile(
            r"\b(?P<kind>" + _TYPES + r")\s+(?P<count>two|three|four|2|3|4)\s*:(?=\s*one\b)",
            re.IGNORECASE,
        ),
        r"\g<count> \g<kind>:",
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?:also|and|plus|then)\s+)?(?P<count>two|three|four|2|3|4)\s+"
            r"(?P<kind>" + _TYPES + r")\s*:\s*(?=one\b)",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"add \g<count> \g<kind>: ",
    ),
    # ("Also shop we have two, in Denpasar 1000 kg and in Balikpapan 800 kg": the count last)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?:(?i:also|and|plus|then)\s+)?(?P<kind>(?i:" + _TYPES + r"))\s+"
            r"(?i:we|i)\s+(?:also\s+)?(?:have|has|got|own|run)\s+(?P<count>two|three|four|2|3|4)\b",
            re.MULTILINE,
        ),
        r"We have \g<count> \g<kind>",
    ),
    # ("..., 3000 kg, it take from factory Surabaya": fed from it, in a learner's words)
    (
        re.compile(
            r",\s*(?:and\s+)?(?:it|he|she)\s+(?:is\s+)?(?:take|takes|taking|get|gets|getting|receive"
            r"|receives)\s+(?:\w+\s+)?from\s+(?=(?:the\s+)?(?:[A-Z]|factory|plant|supplier|warehouse))",
            re.IGNORECASE,
        ),
        ", fed from ",
    ),
    # ("Kayseri also one supplier we have, 9000 ton": a site of ours, its town said first)
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:also\s+|too\s+)?"
            r"(?:one|a|an|another)\s+(?P<kind>[a-z][\w-]*)\s+(?:we|i)\s+(?:also\s+)?(?:have|has|got|own|use)\b",
            re.MULTILINE,
        ),
        r"we also have a \g<kind> in \g<town>",
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>[^.!?,\n]{1,40}?)\s+(?P<what>capacity|inventory|stock"
            r"|utili[sz]ation|status)\s+how\s+(?:much|big|many|high)\s*(?:is|are|have|has)?\s*\?",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"what is the \g<what> of \g<np>?",
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s))(?P<np>[^.!?,\n]{1,40}?)\s+how\s+(?P<q>much|many)\s+(?P<what>[a-z]+)"
            r"\s+(?:have|has)\s*\?",
            re.IGNORECASE | re.MULTILINE,
        ),
        r"how \g<q> \g<what> does \g<np> have?",
    ),
    # "see from where arrive the goods of Verona warehouse": what feeds it
    (
        re.compile(
            r"\bfrom\s+where\s+(?:arrive|arrives|come|comes|is\scoming|are\scoming)\s+(?:all\s+)?"
            r"(?:the\s+)?(?:goods|products|materials?|stock|supply|supplies|things|inputs)\s+"
            r"(?:of|for|to|in)\s+",
            re.IGNORECASE,
        ),
        "what feeds ",
    ),
    # ("... we send there every week", "... going there for export": where, then how often or
    # what for)
    (
        re.compile(
            r"\bthere\s(?:every\s|each\s)?(?:day|week|month|morning|year)\b",
            re.I,
        ),
        "there",
    ),
)
# A learner's postposition after a town, as Turkish, Japanese, Korean or Hindi put it:
# "our factory Denizli in is", "Kayseri in one supplier add", "Cotton we Adana from buy"
_TOWN_THEN_POSTPOSITION = re.compile(
    r"\b(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?P<post>in|from)\b(?=\s+(?:is|are|was|we|i|our"
    r"|my|one|there|buy|take|get|come|comes|have|has|\W))"
)


def _postpositions(text: str) -> str:
    def swapped(match: re.Match[str]) -> str:
        town = match["town"]
        if gazetteer.lookup(town) is None and gazetteer.lookup(town.split()[-1]) is None:
            return match.group()
        if " " in town and gazetteer.lookup(town) is None:
            # ("Please Denizli in": only the town's word moves)
            head, town = town.rsplit(" ", 1)
            return f"{head} {match['post']} {town}"
        return f"{match['post']} {town}"

    return _TOWN_THEN_POSTPOSITION.sub(swapped, text)


# A learner's link with the verb last and "to"/"from" after the node they mark, as Turkish,
# Japanese or Korean put them ("Factory warehouse to ships", "Warehouse from Izmir
# distribution center to goods go", "both factory to send"): read in English order.
_FLOW_VERB_LAST = (
    r"(?:is\s+|are\s+)?(?:please\s+)?(?:also\s+)?(?:send|sends|sending|ship|ships|shipping|go|goes"
    r"|going|give|gives|giving|deliver|delivers|delivering|supply|supplies|supplying)"
    r"(?:\s+(?:please|also|too))?\s*"
)
_LINK_VERB_LAST = re.compile(
    r"\s(?:to|from)\s(?:[^.!?;,\n]*\s)?" + _FLOW_VERB_LAST + r"(?=[.!?;,\n]|$)", re.IGNORECASE
)
_CLAUSE = re.compile(r"[^.!?;,\n]+")
_VERB_AT_THE_END = re.compile(r"^(?P<body>.+?)\s+" + _FLOW_VERB_LAST + r"$", re.IGNORECASE)
_SUBJECT_WORD = re.compile(r"^(?:both|all|they|these|those|them|it|this|he|she)\b", re.IGNORECASE)
_POINTER_NP = re.compile(r"^(?:there|it|this|that|both|them|they|these|those|here)$", re.IGNORECASE)
_NODE_WORD = re.compile(r"\b(?:" + _TYPES + r")\b", re.IGNORECASE)
_ENGLISH_VERB = re.compile(
    r"\b(?:is|are|was|were|do|does|did|can|could|will|would|should|must|have|has|want|need"
    r"|ships?|sends?|goes|delivers?|supplies|feeds?|connect|link|add|move|make|let|get)\b",
    re.IGNORECASE,
)


def _kind_in_town(phrase: str) -> str:
    """ "Istanbul warehouse" as "the warehouse in Istanbul" (a node said as town and kind)."""
    said = re.fullmatch(
        r"(?:the\s|our\s)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s(?P<kind>[\w ]+)", phrase
    )
    if (
        said is None
        or gazetteer.lookup(said["town"]) is None
        or not _NODE_WORD.fullmatch(said["kind"])
    ):
        return phrase
    return f"the {said['kind']} in {said['town']}"


def _without_goods(phrase: str) -> str:
    """ "Goods factory" as "factory": what goes, said before the node it goes from."""
    return re.sub(r"^(?:goods|products|cargo|stock)\s+(?=\S)", "", phrase, flags=re.IGNORECASE)


def _plural(word: str) -> str:
    if word.lower().endswith("s"):
        return word
    return f"{word[:-1]}ies" if word.lower().endswith("y") else f"{word}s"


def _noun_phrases(words: str) -> list[str]:
    """The node phrases in a run of words: each ends at a node kind ("Factory warehouse" is
    two); a leading "both"/"they" is a phrase of its own."""
    words = re.sub(r"\b(?:also|too|please|pls)\s+", "", words.strip(), flags=re.IGNORECASE)
    words = _without_goods(words)  # ("Goods factory from warehouse to go")
    out: list[str] = []
    lead = _SUBJECT_WORD.match(words)
    if lead is not None and words[lead.end() :].strip():
        out.append(lead.group())
        words = words[lead.end() :].strip()
    start = 0
    for kind in _NODE_WORD.finditer(words):
        phrase = words[start : kind.end()].strip()
        town = re.search(r"\b(?:in|at)\s(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s(?=\S)", phrase)
        if town is not None and gazetteer.lookup(town["town"]) is not None:
            # "Finished towel in Istanbul our warehouse": what goes (said before), then "our
            # warehouse in Istanbul"
            if phrase[: town.start()].strip():
                out.append(phrase[: town.start()].strip())
            phrase = f"{phrase[town.end() :].strip()} in {town['town']}"
        out.append(phrase)
        start = kind.end()
    if words[start:].strip():
        out.append(words[start:].strip())
    return [w for w in out if w]


def _names_a_node(phrase: str) -> bool:
    return bool(
        _POINTER_NP.match(phrase) or _NODE_WORD.search(phrase) or gazetteer.find_places(phrase)
    )


def _verb_last_link(clause: str) -> str:
    said = _VERB_AT_THE_END.match(clause)
    if said is None or _ENGLISH_VERB.search(said.group("body")):
        return clause
    lead = clause[: len(clause) - len(clause.lstrip())]  # (the clause's own spacing)
    english = re.fullmatch(
        r"(?P<goods>.*?)\s*\bfrom\s(?P<source>.+?)\sto\s(?P<target>.+?)",
        said.group("body").strip(),
        re.IGNORECASE,
    )
    if (
        english is not None
        and not _names_a_node(english["goods"])
        and _NODE_WORD.search(english["source"])
        and _names_a_node(english["target"])
    ):
        # "Goods from factory to Istanbul warehouse go": English prepositions, the verb last
        to_node = re.sub(
            r"\s+(?:goods|products|stock|towels?|cargo|materials?)$",
            "",
            english["target"],
            flags=re.I,
        )
        return f"{lead}connect {english['source']} to {to_node}"
    parts = re.split(r"\s+(to|from)(?=\s|$)", said.group("body"))
    source = target = subject = None
    for index in range(0, len(parts) - 1, 2):
        phrases = _noun_phrases(parts[index])
        if not phrases:
            return clause
        marked = phrases[-1]
        if parts[index + 1].lower() == "to":
            target = marked
        else:
            source = marked
        if subject is None and len(phrases) > 1:
            subject = phrases[0]
    leftover = _noun_phrases(parts[-1]) if len(parts) % 2 else []
    if any(_NODE_WORD.search(p) for p in leftover):
        return clause  # a node after the last mark: not this shape
    goods = subject if subject is not None and not _names_a_node(subject) else None
    source = source or (subject if goods is None else None)
    if target is None or not _names_a_node(target) or (source and not _names_a_node(source)):
        return clause
    if goods is not None and source is None:
        # "Finished towel Istanbul in our warehouse to go": where the goods go, a description
        return f"{lead}{goods} go to {target}"
    return f"{lead}{source or 'it'} ships to {target}"


def towns_before_postpositions(text: str) -> str:
    """ "our factory Denizli in is" as "our factory in Denizli is" (before the rewrites)."""
    return _postpositions(text) if _TOWN_THEN_POSTPOSITION.search(text) else text


def in_english_order(text: str) -> str:
    """Each clause with a link's verb last ("Factory warehouse to ships") in English order."""
    if _LINK_VERB_LAST.search(text):
        return _CLAUSE.sub(lambda m: _verb_last_link(m.group()), text)
    return text
