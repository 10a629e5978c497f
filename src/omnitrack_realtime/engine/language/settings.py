"""The rules that change the user's settings: risk profile, shipping methods, region,
industry and currency, read in the user's order when one step names several ("we're an
electronics maker based in Asia"), and questions about the current settings.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..commands import Command
from .outcomes import _ask, _cmd, _Outcome, _value_after_to
from .references import _Step
from .vocabulary import (
    _ADD_VERB_RE,
    _CURRENCY_RE,
    _INDUSTRY_RE,
    _METHOD_RE,
    _RISK_LEVEL_RE,
    _TYPE_RE,
)

_RISK_PROFILE = re.compile(
    r"\brisk\s(?:profile|tolerance|appetite|level|posture|setting|mode|stance|preference)s?\b"
    r"|\b(?:go|going|stick|run)\swith\s(?:a\s)?(?:low|medium|moderate|high)[\s-]risk\b"
    r"|\bplay(?:ing)?\sit\s(?:safe|cautious|conservative)\b"
    r"|\b(?:low|medium|moderate|high)[\s-]risk\s(?:approach|strategy|setting|mode)\b"
    r"|\brisk[\s-](?:averse|tolerant|seeking|taking|neutral)\b|\bappetite\sfor\srisk\b"
    r"|\btolerat\w*\s(?:an?\s)?(?:\w+\s){0,3}risks?\b"
    r"|^\W*(?:set|change|make|switch|put)\s(?:the\s|our\s|my\s)?risk\s(?:(?:to|=|:|as)\s)?"
    r"(?:low|medium|moderate|high)\b"
    r"|\b(?:be|play\sit|more|less)\s(?:more\s)?(?:conservative|aggressive|cautious)\b"
    r"|\b(?:fine|ok|okay|comfortable|happy|good|cool|willing)\s(?:with|to\stake)\s(?:a\s|on\s)?"
    r"(?:low|medium|moderate|high|more|less|some|lots\sof|little)\s(?:risk|risks)\b"
    r"|^\W*risk\s*(?::|=|-)?\s*(?:low|medium|moderate|high)\W*$"  # a checklist: "risk: medium"
    r"|\b(?:take|taking|accept\w*|tolerat\w*|handle|stomach|live\swith)\s(?:on\s)?(?:more|less"
    r"|low|high|medium|moderate|a\slot\sof|lots\sof|plenty\sof|(?:very\s)?little)\s(?:risk|risks)\b|\b(?:set|change|make|switch)\s(?:the\s|our\s|my\s)?risk\s(?:to|at|as)\b"
)


_REGION_CUE = re.compile(
    r"\bregions?\b|\b(?:operat\w*|focus\w*|based|located|headquartered|work\w*|expand\w*"
    r"|sell\w*|(?:business|sales|customers|clients|operations)\s(?:is|are)"
    r"|do\sbusiness|active|concentrat\w*|home\smarket|market)\s(?:mainly\s|mostly\s|primarily\s"
    r"|largely\s|chiefly\s|only\s)?(?:in|into|on|across|to|is|out\sof)\b|\bswitch\s(?:over\s)?to\b"
    r"|\bchange\s(?:over\s)?to\b|\bmove\s(?:over\s)?to\b"
    r"|\b(?:we'?re|we\sare|i'?m|i\sam)\s(?:\w+ly\s)?(?:in|across|all\sover|out\sof)\b"
    r"|\b(?:set|switch|change|move)\s(?:us|me|things|everything)\s(?:over\s)?(?:up\s)?(?:to|for|in)\b"
)
# The industry named as what the business is ("we're in pharma", "we're a food and beverage
# business", or alone "we make cars"); whom the user works for ("I'm consulting for a consumer
# electronics brand") is context, and so is what the business makes said beside a request
# (parser.py; docs/copilot.md).
_INDUSTRY_CUE = re.compile(
    r"\bindustr\w*|\bsectors?\b|\bverticals?\b|\b(?:business|biz|company|firm)\b|\bwe'?re\s(?:in|an?)\b"
    r"|\bwe\sare\s(?:in|an?)\b|\bdomain\b|\bin\sthe\s\w+\s(?:space|game|trade)\b"
    r"|\bwe\s(?:make|produce|manufacture|sell|build|do|ship)\b|\bour\s(?:products?|goods)\b"
)
_CURRENCY_CUE = re.compile(
    r"\bcurrenc\w*|\bccy\b|\bfx\b|\bprices?\b|\bpricing\b|\bdenominat\w*|\breport\w*\sin\b|\bmoney\b"
    r"|\bcosts?\b"
    r"|\bswitch\w*\s(?:(?:us|it|me|everything|things|all\s(?:\w+\s)?reporting|(?:our\s|the\s)?reporting"
    r"|(?:our\s|the\s)?books|(?:our\s|the\s)?accounts)\s)?(?:to|over\sto|into)\b|\buse\b|\bin\b|\bcash\b|\bset\b|\bchange\b|\bmake\sit\b|\bgo\swith\b"
)
_METHOD_CUE = re.compile(
    r"\bshipping\b|\bship\w*\b|\bfreight\b|\btransport\w*\b|\bmodes?\b|\bmethods?\b"
    r"|\benabl\w*|\ballow\w*|\bsupport\w*|\blanes?\b|\bcarriers?\b|\bdelivery\b|\blogistics\b"
    r"|\bvia\b|\bby\b|\buse\b|\badd\b|\b(?:turn|switch)\w*\son\b|\bactivat\w*|\boffer\w*"
)


def _rule_risk_profile(step: _Step, m: str) -> _Outcome:
    if not _RISK_PROFILE.search(m):
        return None
    level = _value_after_to(_RISK_LEVEL_RE, m)
    if level is None:
        return _ask(step, "Which risk profile: low, medium or high?", "set-risk-profile", 0.5)
    return _cmd(step, "set-risk-profile", {"level": level}, 0.9)


_LANE_OF = re.compile(
    r"¤+\s(?:lanes?|routes?|links?|connections?|leg|shipments?)\b|\b(?:lanes?|routes?"
    r"|links?|connections?|shipments?)\s(?:from|of|out\sof|into|to)\s¤"
)


_WHAT_IT_COSTS = re.compile(
    r"\b(?:costing|costs?|cost\sus|spending|spent|paying|paid|fortune|expensive|bills?|burning)\b"
)
_METHOD_REQUEST = re.compile(
    r"\b(?:add|enable|use|set|allow|activate|switch\sto|turn\son|offer|start)\b"
)


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
    if _WHAT_IT_COSTS.search(m) and not _METHOD_REQUEST.search(m):
        return None  # "it's costing us a fortune in expedited freight": a complaint, no request
    # "add a warehouse ... by truck" is about the warehouse; only a method request counts.
    if _TYPE_RE.search(m) and _ADD_VERB_RE.search(m) and not named:
        bare_types = [r for r in step.refs() if r.bare_type]
        if bare_types and not re.search(r"\b(?:for|on|to)\s", m):
            return None
    method = _value_after_to(_METHOD_RE, m) or method_match.lastgroup
    assert method is not None
    params: dict[str, Any] = {"method": method}
    refs = step.node_refs()
    lone = step.lone_place(city=True) if not refs and _LANE_OF.search(m) else None
    if refs:
        params["node"] = refs[0].ref
    elif lone is not None:
        params["node"] = lone.ref  # "switch the Dhaka lane to rail": the user's node there
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


_CURRENCY_AFTER = re.compile(
    r"\s*(?:dollars?|pounds?|yen|yuan|euros?|francs?|rupees?|pesos?|reais|real|won|krona|krone"
    r"|kronor|rand|ringgit|baht|lira|riyals?|dirhams?|currency)\b"
)


def _rule_region(step: _Step, m: str) -> _Outcome:
    cue = _REGION_CUE.search(m)
    if cue is None:
        return None
    # "we work in US dollars": the country names the currency, not where the network is.
    region_places = [
        p for p in step.places if p[2].city is None and not _CURRENCY_AFTER.match(step.masked, p[1])
    ]
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
    # ("New Zealand dollars": the country, masked as a place, says which dollars)
    said_whole = _value_after_to(_CURRENCY_RE, step.text.lower())
    if currency is not None and said_whole is not None and currency in _BARE_CURRENCY:
        currency = said_whole
    if currency is None and said_whole is not None and _CURRENCY_CUE.search(m):
        currency = said_whole  # "put the currency in brazilian real": the nation said, masked
    if currency is None:
        if re.search(r"\bcurrenc\w*", m):
            return _ask(
                step,
                "Which currency? For example USD, EUR, GBP, INR, JPY or another ISO code.",
                "set-currency",
                0.5,
            )
        return None
    if re.search(r"\d[\d,.]*\s?(?:k\s)?" + _CURRENCY_RE.pattern, m):
        return None  # "20 pounds heavier", "5k dollars": an amount, not the currency
    alone = re.sub(r"\b(?:please|pls|thanks|thank\syou|then|ok|okay)\b", "", m)
    if not _CURRENCY_CUE.search(m) and not re.fullmatch(r"\W*\w+\W*", alone):
        return None
    return _cmd(step, "set-currency", {"currency": currency}, 0.9)


# What a currency's bare name ("dollars", "rupees", "francs", "pesos", "pounds") is read as
_BARE_CURRENCY = frozenset({"USD", "INR", "CHF", "MXN", "GBP"})


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


#: The setting rules: when one matches a step, the others are tried on it too.
_SETTING_RULES = _setting_rules()
#: The setting intents: the same setting said twice in one message is one request.
_SETTINGS = frozenset({"set-region", "set-industry", "set-currency", "set-risk-profile"})
