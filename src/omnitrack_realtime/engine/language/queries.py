"""The rules that read the twin without changing it: analyses (anomalies, bottlenecks, risks,
utilisation, narrowed to a node or a node type), recent alerts (severity, how many), the
network summary, and a node's details ("where is ...", "is Berlin Plant operational?", or
only a node named).
"""

from __future__ import annotations

import re
from typing import Any

from ..commands import NodeRef
from .numbers import _NUMBER, parse_number
from .outcomes import (
    _QUESTION,
    _STATUS_REPORT,
    _ask,
    _cmd,
    _first,
    _listed,
    _Outcome,
    _the_one,
    _whole,
)
from .references import _Step
from .vocabulary import _SEVERITY_RE

_LIMIT_RE = re.compile(
    rf"\b(?:last|latest|recent|top|first|past|most\srecent)\s+(?P<a>{_NUMBER})\b"
    rf"|\b(?P<b>{_NUMBER})\s+(?:most\s+recent|latest|recent|last|newest|new)?\s*(?:[\w-]+\s+)?"
    r"(?:alerts?|warnings?|alarms?|notifications?|incidents?)\b",
    re.IGNORECASE,
)


_ANOMALY = re.compile(
    r"(?:\bnot|n't|\bnever)\sconnected\s(?:to\s)?(?:anything|any\w*|the\srest)|\b(?:has|have)\sno"
    r"\s(?:links|connections)\b|\b(?:anomal\w*|outliers?|unusual|weird\w*|odd|strange|abnormal\w*|irregular\w*"
    r"|(?:anything|something)\s(?:(?:look|seem|feel)s?\s)?(?:wrong|off|broken|fishy)|what'?s\swrong|health\s?check"
    # "Is there anything else in the data that looks off to you?"
    r"|(?:anything|something)\s[^?.]{0,40}?\b(?:looks?|seems?|feels?)\s(?:off|wrong|odd|fishy|weird)"
    r"|scan\w*|glitch\w*|suspicious|out\sof\s(?:the\s)?ordinary|funny\sbusiness"
    r"|check\s(?:\w+\s){0,3}health|diagnos\w*|sanity\scheck|stale|outdated|out\sof\sdate"
    r"|isolated|orphan\w*|unconnected|dangling)\b"
)


