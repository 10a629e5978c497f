"""Reading one step: the intent rules tried in order, the first that recognises its intent
winning, from the most specific ("disconnect", "what if ... port ... closes") to the most
general ("show me ..."). The rules read the masked, lower-case step (see :mod:`.references`);
each family lives in its own module (:mod:`.connections`, :mod:`.edits`, :mod:`.scenarios`,
:mod:`.settings`, :mod:`.queries`). Here too: the help rules and the negation guard ("don't
add a supplier" must not add one).
"""

from __future__ import annotations

import re
from typing import Any

from ..commands import (
    ADDED_TYPE,
    CHANGING_INTENTS,
    SETTING_OF,
    SIMULATION_INTENTS,
    Act,
    Clarification,
    Command,
    NodeRef,
)
from .capabilities import CAPABILITY_RULES, _rule_explain
from .connections import _rule_bare_link, _rule_connect, _rule_disconnect
from .edits import _rule_add, _rule_remove, _rule_status_statement, _rule_update
from .mood import ALWAYS_OUT_OF_SCOPE, Mood, mood, out_of_scope_at
from .names import _Names
from .numbers import parse_duration_hours
from .outcomes import _ask, _cmd, _Outcome
from .queries import _rule_alerts, _rule_analysis, _rule_details, _rule_summary
from .references import _analyse, _Step
from .scenarios import (
    _rule_demand_spike,
    _rule_port_closure,
    _rule_simulation,
    _rule_supplier_failure,
    partial_severity,
)
from .settings import (
    _SETTING_RULES,
    _rule_currency,
    _rule_industry,
    _rule_region,
    _rule_risk_profile,
    _rule_settings_query,
    _rule_shipping_method,
    _setting_position,
)
from .vocabulary import _TYPES

_HOW_TO = re.compile(
    r"(?:^\W*|\b)(?:how\s(?:do|can|should|would)\s(?:i|we)|how\sto|^\W*help\s(?:with|on|about)|what\s(?:can|do)\s(?:i|we)\s"
    r"(?:ask|say|type|do)\b(?!\s(?:about|with|now|next|if)\b)|what\scan\syou\s(?:actually\s|really\s|even\s|exactly\s|all\s)?do\b|how\s(?:does|do)\s(?:this|it|you)\s(?:\w+\s)?work"
    r"|how\s(?:does|do)\s(?:the|an?)\s(?P<works>[\w-]+(?:\s[\w-]+){0,2})\swork\b"
    r"|what\s(?:exactly\s|actually\s|really\s)?(?:does|do)\s(?P<means>.{1,40}?)\smean\b"
    # "Might I ask what 'degraded' means in your system?": the question said indirectly
    r"|what\s(?P<means2>['\"]?[\w\s§-]{1,30}?['\"]?)\smeans\b"
    r"|what\sis\smeant\sby|explain\s(?:to\sme\s)?(?:what|how|why)(?!\s(?:happens|would|will|if)\b)"
    r"|what'?s\sthe\sdifference\sbetween"
    r"|what\sdo\syou\sdo|what\sare\syou|who\sare\syou"
    # "What's a single point of failure, in plain words?": a term defined
    r"|^\W*what(?:'s|\sis)\san?\s(?P<term>[\w\s-]{3,40}?),?\s(?:in\s(?:plain|simple|simpler|easy)\s"
    r"(?:words|english|terms)|exactly|again|anyway)\W*$"
    # "What is this tool able to do?", "what can this thing do for me?"
    r"|what\s(?:is|are|can)\s(?:this|the)\s(?:tool|thing|app|assistant|copilot|bot|system)\s"
    r"(?:actually\s|really\s|even\s|exactly\s)?(?:able\sto\s|capable\sof\s)?(?:do|doing|good\sfor)\b"
    # "What is this tool actually for, and what can I do with it?"
    r"|what\s(?:is|'s)\s(?:this|the)\s(?:tool|thing|app|assistant|copilot|bot|system)\s"
    r"(?:actually\s|even\s|really\s|meant\s)?for\b"
    r"|what\s(?:can|could)\s(?:i|we)\s(?:actually\s)?do\swith\s(?:it|this|this\s(?:tool|thing|app))\W*$"
    r"|what\s(?:kinds?|sorts?|types?)\sof\s(?:things|stuff|questions|requests|commands)\s"
    r"(?:can|could|should|do)\s(?:i|we|you)"
    r"|what\sare\s(?:my|the|your)\s(?:options|commands)|show\s(?:me\s)?(?:the\s)?commands"
    r"|what\s(?:can|does)\s(?:this|it|the\s\w+|an?\s\w+)(?:\s\w+)?\sdo\b|list\s(?:the\s)?commands|(?:give\sme\s)?(?:some\s)?examples|^\W*help\W*$)",
    re.IGNORECASE,
)


