"""Wordings from round 76's first try, a test per wording: several of another type after a
comma ("plus two warehouses: ..."), a label before a colon ("Last figure I need: ..."), a node's
figure asked verb last, "a list of every node", "Redo one of them", a correction of an add
after other changes, "kg/month" in a pasted list, "X and Y both ship to Z", runs named by
place or position ("Go back to the Foggia case", "Line up the first scenario against the third
one"), customers in a country (no node), and "with X connect"."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import ends, kinds, links, nodes, open_engine, talk

_SASKATCHEWAN = ("Saskatoon Plant", "Regina Supplier", "Winnipeg Supplier", "Calgary Warehouse")
_TURKEY = ("Denizli Plant", "Istanbul Warehouse", "Izmir Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Add a plant in Suwon with 40,000 units, plus two warehouses: Incheon at 25,000 and "
            "Busan at 18,000.",
            ["add-manufacturer", "add-warehouse", "add-warehouse"],
        ),
        (
            "Add a plant in Suwon, and two warehouses: Incheon and Busan.",
            ["add-manufacturer", "add-warehouse", "add-warehouse"],
        ),
        ("Last figure I need: total supplier capacity, all of them together?", ["list-nodes"]),
        ("One more thing: total supplier capacity?", ["list-nodes"]),
        ("Denizli factory capacity how much is now? I forget.", ["get-node-details"]),
        ("Start me off with a list of every node on the network.", ["list-nodes"]),
        ("a full list of the suppliers please", ["list-nodes"]),
        ("Redo one of them.", ["redo"]),
        ("undo one of them", ["undo"]),
    ],
)
def test_round_76_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _TURKEY) == expected


def test_the_second_type_keeps_its_sizes() -> None:
    adds = parse(
        "Add a plant in Suwon with 40,000 units, plus two warehouses: Incheon at 25,000 and "
        "Busan at 18,000."
    ).commands
    assert [c.params.get("capacity") for c in adds] == [40_000, 25_000, 18_000]


def test_kilograms_a_month_in_a_pasted_list_are_not_thousands() -> None:
    plan = (
        "Here's the plan:\n1. Plant in Saskatoon, 25,000 bags/month\n2. Suppliers\n"
        "   a. Regina - 18,000 kg/month\n   b. Winnipeg - 12k/month"
    )
    assert [c.params.get("capacity") for c in parse(plan).commands] == [25_000, 18_000, 12_000]


def test_both_after_two_sources_is_not_a_pronoun() -> None:
    links_said = parse(
        "Regina and Winnipeg both ship to the Saskatoon plant", known_names=_SASKATCHEWAN
    ).commands
    assert [ends(c) for c in links_said] == [
        ("Regina", "Saskatoon Plant"),
        ("Winnipeg", "Saskatoon Plant"),
    ]


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("Line up the first scenario against the third one.", (1, 3)),
        ("compare the first scenario and the third one", (1, 3)),
    ],
)
def test_runs_by_position(text: str, which: tuple[int, int]) -> None:
    (command,) = parse(text).commands
    assert command.intent == "compare-simulations" and command.params["which"] == which


def test_customers_in_a_country_are_no_node_and_with_x_connect_links() -> None:
    steps = parse(
        "From Istanbul warehouse to Germany customers we send. There distribution center in "
        "Hamburg is, 20,000 piece. Please add and with Istanbul warehouse connect.",
        known_names=_TURKEY,
    ).commands
    assert [c.intent for c in steps] == ["add-distributor", "connect-nodes"]
    assert steps[1].params["target"].text == "Istanbul Warehouse"


def test_a_correction_of_an_add_after_a_link_is_a_change(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "Add a frame supplier in Tilburg, 5,000 frames a month.",
        "And add our assembly plant in Apeldoorn, 4,000 bikes a month.",
        "Connect Tilburg to Apeldoorn.",
        "Actually the plant does 4,500 a month, not 4,000.",
    )
    assert said[-1] == ["update-node"]
    assert nodes(engine)["Apeldoorn Plant"] == 4_500


def test_a_correction_while_still_adding_fixes_the_add(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "then a plant in Pune with 4000 capacity and a warehouse in Bangalore",
        "hmm, the plant should be 6000 not 4000",
    )
    assert said[-1] == ["add-manufacturer"]
    assert nodes(engine)["Pune Plant"] == 6_000


def test_a_run_named_by_its_place_runs_again(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "add a supplier in Foggia, 20,000 tonnes, and a plant in Parma fed by it",
        "What happens if the Foggia supplier stops shipping for three weeks?",
        "And suppose demand across Europe jumps 40% for a month?",
        "Go back to the Foggia case, but only ten days this time.",
        "Run the Foggia failure again.",
    )
    assert said[-2:] == [["what-if-supplier-failure"], ["what-if-supplier-failure"]]
    assert links(engine) == {("Foggia Supplier", "Parma Plant")}