# "Re-run the risk scan", "a risk check": the risk analysis, not the anomaly scan
_RISK_SCAN = re.compile(r"\brisks?\s(?:scan|check|analysis|review|assessment|report)\b")
_RISKS = re.compile(
    r"\b(?:most\s(?:critical|important|exposed|vulnerable|fragile)|risks?|risky|riskiest"
    r"|red\sflags?|warning\ssigns?|(?<!no\s)worr(?:y|ied|ies)|concerns?"
    r"|vulnerab\w*|single\spoints?\sof\sfailure|spofs?|dependen\w*|relian\w*|rel(?:y|ies|ying)\s(?:\w+\s){0,3}?on"
    r"|single[\s-]sourc\w*|concentrat(?:ion|ed)\b"
    r"|weak(?:est)?\s(?:points?|spots?|links?)|weakness\w*|exposure|exposed|threats?|fragil\w*"
    r"|resilien\w*|what\scould\sgo\swrong|at\srisk|could\s(?:\w+\s){0,2}(?:break|fail|go\swrong)"
    r"|(?:hurts?|harms?|damages?|hits?|costs?)\s(?:us\s)?(?:the\s)?(?:most|worst|hardest)"
    # "I want to know what could hit margins": what could go wrong, said by what it would hurt
    r"|what\s(?:could|might|can|would)\s(?:\w+\s)?(?:hit|hurt|harm|threaten|damage|disrupt"
    r"|squeeze|eat\sinto))\b"
)
_BOTTLENECK = re.compile(
    r"\bwhere\s(?:does|do|will)\s(?:it|things|the\snetwork|we)\s(?:break|crack|fail"
    r"|snap)\b|\b(?:breaks?|fails?|cracks?)\sfirst\b|\b(?:bottle\s?neck\w*|choke\s?points?|pinch\s?points?|constraints?|constrained"
    r"|stretched|strained|under\spressure|overwhelmed|swamped|stressed"
    r"|congest\w*|overload\w*|over\scapacity|at\scapacity|maxed\sout|backlog\w*|jammed"
    r"|slow\w*\s(?:\w+\s)?down|(?<![§¤]\s)holding\s(?:\w+\s){0,2}?(?:up|back)|capacity\scrunch"
    r"|pil(?:e|es|ing)\s(?:\w+\s)?up|pile[\s-]?ups?"
    # "Which node limits our throughput the most?"
    r"|(?:limits?|caps?|throttles?|restricts?|holds?\sback)\s(?:our\s|the\s)?(?:throughput|output|flow)"
    r"|(?:throughput|output|flow)\s(?:is\s)?(?:limited|capped|held\sback|throttled))\b"
)
_UTILIZATION = re.compile(
    # ("how much capacity does Kayseri Supplier have?" asks its size, not its use)
    r"\b(?:utili[sz]\w*|util|how\s(?:busy|full|loaded|much\scapacity(?!\s(?:does|do)\s[^?]{1,40}?\shave\b|\s(?:has|have)\s[^?]{1,40}?\sgot\b))"
    r"|usage|loads?|occupancy"
    # "How hard are we running the plant?", "are we running hot?"
    # ("How hard are the plants being run at the moment?")
    r"|how\s(?:hard|heavily)\s(?:are|is)\s(?:we|they|it|(?:the|our|my)\s[\w§¤]+(?:\s[\w§¤]+){0,2})\s(?:being\s)?"
    r"(?:run|running|worked|working|pushed|pushing|driven|driving|used|utili[sz]ed|loaded)\b"
    # "which one is the most full", "the fullest"
    r"|(?:most|least)\s(?:full|loaded|busy|stretched|utili[sz]ed)|fullest|busiest\sright\snow"
    r"|how\smuch\sof\s(?:our\s|the\s|my\s|its\s|their\s|your\s)?capacity|capacity\s(?:is\s)?in\suse"
    r"|fill\srates?|capacity\suse|throughput|(?:close|near)\sto\s(?:full\s|max\w*\s)?capacity|how\s(?:close|near)\sto\s(?:full|max\w*)|(?:percent\w*|share|fraction|proportion)\sof"
    r"\s(?:our\s|the\s|my\s)?capacity|capacity\s(?:are|is)\s(?:we\s)?(?:using|used)"
    r"|using\s(?:\w+\s)?capacity|how\smuch\s(?:\w+\s)?(?:is|are)\s(?:used|in\suse)"
    r"|how\s(?:are|is)\s(?:the\s|our\s|my\s|all\s(?:the\s|our\s|my\s)?)?(?!things\b)\w+s\s(?:doing|holding\sup))\b"
    # "..., and how much of it are we using?"
    r"|\bhow\smuch\sof\s(?:it|that|this|them|the\stotal)\s(?:are|is|do)\s(?:we\s)?(?:using|used|use"
    r"|in\suse)\b"
    # "which of our sites is the busiest?"
    r"|\b(?:busiest|fullest|most\s(?:loaded|utili[sz]ed|stretched|used)|highest\sutili[sz]ation)\b"
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
    # "Is there a way to see everything I've entered so far, all in one place?"
    r"|\b(?:see|view|look\sat|check)\s(?:everything|it\sall|all\sof\sit)\s(?:i'?ve|we'?ve|i\shave|we\shave)"
    r"\s(?:entered|added|put\sin|set\sup|built)\b"
    r"|\b(?:how\smany\s(?:\w+\s)?(?:suppliers|vendors|manufacturers|factories|plants|warehouses"
    r"|depots|distributors|dcs|distribution\scent(?:er|re)s|retailers|stores|shops|outlets|nodes"
    r"|sites|facilities|locations|connections|links|routes)"
    # ("the full list of nodes" is a list, not the summary)
    r"|(?:list(?!\sof\b)|show|display|see)\s(?:me\s)?(?:all\s)?(?:of\s)?(?:my\s|our\s|the\s)?(?:\w+\s)?"
    r"(?:suppliers|vendors|manufacturers|factories|plants|warehouses|depots|distributors|dcs"
    r"|retailers|stores|shops|outlets|nodes|sites|facilities|connections|links|routes|settings"
    r"|config\w*)"
    r"|status\sreport|how\sare\sthings|how'?s\severything|how\sis\severything"
    r"|(?:what'?s|what\sis|what\sare|which\sis|show)\s(?:me\s)?(?:my|our|the)\s(?:current\s)?"
    r"(?:region|industry|currency|risk\sprofile|settings|shipping\smethods)"
    r"|current\s(?:settings|region|industry|currency)"
    r"|summary|summari[sz]\w*|overview|overall|big\spicture|at\sa\sglance|recap"
    # "Give me the headline numbers for the whole network"
    r"|(?:headline|key|top[\s-]line|main|big)\s(?:numbers|figures|stats|metrics|kpis)"
    r"|(?:status|state|shape|health)\sof\s(?:the\s|my\s|our\s)?(?:whole\s|entire\s)?(?:network"
    r"|supply\schain|twin)|how(?:'s|\sis|\sare|\sdoes|\sdo)\s(?:my|the|our)\s(?:whole\s|entire\s|overall\s)?"
    r"(?:network|supply\schain|twin|things|setup|operations?)(?!\s*§)"
    r"|how\s(?:do|are|is)\s(?:things|we|everything)\s(?:look\w*|doing|going|shaping\sup)|what\sdoes\s(?:my|the|our)\s(?:\w+\s)?(?:network|supply\schain"
    r"|twin)\slook\slike|(?<!list\s)what\s(?:do\s)?(?:i|we)\s(?:have|got)|what\shave\s(?:i|we)\s(?:got|built)"
    r"|what\s(?:i|we)'?ve\s(?:got|built)|status\s(?:update|report)|what'?s\sin\s(?:my|the|our)"
    r"|what'?s\s(?:going\son|happening)\s(?:with|in|across)\s(?:the\s|my\s|our\s)(?:whole\s|entire\s)?"
    r"(?:network|supply\schain|twin)"
    r"|list\s(?:all\s)?(?:of\s)?(?:my\s|our\s|the\s)?nodes|show\s(?:me\s)?(?:the\s|my\s|our\s)?"
    r"(?:whole\s|entire\s|full\s)?(?:network|supply\schain|twin)|how\smany\s(?:nodes|sites"
    r"|facilities|locations)|network\sstatus|describe\s(?:the\s|my\s|our\s)?(?:network"
    r"|supply\schain))\b"
)
_DETAILS = re.compile(
    r"\b(?:where\s(?:is|are)|located|location\sof|know\sabout|about(?!\s+~?\d)|connected\sto|linked\sto"
    r"|neighbou?rs|upstream|downstream|details?|info|information|tell\sme\s(?:more\s)?about|describe|show|display|look\sup"
    r"|lookup|doing|status|stats|look\sat|see|view|look(?:s|ing)?\slike"
    r"|how\s(?:does|do)|what'?s\sup\swith|what\sabout|check\son|report\son|profile\sof"
    r"|brief\s(?:me\s)?(?:on|about)|fill\sme\sin\s(?:on|about)|(?:rundown|lowdown)\son"
    r"|how(?:'s|\sis|\sare)|what\sis|what'?s|who\sis|give\sme|pull\sup|open"
    # "tell me whether the Calgary DC is OK"
    r"|(?:tell\sme|let\sme\sknow|check)\s(?:whether|if))\b"
)


