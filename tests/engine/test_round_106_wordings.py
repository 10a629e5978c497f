"""Wordings from round 106's first try, a test per wording fixed after it: "put our roasting
place in" (a plant), a Japanese speaker's English ("Please register as plant", "Next is
supplier. Steel material is coming from Nagoya, 20000 pieces, ...", "About warehouse, we are
using one in Kobe near to port. Capacity is 30000.", "is not 8000, correct is 9500"), "The
port's been closing for wind." (a reason, no what-if), "How many suppliers do we have, and
where are they?" (the list says where) and "Now just the sites in Norway and Poland." after a
list by region (both countries, the sites named)."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, commands, kinds, talk

_NAMES = ("Kariya Plant", "Nagoya Supplier", "Yokkaichi Supplier")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Thank you. We roast coffee in Nairobi. Could you please put our roasting place in? "
            "It can do about 5,000 kg a month.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Hello. I am in charge of logistics in auto parts company. Our factory is located in "
            "Kariya, Aichi. Production capacity is 15000 pieces per month. Please register as "
            "plant.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Next is supplier. Steel material is coming from Nagoya, 20000 pieces, and resin "
            "parts are coming from Yokkaichi, 8000 pieces. Both supplier send to Kariya factory.",
            ("Kariya Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        (
            "About warehouse, we are using one in Kobe near to port. Capacity is 30000. Please "
            "connect from factory to Kobe warehouse.",
            ("Kariya Plant",),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Sorry, I wrote wrong number. Yokkaichi supplier capacity is not 8000, correct is "
            "9500. Please change.",
            _NAMES,
            ["correction"],
        ),
        (
            "What's the weather going to be in Cape Town this week? The port's been closing for "
            "wind.",
            (),
            ["out-of-scope"],
        ),
        ("How many suppliers do we have, and where are they?", _NAMES, ["list-nodes"]),
    ],
)
def test_round_106_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_capacity_said_in_the_next_sentence() -> None:
    add, _link = commands(
        "About warehouse, we are using one in Kobe near to port. Capacity is 30000. Please "
        "connect from factory to Kobe warehouse.",
        ("Kariya Plant",),
    )
    assert (add.params["place"].city, add.params["capacity"]) == ("Kobe", 30000)


def test_narrowing_a_list_by_region_to_two_countries(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Oslo, a plant in Poznan and a warehouse in Malmo")
    engine.run_turn(EngineRequest(USER, "c1", "Capacity by region.", ()))
    outcome = engine.run_turn(
        EngineRequest(USER, "c1", "Now just the sites in Norway and Poland.", ())
    )
    assert "Oslo Supplier" in outcome.text and "Poznań Plant" in outcome.text
    assert "Malmo" not in outcome.text
