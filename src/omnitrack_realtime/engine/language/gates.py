"""Cheap gates for long tables of rewrites: before a rewrite's regular expression scans a
message, a test of plain substrings says whether it could match at all.

A table of a few hundred rewrites ran every pattern over every message, and most of a parse's
time went to scans that found nothing. Each pattern names words it cannot match without (a
learner rewrite for "the both" needs "both"); :func:`needed_words` reads them from the
pattern itself, so a gate never drifts from its pattern, and a pattern it cannot read is never
gated. A gate only skips a scan that would have found nothing: the rewrites still run in their
order, each on the text the one before left. Pure text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Rewrites", "fold_for_gates", "needed_words"]

Replacement = str | Callable[[re.Match[str]], str]

# The characters that a case-blind pattern matches as an ASCII letter but that lower() keeps
# apart from it ("i" matches the dotless "ı" of "Diyarbakır"), made ASCII before lower() (which
# makes the dotted "İ" two characters); tests/engine/test_gates.py checks them against every
# code point
_FOLDS = str.maketrans({"ı": "i", "İ": "i", "ſ": "s", "\u212a": "k"})


def fold_for_gates(text: str) -> str:
    """``text`` as the gates compare it: the letters above made ASCII, then lower case."""
    return text.translate(_FOLDS).lower()


def needed_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings (lower case, ASCII) at least one of which is in any text ``pattern`` can find a
    match in (lookarounds included: what they test is in the text too); None when the pattern
    asks for no fixed string, or cannot be read."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern.pattern, pattern.flags)
        return _Reader(_constants).sequence(parsed)
    except Exception:
        return None


class _Reader:
    """Walks the tree ``re`` parses a pattern into (private to ``re`` and untyped, hence Any;
    any surprise there makes :func:`needed_words` give up, which only costs speed)."""

    def __init__(self, constants: Any) -> None:
        self.c = constants

    def sequence(self, items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
        c = self.c
        candidates: list[frozenset[str]] = []
        run: list[str] = []

        def close_run() -> None:
            if run:
                candidates.append(frozenset(["".join(run)]))
                run.clear()

        for op, value in items:
            char = self._literal(op, value)
            if char is not None:
                run.append(char)
                continue
            close_run()
            if op is c.SUBPATTERN:
                need = self.sequence(value[3])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, _high, item = value
                need = self.sequence(item) if low >= 1 else None
            elif op is c.BRANCH:
                need = self._either(value[1])
            elif op is c.ASSERT:
                need = self.sequence(value[1])
            elif op is getattr(c, "ATOMIC_GROUP", None):
                need = self.sequence(value)
            elif op is c.GROUPREF_EXISTS:
                _group, yes, no = value
                need = self._either([yes, no]) if no is not None else None
            elif op is c.IN:
                need = self._one_of(value)
            else:
                need = None
            if need:
                candidates.append(need)
        close_run()
        if not candidates:
            return None
        # the most telling: the longest shortest string, then the fewest strings
        return max(candidates, key=lambda need: (min(map(len, need)), -len(need)))

    def _either(self, branches: Iterable[Iterable[tuple[Any, Any]]]) -> frozenset[str] | None:
        words: set[str] = set()
        for branch in branches:
            need = self.sequence(branch)
            if need is None:
                return None
            words |= need
        return frozenset(words)

    def _one_of(self, members: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
        chars: set[str] = set()
        for op, value in members:
            char = self._literal(op, value)
            if char is None:
                return None
            chars.add(char)
        return frozenset(chars) or None

    def _literal(self, op: Any, value: Any) -> str | None:
        """The character a LITERAL (or a class of one) stands for, folded; None for anything
        else and for characters outside ASCII (their case-blind matches are not all known)."""
        if op is self.c.IN and isinstance(value, list) and len(value) == 1:
            op, value = value[0]
        if op is not self.c.LITERAL or not isinstance(value, int) or value > 0x7F:
            return None
        return chr(value).lower()


@dataclass(frozen=True)
class _Rewrite:
    pattern: re.Pattern[str]
    replacement: Replacement
    needs: frozenset[str] | None


class Rewrites:
    """An ordered table of (pattern, replacement) rewrites, each applied to the text the one
    before left, scanning only where its gate passes."""

    def __init__(self, table: Iterable[tuple[re.Pattern[str], Replacement]]) -> None:
        self._table = tuple(_Rewrite(p, r, needed_words(p)) for p, r in table)

    def __len__(self) -> int:
        return len(self._table)

    def apply(self, text: str) -> str:
        folded = fold_for_gates(text)
        for rewrite in self._table:
            needs = rewrite.needs
            if needs is not None and not any(word in folded for word in needs):
                continue
            changed = rewrite.pattern.sub(rewrite.replacement, text)
            if changed != text:
                text = changed
                folded = fold_for_gates(text)
        return text

    def apply_ungated(self, text: str) -> str:
        """The same rewrites with every pattern scanned (what the gates must agree with)."""
        for rewrite in self._table:
            text = rewrite.pattern.sub(rewrite.replacement, text)
        return text

    def gated(self) -> int:
        """How many of the rewrites have a gate."""
        return sum(r.needs is not None for r in self._table)
