"""Wordings from round 124's first try, a test per wording fixed after it: "the first warehouse
can go. Remove that one." (one removal, said twice: after "yes" it asked to remove a second
node), "Please pay the Akure supplier's overdue invoice, and mark it degraded" ("it" is the
supplier the out-of-scope ask named), "What's the weather ... ? Heavy rain delays our loading."
(why the weather was asked, not a scenario; "If a storm closes the port there ..., what happens
to us?" still is one), "Which of those two scenarios hits the P&L harder?", "would you kindly add
that warehouse, around 20,000 kg, fed by the Nakuru plant?", "whether anything in our little
network looks risky", a correction after "connect it to ..." still fixes the add, and a
Hungarian speaker's English ("please make them as supplier: one is in ...", "we send there the
ready powder every week. Please make this also.")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, kinds, links, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "What's the weather looking like in Lagos this week? Heavy rain delays our loading.",
            ("Lagos Warehouse",),
            ["out-of-scope"],
        ),
        (
            "What's the weather forecast for Bergen this week? If a storm closes the port there "
            "for 4 days, what happens to us?",
            ("Bergen Warehouse",),
            ["out-of-scope", "what-if-port-closure"],
        ),
        (
            "Which of those two scenarios hits the P&L harder?",
            ("Valparaiso Warehouse",),
            ["compare-simulations"],
        ),
        (
            "I see, thank you for explaining. Would you mind telling me whether anything in our "
            "little network looks risky?",
            ("Kisumu Supplier", "Nakuru Plant"),
            ["identify-risks"],
        ),
        (
            "I believe the packed tea goes to a warehouse in Mombasa before it is exported; would "
            "you kindly add that warehouse, around 20,000 kg, fed by the Nakuru plant?",
            ("Kisumu Supplier", "Nakuru Plant"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "The raw paprika we buy from two farmer cooperative, please make them as supplier: one "
            "is in Kecskemét with 9000 kilogram per month, the other one is in Békéscsaba with "
            "5000 kilogram. Both of them are delivering to the factory.",
            ("Szeged Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "We have also a warehouse in Budapest, it is 10 000 kilogram big. From the factory we "
            "send there the ready powder every week. Please make this also.",
            ("Szeged Plant", "Kecskemét Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
    ],
)
def test_round_124_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_it_after_an_out_of_scope_ask_is_the_node_it_named() -> None:
    (mark,) = commands(
        "Please pay the Akure supplier's overdue invoice, and mark it degraded, their dryer "
        "broke down.",
        ("Akure Supplier", "Lagos Warehouse", "Ibadan Plant"),
    )
    assert mark.params["node"].text == "Akure Supplier"


def test_the_first_warehouse_can_go_remove_that_one_is_one_removal(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Add warehouses in Montreal and Gatineau.",
        "Double the Gatineau one.",
    )
    said = talk(
        engine,
        "We're consolidating everything into Gatineau, so the first warehouse can go. Remove "
        "that one.",
        "yes",
    )
    assert said == [["confirmation"], ["remove-node"]]
    assert set(nodes(engine)) == {"Gatineau Warehouse"}


def test_a_correction_after_linking_the_new_node_as_it_fixes_the_add(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Add a warehouse in Rotterdam.")
    said = talk(
        engine,
        "Could you add a supplier in Busan, maybe around 5,000 units?",
        "Please connect it to Rotterdam Warehouse.",
        "Oh no, wait, I think it was 6,000, not 5,000, sorry!!",
    )
    assert said[-1] == ["add-supplier"]
    assert nodes(engine)["Busan Supplier"] == 6_000
    assert links(engine) == {("Busan Supplier", "Rotterdam Warehouse")}
