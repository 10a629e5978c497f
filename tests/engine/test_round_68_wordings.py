"""Wordings from round 68's first try, a test per wording: ops shorthand with a typo of the
town ("sup mersn 12k", "2nd sup adana 6k, also ships to konya"), "I suppose" as a hedge, a
link asked with one end after an add ("connect it as well") joining the one other node the
message names, and "the last store" never meaning a node of another type."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language.mood import Mood, mood
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, kinds, links, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("sup mersn 12k", ("Konya Plant",), ["add-supplier"]),
        (
            "2nd sup adana 6k, also ships to konya",
            ("Konya Plant", "Mersin Supplier"),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Thank you. I suppose I should start with our cocoa supplier. It's in Mechelen, "
            "Belgium, and delivers about 5,000 units a month. Could you add it, please?",
            ("Leuven Plant",),
            ["smalltalk", "add-supplier"],
        ),
        (
            "Our shop in Charleroi sells what the factory makes. Could you add it as a store and "
            "connect it as well?",
            ("Leuven Plant",),
            ["add-retailer", "connect-nodes"],
        ),
    ],
)
def test_round_68_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i suppose i should start with our supplier", Mood.COMMAND),
        ("suppose the lyon plant fails for a week", Mood.HYPOTHETICAL),
    ],
)
def test_i_suppose_is_a_hedge_and_suppose_a_supposition(text: str, expected: Mood) -> None:
    assert (mood(text) == Mood.HYPOTHETICAL) == (expected == Mood.HYPOTHETICAL)


def test_connect_it_as_well_joins_the_other_node_the_message_names(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add a plant in Leuven, 8k",
        "Our shop in Charleroi sells what the factory makes. Could you add it as a store and "
        "connect it as well?",
    )
    assert links(engine) == {("Leuven Plant", "Charleroi Store")}


def test_the_last_store_is_the_newest_store_not_the_node_talked_about(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "add stores in Curitiba and Joinville",
        "add a warehouse in Santos",
        "how big is Santos Warehouse?",
    )
    outcome = engine.run_turn(EngineRequest(USER, "c1", "What feeds the last store?", ()))
    assert "Joinville Store" in outcome.text
    assert "Santos Warehouse" not in outcome.text.split("\n")[0]


def test_that_warehouse_with_none_talked_about_asks_which(engine: SupplyChainEngine) -> None:
    talk(engine, "add warehouses in Santos and Campinas", "add a plant in Sorocaba")
    # a new conversation: nothing talked about yet
    outcome = engine.run_turn(EngineRequest(USER, "c2", "what feeds that warehouse?", ()))
    assert "Which one do you mean?" in outcome.text
    assert "Sorocaba" not in outcome.text
