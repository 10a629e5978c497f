"""Wordings from round 81's first try, a test per wording: small words mistyped ("thn", "teh"),
"both from the wh", a figure asked as a need ("For the board deck I need our total ..."),
"Take 10,000 off the Ottawa warehouse", "Could you add that, please?", a colon before "add it
as a plant", sizes said in the sentence after "add them as suppliers", a value turned down
before the one wanted ("high is too aggressive ...; make it medium"), "zloty, no, euros", the
node moved from one link to another ("Disconnect the first one from Fukuoka, then connect it to
Nagoya"), "just the sites in Europe", and a learner's postposition after a town ("Kayseri in
one supplier add", "Istanbul in our warehouse also there is")."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, kinds, links, nodes, open_engine, talk

_MEXICO = ("Monterrey Plant", "Saltillo Supplier")
_TURKEY = ("Denizli Plant", "Adana Supplier")


@pytest.mark.parametrize(
    ("text", "expected", "names"),
    [
        (
            "link sup -> mfg. thn wh aguascalientes 20k, fed from teh mfg",
            ["connect-nodes", "add-warehouse", "connect-nodes"],
            _MEXICO,
        ),
        (
            "Morning. For the board deck I need our total warehouse capacity across the network.",
            ["list-nodes"],
            _MEXICO,
        ),
        ("For the record, add a supplier in Lyon", ["add-supplier"], ()),
        (
            "I see. We extract and pack our honey at a plant in Tauranga, around 6,000 jars a "
            "week. Could you add that, please?",
            ["add-manufacturer"],
            (),
        ),
        (
            "Next, the packhouse in Thika: add it as a plant, 150,000 stems a week, fed from "
            "Nakuru.",
            ["add-manufacturer", "connect-nodes"],
            ("Nakuru Supplier",),
        ),
        (
            "Istanbul in our warehouse also there is, 30 thousand piece. Please add, and Denizli "
            "factory to Istanbul warehouse connect.",
            ["add-warehouse", "connect-nodes"],
            _TURKEY,
        ),
        (
            "Hmm, second supplier necessary. Kayseri in one supplier add, 20 thousand kg, Denizli "
            "factory to also connect.",
            ["add-supplier", "connect-nodes"],
            _TURKEY,
        ),
    ],
)
def test_round_81_wordings(text: str, expected: list[str], names: tuple[str, ...]) -> None:
    assert kinds(text, names) == expected


def test_a_name_with_a_town_word_and_from_now_on_is_kept_whole() -> None:
    (command,) = parse(
        "Seremban Warehouse should be called Negeri Sembilan Hub from now on.",
        known_names=("Seremban Warehouse",),
    ).commands
    assert command.params["name"] == "Negeri Sembilan Hub"


@pytest.mark.parametrize(
    ("text", "delta"),
    [("Take 10,000 off the Ottawa warehouse.", -10_000.0), ("take 10k off it", -10_000.0)],
)
def test_take_n_off_cuts_capacity(text: str, delta: float) -> None:
    (command,) = parse(text, known_names=("Ottawa Warehouse",)).commands
    assert command.intent == "update-node" and command.params["capacity_delta"] == delta
    (removal,) = parse(
        "take the Ottawa warehouse off the map", known_names=("Ottawa Warehouse",)
    ).commands
    assert removal.intent == "remove-node"


def test_sizes_in_the_sentence_after_add_them_as() -> None:
    adds = parse(
        "The beekeepers we buy from are in Rotorua and Palmerston North. Could you add them as "
        "suppliers? Rotorua gives us about 4,000 jars a week and Palmerston North about 2,500.",
        known_names=("Tauranga Plant",),
    ).commands
    assert [c.params.get("capacity") for c in adds] == [4_000, 2_500]


def test_both_from_the_warehouse_links_both() -> None:
    steps = parse(
        "dc guadalajara 15k + dc puebla 9k, both from the wh", known_names=_MEXICO
    ).commands
    assert steps[-1].params["target"].text == "-2:"


def test_a_currency_taken_back_by_name() -> None:
    (command,) = parse("Set the currency to zloty, no, euros, our buyers are in Germany.").commands
    assert command.params["currency"] == "EUR"


def test_a_value_turned_down_before_the_one_wanted(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    said = talk(
        engine,
        "set the risk profile to high",
        "On second thoughts, high is too aggressive for our lenders; make it medium.",
    )
    assert said[-1] == ["set-risk-profile"]
    assert engine.twin.get_settings(USER).risk_profile == "medium"


def test_the_node_moved_from_one_link_to_another(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    talk(
        engine,
        "We build bicycles in Sakai. Add the plant there, 9,000 bikes a month, and warehouses in "
        "Nagoya and Fukuoka, 5,000 units each.",
        "Add stores in Hiroshima and Kumamoto. Both get their stock from the Fukuoka warehouse.",
        "Disconnect the first one from Fukuoka, then connect it to Nagoya.",
    )
    assert links(engine) == {
        ("Fukuoka Warehouse", "Kumamoto Store"),
        ("Nagoya Warehouse", "Hiroshima Store"),
    }
    assert set(nodes(engine)) >= {"Hiroshima Store", "Nagoya Warehouse"}


def test_just_the_sites_in_europe_drops_the_kind(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    talk(engine, "add a supplier in Sheffield", "add a warehouse in Galway", "list the suppliers")
    outcome = engine.run_turn(EngineRequest(USER, "c1", "Now just the sites in Europe.", ()))
    assert "Galway Warehouse" in outcome.text and "Sheffield Supplier" in outcome.text
