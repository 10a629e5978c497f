"""The what-if rules: port closures, demand spikes (increases only; a drop is asked about),
supplier failures and the other simulated scenarios, each with the node or place it is about,
its severity and its duration.
"""

from __future__ import annotations

import re
from typing import Any

from ..commands import NodeRef
from ..simulation import SEVERITY_FACTOR
from .numbers import parse_duration_hours, parse_percent
from .outcomes import _SIMULATE, _ask, _cmd, _first, _Outcome, _the_one
from .references import _Step
from .vocabulary import _SCENARIO_RE, _SEVERITY_RE, _STATUS_RE

_PORT = re.compile(
    r"\bports?\b|\bharbou?rs?\b|\bterminals?\b|\b(?:border\s)?crossings?\b|\bborder\b"
    r"|\bairports?\b"
)
_CLOSE = re.compile(
    # ("a warehouse in Izmir close to port", "closer to the terminal": near it, not shut)
    r"\b(?:clos(?!e\sto\b|e\sby\b|er\sto\b|est\sto\b)\w*|shut\w*|block\w*|strike\w*|seal\w*|down|shutdown"
    r"|lockdown|halt\w*"
    r"|stops?\s(?:working|operating)|goes\sdark|unavailable|out\sof\saction|congest\w*)\b"
)
# Sea lanes whose closure delays transport rather than closing a port; read unmasked, since
# some are also places ("Suez", "Panama City").
_CHOKEPOINT = re.compile(
    r"\b(?:suez|panama\scanal|hormuz|malacca|bosphorus|bab[\s-]el[\s-]mandeb|gibraltar)\b", re.I
)
_DEMAND = re.compile(r"\bdemand\b|\borders?\b|\bsales\b")
_SPIKE = re.compile(
    r"\b(?:spik\w*|surg\w*|jump\w*|increas\w*|ris(?:e|es|ing)|rose|grow\w*|boom\w*|doubl\w*"
    r"|tripl\w*|quadrupl\w*|twice|goes\sup|go\sup|shoot\w*|soar\w*|peak\w*|explod\w*"
    r"|skyrocket\w*|up|higher|more)\b|%|\bpercent\b|\b\d+(?:\.\d+)?\s?x\b"
)
_SPIKE_WORDS = re.compile(
    r"\b(?:spik\w*|surg\w*|jump\w*|increas\w*|ris(?:e|es|ing)|rose|grow\w*|boom\w*|doubl\w*"
    r"|tripl\w*|quadrupl\w*|twice|up|higher|more|soar\w*|shoot\w*|skyrocket\w*|peak\w*)\b"
)
_DROP = re.compile(
    r"\b(?:drops?|dropping|fall\w*|fell|declin\w*|decreas\w*|slump\w*|crash\w*|plummet\w*"
    r"|shrink\w*|dips?|down|lower|less|reduc\w*|halv\w*)\b"
)
# how long a stop lasts, said right after "down"/"out"/"offline": "down 2wks", "out for just
# one week", "offline for a fortnight" (a status has no duration: said with one, it is a case)
_FOR_HOW_LONG = (
    # ("offline and Brescia degraded": "an" and "d" are no duration; a bare h or d needs digits)
    r"(?:for\s)?(?:just\s|only\s|about\s|around\s|roughly\s)?(?:\d+\s?-?\s?(?:h|hrs?|hours?|d|days?"
    r"|wks?|weeks?|mos?|months?|fortnights?)|(?:a|an|one|two|three|four|five|six|seven|eight|ten"
    r"|a\sfew|several|half\sa)\s-?\s?(?:hrs?|hours?|days?|wks?|weeks?|mos?|months?|fortnights?)"
    r"|a\sfortnight)"
)
_HYPOTHETICAL = re.compile(
    # ("I suppose I should start with our supplier": a hedge, not a supposition)
    r"\bwhat\sif\b|\bwhat\s(?:happens|would\shappen|will\shappen|happened)\b|(?<!\bi\s)\bsuppose\b"
    # ("Manisa supplier 2 week cotton not send, what happen?": a learner's "what happens")
    r"|\bwhat\s(?:is\s)?happen\b"
    r"|\brisk\sof\s(?:an?\s)?|\bchances?\sof\b"
    r"|\bsupposing\b|\bimagine\b|\bpretend\w*|\bmight\b|\bhypothetical\w*|\bsimulat\w*|\bscenario\b|\bmodel\b"
    r"|\bstress[\s-]?test\w*|\bimpact\sof\b|\bwhat\swould\b|\bwhat'?s\sthe\simpact\b|\bif\b"
    r"|\bwhat\sabout\sif\b|\bplay\sout\b|\bwhat\shappens\swhen\b|\bsims?\b"
    r"|\b(?:hurt|affect|impact|hit|harm|disrupt)\s(?:us|our\s\w+|the\snetwork)\b"
    # "Jakarta Supplier fails for two weeks": a failure said with how long it lasts is a case
    # to play out (what happened is said in the past: "failed yesterday").
    r"|\b(?:fails?|goes\sdown|is\sdown|shuts?\sdown|closes?|is\sclosed|stops?\s\w+ing)\s"
    r"(?:\w+\s){0,2}?for\s(?:a|an|one|two|three|four|five|six|\d+|several|a\sfew|all\sof)\s"
    # "LA down 1wk?": shorthand for the same
    # ("it'll be down for a week": what the user was told will happen, not a case to play)
    r"|\b(?<!'ll\sbe\s)(?<!will\sbe\s)(?:down|out|offline)\s" + _FOR_HOW_LONG + r"\b"
)


