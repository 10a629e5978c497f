"""Wordings from round 77's first try, a test per wording: a label before a question
("Quick numbers for the board pack: ..."), "that one" and "its stock" in a trace, "Which of them
are degraded?" after a list, "to close it out", "Redo once", customs, "Let's stress-test this."
before a what-if, "the supplier one again", a town written without its "City", sizes said with
the growers before "Add both as suppliers", "Scratch that, X, not Y", a rate said first
("every month 30.000 towel"), a size said a sentence before the add, and a learner's link verb
last ("factory to connect", "Factory from towels Istanbul warehouse to going")."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.gazetteer import lookup
from omnitrack_realtime.engine.language import parse

from .talking import kinds, nodes, open_engine, talk

_US = ("Atlanta Distribution Center", "Omaha Supplier", "Kassel Warehouse", "Lyon Plant")
_TURKEY = ("Denizli Plant", "Gaziantep Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Morning. Quick numbers for the board pack: what's our total manufacturing capacity "
            "across the plants?",
            ["list-nodes"],
        ),
        ("Settings: what's the region?", ["get-settings"]),
        ("What does that one supply?", ["trace-downstream"]),
        ("And the Atlanta DC: where does its stock originate?", ["trace-upstream"]),
        ("Run an anomaly scan to close it out.", ["scan-anomalies"]),
        ("Redo once, I do want Magazzino Nord back.", ["redo"]),
        (
            "Will customs clear our container in Hamburg by Friday? Also, where are we exposed?",
            ["out-of-scope", "identify-risks"],
        ),
        (
            "Let's stress-test this. What happens if the Omaha supplier goes dark for two weeks?",
            ["what-if-supplier-failure"],
        ),
    ],
)
def test_round_77_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _US) == expected


def test_a_label_naming_the_node_is_read_with_the_question() -> None:
    (command,) = parse("Lyon: how full is it?", known_names=_US).commands
    assert command.params["node"].kind == "place"
    (traced,) = parse(
        "And the Atlanta DC: where does its stock originate?", known_names=_US
    ).commands
    assert traced.params["node"].text == "Atlanta Distribution Center"


def test_close_it_alone_still_closes() -> None:
    (command,) = parse("close it", known_names=_US).commands
    assert command.params["status"] == "offline"


def test_a_town_written_without_its_city() -> None:
    place = lookup("Chiayi")
    assert place is not None and place.country == "Taiwan"
    country = lookup("Panama")
    assert country is not None and country.city is None
    assert lookup("Kansas") is None  # the state, not Kansas City


def test_sizes_said_with_the_growers_and_both_feed_the_roastery() -> None:
    steps = parse(
        "Our green beans come from growers in Neiva, 4,000 bags, and Manizales, 3,500 bags. "
        "Add both as suppliers feeding the roastery.",
        known_names=("Pereira Plant",),
    ).commands
    assert [c.params.get("capacity") for c in steps[:2]] == [4_000, 3_500]
    assert steps[2].params["source"].text == "them"


def test_scratch_that_with_the_right_town_keeps_the_rest() -> None:
    steps = parse(
        "Warehouse in Durban, 30,000 litres, fed by the plant. Scratch that, Johannesburg, not "
        "Durban.",
        known_names=("Cape Town Plant",),
    ).commands
    assert [c.intent for c in steps] == ["add-warehouse", "connect-nodes"]
    assert steps[0].params["place"].city == "Johannesburg"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (
            "Denizli in our factory is, every month 30.000 towel we produce. This factory please "
            "add.",
            30_000,
        ),
        ("add a supplier in Adana, monthly 50.000 kg", 50_000),
        (
            "Cotton from Adana supplier we take, monthly 50.000 kg. Adana supplier also add and "
            "factory to connect please.",
            50_000,
        ),
    ],
)
def test_a_size_said_before_the_add(text: str, size: int) -> None:
    add = parse(text, known_names=("Denizli Plant",)).commands[0]
    assert add.intent.startswith("add-") and add.params["capacity"] == size


def test_every_month_three_trucks_is_no_size() -> None:
    assert all(
        "capacity" not in c.params for c in parse("every month 3 trucks go to Lyon").commands
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Adana supplier also add and factory to connect please.",
            ["add-supplier", "connect-nodes"],
        ),
        ("Also add, also factory to connect.", ["connect-nodes"]),
        ("Factory from towels Istanbul warehouse to going.", ["connect-nodes"]),
    ],
)
def test_a_learners_link_verb_last(text: str, expected: list[str]) -> None:
    assert kinds(text, _TURKEY) == expected


def test_which_of_them_narrows_the_last_list(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "add a supplier in Omaha",
        "add a plant in Topeka",
        "mark omaha degraded",
        "list every node",
        "Which of them are degraded?",
    )
    assert said[-1] == ["list-nodes"]
    assert set(nodes(engine)) == {"Omaha Supplier", "Topeka Plant"}


def test_the_supplier_one_again_is_the_supplier_failure(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "add a supplier in Hsinchu, 20,000 units, and a plant in Taichung fed by it",
        "What happens if the Hsinchu supplier goes dark for two weeks?",
        "And if instead demand jumps 40% across Asia for a month?",
        "Try the supplier one again, but for four weeks.",
    )
    assert said[-1] == ["what-if-supplier-failure"]
