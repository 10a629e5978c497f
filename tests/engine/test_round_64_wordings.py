"""Wordings from round 64's first try, a test per wording: a learner's present progressive
("factory is sending to there"), words after a new name ("Strait Hub from now on"), a typo of
"another", "went dark" supposed, "we buy cocoa from a supplier in X", and an order sent to
someone as out of scope."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Please add also warehouse in Gebze, 30000 piece, factory is sending to there.",
            ("Bursa Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "sup in katowice 15k, anothr sup gliwice 8k, both feed the mfg",
            ("Ostrava Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],  # a link from each, when run
        ),
        (
            "If the Monterrey supplier went dark for two weeks, what's our exposure?",
            ("Monterrey Supplier",),
            ["what-if-supplier-failure"],
        ),
        (
            "Okay, thank you. Let's start then: we buy cocoa from a supplier in Kumasi, about "
            "6,000 units a month. Could you add it?",
            (),
            ["smalltalk", "add-supplier"],
        ),
        (
            "Add a DC in Kampala, 6,000 units, fed from Mombasa, and send the Kampala distributor "
            "a purchase order.",
            ("Mombasa Warehouse",),
            ["add-distributor", "connect-nodes", "out-of-scope"],
        ),
    ],
)
def test_round_64_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Call the Tangier warehouse Strait Hub from now on.",
        "rename Tangier Warehouse to Strait Hub from now on",
        "Tangier Warehouse should be called Strait Hub going forward",
        "rename Tangier Warehouse to Strait Hub, please",
        "call it Strait Hub for now",
    ],
)
def test_words_after_a_new_name_are_not_part_of_it(text: str) -> None:
    (command,) = parse(text, known_names=("Tangier Warehouse",)).commands
    assert command.intent == "rename-node"
    assert command.params["name"] == "Strait Hub"