_FAIL = re.compile(
    # ("goes quiet for two weeks": sends nothing)
    r"\b(?:fail\w*|loses?|lost|losing|goes\s(?:down|bust|bankrupt|offline|under|dark|away|quiet|silent"
    r"|out\sof\sbusiness)"
    r"|go\s(?:down|bust|bankrupt|offline|under|dark|quiet|silent|out\sof\sbusiness)|went\s(?:down|bust"
    r"|bankrupt|offline|under|dark|quiet|silent)|bankrupt\w*|collaps\w*|shuts?\sdown|stops?\s(?:delivering|shipping"
    r"|producing|supplying|working)|is\slost|disappear\w*|drops?\sout"
    # "If supplier in Haiphong not deliver for 10 day", "if it 2 week not work": sends nothing
    r"|(?:not|doesn'?t|does\snot|don'?t|won'?t|will\snot|stops?|stopped)\s(?:\w+\s)?"
    r"(?:deliver|supply|ship|send|produc|feed|work|run|operat)\w*"
    # "how much is at risk if Pune is down / dies?"
    r"|dies|breaks?\sdown|(?:is|was|were)\s(?:down|offline)"
    # "If the leather supplier stop for 3 week": it stops, for a time or outright
    r"|stop(?:s|ped|ping)?(?=\s+for\s|\s+(?:completely|entirely|altogether)|\s*[,.?!]|\s*$"
    r"|\s+(?:\d+|one|two|three|four|five|six|a)\s?(?:days?|weeks?|wks?|months?)\b)"
    r"|(?:can'?t|cannot|can\snot|couldn'?t|could\snot|won'?t|wouldn'?t|unable\sto|fails?\sto"
    r"|(?:is|are|was|were)\s(?:not|n't)\sable\sto|isn'?t\sable\sto)\s"
    r"(?:\w+\s)?(?:deliver|supply|ship|produce)|(?:is|was)\s(?:lost|gone)|insolv\w*|receivership|liquidat\w*"
    r"|file\s(?:for\s)?(?:bankruptcy|insolvency|chapter\s\d+)"
    # "What if Gisborne gets cut off for a fortnight?"
    r"|(?:gets?|is|are|got|were|was)\s(?:completely\s)?(?:cut\soff|isolated|stranded|snowed\sin|flooded)"
    r"|(?:is\s|are\s)?(?<!'ll\sbe\s)(?<!will\sbe\s)(?:down|out|offline)(?=\s"
    + _FOR_HOW_LONG
    + r"\b))\b"
)


