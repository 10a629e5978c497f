"""Wordings from round 83's first try, a test per wording: "both sups feed it" after a terse
add, "Lastly, ..." before a question, a take-back said again after "scratch that" ("... -
scratch that, no warehouse in Ostrava", which added it), "Just redo the rename", and
hectolitres ("8,000 hl")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds

_MEXICO = ("Saltillo Supplier", "Hermosillo Supplier")


@pytest.mark.parametrize(
    ("text", "expected", "names"),
    [
        ("mfg puebla 20k, both sups feed it", ["add-manufacturer", "connect-nodes"], _MEXICO),
        ("Lastly, what's the combined capacity of our suppliers?", ["list-nodes"], _MEXICO),
        (
            "OK, connect the supplier to the brewery now. And add a warehouse in Ostrava, 10,000 - "
            "scratch that, no warehouse in Ostrava.",
            ["connect-nodes"],
            ("Brno Plant", "Pardubice Supplier"),
        ),
        ("Just redo the rename.", ["redo"], ()),
    ],
)
def test_round_83_wordings(text: str, expected: list[str], names: tuple[str, ...]) -> None:
    assert kinds(text, names) == expected


def test_both_sups_are_the_two_suppliers() -> None:
    link = parse("mfg puebla 20k, both sups feed it", known_names=_MEXICO).commands[1]
    assert link.params["source"].text == "1:" and link.params["source"].node_type == "supplier"


def test_hectolitres_are_a_size() -> None:
    (add, _link) = parse(
        "We'll need a DC in Ostrava after all, 8,000 hl, fed by the brewery.",
        known_names=("Brno Plant",),
    ).commands
    assert add.params["capacity"] == 8_000