# "I'm not sure how to read this, but is anything at risk?": a hedge, not a request for help
# when the message asks something else too.
_HEDGE = re.compile(
    r"\b(?:not\s(?:\w+\s)?sure|unsure|no\sidea|don'?t\s(?:\w+\s)?know|new\sto)\b", re.I
)


_VAGUE_TOPIC = re.compile(r"(?:\w+\s)?(?:this|that|it|these|those|all\sthis)?", re.I)


def _is_hedge(command: Command) -> bool:
    """A help step that only hedges ("I'm not sure how to read this"); "I'm new to this, how
    do I add a supplier?" asks a real question."""
    return (
        command.intent == "help"
        and _HEDGE.search(command.text) is not None
        and _VAGUE_TOPIC.fullmatch(str(command.params.get("topic", ""))) is not None
    )


# "what is a distribution center?": a definition (help on that term), not a node's details.
_DEFINITION = re.compile(
    r"\bwhat\s(?:is|'s|are|exactly\sis|does)\s(?:an?\s|the\sdifference\sbetween\s(?:an?\s|the\s)?)['\"‘“]?(?P<term>"
    + _TYPES
    + r"|single\spoints?\sof\sfailure|bottlenecks?|anomal(?:y|ies)|utili[sz]ation|cascade"
    r"|lead\stimes?|safety\sstock)\b(?!\s(?:in|at|near|called|named)\b)"
    r"|^\W*(?:\w+\W+)?what\s(?:(?:is|'s|are)\s)?(?:mean\s|meaning\sof\s|means\s)?(?:exactly\s)?"
    r"(?:an?\s)?\W*"
    r"(?P<abstract>single\spoints?\sof\sfailure|utili[sz]ation|cascade"
    r"|lead\stimes?|safety\sstock|anomal(?:y|ies)|bottlenecks?)(?:\s(?:exactly|again|really|mean))?"
    r"\W*$"
    # "how do you define disrupted vs degraded?", "what do you mean by 'degraded'?"
    r"|\b(?:how\sdo\syou\sdefine|define|what\sdo\syou\smean\sby|what'?s\sthe\sdifference\sbetween"
    r"|difference\sbetween)\s\W*(?P<defined>degraded|disrupted|offline|operational|utili[sz]ation"
    r"|a\s(?:bottleneck|single\spoint\sof\sfailure)|risk|severity)\b"
)


def _rule_definition(step: _Step, m: str) -> _Outcome:
    match = _DEFINITION.search(m)
    if match is None:
        return None
    topic = match.group("term") or match.group("abstract") or match.group("defined")
    return _cmd(step, "help", {"topic": topic}, 0.85)


def _rule_help(step: _Step, m: str) -> _Outcome:
    match = _HOW_TO.search(m)
    if match is None or _ASKS_ADVICE.search(m):
        return None  # ("how can we reduce our risk?" asks for a recommendation)
    # "how does the bottleneck analysis work": the topic is inside the question.
    inside = next(
        (g for g in ("works", "means", "means2", "term") if match.group(g) is not None), None
    )
    start, end = match.span(inside) if inside is not None else (match.end(), len(step.text))
    topic = step.text[start:end].strip(" ?.!'\"")
    return _cmd(step, "help", {"topic": topic} if topic else {}, 0.9)


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


# "should we close the Chicago DC?" asks for advice: the copilot helps judge, not decides.
_ADVICE = re.compile(
    r"^\W*(?:so\s|and\s|but\s)?(?:should|shall|ought)\s(?:i|we)\s(?:to\s)?"
    r"(?!(?:be\s)?(?:worried|concerned|look|check|see|know|worry)\b)"
)


def _rule_advice(step: _Step, m: str) -> _Outcome:
    if not _ADVICE.match(m):
        return None
    named = [r.ref.text for r in step.node_refs() if r.ref.kind in ("name", "id")]
    example = f"what if {named[0]} goes offline" if named else "what if demand spikes 30%"
    return _ask(
        step,
        "That's your call, but I can help you weigh it: I can identify risks, find "
        f'bottlenecks, or simulate the change first (e.g. "{example}"). What would you like '
        "to look at?",
        None,
        0.4,
    )


_HELP_ANY = re.compile(
    # "I'm lost" asks for help; "RUH-DC1 lost its cooling" tells what happened
    r"\bhelp\b|\bassist\w*|\bconfused\b|\bstuck\b|\bguide\b|\bno\sidea\b"
    r"|\b(?:i'?m|i\sam|feel(?:ing)?|(?:a\sbit|bit|little|totally|completely|so))\slost\b|^\W*lost\W*$"
    r"|\bcommands?\b|\bcapabilit\w*|\bfeatures\b|\bwhat\scan\s(?:i|we)\s(?:say|ask|do|type)\b"
)


