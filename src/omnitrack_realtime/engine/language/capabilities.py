"""The rules of the later capabilities: list and filter nodes, compare nodes, trace what feeds
a node and what it feeds, show the settings, explain, recommend, compare simulations, rename,
undo, and acknowledge or resolve alerts.

Each rule reads one masked, lower-case step like the other families (see :mod:`.rules`) and
returns commands, a question, or None. They run before the older families, so "what feeds
Lyon Plant?" is a trace and not a link, and "should we close the Chicago DC?" a
recommendation and not a status change.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..commands import NodeRef
from .numbers import parse_duration_hours, parse_number
from .outcomes import _ask, _cmd, _listed, _Outcome
from .references import _Ref, _Step
from .scenarios import supposes_a_stop
from .vocabulary import _ADD_VERB_RE, _SEVERITY_RE, _STATUS_RE, _TYPES

_NODE_REF = r"(?:§+|it|that|this|them|they|those|these|the\s[\w\s]{1,30}?)"


def _first_node(step: _Step) -> Any:
    refs = step.node_refs()
    if refs:
        return refs[0].ref
    lone = step.lone_place()
    if lone is not None:
        return lone.ref  # "what feeds Pune now?", "an alternative supplier for Ulsan"
    bare = [r for r in step.refs() if r.bare_type]
    return bare[0].ref if bare else None


# ----------------------------------------------------------------------------- undo

# what may open an undo: "Hmm, undo the last two changes", "oops, revert that"
_UNDO_LEAD = (
    r"^\W*(?:(?:please|pls|ok|okay|oops|whoops|ugh|argh|no|hm+|um+|uh+|actually|just|can\syou"
    r"|could\syou|sorry|my\sbad|wait|oh|typo|wrong\s\w+|that'?s\swrong|mistake|so|and|right)\W+)*"
)
_UNDO = re.compile(
    _UNDO_LEAD + r"(?:undo|undoing|revert|reverting|roll\s?back|rolling\sback|reverse"
    r"|take\s(?:that|it|this)\sback|go\sback"
    r"|put\s(?:it|that|things)\sback(?:\sthe\sway\sit\swas)?|cancel\sthe\slast\s(?:change|step|action))"
    # ("revert: last change", "revert: one more": a commit message's way)
    r"(?:(?:\s|:\s*)(?:that|it|this|the\slast\s(?:change|step|thing|action|one|edit)|my\slast\s\w+"
    r"|last\s(?:change|step|edit|one|thing|commit)"
    r"|the\s(?:previous|last)\s\w+|the\schange|the\sdelet\w+|the\sremoval|please|again|once\smore"
    r"|one\smore(?:\stime)?|last|too|as\swell|one\sof\s(?:them|those|these)"
    r"|(?:that|this|the|my)\s(?:last\s|previous\s|latest\s)?(?:link|connection|addition|add"
    r"|change|edit|step|move|update|removal|deletion|rename|one)"
    # "Undo the status change", "undo the capacity update": the last change, by what it changed
    r"|(?:just\s|only\s)?the\s(?:status|capacity|name|size|currency|region|industry|setting|settings|link"
    r"|connection)"
    r"\s(?:change|update|edit)|actually|then)){0,3}(?:\W*$|\s*[,;-].*$)"
)


_REDO = re.compile(
    r"^\W*(?:(?:please|pls|ok|okay|oops|actually|just|hm+|um+|uh+|no|wait|sorry|on\ssecond\sthought"
    r"|can\syou|could\syou)\W+)*(?:redo|re-do|undo\s(?:the|that|my)\s(?:last\s)?undo"
    r"|put\s(?:it|that)\sback(?:\sin)?\s(?:after\sall|again)|bring\s(?:it|that)\sback)"
    r"(?:\s(?:that|it|this|the\slast\s(?:change|step|one|undo)|please|again|one|that\sone|actually"
    # "Redo one of them" (of the changes just undone: the last undone comes back first)
    r"|after\sall|then|anyway|of\s(?:them|those|these)|just|once"
    # "Just redo the rename."
    r"|the\s(?:rename|renaming|change|update|edit|removal|deletion|link|move|(?:status|capacity|name)"
    r"\schange)))*"
    r"(?:\W*$|\s*[,;-].*$)"
)


# "undo the last two changes", "revert my last 3 edits", "undo both": one undo per change
_UNDO_SEVERAL = re.compile(
    _UNDO_LEAD + r"(?:undo|revert|roll\s?back|reverse|take\sback)\s(?:(?:the|my|our)\s)?"
    r"(?:last|previous|latest)?\s?"
    r"(?P<count>two|three|four|five|both|\d)(?:\s(?:last|previous|latest|most\srecent|recent))?"
    r"(?:\s(?:changes|steps|edits|things|actions|ones|updates))?\W*$"
    r"|"
    + _UNDO_LEAD
    + r"(?:undo|revert|reverse)\s(?:both|the\stwo)\s(?:changes|steps|edits|of\sthem)\W*$"
)
_UNDO_COUNT = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5}


def _rule_undo(step: _Step, m: str) -> _Outcome:
    if _REDO.match(m):
        return _cmd(step, "redo", {}, 0.95)
    if _UNDO.match(m):
        return _cmd(step, "undo", {}, 0.95)
    several = _UNDO_SEVERAL.match(m)
    if several is not None:
        said = several.group("count") or "two"
        count = int(said) if said.isdigit() else _UNDO_COUNT[said]
        if 1 <= count <= 5:
            return [c for _ in range(count) for c in _cmd(step, "undo", {}, 0.95)]
    return None


# ----------------------------------------------------------------------------- rename

_RENAME = re.compile(
    r"\b(?:rename|re-name|change\s(?:the\s)?name\sof|change\s(?:its|their)\sname)\b"
    r"|\b(?:call|name)\s(?:it|that|this|§+|the\s[\w¤§]+(?:\s\w+)?)\s(?!by\b|for\b|about\b)"
    r"|\b(?:its|the)\sname\sshould\sbe\b|\bname\s(?:it|that\sone)\b"
    # "Seremban Warehouse should be called Negeri Sembilan Hub from now on"
    r"|\b(?:should|will|shall|must|is\sto)\sbe\s(?:called|named|known\sas)\b|\bis\snow\s(?:called|named)\b"
)
# words said after a new name that are not part of it ("Strait Hub from now on")
_AFTER_NAME = (
    r"(?:\s*(?:instead|please|pls|thanks|now|too|as\swell|also|from\snow\son|from\stoday"
    r"|going\sforward|henceforth|for\snow|if\syou\scan))*"
)
_NEW_NAME = re.compile(
    r"\b(?:to|as|into|be(?:\s(?:called|named|known\sas))?|now\s(?:called|named))\s+[\"'“]?(?P<name>[^\"'”,;]+?)[\"'”]?"
    + _AFTER_NAME
    + r"(?:\W*$|\s*[,;])"
    r"|\b(?:call|name)\s(?:it|that|this|that\sone|§+|the\s[\w¤§]+(?:\s\w+)?)\s+[\"'“]?"
    r"(?P<called>[^\"'”,;]+?)[\"'”]?" + _AFTER_NAME + r"(?:\W*$|\s*[,;])",
    re.IGNORECASE,
)


_CALLED_AFTER = re.compile(
    r"\s+[\"'“](?P<name>[^\"'”]+)[\"'”]" + _AFTER_NAME + r"\W*$"
    r"|\s+(?P<bare>[A-Z][^,;.!?]*?)" + _AFTER_NAME + r"\W*$"
)


def _rule_rename(step: _Step, m: str) -> _Outcome:
    if not _RENAME.search(m) or _ADD_VERB_RE.search(m) or re.search(r"\brename\snothing\b", m):
        return None  # "add a supplier ..., call it Bay Area Electronics" names the new node
    if re.search(
        r"\b(?:call|name)\s(?:it|this|that)\s(?:an?\s)(?:" + _TYPES + r")\b",
        step.text,
        re.IGNORECASE,
    ):
        return None  # "I'll call it a warehouse": what it counts as, not a name
    refs = step.node_refs() or [r for r in step.refs() if r.bare_type]
    match = _NEW_NAME.search(step.text)
    name = None
    if match is not None:
        name = (match.group("name") or match.group("called") or "").strip(" .!?")
    if refs and match is not None:
        # The new name is not a reference: drop one that lies inside it.
        start = match.start("name") if match.group("name") else match.start("called")
        before = [r for r in refs if r.start < start]
        refs = before or refs
    if not refs:
        return _ask(step, "Which node should I rename, and to what?", "rename-node")
    if not name and re.search(r"\b(?:call|name|rename|re-name)\s(?:the\s)?$", m[: refs[0].start]):
        # "call VIC Hub 'VIC Metro Hub' instead", "rename it Bandung Cafe": the new name
        # follows the node's
        after = _CALLED_AFTER.match(step.text[refs[0].end :])
        name = (after.group("name") or after.group("bare")).strip() if after is not None else None
    if not name or re.fullmatch(r"[\d,.\s]+k?", name):  # ("32,000" is a size, never a name)
        return _ask(step, f"What should the new name of {refs[0].ref.text} be?", "rename-node")
    return _cmd(step, "rename-node", {"node": refs[0].ref, "name": name}, 0.9)


# ----------------------------------------------------------------------------- alerts

_ACK = re.compile(r"\b(?:acknowledg\w*|ack|acked|seen|noted|i'?ve\sseen|got\sit)\b")
_RESOLVE = re.compile(
    r"\b(?:resolv\w*|clos\w*|clear\w*|dismiss\w*|fix(?:ed)?|done\swith|close\sout|mark\w*\s(?:\w+\s)*"
    r"(?:as\s)?(?:resolved|closed|done|fixed))\b"
)
_ALERT_WORD = re.compile(r"\balerts?\b|\bwarnings?\b|\bincidents?\b|\balarms?\b|\balert-\d+")
_ALERT_ID = re.compile(r"\balert-\d+\b")


def _rule_alert_status(step: _Step, m: str) -> _Outcome:
    if not _ALERT_WORD.search(m):
        # "..., then acknowledge all of them": "acknowledge" is said of alerts, and so is
        # "mark all the others as resolved" (no node is ever resolved).
        resolved = re.search(r"\bmark\w*\s.*\bas\s(?:resolved|acknowledged)\b", m)
        if resolved is not None and not step.node_refs():
            intent = "resolve-alert" if "resolved" in resolved.group() else "acknowledge-alert"
            return _cmd(step, intent, {"all": True}, 0.8)
        if not re.search(r"^\W*(?:and\s|then\s|please\s)*(?:acknowledge|ack)\b", m):
            return None
        refs = [r.ref for r in step.node_refs() if r.ref.kind in ("name", "id", "place")]
        if refs:  # "acknowledge the Berlin one": that node's alerts
            return _cmd(step, "acknowledge-alert", {"node": refs[0]}, 0.8)
    acknowledge = _ACK.search(m) is not None
    resolve = _RESOLVE.search(m) is not None
    if not (acknowledge or resolve):
        return None
    if re.match(r"^\W*(?:show|list|what|which|any|are|is|how)\b", m) and not re.search(
        r"\b(?:then|and)\s(?:ack|acknowledg|resolv|clos|clear|dismiss)", m
    ):
        return None  # "which alerts are resolved?" reads them
    params: dict[str, Any] = {}
    alert = _ALERT_ID.search(m)
    if alert is not None:
        params["alert"] = alert.group()
    node = _first_node(step)
    if node is not None and "alert" not in params:
        params["node"] = node
    if re.search(r"\b(?:all|every|everything|each)\b", m) or (
        "alert" not in params and "node" not in params
    ):
        params["all"] = True
    severity = _SEVERITY_RE.search(m)
    if severity is not None and severity.lastgroup is not None:
        params["severity"] = severity.lastgroup
    intent = "resolve-alert" if resolve else "acknowledge-alert"
    return _cmd(step, intent, params, 0.85)


# ----------------------------------------------------------------------------- trace

# who a trace is about: a node's name or town, a pronoun, "that one", "the Kassel warehouse"
_SUBJECT = r"(?:[§¤]+|it|they|(?:that|this)\sone|(?:the|that|this|our)\s[\w\s§¤]{1,25}?)"
_UPSTREAM = re.compile(
    r"\bwhat\s(?:feeds|supplies|ships\sto|delivers\sto|sends\sto|goes\sinto|flows\sinto"
    r"|comes\sinto|is\supstream\sof|'?s\supstream\sof)\b"
    r"|\bwho\s(?:feeds|supplies|ships\sto|delivers\sto|sends\sto|serves)\b"
    r"|\bwhich\s(?:of\s(?:our|the|my|your)\s)?(?:nodes?|suppliers?|sites?|facilities|ones?)\s(?:feed|supply|ship\sto|deliver\sto"
    r"|deliver\sinto|ship\sinto|send\sto|send\sinto|serve)\b"
    r"|\bwhere\s(?:does|do|did)\s(?:[§¤]+|it|they|(?:the|that|this|our|my)\s[\w\s§¤]{1,25}?)\s(?:get|source|buy|receive"
    r"|obtain)\s(?:its|their)?\s?(?:\w+\s)?(?:from)?"
    r"|\bupstream\b|\b(?:suppliers|sources|inputs|feeders)\s(?:of|for)\s(?:§+|it|that"
    r"|the\s)|\b(?:§+|its|it's)\s(?:suppliers|sources|inputs|feeders)\b"
    r"|\bwhat\s(?:does|do)\s" + _SUBJECT + r"\s(?:depend|rely)\son\b"
    r"|\b(?:what|who)\s(?:does|do)\s(?:§+|¤+(?:\s\w+)?|it|they|the\s[\w\s¤]{1,25}?)\s(?:get|source|buy"
    r"|receive|order)\s(?:its|their)?\s?(?:\w+\s)?from\b"
    r"|\bwhat'?s\s(?:feeding|supplying)\b|\bfed\sby\swhat\b"
    # "Does anything feed the first warehouse?", "is anyone supplying it?"
    r"|\b(?:does|do|is|are)\s(?:anything|anyone|anybody|something|any\s(?:node|site|supplier)s?)"
    r"\s(?:(?:still|actually|currently)\s)?(?:feed|supply|ship\sto|deliver\sto|send\sto|serve"
    r"|feeding|supplying|shipping\sto|delivering\sto|sending\sto)\b"
    # "where does its stock originate?", "where does that one's stock come from?"
    r"|\bwhere\s(?:does|do|did)\s(?:its|their|the|" + _SUBJECT + r"'?s?)\s(?:[\w§¤]+\s){0,2}?"
    r"(?:originate|come\sfrom)\b"
)
_DOWNSTREAM = re.compile(
    # "Which shops does Leipzig reach now?"
    r"\b(?:what|which)\s(?:of\s(?:our|the|my)\s)?(?:\w+\s)?(?:does|do|did|can)\s"
    + _SUBJECT
    + r"\s(?:ultimately\s|eventually\s"
    r"|finally\s|actually\s|now\s)?(?:reach"
    r"|serve|supply|feed|ship\sto|deliver\sto|send\sto|sell\sto)\b|"
    r"\bwhat\s(?:does|do|did)\s" + _SUBJECT + r"\s(?:end\sup\s(?:feeding"
    r"|supplying|serving|in|at)\b|feed|supply|serve|ship\sto"
    r"|deliver\sto|send\sto|supply\sto|ship|deliver|send)\b"
    r"|\bwho\s(?:depends|relies|is\sdependent)\son\b|\bwhat\s(?:depends|relies)\son\b"
    r"|\bwhich\s(?:of\s(?:our|the|my|your)\s)?(?:nodes?|sites?|stores?|plants?|ones?|facilities)\s(?:depend|rely)\son\b"
    r"|\bwhere\s(?:does|do|did)\s" + _SUBJECT + r"\s(?:ship|send|deliver|supply"
    r"|feed)\b(?:\sto)?"
    r"|\bdownstream\b|\b(?:customers|clients|dependents|dependants)\sof\b"
    r"|\b(?:§+|its|it's)\s(?:customers|dependents|dependants)\b"
    r"|\bwho\s(?:does|do)\s" + _SUBJECT + r"\s(?:supply|serve|feed|ship\sto"
    r"|deliver\sto)\b|\bwhat\sis\s(?:fed|supplied|served)\sby\b|\bwho\sgets\s(?:\w+\s)?from\b"
)


# "connect the Shanghai supplier to the plant" links; it does not ask what feeds the plant.
_COMMAND_VERB = re.compile(
    r"^[^\w§¤]*(?:(?:please|pls|now|then|also|and|ok|okay|so|next|kindly|would\syou|could\syou"
    r"|can\syou|will\syou|i'?d\slike\syou\sto|i\swant\syou\sto)[^\w§¤]+)*(?:connect|link|hook"
    r"|attach|wire|tie|join|add|create|set\s?up|make|have|route|open|build|put|register|onboard"
    r"|remove|delete|drop|disconnect|unlink|move|mark|update|change|increase|decrease|double"
    r"|halve|rename|simulate|run)\b"
)


_WHICH_KIND = re.compile(r"^\W*(?:and\s|so\s)?which\s(?:of\s(?:our|the|my)\s)?[\w§]+\s")


def _rule_trace(step: _Step, m: str) -> _Outcome:
    if _COMMAND_VERB.match(m):
        return None
    if supposes_a_stop(m):
        return None  # "If Nashik stopped shipping for ten days, what would break downstream?"
    down = _DOWNSTREAM.search(m)
    up = _UPSTREAM.search(m)
    if down is None and up is None:
        return None
    if up is not None and down is not None:
        intent = "trace-upstream" if up.start() <= down.start() else "trace-downstream"
    else:
        intent = "trace-upstream" if up is not None else "trace-downstream"
    if "upstream" in m and "downstream" not in m:
        intent = "trace-upstream"
    node = _first_node(step)
    asked_kind = _WHICH_KIND.match(m)
    if asked_kind is not None:
        # "Which suppliers feed the plant?": the node named after the kind asked about
        after = [r for r in step.refs() if r.start >= asked_kind.end()]
        node = after[0].ref if after else node
    if node is None:
        direction = "feeds" if intent == "trace-upstream" else "is fed by"
        return _ask(step, f"Which node? I can show what {direction} any node you name.", intent)
    return _cmd(step, intent, {"node": node}, 0.9)


# ----------------------------------------------------------------------------- settings

_SETTING_WORDS = {
    "region": r"region",
    "industry": r"industry|sector",
    "currency": r"currency|currencies|money",
    "risk_profile": r"risk\s(?:profile|tolerance|appetite|level|setting)|risk\sprofile",
    "shipping_methods": r"shipping\s(?:methods?|modes?|options?)|transport\s(?:modes?|methods?)",
}
_SETTING_RE = re.compile(
    "|".join(f"(?P<{key}>\\b(?:{words})\\b)" for key, words in _SETTING_WORDS.items())
)
_SHOW_SETTINGS = re.compile(
    r"\b(?:settings?|config(?:uration)?|preferences|set\s?up)\b(?!\s(?:to|=|:))"
)
_ASKS = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|also|now|then|hmm|remind\sme)\W+)*(?:(?:can|could|would)\s(?:you|u)\s"
    r"(?:please\s)?(?=show|list|tell|display|give|read|repeat|go\sover|run\sthrough|recap))?"
    r"(?:what(?:'s|\sis|\sare|\swere)?"
    r"|which|show|list|tell\sme|display|give\sme|remind\sme|how\sis|how'?s|are\swe|is\sour"
    r"|is\sthe|do\swe\shave|did\syou|current|check|view|see|(?:can|could)\syou\sconfirm|confirm"
    # "Read the settings back to me so I can sign off"
    r"|read|repeat|go\sover|run\sthrough|recap)\b"
)


def _rule_get_settings(step: _Step, m: str) -> _Outcome:
    changing = re.search(r"\b(?:set|change|switch|update|make)\b\s(?!me\b)", m)
    # ("Just to be sure for the minutes, which currency and risk profile are set now?")
    asked_after_lead = re.search(r"^[^?]{0,60}?[,;:]\s*(?:what|which)\b", m)
    if changing is not None and (
        re.match(r"^\W*(?:what|which|how|remind)\b", m)
        or (asked_after_lead and re.search(r"\b(?:is|are)\s(?:currently\s|now\s)?set\b", m))
    ):
        changing = None  # "what is our risk profile set to?" asks
    if not (_ASKS.match(m) or asked_after_lead) or changing is not None:
        return None
    if re.search(r"\b(?:what|which)\s(?:if|happens|would)\b", m):
        return None
    found = [match.lastgroup for match in _SETTING_RE.finditer(m) if match.lastgroup]
    if re.search(r"\brisks?\b(?!\s(?:profile|tolerance|appetite|level|setting))", m):
        found = [f for f in found if f != "risk_profile"] if "risk_profile" not in found else found
    if not found and not _SHOW_SETTINGS.search(m):
        return None
    if _SHOW_SETTINGS.search(m) and not found:
        return _cmd(step, "get-settings", {}, 0.9)
    if len(set(found)) == 1:
        return _cmd(step, "get-settings", {"setting": found[0]}, 0.9)
    return _cmd(step, "get-settings", {}, 0.85)


# ----------------------------------------------------------------------------- list and compare

_LIST_VERB = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|also|now|then|please|pls|can\syou|could\syou|hmm)\W+)*"
    r"(?:list|show|display|give\sme|tell\sme|what\sare|what\swere|which\sare|which|what"
    r"|how\smany|count|enumerate|name|get\sme|let\sme\ssee|see|where\sare|are\sthere|do\swe\shave"
    r"|any|is\sthere|anything|is\sanything|(?:our\s|my\s|the\s)?total|sum|what'?s|whats"
    r"|how\smuch|so\swhat"
    # "Start me off with a list of every node", "a full list of the sites, please"
    r"|(?:(?:start|begin|kick)\s(?:me\s|us\s)?(?:off\s)?with\s)?(?:a|the)\s(?:full\s|complete\s"
    r"|quick\s)?list(?:ing)?\sof"
    r"|(?:our\s|my\s|the\s)?combined"
    r"|(?:our\s|my\s|the\s)?(?:aggregate|overall)"
    # "And the warehouse total now?": the total of a kind, asked after another total
    r"|(?:our\s|my\s|the\s)?(?:" + _TYPES + r")\stotals?(?=\W*(?:now|then|please|again)?\W*$))\b"
)
_PLURAL_TYPE = re.compile(
    r"\b(?:(?P<all>nodes|sites|facilities|locations|everything|all\sof\sthem|all\sthe\snodes"
    r"|(?:every|each)\s(?:single\s)?(?:node|site|facility|location)"
    r"|the\snetwork'?s\snodes|what\sis\sleft|what'?s\sleft|what\sremains|whats\sleft"
    r"|what\swe\shave|what\sdo\swe\shave|what\si\shave"
    r"|what'?s\s(?:currently\s|now\s)?(?:in|on)\s(?:the|my|our)\s(?:network|twin|map|system)"
    r"|what\sis\s(?:currently\s|now\s)?(?:in|on)\s(?:the|my|our)\s(?:network|twin|map|system))"
    r"|(?P<type>" + _TYPES + r"))\b"
)
# "the warehouses running above 80% utilization"
_BUSIER_THAN = re.compile(
    r"\b(?:above|over|more\sthan|at\sleast|beyond|>)\s(?P<pct>\d+(?:\.\d+)?)\s?(?:%|percent)"
    r"(?:\s(?:utili[sz]\w*|load\w*|full|busy|capacity))?"
)
_HOW_MANY = re.compile(r"\bhow\smany\b|\bnumber\sof\b|\bcount\b")
_ANY_TROUBLE = re.compile(
    r"\b(?:degraded|disrupted|offline|down)\s(?:or|and|/|or\seven)\s(?:worse|degraded|disrupted"
    r"|offline|down)\b|\bor\sworse\b|\b(?:not|isn'?t|aren'?t)\s(?:fully\s)?operational\b",
    re.IGNORECASE,
)
_TOTAL = re.compile(
    r"\b(?:total|combined|overall|sum|aggregate|altogether|in\stotal)\b(?:\s\w+)?\s?(?:capacity"
    r"|units|throughput)?|\bhow\smuch\s(?:\w+\s)?(?:capacity|room|space|throughput)\b"
)
_MIN_CAP = re.compile(
    r"\b(?:over|above|more\sthan|at\sleast|bigger\sthan|larger\sthan|greater\sthan|>|>=)\s"
    r"(?P<n>[\d.,]+\s?(?:k|m|thousand|million)?)"
)
_MAX_CAP = re.compile(
    r"\b(?:under|below|less\sthan|at\smost|smaller\sthan|fewer\sthan|<|<=)\s"
    r"(?P<n>[\d.,]+\s?(?:k|m|thousand|million)?)"
)
_WHATS_IN = re.compile(
    r"\bwhat(?:'s|\sis|s|\sdo\swe\shave|\sdo\si\shave|\sdoes\s(?:the\snetwork|it)\shave"
    r"|\swe\shave|\sremains)\s(?:left\s)?in\s(?:the\s)?¤+|\b(?:nodes|sites|facilities|everything|anything"
    r"|locations|all)\s(?:we\shave\s)?(?:in|at)\s¤+"
)
_NOT_A_LIST = re.compile(
    r"\b(?:choke\w*|slow\w*|over\scapacity|unusual|odd|strange|weird|single\spoints?|weather|if"
    r"|happen\w*|would|bottleneck\w*|earthquakes?|typhoons?|floods?"
    r"|risks?|risky|bottlenecks?|anomal\w*|utili[sz]\w*|alerts?|summary|overview|settings?"
    r"|simulat\w*|scenarios?|region|industry|currency|connected|linked|links?|connections?"
    r"|feeds?|suppl(?:y|ies)\s(?:to|§+)|upstream|downstream|depend\w*"
    r"|how\s(?:loaded|busy|full|stretched|utili[sz]ed))\b"
)


# "do we have a warehouse in Lyon?": a singular type that asks whether any exists.
_ANY_OF_TYPE = re.compile(
    r"\b(?:all|every|each|any)\s|\b(?:do|does)\s(?:we|i|you)\s(?:already\s)?have\s(?:an?|any)\b"
    r"|\bis\sthere\s(?:already\s)?(?:an?|any)\b|\bare\sthere\s"
)


_EXPOSED = re.compile(r"\b(?:most\s)?(?:exposed|exposure|vulnerab\w*)\b")
_LIST_WITH = re.compile(
    r"^\W*(?:(?:please|now|and|so|then)\s)*(?:(?:list|enumerate)\s(?:all\s|every\s)?|(?:all|every)\s)"
    r"[^,;]*?,?\s?\bwith\b"
)


_LISTING = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|also|now|then|please|pls|kindly|just|can\syou|could\syou|would\syou)"
    r"\W+)*"
    r"(?:list|enumerate)\b"
    # "Give me the full list of nodes, please": a list asked for by name
    r"|\b(?:a|the)\s(?:full\s|complete\s|whole\s|entire\s)?list(?:ing)?\sof\b"
)


def _rule_list(step: _Step, m: str) -> _Outcome:
    if _CAPACITY_IN_USE.search(m):
        return None  # "How much capacity are we using?": the utilization
    # "suppliers with more than 10k capacity?": a plural type with a filter lists too.
    # ("Now every warehouse in Europe, with its capacity.")
    filtered_type = re.match(
        r"^\W*(?:(?:now|and|ok|okay|so|then|also)\W+)*(?:(?:all|every|each)\s(?:(?:of\s)?(?:the|our)\s)?)?"
        r"(?:" + _TYPES + r")\s(?:with|over|above|under|below|in|that|which|at)\b",
        m,
    )
    # "Are any sites running degraded or offline?": nodes by status, asked yes or no
    any_in_status = re.match(r"^\W*(?:are|is)\sany\b", m) and _STATUS_RE.search(m)
    if not _LIST_VERB.match(m) and filtered_type is None and not any_in_status:
        return None
    if _EXPOSED.search(m) or (
        re.search(
            r"\b(?:risks?|threats?|vulnerabilit\w+|bottlenecks?|choke\s?points?|anomal\w+)\b", m
        )
        and not _PLURAL_TYPE.search(m)
    ):
        # "Where are we most exposed overall?", "What are the main risks overall?", "What's the
        # bottleneck overall?"
        return None
    if supposes_a_stop(m):
        return None  # "how much capacity is at risk if Pune goes down?": a what-if
    busy = _BUSIER_THAN.search(m)
    # "List all warehouses with their capacity and utilisation": what to show of each
    shown_with = _LIST_WITH.match(m)
    # ("Give me the overall summary": the summary, not a total)
    totalled = _TOTAL.search(m) is not None and not re.search(
        r"\boverall\s+(?:(?:network|supply\schain|twin)\s)?(?:summary|overview|picture|status|view)\b",
        m,
    )
    if _NOT_A_LIST.search(m) and not (_HOW_MANY.search(m) or totalled or busy or shown_with):
        return None
    plural = _PLURAL_TYPE.search(m)
    in_place = _WHATS_IN.search(m)
    status = _STATUS_RE.search(m)
    # ("List every node with its name and status": "its" is each one's)
    about = [r for r in step.node_refs() if not (shown_with and r.ref.kind == "pronoun")]
    if about and (not plural or plural.group("all")):
        return None  # about one node: its details
    # ("Can you list all the nodes so I can tick them off?": a list, asked politely)
    listing = _LISTING.search(m) is not None
    # "how many nodes do we have in Europe?": a place narrows any list.
    free_place = bool(step.free_places()) and plural is not None
    filtered = in_place or status or _MIN_CAP.search(m) or _MAX_CAP.search(m) or free_place
    everything = plural is not None and plural.group("all") and not filtered and not listing
    if (
        everything
        and not totalled  # "whats the total capacity across everything"
        and not re.search(r"\bleft\b|\bremains?\b", plural.group() if plural else "")
    ):
        return None  # "how many nodes do we have", "show me everything": the summary
    if plural is None and in_place is None and status is None and not totalled:
        return None
    if plural is not None and plural.group("type"):
        word = plural.group("type")
        singular = not (word.endswith("s") and not word.endswith("ss"))
        asks_all = _HOW_MANY.search(m) or _ANY_OF_TYPE.search(m) or totalled
        if singular and not asks_all:
            return None  # "show the warehouse": one node
    params: dict[str, Any] = {}
    # "warehouses in Asia" reads as a reference to a node there, but a plural type lists;
    # "Total warehouse capacity" is no node's name.
    named = [
        r
        for r in step.node_refs()
        if r.ref.kind != "place" and not _TOTAL.match(r.ref.text.casefold())
    ]
    types = [t for t in step.types() if not any(r.start <= t[0] < r.end for r in named)]
    if types:
        params["node_type"] = types[0][2]
    if step.places:
        params["place"] = step.places[0][2]
        listed_places = [step.places[0]]
        for before, after in itertools.pairwise(step.places):
            if not re.fullmatch(
                r"\s*(?:,|and|or|&|plus|,\s*and|,\s*or)\s*(?:in\s+)?(?:the\s+)?",
                m[before[1] : after[0]],
            ):
                break
            listed_places.append(after)
        if len(listed_places) > 1:
            # "list the sites in Europe and Asia": every place of the list
            params["places"] = tuple(p for _s, _e, p in listed_places)
    if status is not None and status.lastgroup is not None:
        negated = re.search(
            r"(?:\bisn'?t|\bis\snot|\baren'?t|\bare\snot|\bnot|\bnon-?)\s(?:fully\s|yet\s)?$",
            m[: status.start()],
        )
        # "every node that isn't operational": all but those
        params["not_status" if negated else "status"] = status.lastgroup
        if _ANY_TROUBLE.search(m):
            # "degraded or worse", "degraded or offline", "not operational": every node in
            # trouble, whatever its status
            params.pop("status", None)
            params["not_status"] = "operational"
    if busy is not None and (value := parse_number(busy.group("pct"))) is not None:
        params["min_utilization"] = round(value / 100, 4)
    low = _MIN_CAP.search(m) if busy is None else None
    if low is not None and (value := parse_number(low.group("n"))) is not None:
        params["min_capacity"] = int(value)
    high = _MAX_CAP.search(m)
    if high is not None and (value := parse_number(high.group("n"))) is not None:
        params["max_capacity"] = int(value)
    return _cmd(step, "list-nodes", params, 0.85)


_COMPARE = re.compile(
    r"\bcompar\w*\b|\bvs\.?\b|\bversus\b|\bside[\s-]by[\s-]side\b|\bhead[\s-]to[\s-]head\b"
    r"|\bdifference\sbetween\b|\bdiff\b"
    # "How does that one stack up against the first warehouse?"
    r"|\bstacks?\sup\s(?:against|to|with)\b|\bmeasures?\sup\s(?:against|to)\b"
    # "Line up the first scenario against the third one", "put X next to Y", "hold X up to Y"
    r"|\b(?:line|hold)\s(?:\S+\s){0,5}?(?:up\s)?(?:against|next\sto|beside|with)\b"
    r"|\b(?:put|set)\s(?:\S+\s){1,5}?(?:against|next\sto|beside)\b"
    r"|\bwhich\b[^?.;]{0,50}?\b(?:bigger|larger|smaller|busier|more|less|higher|lower|biggest"
    r"|largest|smallest|busiest|most|least|greater|fuller|emptier)\b"
    r"|\b(?:bigger|larger|busier)\s(?:than|or)\b|\bmore\s(?:big|large|busy|loaded|full)\b"
    r"|\b(?:bigger|larger|busier|smaller)\b[^?]*\bor\b|\bor\b[^?]*\b(?:bigger|larger|busier"
    r"|smaller)\b"
)
_SIMULATIONS = re.compile(
    r"\b(?:simulations?|sims?|scenarios?|runs|results|what-?ifs?|tests|stress\stests)\b"
    r"|\bwhich\s(?:one|scenario|simulation|event|case)\s(?:was|is|would\sbe|hurts?|had|did)\b"
    r"|\b(?:worse|hurts?\s(?:us\s|\w+\s)?more|more\sdamag\w*|bigger\simpact|more\simpact"
    r"|(?:hits?|hurts?)\s(?:us\s|the\s(?:p&l|pnl|bottom\sline|business|margins?|budget)\s)?harder)\b"
)


_RUN_POSITION = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_WHICH_RUNS = re.compile(r"\b(first|second|third|fourth|fifth|last|[1-5])\b(?!\s*(?:k|%|units?))")


_SUPERLATIVE = re.compile(
    # ("which of the two is busier?": of two, the comparative picks one the same way)
    r"\b(?:(?P<busiest>busiest|fullest|busier|fuller|more\s(?:loaded|utili[sz]ed|stretched)"
    r"|most\s(?:loaded|utili[sz]ed|used|stretched))"
    r"|(?P<biggest>biggest|largest|bigger|larger)|(?P<smallest>smallest|smaller))\b"
)


# "Factory now is more big, we buy new machines": news of one node, no comparison asked
_GREW = re.compile(
    r"^\W*(?!(?:which|what|who|how|whose)\b)(?:the\s|our\s)?[\w§¤]+(?:\s[\w§¤]+)?\s(?:now\s)?"
    r"(?:is|got|has\sgot|became|'s)\s(?:now\s)?"
    r"(?:more\s(?:big|small|large)|bigger|smaller|larger)\b(?!.*\b(?:than|which|or)\b)"
)


_HOW_LOADED = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|now)\W+)*how\s(?:loaded|busy|full|stretched|utili[sz]ed)\s(?:are|is)\b"
)


def _rule_compare(step: _Step, m: str) -> _Outcome:
    if _GREW.match(m) and "?" not in step.text:
        return None
    if _HOW_LOADED.match(m) and not step.node_refs():
        return None  # "How loaded are the suppliers compared with the plant?": utilization
    compare = _COMPARE.search(m)
    worse = re.search(
        # ("Which one hurts throughput more?")
        r"\b(?:worse|worst|hurts?\s(?:us\s|\w+\s)?more|more\sdamaging|more\sserious|the\sbigger\simpact"
        r"|more\simpact|(?:hits?|hurts?)\s(?:us\s|the\s(?:p&l|pnl|bottom\sline|business|margins?|budget)\s)?(?:harder|hardest))\b",
        m,
    )
    if worse is not None and not re.search(
        r"\b(?:which|compar\w*|than|of\s(?:the|those|them))\b", m
    ):
        worse = None  # "run a worst-case cyber attack scenario" runs one
    if worse is not None and _ANY_TROUBLE.search(m) and not _SIMULATIONS.search(m[: worse.start()]):
        worse = None  # "Which sites are degraded or worse?": a status filter
    if compare is None and worse is None:
        return None
    if (
        (_MIN_CAP.search(m) or _MAX_CAP.search(m))
        and _PLURAL_TYPE.search(m)
        and not step.node_refs()
    ):
        return None  # "which suppliers have more than 15k capacity?": a filtered list
    refs = step.node_refs()
    free = [p for p in step.free_places() if p[2].city]
    if len(free) >= 2 and refs and all(r.ref.kind == "pronoun" for r in refs):
        # "Compare Rotterdam and Hamburg, how full they are": the nodes there, not "they"
        refs = [_Ref(s, e, NodeRef(step.text[s:e], "place", place=place)) for s, e, place in free]
    if re.search(r"\bif\b", m) and not re.search(r"\bcompar\w*", m):
        return None  # "if one site went down, which would hurt us most?" asks about risks
    about_runs = (
        re.search(
            r"\b(?:simulations?|sims?|scenarios?|runs?|results|what-?ifs?|stress\stests?|case|cases)\b"
            # "how does that compare with the Osaka failure?"
            # ("with the Valentine's spike": a name of the run said with it)
            r"|\b(?:the|that|this)\s(?:[\w¤§'-]+\s){0,3}?(?:failure|closure|spike|surge|outage|shutdown"
            r"|disaster|strike|earthquake|typhoon|flood)\b",
            m,
        )
        or worse
    )
    if about_runs is None and not refs and re.search(r"\b(?:the|these|those)\stwo\b", m):
        typed = [t for t in step.types() if re.search(r"\btwo\s(?:[\w-]+\s){0,2}$", m[: t[0]])]
        picked = _SUPERLATIVE.search(m)
        best = {"most": picked.lastgroup} if picked is not None and picked.lastgroup else {}
        if typed:
            # "which of the two suppliers is bigger now?": the suppliers (and "that one"
            # next is the bigger)
            return _cmd(step, "compare-nodes", {"node_type": typed[0][2], **best}, 0.8)
        # "which of the two is bigger now?": the two nodes just talked about.
        return _cmd(step, "compare-nodes", {"nodes": (NodeRef("them", "pronoun"),), **best}, 0.8)
    which = _WHICH_RUNS.findall(m) if compare is not None and not step.types() else []
    if about_runs is not None and all(
        r.ref.kind == "ordinal" and not r.ref.node_type for r in refs
    ):
        refs = []  # "the first scenario against the third one": runs, not nodes
    if len(which) >= 2 and not refs:
        # "compare the first and the third", "compare simulations 1 and 3"
        positions = tuple(_RUN_POSITION.get(w, -1 if w == "last" else 0) or int(w) for w in which)
        return _cmd(step, "compare-simulations", {"which": positions}, 0.85)
    if (about_runs is not None and len(refs) < 2) or (worse is not None and not refs):
        count = re.search(r"\b(?:last|past|previous)\s(?P<n>two|three|four|five|[2-5])\b", m)
        params: dict[str, Any] = {}
        if count is not None:
            value = parse_number(count.group("n"))
            if value is not None:
                params["count"] = int(value)
        return _cmd(step, "compare-simulations", params, 0.85)
    if compare is None:
        return None
    superlative = _SUPERLATIVE.search(m)
    most: dict[str, Any] = {}
    if superlative is not None and superlative.lastgroup is not None:
        most["most"] = superlative.lastgroup  # "which warehouse is the busiest": that one next
    listed = _listed(step, refs)
    if len(listed) < 2 and len(refs) >= 2:
        listed = refs
    if len(listed) >= 2:
        return _cmd(step, "compare-nodes", {"nodes": tuple(r.ref for r in listed), **most}, 0.9)
    types = step.types()
    if len(listed) == 1 and listed[0].ref.kind in ("name", "id") and free:
        # "Compare the Toronto and Dubai warehouses": "Dubai warehouses" reads as the node's
        # name, "Toronto" as the user's node of that type there.
        kind = listed[0].ref.node_type
        places = [_Ref(a, b, NodeRef(step.text[a:b], "place", kind, place)) for a, b, place in free]
        both = sorted([*listed, *places], key=lambda r: r.start)
        return _cmd(step, "compare-nodes", {"nodes": tuple(r.ref for r in both), **most}, 0.8)
    if len(step.places) >= 2 and not refs and all(p[2].city is None for p in step.places):
        # "APAC versus EMEA?", "How does North America compare with Europe on DC capacity?":
        # the totals of the regions (or countries) side by side, not one node in each
        by = "region" if all(p[2].country is None for p in step.places) else "country"
        grouped: dict[str, Any] = {"by": by, **({"node_type": types[0][2]} if types else {})}
        return _cmd(step, "list-nodes", grouped, 0.85)
    if len(step.places) >= 2 and not refs:
        # "between Hamburg and Antwerp, which warehouse ...": the nodes at those places.
        kind = types[0][2] if types else None
        nodes = tuple(
            NodeRef(step.text[start:end], "place", kind, place) for start, end, place in step.places
        )
        return _cmd(step, "compare-nodes", {"nodes": nodes, **most}, 0.8)
    if len(refs) == 1 and refs[0].ref.kind in ("pronoun", "ordinal") and _plural_ref(refs[0]):
        return _cmd(step, "compare-nodes", {"nodes": (refs[0].ref,), **most}, 0.8)
    if types:
        return _cmd(step, "compare-nodes", {"node_type": types[0][2], **most}, 0.8)
    return None


_CAPACITY_IN_USE = re.compile(
    r"\bhow\smuch\s(?:of\s(?:our|the|my)\s)?capacity\s(?:are|is|do|does)\s(?:we|you|they|it)\s"
    r"(?:actually\s|really\s)?(?:using|use|used)\b"
)


def _plural_ref(ref: Any) -> bool:
    return bool(ref.ref.text == "them" or ref.ref.several)


# ----------------------------------------------------------------------------- explain

_EXPLAIN = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|but|hmm|wait|sorry|then|also|please|pls|can\syou|could\syou"
    r"|would\syou)\W+)*(?:why(?!\s(?:don'?t|not)\s(?:we|you|i)\b)|how\scome|what\smakes|what'?s\sbehind|what\sis\sbehind"
    # "What's the method behind that rating?", "what's the logic behind the score"
    r"|what(?:'s|\sis|\swas)\sthe\s(?:method|methodology|logic|formula|maths?|math|reasoning|thinking)"
    r"\s(?:behind|for|of)"
    r"|how\s(?:exactly\s)?(?:did|do|does|is|are|was)\s(?:exactly\s)?(?:you|it|that|this|they|these"
    r"|those|the|our|my)(?:\s[\w\s]{1,30}?)?\s(?:get|compute|calculate|weight|weighted|weigh"
    r"|computed|calculated|work\sout|work\s(?:that|it|this)\sout|figure|derive|determined?|measured?"
    r"|scored?|decided?|come\sup|arrive\sat|reach|conclude|know"
    r"|arrive|rate|rated|estimate|estimated)"
    # "how is capacity at risk calculated?": a figure's name, then how it is computed
    r"|how\s(?:exactly\s)?(?:is|are|was|were)\s[\w\s%-]{2,40}?\s(?:calculated|computed|worked\sout"
    r"|derived|estimated|determined|measured|scored|rated|weighted|built\sup|put\stogether"
    r"|made\sup|arrived\sat)\b"
    # "Is it throughput over capacity?": the formula guessed, after asking how a figure is made
    r"|is\s(?:it|that|this)\s(?:just\s|simply\s|basically\s)?[\w\s]{2,30}?\s(?:over|divided\sby"
    r"|times|per|/)\s[\w\s]{2,30}?\W*$"
    # "explain like I'm five", "explain it in plain words": the last answer, simpler
    r"|explain\s(?:it\s|that\s|this\s)?(?:like|as\sif|as\sthough)\s(?:i'?m|i\sam|to)\b"
    r"|explain\s(?:it\s|that\s|this\s)?(?:in\s(?:plain|simple|simpler|easy)\s(?:words|english|terms)"
    r"|simply|more\ssimply)"
    r"|explain(?:\s(?:that|this|it|the\s(?:result|results|last|score|analysis|numbers|findings"
    r"|risk|bottleneck|simulation|anomal)\w*|why|how\syou|your|me\swhy|to\sme\swhy))"
    r"|walk\sme\sthrough|break\s(?:it|that|this)\sdown|what\sdrives|what\sdoes\sthat\smean\sfor"
    # "What changed between the two runs, and why?": the comparison just made, explained
    r"|what(?:'s|\sis)?\s(?:changed|different)\sbetween\s(?:the\s)?(?:two\s|2\s|last\stwo\s)?(?:runs"
    r"|simulations|scenarios|results|cases|what[\s-]ifs)"
    # "What's driving its score?", "what's behind that rating"
    r"|what(?:'s|\sis|\sare)\s(?:driving|behind|causing)\s(?:its|their|the|that|this)\s(?:[\w-]+\s)?"
    r"(?:score|rating|ranking|flag|risk)"
    # "Does utilization weigh more than having only two suppliers?": how the score weighs things
    r"|(?:does|do|is|are)\s[\w\s-]{2,30}?\s(?:weigh|weighted|count|matter)\s(?:more|less|as\smuch)\b"
    # "which inputs go into it?", "what goes into the score?"
    r"|(?:which|what)\s(?:inputs|factors|data|numbers|things|variables|weights)\s(?:go|goes|feed|are"
    r"\sused|count)|what\s(?:actually\s|really\s|exactly\s)?goes\sinto\s(?:it|that|this|the\s(?:[\w-]+\s)?(?:score|rating"
    r"|ranking|number))"
    # "explain how adding Bangkok changed the Kuala Lumpur score"
    r"|explain\s(?:to\sme\s)?how\s[^?]{0,60}?\b(?:changed?|moved?|affect\w*|improv\w*|lower\w*"
    r"|rais\w*|shift\w*)\b[^?]{0,40}\b(?:score|risk|rating|result|ranking|numbers?|utili[sz]ation)"
    r"|how\s(?:did|does|will|would)\s[^?]{1,40}?\s(?:change|move|affect|improve|lower|raise|shift)\s"
    r"(?:the|its|their|our)\s(?:[\w\s]{1,30}?\s)?(?:score|rating|ranking|risk)"
    # "explain how the figure for lost output was arrived at": how a number came about
    r"|explain\s(?:to\sme\s)?how\s(?:the|that|this|those|these|its|our|you)\s[^?]{0,60}?\b(?:was|were"
    r"|is|are|got)\s(?:arrived\sat|calculated|computed|worked\sout|derived|estimated|reached"
    r"|determined|measured|obtained))"
)
_TOPIC = {
    # ("capacity at risk", "days to recover": a what-if's figures, before "capacity" or "risk")
    "simulation": r"simulat\w*|scenarios?|impact|what[\s-]if|capacity\sat\srisk|recovery(?:\stime)?"
    r"|days\sto\srecover|lost\scapacity|capacity\slost",
    "risk": r"risks?|risky|at\srisk|exposed|exposure|vulnerab\w*",
    "single point of failure": r"single\spoints?\sof\sfailure|spof",
    "bottleneck": r"bottlenecks?|choke\s?points?|constrain\w*",
    "utilization": r"utili[sz]\w*|load(?:ed)?|busy|capacity",
    "anomaly": r"anomal\w*|odd|unusual|flagged|weird|strange",
}
_TOPIC_RE = re.compile(
    "|".join(f"(?P<{key.replace(' ', '_')}>\\b(?:{words})\\b)" for key, words in _TOPIC.items())
)


# "the mill in kalamata, why so high?": the node first, then why
_WHY_AFTER = re.compile(r",\s*(?:but\s|and\s)?why\s(?:so|is\sit\sso|is\sthat|are\sthey|is\sit)\b")


# "Explain what changed compared with the first result", "what's different since the last
# scan?": the last analysis beside the earlier run of the same kind
_CHANGED_SINCE = re.compile(
    r"\b(?:what(?:'?s|\sis|\shas|\shave)?\s(?:\w+\s)?(?:changed?|different|new)|the\s(?:difference|changes?)"
    # ("compare that with the last one" after a what-if compares the simulations)
    r")\s(?:\w+\s){0,2}?(?:compared\s(?:with|to)|since|from|versus|vs\.?|with|to|against|after)\s"
    r"(?:the\s|my\s|our\s)?(?P<since>first|previous|earlier|last|original|initial|old|other)"
    r"(?:\s(?:one|result|results|run|analysis|scan|check|time|report))?\b"
)


_WEIGHS = re.compile(r"\b(?:weigh|weighted|count|matter)\s(?:more|less|as\smuch)\b")


def _rule_explain(step: _Step, m: str) -> _Outcome:
    changed = _CHANGED_SINCE.search(m)
    if changed is not None:
        since = (
            "first" if changed.group("since") in ("first", "original", "initial") else "previous"
        )
        return _cmd(step, "explain", {"since": since}, 0.85)
    if not (_EXPLAIN.search(m) or _WHY_AFTER.search(m)):
        return None
    params: dict[str, Any] = {}
    node = _first_node(step)
    if node is not None and not (node.kind == "name" and _WEIGHS.search(m)):
        # ("Does utilization weigh more than having only two suppliers?": how the score weighs
        # a kind of thing, not a question about one node)
        params["node"] = node
    topic = _TOPIC_RE.search(m)
    if topic is not None and topic.lastgroup is not None:
        params["topic"] = topic.lastgroup.replace("_", " ")
    return _cmd(step, "explain", params, 0.85)


# ----------------------------------------------------------------------------- recommend

_RECOMMEND = re.compile(
    r"(?:^|[,;:]\s*)\W*(?:(?:so|and|but|ok|okay|hmm|then|now)\W+)*(?:should|shall|ought)\s(?:i|we)\b"
    # "how do we get more capacity in Lyon?": what to do, asked as how
    r"|\bhow\s(?:can|could|do|should|would)\s(?:i|we)\s(?:get|find|free\sup|make)\s(?:more|extra"
    r"|spare)\s(?:capacity|room|space)\b"
    r"|\bwhat\s(?:should|shall|would|could|can|do)\s(?:i|we|you)\s(?:do|suggest|recommend|advise"
    r"|propose)\b|\bwhat\sdo\syou\s(?:suggest|recommend|advise|propose|think\swe\sshould)\b"
    r"|\b(?:any\s|some\s|your\s)?(?:suggestions?|recommendations?|advice|ideas)\b(?!\s(?:above|below))"
    r"|\brecommend\w*\b|\badvis\w*\b|\bwhat\swould\syou\s(?:do|suggest|recommend)\b"
    r"|\b(?:anything|something)\s(?:(?:you'?d|you\swould|you)\s)?(?:suggest|recommend|advise)\b"
    r"|\balternat\w*\s(?:suppliers?|sources?|vendors?|plants?|warehouses?|nodes?|options?|routes?"
    r"|for|to)\b"
    r"|\bbackup\s(?:suppliers?|sources?|vendors?|options?)\b|\breplacements?\sfor\b"
    r"|\bwhere\s(?:should|could|would)\s(?:i|we|you)\s(?:add|put|open|build|place|locate)\b"
    # ("How would you reduce that exposure?": what the copilot would do)
    r"|\bhow\s(?:can|could|do|should|would)\s(?:i|we|you)\s(?:reduce|lower|cut|improve|fix|mitigate"
    r"|de-?risk|avoid|relieve|ease|balance|handle|deal\swith|prevent)\b"
    r"|\bis\sit\s(?:a\sgood\sidea|wise|smart|worth)\b|\bbest\s(?:way|option|move)\b"
    # "what's the cheapest way to add redundancy?", "how do we build in some redundancy"
    r"|\b(?:cheapest|quickest|easiest|fastest|simplest)\s(?:way|option|fix)\b"
    r"|\b(?:add|build\sin|more|get|need)\s(?:some\s|more\s)?redundan\w*|\bredundan\w*\s(?:options?|plan)"
    r"|\bwhat\sare\s(?:my|our)\soptions\b"
    # "by how much would we need to expand Suzhou Plant to handle a 35% spike?"
    r"|\bhow\smuch\s(?:more\s)?(?:would|should|do|will|must)\s(?:i|we)\s(?:need\sto\s|have\sto\s)?"
    r"(?:expand|add|grow|increase|scale|raise)\b"
    # "which supplier should we diversify?"
    r"|\b(?:which|what)\s(?:\w+\s){0,3}?(?:should|shall|ought\sto|do)\s(?:i|we)\s(?:diversif\w*"
    r"|de-?risk|dual[\s-]source|replace|back\s?up|prioriti[sz]e|focus\son|invest\sin|worry\sabout"
    r"|close|expand|fix\sfirst)\b|\b(?:how\s(?:can|could|should|do)\s(?:i|we)\s)?diversif\w*\b"
    # "tell me which one you'd put more capacity into"
    r"|\bwhich\s(?:one|of\s(?:them|the\stwo|these|those)|[\w-]+)\s(?:you'?d|would\syou|you\swould"
    r"|do\syou|should\swe|would\swe)\s(?:put|invest|add|give|pick|choose|prioriti[sz]e|expand|back"
    r"|bet|grow|favou?r)\b"
)
_GOAL = {
    "close": r"clos\w*|shut\w*|remov\w*|drop\w*|get\srid|decommission\w*|retire|cut|axe|phase\sout",
    "alternate-supplier": (
        r"alternat\w*|backup|replace\w*|another\ssupplier|second\ssource|dual|diversif\w*"
    ),
    "capacity": r"capacity|overload\w*|utili[sz]\w*|bottleneck\w*|expand\w*|add\b|more\sroom",
    "risk": r"risks?|exposure|resilien\w*|vulnerab\w*|de-?risk",
}
_GOAL_RE = re.compile(
    "|".join(f"(?P<{key.replace('-', '_')}>\\b(?:{words}))" for key, words in _GOAL.items())
)


def _rule_recommend(step: _Step, m: str) -> _Outcome:
    if not _RECOMMEND.search(m) or _COMMAND_VERB.match(m):
        return None
    if _ADD_VERB_RE.search(m) and not re.search(
        r"\b(?:should|shall|ought|would|could|worth|wise|good\sidea|sensible|redundan\w*)\b|\w'd\b"
        r"|\bhow\s(?:can|do)\s(?:i|we)\b",
        m,
    ):
        return None  # "add a backup supplier in Fukuoka" adds one
    if re.search(r"\bbackup\s(?:suppliers?|sources?|vendors?)\s(?:in|at|near|from)\s", m) and not (
        re.search(r"\?\s*$|^\W*(?:which|what|where|who|should|shall|could|would|can)\b", m)
    ):
        return None  # "Procurement is signing a backup supplier in Regina": one to add, said
    if re.search(r"\bshould\s(?:i|we)\s(?:be\s)?(?:worried|concerned|worry)\b", m):
        return _cmd(step, "identify-risks", {}, 0.7)
    params: dict[str, Any] = {}
    node = _node_for(step, m) or _first_node(step)
    choosing = (
        re.match(r"^\W*(?:which|what)\s", m) is not None
        or re.search(
            r"\b(?:a|an|another|a\ssecond|a\snew|one\smore)\s(?:[\w-]+\s)?(?:"
            + _TYPES
            + r")\b|\b(?:put|place|locate|open|build)\s(?:it|one|them)\b",
            m,
        )
        is not None
    )  # "is it worth adding a second plant? where would you put it?": a new one
    if node is not None and not (
        choosing and (node.kind == "pronoun" or (node.kind == "name" and node.node_type))
    ):
        # ("which supplier should we diversify?" asks it to choose, not about one supplier)
        params["node"] = node
    goal = _GOAL_RE.search(m)
    if re.search(r"\bredundan", m) or re.search(_GOAL["alternate-supplier"], m):
        # "add redundancy", "should we add a second supplier?": a second source
        params["goal"] = "alternate-supplier"
    elif goal is not None and goal.lastgroup is not None:
        params["goal"] = goal.lastgroup.replace("_", "-")
    return _cmd(step, "recommend", params, 0.8)


def _node_for(step: _Step, m: str) -> NodeRef | None:
    """The node said after "for" ("alternate suppliers we could lean on for Riyadh"): what
    the advice is for, not the kind of node it recommends."""
    for ref in step.node_refs():
        if not ref.bare_type and re.search(r"\bfor\s+(?:the\s+|our\s+)?$", m[: ref.start]):
            return ref.ref
    for start, end, place in step.free_places():
        if place.city and re.search(r"\bfor\s+(?:the\s+|our\s+)?$", m[:start]):
            return NodeRef(step.text[start:end], "place", place=place)
    return None


_RERUN = re.compile(r"\b(?:re-?run|run\s(?:[\w¤§-]+\s){0,4}?again|repeat|redo|re-?simulate)\b")
_FAILURE = re.compile(r"\b(?:failure|outage|fails?|failing|goes\sdown|going\sdown|shutdown|down)\b")


def _rule_rerun(step: _Step, m: str) -> _Outcome:
    """ "now rerun the Shenzhen Supplier failure": that node's failure again."""
    if not (_RERUN.search(m) and _FAILURE.search(m)):
        return None
    refs = [r.ref for r in step.node_refs()]
    there = step.lone_place(city=True)
    if not refs and there is not None:
        refs = [there.ref]  # "rerun the Tianjin failure": the user's node there
    if not refs:
        return None
    params: dict[str, Any] = {"node": refs[0]}
    duration = parse_duration_hours(step.text)
    if duration is not None:
        params["duration_hours"] = duration  # "... again but for 21 days"
    return _cmd(step, "what-if-supplier-failure", params, 0.85)


