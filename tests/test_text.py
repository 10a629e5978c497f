"""The characters user text must not carry (``omnitrack_realtime.text``): stripped on the way
in, escaped on the way out."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from omnitrack_realtime.text import clean_text, escape_unsafe, is_clean, unsafe_characters

RLO = "\u202e"
ZWSP = "\u200b"
ZWJ = "\u200d"
BOM = "\ufeff"
TAG_A = "\U000e0041"  # an invisible "A" from the tag block


def test_clean_text_strips_controls_invisibles_and_bidi_controls() -> None:
    assert clean_text(f"Rotter{ZWSP}dam") == "Rotterdam"
    assert clean_text(f"Lyon {RLO}tnalP") == "Lyon tnalP"
    assert clean_text("a\x1b[2Jb\x07c\x00d\x7fe\x9bf") == "a[2Jbcdef"
    assert clean_text(f"{BOM}Hamburg{ZWJ}\u2066\u2069\u200e\u200f\u061c") == "Hamburg"
    assert clean_text(f"soft\u00adhyphen{TAG_A}") == "softhyphen"


def test_clean_text_keeps_line_feeds_and_tabs_and_normalises_other_line_ends() -> None:
    assert clean_text("one\ttwo\nthree") == "one\ttwo\nthree"
    assert clean_text("one\r\ntwo\rthree\u2028four\u2029five") == "one\ntwo\nthree\nfour\nfive"


def test_clean_text_keeps_ordinary_unicode() -> None:
    for text in ("Zürich Lager", "北京仓库", "Москва", "مستودع دبي", "São Paulo ✓", "café 👍🏽"):
        assert clean_text(text) is text  # the same object: nothing to do
        assert is_clean(text)
        assert escape_unsafe(text) == text


def test_unsafe_characters_lists_them_in_order() -> None:
    assert unsafe_characters(f"a{RLO}b\x1bc\r\n") == [RLO, "\x1b", "\r"]
    assert not is_clean(f"x{ZWSP}")


def test_escape_unsafe_makes_them_visible() -> None:
    assert escape_unsafe(f"Lyon {RLO}tnalP") == "Lyon \\u202etnalP"
    assert escape_unsafe(f"Rotter{ZWSP}dam") == "Rotter\\u200bdam"
    assert escape_unsafe("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert escape_unsafe(f"tag{TAG_A}") == "tag\\U000e0041"
    assert escape_unsafe("line\r\nnext\rover") == "line\nnext\\rover"
    assert escape_unsafe("one\ttwo\nthree", one_line=True) == "one\\ttwo\\nthree"


@settings(derandomize=True)
@given(st.text())
def test_clean_text_leaves_nothing_unsafe_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert is_clean(cleaned)
    assert clean_text(cleaned) == cleaned


@settings(derandomize=True)
@given(st.text())
def test_escaped_text_has_nothing_unsafe_and_loses_nothing_visible(text: str) -> None:
    escaped = escape_unsafe(text)
    assert is_clean(escaped)
    assert is_clean(escape_unsafe(text, one_line=True).replace("\n", ""))
    assert "\n" not in escape_unsafe(text, one_line=True)
    printable = set(string.ascii_letters + string.digits)
    assert [c for c in text if c in printable] == [c for c in clean_text(text) if c in printable]
