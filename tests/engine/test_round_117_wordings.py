"""Wordings from round 117's first try, a test per wording fixed after it: "The third warehouse
gets its stock from the second." (the second warehouse, and "its" is not an end), "that
warehouse" after a turn that added stores first (the warehouse talked about as the turn began),
a bullet "- refinery (plant) in Dumai", "what exactly does 'degraded' mean", "email the plant
manager there and tell him the system is live" (one thing I can't do), sizes with a period
between two sites ("one in Kisii, 12,000 kg per month, and one in Nyeri"), and a Swahili
speaker's English: the subject said again as a pronoun ("All of them they are sending"), "two
supplier", "they are bringing 12,000 kilo", "Please change for me", and a link said twice in
one message made once."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import city, commands, ends, kinds, links, nodes, talk

_FARMS = ("Kericho Plant", "Kisii Supplier", "Nyeri Supplier", "Mombasa Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            'I\'m sorry if this is a silly question, but what exactly does "degraded" mean for a '
            "site?",
            ("Sherbrooke Plant",),
            ["help"],
        ),
        (
            "Can you email the plant manager there and tell him the system is live?",
            ("Puerto Montt Plant",),
            ["out-of-scope"],
        ),
        (
            "Hi, here's the setup:\n- supplier in Pekanbaru, 40,000 t/month\n- refinery (plant) in "
            "Dumai, 60,000 t/month\n- warehouse in Medan, 30,000 t",
            (),
            ["add-supplier", "add-manufacturer", "add-warehouse"],
        ),
        (
            "Also we have two supplier, they are small farmers groups. One is in Kisii, they are "
            "bringing 12,000 kilo per month, the other one is in Nyeri with 9,000 kilo. All of "
            "them they are sending the green leaves to the factory.",
            ("Kericho Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        (
            "If the supplier of Kisii he stop to bring the leaves for two weeks, what will happen "
            "to us?",
            _FARMS,
            ["what-if-supplier-failure"],
        ),
    ],
)
def test_round_117_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We have two suppliers, one in Kisii, 12,000 kg per month, and one in Nyeri, 9,000 kg",
        "We have two suppliers, one in Kisii, they bring 12,000 kilo per month, and one in "
        "Nyeri, 9,000 kilo",
    ],
)
def test_two_sites_each_with_a_size_and_its_period(text: str) -> None:
    adds = commands(text, ("Kericho Plant",))
    assert [(city(c), c.params.get("capacity")) for c in adds] == [
        ("Kisii", 12_000),
        ("Nyeri", 9_000),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The third warehouse gets its stock from the second.", ("2", "3")),
        ("The third warehouse gets its stock from the plant.", ("plant", "3")),
    ],
)
def test_gets_its_stock_from_links_into_the_subject(text: str, expected: tuple[str, str]) -> None:
    names = ("Toowoomba Plant", "Brisbane Warehouse", "Sydney Warehouse", "Melbourne Warehouse")
    (link,) = commands(text, names)
    assert ends(link) == expected


def test_its_link_still_names_an_end_when_nothing_is_said_before_it() -> None:
    (cut,) = commands("Just cut its link from Esbjerg.", ("Esbjerg Plant", "Hamburg Warehouse"))
    assert cut.intent == "disconnect-nodes"
    assert "it" in ends(cut)


def test_that_warehouse_is_the_one_talked_about_as_the_turn_began(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Add a plant in Toowoomba, 15,000 units, and three warehouses: Brisbane 10,000, Sydney "
        "12,000 and Melbourne 9,000.",
        "Mark Melbourne Warehouse degraded.",
    )
    said = talk(
        engine, "Add stores in Geelong and Ballarat. Both get their stock from that warehouse."
    )
    assert said == [["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"]]
    assert links(engine) == {
        ("Melbourne Warehouse", "Geelong Store"),
        ("Melbourne Warehouse", "Ballarat Store"),
    }


def test_the_subject_said_again_as_they_is_the_node_of_the_town(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Add suppliers in Kisii, 12,000, and Nyeri, 9,000.")
    said = talk(
        engine,
        "The Nyeri farmers they have added more members, now they are bringing 11,000 kilo. "
        "Please change for me.",
    )
    assert said == [["update-node"]]
    assert nodes(engine) == {"Kisii Supplier": 12_000, "Nyeri Supplier": 11_000}


def test_a_link_said_twice_in_one_message_is_made_once(engine: SupplyChainEngine) -> None:
    talk(engine, "Add a warehouse in Mombasa, 50,000.")
    said = talk(
        engine,
        "From Mombasa we are sending the tea to one distributor in Nairobi, 15,000 kilo. Add also "
        "him as distribution centre, the warehouse is supplying him.",
    )
    assert said == [["add-distributor", "connect-nodes"]]
    assert links(engine) == {("Mombasa Warehouse", "Nairobi Distribution Center")}
    assert nodes(engine)["Nairobi Distribution Center"] == 15_000