# "Rain could slow the port down": a worry said, no case asked for
_WORRY = re.compile(
    r"^(?!.*\b(?:what\sif|if|simulate|scenario|suppose|run|model)\b).*\b(?:could|might|may)\s"
)


def _rule_port_closure(step: _Step, m: str) -> _Outcome:
    if not (_PORT.search(m) and (_CLOSE.search(m) or re.search(r"\bclosure", m))):
        return None
    if _WORRY.match(m) or (_HAPPENED.match(m) and not _SIMULATE.search(m)):
        return None  # ("The port's been closing for wind": what keeps happening, a reason)
    params = _where(step, allow_node=True)
    duration = parse_duration_hours(step.text)
    if duration is not None:
        params["duration_hours"] = duration
    if "place" not in params and "node" not in params:
        return _ask(
            step,
            "Which port should I close? Name its city, e.g. Rotterdam, Shanghai or Los Angeles.",
            "what-if-port-closure",
        )
    return _cmd(step, "what-if-port-closure", params, 0.9)


def _rule_demand_spike(step: _Step, m: str) -> _Outcome:
    if _DEMAND.search(m) and _DROP.search(m) and not _SPIKE_WORDS.search(m):
        return _ask(
            step,
            "I can simulate demand increases only. How much should demand rise, e.g. "
            '"what if demand spikes 30%"?',
            "what-if-demand-spike",
            0.45,
        )
    if not (_DEMAND.search(m) and _SPIKE.search(m)):
        return None
    params = _where(step, allow_node=True)
    percent = parse_percent(step.text)
    if percent is not None:
        params["percent"] = percent
    duration = parse_duration_hours(step.text)
    if duration is not None:
        params["duration_hours"] = duration
    return _cmd(step, "what-if-demand-spike", params, 0.9 if percent is not None else 0.8)


_PARTIAL_LOSS = re.compile(
    r"\b(?:los(?:es|e|ing|t)|drops?|falls?|cuts?|shrinks?)\s(?:by\s)?(?:\w+\s)?(?:\d+(?:\.\d+)?\s?(?:%|percent)"
    r"|(?P<share>half|a\sthird|a\squarter|two\sthirds|three\squarters))"
)
_FRACTION_WORDS = {
    "half": 50.0,
    "a third": 33.0,
    "a quarter": 25.0,
    "two thirds": 67.0,
    "three quarters": 75.0,
}


def partial_severity(step: _Step, m: str) -> str | None:
    """ "loses 30% of its capacity", "output drops by half": a partial failure, as the
    severity nearest that loss; None when no share is said."""
    partial = _PARTIAL_LOSS.search(m)
    if partial is None:
        return None
    fraction = _FRACTION_WORDS.get(partial.group("share") or "")
    lost = fraction if fraction is not None else parse_percent(step.text)
    if lost is None:
        return None
    return min(SEVERITY_FACTOR, key=lambda s: abs(SEVERITY_FACTOR[s] - lost / 100))


# "which stores lose supply when Pune goes down?", "should Lyon close, ...": supposed too
_WHEN_OR_SHOULD = re.compile(r"\b(?:when|should)\s")


def supposes_a_stop(m: str) -> bool:
    """Whether a clause supposes that a node stops ("if Pune goes down", "what if the
    supplier in Haiphong not deliver for 10 day", "when Lyon stops shipping"): a case to play
    out, never a list of nodes nor a link to cut. The one predicate the supplier-failure,
    list and disconnect rules share."""
    stop = _FAIL.search(m)
    if stop is None:
        return False
    if _HYPOTHETICAL.search(m) is not None:
        return True
    return any(
        w.end() < stop.start() and 1 <= len(m[w.end() : stop.start()].split()) <= 4
        for w in _WHEN_OR_SHOULD.finditer(m)
    )


