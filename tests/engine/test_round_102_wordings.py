"""Wordings from round 102's first try, a test per wording fixed after it: "access to this"
(the tool, no node), "We can make about 4,000 bars a month." after an add (its size), "the
soap goes there from the workshop" and "Goods go from A to B" (links said with the goods as
subject), "If so please add it, and ..." (the add asked again; "it" is the node described),
a numbered kind heading with lettered towns and the user's word with our kind in brackets
("1. Growers (suppliers)", "2. Packhouse (plant): Cape Town, 12,000 t"), "our export network"
(a business, not a file export), list items that report a new size or status with the reason
in brackets ("- George: down to 2,200 t (hail damage)", "- Durban status degraded (port
congestion)"), "Actually no, not Chennai, Kochi." (the wrong town first) and "No, hold on,
keep it, we're still negotiating with them." to a yes/no question."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import commands, ends, kinds, links, nodes, talk

_NAMES = ("Braga Plant", "Porto Warehouse", "George Supplier", "Durban Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hi there! I've just been given access to this and honestly I'm not sure what "
            "I'm doing. What can you do?",
            ["smalltalk", "help"],
        ),
        ("Setting up our export network, first batch: a supplier in Paarl", ["add-supplier"]),
        ("Can I export our network to Excel?", ["out-of-scope"]),
        (
            "Changes after this morning's call:\n- George: down to 2,200 t (hail damage)\n"
            "- Durban status degraded (port congestion)\n- set currency to ZAR",
            ["update-node", "update-node", "set-currency"],
        ),
        ("George cut to 2,200", ["update-node"]),
        ("What if the Durban port closes (strike)?", ["what-if-port-closure"]),
    ],
)
def test_round_102_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_users_output_after_an_add_is_its_size() -> None:
    (add,) = commands(
        "So, we make soap in a little workshop in Braga. I think that's called a... plant? "
        "Could you add it please? We can make about 4,000 bars a month."
    )
    assert (add.intent, add.params["capacity"]) == ("add-manufacturer", 4000)


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("Goods go from Braga Plant to Porto Warehouse.", "Braga Plant", "Porto Warehouse"),
        ("The soap goes to it from Braga Plant.", "Braga Plant", "it"),
        ("the soap goes there from Braga Plant", "Braga Plant", "it"),
        ("Please add it, and Braga Plant ships to it.", "Braga Plant", "it"),
    ],
)
def test_goods_going_from_one_node_to_another(text: str, source: str, target: str) -> None:
    (link,) = [c for c in commands(text, _NAMES) if c.intent == "connect-nodes"]
    assert ends(link) == (source, target)


def test_a_described_node_asked_again_with_if_so() -> None:
    found = commands(
        "We keep soap in a storage room in Porto, 10,000 bars. I suppose that counts as a "
        "warehouse? If so please add it, and the soap goes there from Braga Plant.",
        ("Braga Plant",),
    )
    assert [c.intent for c in found] == ["add-warehouse", "connect-nodes"]
    assert ends(found[1]) == ("Braga Plant", "it")


def test_a_numbered_kind_heading_with_lettered_towns() -> None:
    found = commands(
        "Setting up our export network, first batch:\n1. Growers (suppliers)\n"
        "   a. Stellenbosch - 6,000 t/season\n   b. Paarl - 4,500 t/season\n"
        "2. Packhouse (plant): Cape Town, 12,000 t\n3. Cold store (warehouse): Durban, 9,000 t"
    )
    assert [(c.intent, c.params["place"].city, c.params["capacity"]) for c in found] == [
        ("add-supplier", "Stellenbosch", 6000),
        ("add-supplier", "Paarl", 4500),
        ("add-manufacturer", "Cape Town", 12000),
        ("add-warehouse", "Durban", 9000),
    ]


def test_the_wrong_town_said_first_in_a_take_back() -> None:
    (link,) = parse(
        "Connect Guntur to Chennai. Actually no, not Chennai, Kochi.",
        known_names=("Guntur Supplier", "Kochi Plant", "Chennai Warehouse"),
    ).commands
    assert link.params["target"].text == "Kochi"


def test_no_with_a_reason_out_of_scope_keeps_the_node(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "add a supplier in Guntur and a plant in Kochi",
        "connect Guntur Supplier to Kochi Plant",
        "Remove the Guntur supplier.",
        "No, hold on, keep it, we're still negotiating with them.",
    )
    assert said[2:] == [["confirmation"], ["cancelled"]]
    assert set(nodes(engine)) == {"Guntur Supplier", "Kochi Plant"}
    assert links(engine) == {("Guntur Supplier", "Kochi Plant")}


def test_a_town_after_the_adds_is_the_subject_of_the_link_that_follows() -> None:
    found = commands("add a supplier in Guntur and a plant in Kochi, Guntur ships to Kochi")
    assert [c.intent for c in found] == ["add-supplier", "add-manufacturer", "connect-nodes"]
    assert ends(found[2]) == ("Guntur", "Kochi")
