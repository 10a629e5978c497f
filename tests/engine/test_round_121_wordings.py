"""Wordings from round 121's first try, a test per wording fixed after it. Its one wrong
destructive action: "Remove that one." removed the node without asking, because the turn had
pinned "that one" to the node's id (stop 30's pin) and a node given by id counts as named
outright; a removal said by a pinned pointer now asks first. Also: "in peso" is the peso of the
user's country (the Philippine or Colombian peso; the twin now knows PHP, COP, CLP, ARS, PEN,
PKR, BDT, UAH, HUF, CZK, ILS and TWD), a Tagalog speaker's "send the products on the
warehouse", and "what 'degraded' means ... Would you mind explaining it to me?" (one help)."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import USER, kinds, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            'I\'m not entirely sure what "degraded" means in this tool. Would you mind explaining '
            "it to me?",
            ("Bogota Plant",),
            ["help"],
        ),
        (
            "Then please add warehouse in Manila, 20,000 kilo. The factory will send the products "
            "on the warehouse.",
            ("Cebu Plant", "Davao Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
    ],
)
def test_round_121_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_remove_that_one_asks_first_though_the_turn_pinned_it(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add three warehouses: Ho Chi Minh City 10,000, Da Nang 6,000 and Hanoi 8,000.",
        "How big is the second warehouse?",
        "Also connect it to the Hanoi one.",
    )
    assert talk(engine, "Remove that one.") == [["confirmation"]]
    assert "Hanoi Warehouse" in nodes(engine)
    assert talk(engine, "yes") == [["remove-node"]]
    assert "Hanoi Warehouse" not in nodes(engine)


@pytest.mark.parametrize(
    ("site", "said", "currency"),
    [
        ("Cebu", "Kindly change the currency in peso. Thanks po!", "PHP"),
        ("Bogota", "Set the currency to pesos.", "COP"),
        ("Monterrey", "Set the currency to pesos.", "MXN"),
        ("Lahore", "Use rupees please.", "PKR"),
        ("Cebu", "Set the currency to Mexican pesos.", "MXN"),
        ("Kyiv", "Switch the currency to hryvnia.", "UAH"),
    ],
)
def test_a_peso_is_the_users_countrys_peso(
    engine: SupplyChainEngine, site: str, said: str, currency: str
) -> None:
    talk(engine, f"Add a plant in {site}.", said)
    assert engine.twin.get_settings(USER).currency == currency
