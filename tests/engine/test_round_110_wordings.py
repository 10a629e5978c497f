"""Wordings from round 110's first try, a test per wording fixed after it: "stores in bilbao
and sevile" (a town misspelt after one spelt right, in a list) and "rm the sevile store" (the
typo between "the" and a kind: the removal asked about Bilbao Store, the user's only store, and
the scripted "yes" removed it: round 110's one wrong destructive action), a Hindi speaker's
"What you are suggesting I should do for it?", "How loaded are the suppliers compared with the
plant?", "text me a summary afterwards", "bump the Laredo warehouse to 36,000 as a buffer",
"Give me the overview so I can attach it." and "..., the congestion has cleared." Round 110
passes whole after these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language.cleaning import _correct
from omnitrack_realtime.engine.language.names import _EMPTY_NAMES

from .talking import city, commands, kinds, nodes, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


_SITES = ("Delhi Warehouse", "Laredo Warehouse", "Mombasa Warehouse", "Saltillo Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Delhi warehouse is almost full these days. What you are suggesting I should do for "
            "it?",
            ["recommend"],
        ),
        ("How loaded are the suppliers compared with the plant?", ["calculate-utilization"]),
        (
            "Any alerts right now? And text me a summary afterwards.",
            ["get-recent-alerts", "out-of-scope"],
        ),
        ("Right, bump the Laredo warehouse to 36,000 as a buffer.", ["update-node"]),
        ("Give me the overview so I can attach it.", ["get-network-summary"]),
        (
            "Mombasa Warehouse back to operational please, the congestion has cleared.",
            ["update-node"],
        ),
    ],
)
def test_round_110_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _SITES) == expected


def test_a_town_misspelt_after_one_spelt_right_in_a_list() -> None:
    adds = commands("stores in bilbao and sevile, both fed from the madrid dc")
    assert [city(c) for c in adds if c.intent == "add-retailer"] == ["Bilbao", "Seville"]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a verb after a town is no town of the list ("Baise" is a town one letter from "raise")
        ("feeding Taichung, and raise Rotterdam Distribution Center", "raise"),
        ("the central store is down", "central"),  # a word that is itself a town's name
        # a list of towns is of one country (Sorong, Indonesia, is one letter from "strong")
        ("make simulation of earthquake in Osaka, strong", "strong"),
    ],
)
def test_words_beside_towns_are_not_made_towns(text: str, kept: str) -> None:
    assert kept in _correct(text, _EMPTY_NAMES)[0]


def test_removing_the_misspelt_store_asks_about_that_store_not_the_only_one(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "dc madrid 15k", "stores in bilbao and sevile, both fed from the madrid dc")
    assert set(nodes(engine)) == {
        "Madrid Distribution Center",
        "Bilbao Store",
        "Seville Store",
    }
    assert talk(engine, "rm the sevile store", "yes") == [["confirmation"], ["remove-node"]]
    assert "Bilbao Store" in nodes(engine) and "Seville Store" not in nodes(engine)


def test_a_reason_after_a_change_is_no_second_step_but_a_question_is() -> None:
    assert kinds(
        "Connect Wolfsburg Plant to Leipzig Warehouse so Wolfsburg still has an outlet, then show "
        "me which warehouses are over 15,000 capacity.",
        ("Wolfsburg Plant", "Leipzig Warehouse"),
    ) == ["connect-nodes", "list-nodes"]