# "Porto Supplier is orphaned now, ...": how a node is, said (not a scan asked for)
_SAID_OF_A_NODE = re.compile(
    r"^\W*(?:the\s)?[§¤]+(?:\s[a-z]+)?\s(?:is|are|'s|has\sbeen|got)\s(?:now\s|currently\s|totally\s)?"
    r"(?:orphan\w*|isolated|unconnected|dangling|stale|outdated)\b(?!.*\?)"
)


# "Only one supplier risky is.", "That's risky.": a judgement said, the reason for a change
_SAID_TO_BE_RISKY = re.compile(
    r"\b(?:is|are|'s|seems|looks)\s(?:too\s|very\s|quite\s|a\sbit\s|really\s)?risky\W*$"
    r"|\brisky\s(?:is|are)\W*$"
)


def _rule_analysis(step: _Step, m: str) -> _Outcome:
    if re.search(r"\b(?:has|have|had|got)\s(?:a\s)?(?:\w+\s)?backlog\b(?![^?]*\?)", m):
        return None  # "Houston's port has a backlog anyway, mark ...": news, not a question
    if _SAID_OF_A_NODE.match(m) or (
        _SAID_TO_BE_RISKY.search(m)
        # ("Would you mind telling me whether anything in our network looks risky?")
        and not re.match(
            r"^\W*(?:is|are|isn'?t|aren'?t|what|how|why|whether|if|does|do|anything|any)\b", m
        )
    ):
        return None
    intent = None
    if _ANOMALY.search(m) and not _RISK_SCAN.search(m):
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
    named = [r for r in refs if r.ref.kind != "pronoun"]
    if not named and re.search(r"\bhow\smuch\sof\s(?:it|that|this|them)\b", m):
        refs = []  # "our total capacity, and how much of it are we using?": "it" is the capacity
    if refs:
        # "how much of its capacity is Berlin Plant using?": the name, not the pronoun.
        params["node"] = (named or refs)[0].ref
    else:
        bare = [r for r in step.refs() if r.bare_type]
        # ("How close to full are the plant and the warehouse?": two kinds, each one's line
        # in the whole network's answer)
        if bare and len({r.ref.node_type for r in bare}) == 1:
            params["node_type"] = bare[0].ref.node_type
    return _cmd(step, intent, params, 0.9)


