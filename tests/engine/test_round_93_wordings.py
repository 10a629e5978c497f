"""Wordings from round 93's first try, a test per wording: "what if it goes dwn 2wks", "a
second Portuguese vendor in Braga" (put in Lisbon: the adjective's country won over the
town), "What changed between the two runs, and why?", "connect Paarl to the winery, and the
winery to Cape Town" (a node said twice joins two links), "DC in Durban, 5,000 cases, sorry,
Johannesburg, not Durban, fed by Cape Town.", "Hmm, I changed my mind on that link.", "compare
it with the very first one" after a simulation, "Last one for the file: list ...", and the
Turkish learner's "Cotton Gaziantep supplier from we buy" and "... capacity how much was, I
forgot?"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import ends, kinds, links, nodes, talk

_NAMES = ("Paarl Supplier", "Stellenbosch Plant", "Cape Town Warehouse", "Gaziantep Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What changed between the two runs, and why?", ["explain"]),
        (
            "DC in Durban, 5,000 cases, sorry, Johannesburg, not Durban, fed by Cape Town.",
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Hmm, I changed my mind on that link. Disconnect Cape Town Warehouse from Paarl "
            "Supplier.",
            ["disconnect-nodes"],
        ),
        (
            "Last one for the file: list all sites with capacity above 10,000.",
            ["list-nodes"],
        ),
        ("Gaziantep supplier capacity how much was, I forgot?", ["get-node-details"]),
    ],
)
def test_round_93_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_a_town_beats_the_adjective_of_its_country() -> None:
    (add,) = parse(
        "We've signed a second Portuguese vendor in Braga, 10,000 units a month."
    ).commands
    assert add.params["place"].city == "Braga"


def test_the_corrected_town_keeps_the_link_said_after_it() -> None:
    add, _link = parse(
        "DC in Durban, 5,000 cases, sorry, Johannesburg, not Durban, fed by Cape Town.",
        known_names=_NAMES,
    ).commands
    assert add.params["place"].city == "Johannesburg"


def test_a_node_said_twice_joins_two_links() -> None:
    first, second = parse(
        "Ok now connect Paarl to Stellenbosch Plant, and Stellenbosch Plant to Cape Town.",
        known_names=_NAMES,
    ).commands
    assert ends(first) == ("Paarl", "Stellenbosch Plant")
    assert ends(second)[0] == "Stellenbosch Plant"


def test_what_if_it_goes_down_in_shorthand(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Saltillo")
    assert talk(engine, "what if it goes dwn 2wks") == [["what-if-supplier-failure"]]


def test_compare_it_with_the_very_first_one_after_a_run(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add a supplier in Puerto Montt, 10,000, shipping to a plant in Temuco",
        "what if the Puerto Montt supplier fails for 2 weeks?",
        "Now a demand spike: +40% in Chile for 3 weeks.",
    )
    said = talk(
        engine, "Now run the Puerto Montt failure again and compare it with the very first one."
    )
    assert said == [["what-if-supplier-failure", "compare-simulations"]]


def test_turkish_learner_buys_from_a_supplier(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We Denizli in towel factory have, monthly 40,000 piece produce. This factory "
        "system to please add.",
        "Cotton Gaziantep supplier from we buy, monthly 60,000 kg. Kayseri in also one supplier "
        "there is, 25,000 kg. Both factory to cotton send, connect please.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 40_000,
        "Gaziantep Supplier": 60_000,
        "Kayseri Supplier": 25_000,
    }
    assert links(engine) == {
        ("Gaziantep Supplier", "Denizli Plant"),
        ("Kayseri Supplier", "Denizli Plant"),
    }
