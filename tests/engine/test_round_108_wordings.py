"""Wordings from round 108's first try, a test per wording fixed after it: a Vietnamese
speaker's English ("we buy from farmer co-op in Buon Ma Thuot, 6,000 ton one month", "Two
co-op is supplier", "Please update giup em"), what the user buys from is a supplier whatever
they call it, "detroit cap?", "..., fed from Adelaide, and block out my calendar on Friday",
"Connect Bursa to Istanbul too. Actually don't, ...", and "The Puebla DC is down for a system
migration, set it offline." Round 108 passes whole after these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.commands import NodeRef
from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, nodes, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


_PLANT = ("Biên Hòa Plant",)


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Raw cashew we buy from farmer co-op in Buon Ma Thuot, 6,000 ton one month, and one "
            "co-op in Dong Xoai, 3,500 ton. Two co-op is supplier, both send to factory Bien Hoa.",
            _PLANT,
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Dong Xoai co-op now have more farmer join, can give 4,000 ton. Please update giup "
            "em. And money use dollar My, USD.",
            ("Đồng Xoài Supplier", *_PLANT),
            ["update-node", "set-currency"],
        ),
        ("detroit cap?", ("Detroit Plant",), ["get-node-details"]),
        ("Detroit Plant capacity?", ("Detroit Plant",), ["get-node-details"]),
        (
            "Put a DC in Perth, 6,000 cases, fed from Adelaide, and block out my calendar on "
            "Friday afternoon for the review.",
            ("Adelaide Warehouse",),
            ["add-distributor", "connect-nodes", "out-of-scope"],
        ),
        (
            "Connect Bursa to Istanbul too. Actually don't, everything goes through Ankara.",
            ("Bursa Supplier", "Istanbul Distribution Center", "Ankara Warehouse"),
            ["cancelled"],
        ),
    ],
)
def test_round_108_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We buy from a farmer co-op in Buon Ma Thuot, 6,000 tons a month.",
        "we source from a family estate in Buon Ma Thuot, 6,000 tons a month",
    ],
)
def test_what_the_user_buys_from_is_a_supplier(text: str) -> None:
    (add,) = commands(text)
    assert add.intent == "add-supplier" and add.params["capacity"] == 6000


def test_the_sizes_of_the_co_ops_read_one_month_as_a_month() -> None:
    adds = commands(
        "Raw cashew we buy from farmer co-op in Buon Ma Thuot, 6,000 ton one month, and one "
        "co-op in Dong Xoai, 3,500 ton. Two co-op is supplier.",
        _PLANT,
    )
    assert [c.params.get("capacity") for c in adds] == [6000, 3500]


def test_a_bare_kind_after_from_is_not_made_a_new_node() -> None:
    # "it gets from warehouse in Almaty": the warehouse the user has (round 105's learner)
    steps = commands(
        "And make please distribution center in Astana, 8000 tons, it gets from warehouse in "
        "Almaty.",
        ("Almaty Warehouse",),
    )
    assert [c.intent for c in steps] == ["add-distributor", "connect-nodes"]


def test_a_state_said_then_set_changes_the_node_the_statement_named(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a plant in Saltillo", "add a DC in Puebla")
    talk(engine, "Rename Saltillo Plant to Norte Assembly.")
    said = talk(engine, "The Puebla DC is down for a system migration, set it offline.")
    assert said == [["update-node"]]
    statuses = {n.name: n.status for n in engine.twin.list_nodes("wordings-user")}
    assert statuses == {"Norte Assembly": "operational", "Puebla Distribution Center": "offline"}
    assert set(nodes(engine)) == set(statuses)


def test_the_state_alone_is_still_read_as_before() -> None:
    # said alone, "X is down" stays what it was (a what-if of its outage)
    (step,) = commands(
        "The Puebla DC is down for a system migration.", ("Puebla Distribution Center",)
    )
    assert isinstance(step.params["node"], NodeRef)
