"""Wordings from round 104's first try, a test per wording fixed after it: "sup puebla 12k +
another celaya 8k" (a lower-case town after "another"), "come from a company in Mombasa" (a
supplier), an Arabic speaker's English ("I am the manager of the logistic in a factory in
Amman, we make the tablets and the syrup. Please I want from you to add the factory, the
capacity is 40,000 box in the month.": the place said before the add that asks where, the size
after it, what they make only context; "Zarqa give 25,000 kg in month and Irbid 10,000 kg. The
both of them is send to the factory."; "the both take from the warehouse of Aqaba"; "is not
10,000, is 12,000"), sizes said "respectively", "Brisbane feeds the second warehouse, and that
one feeds the last one." (two links), "How much can that last one hold?" and "can you send it
to the office printer?" (out of scope)."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, ends, kinds, links, nodes, talk

_NAMES = ("Amman Plant", "Irbid Supplier", "Aqaba Warehouse", "Nakuru Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sup puebla 12k + another celaya 8k", ["add-supplier", "add-supplier"]),
        (
            "Please add two distribution center, one in Riyadh and one in Dubai, and the both "
            "take from the warehouse of Aqaba.",
            ["add-distributor", "add-distributor", "connect-nodes"],
        ),
        ("Sorry, the capacity of supplier Irbid is not 10,000, is 12,000.", ["correction"]),
        (
            "Give me the overview, and can you send it to the office printer?",
            ["get-network-summary", "out-of-scope"],
        ),
        (
            "The oils we use come from a company in Mombasa, they can send around 2,000 litres "
            "a month. Could you add them as well and show that they send to our workshop?",
            ["add-supplier", "connect-nodes"],
        ),
    ],
)
def test_round_104_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_place_said_before_an_add_that_asks_where() -> None:
    (add,) = commands(
        "Hello. I am the manager of the logistic in a factory in Amman, we make the tablets "
        "and the syrup. Please I want from you to add the factory, the capacity is 40,000 box "
        "in the month."
    )
    assert add.intent == "add-manufacturer"
    assert (add.params["place"].city, add.params["capacity"]) == ("Amman", 40000)


def test_sizes_by_town_in_a_learners_words_and_both_sent_on() -> None:
    found = commands(
        "The raw material is come from two supplier, one in the Zarqa and other one in Irbid. "
        "Zarqa give 25,000 kg in month and Irbid 10,000 kg. The both of them is send to the "
        "factory.",
        ("Amman Plant",),
    )
    assert [(c.intent, c.params.get("capacity")) for c in found[:2]] == [
        ("add-supplier", 25000),
        ("add-supplier", 10000),
    ]
    assert [ends(c) for c in found[2:]] == [
        ("Zarqa Supplier", "plant"),
        ("Irbid Supplier", "plant"),
    ]


def test_sizes_said_respectively() -> None:
    found = commands(
        "Add warehouses in Brisbane, Townsville and Cairns — 12k, 6k and 4k pallets respectively."
    )
    assert [(c.params["place"].city, c.params["capacity"]) for c in found] == [
        ("Brisbane", 12000),
        ("Townsville", 6000),
        ("Cairns", 4000),
    ]


def test_a_chain_said_with_that_one(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "Add warehouses in Brisbane, Townsville and Cairns.",
        "Brisbane feeds the second warehouse, and that one feeds the last one.",
        "How much can that last one hold?",
    )
    assert said[1:] == [["connect-nodes", "connect-nodes"], ["get-node-details"]]
    assert links(engine) == {
        ("Brisbane Warehouse", "Townsville Warehouse"),
        ("Townsville Warehouse", "Cairns Warehouse"),
    }
    assert len(nodes(engine)) == 3