def _rule_alerts(step: _Step, m: str) -> _Outcome:
    if not _ALERTS.search(m):
        return None
    if step.node_refs() and not _ALERT_WORD.search(m):
        return None  # "Acme has been unreliable lately" talks about Acme, not the alerts
    if re.match(r"^\W*(?:incident|ticket|case|report)\s(?:no\.?\s|number\s|#)?[\w-]*\d[\w-]*\b", m):
        return None  # "INCIDENT 24-031: ...": the report's label, not a question about alerts
    if re.match(
        r"^\W*(?:a\s|the\s)?(?!(?:any|no|new|recent|open|latest|show|list|all|what|which|how"
        r"|current|active|unread)\b)[a-z]+\s(?:warning|alert|advisory|watch)s?\s(?:on|for|in|at|along"
        r"|off)\s(?!(?:my|our)\b)",
        m,
    ):
        return None  # "swell warning on the coast": the weather's warning, said as context
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
    if len(step.places) == 1 and step.places[0][2].city is None and re.search(r"\bin\s¤+\W*$", m):
        # "What have we got in Portugal?": the nodes in that country or region
        return _cmd(step, "list-nodes", {"place": step.places[0][2]}, 0.85)
    if len(step.places) == 1 and re.fullmatch(
        r"\W*(?:(?:show|give|get|read\sback)\s(?:me\s)?(?:the\s)?)?(?:status\W+¤+|¤+(?:'s)?\W+status)\W*",
        m,
    ):
        # "status memphis": the node there
        start, end, place = step.places[0]
        ref = NodeRef(step.text[start:end], "place", place=place)
        return _cmd(step, "get-node-details", {"node": ref}, 0.75)
    return _cmd(step, "get-network-summary", {}, 0.9)