# "thank you for your prompt assistance", "thanks for your patience and help": thanks for help
# given, not a request for it.
_THANKS_FOR = re.compile(r"\b(?:thank|thanks|grateful|appreciat\w*|regards)\b")


_ASKS_ADVICE = re.compile(
    r"\bhow\s(?:can|could|do|should|would)\s(?:i|we|you)\s(?:reduce|lower|cut|mitigate|de-?risk"
    r"|add\s(?:some\s|more\s)?redundan\w*|build\sin\s(?:some\s)?redundan\w*|diversif\w*"
    # "how do we get more capacity in Lyon?", "how can we free up the plant?"
    r"|(?:get|find|free\sup|make)\s(?:more|extra|spare)\s(?:capacity|room|space)|free\sup|protect"
    r"|improve|strengthen|relieve|unblock|fix)\b"
)


def _rule_help_fallback(step: _Step, m: str) -> _Outcome:
    if _HELP_ANY.search(m) and not _THANKS_FOR.search(m):
        return _cmd(step, "help", {}, 0.7)
    return None


# Each rule returns an outcome when it recognises its intent, else None; first hit wins.
_RULES = (
    *CAPABILITY_RULES[:3],
    _rule_explain,
    _rule_definition,
    _rule_help,
    *(rule for rule in CAPABILITY_RULES[3:] if rule is not _rule_explain),
    _rule_settings_query,
    _rule_disconnect,
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


# Requests no intent serves, whatever nodes they mention ("write an email to our supplier").
_OUT_OF_SCOPE = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s(?:you|u)\s(?:please\s)?|please\s|pls\s)?"
    r"(?:write|draft|compose|send|translate)\s(?:me\s|us\s)?(?:an?\s|the\s)?(?:\w+\s)?"
    r"(?:e-?mails?|letters?|messages?|notes?|memos?|repl(?:y|ies)|poems?|essays?|texts?)\b"
)


def _parse_step(text: str, names: _Names) -> _Outcome:
    step = _analyse(text, names)
    return _apply_rules(step, step.masked)


def _apply_rules(step: _Step, m: str) -> _Outcome:
    if _OUT_OF_SCOPE.match(m):
        return None
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


# The out-of-scope verb opens the clause ("book a truck from Hamburg to Lyon"): the places in
# it do not make it a request to link them.
_LEADS = re.compile(
    r"^\W*(?:(?:please|pls|can\syou|could\syou|and|also|then|now|ok|okay|so|well|hi|hey)\W+)*\w+"
)


# "I lead sustainability at a sportswear brand": who the user is, not a request (even when
# it names something the copilot cannot do).
_ABOUT_THE_USER = re.compile(
    r"^\W*(?:(?:hi|hello|hey|so|well|ok|okay)\W+)*(?:i|we)(?:'m\s|'re\s|\s(?:(?:am|are)\s)?)(?:lead|run"
    r"|manage|head|work|working|studying|learning|own|oversee|handle|look\safter|coordinate|in\scharge"
    r"|responsible|new\sto"
    r"|the\s\w+\s(?:lead|manager|director|head|officer))\b(?!.*\?)"
)
_TAKES_BACK = re.compile(
    r"(?:\b(?:sorry|scusa|oops|whoops|my\s(?:bad|mistake)|meant|should\shave|typo|wrong|correction)"
    r"|^\W*(?:(?:no|nope|hmm+)\W+)*wait|^\W*(?:no|nope)\W+)\b.*\bnot\s(?:in\s|at\s)?[¤§]"
    r"|\bnot\s[¤§]+.*\b(?:sorry|meant|should\shave|my\sbad|typo)\b"
    # "the warehouse is in Penang, not Kuala Lumpur": a node said to be elsewhere
    r"|\b(?:is|was|it'?s)\s(?:in|at)\s[¤§]+,?\snot\s(?:in\s|at\s)?[¤§]"
)


#: A plan for later, said as a statement ("the plan is to close it next quarter", "we intend to
#: open one in Lyon next year"): context, never a change now.
PLANNED = re.compile(
    r"\b(?:the\s|our\s)?plan\sis\sto\b|\b(?:we|i)\s(?:plan|intend|hope|are\splanning|'re\splanning"
    r"|are\sgoing|'re\sgoing|might|may)\sto\b.*\b(?:next|later|eventually|someday|in\s\d{4})\b"
    r"|\b(?:eventually|at\ssome\spoint|in\sthe\slong\srun)\b"
)


