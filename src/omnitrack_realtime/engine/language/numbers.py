"""Numbers, durations and percentages as people write them: "5k", "twenty five thousand",
"two weeks", "thirty percent", "doubles".

Pure: regular expressions built once at import. ``_NUMBER`` and ``_DIGITS`` are the number
patterns the other modules embed in theirs.
"""

from __future__ import annotations

import re

__all__ = ["parse_duration_hours", "parse_number", "parse_percent"]

_SMALL = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "a couple": 2,
    "a few": 3,
    "several": 3,
    "a dozen": 12,
    "dozen": 12,
    "half a": 0.5,
    "half an": 0.5,
}
_SCALE = {"hundred": 100, "thousand": 1_000, "k": 1_000, "m": 1_000_000, "mn": 1_000_000}
_SCALE["million"] = 1_000_000
_SCALE.update(billion=1_000_000_000, bn=1_000_000_000)
# The Indian system: "12 lakh units", "2 crore", "12,00,000"
_SCALE.update(lakh=100_000, lakhs=100_000, lac=100_000, lacs=100_000)
_SCALE.update(crore=10_000_000, crores=10_000_000, cr=10_000_000)
_WORD_SCALES = r"hundred|thousand|million|billion|lakhs?|lacs?|crores?"

_WORD_NUM = "|".join(
    sorted((re.escape(w) for w in _SMALL if w not in ("a", "an")), key=len, reverse=True)
)
_DIGITS = r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: A number: digits with separators and an optional scale ("5,000", "5k", "1.5 million"), or
#: number words ("twenty five thousand", "fifty").
_NUMBER = (
    # ("20,000 m/month": metres, not millions)
    rf"(?:(?:{_DIGITS})(?:\s?(?:k|m(?!\s?/)|mn|bn|cr)\b|\s(?:{_WORD_SCALES})\b)?"
    rf"|(?:{_WORD_NUM})(?:[\s-](?:{_WORD_NUM}))*(?:\s(?:{_WORD_SCALES}))*)"
)
_NUMBER_RE = re.compile(rf"(?<![\w.])({_NUMBER})(?![\w])", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    """The value of a number written in digits or words ("5,000", "5k", "twenty five
    thousand", "1.5 million"), else None."""
    words = text.strip().lower().replace("-", " ")
    if not words:
        return None
    match = re.fullmatch(rf"({_DIGITS})\s?(k|m|mn|bn|cr|{_WORD_SCALES})?", words)
    if match:
        value = float(match.group(1).replace(",", ""))
        if match.group(2) == "m" and value >= 1000:
            return value  # "20,000 m": metres (no one writes twenty thousand million so)
        return value * _SCALE.get(match.group(2) or "", 1)
    total = 0.0
    current = 0.0
    seen = False
    tokens = words.split()
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2])
        triple = " ".join(tokens[i : i + 3])
        if triple in _SMALL:
            current += _SMALL[triple]
            i += 3
        elif pair in _SMALL:
            current += _SMALL[pair]
            i += 2
        elif tokens[i] in _SMALL:
            current += _SMALL[tokens[i]]
            i += 1
        elif tokens[i] in ("hundred",):
            current = (current or 1) * 100
            i += 1
        elif tokens[i] in _SCALE and tokens[i] != "hundred":
            total += (current or 1) * _SCALE[tokens[i]]
            current = 0
            i += 1
        elif tokens[i] == "and" and seen:
            i += 1
            continue
        else:
            return None
        seen = True
    return total + current if seen else None


_UNIT_HOURS = {
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "w": 168.0,
    "wk": 168.0,
    "wks": 168.0,
    "week": 168.0,
    "weeks": 168.0,
    "fortnight": 336.0,
    "fortnights": 336.0,
    "month": 720.0,
    "months": 720.0,
    "mo": 720.0,
}
_DURATION_RE = re.compile(
    rf"(?:(?<![\w.])(?P<num>{_NUMBER}|an?|half an?)\s?-?\s?"
    r"(?P<unit>hours?|hrs?|h|days?|d|weeks?|wks?|w|fortnights?|months?|mo)\b"
    r"|\b(?P<lone>fortnight|overnight)\b)",
    re.IGNORECASE,
)
# A duration only counts as one when it says how long ("for 3 days", "lasting two weeks",
# "72 hours"), not when it says when ("next month", "in 2 weeks", "2 days ago").
_NOT_DURATION_BEFORE = re.compile(r"\b(?:next|in|within|after|last|past|every|per)\s*$", re.I)


def parse_duration_hours(text: str) -> float | None:
    """The first duration in ``text`` in hours ("two weeks" -> 336, "72h" -> 72, "a month" ->
    720), ignoring time references such as "next month" or "in 2 days"."""
    for match in _DURATION_RE.finditer(text):
        before = text[: match.start()]
        after = text[match.end() : match.end() + 6].lower()
        if _NOT_DURATION_BEFORE.search(before) or after.startswith(" ago"):
            continue
        if match.group("lone"):
            return 336.0 if match.group("lone").lower() == "fortnight" else 12.0
        num_text = match.group("num").lower()
        unit = match.group("unit").lower()
        if num_text in ("a", "an") and unit in ("d", "w", "h", "mo"):
            continue
        value = parse_number(num_text)
        if value is None:
            continue
        return value * _UNIT_HOURS[unit]
    return None


_PERCENT_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUMBER})\s?(?:%|percent\b|per\s?cent\b|pct\b)", re.IGNORECASE
)
_MULTIPLIER_RE = re.compile(
    r"\b(?P<word>doubl\w*|twice|tripl\w*|quadrupl\w*|(?P<x>\d+(?:\.\d+)?)\s?x|x\s?(?P<x2>\d+))\b",
    re.IGNORECASE,
)


def parse_percent(text: str) -> float | None:
    """The first percentage in ``text`` ("30%", "thirty percent"), or the increase a
    multiplier means ("doubles" -> 100, "triples" -> 200, "3x" -> 200), else None."""
    match = _PERCENT_RE.search(text)
    if match:
        return parse_number(match.group("num"))
    match = _MULTIPLIER_RE.search(text)
    if match:
        word = match.group("word").lower()
        if word.startswith(("doubl", "twice")):
            return 100.0
        if word.startswith("tripl"):
            return 200.0
        if word.startswith("quadrupl"):
            return 300.0
        factor = float(match.group("x") or match.group("x2"))
        if factor > 1:
            return (factor - 1) * 100
    if re.search(r"\bby half\b|\bhalf again\b", text, re.IGNORECASE):
        return 50.0
    return None
