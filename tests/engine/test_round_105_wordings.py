"""Wordings from round 105's first try, a test per wording fixed after it: "add store santos 2k,
from curitiba" (fed from it), "Procurement is signing a backup supplier in Regina, ... Please
add it." (a new supplier said, not advice asked), "Our factory where the tea is dried and
packed is in Nakuru", "a big store shed in Mombasa" (a warehouse), "see everything I've
entered so far" (the summary), a Russian speaker's English ("I want make model of our supply
chain here", "factory is in Karaganda", "Both they are delivering on factory", "from factory
goes there", "now is giving 35000, not 30000", "make please distribution center in Astana"),
"Give the second warehouse 12,000 cases, and the last one 20,000." (the verb said once),
"Sorry, I overreacted: not offline, degraded." and "Mark Port Harcourt offline, Kano too."."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, nodes, talk

_NAMES = (
    "Curitiba Warehouse",
    "Mississauga Plant",
    "Karaganda Plant",
    "Pavlodar Supplier",
    "Port Harcourt Distribution Center",
    "Kano Warehouse",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add store santos 2k, from curitiba", ["add-retailer", "connect-nodes"]),
        (
            "Procurement is signing a backup supplier in Regina, 15,000 units a month, shipping "
            "to the Mississauga plant. Please add it.",
            ["add-supplier", "connect-nodes"],
        ),
        ("Should we get a backup supplier in Regina?", ["recommend"]),
        (
            "I see. Is there a way to see everything I've entered so far, all in one place?",
            ["get-network-summary"],
        ),
        (
            "Also we have warehouse in Almaty, 15000 tons, from factory goes there. Please to add.",
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Pavlodar supplier now is giving 35000, not 30000, they build new elevator. Please "
            "change it.",
            ["update-node"],
        ),
        (
            "And make please distribution center in Astana, 8000 tons, it gets from warehouse in "
            "Almaty.",
            ["add-distributor", "connect-nodes"],
        ),
        ("Mark Port Harcourt offline, Kano too.", ["update-node", "update-node"]),
        ("Mark Kano and Port Harcourt offline.", ["update-node", "update-node"]),
        ("Sorry, I overreacted: not offline, degraded.", ["correction"]),
    ],
)
def test_round_105_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hello. I want make model of our supply chain here. We are producing pasta, factory "
            "is in Karaganda, capacity 25000 tons in month.",
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Wheat we are buying from two supplier: in Kostanay 40000 tons and in Pavlodar 30000 "
            "tons. Both they are delivering on factory.",
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
    ],
)
def test_a_russian_speakers_new_sites(text: str, expected: list[str]) -> None:
    assert kinds(text, ("Karaganda Plant",) if "Wheat" in text else ()) == expected


def test_a_site_described_with_what_is_done_there() -> None:
    (add,) = commands(
        "We are setting up our network. Our factory where the tea is dried and packed is in "
        "Nakuru, it can do about 30,000 kg a month."
    )
    assert (add.intent, add.params["place"].city, add.params["capacity"]) == (
        "add-manufacturer",
        "Nakuru",
        30000,
    )


def test_a_store_shed_is_a_warehouse() -> None:
    assert kinds("add a store shed in Mombasa") == ["add-warehouse"]


def test_the_verb_said_once_for_two_sizes(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add warehouses in Geelong, Ballarat and Bendigo.",
        "Give the second warehouse 12,000 cases, and the last one 20,000.",
    )
    assert nodes(engine)["Ballarat Warehouse"] == 12_000
    assert nodes(engine)["Bendigo Warehouse"] == 20_000
