"""Characters user text must not carry: stripped where text enters the server, escaped where a
terminal shows it. Pure functions, no I/O.

Three kinds, none of which a person types on purpose or can see in what they read:

- **control characters**: C0 (U+0000-U+001F) except tab and line feed, DEL, and C1
  (U+0080-U+009F). A terminal acts on them: an escape sequence can retitle, clear or rewrite
  it. Carriage returns and the line and paragraph separators (U+2028, U+2029) are line ends
  written another way, and become line feeds.
- **zero-width and invisible characters**: zero-width space, non-joiner and joiner, word
  joiner, the invisible operators, byte-order mark, soft hyphen, combining grapheme joiner,
  Mongolian vowel separator, Hangul fillers, Khmer inherent vowels, interlinear annotation
  marks, deprecated format characters and the tag block (U+E0000-U+E007F, which can spell
  instructions nobody sees to a language model). They make two names that look the same
  differ ("Rotterdam" and "Rotter\\u200bdam").
- **bidirectional controls**: the embeddings and overrides (U+202A-U+202E, U+202E being the
  right-to-left override), the isolates (U+2066-U+2069) and the marks (U+200E, U+200F,
  U+061C). An override shows text in another order than it is stored ("Trojan Source").

Stripping the zero-width joiner splits emoji sequences (a family becomes its members) and the
non-joiner changes how some Persian words join; both stay readable, which is the trade.
Variation selectors (emoji presentation) are kept.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "escape_unsafe", "is_clean", "unsafe_characters"]

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LINE_ENDS = "\r\u2028\u2029"

_UNSAFE = re.compile(f"[{_CONTROLS}{_INVISIBLE}{_BIDI}]")
_UNSAFE_OR_LINE_END = re.compile(f"[{_CONTROLS}{_INVISIBLE}{_BIDI}{_LINE_ENDS}]")
_UNSAFE_OR_ANY_LINE_END = re.compile(f"[{_CONTROLS}{_INVISIBLE}{_BIDI}{_LINE_ENDS}\t\n]")
_LINE_END = re.compile("\r\n?|[\u2028\u2029]")


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters of ``text`` (line ends written another way included), in order."""
    return _UNSAFE_OR_LINE_END.findall(text)


def is_clean(text: str) -> bool:
    """Whether ``text`` has no unsafe character (tab and line feed are fine)."""
    return _UNSAFE_OR_LINE_END.search(text) is None


def clean_text(text: str) -> str:
    """``text`` without its unsafe characters: line ends become ``\\n``, the rest is removed.

    Idempotent; text without unsafe characters comes back unchanged (the same object)."""
    if _UNSAFE_OR_LINE_END.search(text) is None:
        return text
    return _UNSAFE.sub("", _LINE_END.sub("\n", text))


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_unsafe(text: str, *, one_line: bool = False) -> str:
    """``text`` fit to show: every unsafe character written as an escape (``\\x1b``,
    ``\\u202e``), so it can neither act on a terminal nor hide. Line feeds and tabs are kept
    unless ``one_line``; ``\\r\\n`` is a line feed."""
    text = text.replace("\r\n", "\n")
    pattern = _UNSAFE_OR_ANY_LINE_END if one_line else _UNSAFE_OR_LINE_END
    return pattern.sub(_escape, text)
