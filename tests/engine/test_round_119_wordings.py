"""Wordings from round 119's first try, a test per wording fixed after it: "3. Plant (our
winery) in Stellenbosch", "supplied from that same warehouse", and a Dutch speaker's English
("We make since 2015 bicycles in Apeldoorn, around the 6.000 pieces" (a year is not a size),
"Also have we a warehouse in Venlo, with place for 15.000 bikes", "The shop in Nijmegen goes not
so good, the rent is too high. Can you remove him?"). The last was a wrong removal after its
first fix: the remark named the shop, and "him" still meant the node talked about before the
message (the warehouse); "him" is now the one node such a remark names."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Here's the plan:\n1. Supplier in Paarl, 12,000 tonnes\n2. Plant (our winery) in "
            "Stellenbosch, 15,000 tonnes\n3. Warehouse in Cape Town, 40,000 cases",
            (),
            ["add-supplier", "add-manufacturer", "add-warehouse"],
        ),
        (
            "Add a DC in Tijuana, supplied from that same warehouse.",
            ("Monterrey Plant", "Saltillo Warehouse", "Chihuahua Warehouse"),
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Also have we a warehouse in Venlo, with place for 15.000 bikes. The factory sends "
            "the bikes to there.",
            ("Apeldoorn Plant", "Taichung Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
    ],
)
def test_round_119_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (
            "We make since 2015 bicycles in Apeldoorn, around the 6.000 pieces in the month. Can "
            "you put our factory in the system as plant?",
            6_000,
        ),
        ("Also have we a warehouse in Venlo, with place for 15.000 bikes.", 15_000),
    ],
)
def test_a_dutch_speaker_s_sizes(text: str, size: int) -> None:
    (add,) = [c for c in commands(text, ("Taichung Supplier",)) if c.intent.startswith("add-")]
    assert add.params["capacity"] == size


def test_a_year_after_since_is_never_a_size() -> None:
    (add,) = commands("Add our plant in Apeldoorn, running since 2015.")
    assert "capacity" not in add.params


def test_him_after_a_remark_is_the_one_node_the_remark_names(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add a warehouse in Venlo and stores in Utrecht and Nijmegen.",
        "What is the capacity of the warehouse?",
    )
    said = talk(
        engine, "The shop in Nijmegen goes not so good, the rent is too high. Can you remove him?"
    )
    assert said == [["confirmation"]]
    talk(engine, "Yes, do it.")
    assert set(nodes(engine)) == {"Venlo Warehouse", "Utrecht Store"}