def _rule_supplier_failure(step: _Step, m: str) -> _Outcome:
    if not supposes_a_stop(m):
        return None
    params: dict[str, Any] = {}
    refs = step.node_refs() or _the_one(step, m)
    lone = step.lone_place(city=True)
    if not refs and lone is not None:
        refs = [lone]  # "And if Perth fails outright?": the user's node there
    duration = parse_duration_hours(step.text)
    if duration is not None:
        params["duration_hours"] = duration
    severity = partial_severity(step, m)
    if severity is not None:
        params["severity"] = severity
    if refs:
        # ("What does it cost us if Stellenbosch Supplier fails?": the node named, not "it")
        named = [r for r in refs if r.ref.kind != "pronoun"]
        params["node"] = (named or refs)[0].ref
        return _cmd(step, "what-if-supplier-failure", params, 0.9)
    if re.search(r"\bsimulat\w*|\bscenario|\bstress|\brun\b|\bmodel\b", m):
        params["scenario"] = "supplier-failure"
        params.update(_where(step, allow_node=False))
        severity = _first(_SEVERITY_RE, m)
        if severity is not None:
            params["severity"] = severity
        return _cmd(step, "run-simulation", params, 0.85)
    bare = [r for r in step.refs() if r.bare_type and r.ref.node_type == "supplier"]
    if bare or re.search(r"\bsuppliers?\b|\bvendors?\b", m):
        return _cmd(step, "what-if-supplier-failure", params, 0.75)
    return None


# "There was a small fire", "we had a strike last week": what happened, not a case to play.
_HAPPENED = re.compile(
    r"^\W*(?:(?:so|well|oh|and|also|btw|fyi)\W+)*(?:there\s(?:was|were|has\sbeen|have\sbeen|had"
    r"\sbeen)|we\s(?:had|'ve\shad|have\shad|got\shit|were\shit)|it\swas|they\shad)\b"
    # "Fire dept has cleared the building.": someone did something, a report
    r"|^\W*(?:the\s)?[a-z]+(?:\s[a-z]+)?\s(?:has|have|had)\s(?:just\s|now\s|already\s)?[a-z]+ed\b"
    # "The port's been closing for wind": what keeps happening, a reason
    r"|^\W*(?:the\s)?[a-z]+(?:\s[a-z]+)?(?:'s|\shas|\shave)\sbeen\s(?:[a-z]+ly\s)?[a-z]+(?:ing|ed)\b"
)


# "the flood in Busan was bad", "a strike there last week": what happened, not a what-if
_SAID_AS_PAST = re.compile(
    r"\b(?:was|were|had|has\sbeen|have\sbeen|last|ago|yesterday"
    # "Cyclone warning on the coast.": what is forecast, said beside a change
    r"|warnings?|advisory|advisories|forecast"
    # "The storm took out the access road": what it did (a reason beside a change)
    r"|took|tore|blew|broke|knocked|wiped|washed|destroyed|damaged|ruined|caused|forced)\b"
)
_MAY_HAPPEN = re.compile(
    r"^\W*(?:the\s|a\s|an\s|some\s)?[\w-]+(?:\s[\w-]+)?\s(?:could|might|may|can)\s"
)
_EVENT_FIRST = re.compile(
    r"\W*(?:(?:and|or|also|then|now|next|plus|ok|okay|what\sabout|how\sabout)\W+)*"
    r"(?:(?:a|an|another|the|some|one\smore)\s+)?(?:(?:big|major|severe|bad|huge|small|minor"
    r"|\d+[\w-]*|category\s\d)\s+)?"
)


