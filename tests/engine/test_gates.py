"""The gates in front of the rewrite tables (engine.language.gates) only skip scans that would
find nothing: gated and ungated rewriting agree on every message of every eval round and on
generated text, and the folding the gates compare with covers every code point a case-blind
ASCII letter matches."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitrack_realtime.engine.language import cleaning
from omnitrack_realtime.engine.language.gates import Rewrites, fold_for_gates, needed_words

from . import conversation_eval as ce


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (re.compile(r"\bthe\s+both\b", re.I), {"both"}),
        (re.compile(r"\b(?:two|both)\s+sites\b"), {"sites"}),
        (re.compile(r"(?:two|both)\s+(?:a|b)"), {"two", "both"}),
        # what a lookahead tests is in the text too
        (re.compile(r"\bis\s+(?=possible\s+to\b)"), {"possible"}),
        # a Capital in a case-sensitive pattern is compared folded, like the text
        (re.compile(r"Schiphol|Heathrow"), {"schiphol", "heathrow"}),
        # letters outside ASCII are left out (their case-blind matches vary)
        (re.compile(r"\bcafé\b"), {"caf"}),
        # repeated at least once: still needed
        (re.compile(r"(?:ab)+c?"), {"ab"}),
    ],
)
def test_needed_words_reads_the_strings_a_pattern_cannot_match_without(
    pattern: re.Pattern[str], words: set[str]
) -> None:
    assert needed_words(pattern) == words


@pytest.mark.parametrize(
    "pattern",
    [
        re.compile(r"(?:please\s+)?\w+"),  # nothing fixed is needed
        re.compile(r"(?!please)\w+"),  # a negative lookahead needs nothing
        re.compile(r"a?|b"),  # a branch that needs nothing
    ],
)
def test_a_pattern_that_needs_no_fixed_ascii_string_is_not_gated(
    pattern: re.Pattern[str],
) -> None:
    assert needed_words(pattern) is None


def test_every_code_point_a_case_blind_ascii_letter_matches_folds_to_that_letter() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    wrong = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or not letter.fullmatch(char):
            continue
        folded = fold_for_gates(char)
        if not (len(folded) == 1 and folded.isascii() and re.fullmatch(folded, char, re.I)):
            wrong.append(f"U+{code:04X}")
    assert wrong == []
    # "Diyarbakır" is found by a case-blind "diyarbakir", so its gate must see "diyarbakir"
    assert re.search("diyarbakir", "Diyarbakır", re.I) and "diyarbakir" in fold_for_gates(
        "Diyarbakır"
    )
    assert "istanbul" in fold_for_gates("İSTANBUL")


def test_every_phrasing_rewrite_has_a_gate() -> None:
    # an ungated rewrite still works, only slower: this keeps the table fast on purpose
    assert cleaning._PHRASINGS.gated() == len(cleaning._PHRASINGS) > 200


def _every_user_message() -> list[str]:
    return [turn["user"] for n in ce.rounds() for c in ce.load_round(n) for turn in c["turns"]]


def test_no_gate_skips_a_rewrite_that_would_have_matched_an_eval_message() -> None:
    # every seventh (the whole set takes half a minute unguarded; the eval replay in
    # test_conversations runs every message through the gated table anyway)
    messages = _every_user_message()
    assert len(messages) > 9_000
    skipped_a_match = []
    for text in messages[::7]:
        for rewrite in cleaning._PHRASINGS._table:
            folded = fold_for_gates(text)
            gate_passes = rewrite.needs is None or any(w in folded for w in rewrite.needs)
            if not gate_passes and rewrite.pattern.search(text):
                skipped_a_match.append((text, rewrite.pattern.pattern))
            text = rewrite.pattern.sub(rewrite.replacement, text)
    assert skipped_a_match == []


_NEEDED = sorted({w for r in cleaning._PHRASINGS._table for w in (r.needs or ())})
_WORDS = st.one_of(
    st.sampled_from(_NEEDED),
    st.sampled_from(["Bilbao", "Diyarbakır", "İzmir", "the", "a", "to", "it", "Kelvin", "ſ"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=6),
)
_GLUE = st.sampled_from([" ", " ", " ", ", ", ". ", "\n", "-", "'", "! ", "? ", " -> "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, _GLUE, st.booleans()), min_size=1, max_size=14))
def test_gated_and_ungated_rewriting_agree_on_generated_text(
    pieces: list[tuple[str, str, bool]],
) -> None:
    text = "".join((w.capitalize() if up else w) + glue for w, glue, up in pieces)
    assert cleaning._PHRASINGS.apply(text) == cleaning._PHRASINGS.apply_ungated(text)


def test_rewrites_run_in_order_each_on_what_the_one_before_left() -> None:
    rewrites = Rewrites(
        [
            (re.compile(r"\bwh\b"), "warehouse"),
            # needs "warehouse", which only the rewrite before writes
            (re.compile(r"\bwarehouse in\b"), "warehouse at"),
        ]
    )
    assert rewrites.apply("a wh in Lyon") == "a warehouse at Lyon"
    assert rewrites.gated() == 2