#: In the order they are tried, before the older families.
_BY_GROUP = re.compile(
    r"\b(?:by|per|for\seach|across|broken\sdown\sby|split\sby|grouped\sby|in\seach)\s(?:the\s)?"
    r"(?P<group>regions?|countr(?:y|ies)|continents?|(?:node\s)?types?|kinds?\sof\s(?:node|site)s?)\b"
)
_AMOUNT = re.compile(
    r"\b(?:capacity|capacities|sites|nodes|facilities|how\smany|how\smuch|totals?|numbers?"
    r"|breakdown|split|footprint)\b"
)


def _rule_totals_by(step: _Step, m: str) -> _Outcome:
    """ "capacity by region", "how much capacity in APAC versus EMEA versus the Americas?":
    the totals per group."""
    if not _AMOUNT.search(m):
        return None
    by = _BY_GROUP.search(m)
    group: str | None = None
    if by is not None:
        said = by.group("group")
        group = (
            "region"
            if said.startswith(("region", "continent"))
            else "country"
            if said.startswith("countr")
            else "type"
        )
    elif len([p for _s, _e, p in step.places if p.city is None]) >= 2 and re.search(
        r"\b(?:versus|vs\.?|compared\sto|against)\b", m
    ):
        regions = {p.region for _s, _e, p in step.places if p.city is None and p.country is None}
        group = "region" if len(regions) >= 2 else "country"
    if group is None:
        return None
    params: dict[str, Any] = {"by": group}
    types = step.types()
    if types:
        params["node_type"] = types[0][2]
    return _cmd(step, "list-nodes", params, 0.85)


CAPABILITY_RULES = (
    _rule_undo,
    _rule_totals_by,
    _rule_rerun,
    _rule_rename,
    _rule_alert_status,
    _rule_explain,
    _rule_recommend,
    _rule_trace,
    _rule_get_settings,
    _rule_compare,
    _rule_list,
)
