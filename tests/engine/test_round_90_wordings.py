"""Wordings from round 90's first try, a test per wording: "rm it" after a remark, "Cut it to
18,000", "Give me the overall network summary", an auction said as where goods wait ("before
the tea auction", "for auction stock") and as news ("at the Aalsmeer auction"), "Omaha goes up
to 18,000", "How much capacity has the Sydney warehouse got?", "5,000 head", "Pune signed a
new contract too, capacity 14,000.", a risk judged, not asked ("Only one supplier risky is."),
and the Turkish learner's "it factory to connect", "Finished towel Istanbul in our warehouse to
go. Warehouse add, 50 thousand towel, factory from warehouse to link." and a supplier described
then asked for ("Cotton Adana from comes. Adana in supplier please add, ...")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, nodes, talk

_NAMES = (
    "Toluca Distribution Center",
    "Calgary Warehouse",
    "Nakuru Plant",
    "Omaha Supplier",
    "Sydney Warehouse",
    "Pune Supplier",
    "Houston Warehouse",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toluca dc not happening anymore, rm it", ["remove-node"]),
        ("Cut it to 18,000", ["update-node"]),
        (
            "Cut Calgary Warehouse to 18,000 and add a DC in Edmonton",
            ["update-node", "add-distributor"],
        ),
        ("Give me the overall network summary.", ["get-network-summary"]),
        (
            "We also keep stock in a warehouse in Mombasa before the tea auction, about 40,000 "
            "kg. Could you add that too, fed by the Nakuru factory?",
            ["add-warehouse", "connect-nodes"],
        ),
        ("warehouse in Mombasa for auction stock, 1,500 t", ["add-warehouse"]),
        ("What are rose prices doing at the Aalsmeer auction this week?", ["out-of-scope"]),
        ("Omaha goes up to 18,000", ["update-node"]),
        ("How much capacity has the Sydney warehouse got?", ["get-node-details"]),
        ("How much capacity are we using?", ["calculate-utilization"]),
        (
            "Houston Warehouse is back online, set it to operational. Pune signed a new contract "
            "too, capacity 14,000.",
            ["update-node", "update-node"],
        ),
        ("Only one supplier risky is.", []),
        ("Is there anything risky?", ["identify-risks"]),
    ],
)
def test_round_90_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_a_size_in_head_of_cattle() -> None:
    (add, _link) = parse(
        "Add a supplier in Rockhampton after all, 5,000 head, supplying Brisbane.",
        known_names=("Brisbane Plant",),
    ).commands
    assert add.params["capacity"] == 5_000


def test_signed_a_contract_then_the_size_is_a_new_capacity() -> None:
    (update,) = parse("Pune signed a new contract, capacity 14,000.", known_names=_NAMES).commands
    assert update.params["capacity"] == 14_000


def test_turkish_learner_adds_what_it_described(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We towel company are. Denizli in our factory there is, monthly 20 thousand "
        "towel. This factory plant as please add.",
        "Cotton Adana from comes. Adana in supplier please add, 35 thousand kg, and it factory "
        "to connect.",
        "Finished towel Istanbul in our warehouse to go. Warehouse add, 50 thousand towel, "
        "factory from warehouse to link.",
        "Only one supplier risky is. Gaziantep in second supplier add, 20 thousand kg, this "
        "also factory to send.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 20_000,
        "Adana Supplier": 35_000,
        "Istanbul Warehouse": 50_000,
        "Gaziantep Supplier": 20_000,
    }
    assert links(engine) == {
        ("Adana Supplier", "Denizli Plant"),
        ("Denizli Plant", "Istanbul Warehouse"),
        ("Gaziantep Supplier", "Denizli Plant"),
    }
