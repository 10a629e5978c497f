"""The user's node names: an index built from ``known_names`` and the search that finds them
in a message, exactly or with one typo in one long word ("berlin plnat"), or by a word only
one name has ("zephyr").

The index is cached per tuple of names and extended, not rebuilt, when names are added since
the last turn (cheap turns after an "add" on a twin of 1,000 nodes).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .. import gazetteer
from .vocabulary import _VOCAB

_damerau_at_most_one = gazetteer.within_one_edit


@dataclass(frozen=True, slots=True)
class _Names:
    """An index of the user's node names for finding them in a message."""

    by_words: dict[tuple[str, ...], str]
    # (number of words, position, word) -> the names with that word there, for typo matching
    positions: dict[tuple[int, int, str], list[tuple[tuple[str, ...], str]]]
    unique_tokens: dict[str, str]
    tokens: frozenset[str]
    longest: int
    owners: dict[str, str | None]  # word -> the one name that has it, None when several

    def named_after(self, city: str | None) -> bool:
        """Whether one of the user's nodes is named after this town ("Kotka Warehouse")."""
        folded = (city or "").casefold()
        return bool(folded) and any(n.casefold().startswith(folded) for n in self.by_words.values())


_NAME_WORD = re.compile(r"[^\W_]+(?:['’](?!s\b)[^\W_]+)*")
_GENERIC_NAME_WORDS = frozenset(
    str.split(
        "the a an of and de la le el in at on for to supplier suppliers plant warehouse store hub "
        "dc center centre factory depot shop outlet retailer vendor distribution distributor "
        "manufacturer main central north south east west new old city port inc ltd llc co gmbh "
        "corp company group global international logistics 1 2 3 4 5"
    )
)


@functools.lru_cache(maxsize=16384)
def _name_words(text: str) -> tuple[str, ...]:
    return tuple(m.group().lower() for m in _NAME_WORD.finditer(gazetteer.fold(text)))


@functools.lru_cache(maxsize=16384)
def _is_place_word(word: str) -> bool:
    return gazetteer.lookup(word) is not None


# Rebuilt whenever the user's names change (a node added): the per-name work above is cached.
@functools.lru_cache(maxsize=64)
def _name_index(names: tuple[str, ...]) -> _Names:
    # A node added since the last turn extends the previous index instead of rebuilding it:
    # that keeps the turn after an "add" cheap on a twin of 1,000 nodes.
    previous = _LATEST[0] if _LATEST else None
    if (
        previous is not None
        and len(names) > len(previous[0])
        and names[: len(previous[0])] == (previous[0])
    ):
        index = _build_names(names, previous[1], len(previous[0]))
    else:
        index = _build_names(names, None, 0)
    _LATEST[:] = [(names, index)]
    return index


_LATEST: list[tuple[tuple[str, ...], _Names]] = []


def _build_names(names: tuple[str, ...], base: _Names | None, start: int) -> _Names:
    by_words = dict(base.by_words) if base else {}
    positions = dict(base.positions) if base else {}
    owners = dict(base.owners) if base else {}
    fresh: set[tuple[int, int, str]] = set()  # lists created here, safe to append to
    for name in names[start:]:
        words = _name_words(name)
        if not words:
            continue
        if words[0] == "the" and len(words) > 1:
            words = words[1:]
        by_words.setdefault(words, name)
        entry = (words, name)
        for position, word in enumerate(words):
            key = (len(words), position, word)
            if key in fresh:
                positions[key].append(entry)
            else:
                positions[key] = [*positions.get(key, ()), entry]
                fresh.add(key)
            owner = owners.get(word, _NO_OWNER)
            owners[word] = name if owner is _NO_OWNER or owner == name else None
    unique = {
        word: owner
        for word, owner in owners.items()
        if owner is not None
        and len(word) >= 4
        and word not in _GENERIC_NAME_WORDS
        and word not in _VOCAB
        and not _is_place_word(word)
    }
    return _Names(
        by_words,
        positions,
        unique,
        frozenset(owners),
        max((len(words) for words in by_words), default=0),
        owners,
    )


_NO_OWNER = "\x00"


_EMPTY_NAMES = _name_index(())


def _find_names(text: str, names: _Names) -> list[tuple[int, int, str, bool]]:
    """Spans of known node names in ``text``: (start, end, name, fuzzy)."""
    if not names.by_words:
        return []
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _NAME_WORD.finditer(text)]
    words = [t[2] for t in tokens]
    found: list[tuple[int, int, str, bool]] = []
    i = 0
    while i < len(tokens):
        hit: tuple[int, str, bool] | None = None
        for size in range(min(names.longest, len(tokens) - i), 0, -1):
            window = tuple(words[i : i + size])
            name = names.by_words.get(window)
            if name is not None:
                hit = (size, name, False)
                break
            if size >= 2:
                close = _fuzzy_name(window, names)
                if close is not None:
                    hit = (size, close, True)
                    break
        if hit is None and words[i] in names.unique_tokens:
            name = names.unique_tokens[words[i]]
            size = 1
            while (
                i + size < len(tokens)
                and names.unique_tokens.get(words[i + size]) == name
                and not text[tokens[i + size - 1][1] : tokens[i + size][0]].strip()
            ):
                size += 1  # "Cape Town" for Cape Town Supplier: one reference, not two
            hit = (size, name, True)
        if hit is None:
            i += 1
            continue
        size, name, fuzzy = hit
        found.append((tokens[i][0], tokens[i + size - 1][1], name, fuzzy))
        i += size
    return found


def _fuzzy_name(window: tuple[str, ...], names: _Names) -> str | None:
    """The one known name ``window`` spells with one typo in one word of four letters or more
    ("berlin plnat"); the other words must be exact."""
    size = len(window)
    unknown = [j for j, word in enumerate(window) if word not in names.tokens]
    if len(unknown) != 1 or len(window[unknown[0]]) < 4:
        return None
    typo = unknown[0]
    pools = [names.positions.get((size, j, w), []) for j, w in enumerate(window) if j != typo]
    pool = min(pools, key=len)
    matches = {
        name
        for words, name in pool
        if all(words[j] == window[j] for j in range(size) if j != typo)
        and len(words[typo]) >= 4
        and _damerau_at_most_one(window[typo], words[typo])
        # "Lyon supplies it" is a word of its own, not "Lyon Supplier" misspelt; "Rotterdam
        # warehouses" is still the warehouse
        and (window[typo] not in _VOCAB or window[typo] in (f"{words[typo]}s", f"{words[typo]}es"))
    }
    return matches.pop() if len(matches) == 1 else None