_REASON_CLAUSE = re.compile(
    r"\s(?:as|because|since|given\sthat|so\sthat|now\sthat|seeing\sthat)\s(?:we|i|they|our|my"
    r"|the|all|most)\b"
)


def _read_clause(text: str, names: _Names) -> _Outcome | Act:
    """One clause, its mood read before its intent: a negated clause does nothing, a
    hypothetical one simulates or asks, a question reads instead of changing, a correction
    of the last change is handed to the dialogue manager, and what no intent serves is said
    to be out of scope."""
    step = _analyse(text, names)
    m = step.masked
    kind = mood(m)
    if kind is Mood.NEGATED:
        return Act("cancelled", text, text)
    if PLANNED.search(m):
        return None  # "the plan is to close it next quarter": what will happen, not a request
    outcome = _apply_rules(step, m)
    found = out_of_scope_at(m) if not _ABOUT_THE_USER.match(m) else None
    reason = _REASON_CLAUSE.search(m)
    if found is not None and reason is not None and found[1] > reason.start() > 0:
        found = None  # "Currency USD as we invoice in dollars": why, not a request
    if found is not None:
        topic, start = found
        lead = _LEADS.match(m)
        # The clause opens with what cannot be done ("call the plant manager", "email it",
        # "can you open a support ticket").
        opens = lead is not None and len(m[lead.end() : start].split()) <= 3
        simulated = (
            isinstance(outcome, list)
            and kind is Mood.HYPOTHETICAL
            and all(c.intent in SIMULATION_INTENTS for c in outcome)
        )  # "what if transit times double?": a delay to simulate, not lead times to track
        if not simulated and (
            not isinstance(outcome, list) or opens or topic in ALWAYS_OUT_OF_SCOPE
        ):
            return Act("out-of-scope", text, topic)
    if kind is Mood.CORRECTION and (not isinstance(outcome, list) or _TAKES_BACK.search(m)):
        # "Sorry, I should have said Bradford, not Leeds, for the store": the value named as
        # wrong says this corrects an earlier change, though it also reads as a request.
        return Act("correction", text)
    if isinstance(outcome, list):
        if kind is Mood.HYPOTHETICAL:
            return _as_hypothetical(step, outcome)
        if kind is Mood.QUESTION:
            return _as_question(outcome)
    return outcome


def _node_of(command: Command) -> NodeRef | None:
    for key in ("node", "source"):
        value = command.params.get(key)
        if isinstance(value, NodeRef):
            return value
    return None


def _as_hypothetical(step: _Step, commands: list[Command]) -> _Outcome:
    """ "What if we removed Lyon Plant?" simulates losing it; a hypothetical never changes
    the twin."""
    out: list[Command] = []
    for command in commands:
        if command.intent not in CHANGING_INTENTS:
            out.append(command)
            continue
        node = _node_of(command)
        outage = command.intent == "remove-node" or (
            command.intent == "update-node"
            and command.params.get("status") in ("offline", "disrupted", "degraded")
        )
        if outage and node is not None:
            params: dict[str, Any] = {"node": node}
            severity = partial_severity(step, step.masked)
            if severity is not None:
                params["severity"] = severity  # "... output drops 40% for two weeks"
            hours = parse_duration_hours(step.text)
            if hours is not None:
                params["duration_hours"] = hours
            out.append(Command("what-if-supplier-failure", params, command.confidence, step.text))
            continue
        return Clarification(
            "That sounds hypothetical: should I simulate it, or make the change for real?",
            command.intent,
            0.5,
            step.text,
        )
    return out


def _as_question(commands: list[Command]) -> list[Command]:
    """A question reads the twin: "is A connected to B?" shows A, "are we in euros?" the
    settings, "do we have a warehouse in Lyon?" the warehouses there."""
    out: list[Command] = []
    for command in commands:
        if command.intent not in CHANGING_INTENTS or command.intent in ("undo", "redo"):
            out.append(command)
            continue
        node = _node_of(command)
        if command.intent in SETTING_OF:
            params = {"setting": SETTING_OF[command.intent]}
            out.append(Command("get-settings", params, command.confidence, command.text))
        elif command.intent.startswith("add-") and command.intent != "add-shipping-method":
            params = {"node_type": ADDED_TYPE[command.intent]}
            if command.params.get("place") is not None:
                params["place"] = command.params["place"]
            out.append(Command("list-nodes", params, command.confidence, command.text))
        elif command.intent in ("acknowledge-alert", "resolve-alert"):
            out.append(Command("get-recent-alerts", {}, command.confidence, command.text))
        elif node is not None:
            out.append(
                Command("get-node-details", {"node": node}, command.confidence, command.text)
            )
        else:
            out.append(command)
    return out