_STATUS_ASKED = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|but)\W+)*(?:is|are|was)\s¤+\s(?:still\s|now\s|currently\s)?"
    r"(?:degraded|offline|online|down|up|operational|ok|okay|fine|running|working|busy|full"
    r"|overloaded|at\scapacity)\b"
    r"|^\W*(?:how'?s|hows|how\sis|how\sare)\s¤+\s(?:look\w*|doing|holding\sup|going|running)\b"
)


# "what's Pune's capacity", "how much can lyon hold", "how full is Lyon": one figure of the
# user's node at a town, asked
_FIELD_ASKED = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|but)\W+)*(?:what'?s|what\sis|what\sare|how\smuch|how\sbig|how\sfull"
    r"|how\sbusy|how\sloaded)\b[^¤]*¤+[^¤]*?\b(?:capacity|cap|inventory|stock|utili[sz]ation|status"
    r"|size|hold|handle|store|take|load(?:ed)?|full|busy|big)\b"
    r"|^\W*(?:(?:and|so|ok|okay|but)\W+)*(?:what'?s|what\sis)\s(?:the\s)?(?:capacity|inventory|stock"
    r"|utili[sz]ation|status|size)\s(?:of|at|in)\s(?:the\s)?¤+"
    r"|^\W*how\s(?:big|large)\s(?:is|are)\s(?:the\s)?¤+(?:\s(?:now|currently|today))?\W*$"
)


_HOW_BIG = re.compile(
    # ("How much stock is sitting in the second warehouse?": its figures)
    r"^\W*(?:(?:and|so|ok|okay|but)\W+)*how\s(?:big|large|full|busy|loaded|much\scapacity\s(?:does|has|have|is\sthere\sin|is\sin)"
    r"|much\s(?:stock|inventory)\s(?:is|does|do|sits|is\ssitting|has|have|remains))\s"
    r"(?:(?:is|are|was|'s)\b)?"
)


_TERSE_FIELD = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)?[§¤]+(?:'s)?\s(?:cap|capacity|size|util\w*|load|stock|inventory"
    r"|status)\s?\??\W*$"
)


def _rule_details(step: _Step, m: str) -> _Outcome:
    if re.search(r"\b(?:won'?t|will\snot)\b", m) and "?" not in m:
        return None  # "Boulder won't open until spring": a statement, not a question
    if re.match(r"^\W*(?:the|our|my)\s[\w\s]{1,20}?\s(?:will|is\sgoing\sto|are\sgoing\sto)\s", m):
        return None  # "The board will ask about it on Thursday": someone else's plan, said
    refs = step.node_refs()
    if _TERSE_FIELD.match(m):
        # "detroit cap?", "Columbus Warehouse utilisation?": that node's figures
        if refs:
            return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.8)
        if len(step.places) == 1 and step.places[0][2].city is not None:
            start, end, place = step.places[0]
            ref = NodeRef(step.text[start:end], "place", place=place)
            return _cmd(step, "get-node-details", {"node": ref}, 0.75)
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
    if refs and _HOW_BIG.match(m):
        # "How big is that one?", "how full is the Lyon warehouse?": its figures
        return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.8)
    if refs and _QUESTION.match(m):
        # "is Berlin Plant operational?": answer with its details.
        return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.7)
    there = step.lone_place(city=True) if not refs else None
    if there is not None and (
        _STATUS_ASKED.search(m) or (cue and _QUESTION.match(m)) or _FIELD_ASKED.search(m)
    ):
        # "Is Osaka still degraded?", "hows louisville lookin rn": the user's node there.
        return _cmd(step, "get-node-details", {"node": there.ref}, 0.6)
    if refs and not re.sub(r"[§\W]|\b(?:the|about|and|node|please|pls)\b", "", m):
        # Only a node was named ("Berlin Plant?"): show it.
        return _cmd(step, "get-node-details", {"node": refs[0].ref}, 0.6)
    return None
