"""Wordings from round 118's first try, a test per wording fixed after it: "- supplier
Coimbatore, yarn, 25,000 kg/month" (the goods between the town and the size), "Coimbatore ->
Tiruppur" with no node in Coimbatore (asked, not a link to the node nearest Coimbatore),
"Add our bodega in Valladolid as a plant" then "the bodega" (the user's word, though it is a
word for a warehouse), "have the last two warehouses supply it", "1.5 million stems", "file the
phytosanitary certificate", "Call Ibadan Warehouse 'WH-West-1' and the Abuja one 'WH-North-1'",
and a Greek speaker's English ("please put them also: one is in Chania and ...", "The Chania has
1500 tons", "Both they are sending to the factory", "Which is the capacity of the Heraklion?")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, links, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Setting up:\n- supplier Coimbatore, yarn, 25,000 kg/month\n- supplier Erode, 18,000 "
            "kg/month\n- plant Tiruppur, 40,000 pieces/month",
            (),
            ["add-supplier", "add-supplier", "add-manufacturer"],
        ),
        (
            "Also, can you file the phytosanitary certificate for tomorrow's shipment "
            "through this?",
            ("Nakuru Supplier", "Nairobi Warehouse"),
            ["out-of-scope"],
        ),
        (
            "Call Ibadan Warehouse 'WH-West-1' and the Abuja one 'WH-North-1'.",
            ("Ikeja Bottling", "Ibadan Warehouse", "Abuja Warehouse"),
            ["rename-node", "rename-node"],
        ),
        (
            "Which is the capacity of the Heraklion? I don't remember if I said 2000 or 1500.",
            ("Kalamata Plant", "Chania Supplier", "Heraklion Supplier"),
            ["get-node-details"],
        ),
        (
            "Also we are taking the olives from two cooperatives, please put them also: one is in "
            "Chania and the other is in Heraklion. The Chania has 1500 tons and the Heraklion 2000 "
            "tons. Both they are sending to the factory.",
            ("Kalamata Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
    ],
)
def test_round_118_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_the_greek_speaker_s_sizes_by_town() -> None:
    adds = [
        c
        for c in commands(
            "We take the olives from two cooperatives, please put them also: one is in Chania and "
            "the other is in Heraklion. The Chania has 1500 tons and the Heraklion 2000 tons.",
            ("Kalamata Plant",),
        )
        if c.intent == "add-supplier"
    ]
    assert [c.params.get("capacity") for c in adds] == [1500, 2000]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("Add a warehouse in Nairobi, 1.5 million stems", 1_500_000),
        ("Add a warehouse in Nairobi, 2m stems", 2_000_000),
        (
            "Add a packhouse in Nairobi as a warehouse, 1.5 million stems, fed by the farm.",
            1_500_000,
        ),
    ],
)
def test_sizes_in_millions_of_a_counted_thing(text: str, size: int) -> None:
    assert commands(text, ("Nakuru Supplier",))[0].params["capacity"] == size


def test_a_town_with_its_article_is_not_read_inside_a_node_s_name() -> None:
    # "the Wexford can supplier": "can" is the goods, not a verb after a town
    names = ("Wexford Supplier", "Cork Plant")
    assert kinds(
        "Last thing: the Wexford can supplier was bought out, rename it to Ardagh Wexford.", names
    ) == ["rename-node"]


def test_a_link_from_a_town_without_a_node_is_asked_not_made_to_a_neighbour(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Add a supplier in Erode, a plant in Tiruppur and a warehouse in Chennai.")
    talk(engine, "Coimbatore -> Tiruppur")
    assert links(engine) == set()
    talk(engine, "Erode -> Tiruppur")
    assert links(engine) == {("Erode Supplier", "Tiruppur Plant")}


def test_the_user_s_word_for_a_site_said_as_another_kind(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add our bodega in Valladolid as a plant, 900k bottles a year.",
        "Then warehouses in Madrid, Bilbao and Zaragoza, 200k bottles each.",
    )
    assert talk(engine, "Connect the bodega to the first two.") == [
        ["connect-nodes", "connect-nodes"]
    ]
    assert talk(engine, "Add a store in Barcelona and have the last two warehouses supply it.") == [
        ["add-retailer", "connect-nodes", "connect-nodes"]
    ]
    assert links(engine) == {
        ("Valladolid Plant", "Madrid Warehouse"),
        ("Valladolid Plant", "Bilbao Warehouse"),
        ("Bilbao Warehouse", "Barcelona Store"),
        ("Zaragoza Warehouse", "Barcelona Store"),
    }
    assert "Valladolid Plant" in nodes(engine)
