"""Wordings from round 127's first try, a test per wording fixed after it: "What would a
two-week outage at Eldoret Supplier do to our throughput and revenue?" (a what-if), "I need to
rank them for the risk register." after a comparison (why it is asked), "Could you also tell me
which currency we are set to", "the bigger of the two suppliers", "today's diesel price", "If
the road from Jimma is closed for two weeks, what happens to our export?" (a what-if: it had
marked the supplier offline), Ethiopian towns the gazetteer lacked (Adama was read as Adana, in
Turkey), the goods a plant washes not taken for its name ("one plant for washing and drying the
coffee in Adama" made "the coffee" an alias of the plant), and an Amharic speaker's English
("Jimma and Hawassa, both of them are giving the coffee to Adama plant. Please you make
connection.", "He take the coffee from Addis warehouse")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine import gazetteer
from omnitrack_realtime.engine.dialogue import aliases_said

from .talking import kinds

_COFFEE = ("Jimma Supplier", "Hawassa Supplier", "Adama Plant", "Addis Ababa Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "What would a two-week outage at Eldoret Supplier do to our throughput and revenue?",
            ("Eldoret Supplier", "Nakuru Plant"),
            ["what-if-supplier-failure"],
        ),
        (
            "Which of those two scenarios costs us more? I need to rank them for the risk "
            "register.",
            ("Eldoret Supplier",),
            ["compare-simulations"],
        ),
        (
            "Could you also tell me which currency we are set to at the moment?",
            ("Lyon Plant",),
            ["get-settings"],
        ),
        (
            "And what does the bigger of the two suppliers feed now?",
            ("Parma Supplier", "Modena Supplier", "Bologna Plant"),
            ["trace-downstream"],
        ),
        ("Can you get me today's diesel price in Morocco?", ("Tangier Plant",), ["out-of-scope"]),
        (
            "If the road from Jimma is closed for two weeks, what happens to our export?",
            _COFFEE,
            ["what-if-supplier-failure"],
        ),
        (
            "If rain is many and the road from Jimma is close for two week, what happen for our "
            "export?",
            _COFFEE,
            ["what-if-supplier-failure"],
        ),
        (
            "Jimma and Hawassa, both of them are giving the coffee to Adama plant. Please you make "
            "connection.",
            _COFFEE,
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "For export we are using distribution center in Djibouti, 18,000 kg. He take the "
            "coffee from Addis warehouse.",
            _COFFEE,
            ["add-distributor", "connect-nodes"],
        ),
    ],
)
def test_round_127_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("said", "country"),
    [("Adama", "Ethiopia"), ("Nazret", "Ethiopia"), ("Hawassa", "Ethiopia"), ("Adana", "Turkey")],
)
def test_ethiopian_towns_are_known(said: str, country: str) -> None:
    place = gazetteer.lookup(said)
    assert place is not None and place.country == country


def test_the_goods_a_plant_works_on_are_not_its_name() -> None:
    message = (
        "Also we have one plant for washing and drying the coffee in Adama, his capacity is 30,000 "
        "kg. Please add it."
    )
    assert aliases_said(message, "Adama", "Adama Plant", "manufacturer") == {}