def _rule_simulation(step: _Step, m: str) -> _Outcome:
    if _HAPPENED.match(m) and not _SIMULATE.search(m):
        return None
    scenario = _first(_SCENARIO_RE, m)
    if scenario is None and _CHOKEPOINT.search(step.text) and _CLOSE.search(m):
        scenario = "transportation-delay"  # "suez blocked 1 wk": the canal, not the city
    simulate = _SIMULATE.search(m) is not None
    if scenario is None:
        if re.search(
            r"\b(?:two|three|four|five|several|a\sfew|some|\d)\s(?:\w+\s)?(?:scenarios|simulations"
            r"|what[\s-]ifs|cases)\b",
            m,
        ):
            return None  # "I want three scenarios. First: ...": the scenarios follow
        if simulate and re.search(r"\bsimulat\w*|\bscenario|\bstress[\s-]?test", m):
            return _ask(
                step,
                "Which scenario should I simulate? One of: natural disaster, supplier failure, "
                "transportation delay, demand spike, quality issue, geopolitical, cyber attack, "
                "labor shortage (optionally with a place, severity and duration).",
                "run-simulation",
                0.5,
            )
        return None
    # "geopolitical tension in the Strait of Hormuz, high severity": a severity makes a
    # scenario of a bare event.
    hypothetical = simulate or _HYPOTHETICAL.search(m) is not None or "severity" in m
    short = (
        len(re.findall(r"[\w§¤]+", m)) <= 6
        and not _STATUS_RE.search(m)
        and not re.match(r"^\W*(?:where|which|what|how|why|when|who|is|are|any)\b", m)
        and not _SAID_AS_PAST.search(m)
    )
    event = _SCENARIO_RE.search(m)
    # "And a typhoon hitting Busan for 5 days?", "a flood in Busan for a week": the event
    # said first, as a noun, is the scenario asked for (no verb tells that it happened)
    led = (
        event is not None
        and _EVENT_FIRST.fullmatch(m[: event.start()]) is not None
        and len(re.findall(r"[\w§¤]+", m)) <= 12
        and not _STATUS_RE.search(m)
        and not _SAID_AS_PAST.search(m)
    )
    if not hypothetical and not short and not led:
        return None
    if not hypothetical and _MAY_HAPPEN.search(m) and not m.rstrip().endswith("?"):
        return None  # "Storms could hold the boats.": a worry said, not a case to play
    if scenario == "demand-spike":
        return _rule_demand_spike(step, m + " demand spike")
    named = [r.ref for r in step.node_refs() if r.ref.kind in ("name", "id")]
    if scenario == "supplier-failure" and named:
        # "run a supplier failure on Shanghai Supplier": that supplier's downstream cascade.
        failure: dict[str, Any] = {"node": named[0]}
        hours = parse_duration_hours(step.text)
        if hours is not None:
            failure["duration_hours"] = hours
        return _cmd(step, "what-if-supplier-failure", failure, 0.9)
    params: dict[str, Any] = {"scenario": scenario}
    params.update(_where(step, allow_node=True))
    severity = _first(_SEVERITY_RE, m)
    if severity is not None:
        params["severity"] = severity
    duration = parse_duration_hours(step.text)
    if duration is not None:
        params["duration_hours"] = duration
    return _cmd(step, "run-simulation", params, 0.9 if hypothetical else 0.6)


def _where(step: _Step, *, allow_node: bool) -> dict[str, Any]:
    """The node and/or place a simulation is about."""
    params: dict[str, Any] = {}
    refs = [r for r in step.node_refs() if r.ref.kind != "pronoun" or allow_node]
    if not refs and allow_node:
        # "demand spikes 40% at the store": the one node of that type, if the twin has one.
        refs = [
            r
            for r in step.refs()
            if r.bare_type
            and re.search(r"\b(?:at|in|for|on)\s+(?:the|our|my)\s+$", step.masked[: r.start])
        ]
    if allow_node and refs:
        first = refs[0].ref
        surface = step.masked[refs[0].start : refs[0].end]
        if (
            refs[0].bare_type
            and first.node_type is not None
            and re.fullmatch(r"[a-z-]+s", surface)
            and re.search(r"\b(?:the|our|my|all(?:\sthe|\sour)?)\s+$", step.masked[: refs[0].start])
        ):
            # "Demand +25% at the stores for 4 weeks": every node of that type
            first = NodeRef("1:", "ordinal", node_type=first.node_type)
        params["node"] = first
        if first.kind == "place" and first.place is not None:
            params["place"] = first.place
    places = step.free_places()
    if places and "place" not in params:
        params["place"] = places[0][2]
    return params
