"""The rule-based language layer: plain English in, typed :class:`~.commands.ParseResult` out.

Pure and fast: no I/O, no model. Every regular expression and lookup table is built once at
import; one call costs a few hundred microseconds.

How a message is read:

1. **Clean and correct.** Whitespace and quotes are normalised, then words of five letters or
   more that are one edit (Damerau) away from a keyword are corrected ("suplier", "warehose",
   "anomolies"), except words of the user's node names and of places.
2. **Split into steps** on numbered lists, ";", "then", "after that", and on "and" / "," when
   what follows starts a new request ("..., connect it to ..."); "add a supplier in Busan and a
   plant in Ulsan" becomes two adds. At most five steps are kept (``too_many_steps``).
3. **Read each step.** Node names (``known_names``, case-insensitive, one typo per long word
   allowed), node ids (``sup-3``) and places (the gazetteer) are found first and masked, so that
   words inside them ("Berlin *Plant*", "*Port* Klang") do not trigger intents. Intents are then
   recognised by ordered rules, from the most specific ("disconnect", "what if ... port ...
   closes") to the most general ("show me ..."), and their parameters read from the step.
4. **Ask rather than guess.** A step whose intent is clear but whose required parameter is
   missing or unknown gives a :class:`~.commands.Clarification` with a specific question; the
   whole message is then answered with that question and nothing is executed. So do requests
   the twin cannot express exactly: relative changes ("increase capacity *by* 2,000"), demand
   *drops*, advice questions ("should I add a warehouse?"), and negations ("don't add ...").
   Questions ("is Berlin Plant operational?") read the twin instead of changing it. A place
   written with one typo ("Jakrta") is accepted with a lower confidence.
5. **Confidence** starts from how specific the rule was (0.95 for an add with a city, 0.6 for
   a bare scenario such as "earthquake in Tokyo") and drops for typo corrections, fuzzy name
   matches and parts of the message that were ignored.

Conventions the twin layer relies on (see :mod:`.commands` for the parameter keys):

* A node named in ``known_names`` comes back as ``NodeRef(<the known name>, "name")``.
* "the Rotterdam warehouse" with no such known name is ``NodeRef("Rotterdam warehouse",
  "place", node_type="warehouse", place=<Rotterdam>)``; a bare type ("the store") is
  ``NodeRef("store", "name", node_type="retailer")``, its text the word the twin ends default
  names with ("Sydney Store"); the twin resolves it to the only node of that type, or asks
  which one naming them. "that warehouse" / "the new plant" are pronouns with a type.
* A pronoun in the step after one nobody understood points at the node that step named:
  "Berlin Plant's having some issues, mark it degraded" updates Berlin Plant.
* Pronouns keep their word: ``NodeRef("it", "pronoun")``, ``NodeRef("them", "pronoun")``.
  "connect them" gives ``source`` and ``target`` both ``NodeRef("them", "pronoun")``: the
  last two nodes mentioned, in order.
* Analysis intents narrow by ``node_type`` when only a type was named ("all warehouses").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..commands import Clarification, Command, NodeRef, ParseResult
from .cleaning import _clean, _correct
from .connections import _rule_bare_link, _rule_connect, _rule_disconnect
from .edits import _rule_add, _rule_remove, _rule_status_statement, _rule_update
from .names import _EMPTY_NAMES, _Names
from .names import _build_names as _build_names  # the tests compare it with _name_index
from .names import _name_index as _name_index
from .numbers import (
    _NUMBER,
    parse_duration_hours,
    parse_number,
    parse_percent,
)
from .outcomes import (
    _QUESTION,
    _STATUS_REPORT,
    _ask,
    _cmd,
    _first,
    _listed,
    _Outcome,
    _the_one,
    _value_after_to,
    _whole,
)
from .references import _analyse, _Step
from .scenarios import (
    _rule_demand_spike,
    _rule_port_closure,
    _rule_simulation,
    _rule_supplier_failure,
)
from .steps import _split
from .vocabulary import (
    _ADD_INTENT,
    _ADD_VERB_RE,
    _CURRENCY_RE,
    _INDUSTRY_RE,
    _METHOD_RE,
    _RISK_LEVEL_RE,
    _SEVERITY_RE,
    _TYPE_RE,
)

__all__ = ["MAX_STEPS", "parse", "parse_duration_hours", "parse_number", "parse_percent"]

MAX_STEPS = 5


_FILLER = re.compile(
    r"^(?:\s|[,.!?:;-])*(?:(?:hey|hi|hello|yo|ok|okay|alright|so|um+|uh+|well|please|pls|plz"
    r"|kindly|now|first(?:ly)?|also|just|and|oh|right|great|thanks|thank\syou|cool|sure"
    r"|could\syou|can\syou|could\su|can\su|would\syou|will\syou|i'?d\slike\s(?:you\s)?to"
    r"|i\swould\slike\s(?:you\s)?to|i\swant\s(?:you\s)?to|i\sneed\syou\sto|let'?s|go\sahead\sand"
    r"|maybe|do\sthe\sfollowing|the\sfollowing|as\sfollows|here'?s\swhat\si\sneed"
    r"|i\swas\sthinking|then|next|finally)\b(?:\s|[,.!?:;-])*)+",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# One step


_LIMIT_RE = re.compile(
    rf"\b(?:last|latest|recent|top|first|past|most\srecent)\s+(?P<a>{_NUMBER})\b"
    rf"|\b(?P<b>{_NUMBER})\s+(?:most\s+recent|latest|recent|last|newest|new)?\s*(?:[\w-]+\s+)?"
    r"(?:alerts?|warnings?|alarms?|notifications?|incidents?)\b",
    re.IGNORECASE,
)


# --- intent rules (on the masked, lower-case text)

_HOW_TO = re.compile(
    r"(?:^\W*|\b)(?:how\s(?:do|can|should|would)\s(?:i|we)|how\sto|^\W*help\s(?:with|on|about)|what\s(?:can|do)\s(?:i|we)\s"
    r"(?:ask|say|type|do)|what\scan\syou\sdo|how\s(?:does|do)\s(?:this|it|you)\s(?:\w+\s)?work"
    r"|what\sdo\syou\sdo|what\sare\syou|who\sare\syou"
    r"|what\sare\s(?:my|the|your)\s(?:options|commands)|show\s(?:me\s)?(?:the\s)?commands"
    r"|what\s(?:can|does)\s(?:this|it|the\s\w+|an?\s\w+)(?:\s\w+)?\sdo|list\s(?:the\s)?commands|(?:give\sme\s)?(?:some\s)?examples|^\W*help\W*$)",
    re.IGNORECASE,
)
_ANOMALY = re.compile(
    r"\b(?:anomal\w*|outliers?|unusual|weird\w*|odd|strange|abnormal\w*|irregular\w*"
    r"|(?:anything|something)\s(?:(?:look|seem|feel)s?\s)?(?:wrong|off|broken|fishy)|what'?s\swrong|health\s?check"
    r"|scan\w*|glitch\w*|suspicious|out\sof\s(?:the\s)?ordinary|funny\sbusiness"
    r"|check\s(?:\w+\s){0,3}health|diagnos\w*|sanity\scheck)\b"
)
_RISK_PROFILE = re.compile(
    r"\brisk\s(?:profile|tolerance|appetite|level|posture|setting|mode|stance|preference)s?\b"
    r"|\b(?:go|going|stick|run)\swith\s(?:a\s)?(?:low|medium|moderate|high)[\s-]risk\b"
    r"|\bplay(?:ing)?\sit\s(?:safe|cautious|conservative)\b"
    r"|\b(?:low|medium|moderate|high)[\s-]risk\s(?:approach|strategy|setting|mode)\b"
    r"|\brisk[\s-](?:averse|tolerant|seeking|neutral)\b|\bappetite\sfor\srisk\b"
    r"|\b(?:be|play\sit|more|less)\s(?:more\s)?(?:conservative|aggressive|cautious)\b"
    r"|\b(?:fine|ok|okay|comfortable|happy|good|cool|willing)\s(?:with|to\stake)\s(?:a\s|on\s)?"
    r"(?:low|medium|moderate|high|more|less|some|lots\sof|little)\s(?:risk|risks)\b"
    r"|\b(?:take|taking|accept\w*|tolerat\w*|handle|stomach|live\swith)\s(?:on\s)?(?:more|less"
    r"|low|high|medium|moderate|a\slot\sof|lots\sof|plenty\sof|(?:very\s)?little)\s(?:risk|risks)\b|\b(?:set|change|make|switch)\s(?:the\s|our\s|my\s)?risk\s(?:to|at|as)\b"
)
_RISKS = re.compile(
    r"\b(?:most\s(?:critical|important|exposed|vulnerable|fragile)|risks?|risky|riskiest"
    r"|red\sflags?|warning\ssigns?|worr(?:y|ied|ies)|concerns?"
    r"|vulnerab\w*|single\spoints?\sof\sfailure|spofs?|dependen\w*|relian\w*|rel(?:y|ies|ying)\son"
    r"|single[\s-]sourc\w*|concentrat\w*"
    r"|weak\s(?:points?|spots?|links?)|weakness\w*|exposure|exposed|threats?|fragil\w*"
    r"|resilien\w*|what\scould\sgo\swrong|at\srisk|could\s(?:\w+\s){0,2}(?:break|fail|go\swrong))\b"
)
_BOTTLENECK = re.compile(
    r"\b(?:bottle\s?neck\w*|choke\s?points?|pinch\s?points?|constraints?|constrained"
    r"|stretched|strained|under\spressure|overwhelmed|swamped|stressed"
    r"|congest\w*|overload\w*|over\scapacity|at\scapacity|maxed\sout|backlog\w*|jammed"
    r"|slow\w*\s(?:\w+\s)?down|(?<![§¤]\s)holding\s(?:\w+\s)?(?:up|back)|capacity\scrunch)\b"
)
_UTILIZATION = re.compile(
    r"\b(?:utili[sz]\w*|how\s(?:busy|full|loaded|much\scapacity)|usage|loads?|occupancy"
    r"|how\smuch\sof\s(?:our\s|the\s|my\s)?capacity|capacity\s(?:is\s)?in\suse"
    r"|fill\srates?|capacity\suse|throughput|(?:percent\w*|share|fraction|proportion)\sof"
    r"\s(?:our\s|the\s|my\s)?capacity|capacity\s(?:are|is)\s(?:we\s)?(?:using|used)"
    r"|using\s(?:\w+\s)?capacity|how\smuch\s(?:\w+\s)?(?:is|are)\s(?:used|in\suse)"
    r"|how\s(?:are|is)\s(?:the\s|our\s|my\s|all\s(?:the\s|our\s|my\s)?)?(?!things\b)\w+s\s(?:doing|holding\sup))\b"
)
_ALERTS = re.compile(
    r"\b(?:alerts?|warnings?|alarms?|notifications?|incidents?|what\swent\swrong"
    r"|what'?s\s(?:the\s)?latest|what'?s\snew|any\snews"
    r"|(?:issues|problems)\s(?:lately|recently)|recent\s(?:issues|problems)|lately|recently"
    r"|(?:come|came|popped|pop|show\w*)\sup\s(?:lately|recently|today)|anything\snew)\b"
)
_ALERT_WORD = re.compile(r"\b(?:alerts?|warnings?|alarms?|notifications?|incidents?)\b")
_SUMMARY = re.compile(
    r"^\W*(?:status|overview|summary|settings|config\w*)\W*$"
    r"|\bshow\s(?:me\s)?(?:everything|it\sall|all\sof\sit|the\swhole\sthing)\b"
    r"|\b(?:how\smany\s(?:\w+\s)?(?:suppliers|vendors|manufacturers|factories|plants|warehouses"
    r"|depots|distributors|dcs|distribution\scent(?:er|re)s|retailers|stores|shops|outlets|nodes"
    r"|sites|facilities|locations|connections|links|routes)"
    r"|(?:list|show|display|see)\s(?:me\s)?(?:all\s)?(?:of\s)?(?:my\s|our\s|the\s)?(?:\w+\s)?"
    r"(?:suppliers|vendors|manufacturers|factories|plants|warehouses|depots|distributors|dcs"
    r"|retailers|stores|shops|outlets|nodes|sites|facilities|connections|links|routes|settings"
    r"|config\w*)"
    r"|status\sreport|how\sare\sthings|how'?s\severything|how\sis\severything"
    r"|(?:what'?s|what\sis|what\sare|which\sis|show)\s(?:me\s)?(?:my|our|the)\s(?:current\s)?"
    r"(?:region|industry|currency|risk\sprofile|settings|shipping\smethods)"
    r"|current\s(?:settings|region|industry|currency)"
    r"|summary|summari[sz]\w*|overview|overall|big\spicture|at\sa\sglance|recap"
    r"|(?:status|state|shape|health)\sof\s(?:the\s|my\s|our\s)?(?:whole\s|entire\s)?(?:network"
    r"|supply\schain|twin)|how(?:'s|\sis|\sare|\sdoes|\sdo)\s(?:my|the|our)\s(?:whole\s|entire\s|overall\s)?"
    r"(?:network|supply\schain|twin|things|setup|operations?)(?!\s*§)"
    r"|how\s(?:do|are|is)\s(?:things|we|everything)\s(?:look\w*|doing|going|shaping\sup)|what\sdoes\s(?:my|the|our)\s(?:\w+\s)?(?:network|supply\schain"
    r"|twin)\slook\slike|what\s(?:do\s)?(?:i|we)\s(?:have|got)|what\shave\s(?:i|we)\s(?:got|built)"
    r"|what\s(?:i|we)'?ve\s(?:got|built)|status\s(?:update|report)|what'?s\sin\s(?:my|the|our)"
    r"|what'?s\s(?:going\son|happening)\s(?:with|in|across)\s(?:the\s|my\s|our\s)(?:whole\s|entire\s)?"
    r"(?:network|supply\schain|twin)"
    r"|list\s(?:all\s)?(?:of\s)?(?:my\s|our\s|the\s)?nodes|show\s(?:me\s)?(?:the\s|my\s|our\s)?"
    r"(?:whole\s|entire\s|full\s)?(?:network|supply\schain|twin)|how\smany\s(?:nodes|sites"
    r"|facilities|locations)|network\sstatus|describe\s(?:the\s|my\s|our\s)?(?:network"
    r"|supply\schain))\b"
)
_DETAILS = re.compile(
    r"\b(?:where\s(?:is|are)|located|location\sof|know\sabout|about|connected\sto|linked\sto"
    r"|neighbou?rs|upstream|downstream|details?|info|information|tell\sme\s(?:more\s)?about|describe|show|display|look\sup"
    r"|lookup|doing|status|stats|look\sat|see|view"
    r"|how\s(?:does|do)|what'?s\sup\swith|what\sabout|check\son|report\son|profile\sof"
    r"|how(?:'s|\sis|\sare)|what\sis|what'?s|who\sis|give\sme|pull\sup|open)\b"
)
_REGION_CUE = re.compile(
    r"\bregions?\b|\b(?:operat\w*|focus\w*|based|located|headquartered|work\w*|expand\w*"
    r"|do\sbusiness|active|concentrat\w*|home\smarket|market)\s(?:mainly\s|mostly\s|primarily\s"
    r"|largely\s|chiefly\s|only\s)?(?:in|into|on|across|to|is|out\sof)\b|\bswitch\s(?:over\s)?to\b"
    r"|\bchange\s(?:over\s)?to\b|\bmove\s(?:over\s)?to\b"
    r"|\b(?:we'?re|we\sare|i'?m|i\sam)\s(?:\w+ly\s)?(?:in|across|all\sover|out\sof)\b"
    r"|\b(?:set|switch|change|move)\s(?:us|me|things|everything)\s(?:over\s)?(?:up\s)?(?:to|for|in)\b"
)
_INDUSTRY_CUE = re.compile(
    r"\bindustr\w*|\bsectors?\b|\bverticals?\b|\bbusiness\b|\bbiz\b|\bcompany\b|\bfirm\b|\bbrand\b"
    r"|\bwe\s(?:make|produce|manufacture|sell|build|do|ship)\b|\bwe'?re\s(?:in|an?)\b"
    r"|\bwe\sare\s(?:in|an?)\b|\bour\s(?:products?|goods)\b|\bdomain\b|\bin\sthe\s\w+\s(?:space"
    r"|game|trade)\b"
)
_CURRENCY_CUE = re.compile(
    r"\bcurrenc\w*|\bprices?\b|\bpricing\b|\bdenominat\w*|\breport\w*\sin\b|\bmoney\b|\bcosts?\b"
    r"|\bswitch\w*\s(?:to|over\sto)\b|\buse\b|\bin\b|\bcash\b|\bset\b|\bchange\b"
)
_METHOD_CUE = re.compile(
    r"\bshipping\b|\bship\w*\b|\bfreight\b|\btransport\w*\b|\bmodes?\b|\bmethods?\b"
    r"|\benabl\w*|\ballow\w*|\bsupport\w*|\blanes?\b|\bcarriers?\b|\bdelivery\b|\blogistics\b"
    r"|\bvia\b|\bby\b|\buse\b|\badd\b"
)
_HELP_ANY = re.compile(
    r"\bhelp\b|\bassist\w*|\bconfused\b|\bstuck\b|\bguide\b|\blost\b|\bno\sidea\b"
    r"|\bcommands?\b|\bcapabilit\w*|\bfeatures\b|\bwhat\scan\s(?:i|we)\s(?:say|ask|do|type)\b"
)


def _parse_step(text: str, names: _Names) -> _Outcome:
    step = _analyse(text, names)
    m = step.masked
    for rule in _RULES:
        outcome = rule(step, m)
        if outcome is None:
            continue
        if rule in _SETTING_RULES and isinstance(outcome, list):
            # "we're an electronics maker based in Asia" sets the industry and the region.
            for other in _SETTING_RULES:
                extra = other(step, m) if other is not rule else None
                if isinstance(extra, list) and extra[0].intent != outcome[0].intent:
                    outcome = outcome + extra
            outcome.sort(key=lambda c: _setting_position(step, c.intent))
        return outcome
    return None


# Each rule returns an outcome when it recognises its intent, else None; first hit wins.


def _rule_help(step: _Step, m: str) -> _Outcome:
    match = _HOW_TO.search(m)
    if match is None:
        return None
    topic = step.text[match.end() :].strip(" ?.!")
    return _cmd(step, "help", {"topic": topic} if topic else {}, 0.9)


def _rule_risk_profile(step: _Step, m: str) -> _Outcome:
    if not _RISK_PROFILE.search(m):
        return None
    level = _value_after_to(_RISK_LEVEL_RE, m)
    if level is None:
        return _ask(step, "Which risk profile: low, medium or high?", "set-risk-profile", 0.5)
    return _cmd(step, "set-risk-profile", {"level": level}, 0.9)


def _rule_shipping_method(step: _Step, m: str) -> _Outcome:
    method_match = _METHOD_RE.search(m)
    if method_match is not None and _STOP_METHOD.search(m):
        return _ask(
            step,
            "I can add shipping methods but not turn one off yet. Which method should I "
            "add instead: sea, air, rail, truck or express?",
            None,
            0.4,
        )
    named = re.search(r"\bshipping\s(?:methods?|modes?|options?)\b|\btransport\smodes?\b", m)
    if method_match is None:
        if named and re.search(r"\b(?:add|enable|set|change|use|allow|new)\b", m):
            return _ask(
                step,
                "Which shipping method: sea, air, rail, truck or express?",
                "add-shipping-method",
                0.5,
            )
        return None
    blanked = m.replace(method_match.group(), " " * len(method_match.group()))
    if not _METHOD_CUE.search(blanked) and not named:
        return None
    # "add a warehouse ... by truck" is about the warehouse; only a method request counts.
    if _TYPE_RE.search(m) and _ADD_VERB_RE.search(m) and not named:
        bare_types = [r for r in step.refs() if r.bare_type]
        if bare_types and not re.search(r"\b(?:for|on|to)\s", m):
            return None
    method = _value_after_to(_METHOD_RE, m) or method_match.lastgroup
    assert method is not None
    params: dict[str, Any] = {"method": method}
    refs = step.node_refs()
    if refs:
        params["node"] = refs[0].ref
    methods = [x for x in _METHOD_RE.finditer(m)]
    listed = len(methods) > 1 and all(
        re.fullmatch(r"\s*(?:,|and|&|,\s*and|plus|as\swell\sas)\s*", m[a.end() : b.start()])
        for a, b in itertools.pairwise(methods)
    )
    if listed:
        commands: list[Command] = []
        for name in dict.fromkeys(x.lastgroup for x in methods if x.lastgroup):
            commands += _cmd(step, "add-shipping-method", {**params, "method": name}, 0.85)
        return commands
    return _cmd(step, "add-shipping-method", params, 0.85)


_STOP_METHOD = re.compile(
    r"\b(?:turn\soff|switch\soff|disable|deactivate|stop\susing|no\smore|remove|drop|ban)\b"
)


def _rule_analysis(step: _Step, m: str) -> _Outcome:
    intent = None
    if _ANOMALY.search(m):
        intent = "scan-anomalies"
    elif _BOTTLENECK.search(m):
        intent = "find-bottlenecks"
    elif _RISKS.search(m):
        intent = "identify-risks"
    elif _UTILIZATION.search(m):
        intent = "calculate-utilization"
    if intent is None:
        return None
    if intent == "identify-risks" and _ALERT_WORD.search(m):
        return None  # "anything to worry about in the alerts?" asks for the alerts
    params: dict[str, Any] = {}
    refs = step.node_refs()
    if refs:
        params["node"] = refs[0].ref
    else:
        bare = [r for r in step.refs() if r.bare_type]
        if bare:
            params["node_type"] = bare[0].ref.node_type
    return _cmd(step, intent, params, 0.9)


def _rule_region(step: _Step, m: str) -> _Outcome:
    cue = _REGION_CUE.search(m)
    if cue is None:
        return None
    region_places = [p for p in step.places if p[2].city is None]
    if not region_places and re.search(r"\bregions?\b", m):
        cities = [p for p in step.places]
        if cities:
            region_places = cities
    if not region_places:
        if re.search(r"\bregions?\b", m) and re.search(
            r"\b(?:set|change|switch|update|pick"
            r"|choose|select|our|my)\b",
            m,
        ):
            return _ask(
                step,
                "Which region: Asia-Pacific, North America, Europe, Latin America or the "
                "Middle East?",
                "set-region",
                0.5,
            )
        return None
    place = region_places[0][2]
    confidence = 0.9 if place.country is None else 0.75
    return _cmd(step, "set-region", {"region": place.region}, confidence)


def _rule_industry(step: _Step, m: str) -> _Outcome:
    cue = _INDUSTRY_CUE.search(m)
    if cue is None:
        return None
    industry = _value_after_to(_INDUSTRY_RE, m)
    if industry is None:
        if re.search(r"\bindustr\w*|\bsectors?\b|\bverticals?\b", m):
            return _ask(
                step,
                "Which industry: electronics, automotive, pharmaceuticals, food & beverage, "
                "fashion or chemicals?",
                "set-industry",
                0.5,
            )
        return None
    return _cmd(step, "set-industry", {"industry": industry}, 0.9)


def _rule_currency(step: _Step, m: str) -> _Outcome:
    currency = _value_after_to(_CURRENCY_RE, step.masked)
    if currency is None:
        if re.search(r"\bcurrenc\w*", m):
            return _ask(step, "Which currency: USD, EUR, GBP, CNY or JPY?", "set-currency", 0.5)
        return None
    alone = re.sub(r"\b(?:please|pls|thanks|thank\syou|then|ok|okay)\b", "", m)
    if not _CURRENCY_CUE.search(m) and not re.fullmatch(r"\W*\w+\W*", alone):
        return None
    return _cmd(step, "set-currency", {"currency": currency}, 0.9)


def _rule_alerts(step: _Step, m: str) -> _Outcome:
    if not _ALERTS.search(m):
        return None
    if step.node_refs() and not _ALERT_WORD.search(m):
        return None  # "Acme has been unreliable lately" talks about Acme, not the alerts
    params: dict[str, Any] = {}
    severity = _first(_SEVERITY_RE, m)
    if severity is not None:
        params["severity"] = severity
    limit = _LIMIT_RE.search(m)
    if limit is not None:
        value = parse_number(limit.group("a") or limit.group("b"))
        if value is not None and value >= 1:
            params["limit"] = _whole(value)
    return _cmd(step, "get-recent-alerts", params, 0.9)


def _rule_summary(step: _Step, m: str) -> _Outcome:
    if not _SUMMARY.search(m):
        return None
    if step.node_refs() and _STATUS_REPORT.search(m):
        return None  # "a status update on Berlin Plant" is about Berlin Plant
    return _cmd(step, "get-network-summary", {}, 0.9)


def _rule_details(step: _Step, m: str) -> _Outcome:
    refs = step.node_refs()
    cue = _DETAILS.search(m)
    if refs and cue:
        listed = _listed(step, refs)
        return [c for r in listed for c in _cmd(step, "get-node-details", {"node": r.ref}, 0.85)]
    if cue and re.search(r"\bdetails?\b|\binfo\b|\binformation\b", m):
        bare = [r for r in step.refs() if r.bare_type]
        if bare:
            return _cmd(step, "get-node-details", {"node": bare[0].ref}, 0.55)
        return _ask(step, "Details of which node? Give its name or id.", "get-node-details")
    if (cue or _QUESTION.match(m)) and not refs:
        # "show me the store", "how's the warehouse doing?", "is the plant ok?": the one node
        # of that type (the twin asks which one, naming them, when there are several).
        the_one = _the_one(step, m)
        if the_one:
            return _cmd(step, "get-node-details", {"node": the_one[0].ref}, 0.6)
    if refs and _QUESTION.match(m):
        # "is Berlin Plant operational?": answer with its details.
        return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.7)
    if refs and not re.sub(r"[§\W]|\b(?:the|about|and|node|please|pls)\b", "", m):
        # Only a node was named ("Berlin Plant?"): show it.
        return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.6)
    return None


_SETTINGS_QUERY = re.compile(
    r"\b(?:what'?s|what\sis|what\sare|which\sis|which\sare|show|tell\sme)\s(?:me\s)?(?:my|our|the)"
    r"\s(?:current\s)?(?:region|industry|currency|risk\s(?:profile|tolerance|level)|settings"
    r"|shipping\smethods|configuration)\b(?!\s(?:to|=|:))"
    r"|\bwhat\s(?:region|industry|currency|risk\sprofile)\s(?:(?:are|is|am|do)\s(?:we|i)"
    r"|we'?re|we\sare|i'?m)\b"
)


def _rule_settings_query(step: _Step, m: str) -> _Outcome:
    changing = re.search(r"\b(?:set|change|switch|make)\b(?!\s+(?:to|as|at)\W*$)", m)
    if _SETTINGS_QUERY.search(m) and not changing:
        return _cmd(step, "get-network-summary", {}, 0.8)
    return None


_NEGATED = re.compile(
    r"\b(?:don'?t|do\snot|never|no\sneed\sto|not|cancel|stop|never\smind|forget)\s+(?:\w+\s+){0,3}?"
    r"(?:add|create|remove|delete|drop|connect|link|disconnect|change|update|set|move|simulate"
    r"|run|open|build|mark|increase|decrease|make)\b"
    r"|^\W*(?:never\s?mind|cancel|forget\s(?:it|that|about\sit))\b"
)


def _rule_negated(step: _Step, m: str) -> _Outcome:
    """ "Don't add a supplier" must not add one."""
    if _NEGATED.search(m):
        return _ask(step, "Understood, I won't change anything. What would you like to do?", None)
    return None


def _setting_position(step: _Step, intent: str) -> int:
    """Where a setting's value is named, to keep several settings in the user's order."""
    if intent == "set-region":
        return min((p[0] for p in step.places), default=len(step.masked))
    pattern = {
        "set-industry": _INDUSTRY_RE,
        "set-currency": _CURRENCY_RE,
        "set-risk-profile": _RISK_LEVEL_RE,
    }[intent]
    match = pattern.search(step.masked)
    return match.start() if match else len(step.masked)


def _setting_rules() -> tuple[Any, ...]:
    return (_rule_risk_profile, _rule_currency, _rule_region, _rule_industry)


def _rule_help_fallback(step: _Step, m: str) -> _Outcome:
    if _HELP_ANY.search(m):
        return _cmd(step, "help", {}, 0.7)
    return None


_SETTING_RULES = _setting_rules()
_RULES = (
    _rule_help,
    _rule_settings_query,
    _rule_disconnect,
    _rule_negated,
    _rule_port_closure,
    _rule_demand_spike,
    _rule_supplier_failure,
    _rule_connect,
    _rule_simulation,
    _rule_risk_profile,
    _rule_add,
    _rule_shipping_method,
    _rule_update,
    _rule_remove,
    _rule_analysis,
    _rule_currency,
    _rule_region,
    _rule_industry,
    _rule_alerts,
    _rule_summary,
    _rule_bare_link,
    _rule_status_statement,
    _rule_details,
    _rule_help_fallback,
)


# ---------------------------------------------------------------------------------------------
# The whole message


def _is_filler(text: str) -> bool:
    rest = _FILLER.sub("", text)
    rest = re.sub(
        r"\b(?:thanks?|thank\syou|cheers|please|pls|ok|okay|hi|hello|hey)\b",
        "",
        rest,
        flags=re.IGNORECASE,
    )
    return len(re.findall(r"\w+", rest)) <= 1


_SETTINGS = frozenset({"set-region", "set-industry", "set-currency", "set-risk-profile"})


def _merge_repeats(commands: list[Command]) -> list[Command]:
    """Drop a step that repeats the one before it ("we're risk averse, set our risk tolerance
    to low" is one request said twice)."""
    out: list[Command] = []
    for command in commands:
        if out and out[-1].intent == command.intent:
            previous = out[-1]
            if command.intent in _SETTINGS or previous.params == command.params:
                out[-1] = command if command.confidence >= previous.confidence else previous
                continue
        out.append(command)
    return out


def _is_aside(piece: str, names: _Names) -> bool:
    """Whether a step nobody understood names no node, place or number (safe to skip)."""
    step = _analyse(piece, names)
    return not (step.names or step.ids or step.places or re.search(r"\d", piece))


def _restates(question: Clarification, piece: str, commands: list[Command]) -> bool:
    """Whether a step only repeats the previous request ("the store is degraded, please
    update it"): a question about the same intent, pointing back with a pronoun."""
    return (
        bool(commands)
        and question.intent == commands[-1].intent
        and re.search(
            r"\b(?:it|that|this|them|accordingly|that\sway|likewise|as\swell|too)\b",
            piece,
            re.IGNORECASE,
        )
        is not None
    )


def _antecedent(piece: str, names: _Names) -> NodeRef | None:
    """The one node a step nobody understood talks about ("Berlin Plant's having issues"), for
    a pronoun in the next step ("..., mark it degraded") to point at."""
    refs = [r for r in _analyse(piece, names).node_refs() if r.ref.kind != "pronoun"]
    return refs[0].ref if len(refs) == 1 else None


def _point_back(commands: list[Command], node: NodeRef) -> list[Command] | None:
    """``commands`` with their singular pronouns replaced by ``node``, or None if they have
    none."""
    out: list[Command] = []
    replaced = False
    for command in commands:
        params = dict(command.params)
        for key, value in command.params.items():
            if (
                isinstance(value, NodeRef)
                and value.kind == "pronoun"
                and value.text != "them"
                and value.node_type in (None, node.node_type)
            ):
                params[key] = node
                replaced = True
        out.append(Command(command.intent, params, command.confidence, command.text))
    return out if replaced else None


def parse(text: str, *, known_names: Sequence[str] | Iterable[str] = ()) -> ParseResult:
    """What the user's message asks for: 1 to 5 commands, a clarifying question, or nothing
    (an unknown request).

    ``known_names`` are the names of the user's nodes, so that "connect Shanghai Supplier to
    Berlin Plant" finds them even with small typos or odd case.
    """
    names = _name_index(tuple(known_names)) if known_names else _EMPTY_NAMES
    cleaned = _clean(text)
    if not cleaned:
        return ParseResult()
    corrected, fixes = _correct(cleaned, names)
    penalty = min(0.2, 0.05 * fixes)
    pieces = _split(corrected)
    commands: list[Command] = []
    not_understood: list[str] = []
    previous_unknown: str | None = None  # the step before, when nobody understood it
    for piece in pieces:
        unknown_before, previous_unknown = previous_unknown, None
        if len(commands) > MAX_STEPS:
            break  # enough to know there are too many steps
        outcome = _parse_step(piece, names)
        if outcome is None and commands and commands[-1].intent in _ADD_INTENT.values():
            # "Add a supplier in Jakarta! Then a warehouse in Singapore.": the verb carries on.
            bare = _FILLER.sub("", piece).strip()
            starts = re.match(r"(?:an?|another|one\smore)\s", bare, re.IGNORECASE)
            if starts and _TYPE_RE.search(bare):
                outcome = _parse_step(f"add {bare}", names)
        if outcome is None:
            stripped = _FILLER.sub("", piece).strip()
            if stripped:
                again = _parse_step(stripped, names) if stripped != piece else None
                if isinstance(again, Clarification):
                    return ParseResult(clarification=again)
                if again:
                    commands.extend(again)
                    continue
            if not _is_filler(piece):
                not_understood.append(piece)
                previous_unknown = piece
            continue
        if isinstance(outcome, Clarification):
            if _restates(outcome, piece, commands):
                continue
            return ParseResult(clarification=outcome)
        if unknown_before is not None:
            # "Berlin Plant's having issues, mark it degraded": "it" is the node just named.
            node = _antecedent(unknown_before, names)
            pointed = _point_back(outcome, node) if node is not None else None
            if pointed is not None:
                outcome = pointed
                not_understood.remove(unknown_before)
        commands.extend(outcome)
    if not commands:
        return ParseResult()
    if not_understood:
        if all(_is_aside(p, names) for p in not_understood):
            # "where could things break? show me the risks": the aside names nothing the twin
            # could act on, so answering the understood part is safe; confidence drops.
            penalty += 0.15
        else:
            steps = ", ".join(f'"{p}"' for p in not_understood[:2])
            return ParseResult(
                clarification=Clarification(
                    f"I understood part of that, but not {steps}. Could you rephrase that "
                    'part (or say "help" to see what I can do)?',
                    None,
                    0.4,
                    corrected,
                )
            )
    if penalty:
        commands = [
            Command(c.intent, c.params, round(max(0.3, c.confidence - penalty), 2), c.text)
            for c in commands
        ]
    commands = _merge_repeats(commands)
    too_many = len(commands) > MAX_STEPS
    return ParseResult(commands=tuple(commands[:MAX_STEPS]), too_many_steps=too_many)
