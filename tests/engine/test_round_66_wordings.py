"""Wordings from round 66's first try, a test per wording: "its" after a reason naming a town
("We signed off the capex for Saltillo, so raise its capacity by 25%"), a learner's total and
site said town first, "the one I just added", "the full list of nodes", and "change it
please" after a change in the same message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, nodes, open_engine, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("All suppliers together how much capacity?", ("Konya Supplier",), ["list-nodes"]),
        (
            "Kayseri also one supplier we have, 9000 ton. It also give wheat to factory.",
            ("Konya Supplier", "Gaziantep Plant"),
            ["add-supplier", "connect-nodes"],
        ),
        ("Remove the one I just added.", ("Bergen Store",), ["remove-node"]),
        ("Give me the full list of nodes, please.", (), ["list-nodes"]),
        ("give me a list of all nodes", (), ["list-nodes"]),
        ("Currency should be USD for this review, change it please.", (), ["set-currency"]),
        ("Currency should be USD. Connect please.", (), ["set-currency", "connect-nodes"]),
    ],
)
def test_round_66_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_the_one_i_just_added_is_the_newest_node() -> None:
    (command,) = parse("Remove the one I just added.", known_names=("Bergen Store",)).commands
    assert command.params["node"].text == "newest"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    talk(engine, "add a plant in Monterrey, 40k", "add a warehouse in Saltillo, 18k")
    yield engine
    engine.close()


def test_its_after_a_reason_naming_a_town_is_the_node_there(engine: SupplyChainEngine) -> None:
    talk(engine, "how big is Monterrey Plant?")  # "it" would be the plant
    talk(engine, "We signed off the capex for Saltillo, so raise its capacity by 25%.")
    assert nodes(engine) == {"Monterrey Plant": 40_000, "Saltillo Warehouse": 22_500}
