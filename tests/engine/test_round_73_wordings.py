"""Wordings from round 73's first try, a test per wording: the type said before the town
("Supplier Medan is send the beans", "from factory Surabaya"), a learner's count last ("Also
shop we have two, in Denpasar ... and in Balikpapan ..."), "it take from X" as fed from X,
"the one I just added" as the newest node whatever list was talked about, "Is anything
running degraded?", a lead "Quick one before the board pack:", "their" after a reason naming
a site, "take X up to N", and "N units in <town>" being no inventory."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, nodes, talk

_JAVA = ("Medan Supplier", "Surabaya Plant", "Makassar Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("Supplier Medan is send the beans to factory.", _JAVA, ["connect-nodes"]),
        (
            "Warehouse also must add, in Makassar, 3000 kg, it take from factory Surabaya.",
            ("Medan Supplier", "Surabaya Plant"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Also shop we have two, in Denpasar 1000 kg and in Balikpapan 800 kg. Both is take "
            "from warehouse Makassar.",
            _JAVA,
            ["add-retailer", "add-retailer", "connect-nodes", "connect-nodes"],
        ),
        ("Is anything running degraded?", _JAVA, ["list-nodes"]),
        (
            "Quick one before the board pack: what is our total warehouse capacity?",
            _JAVA,
            ["list-nodes"],
        ),
        (
            "Braga has signed a larger contract with us; take their capacity up to 9,000 units.",
            ("Braga Supplier", "Valencia Plant"),
            ["update-node"],
        ),
        # a type then a town that is no town is left alone
        ("Warehouse Central, 5k", (), ["add-warehouse"]),
    ],
)
def test_round_73_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_units_in_a_town_are_no_inventory() -> None:
    (command,) = parse(
        "set its capacity to 9,000 units in Braga", known_names=("Braga Supplier",)
    ).commands
    assert command.params["capacity"] == 9_000
    assert "inventory" not in command.params


def test_the_one_i_just_added_is_the_newest_node_after_a_list(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add two warehouses: one in Joinville with 12,000 and one in Londrina with 9,000.",
        "Now add a DC in Curitiba, 7,000, and have the first warehouse ship to it.",
        "Mark the one I just added as degraded.",
    )
    statuses = {n.name: n.status for n in engine.twin.list_nodes("wordings-user")}
    assert statuses["Curitiba Distribution Center"] == "degraded"
    assert statuses["Londrina Warehouse"] == "operational"


def test_a_learners_coffee_network(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "First please add supplier in Medan, capacity 7000 kg.",
        "Then factory roasting we have in Surabaya, capacity 5000 kg. Supplier Medan is send the "
        "beans to factory.",
        "Warehouse also must add, in Makassar, 3000 kg, it take from factory Surabaya.",
    )
    assert nodes(engine) == {
        "Medan Supplier": 7_000,
        "Surabaya Plant": 5_000,
        "Makassar Warehouse": 3_000,
    }
    assert links(engine) == {
        ("Medan Supplier", "Surabaya Plant"),
        ("Surabaya Plant", "Makassar Warehouse"),
    }
