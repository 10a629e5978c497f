"""What an intent rule returns, and the helpers every family of rules builds it with.

A rule reads one :class:`~.references._Step` (its text, and ``m``: the masked lower-case copy)
and returns an :data:`_Outcome`: commands, a clarifying question, or None when the step is
not its intent. Also here: the few cues several families read (a question, a status report, a
simulation).
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

from ..commands import Clarification, Command, Place
from .references import _Ref, _Step

# What a step yields: commands, a question, or nothing understood.
_Outcome = list[Command] | Clarification | None


def _cmd(step: _Step, intent: str, params: dict[str, Any], confidence: float) -> list[Command]:
    if step.fuzzy:
        confidence -= 0.05
    return [Command(intent, params, round(max(0.3, min(1.0, confidence)), 2), step.text)]


def _ask(step: _Step, question: str, intent: str | None, confidence: float = 0.5) -> Clarification:
    return Clarification(question, intent, confidence, step.text)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.lastgroup.replace("_", "-") if match.lastgroup else None


def _value_after_to(pattern: re.Pattern[str], text: str) -> str | None:
    """The value named after "to"/"as"/"is"/":" if any ("set risk profile to high"), else the
    first value anywhere."""
    anchor = re.search(r"\b(?:to|as|is|at|=|:)\s", text)
    if anchor is not None:
        value = _first(pattern, text[anchor.end() :])
        if value is not None:
            return value
    return _first(pattern, text)


def _place_phrase(place: Place) -> str:
    return place.city or place.country or place.region


def _whole(value: float) -> float:
    """``value`` rounded to a whole number; infinity (a number with hundreds of digits) stays
    as it is, for the action's range check to refuse in words (``round`` would raise)."""
    return round(value) if math.isfinite(value) else value


def _listed(step: _Step, refs: list[_Ref]) -> list[_Ref]:
    """The references named as a list at the start of ``refs`` ("A, B and C")."""
    out = refs[:1]
    for before, after in itertools.pairwise(refs):
        gap = step.masked[before.end : after.start]
        if before.bare_type or after.bare_type or after.ref.kind == "pronoun":
            # "the warehouse of Perth, it has ...": the pronoun repeats the node, no list.
            break
        if not re.fullmatch(r"\s*(?:,|and|&|,\s*and|as\swell\sas|plus)\s*(?:the\s+)?", gap):
            break
        out.append(after)
    return out


_THE_ONE = re.compile(r"\b(?:the|our|my)\s+(?:only\s+|one\s+|single\s+)?$")


def _the_one(step: _Step, m: str) -> list[_Ref]:
    """The single bare type named with "the" ("the store"), as a one-item list, else []."""
    bare = [r for r in step.refs() if r.bare_type and _THE_ONE.search(m[: r.start])]
    if len(bare) != 1:
        return []
    surface = m[bare[0].start : bare[0].end]
    return [] if surface.endswith("s") and not surface.endswith("ss") else bare


# Cues several families of rules read.

_QUESTION = re.compile(
    r"^[^\w§¤]*(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should)\s",
    re.IGNORECASE,
)
_STATUS_REPORT = re.compile(r"\bstatus\s(?:updates?|reports?|check)\b")
_SIMULATE = re.compile(
    r"\bsimulat\w*|\bsims?\b|\bscenario\w*|\bstress[\s-]?test\w*|\bmodel\b|\bwhat\sif\b"
    r"|\bwhat\s(?:happens|would\shappen)\b|\brun\s(?:a|an)\b|(?<!\bi\s)\bsuppose\b|\bimagine\b"
)
