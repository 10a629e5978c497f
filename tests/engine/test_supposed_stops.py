"""One predicate says that a clause supposes a node stops (``supposes_a_stop``): the
supplier-failure rule plays it out, and the list and disconnect rules leave it alone. A test
per wording it accepts, and the near misses it must not take."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language.scenarios import supposes_a_stop

from .talking import kinds

_NAMES = ("Nagpur Supplier", "Pune Plant", "Lyon Warehouse")


@pytest.mark.parametrize(
    "text",
    [
        "what if Nagpur Supplier fails for two weeks?",
        "if Pune goes down, what happens?",
        "If supplier in Nagpur not deliver for 10 day, what happen to factory?",
        "If Nagpur Supplier 2 week not work, what happen?",
        "what if Nagpur Supplier doesn't ship for a week?",
        "suppose Nagpur Supplier stops delivering",
        "what if Pune is down for 3 days?",
        "imagine Nagpur Supplier goes bankrupt",
        "what happens to the stores when Nagpur Supplier stops shipping?",
        "should Nagpur Supplier go down, who is hit?",
    ],
)
def test_a_supposed_stop_is_read_as_one(text: str) -> None:
    assert supposes_a_stop(text.casefold())


@pytest.mark.parametrize(
    "text",
    [
        "Nagpur Supplier failed last year",  # said as past, no supposition
        "list the warehouses",
        "when did Pune go live?",
        "if you can, connect Nagpur Supplier to Pune Plant",
        "and if it's closed for 14 days?",  # a closure (of a port), its own rule
    ],
)
def test_no_stop_is_supposed(text: str) -> None:
    assert not supposes_a_stop(text.casefold())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how much capacity is at risk if Pune goes down?", ["what-if-supplier-failure"]),
        ("If Nagpur Supplier 2 week not work, what happen?", ["what-if-supplier-failure"]),
        (
            "If supplier in Nagpur not deliver for 10 day, what happen to factory?",
            ["what-if-supplier-failure"],
        ),
        ("which warehouses lose supply if Pune stops?", ["what-if-supplier-failure"]),
    ],
)
def test_a_supposed_stop_is_a_what_if_not_a_list_nor_a_cut_link(
    text: str, expected: list[str]
) -> None:
    assert kinds(text, _NAMES) == expected
